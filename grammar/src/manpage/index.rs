//! The [`Index`] of copied subtrees (which copy is documented), plus the path and
//! operator-only queries the sections share.

use std::collections::HashMap;

use super::escape;
use crate::schema::{Kind, Schema, SchemaId, SchemaNode, ROOT};

/// Copies of the same subtree, and which one is documented.
pub(super) struct Index<'s> {
    pub(super) schema: &'s Schema,
    /// For a node that is a copy: the node documented instead.
    pub(super) canonical: HashMap<SchemaId, SchemaId>,
    /// For a documented node: its copies, in display order.
    pub(super) copies: HashMap<SchemaId, Vec<SchemaId>>,
}

impl<'s> Index<'s> {
    pub(super) fn new(schema: &'s Schema) -> Index<'s> {
        let mut full = vec![String::new(); schema.len()];
        // Children come after their parent in the arena, so build signatures bottom-up.
        for n in schema.nodes().iter().rev() {
            let mut sig = format!(
                "{:?}|{}|{}|{:?}|{}|{} {} {} {} {} {} {} {}|{:?}|{:?}|{:?}[",
                n.kind,
                n.word,
                n.keyless,
                n.vtype,
                n.help,
                n.operator_only,
                n.secret,
                n.ordered,
                n.oneliner,
                n.inline,
                n.join,
                n.mandatory,
                n.key,
                n.choice,
                n.reference,
                n.unit_reference
            );
            for &c in n.children.iter().filter(|&&c| !schema.node(c).everywhere) {
                sig.push_str(&full[c as usize]);
                sig.push(';');
            }
            sig.push(']');
            full[n.id as usize] = sig;
        }
        let mut by_shape: HashMap<String, Vec<SchemaId>> = HashMap::new();
        for n in schema
            .nodes()
            .iter()
            .filter(|n| n.id != ROOT && !n.children.is_empty())
        {
            // The `everywhere` statements (documented once) do not tell copies apart: a
            // group's `interfaces` is the top level's without them.
            let mut shape = format!("{:?}|{}|{}|{:?}[", n.kind, n.word, n.keyless, n.vtype);
            for &c in n.children.iter().filter(|&&c| !schema.node(c).everywhere) {
                shape.push_str(&full[c as usize]);
                shape.push(';');
            }
            by_shape.entry(shape).or_default().push(n.id);
        }
        let mut index = Index {
            schema,
            canonical: HashMap::new(),
            copies: HashMap::new(),
        };
        for mut ids in by_shape.into_values().filter(|ids| ids.len() > 1) {
            ids.sort_by_key(|&id| (index.depth(id), id));
            let first = ids.remove(0);
            ids.sort_unstable();
            for &id in &ids {
                index.canonical.insert(id, first);
            }
            index.copies.insert(first, ids);
        }
        index
    }

    pub(super) fn node(&self, id: SchemaId) -> &'s SchemaNode {
        self.schema.node(id)
    }

    fn depth(&self, id: SchemaId) -> usize {
        self.schema.path_words(id).len()
    }

    /// The ancestors of `id` (without the root) and `id`, top first.
    pub(super) fn lineage(&self, id: SchemaId) -> Vec<SchemaId> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur.filter(|&c| c != ROOT) {
            out.push(c);
            cur = self.node(c).parent;
        }
        out.reverse();
        out
    }

    /// The path of `id` below `from` (exclusive; ROOT for a full path), in roff: keywords in
    /// bold, keys and the value in italics.
    pub(super) fn path(&self, id: SchemaId, from: SchemaId) -> String {
        let lineage = self.lineage(id);
        let start = lineage.iter().position(|&c| c == from).map_or(0, |i| i + 1);
        let mut parts = Vec::new();
        for &c in &lineage[start..] {
            let n = self.node(c);
            if n.keyless {
                parts.push(format!("\\fI<{}>\\fR", escape(&n.word)));
                continue;
            }
            parts.push(format!("\\fB{}\\fR", escape(&n.word)));
            let value = matches!(n.kind, Kind::List | Kind::Leaf | Kind::LeafList);
            if let (true, Some(vt)) = (value, &n.vtype) {
                parts.push(format!("\\fI{}\\fR", escape(vt.placeholder())));
            }
        }
        parts.join(" ")
    }

    /// The path of `id` as plain text (`protocols bgp group <name> multihop`).
    pub(super) fn plain_path(&self, id: SchemaId) -> String {
        self.path(id, ROOT)
            .replace("\\fB", "")
            .replace("\\fI", "")
            .replace("\\fR", "")
            .replace("\\-", "-")
    }

    /// Whether the top-level section of `id` is also part of a logical system.
    pub(super) fn in_logical_systems(&self, id: SchemaId) -> bool {
        let top = self.lineage(id)[0];
        let word = &self.node(top).word;
        word == "logical-systems"
            || self
                .schema
                .child_by_word(self.schema.logical_system(), word)
                .is_some()
    }

    /// For a copy inside a logical system: the operator-only statements in it.
    pub(super) fn operator_part(&self, id: SchemaId) -> Option<String> {
        if !self.lineage(id).contains(&self.schema.logical_system()) {
            return None;
        }
        let mut found = Vec::new();
        self.topmost_operator_only(id, &mut found);
        let paths: Vec<_> = found
            .iter()
            .filter(|&&c| c != id)
            .map(|&c| self.path(c, id))
            .collect();
        (!paths.is_empty()).then(|| {
            format!(
                "Here, inside a logical system, operator only (tenants cannot change): {}.",
                paths.join(", ")
            )
        })
    }

    /// The operator-only statements at or below `id` that have no operator-only ancestor there.
    pub(super) fn topmost_operator_only(&self, id: SchemaId, out: &mut Vec<SchemaId>) {
        if self.node(id).everywhere {
            // Documented once (`at every level`).
        } else if self.node(id).operator_only {
            out.push(id);
        } else {
            for &c in &self.node(id).children {
                self.topmost_operator_only(c, out);
            }
        }
    }
}
