//! The tenant guard on operator-only statements (`@operator` in the schema): inside its logical
//! system a tenant can read them but never add, change, delete, activate or deactivate them or
//! anything below them, whatever their kind (flag, leaf, leaf-list, container, list entry), and
//! a tenant's `load override` keeps exactly the operator's part.

mod common;

use std::collections::BTreeSet;

use common::gen::{self, Limits, Tree};
use lsys_grammar::edit::{self, EditError};
use lsys_grammar::path::{Match, Target, Word};
use lsys_grammar::schema::{Kind, Schema, SchemaId, ROOT};
use lsys_grammar::text::{curly, print};
use lsys_grammar::tree::{Node, Step};
use lsys_grammar::view::{keep_operator_part, set_words, LoadMode, View, ViewError};
use proptest::prelude::*;

const SEED: &str = include_str!("fixtures/seed.conf");

fn seed() -> Node {
    curly::read(SEED, ROOT).unwrap()
}

fn operator_only(id: SchemaId) -> bool {
    Schema::get().node(id).operator_only
}

fn refused(r: Result<(), EditError>) -> bool {
    matches!(r, Err(EditError::OperatorOnly(_)))
}

// ---------------------------------------------------------------------------------------------
// The finding, one kind at a time.

#[test]
fn a_tenant_cannot_add_a_flag_or_an_empty_container() {
    let mut root = seed();
    let before = root.clone();
    let v = View::tenant("l2");
    for line in [
        "interfaces eth7 flexible-vlan-tagging",
        "interfaces eth1 flexible-vlan-tagging",
        "interfaces eth1 unit 9 vlan-tags",
        "interfaces eth1 unit 4 vlan-tags",
        "interfaces eth7 mtu 1500",
        "interfaces eth7 description x",
    ] {
        let e = set_words(&v, &mut root, &[], &Word::split(line), Match::Exact);
        assert!(
            matches!(e, Err(ViewError::Edit(EditError::OperatorOnly(_)))),
            "{line}: {e:?}"
        );
        assert_eq!(root, before, "{line} left a change behind");
    }
    // In a logical system that does not exist yet, an empty bridge-domains is refused too.
    let v = View::tenant("l9");
    let e = set_words(
        &v,
        &mut root,
        &[],
        &Word::split("bridge-domains"),
        Match::Exact,
    );
    assert!(
        matches!(e, Err(ViewError::Edit(EditError::OperatorOnly(_)))),
        "{e:?}"
    );
    assert_eq!(root, before);
}

/// `routing-options maximum-prefixes` bounds a tenant's tables: the operator sets it, in the
/// logical system's master instance and in its routing instances; the tenant cannot.
#[test]
fn a_tenant_cannot_set_or_remove_maximum_prefixes() {
    let mut root = seed();
    let v = View::tenant("l2");
    let before = root.clone();
    for line in [
        "routing-options maximum-prefixes 1000",
        "routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8 routing-options maximum-prefixes 10",
        "routing-instances NEW routing-options maximum-prefixes 10",
    ] {
        let e = set_words(&v, &mut root, &[], &Word::split(line), Match::Exact);
        assert!(
            matches!(e, Err(ViewError::Edit(EditError::OperatorOnly(_)))),
            "{line}: {e:?}"
        );
        assert_eq!(root, before, "{line} left a change behind");
    }
    // The operator sets it; the tenant cannot change, delete or deactivate it, but may edit
    // the rest of its routing options.
    let op = View::operator();
    set_words(
        &op,
        &mut root,
        &[],
        &Word::split("logical-systems l2 routing-options maximum-prefixes 1000"),
        Match::Exact,
    )
    .unwrap();
    let before = root.clone();
    let e = set_words(
        &v,
        &mut root,
        &[],
        &Word::split("routing-options maximum-prefixes 2000"),
        Match::Exact,
    );
    assert!(
        matches!(e, Err(ViewError::Edit(EditError::OperatorOnly(_)))),
        "{e:?}"
    );
    let t = &v
        .resolve(
            &[],
            &Word::split("routing-options maximum-prefixes"),
            Match::Exact,
            lsys_grammar::path::Values::Optional,
        )
        .unwrap()[0];
    assert!(refused(v.edit(&mut root, |r, b| edit::delete(r, b, t))));
    assert!(refused(
        v.edit(&mut root, |r, b| edit::set_active(r, b, t, false))
    ));
    assert_eq!(root, before);
    set_words(
        &v,
        &mut root,
        &[],
        &Word::split("routing-options rib inet6.0 static route ::/0 next-hop 2001:db8::1"),
        Match::Exact,
    )
    .unwrap();
}

#[test]
fn a_tenant_cannot_delete_or_toggle_an_operator_flag() {
    let mut root = seed();
    let op = View::operator();
    set_words(
        &op,
        &mut root,
        &[],
        &Word::split("logical-systems l2 interfaces eth7 flexible-vlan-tagging"),
        Match::Exact,
    )
    .unwrap();
    let before = root.clone();
    let v = View::tenant("l2");
    let t = &v
        .resolve(
            &[],
            &Word::split("interfaces eth7 flexible-vlan-tagging"),
            Match::Exact,
            lsys_grammar::path::Values::Optional,
        )
        .unwrap()[0];
    assert!(refused(v.edit(&mut root, |r, b| edit::delete(r, b, t))));
    assert!(refused(
        v.edit(&mut root, |r, b| edit::set_active(r, b, t, false))
    ));
    assert_eq!(root, before);
}

#[test]
fn override_drops_operator_statements_the_operator_did_not_configure() {
    let mut root = seed();
    let v = View::tenant("l2");
    let mut text = print::curly(v.scope(&root).unwrap());
    text.push_str("interfaces { eth7 { flexible-vlan-tagging; unit 0 { family inet { address 10.9.9.1/24; } } } }\n");
    v.load(&mut root, &[], LoadMode::Override, &text, false)
        .unwrap();
    let ls = print::curly(v.scope(&root).unwrap());
    assert!(!ls.contains("flexible-vlan-tagging"), "{ls}");
    assert!(ls.contains("address 10.9.9.1/24;"), "{ls}");
    assert_eq!(
        operator_part(v.scope(&root).unwrap()),
        operator_part(v.scope(&seed()).unwrap())
    );
}

// ---------------------------------------------------------------------------------------------
// Properties over the schema.

/// Schema nodes inside a logical system that are `@operator` or below one.
fn operator_schema_nodes() -> Vec<SchemaId> {
    fn walk(id: SchemaId, under: bool, out: &mut Vec<SchemaId>) {
        for &c in &Schema::get().node(id).children {
            let op = under || operator_only(c);
            if op {
                out.push(c);
            }
            walk(c, op, out);
        }
    }
    let mut out = Vec::new();
    walk(Schema::get().logical_system(), false, &mut out);
    out
}

/// The operator's part of `n`, in a canonical order: operator-only statements whole, their
/// ancestors with their inactive flags; `None` when there is none.
fn operator_part(n: &Node) -> Option<Node> {
    fn sorted(mut n: Node) -> Node {
        let mut kids: Vec<Node> = n.children.into_iter().map(sorted).collect();
        kids.sort_by(|a, b| (a.schema, &a.key).cmp(&(b.schema, &b.key)));
        n.children = kids.into();
        n
    }
    if operator_only(n.schema) {
        return Some(sorted(n.clone()));
    }
    let mut kids: Vec<Node> = n.children.iter().filter_map(operator_part).collect();
    if kids.is_empty() {
        return None;
    }
    kids.sort_by(|a, b| (a.schema, &a.key).cmp(&(b.schema, &b.key)));
    Some(Node {
        inactive: n.inactive,
        children: kids.into(),
        ..Node::new(n.schema, n.key.clone())
    })
}

/// The tenant's statements of `n` (paths and values; nothing at or below operator-only ones).
fn tenant_part(n: &Node, path: &mut Vec<Step>, out: &mut BTreeSet<(Vec<Step>, Vec<String>)>) {
    for c in n.children.iter().filter(|c| !operator_only(c.schema)) {
        path.push(Step::new(c.schema, c.key.clone()));
        out.insert((path.clone(), c.values.clone()));
        tenant_part(c, path, out);
        path.pop();
    }
}

/// Paths (relative to `n`) of every configured statement at or below an operator-only one.
fn operator_paths(n: &Node, under: bool, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    for c in n.children.iter() {
        let op = under || operator_only(c.schema);
        path.push(Step::new(c.schema, c.key.clone()));
        if op {
            out.push(path.clone());
        }
        operator_paths(c, op, path, out);
        path.pop();
    }
}

/// A path from the logical system to schema node `id`, reusing configured keys where `pick`
/// says so (so both new and existing parents are tried), else keys drawn from `choices`.
fn path_to(ls: Option<&Node>, id: SchemaId, choices: &[u32], pick: u32) -> Option<Target> {
    let schema = Schema::get();
    let mut chain = vec![id];
    while let Some(p) = schema.node(*chain.last()?).parent {
        if p == schema.logical_system() {
            break;
        }
        chain.push(p);
    }
    chain.reverse();
    let mut steps = Vec::new();
    let mut cur = ls;
    let limits = Limits::default();
    for (depth, &s) in chain.iter().enumerate() {
        let key = match schema.node(s).kind {
            Kind::List => {
                let existing = cur.and_then(|c| c.children_of(s).next());
                match existing {
                    Some(e) if (pick >> depth) & 1 == 0 => e.key.clone(),
                    _ => gen::statement(&choices[depth.min(choices.len())..], &limits, s)?.key,
                }
            }
            _ => None,
        };
        cur = cur.and_then(|c| c.child(s, key.as_deref()));
        steps.push(Step::new(s, key));
    }
    let values = match schema.node(id).kind {
        Kind::Leaf | Kind::LeafList => Some(gen::statement(choices, &limits, id)?.values),
        _ => None,
    };
    Some(Target { steps, values })
}

fn logical_systems(root: &Node) -> Vec<String> {
    let mut out: Vec<String> = root
        .get("logical-systems")
        .map(|l| l.children.iter().filter_map(|e| e.key.clone()).collect())
        .unwrap_or_default();
    out.push("l-new".into());
    out
}

fn limits() -> Limits {
    Limits {
        max_nodes: 200,
        child_pct: 50,
        ..Limits::default()
    }
}

/// The seed (operator statements in `l2`) merged with a random configuration.
fn arb_base() -> impl Strategy<Value = Tree> {
    gen::arb_tree_with(limits()).prop_map(|Tree(r)| {
        let mut root = seed();
        edit::merge(&mut root, r);
        Tree(root)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Every operator-only statement (and everything below one) configured in a logical system:
    /// a tenant's delete, activate/deactivate and change of value are refused and change nothing.
    #[test]
    fn tenant_cannot_delete_toggle_or_change(base in arb_base(), choices in proptest::collection::vec(any::<u32>(), 16)) {
        let root = base.0;
        let limits = limits();
        for ls in logical_systems(&root) {
            let v = View::tenant(ls.clone());
            let Some(scope) = v.scope(&root) else { continue };
            let mut paths = Vec::new();
            operator_paths(scope, false, &mut Vec::new(), &mut paths);
            for steps in paths {
                let node = scope.at(&steps).unwrap();
                let t = Target { steps: steps.clone(), values: None };
                let mut r = root.clone();
                prop_assert!(refused(v.edit(&mut r, |r, b| edit::delete(r, b, &t))), "delete {steps:?}");
                prop_assert!(r == root);
                let active = node.inactive;
                prop_assert!(refused(v.edit(&mut r, |r, b| edit::set_active(r, b, &t, active))), "toggle {steps:?}");
                prop_assert!(r == root);
                if matches!(Schema::get().node(node.schema).kind, Kind::Leaf | Kind::LeafList) {
                    let other = gen::statement(&choices, &limits, node.schema).map(|n| n.values);
                    if let Some(values) = other.filter(|o| o.iter().any(|x| !node.values.contains(x))) {
                        let t = Target { steps: steps.clone(), values: Some(values) };
                        prop_assert!(refused(v.edit(&mut r, |r, b| edit::set(r, b, &[t]))), "set {steps:?}");
                        prop_assert!(r == root);
                    }
                }
            }
        }
    }

    /// Setting any operator-only statement (or anything below one), configured parents or not:
    /// refused with nothing changed, unless the statement is already there as it would be set.
    #[test]
    fn tenant_cannot_set(base in arb_base(), choices in proptest::collection::vec(any::<u32>(), 32), pick in any::<u32>()) {
        let root = base.0;
        for ls in logical_systems(&root) {
            let v = View::tenant(ls.clone());
            for id in operator_schema_nodes() {
                let Some(t) = path_to(v.scope(&root), id, &choices, pick) else { continue };
                let mut by_operator = root.clone();
                edit::set(&mut by_operator, &v.base(), std::slice::from_ref(&t)).unwrap();
                let mut r = root.clone();
                let result = v.edit(&mut r, |r, b| edit::set(r, b, std::slice::from_ref(&t)));
                prop_assert!(r == root, "set {:?} in {ls} changed the tree", t.steps);
                if by_operator != root {
                    prop_assert!(refused(result), "set {:?} in {ls}", t.steps);
                }
            }
        }
    }

    /// `keep_operator_part` (and a tenant's `load override` through it) leaves exactly the
    /// operator's part of the old configuration, and every statement the tenant wrote.
    #[test]
    fn override_keeps_exactly_the_operator_part(base in arb_base(), choices in proptest::collection::vec(any::<u32>(), 0..1024)) {
        let root = base.0;
        let schema = Schema::get();
        for ls in logical_systems(&root) {
            let v = View::tenant(ls.clone());
            let Some(mut new) = gen::statement(&choices, &limits(), schema.logical_system()) else { continue };
            new.key = Some(ls.clone());
            let empty = Node::new(schema.logical_system(), Some(ls.clone()));
            let old = v.scope(&root).unwrap_or(&empty);
            let mut kept = new.clone();
            keep_operator_part(&mut kept, old);
            prop_assert_eq!(operator_part(&kept), operator_part(old));
            let (mut wrote, mut left) = (BTreeSet::new(), BTreeSet::new());
            tenant_part(&new, &mut Vec::new(), &mut wrote);
            tenant_part(&kept, &mut Vec::new(), &mut left);
            prop_assert!(wrote.is_subset(&left), "tenant statements lost");

            let mut r = root.clone();
            v.load(&mut r, &[], LoadMode::Override, &print::curly(&new), false).unwrap();
            let after = v.scope(&r).unwrap();
            prop_assert_eq!(operator_part(after), operator_part(old));
            // Nothing outside the logical system moved.
            let mut outside = r.clone();
            let mut expected = root.clone();
            for t in [&mut outside, &mut expected] {
                let lss = t.child_or_insert(&v.base()[0]);
                lss.remove_child(v.base()[1].schema, Some(&ls));
                if lss.children.is_empty() && root.get("logical-systems").is_none() {
                    let id = v.base()[0].schema;
                    t.remove_child(id, None);
                }
            }
            prop_assert_eq!(outside, expected);
        }
    }
}
