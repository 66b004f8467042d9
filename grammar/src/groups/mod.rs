//! Configuration groups (Junos `groups` and `apply-groups`).
//!
//! ```text
//!  candidate / committed tree (as written)        expand()            typed::intent, validate,
//!  groups { jumbo { interfaces { <*> {     ────────────────────►      the daemon's commit
//!      mtu 9000; } } } }                   interfaces { eth1 {
//!  apply-groups jumbo;                         mtu 9000; } }          inheritance():
//!  interfaces { eth1; }                                               `| display inheritance`
//! ```
//! The tree keeps `groups` and `apply-groups` as written (`show` prints them, the datastore
//! stores them); everything that acts on the configuration reads the *expansion*, in which each
//! statement that applies a group (`apply-groups [ G1 G2 ]`) inherits that group's statements at
//! the same path, and so does everything below it:
//!
//! - a statement configured at the level wins over an inherited one; of two groups the one
//!   listed first wins; groups applied lower in the tree win over those applied above;
//!   leaf-lists and lists take the values and entries of every group (own ones first);
//! - `apply-groups-except [ G ]` stops G from applying at its level and below;
//! - inside a group an entry named `<pattern>` (shell wildcards, see [`wildcard`]) applies to
//!   every entry of the target whose name matches, and never creates one; a group's entries
//!   are tried in configuration order (the first that sets a statement wins);
//! - group paths are absolute: a group applied at `interfaces eth1` contributes its
//!   `interfaces <*>` or `interfaces eth1` statements, nothing above that level;
//! - inactive groups, inactive statements in a group and inactive `apply-groups` do nothing;
//!   nothing is inherited into an inactive statement.
//!
//! lsys choices (documented in lsys.conf(5)): groups do not nest (no `apply-groups` inside
//! `groups`); a group never creates a logical system (a `logical-systems NAME` in a group applies
//! only to an existing one, as a wildcard would), so each logical system stays its own scope;
//! `groups`, `apply-groups` and `apply-groups-except` are operator-only: a tenant neither sees
//! the operator's groups nor applies them (the operator may apply them inside its logical
//! system, where the tenant sees the `apply-groups` statement but cannot change it).
//! `apply-groups` directly under `logical-systems` is not accepted (apply at the root or in the
//! logical system).

mod display;
mod expand;
pub mod wildcard;

use std::borrow::Cow;

pub use display::{inheritance, inheritance_with, Notes};
pub use wildcard::is_wildcard;

use crate::schema::Schema;
use crate::tree::{Node, Step};
use crate::types::quote;
use crate::validate::CheckError;
use expand::{Expander, Mode};

/// The names of the groups configured in `root`, in order (what `apply-groups` may name).
pub fn names(root: &Node) -> Vec<String> {
    let schema = Schema::get();
    root.children
        .iter()
        .filter(|c| schema.node(c.schema).template)
        .flat_map(|c| c.children.iter())
        .filter_map(|g| g.key.clone())
        .collect()
}

/// True when `root` has an active group (otherwise nothing can be inherited).
pub fn has_groups(root: &Node) -> bool {
    !expand::groups_of(root).is_empty()
}

/// True when `root` configures `groups` at all (active or not).
fn has_groups_statement(root: &Node) -> bool {
    let schema = Schema::get();
    root.children.iter().any(|c| schema.node(c.schema).template)
}

/// The configuration commits act on: every applied group's statements inherited, inactive
/// statements, `groups` and `apply-groups` left out. Borrows `root` when it has no `groups`
/// (then nothing can be inherited; an `apply-groups` naming no group stays, and is refused at
/// commit).
pub fn expand(root: &Node) -> Cow<'_, Node> {
    if !has_groups_statement(root) {
        return Cow::Borrowed(root);
    }
    Cow::Owned(Expander::new(root, Mode::Commit).root(root))
}

/// The top-level statements `words` of `root` alone (`system`), expanded as [`expand`] would:
/// what reads only those does not pay for copying 1,000 logical systems. Borrows `root` when
/// it has no groups.
pub fn expand_only<'a>(root: &'a Node, words: &[&str]) -> Cow<'a, Node> {
    if !has_groups_statement(root) {
        return Cow::Borrowed(root);
    }
    let schema = Schema::get();
    let mut out = Node::new(root.schema, None);
    for w in words {
        let Some(id) = schema.child_by_word(root.schema, w) else {
            continue;
        };
        if let Some(n) = expand_at(root, &[Step::new(id, None)]) {
            out.children.push(n);
        }
    }
    Cow::Owned(out)
}

/// The statement at the absolute `path` of `root`, expanded as [`expand`] would (for one
/// logical system: `view::ls_path(name)`), without expanding the rest of the tree. `None` when
/// it is neither configured nor created by a group, or not active.
pub fn expand_at(root: &Node, path: &[Step]) -> Option<Node> {
    if !has_groups_statement(root) {
        return root.at(path).filter(|n| !n.inactive).map(Node::active);
    }
    Expander::new(root, Mode::Commit).at(root, path)
}

/// Whether what `root` lends to its logical systems from outside them — the `groups` and the
/// top-level `apply-groups` — differs between `a` and `b`: then a logical system's expansion
/// may change although its own statements did not.
pub fn lent_differs(a: &Node, b: &Node) -> bool {
    let schema = Schema::get();
    let lent = |n: &Node| -> Vec<Node> {
        n.children
            .iter()
            .filter(|c| schema.node(c.schema).template || expand::is_apply(schema, c.schema))
            .cloned()
            .collect()
    };
    lent(a) != lent(b)
}

/// What a tenant's `| display inheritance` expands: the operator's `groups` and top-level
/// `apply-groups` of `running` around logical system `ls` as the tenant has it (`entry`).
pub fn context(running: &Node, ls: &str, entry: Node) -> Node {
    let schema = Schema::get();
    let mut out = Node::root();
    for c in running.children.iter() {
        if schema.node(c.schema).template || expand::is_apply(schema, c.schema) {
            out.children.push(c.clone());
        }
    }
    let path = crate::view::ls_path(ls);
    if let Some((last, parent)) = path.split_last() {
        let holder = out.at_or_insert(parent);
        holder.remove_child(last.schema, last.key.as_deref());
        holder.insert_child(entry);
    }
    out
}

/// Commit check: every group that `apply-groups` or `apply-groups-except` names is configured.
/// `scope`: the logical system to check, or `None` for the whole tree (a group deleted at the
/// root fails the root's commit, wherever it was applied).
pub fn check(root: &Node, scope: Option<&str>, errs: &mut Vec<CheckError>) {
    let schema = Schema::get();
    let defined: Vec<&str> = schema
        .node(root.schema)
        .children
        .iter()
        .copied()
        .filter(|&c| schema.node(c).template)
        .flat_map(|c| root.children_of(c))
        .flat_map(|c| c.children.iter())
        .filter_map(|g| g.key.as_deref())
        .collect();
    let (start, base) = match scope {
        None => (Some(root), Vec::new()),
        Some(ls) => (
            root.at(&crate::view::ls_path(ls)),
            vec!["logical-systems".to_string(), quote(ls)],
        ),
    };
    if let Some(start) = start {
        let mut above = Vec::new();
        walk(schema, start, &defined, &base, &mut above, errs);
    }
}

/// Visits every active container and entry below `n` (the root's walk covers 1,000 logical
/// systems on every root commit, so nothing is allocated unless a reference is dangling).
/// `above` are the statements between the walk's start and `n`.
fn walk<'a>(
    schema: &Schema,
    n: &'a Node,
    defined: &[&str],
    base: &[String],
    above: &mut Vec<&'a Node>,
    errs: &mut Vec<CheckError>,
) {
    if n.inactive || schema.node(n.schema).template {
        return;
    }
    // The `apply-groups` statements print first (after `groups` at the top): they are among
    // the first three children, if anywhere.
    for c in n
        .children
        .iter()
        .take(3)
        .filter(|c| expand::is_apply(schema, c.schema) && !c.inactive)
    {
        for g in c.values.iter().filter(|g| !defined.contains(&g.as_str())) {
            let mut path = base.to_vec();
            let steps: Vec<Step> = above
                .iter()
                .map(|a| Step::new(a.schema, a.key.clone()))
                .collect();
            path.extend(crate::path::words_of(schema, &steps));
            errs.push(CheckError {
                path,
                statement: format!("{} {}", schema.node(c.schema).word, quote(g)),
                message: format!("Referenced group {} is not defined", quote(g)),
                tenant_message: None,
            });
        }
    }
    for c in n.children.iter().filter(|c| !c.children.is_empty()) {
        above.push(c);
        walk(schema, c, defined, base, above, errs);
        above.pop();
    }
}
