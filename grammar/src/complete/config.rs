//! Configuration-path completion: [`ConfigContext`] walks the words of a path through the schema
//! and offers the keywords, values and configured names that may come next.

use super::{enter, value_rows, Row};
use crate::key;
use crate::path::{match_keyword, parse_value, Match, Word};
use crate::schema::{Kind, Schema, SchemaId, SchemaNode};
use crate::tree::{Node, Step};
use crate::view::View;

/// Everything a tenant or the operator may be offered at a configuration path.
pub struct ConfigContext<'a> {
    /// The whole configuration (candidate); names are taken from the view's part only.
    pub root: &'a Node,
    pub view: &'a View,
    /// The edit level, relative to the view.
    pub edit: &'a [Step],
}

impl ConfigContext<'_> {
    fn hidden(&self, n: &SchemaNode) -> bool {
        self.view.is_tenant() && n.operator_only
    }

    /// The scope (`logical-systems X` entry or the root) that names at `abs` refer to.
    fn scope_of<'b>(&self, abs: &[Step], root: &'b Node) -> &'b Node {
        let schema = Schema::get();
        match abs {
            [_, ls, ..] if ls.schema == schema.logical_system() => {
                root.at(&abs[..2]).unwrap_or(root)
            }
            _ => root,
        }
    }

    /// Configured names that a value of schema node `id` may name (`@ref`, `@unitref`).
    fn referenced(&self, id: SchemaId, abs: &[Step]) -> Vec<String> {
        let schema = Schema::get();
        let node = schema.node(id);
        let scope = self.scope_of(abs, self.root);
        let walk = |words: &[String]| -> Vec<&Node> {
            let mut cur: Vec<&Node> = vec![scope];
            for w in words {
                let mut next = Vec::new();
                for n in cur {
                    if let Some(c) = schema.child_by_word(n.schema, w) {
                        next.extend(n.children_of(c));
                    }
                }
                cur = next;
            }
            // A container of keyless entries stands for its entries.
            cur.into_iter()
                .flat_map(|n| match schema.keyless_child(n.schema) {
                    Some(k) if n.key.is_none() => n.children_of(k).collect::<Vec<_>>(),
                    _ => vec![n],
                })
                .collect()
        };
        if let Some(path) = &node.reference {
            return walk(path).iter().filter_map(|n| n.key.clone()).collect();
        }
        if let Some(path) = &node.unit_reference {
            let mut out = Vec::new();
            for port in walk(path) {
                let Some(p) = &port.key else { continue };
                for unit in port.list("unit") {
                    out.push(format!("{p}.{}", unit.key.as_deref().unwrap_or("")));
                }
            }
            return out;
        }
        // `apply-groups` names the operator's groups (a tenant is never offered it).
        if node.kind == Kind::LeafList
            && matches!(node.word.as_str(), "apply-groups" | "apply-groups-except")
        {
            return crate::groups::names(self.root);
        }
        Vec::new()
    }

    /// Rows for the next word after `words` (complete words of a configuration path).
    pub fn rows(&self, words: &[Word], partial: &str, enter_ok: bool) -> Vec<Row> {
        let schema = Schema::get();
        let mut abs = self.view.abs(self.edit);
        let mut cur = self.view.schema_at(self.edit);
        let mut i = 0;
        // Walk the complete words; stop where the next word is a value to type.
        let mut expect: Option<SchemaId> = None; // a list key or leaf value is expected
        let mut part_of: Option<SchemaId> = None; // a list entry whose `@key` statement is next
        let mut in_brackets = false;
        while i < words.len() {
            let w = &words[i];
            if let Some(id) = expect.take() {
                let n = schema.node(id);
                if n.kind == Kind::LeafList && w.text == "[" && !w.quoted {
                    in_brackets = true;
                    expect = Some(id);
                    i += 1;
                    continue;
                }
                if in_brackets {
                    if w.text == "]" && !w.quoted {
                        in_brackets = false;
                    } else {
                        expect = Some(id);
                    }
                    i += 1;
                    continue;
                }
                let Ok(value) = parse_value(schema, id, &w.text) else {
                    return Vec::new();
                };
                if n.kind == Kind::List {
                    abs.push(Step::new(id, Some(value)));
                    cur = id;
                    part_of = schema.has_key_parts(id).then_some(id);
                }
                i += 1;
                continue;
            }
            let kw = if w.quoted {
                None
            } else {
                match_keyword(schema, cur, &w.text, Match::Prefix)
                    .ok()
                    .flatten()
            };
            let bare_value = kw.is_none() && schema.keyless_child(cur).is_none();
            let Some(id) = kw
                .or_else(|| schema.keyless_child(cur))
                .or_else(|| schema.nokeyword_child(cur))
            else {
                return Vec::new();
            };
            let n = schema.node(id);
            if self.hidden(n) {
                return Vec::new();
            }
            if n.key {
                // Part of the entry's name: right after its value, or (a list named by its
                // part alone) starting another entry.
                if part_of.take() != Some(cur) && !schema.node(cur).parts_only() {
                    return Vec::new();
                }
                if n.kind == Kind::Leaf {
                    expect = Some(id);
                }
                i += 1;
                continue;
            }
            part_of = None;
            match n.kind {
                Kind::List if n.parts_only() => {
                    abs.push(Step::new(id, None));
                    cur = id;
                    part_of = Some(id);
                    i += 1;
                }
                Kind::Container => {
                    abs.push(Step::new(id, None));
                    cur = id;
                    i += 1;
                }
                Kind::List if n.keyless => expect = Some(id),
                // The word is the value of a `@nokeyword` leaf.
                Kind::Leaf if bare_value => expect = Some(id),
                Kind::List | Kind::Leaf | Kind::LeafList => {
                    expect = Some(id);
                    i += 1;
                }
                Kind::Flag => i += 1,
            }
        }
        let mut rows = Vec::new();
        match expect {
            Some(id) => {
                let n = schema.node(id);
                rows.extend(value_rows(n));
                if n.kind == Kind::List {
                    let parent = &abs;
                    if let Some(node) = self.root.at(parent) {
                        for e in node.children_of(id) {
                            // The value typed here: the first word of a compound key.
                            let value = e
                                .key
                                .as_deref()
                                .and_then(|k| key::split(schema, id, k))
                                .and_then(|k| k.value);
                            if let Some(v) = value {
                                rows.push(Row::new(' ', v, ""));
                            }
                        }
                    }
                }
                for name in self.referenced(id, &abs) {
                    rows.push(Row::new(' ', name, ""));
                }
                if n.kind == Kind::LeafList && !in_brackets {
                    rows.push(Row::new(' ', "[", "Open a set of values"));
                }
            }
            None => {
                // Right after a compound key's value only its `@key` statements may follow;
                // after the whole key, only statements below the entry.
                let naming = part_of == Some(cur);
                if enter_ok && !naming {
                    rows.push(enter());
                }
                for &c in &schema.node(cur).children {
                    let n = schema.node(c);
                    if self.hidden(n) || n.key != naming {
                        continue;
                    }
                    if n.nokeyword {
                        // Its value is typed without the keyword.
                        rows.push(Row::new(' ', format!("<{}>", n.word), n.help.clone()));
                    } else if n.keyless {
                        rows.push(Row::new(' ', format!("<{}>", n.word), n.help.clone()));
                        if let Some(node) = self.root.at(&abs) {
                            for e in node.children_of(c) {
                                if let Some(k) = &e.key {
                                    rows.push(Row::new(' ', k.clone(), ""));
                                }
                            }
                        }
                    } else {
                        rows.push(Row::new(n.marker(), n.word.clone(), n.help.clone()));
                    }
                }
            }
        }
        rows.retain(|r| !r.is_word() || r.name.starts_with(partial));
        if !partial.is_empty() {
            rows.retain(|r| r.is_word() || r.name.starts_with('<') && r.name != "<[Enter]>");
        }
        rows
    }
}
