//! The configuration tree: statements tied to schema nodes, in display order.

mod children;

use serde::{Deserialize, Serialize};

use children::probe;
pub use children::{Children, INDEX_MIN};

use crate::schema::{Kind, Schema, SchemaId, ROOT};

/// One statement of the configuration.
///
/// Containers and flags have neither key nor values; list entries have a key; leaves have one
/// value and leaf-lists one or more. Children are kept in schema display order; entries of one
/// list keep the order they were created in (or were `insert`ed into). `children` is a
/// [`Children`]: it reads like a slice and finds a child by (schema node, key) in O(1), so
/// growing one list to N entries costs O(N), not O(N²).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Node {
    pub schema: SchemaId,
    pub key: Option<String>,
    pub values: Vec<String>,
    pub children: Children,
    pub inactive: bool,
    pub annotation: Option<String>,
}

/// One step of a path: a container, flag, leaf or leaf-list (no key) or a list entry (key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Step {
    pub schema: SchemaId,
    pub key: Option<String>,
}

impl Step {
    pub fn new(schema: SchemaId, key: Option<String>) -> Step {
        Step { schema, key }
    }
}

impl Node {
    /// An empty configuration.
    pub fn root() -> Node {
        Node::new(ROOT, None)
    }

    pub fn new(schema: SchemaId, key: Option<String>) -> Node {
        Node {
            schema,
            key,
            ..Node::default()
        }
    }

    /// True when nothing is configured below (and no value) here.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty() && self.values.is_empty()
    }

    pub fn position(&self, schema: SchemaId, key: Option<&str>) -> Option<usize> {
        self.children.position(schema, key)
    }

    pub fn child(&self, schema: SchemaId, key: Option<&str>) -> Option<&Node> {
        self.position(schema, key).map(|i| &self.children[i])
    }

    pub fn child_mut(&mut self, schema: SchemaId, key: Option<&str>) -> Option<&mut Node> {
        self.position(schema, key)
            .and_then(move |i| self.children.get_mut(i))
    }

    /// The child for `step`, created in display order when missing.
    pub fn child_or_insert(&mut self, step: &Step) -> &mut Node {
        let i = match self.position(step.schema, step.key.as_deref()) {
            Some(i) => i,
            None => {
                let i = self.insertion_point(step.schema);
                self.children
                    .insert(i, Node::new(step.schema, step.key.clone()));
                i
            }
        };
        &mut self.children[i]
    }

    /// Where a new child of schema `id` goes: after every child that sorts before or with it.
    fn insertion_point(&self, id: SchemaId) -> usize {
        let schema = Schema::get();
        let order = schema.order(id);
        match self.children.last() {
            Some(last) if last.schema == id || schema.order(last.schema) <= order => {
                self.children.len()
            }
            _ => self
                .children
                .iter()
                .rposition(|c| {
                    probe(1);
                    schema.order(c.schema) <= order
                })
                .map_or(0, |i| i + 1),
        }
    }

    /// Inserts a whole node in display order (after existing entries of the same list).
    pub fn insert_child(&mut self, node: Node) -> &mut Node {
        let i = self.insertion_point(node.schema);
        self.children.insert(i, node);
        &mut self.children[i]
    }

    pub fn remove_child(&mut self, schema: SchemaId, key: Option<&str>) -> Option<Node> {
        self.position(schema, key).map(|i| self.children.remove(i))
    }

    /// The entries (or the single statement) of schema node `schema` below this node.
    pub fn children_of(&self, schema: SchemaId) -> impl Iterator<Item = &Node> {
        self.children.iter().filter(move |c| c.schema == schema)
    }

    /// The node at `path`, if configured.
    pub fn at(&self, path: &[Step]) -> Option<&Node> {
        let mut cur = self;
        for s in path {
            cur = cur.child(s.schema, s.key.as_deref())?;
        }
        Some(cur)
    }

    pub fn at_mut(&mut self, path: &[Step]) -> Option<&mut Node> {
        let mut cur = self;
        for s in path {
            cur = cur.child_mut(s.schema, s.key.as_deref())?;
        }
        Some(cur)
    }

    /// The node at `path`, creating what is missing.
    pub fn at_or_insert(&mut self, path: &[Step]) -> &mut Node {
        let mut cur = self;
        for s in path {
            cur = cur.child_or_insert(s);
        }
        cur
    }

    /// The value of a leaf child called `word` (first value), if configured.
    pub fn leaf(&self, word: &str) -> Option<&str> {
        let schema = Schema::get();
        let id = schema.child_by_word(self.schema, word)?;
        self.child(id, None)
            .and_then(|n| n.values.first())
            .map(String::as_str)
    }

    /// The values of a leaf-list child called `word`.
    pub fn leaf_list(&self, word: &str) -> &[String] {
        let schema = Schema::get();
        schema
            .child_by_word(self.schema, word)
            .and_then(|id| self.child(id, None))
            .map(|n| n.values.as_slice())
            .unwrap_or(&[])
    }

    /// True when a flag or container child called `word` is present.
    pub fn has(&self, word: &str) -> bool {
        let schema = Schema::get();
        schema
            .child_by_word(self.schema, word)
            .is_some_and(|id| self.child(id, None).is_some())
    }

    /// The container (or flag) child called `word`.
    pub fn get(&self, word: &str) -> Option<&Node> {
        let schema = Schema::get();
        let id = schema.child_by_word(self.schema, word)?;
        self.child(id, None)
    }

    /// The entries of the list child called `word` (`<name>` for a keyless list).
    pub fn list(&self, word: &str) -> impl Iterator<Item = &Node> {
        let schema = Schema::get();
        let id = schema
            .node(self.schema)
            .children
            .iter()
            .copied()
            .find(|&c| {
                let n = schema.node(c);
                n.kind == Kind::List && n.word == word
            });
        self.children.iter().filter(move |c| Some(c.schema) == id)
    }

    /// A copy without inactive statements (what the daemon acts on).
    pub fn active(&self) -> Node {
        Node {
            schema: self.schema,
            key: self.key.clone(),
            values: self.values.clone(),
            children: self
                .children
                .iter()
                .filter(|c| !c.inactive)
                .map(Node::active)
                .collect(),
            inactive: false,
            annotation: self.annotation.clone(),
        }
    }

    /// Number of statements in the tree (for figures).
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(Node::count).sum::<usize>()
    }
}

#[cfg(test)]
mod tests;
