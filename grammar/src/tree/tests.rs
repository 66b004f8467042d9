//! The child index: lookups stay O(1) as a list grows, and stay right under every kind of
//! change (including renames through `&mut` and changes that bypass the index).

use proptest::prelude::*;

use super::children::probes;
use super::*;
use crate::text::{curly, print, set};

fn routes_set(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "set routing-options static route {}.{}.{}.0/24 next-hop 192.0.2.1\n",
                10 + (i >> 16),
                (i >> 8) & 255,
                i & 255
            )
        })
        .collect()
}

/// Lookup work (children compared, identities hashed) for reading `n` routes in set form and
/// in curly form.
fn work(n: usize) -> (u64, u64, Node) {
    let text = routes_set(n);
    let before = probes();
    let tree = set::read(&text, ROOT).unwrap();
    let set_work = probes() - before;
    let curly_text = print::curly(&tree);
    let before = probes();
    let again = curly::read(&curly_text, ROOT).unwrap();
    let curly_work = probes() - before;
    assert_eq!(again, tree);
    (set_work, curly_work, tree)
}

/// 40k static routes took 12.6 s because each new route scanned all the others. The work per
/// route must not grow with the number of routes: doubling the routes at most (about) doubles
/// the work, and a route costs a bounded number of probes.
#[test]
fn loading_a_long_list_is_linear() {
    let (s40, c40, tree) = work(40_000);
    let (s80, c80, _) = work(80_000);
    let stat = tree
        .get("routing-options")
        .and_then(|r| r.get("static"))
        .unwrap();
    assert_eq!(stat.children.len(), 40_000);
    for (what, small, big) in [("set", s40, s80), ("curly", c40, c80)] {
        eprintln!("{what}: 40k routes {small} probes, 80k {big}");
        assert!(
            big * 10 <= small * 22,
            "{what}: 80k routes cost {big} probes, 40k cost {small}: not linear"
        );
        assert!(
            big <= 80_000 * 40,
            "{what}: {big} probes for 80k routes ({} per route)",
            big / 80_000
        );
    }
}

fn entry(schema: SchemaId, key: &str) -> Node {
    Node::new(schema, Some(key.to_string()))
}

/// Model of what `position` returns, as the linear scan did: the last child when it has that
/// identity, else the first one that has it (the two differ only on duplicates).
fn scan(n: &Node, schema: SchemaId, key: Option<&str>) -> Option<usize> {
    let is = |c: &Node| c.schema == schema && c.key.as_deref() == key;
    match n.children.last() {
        Some(last) if is(last) => Some(n.children.len() - 1),
        _ => n.children.iter().position(is),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Push(u8),
    Insert(u16, u8),
    Remove(u16),
    /// `children[i].key = ...` (rename in place).
    Rename(u16, u8),
    /// `child_mut(key)` then change its key.
    RenameFound(u8, u8),
    RetainOdd,
    /// Every child renamed through `iter_mut`.
    Shift(u8),
    /// Reverse the order through `vec_mut`.
    Reverse,
    Clear,
    Lookup(u8),
    InsertChild(u8),
    RemoveChild(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u8>().prop_map(Op::Push),
        2 => (any::<u16>(), any::<u8>()).prop_map(|(i, k)| Op::Insert(i, k)),
        2 => any::<u16>().prop_map(Op::Remove),
        2 => (any::<u16>(), any::<u8>()).prop_map(|(i, k)| Op::Rename(i, k)),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::RenameFound(a, b)),
        1 => Just(Op::RetainOdd),
        1 => any::<u8>().prop_map(Op::Shift),
        1 => Just(Op::Reverse),
        1 => Just(Op::Clear),
        4 => any::<u8>().prop_map(Op::Lookup),
        2 => any::<u8>().prop_map(Op::InsertChild),
        2 => any::<u8>().prop_map(Op::RemoveChild),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever sequence of changes, `position` agrees with a linear scan for every key, and
    /// equality ignores the index.
    #[test]
    fn index_agrees_with_a_scan(ops in proptest::collection::vec(op(), 0..300)) {
        // Two schema ids (keys collide across them on purpose).
        let (a, b): (SchemaId, SchemaId) = (7, 8);
        let id = |k: u8| match k % 3 { 0 => b, _ => a };
        let name = |k: u8| format!("k{}", k % 64);
        let mut n = Node::root();
        for op in ops {
            let len = n.children.len();
            match op {
                Op::Push(k) => n.children.push(entry(id(k), &name(k))),
                Op::Insert(i, k) => n.children.insert(i as usize % (len + 1), entry(id(k), &name(k))),
                Op::Remove(i) if len > 0 => {
                    n.children.remove(i as usize % len);
                }
                Op::Rename(i, k) if len > 0 => n.children[i as usize % len].key = Some(name(k)),
                Op::RenameFound(from, to) => {
                    if let Some(c) = n.child_mut(id(from), Some(&name(from))) {
                        c.key = Some(name(to));
                    }
                }
                Op::RetainOdd => {
                    let mut keep = false;
                    n.children.retain(|_| {
                        keep = !keep;
                        keep
                    });
                }
                Op::Shift(k) => {
                    for c in &mut n.children {
                        c.key = Some(format!("{}{k}", c.key.as_deref().unwrap_or("")));
                    }
                }
                Op::Reverse => n.children.vec_mut().reverse(),
                Op::Clear => n.children.clear(),
                Op::Lookup(k) => {
                    let _ = n.child(id(k), Some(&name(k)));
                }
                Op::InsertChild(k) => {
                    n.child_or_insert(&Step::new(id(k), Some(name(k))));
                }
                Op::RemoveChild(k) => {
                    n.remove_child(id(k), Some(&name(k)));
                }
                _ => {}
            }
            for k in 0..=255u8 {
                let (s, key) = (id(k), name(k));
                prop_assert_eq!(n.position(s, Some(&key)), scan(&n, s, Some(&key)), "{:?}", key);
            }
            for c in n.children.iter() {
                let found = n.child(c.schema, c.key.as_deref()).map(|f| f.key.clone());
                prop_assert_eq!(found, Some(c.key.clone()));
            }
            let copy = Node { children: n.children.to_vec().into(), ..n.clone() };
            prop_assert_eq!(&copy, &n);
        }
    }
}

#[test]
fn the_index_is_invisible_to_equality_and_serde() {
    let text = routes_set(100);
    let indexed = set::read(&text, ROOT).unwrap();
    let stat_path = |r: &Node| {
        let ro = r.get("routing-options").unwrap();
        vec![
            Step::new(ro.schema, None),
            Step::new(ro.get("static").unwrap().schema, None),
        ]
    };
    let path = stat_path(&indexed);
    // Built the index by looking up; the copy from JSON has none yet.
    assert!(indexed.at(&path).unwrap().children.len() >= INDEX_MIN);
    let json = serde_json::to_value(&indexed).unwrap();
    assert!(json["children"].is_array(), "serialized as a plain list");
    let back: Node = serde_json::from_value(json).unwrap();
    assert_eq!(back, indexed);
    assert_eq!(format!("{back:?}"), format!("{indexed:?}"));
    // Renaming through `&mut` is seen by the next lookup.
    let mut renamed = back.clone();
    let stat = renamed.at_mut(&path).unwrap();
    let route = stat.children[0].schema;
    stat.child_mut(route, Some("10.0.0.0/24")).unwrap().key = Some("10.99.0.0/24".into());
    assert!(stat.child(route, Some("10.0.0.0/24")).is_none());
    assert_eq!(stat.position(route, Some("10.99.0.0/24")), Some(0));
    assert_ne!(renamed, back);
}
