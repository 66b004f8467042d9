//! Tree operations at an edit level, through the set-form and path APIs.

use lsys_grammar::edit::{self, EditError};
use lsys_grammar::path::{resolve_one, Match, Word};
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::{curly, print};
use lsys_grammar::tree::Node;
use lsys_grammar::view::{set_words, View};

fn tree(text: &str) -> Node {
    curly::read(text, ROOT).unwrap()
}

fn set(root: &mut Node, line: &str) {
    set_words(
        &View::operator(),
        root,
        &[],
        &Word::split(line),
        Match::Prefix,
    )
    .unwrap();
}

fn target(line: &str) -> lsys_grammar::path::Target {
    resolve_one(Schema::get(), ROOT, &Word::split(line), Match::Exact).unwrap()
}

fn show(root: &Node) -> String {
    print::set_lines(root, &[]).join("\n")
}

#[test]
fn choice_groups_displace_each_other() {
    let mut t = Node::root();
    set(
        &mut t,
        "routing-options static route 10.9.0.0/16 next-hop 10.0.0.1",
    );
    set(&mut t, "routing-options static route 10.9.0.0/16 discard");
    assert_eq!(
        show(&t),
        "set routing-options static route 10.9.0.0/16 discard"
    );
    set(&mut t, "interfaces eth1 unit 4 vlan-id 4");
    set(
        &mut t,
        "interfaces eth1 unit 4 vlan-tags outer 1000 inner 100",
    );
    assert!(!show(&t).contains("vlan-id"), "{}", show(&t));
    set(
        &mut t,
        "policy-options policy-statement P term a then accept",
    );
    set(
        &mut t,
        "policy-options policy-statement P term a then reject",
    );
    assert!(show(&t).ends_with("term a then reject"), "{}", show(&t));
}

#[test]
fn leaf_lists_append_and_delete_values() {
    let mut t = Node::root();
    set(&mut t, "protocols bgp group g export [ A B ]");
    set(&mut t, "protocols bgp group g export C");
    set(&mut t, "protocols bgp group g export A");
    let g = target("protocols bgp group g");
    let node = t.at(&g.steps).unwrap();
    assert_eq!(node.leaf_list("export"), ["A", "B", "C"]);
    edit::delete(&mut t, &[], &target("protocols bgp group g export B")).unwrap();
    assert_eq!(t.at(&g.steps).unwrap().leaf_list("export"), ["A", "C"]);
    assert_eq!(
        edit::delete(&mut t, &[], &target("protocols bgp group g export Z")),
        Err(EditError::NotFound)
    );
    edit::delete(&mut t, &[], &target("protocols bgp group g export")).unwrap();
    assert!(t.at(&g.steps).unwrap().leaf_list("export").is_empty());
}

#[test]
fn delete_missing_statement_is_not_found_and_changes_nothing() {
    let mut t = tree("protocols { bgp { group a { peer-as 1; } } }");
    let before = t.clone();
    assert_eq!(
        edit::delete(&mut t, &[], &target("protocols bgp group b")),
        Err(EditError::NotFound)
    );
    assert_eq!(
        edit::delete(&mut t, &[], &target("protocols bgp group a peer-as 2")),
        Err(EditError::NotFound)
    );
    assert_eq!(t, before);
}

#[test]
fn edit_level_is_relative() {
    let mut t = Node::root();
    let level = target("protocols bgp group aws").steps;
    let v = View::operator();
    set_words(
        &v,
        &mut t,
        &level,
        &Word::split("neighbor 10.0.0.1 peer-as 64512"),
        Match::Exact,
    )
    .unwrap();
    assert_eq!(
        show(&t),
        "set protocols bgp group aws neighbor 10.0.0.1 peer-as 64512"
    );
    edit::delete_all(&mut t, &level).unwrap();
    assert_eq!(show(&t), "set protocols bgp group aws");
}

#[test]
fn rename_copy_and_insert() {
    let mut t = tree(
        "policy-options { policy-statement P { term a { then accept; } term b { then reject; } term c { then accept; } } }",
    );
    let p = target("policy-options policy-statement P").steps;
    let rel = |s: &str| {
        resolve_one(
            Schema::get(),
            p.last().unwrap().schema,
            &Word::split(s),
            Match::Exact,
        )
        .unwrap()
    };
    edit::insert(&mut t, &p, &rel("term c"), true, &rel("term a")).unwrap();
    let order = |t: &Node| -> Vec<String> {
        t.at(&p)
            .unwrap()
            .list("term")
            .map(|n| n.key.clone().unwrap())
            .collect()
    };
    assert_eq!(order(&t), ["c", "a", "b"]);
    edit::insert(&mut t, &p, &rel("term c"), false, &rel("term b")).unwrap();
    assert_eq!(order(&t), ["a", "b", "c"]);
    edit::rename(&mut t, &p, &rel("term b"), &rel("term b2")).unwrap();
    assert_eq!(order(&t), ["a", "b2", "c"]);
    edit::copy(&mut t, &p, &rel("term a"), &rel("term a2")).unwrap();
    assert_eq!(order(&t), ["a", "b2", "c", "a2"]);
    assert!(
        print::curly(&t).contains("        term a2 {\n            then accept;"),
        "{}",
        print::curly(&t)
    );
    // Errors: existing name, other list, unordered insert.
    assert!(edit::rename(&mut t, &p, &rel("term a"), &rel("term c")).is_err());
    assert!(edit::copy(&mut t, &p, &rel("term zz"), &rel("term y")).is_err());
    let g = tree("protocols { bgp { group a; group b; } }");
    let mut g2 = g.clone();
    let bgp = target("protocols bgp").steps;
    let relb = |s: &str| {
        resolve_one(
            Schema::get(),
            bgp.last().unwrap().schema,
            &Word::split(s),
            Match::Exact,
        )
        .unwrap()
    };
    assert!(matches!(
        edit::insert(&mut g2, &bgp, &relb("group b"), true, &relb("group a")),
        Err(EditError::Invalid(_))
    ));
    assert_eq!(g, g2);
}

#[test]
fn annotate_activate_deactivate() {
    let mut t = tree("protocols { bgp { group aws { peer-as 64512; } } }");
    let g = target("protocols bgp group aws");
    edit::annotate(&mut t, &[], &g, "AWS Direct Connect").unwrap();
    edit::set_active(&mut t, &[], &g, false).unwrap();
    let text = print::curly(&t);
    assert!(
        text.contains("        /* AWS Direct Connect */\n        inactive: group aws {"),
        "{text}"
    );
    let lines = show(&t);
    assert!(
        lines.ends_with("deactivate protocols bgp group aws"),
        "{lines}"
    );
    edit::set_active(&mut t, &[], &g, true).unwrap();
    edit::annotate(&mut t, &[], &g, "").unwrap();
    assert_eq!(
        t,
        tree("protocols { bgp { group aws { peer-as 64512; } } }")
    );
    assert!(edit::annotate(&mut t, &[], &g, "bad */ text").is_err());
    assert_eq!(
        edit::set_active(&mut t, &[], &target("protocols bgp group nope"), false),
        Err(EditError::NotFound)
    );
}

#[test]
fn merge_follows_set_semantics() {
    let mut t = tree("routing-options { static { route 10.0.0.0/8 next-hop 1.1.1.1; } }");
    edit::merge(
        &mut t,
        tree("routing-options { static { route 10.0.0.0/8 discard; } autonomous-system 1; }"),
    );
    assert_eq!(
        show(&t),
        "set routing-options static route 10.0.0.0/8 discard\nset routing-options autonomous-system 1"
    );
}
