//! Checks driven by schema attributes alone, by walking the tree: `@ref(PATH)` and
//! `@unitref(PATH)` values must name something configured (and active) in the same scope,
//! `@mandatory` statements must be present, and `@notyet` statements are refused (`802.3ad is
//! not supported yet`). A new attribute in the schema is checked here
//! without new code. A `@ref` on a `@key` statement (`community add C`) is checked on the
//! entry whose key holds it.

use std::collections::{HashMap, HashSet};

use super::{error, CheckError};
use crate::key;
use crate::schema::{Kind, Schema, SchemaId};
use crate::tree::Node;
use crate::types::quote;

/// What a reference can name in one scope, resolved once per referring schema node.
struct Resolved<'a> {
    /// The word for what is referenced (`policy-statement`, `class`, `logical-system`).
    what: String,
    names: HashSet<&'a str>,
    /// `(interface, unit)` pairs for `@unitref`.
    units: HashSet<(&'a str, &'a str)>,
}

struct Index<'a> {
    scope: &'a Node,
    cache: HashMap<SchemaId, Resolved<'a>>,
}

fn active(n: &Node) -> impl Iterator<Item = &Node> {
    n.children.iter().filter(|c| !c.inactive)
}

impl<'a> Index<'a> {
    fn resolve(&mut self, referrer: SchemaId, words: &[String], units: bool) -> &Resolved<'a> {
        let scope = self.scope;
        self.cache
            .entry(referrer)
            .or_insert_with(|| resolve(scope, words, units))
    }
}

/// The active entries of the list that `words` names below `scope`, and that list's word.
fn entries<'a>(scope: &'a Node, words: &[String]) -> (String, Vec<&'a Node>) {
    let schema = Schema::get();
    let mut cur = Some(scope);
    let mut id = scope.schema;
    for w in words {
        let Some(next) = schema.child_by_word(id, w) else {
            return (w.clone(), Vec::new());
        };
        id = next;
        if schema.node(id).kind == Kind::List {
            // The list itself: its entries are children of `cur`.
            let list = id;
            let found = cur
                .map(|c| active(c).filter(|e| e.schema == list).collect())
                .unwrap_or_default();
            return (schema.node(list).word.clone(), found);
        }
        cur = cur.and_then(|c| c.child(id, None)).filter(|c| !c.inactive);
    }
    // A container with a keyless list (`logical-systems`, `interfaces`).
    match schema.keyless_child(id) {
        Some(list) => (
            schema.node(list).word.clone(),
            cur.map(|c| active(c).filter(|e| e.schema == list).collect())
                .unwrap_or_default(),
        ),
        None => (schema.node(id).word.clone(), Vec::new()),
    }
}

fn resolve<'a>(scope: &'a Node, words: &[String], units: bool) -> Resolved<'a> {
    let (what, found) = entries(scope, words);
    let mut r = Resolved {
        what,
        names: HashSet::new(),
        units: HashSet::new(),
    };
    for e in found {
        let name = e.key.as_deref().unwrap_or_default();
        if units {
            for u in active(e).filter(|u| u.key.is_some()) {
                r.units.insert((name, u.key.as_deref().unwrap_or_default()));
            }
        } else {
            r.names.insert(name);
        }
    }
    r
}

/// Walks the scope rooted at `scope` (its children except `skip`), reporting under `prefix`.
pub(super) fn check(
    scope: &Node,
    prefix: &[String],
    skip: Option<SchemaId>,
    errs: &mut Vec<CheckError>,
) {
    let mut index = Index {
        scope,
        cache: HashMap::new(),
    };
    let mut path = prefix.to_vec();
    for c in active(scope).filter(|c| Some(c.schema) != skip) {
        walk(c, &mut path, &mut index, errs);
    }
}

/// The words of a statement's head: `user bob`, `eth1`, `family`.
fn head(schema: &Schema, n: &Node) -> Vec<String> {
    let s = schema.node(n.schema);
    let mut out = Vec::with_capacity(2);
    if !s.keyless {
        out.push(s.word.clone());
    }
    if let Some(k) = &n.key {
        out.extend(key::words(schema, n.schema, k));
    }
    out
}

fn walk(n: &Node, path: &mut Vec<String>, index: &mut Index<'_>, errs: &mut Vec<CheckError>) {
    let schema = Schema::get();
    let s = schema.node(n.schema);
    // A list entry's value is its key (or its own part of a compound key); a leaf's are its
    // values.
    let raw = n.key.as_deref().unwrap_or_default();
    let parts = match s.kind {
        Kind::List => key::split(schema, n.schema, raw),
        _ => None,
    };
    let values: Vec<&str> = match s.kind {
        Kind::List => parts.map_or(Some(raw), |k| k.value).into_iter().collect(),
        _ => n.values.iter().map(String::as_str).collect(),
    };
    // A `@key` statement that names something (`community add C`) is checked as the entry.
    if let Some(part) = parts.and_then(|k| k.part) {
        let p = schema.node(part.id);
        if let (Some(words), Some(v)) = (&p.reference, part.value) {
            let r = index.resolve(part.id, words, false);
            if !r.names.contains(v) {
                errs.push(error(
                    path.clone(),
                    head(schema, n).join(" "),
                    format!("Referenced {} {} is not defined", r.what, quote(v)),
                ));
            }
        }
    }
    if let Some(words) = &s.reference {
        let r = index.resolve(n.schema, words, false);
        for v in &values {
            if !r.names.contains(v) {
                errs.push(error(
                    path.clone(),
                    format!("{} {}", s.word, quote(v)),
                    format!("Referenced {} {} is not defined", r.what, quote(v)),
                ));
            }
        }
    }
    if let Some(words) = &s.unit_reference {
        let r = index.resolve(n.schema, words, true);
        for v in &values {
            let found = v
                .rsplit_once('.')
                .is_some_and(|(dev, unit)| r.units.contains(&(dev, unit)));
            if !found {
                errs.push(error(
                    path.clone(),
                    format!("{} {}", s.word, quote(v)),
                    format!("Referenced interface unit {} is not defined", quote(v)),
                ));
            }
        }
    }
    if let Some(what) = &s.notyet {
        errs.push(error(
            path.clone(),
            head(schema, n)
                .into_iter()
                .chain(values.iter().map(|v| quote(v)))
                .collect::<Vec<_>>()
                .join(" "),
            format!("{what} is not supported yet"),
        ));
        return;
    }
    if !s.has_children() {
        return;
    }
    for &c in &s.children {
        let m = schema.node(c);
        if m.mandatory && !active(n).any(|x| x.schema == c) {
            errs.push(error(
                path.clone(),
                head(schema, n).join(" "),
                format!("Missing mandatory statement: '{}'", m.word),
            ));
        }
    }
    let depth = path.len();
    path.extend(head(schema, n));
    for c in active(n) {
        walk(c, path, index, errs);
    }
    path.truncate(depth);
}
