//! `show | display inheritance`: the configuration with every applied group's statements in
//! place, each inherited one under a Junos comment block:
//!
//! ```text
//! interfaces {
//!     eth1 {
//!         ##
//!         ## '9000' was inherited from group 'jumbo'
//!         ##
//!         mtu 9000;
//! ```
//! The quoted word is what the statement names: a leaf's value, a list entry's key, or the
//! keyword of a container or flag; each inherited value of a leaf-list gets its own block above
//! the leaf-list. Statements with nothing inherited at or below them print exactly as `show`
//! prints them ([`print::curly_statement`]); those that hold inherited statements print as
//! blocks (never on one line), so every block sits right above what it explains.

use std::collections::HashSet;

use super::expand::{Expander, Marks, Mode};
use crate::key;
use crate::schema::{Kind, Schema};
use crate::text::print;
use crate::tree::{Node, Step};

/// How inherited statements are marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notes {
    /// `| display inheritance`: a three-line `##` block above each.
    #[default]
    Full,
    /// `| display inheritance brief`: one `##` line above each (Junos's exact brief layout is
    /// not documented where we looked: this is lsys's reading of "less verbose").
    Brief,
    /// `| display inheritance no-comments`: the expanded configuration, unmarked.
    None,
}

/// The expanded configuration at `at` (an absolute path into `root`) with inherited statements
/// marked: its statements when `top` or when it is a container or entry, else the statement.
pub fn inheritance(root: &Node, at: &[Step], top: bool) -> String {
    inheritance_with(root, at, top, Notes::Full)
}

/// [`inheritance`] with the marks `notes` asks for.
pub fn inheritance_with(root: &Node, at: &[Step], top: bool, notes: Notes) -> String {
    let mut expander = Expander::new(root, Mode::Display);
    let tree = expander.root(root);
    let Some(node) = tree.at(at) else {
        return String::new();
    };
    let mut dirty = HashSet::new();
    let marks = &expander.marks;
    for p in marks
        .nodes
        .keys()
        .chain(marks.values.keys().map(|(p, _)| p))
    {
        for i in 0..=p.len() {
            dirty.insert(p[..i].to_vec());
        }
    }
    let printer = Printer {
        schema: Schema::get(),
        marks,
        dirty,
        notes,
    };
    let mut out = String::new();
    let mut path = at.to_vec();
    if top || Schema::get().node(node.schema).has_children() {
        for c in node.children.iter() {
            printer.statement(c, &mut path, 0, &[], &mut out);
        }
    } else {
        path.pop();
        printer.statement(node, &mut path, 0, &[], &mut out);
    }
    out
}

struct Printer<'m> {
    schema: &'static Schema,
    marks: &'m Marks,
    /// Paths at or above an inherited statement or value.
    dirty: HashSet<Vec<Step>>,
    notes: Notes,
}

impl Printer<'_> {
    /// Prints `n` (below `path`) at `depth`; `joins` are the `@join` statements it is printed
    /// behind (`family` of `family inet {`).
    fn statement(
        &self,
        n: &Node,
        path: &mut Vec<Step>,
        depth: usize,
        joins: &[&Node],
        out: &mut String,
    ) {
        path.push(Step::new(n.schema, n.key.clone()));
        let pad = "    ".repeat(depth);
        self.comments(n, path, &pad, out);
        let s = self.schema.node(n.schema);
        let plain_join = s.join && !n.inactive && n.annotation.is_none() && !n.children.is_empty();
        if !self.dirty.contains(path.as_slice()) || !s.has_children() {
            // Nothing inherited below: exactly what `show` prints.
            let text = print::curly_statement(&wrap(n, joins));
            for line in text.lines() {
                out.push_str(&pad);
                out.push_str(line);
                out.push('\n');
            }
        } else if plain_join {
            let mut behind = joins.to_vec();
            behind.push(n);
            for c in n.children.iter() {
                self.statement(c, path, depth, &behind, out);
            }
        } else {
            if let Some(a) = &n.annotation {
                out.push_str(&format!("{pad}/* {a} */\n"));
            }
            out.push_str(&pad);
            if n.inactive {
                out.push_str("inactive: ");
            }
            for j in joins {
                out.push_str(&self.schema.node(j.schema).word);
                out.push(' ');
            }
            out.push_str(&self.head(n));
            if n.children.is_empty() {
                out.push_str(";\n");
            } else {
                out.push_str(" {\n");
                for c in n.children.iter() {
                    self.statement(c, path, depth + 1, &[], out);
                }
                out.push_str(&pad);
                out.push_str("}\n");
            }
        }
        path.pop();
    }

    /// The comment blocks for `n` (at `path`): one if it was inherited, one per inherited
    /// value of a leaf-list.
    fn comments(&self, n: &Node, path: &[Step], pad: &str, out: &mut String) {
        let block = |out: &mut String, what: &str, group: &str| {
            let line = format!("{pad}## '{what}' was inherited from group '{group}'\n");
            match self.notes {
                Notes::Full => out.push_str(&format!("{pad}##\n{line}{pad}##\n")),
                Notes::Brief => out.push_str(&line),
                Notes::None => {}
            }
        };
        let s = self.schema.node(n.schema);
        if s.kind == Kind::LeafList {
            for v in &n.values {
                if let Some(g) = self.marks.values.get(&(path.to_vec(), v.clone())) {
                    block(out, v, g);
                }
            }
            return;
        }
        if let Some(g) = self.marks.nodes.get(path) {
            let what = match (&n.key, s.kind) {
                (Some(k), _) => key::words(self.schema, n.schema, k).join(" "),
                (None, Kind::Leaf) => n.values.first().cloned().unwrap_or_default(),
                (None, _) => s.word.clone(),
            };
            block(out, &what, g);
        }
    }

    /// Keyword (unless keyless) and key words.
    fn head(&self, n: &Node) -> String {
        let s = self.schema.node(n.schema);
        let mut words = Vec::new();
        if !s.keyless {
            words.push(s.word.clone());
        }
        if let Some(k) = &n.key {
            words.extend(key::words(self.schema, n.schema, k));
        }
        words.join(" ")
    }
}

/// `n` inside copies of its `@join` parents (each holding only the next), so that the printer
/// puts their keywords in front: `family inet { ... }`.
fn wrap(n: &Node, joins: &[&Node]) -> Node {
    let mut cur = n.clone();
    for j in joins.iter().rev() {
        let mut parent = Node::new(j.schema, j.key.clone());
        parent.children.push(cur);
        cur = parent;
    }
    cur
}
