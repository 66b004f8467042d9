//! Which scopes a commit changes, whether someone else changed them first, and the new tree.
//!
//! A configuration is cut into scopes: the root part (everything but `logical-systems`) and
//! one scope per logical system. A candidate remembers the running configuration it was based
//! on (`base`). A commit takes from the candidate only the scopes the user changed
//! (candidate ≠ base) and keeps every other scope as it is running *now*, so a commit never
//! reverts a change it did not make. If a scope the user changed was also changed in the
//! running configuration since the base was taken, the commit is refused ("configuration
//! database modified"): the user must `rollback 0` (or `update`) and redo the change.

use std::collections::BTreeSet;

use lsys_grammar::scope;
use lsys_grammar::tree::Node;
use lsys_grammar::view::{keep_operator_part, ls_path, View};

use crate::running::{empty_ls, replace_ls};

/// A scope: `None` is the root part, `Some(ls)` a logical system.
pub type ScopeName = Option<String>;

/// A commit's new tree and the scopes it writes.
#[derive(Debug)]
pub struct Merged {
    pub tree: Node,
    /// Scopes the commit writes a history entry for (the view's own scope always, even
    /// without a change; for the operator also every logical system it changed).
    pub touched: BTreeSet<ScopeName>,
    /// Scopes whose content differs from the running configuration.
    pub changed: BTreeSet<ScopeName>,
}

/// A scope the user changed was changed by someone else since the candidate was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict(pub ScopeName);

/// The part of `tree` in scope `s` (`None` when a logical system is not configured).
pub fn scope_of(tree: &Node, s: &ScopeName) -> Option<Node> {
    match s {
        Some(ls) => tree.at(&ls_path(ls)).cloned(),
        None => Some(scope::split_root(tree)),
    }
}

fn same_scope(a: &Node, b: &Node, s: &ScopeName) -> bool {
    match s {
        Some(ls) => a.at(&ls_path(ls)) == b.at(&ls_path(ls)),
        None => scope::split_root(a) == scope::split_root(b),
    }
}

/// Puts scope `s` of `from` into `tree` (removing it when `from` has none).
pub fn copy_scope(tree: &mut Node, from: &Node, s: &ScopeName) {
    match s {
        Some(ls) => replace_ls(tree, ls, from.at(&ls_path(ls)).cloned()),
        None => scope::replace_root(tree, scope::split_root(from)),
    }
}

/// Every scope of `tree`.
fn scopes(tree: &Node) -> BTreeSet<ScopeName> {
    let mut out: BTreeSet<ScopeName> = [None].into();
    if let Some(lss) = tree.get("logical-systems") {
        out.extend(lss.children.iter().map(|c| c.key.clone()));
    }
    out
}

/// Merges the view's changes (`candidate` against `base`) into `running`.
pub fn merge(
    running: &Node,
    candidate: &Node,
    base: &Node,
    view: &View,
) -> Result<Merged, Conflict> {
    let mine: BTreeSet<ScopeName> = match view.logical_system() {
        Some(ls) => [Some(ls.to_string())].into(),
        None => scopes(candidate).union(&scopes(base)).cloned().collect(),
    };
    let mut tree = running.clone();
    let mut touched = BTreeSet::new();
    let mut changed = BTreeSet::new();
    let own: ScopeName = view.logical_system().map(str::to_string);
    for s in mine {
        let edited = !same_scope(candidate, base, &s);
        if !edited {
            if s == own {
                touched.insert(s);
            }
            continue;
        }
        if !same_scope(running, base, &s) {
            return Err(Conflict(s));
        }
        copy_scope(&mut tree, candidate, &s);
        if view.is_tenant() {
            // A tenant's commit never changes what the operator owns, whatever its candidate
            // says.
            if let Some(ls) = &s {
                let old = running
                    .at(&ls_path(ls))
                    .cloned()
                    .unwrap_or_else(|| empty_ls(ls));
                let mut new = tree
                    .at(&ls_path(ls))
                    .cloned()
                    .unwrap_or_else(|| empty_ls(ls));
                keep_operator_part(&mut new, &old);
                replace_ls(&mut tree, ls, Some(new));
            }
        }
        if !same_scope(running, &tree, &s) {
            changed.insert(s.clone());
        }
        touched.insert(s);
    }
    Ok(Merged {
        tree,
        touched,
        changed,
    })
}

#[cfg(test)]
mod tests {
    use lsys_grammar::schema::ROOT;
    use lsys_grammar::text::{curly, print};

    use super::*;

    fn tree(s: &str) -> Node {
        curly::read(s, ROOT).unwrap()
    }

    const BASE: &str = "system { host-name r1; }
        logical-systems { a { routing-options { autonomous-system 1; } }
                          b { routing-options { autonomous-system 2; } } }";

    #[test]
    fn a_commit_keeps_what_others_committed_since() {
        let base = tree(BASE);
        // Someone committed logical system b meanwhile.
        let running = tree(&BASE.replace("autonomous-system 2", "autonomous-system 22"));
        // The operator only changed the host name.
        let cand = tree(&BASE.replace("host-name r1", "host-name r2"));
        let m = merge(&running, &cand, &base, &View::operator()).unwrap();
        let text = print::curly(&m.tree);
        assert!(text.contains("host-name r2") && text.contains("autonomous-system 22"));
        assert_eq!(m.changed, [None].into());
    }

    #[test]
    fn a_scope_changed_on_both_sides_is_a_conflict() {
        let base = tree(BASE);
        let running = tree(&BASE.replace("autonomous-system 2", "autonomous-system 22"));
        let cand = tree(&BASE.replace("autonomous-system 2", "autonomous-system 23"));
        assert_eq!(
            merge(&running, &cand, &base, &View::operator()).unwrap_err(),
            Conflict(Some("b".into()))
        );
        assert_eq!(
            merge(&running, &cand, &base, &View::tenant("b")).unwrap_err(),
            Conflict(Some("b".into()))
        );
    }

    #[test]
    fn a_tenant_touches_only_its_scope() {
        let base = tree(BASE);
        let cand = tree(&BASE.replace("host-name r1", "host-name evil"));
        let m = merge(&base, &cand, &base, &View::tenant("a")).unwrap();
        assert_eq!(m.tree, base);
        assert_eq!(m.touched, [Some("a".to_string())].into());
        assert!(m.changed.is_empty());
    }

    #[test]
    fn deleting_a_logical_system_is_a_change_of_its_scope() {
        let base = tree(BASE);
        let cand = tree("system { host-name r1; } logical-systems { a { routing-options { autonomous-system 1; } } }");
        let m = merge(&base, &cand, &base, &View::operator()).unwrap();
        assert!(m.tree.at(&ls_path("b")).is_none());
        assert_eq!(m.changed, [Some("b".to_string())].into());
    }
}
