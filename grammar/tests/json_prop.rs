//! Property tests over generated configurations: tree -> JSON text -> tree is the identity,
//! and `show | compare` is empty exactly when nothing changed.
//!
//! The generator is small and schema-driven: a vector of random numbers decides, child by
//! child, what is configured, so proptest shrinks a failure to a small tree.

use lsys_grammar::compare::compare;
use lsys_grammar::json::{from_json, to_json_document};
use lsys_grammar::key;
use lsys_grammar::path::parse_value;
use lsys_grammar::schema::{Kind, Schema, SchemaId, ROOT};
use lsys_grammar::text::curly;
use lsys_grammar::tree::Node;
use proptest::prelude::*;

/// Raw values tried for every leaf, leaf-list and key; each node keeps those its type accepts.
const POOL: &[&str] = &[
    "1",
    "4",
    "100",
    "2001",
    "9000",
    "65000",
    "4200000000",
    "/24",
    "/24-/28",
    "10.0.0.1",
    "10.0.0.0/8",
    "10.0.0.1/24",
    "192.168.1.0/24",
    "2001:db8::1",
    "2001:db8::/32",
    "2001:db8::1/64",
    "eth1",
    "irb",
    "eth1.4",
    "irb.10",
    "target:65000:1",
    "65000:1",
    "65000:2",
    "no-export",
    "64512 64513",
    "self",
    "name-1",
    "CUST",
    "jv",
    "r1.example",
    "two words",
    "a \"quoted\" \\ word",
    "s3cret",
];
const NOTES: &[&str] = &["note", "two words", "with \"quotes\" and 'ticks'"];

struct Gen<'a> {
    schema: &'a Schema,
    draws: &'a [u32],
    at: usize,
}

impl Gen<'_> {
    fn next(&mut self) -> u32 {
        let v = self.draws.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v
    }

    fn values(&self, id: SchemaId) -> Vec<String> {
        let mut raw: Vec<String> = self
            .schema
            .node(id)
            .vtype
            .as_ref()
            .map(|t| t.choices().iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        raw.extend(POOL.iter().map(|s| s.to_string()));
        let mut out: Vec<String> = Vec::new();
        for r in raw {
            if let Ok(v) = parse_value(self.schema, id, &r) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// Keys for entries of list `id`: its values, and for a list with `@key` statements each
    /// value with each of those (and its first value), so one prefix comes with several match
    /// types.
    fn keys(&self, id: SchemaId) -> Vec<String> {
        if !self.schema.has_key_parts(id) {
            return self.values(id);
        }
        let own: Vec<Option<String>> = match self.schema.node(id).vtype {
            Some(_) => self.values(id).into_iter().map(Some).take(3).collect(),
            None => vec![None],
        };
        let mut out = Vec::new();
        for v in &own {
            for p in self.schema.key_parts(id) {
                let word = self.schema.node(p).word.as_str();
                let pv = match self.schema.node(p).kind {
                    Kind::Leaf => self.values(p).into_iter().next(),
                    _ => None,
                };
                if self.schema.node(p).kind == Kind::Leaf && pv.is_none() {
                    continue;
                }
                out.push(key::compose(v.as_deref(), Some((word, pv.as_deref()))));
            }
        }
        out
    }

    fn attributes(&mut self, n: &mut Node) {
        let r = self.next();
        n.inactive = r % 7 == 1;
        if r % 5 == 2 {
            n.annotation = Some(NOTES[(r / 5) as usize % NOTES.len()].to_string());
        }
    }

    fn children(&mut self, parent: SchemaId, depth: usize) -> Vec<Node> {
        let mut out = Vec::new();
        let mut groups: Vec<String> = Vec::new();
        for &id in &self.schema.node(parent).children {
            let s = self.schema.node(id);
            if s.key {
                // Part of an entry's key (drawn with it in `keys`), not a statement.
                continue;
            }
            let r = self.next();
            if r.checked_rem(2 + depth as u32) != Some(0) {
                continue;
            }
            if let Some(g) = &s.choice {
                if groups.contains(g) {
                    continue;
                }
                groups.push(g.clone());
            }
            match s.kind {
                Kind::List => {
                    let keys = self.keys(id);
                    let count = 1 + self.next() as usize % 2;
                    let mut used = Vec::new();
                    for _ in 0..count {
                        if keys.is_empty() {
                            break;
                        }
                        let k = keys[self.next() as usize % keys.len()].clone();
                        if used.contains(&k) {
                            continue;
                        }
                        used.push(k.clone());
                        let mut n = Node::new(id, Some(k));
                        if depth < 6 {
                            n.children = self.children(id, depth + 1).into();
                        }
                        self.attributes(&mut n);
                        out.push(n);
                    }
                }
                Kind::Container => {
                    let mut n = Node::new(id, None);
                    if depth < 6 {
                        n.children = self.children(id, depth + 1).into();
                    }
                    self.attributes(&mut n);
                    out.push(n);
                }
                Kind::Flag | Kind::Leaf | Kind::LeafList => {
                    let vals = self.values(id);
                    let mut n = Node::new(id, None);
                    if s.kind != Kind::Flag {
                        if vals.is_empty() {
                            continue;
                        }
                        let count = if s.kind == Kind::LeafList {
                            1 + self.next() as usize % 3
                        } else {
                            1
                        };
                        for _ in 0..count {
                            let v = vals[self.next() as usize % vals.len()].clone();
                            if !n.values.contains(&v) {
                                n.values.push(v);
                            }
                        }
                    }
                    self.attributes(&mut n);
                    out.push(n);
                }
            }
        }
        out
    }
}

fn generate(draws: &[u32]) -> Node {
    let mut g = Gen {
        schema: Schema::get(),
        draws,
        at: 0,
    };
    let mut root = Node::root();
    root.children = g.children(ROOT, 0).into();
    root
}

/// The seed configuration with the statements the draws pick removed.
fn thin_seed(draws: &[u32]) -> Node {
    fn thin(n: &mut Node, draws: &[u32], at: &mut usize) {
        n.children.retain(|_| {
            *at += 1;
            draws.get(*at).is_none_or(|d| d % 4 != 0)
        });
        for c in &mut n.children {
            thin(c, draws, at);
        }
    }
    let mut t = curly::read(include_str!("fixtures/seed.conf"), ROOT).unwrap();
    thin(&mut t, draws, &mut 0);
    t
}

/// Removes, flips or renames one statement picked by `pick` (returns false if none was).
fn mutate(n: &mut Node, pick: &mut usize, how: u32) -> bool {
    for i in 0..n.children.len() {
        if *pick == 0 {
            match how % 3 {
                0 => {
                    n.children.remove(i);
                }
                1 => n.children[i].inactive = !n.children[i].inactive,
                _ => {
                    let c = &mut n.children[i];
                    c.annotation = match c.annotation {
                        Some(_) => None,
                        None => Some("changed".into()),
                    }
                }
            }
            return true;
        }
        *pick -= 1;
        if mutate(&mut n.children[i], pick, how) {
            return true;
        }
    }
    false
}

fn json_round_trip(tree: &Node) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(&to_json_document(tree)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let back = from_json(&value, ROOT).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, tree, "{}", text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_trees_survive_json(draws in proptest::collection::vec(any::<u32>(), 0..600)) {
        json_round_trip(&generate(&draws))?;
    }

    #[test]
    fn thinned_seed_survives_json(draws in proptest::collection::vec(any::<u32>(), 0..80)) {
        json_round_trip(&thin_seed(&draws))?;
    }

    #[test]
    fn compare_is_empty_only_when_equal(
        draws in proptest::collection::vec(any::<u32>(), 0..600),
        pick in 0usize..200,
        how in any::<u32>(),
    ) {
        let old = generate(&draws);
        prop_assert_eq!(compare(&old, &old.clone()), "");
        let mut new = old.clone();
        let mut p = pick % old.count().max(1);
        if mutate(&mut new, &mut p, how) {
            let out = compare(&old, &new);
            prop_assert!(!out.is_empty());
            prop_assert!(out.starts_with("[edit"), "{}", out);
            for line in out.lines() {
                prop_assert!(
                    line.starts_with("[edit") || line.starts_with(['+', '-', '!', ' ']),
                    "{}", out
                );
            }
        }
    }
}

#[test]
fn the_generator_reaches_deep_statements() {
    // Sanity: across some draws the generator produces big trees with lists and attributes.
    let mut total = 0;
    let mut inactive = false;
    for seed in 0..50u32 {
        let draws: Vec<u32> = (0..600u32)
            .map(|i| (i.wrapping_mul(2654435761) ^ seed.wrapping_mul(40503)).rotate_left(seed % 31))
            .collect();
        let t = generate(&draws);
        total += t.count();
        fn any_inactive(n: &Node) -> bool {
            n.inactive || n.children.iter().any(any_inactive)
        }
        inactive |= any_inactive(&t);
    }
    assert!(total > 500, "{total}");
    assert!(inactive);
}
