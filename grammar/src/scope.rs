//! Scopes: the operator's root configuration and one configuration per logical system.
//!
//! The datastore keeps each scope's committed text separately, so a tenant's commit writes only
//! its own scope and a rollback touches nothing else. [`split`] cuts a whole tree into scopes,
//! [`join`] puts them back; `join(split(t)) == t`.

use std::collections::BTreeMap;

use crate::schema::{Schema, SchemaId, ROOT};
use crate::text::{curly, print, TextError};
use crate::tree::{Children, Node};

/// The `logical-systems` container's schema node.
fn ls_container() -> SchemaId {
    Schema::get()
        .child_by_word(ROOT, "logical-systems")
        .unwrap_or(ROOT)
}

/// A whole configuration cut into scopes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes {
    /// Everything but the logical systems.
    pub root: Node,
    /// Each logical system's statements (rooted at its `logical-systems NAME` entry), and
    /// whether the entry itself is inactive / annotated.
    pub logical_systems: BTreeMap<String, Node>,
    /// Order of the logical systems as configured.
    pub order: Vec<String>,
}

/// Cuts `root` into scopes.
pub fn split(root: &Node) -> Scopes {
    let container = ls_container();
    let mut out = Scopes {
        root: Node {
            children: Children::with_capacity(root.children.len()),
            ..Node::new(root.schema, None)
        },
        ..Scopes::default()
    };
    out.root.annotation = root.annotation.clone();
    for c in &root.children {
        if c.schema == container {
            for entry in &c.children {
                let name = entry.key.clone().unwrap_or_default();
                out.order.push(name.clone());
                out.logical_systems.insert(name, entry.clone());
            }
            if c.inactive || c.annotation.is_some() || c.children.is_empty() {
                // Keep the container's own flags (or its bare presence) in the root scope.
                out.root.children.push(Node {
                    children: Children::new(),
                    ..c.clone()
                });
            }
        } else {
            out.root.children.push(c.clone());
        }
    }
    out
}

/// The root part of `root` alone: everything but the logical systems (the `logical-systems`
/// container's own flags stay, as in [`split`]). Cheaper than [`split`]: no entry is copied.
pub fn split_root(root: &Node) -> Node {
    let container = ls_container();
    let mut out = Node::new(root.schema, None);
    out.annotation = root.annotation.clone();
    for c in &root.children {
        if c.schema != container {
            out.children.push(c.clone());
        } else if c.inactive || c.annotation.is_some() || c.children.is_empty() {
            out.children.push(Node {
                children: Children::new(),
                ..c.clone()
            });
        }
    }
    out
}

/// Replaces the root part of `root` with `part` (a [`split_root`]), keeping every logical
/// system entry where it is.
pub fn replace_root(root: &mut Node, part: Node) {
    let container = ls_container();
    // The entries move over (a copy of every logical system would cost as much as the
    // commit that asked for it).
    let entries = root
        .child_mut(container, None)
        .map(|c| std::mem::take(&mut c.children))
        .unwrap_or_default();
    *root = part;
    if !entries.is_empty() {
        let c = root.child_or_insert(&crate::tree::Step::new(container, None));
        c.children = entries;
    }
}

/// Puts scopes back together.
pub fn join(scopes: &Scopes) -> Node {
    let container = ls_container();
    let mut root = scopes.root.clone();
    if scopes.logical_systems.is_empty() {
        return root;
    }
    let c = root.child_or_insert(&crate::tree::Step::new(container, None));
    for name in &scopes.order {
        if let Some(entry) = scopes.logical_systems.get(name) {
            c.children.push(entry.clone());
        }
    }
    for (name, entry) in &scopes.logical_systems {
        if !scopes.order.contains(name) {
            c.children.push(entry.clone());
        }
    }
    root
}

/// The text the datastore keeps for a logical system: its statements in curly braces, with
/// the entry's own inactive flag and annotation as a first-line header.
pub fn ls_text(entry: &Node) -> String {
    print::curly_statement(entry)
}

/// Reads [`ls_text`] back into a `logical-systems NAME` entry.
pub fn ls_from_text(text: &str) -> Result<Node, TextError> {
    let container = ls_container();
    let wrapper = curly::read(&format!("logical-systems {{\n{text}}}\n"), ROOT)?;
    Ok(wrapper
        .child(container, None)
        .and_then(|c| c.children.first().cloned())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../tests/fixtures/seed.conf");

    #[test]
    fn split_and_join_are_inverse() {
        let mut root = curly::read(SEED, ROOT).unwrap();
        let extra = curly::read(
            "logical-systems { l3 { routing-options { autonomous-system 65003; } } }",
            ROOT,
        )
        .unwrap();
        crate::edit::merge(&mut root, extra);
        let s = split(&root);
        assert_eq!(s.order, ["l2", "l3"]);
        assert!(s.root.get("logical-systems").is_none());
        assert_eq!(join(&s), root);
        assert_eq!(split_root(&root), s.root);
        let mut other = root.clone();
        replace_root(&mut other, split_root(&root));
        assert_eq!(other, root);
        for entry in s.logical_systems.values() {
            assert_eq!(&ls_from_text(&ls_text(entry)).unwrap(), entry);
        }
    }

    #[test]
    fn inactive_logical_system_round_trips() {
        let root = curly::read(
            "logical-systems { /* parked */ inactive: l9 { routing-options { autonomous-system 1; } } }",
            ROOT,
        )
        .unwrap();
        let s = split(&root);
        let entry = &s.logical_systems["l9"];
        assert!(entry.inactive);
        assert_eq!(&ls_from_text(&ls_text(entry)).unwrap(), entry);
        assert_eq!(join(&s), root);
    }
}
