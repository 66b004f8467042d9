//! The expansion itself: one walk of the target tree that carries, at every statement, the
//! group statements that apply there (*sources*, highest priority first).
//!
//! ```text
//!  at a statement T (path P):
//!    sources(T) = groups T applies itself, each at P      (T's apply-groups, in order)
//!               + sources inherited from T's parent        (their children matching T)
//!               - groups T excepts                         (T's apply-groups-except)
//!    a leaf keeps its own value, else takes the first source's;
//!    a leaf-list keeps its values and adds the sources' (in order, once each);
//!    a container or entry keeps its statements (each expanded with the sources' matching
//!    children) and gains, in source order, the sources' statements it lacks — but never an
//!    entry named by a wildcard, and never a logical system.
//! ```
//! A source statement matches a target statement when it stands for the same schema node
//! ([`Schema::counterpart`]) and its key is the same or a wildcard that matches.

use std::collections::HashMap;

use super::wildcard::{has_wildcard, key_matches};
use crate::schema::{Kind, Schema, SchemaId};
use crate::tree::{Node, Step};

/// What the expansion is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// What commits act on: inactive statements, `groups` and `apply-groups` are left out.
    Commit,
    /// `| display inheritance`: everything as written, inherited statements added and marked.
    Display,
}

/// Which group each inherited statement (and each inherited leaf-list value) came from.
#[derive(Debug, Default)]
pub(super) struct Marks {
    pub(super) nodes: HashMap<Vec<Step>, String>,
    pub(super) values: HashMap<(Vec<Step>, String), String>,
}

/// A statement of group `group` that applies where the walk is.
#[derive(Clone, Copy)]
struct Source<'a> {
    group: &'a str,
    node: &'a Node,
}

pub(super) struct Expander<'a> {
    schema: &'static Schema,
    /// Active groups by name.
    groups: HashMap<&'a str, &'a Node>,
    mode: Mode,
    pub(super) marks: Marks,
}

/// The active group entries of `root`, by name.
pub(super) fn groups_of(root: &Node) -> HashMap<&str, &Node> {
    let schema = Schema::get();
    let mut out = HashMap::new();
    let Some(container) = schema
        .node(root.schema)
        .children
        .iter()
        .copied()
        .find(|&c| schema.node(c).template)
    else {
        return out;
    };
    for g in root
        .children_of(container)
        .filter(|c| !c.inactive)
        .flat_map(|c| c.children.iter())
        .filter(|g| !g.inactive)
    {
        out.entry(g.key.as_deref().unwrap_or_default()).or_insert(g);
    }
    out
}

/// The values of the active `apply-groups` (or `apply-groups-except`) statement of `node`.
pub(super) fn applied<'n>(node: &'n Node, word: &str) -> &'n [String] {
    let schema = Schema::get();
    if !schema.node(node.schema).has_children() {
        return &[];
    }
    schema
        .child_by_word(node.schema, word)
        .and_then(|id| node.child(id, None))
        .filter(|n| !n.inactive)
        .map_or(&[], |n| n.values.as_slice())
}

/// True for `apply-groups` and `apply-groups-except` statements.
pub(super) fn is_apply(schema: &Schema, id: SchemaId) -> bool {
    let n = schema.node(id);
    n.kind == Kind::LeafList && matches!(n.word.as_str(), "apply-groups" | "apply-groups-except")
}

fn keys_match(pattern: Option<&str>, key: Option<&str>) -> bool {
    match (pattern, key) {
        (None, None) => true,
        (Some(p), Some(k)) => key_matches(p, k),
        _ => false,
    }
}

impl<'a> Expander<'a> {
    pub(super) fn new(root: &'a Node, mode: Mode) -> Expander<'a> {
        Expander {
            schema: Schema::get(),
            groups: groups_of(root),
            mode,
            marks: Marks::default(),
        }
    }

    /// The whole tree, expanded.
    pub(super) fn root(&mut self, root: &'a Node) -> Node {
        let mut path = Vec::new();
        self.node(Some(root), root.schema, None, &mut path, Vec::new())
    }

    /// The statement at `path`, expanded with what applies there: configured, or created by
    /// a group (never a logical system, never by a wildcard). `None` when it is neither, or
    /// when it (or a statement above it) is inactive.
    pub(super) fn at(&mut self, root: &'a Node, path: &[Step]) -> Option<Node> {
        let mut sources = Vec::new();
        let mut cur = Some(root);
        for (i, step) in path.iter().enumerate() {
            if let Some(c) = cur {
                sources = self.level(c, &path[..i], sources);
            }
            sources = self.children(&sources, step.schema, step.key.as_deref());
            let local = cur.and_then(|c| c.child(step.schema, step.key.as_deref()));
            if local.is_some_and(|n| n.inactive && self.mode == Mode::Commit) {
                return None;
            }
            let creatable = step.schema != self.schema.logical_system()
                && sources
                    .iter()
                    .any(|s| !s.node.key.as_deref().is_some_and(has_wildcard));
            if local.is_none() && !creatable {
                return None;
            }
            cur = local;
        }
        let (last, _) = path.split_last()?;
        let mut p = path.to_vec();
        Some(self.node(cur, last.schema, last.key.as_deref(), &mut p, sources))
    }

    /// The sources at statement `local` (path `path`): its own groups first, then `inherited`,
    /// without the groups it excepts.
    fn level(&self, local: &'a Node, path: &[Step], inherited: Vec<Source<'a>>) -> Vec<Source<'a>> {
        let own = applied(local, "apply-groups");
        let except = applied(local, "apply-groups-except");
        if own.is_empty() && except.is_empty() {
            return inherited;
        }
        let mut out = Vec::new();
        for g in own {
            let Some((&name, &entry)) = self.groups.get_key_value(g.as_str()) else {
                continue;
            };
            for node in self.find(entry, path) {
                out.push(Source { group: name, node });
            }
        }
        out.extend(inherited);
        out.retain(|s| !except.iter().any(|e| e == s.group));
        out
    }

    /// The statements of group `entry` at `path`, wildcards matching, in configuration order.
    fn find(&self, entry: &'a Node, path: &[Step]) -> Vec<&'a Node> {
        let mut cur = vec![entry];
        for step in path {
            cur = cur
                .into_iter()
                .flat_map(|n| n.children.iter())
                .filter(|c| self.matches(c, step.schema, step.key.as_deref()))
                .collect();
            if cur.is_empty() {
                break;
            }
        }
        cur
    }

    /// Whether group statement `c` stands for the target statement (`schema`, `key`).
    fn matches(&self, c: &Node, schema: SchemaId, key: Option<&str>) -> bool {
        !c.inactive
            && self.schema.counterpart(c.schema) == Some(schema)
            && keys_match(c.key.as_deref(), key)
    }

    /// The sources' children that match target statement (`schema`, `key`), in order.
    fn children(
        &self,
        sources: &[Source<'a>],
        schema: SchemaId,
        key: Option<&str>,
    ) -> Vec<Source<'a>> {
        let mut out = Vec::new();
        for s in sources {
            for c in s.node.children.iter() {
                if self.matches(c, schema, key) {
                    out.push(Source {
                        group: s.group,
                        node: c,
                    });
                }
            }
        }
        out
    }

    fn node(
        &mut self,
        local: Option<&'a Node>,
        schema_id: SchemaId,
        key: Option<&str>,
        path: &mut Vec<Step>,
        inherited: Vec<Source<'a>>,
    ) -> Node {
        let sources = match local {
            // Nothing is inherited into a statement that is not applied.
            Some(l) if l.inactive => Vec::new(),
            Some(l) => self.level(l, path, inherited),
            None => inherited,
        };
        // Most of a large configuration inherits nothing: copied as it is, much faster.
        if let (Mode::Commit, true, Some(l)) = (self.mode, sources.is_empty(), local) {
            if let Some(copy) = plain_copy(self.schema, l) {
                return copy;
            }
        }
        let schema = self.schema;
        let s = schema.node(schema_id);
        let mut out = Node::new(schema_id, key.map(str::to_string));
        if let Some(l) = local {
            out.inactive = l.inactive;
            out.annotation = l.annotation.clone();
            out.values = l.values.clone();
        }
        match s.kind {
            Kind::Leaf => {
                if let (None, Some(first)) = (local, sources.first()) {
                    out.values = first.node.values.clone();
                }
            }
            Kind::LeafList => {
                for src in &sources {
                    for v in &src.node.values {
                        if !out.values.contains(v) {
                            out.values.push(v.clone());
                            if self.mode == Mode::Display {
                                self.marks
                                    .values
                                    .insert((path.clone(), v.clone()), src.group.to_string());
                            }
                        }
                    }
                }
            }
            Kind::Flag => {}
            Kind::Container | Kind::List => {
                self.local_children(local, &sources, path, &mut out);
                self.inherited_children(&sources, path, &mut out);
            }
        }
        out
    }

    /// True when `out` already holds another member of `id`'s `@choice` group: the member
    /// configured (or inherited first) wins, as a leaf's value does (`next-hop` here keeps a
    /// group's `reject` out).
    fn chosen_otherwise(&self, out: &Node, id: SchemaId) -> bool {
        let Some(group) = self.schema.node(id).choice.as_deref() else {
            return false;
        };
        out.children
            .iter()
            .any(|c| c.schema != id && self.schema.node(c.schema).choice.as_deref() == Some(group))
    }

    /// `local`'s own statements, each expanded with the sources' matching children.
    fn local_children(
        &mut self,
        local: Option<&'a Node>,
        sources: &[Source<'a>],
        path: &mut Vec<Step>,
        out: &mut Node,
    ) {
        let Some(local) = local else {
            return;
        };
        let schema = self.schema;
        for c in local.children.iter() {
            let cs = schema.node(c.schema);
            let kept_as_is = cs.template || is_apply(schema, c.schema);
            match self.mode {
                Mode::Commit if c.inactive || kept_as_is => continue,
                Mode::Display if kept_as_is => {
                    out.children.push(c.clone());
                    continue;
                }
                _ => {}
            }
            let below = self.children(sources, c.schema, c.key.as_deref());
            path.push(Step::new(c.schema, c.key.clone()));
            let n = self.node(Some(c), c.schema, c.key.as_deref(), path, below);
            path.pop();
            out.children.push(n);
        }
    }

    /// The sources' statements `out` lacks, in source order; wildcard entries and logical
    /// systems are never created.
    fn inherited_children(&mut self, sources: &[Source<'a>], path: &mut Vec<Step>, out: &mut Node) {
        let schema = self.schema;
        for src in sources {
            for c in src.node.children.iter() {
                if c.inactive || c.key.as_deref().is_some_and(has_wildcard) {
                    continue;
                }
                let Some(real) = schema.counterpart(c.schema) else {
                    continue;
                };
                if real == schema.logical_system()
                    || out.child(real, c.key.as_deref()).is_some()
                    || self.chosen_otherwise(out, real)
                {
                    continue;
                }
                let below = self.children(sources, real, c.key.as_deref());
                path.push(Step::new(real, c.key.clone()));
                let n = self.node(None, real, c.key.as_deref(), path, below);
                if self.mode == Mode::Display {
                    self.marks.nodes.insert(path.clone(), src.group.to_string());
                }
                path.pop();
                out.insert_child(n);
            }
        }
    }
}

/// The active statements of `n`, when nothing below it applies a group (`None` otherwise).
fn plain_copy(schema: &Schema, n: &Node) -> Option<Node> {
    let mut out = Node {
        schema: n.schema,
        key: n.key.clone(),
        values: n.values.clone(),
        children: Default::default(),
        inactive: false,
        annotation: n.annotation.clone(),
    };
    for c in n.children.iter().filter(|c| !c.inactive) {
        if is_apply(schema, c.schema) || schema.node(c.schema).template {
            return None;
        }
        out.children.push(plain_copy(schema, c)?);
    }
    Some(out)
}
