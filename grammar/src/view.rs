//! Views: the operator sees the whole configuration; a tenant sees its logical system as if it
//! were the root of a router.
//!
//! A tenant's paths resolve below `logical-systems <LS>`, so nothing outside it can even be
//! named. Statements marked `@operator` (the physical units, VLAN tags, bridge domains) can be
//! read but not changed by a tenant: every tenant edit runs against the tree and is undone when
//! it touched an operator-only statement (or the inactive flag of one of its ancestors).

use std::fmt;

use crate::edit::{self, EditError};
use crate::path::{resolve, Match, PathError, Target, Values, Word};
use crate::schema::{Schema, SchemaId, ROOT};
use crate::text::{curly, set, Ignored, Report, TextErrors, Unknown};
use crate::tree::{Node, Step};

/// Who is looking: the operator (root) or a tenant confined to a logical system.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct View {
    logical_system: Option<String>,
    /// Operator-only statements are hidden from completion and cannot be changed.
    confined: bool,
}

/// How `load` combines text with the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadMode {
    Merge,
    Override,
    Replace,
    Set,
}

/// Why a `load` failed; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// Every error of the text (with line and column).
    Text(TextErrors),
    Edit(EditError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Text(e) => write!(f, "{e}"),
            LoadError::Edit(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoadError {}

impl View {
    pub fn operator() -> View {
        View::default()
    }

    pub fn tenant(logical_system: impl Into<String>) -> View {
        View {
            logical_system: Some(logical_system.into()),
            confined: true,
        }
    }

    /// The operator working inside a logical system (`set cli logical-system LS`): paths are
    /// relative to it, but nothing is off limits.
    pub fn operator_in(logical_system: impl Into<String>) -> View {
        View {
            logical_system: Some(logical_system.into()),
            confined: false,
        }
    }

    pub fn logical_system(&self) -> Option<&str> {
        self.logical_system.as_deref()
    }

    /// True for a tenant: confined to its logical system, operator-only statements guarded.
    pub fn is_tenant(&self) -> bool {
        self.confined
    }

    /// The absolute path of this view's root.
    pub fn base(&self) -> Vec<Step> {
        match &self.logical_system {
            None => Vec::new(),
            Some(ls) => ls_path(ls),
        }
    }

    /// The words of [`View::base`] (`logical-systems l2`).
    pub fn base_words(&self) -> Vec<String> {
        match &self.logical_system {
            None => Vec::new(),
            Some(ls) => vec!["logical-systems".to_string(), ls.clone()],
        }
    }

    /// The schema node of this view's root.
    pub fn start(&self) -> SchemaId {
        match self.logical_system {
            None => ROOT,
            Some(_) => Schema::get().logical_system(),
        }
    }

    /// The absolute path of an edit level given relative to this view.
    pub fn abs(&self, edit: &[Step]) -> Vec<Step> {
        let mut p = self.base();
        p.extend_from_slice(edit);
        p
    }

    /// The schema node at an edit level.
    pub fn schema_at(&self, edit: &[Step]) -> SchemaId {
        edit.last().map_or(self.start(), |s| s.schema)
    }

    /// This view's part of the configuration.
    pub fn scope<'a>(&self, root: &'a Node) -> Option<&'a Node> {
        root.at(&self.base())
    }

    /// Resolves `words` at edit level `edit` (relative to the view).
    pub fn resolve(
        &self,
        edit: &[Step],
        words: &[Word],
        mode: Match,
        values: Values,
    ) -> Result<Vec<Target>, PathError> {
        resolve(Schema::get(), self.schema_at(edit), words, mode, values)
    }

    /// Runs an edit on `root`; for a tenant, undoes it and refuses when it changed an
    /// operator-only statement. `f` gets the absolute path of the view's root.
    pub fn edit<F>(&self, root: &mut Node, f: F) -> Result<(), EditError>
    where
        F: FnOnce(&mut Node, &[Step]) -> Result<(), EditError>,
    {
        let base = self.base();
        if !self.is_tenant() {
            return f(root, &base);
        }
        let before = root.at(&base).cloned();
        let result = f(root, &base);
        let changed = operator_change(before.as_ref(), root.at(&base), &mut Vec::new());
        if result.is_err() || changed.is_some() {
            restore(root, &base, before);
        }
        result?;
        match changed {
            Some(path) => Err(EditError::OperatorOnly(path)),
            None => Ok(()),
        }
    }

    /// `load merge|override|replace|set terminal|FILE [relative]` with the text already read.
    ///
    /// Statements lsys does not have (a device's `chassis`, `system services`) are left out
    /// and returned; any error (each one is reported) leaves `root` as it was.
    pub fn load(
        &self,
        root: &mut Node,
        edit_level: &[Step],
        mode: LoadMode,
        text: &str,
        relative: bool,
    ) -> Result<Ignored, LoadError> {
        let level: Vec<Step> = if relative {
            edit_level.to_vec()
        } else {
            Vec::new()
        };
        let start = self.schema_at(&level);
        // A tenant's edit is undone by `edit`; the operator's load is undone from a snapshot.
        let snapshot = (!self.is_tenant()).then(|| root.clone());
        let mut report = Report::new(Unknown::Ignore);
        let result = self.edit(root, |root, base| {
            let mut at = base.to_vec();
            at.extend_from_slice(&level);
            match mode {
                LoadMode::Merge | LoadMode::Replace => {
                    let stmts = curly::parse_with(text, &mut report);
                    let m = if mode == LoadMode::Merge {
                        curly::Mode::Merge
                    } else {
                        curly::Mode::Replace
                    };
                    curly::apply_with(root, &at, start, &stmts, m, &mut report);
                }
                LoadMode::Set => {
                    let cmds = set::parse_with(text, &mut report);
                    set::apply_with(root, &at, start, &cmds, &mut report);
                }
                LoadMode::Override => {
                    let stmts = curly::parse_with(text, &mut report);
                    let target = root.at_or_insert(&at);
                    let old =
                        std::mem::replace(target, Node::new(target.schema, target.key.clone()));
                    curly::apply_with(root, &at, start, &stmts, curly::Mode::Merge, &mut report);
                    if report.errors.is_empty() && self.is_tenant() {
                        // What a tenant cannot change stays as the operator left it.
                        if let Some(new) = root.at_mut(&at) {
                            keep_operator_part(new, &old);
                        }
                    }
                }
            }
            if report.errors.is_empty() {
                Ok(())
            } else {
                Err(EditError::Invalid(String::new()))
            }
        });
        if result.is_err() {
            if let Some(snapshot) = snapshot {
                *root = snapshot;
            }
        }
        match (result, report.finish()) {
            (_, Err(errors)) => Err(LoadError::Text(errors)),
            (Err(e), Ok(_)) => Err(LoadError::Edit(e)),
            (Ok(()), Ok(ignored)) => Ok(ignored),
        }
    }
}

/// The absolute path of logical system `ls`.
pub fn ls_path(ls: &str) -> Vec<Step> {
    let schema = Schema::get();
    let lss = schema.logical_system();
    let container = schema.node(lss).parent.unwrap_or(ROOT);
    vec![
        Step::new(container, None),
        Step::new(lss, Some(ls.to_string())),
    ]
}

fn restore(root: &mut Node, base: &[Step], before: Option<Node>) {
    let Some((last, parent)) = base.split_last() else {
        return;
    };
    let p = root.at_or_insert(parent);
    match before {
        Some(node) => match p.child_mut(last.schema, last.key.as_deref()) {
            Some(slot) => *slot = node,
            None => {
                p.insert_child(node);
            }
        },
        None => {
            p.remove_child(last.schema, last.key.as_deref());
        }
    }
}

/// True when an operator-only statement sits at or below `n`.
fn holds_operator_only(n: &Node) -> bool {
    Schema::get().node(n.schema).operator_only || n.children.iter().any(holds_operator_only)
}

/// The children of `n` that hold operator-only statements.
fn holders(n: Option<&Node>) -> impl Iterator<Item = &Node> {
    n.into_iter()
        .flat_map(|n| n.children.iter())
        .filter(|c| holds_operator_only(c))
}

/// The path (words) of the first operator-only statement that differs between `a` and `b`, or
/// of an ancestor of one whose inactive flag differs. `None` is "not configured": it differs
/// from every statement, including a flag or an empty container or entry (comparing with an
/// empty stand-in instead let a tenant add `flexible-vlan-tagging`).
fn operator_change<'a>(
    a: Option<&'a Node>,
    b: Option<&'a Node>,
    words: &mut Vec<String>,
) -> Option<String> {
    let schema = Schema::get();
    let here = |words: &Vec<String>| words.join(" ");
    let x = a.or(b)?;
    if schema.node(x.schema).operator_only {
        return (a != b).then(|| here(words));
    }
    if let (Some(a), Some(b)) = (a, b) {
        if a.inactive != b.inactive && (holds_operator_only(a) || holds_operator_only(b)) {
            return Some(here(words));
        }
    }
    // Children that hold operator-only statements, each compared with its counterpart (a
    // pair is visited once: from `a`'s side when `a`'s child holds some).
    let counterpart =
        |n: Option<&'a Node>, c: &Node| n.and_then(|n| n.child(c.schema, c.key.as_deref()));
    let pairs = holders(a).map(|x| (Some(x), counterpart(b, x))).chain(
        holders(b)
            .map(|y| (counterpart(a, y), Some(y)))
            .filter(|(x, _)| !x.is_some_and(holds_operator_only)),
    );
    for (x, y) in pairs {
        let Some(c) = x.or(y) else { continue };
        let node = schema.node(c.schema);
        let depth = words.len();
        if !node.keyless {
            words.push(node.word.clone());
        }
        if let Some(k) = &c.key {
            words.push(k.clone());
        }
        let r = operator_change(x, y, words);
        words.truncate(depth);
        if r.is_some() {
            return r;
        }
    }
    None
}

/// Makes the operator-only statements of `new` exactly those of `old` (what a tenant's
/// `load override` keeps): operator-only statements of `new` go, also below statements that
/// `old` does not have; `old`'s come back, with the inactive flags of their ancestors (`new`'s
/// own flag included).
pub fn keep_operator_part(new: &mut Node, old: &Node) {
    let schema = Schema::get();
    if holds_operator_only(old) {
        new.inactive = old.inactive;
    }
    new.children
        .retain(|c| !schema.node(c.schema).operator_only);
    // Holders `old` has nothing operator-only under lose theirs; the others are done below.
    for n in new.children.iter_mut() {
        let counterpart = old.child(n.schema, n.key.as_deref());
        if holds_operator_only(n) && !counterpart.is_some_and(holds_operator_only) {
            keep_operator_part(n, &Node::new(n.schema, n.key.clone()));
        }
    }
    for c in &old.children {
        if schema.node(c.schema).operator_only {
            new.insert_child(c.clone());
        } else if holds_operator_only(c) {
            let step = Step::new(c.schema, c.key.clone());
            let n = new.child_or_insert(&step);
            n.inactive = c.inactive;
            keep_operator_part(n, c);
        }
    }
}

/// Convenience for callers: `set` words at an edit level, through the view's guard.
pub fn set_words(
    view: &View,
    root: &mut Node,
    edit_level: &[Step],
    words: &[Word],
    mode: Match,
) -> Result<(), ViewError> {
    let targets = view
        .resolve(edit_level, words, mode, Values::Required)
        .map_err(ViewError::Path)?;
    view.edit(root, |root, base| {
        let mut at = base.to_vec();
        at.extend_from_slice(edit_level);
        edit::set(root, &at, &targets)
    })
    .map_err(ViewError::Edit)
}

/// An error from a path or an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewError {
    Path(PathError),
    Edit(EditError),
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViewError::Path(e) => write!(f, "{e}"),
            ViewError::Edit(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ViewError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::print;

    const SEED: &str = include_str!("../tests/fixtures/seed.conf");

    fn seed() -> Node {
        curly::read(SEED, ROOT).unwrap()
    }

    #[test]
    fn tenant_paths_start_at_the_logical_system() {
        let mut root = seed();
        let v = View::tenant("l2");
        set_words(
            &v,
            &mut root,
            &[],
            &Word::split("routing-options router-id 10.0.0.13"),
            Match::Exact,
        )
        .unwrap();
        let ls = v.scope(&root).unwrap();
        assert_eq!(
            ls.get("routing-options").unwrap().leaf("router-id"),
            Some("10.0.0.13")
        );
        // `system` does not exist inside a logical system.
        assert!(set_words(
            &v,
            &mut root,
            &[],
            &Word::split("system host-name x"),
            Match::Exact
        )
        .is_err());
    }

    #[test]
    fn tenants_cannot_touch_operator_statements() {
        let mut root = seed();
        let before = root.clone();
        let v = View::tenant("l2");
        for line in [
            "interfaces eth1 unit 4 vlan-id 7",
            "bridge-domains bd-x routing-interface irb.9",
            "interfaces eth1 unit 9 encapsulation vlan-bridge",
        ] {
            let e = set_words(&v, &mut root, &[], &Word::split(line), Match::Exact).unwrap_err();
            assert!(
                matches!(e, ViewError::Edit(EditError::OperatorOnly(_))),
                "{line}: {e}"
            );
            assert_eq!(root, before, "{line} left a change behind");
        }
        // Deleting or deactivating what holds operator statements is refused too.
        let t = v
            .resolve(
                &[],
                &Word::split("interfaces eth1 unit 4"),
                Match::Exact,
                Values::Optional,
            )
            .unwrap();
        let e = v
            .edit(&mut root, |r, b| edit::delete(r, b, &t[0]))
            .unwrap_err();
        assert!(matches!(e, EditError::OperatorOnly(_)));
        let e = v
            .edit(&mut root, |r, b| edit::set_active(r, b, &t[0], false))
            .unwrap_err();
        assert!(matches!(e, EditError::OperatorOnly(_)));
        assert_eq!(root, before);
        // The tenant's own statements are fine, including a description on the circuit.
        set_words(
            &v,
            &mut root,
            &[],
            &Word::split("interfaces eth1 unit 4 description mine"),
            Match::Exact,
        )
        .unwrap();
        let t = v
            .resolve(
                &[],
                &Word::split("interfaces irb unit 4"),
                Match::Exact,
                Values::Optional,
            )
            .unwrap();
        v.edit(&mut root, |r, b| edit::set_active(r, b, &t[0], false))
            .unwrap();
    }

    #[test]
    fn tenant_override_keeps_operator_part() {
        let mut root = seed();
        let v = View::tenant("l2");
        v.load(
            &mut root,
            &[],
            LoadMode::Override,
            "routing-options { autonomous-system 65001; }",
            false,
        )
        .unwrap();
        let ls = v.scope(&root).unwrap();
        let text = print::curly(ls);
        assert!(text.contains("autonomous-system 65001;"), "{text}");
        assert!(text.contains("vlan-tags outer 1000 inner 100;"), "{text}");
        assert!(text.contains("bridge-domains"), "{text}");
        assert!(!text.contains("routing-instances"), "{text}");
        // The rest of the router is untouched.
        assert_eq!(root.get("system"), seed().get("system"));
        // Override of nothing empties the tenant's part only.
        v.load(&mut root, &[], LoadMode::Override, "", false)
            .unwrap();
        let text = print::curly(v.scope(&root).unwrap());
        assert!(!text.contains("autonomous-system"), "{text}");
        assert!(text.contains("vlan-id 4;"), "{text}");
        // Changing an operator statement through load is refused, nothing changes.
        let before = root.clone();
        let e = v
            .load(
                &mut root,
                &[],
                LoadMode::Merge,
                "interfaces { eth1 { unit 4 { vlan-id 9; } } }",
                false,
            )
            .unwrap_err();
        assert!(
            matches!(e, LoadError::Edit(EditError::OperatorOnly(_))),
            "{e}"
        );
        assert_eq!(root, before);
    }

    #[test]
    fn load_set_and_errors_leave_nothing_behind() {
        let mut root = seed();
        let before = root.clone();
        let v = View::operator();
        let e = v
            .load(
                &mut root,
                &[],
                LoadMode::Set,
                "set routing-options router-id 1.2.3.4\nset routing-options router-id bogus\n",
                false,
            )
            .unwrap_err();
        assert!(
            matches!(&e, LoadError::Text(t) if t.first().map(|e| e.line) == Some(2)),
            "{e:?}"
        );
        assert_eq!(root, before);
        v.load(
            &mut root,
            &[],
            LoadMode::Set,
            "set routing-options router-id 1.2.3.4\n",
            false,
        )
        .unwrap();
        assert_eq!(
            root.get("routing-options").unwrap().leaf("router-id"),
            Some("1.2.3.4")
        );
    }

    #[test]
    fn relative_load_and_replace_tags() {
        let mut root = seed();
        let v = View::tenant("l2");
        let level = v
            .resolve(
                &[],
                &Word::split(
                    "routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8 protocols bgp",
                ),
                Match::Exact,
                Values::Optional,
            )
            .unwrap()
            .remove(0)
            .steps;
        v.load(
            &mut root,
            &level,
            LoadMode::Replace,
            "replace: group aws { type external; peer-as 7224; }",
            true,
        )
        .unwrap();
        let bgp = v.scope(&root).unwrap().at(&level).unwrap();
        let aws = bgp
            .list("group")
            .find(|g| g.key.as_deref() == Some("aws"))
            .unwrap();
        assert_eq!(aws.leaf("peer-as"), Some("7224"));
        assert_eq!(
            aws.list("neighbor").count(),
            0,
            "replace: drops what was there"
        );
    }
}
