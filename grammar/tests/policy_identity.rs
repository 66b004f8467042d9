//! Which policy statements are one statement and which are two: a route-filter is named by its
//! prefix *and* match type (`route-filter 0.0.0.0/0 exact` and `route-filter 0.0.0.0/0
//! prefix-length-range /25-/32` are both kept), and each `then community add|set|delete NAME` is
//! its own statement, kept in the order written.

use lsys_grammar::edit;
use lsys_grammar::json;
use lsys_grammar::path::{resolve_one, Match, Word};
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::tree::Node;
use lsys_grammar::typed::{
    intent, CommunityAction, CommunityOp, PolicyAction, RouteFilter, RouteFilterMatch,
};
use lsys_grammar::view::{set_words, View};

mod common;

use common::{commit_errors, tree};

/// The usual "no default, nothing longer than /24" bogon term.
const BOGONS: &str = "\
policy-options {
    policy-statement IMPORT {
        term bogons {
            from {
                route-filter 0.0.0.0/0 exact;
                route-filter 0.0.0.0/0 prefix-length-range /25-/32;
            }
            then reject;
        }
    }
}
";

const BOGON_SET: &str = "\
set policy-options policy-statement IMPORT term bogons from route-filter 0.0.0.0/0 exact
set policy-options policy-statement IMPORT term bogons from route-filter 0.0.0.0/0 prefix-length-range /25-/32
set policy-options policy-statement IMPORT term bogons then reject";

fn set_text(t: &Node) -> String {
    print::set_lines(t, &[]).join("\n")
}

fn set_line(root: &mut Node, line: &str) {
    set_words(
        &View::operator(),
        root,
        &[],
        &Word::split(line),
        Match::Exact,
    )
    .unwrap_or_else(|e| panic!("{line}: {e:?}"));
}

fn delete_line(root: &mut Node, line: &str) -> Result<(), edit::EditError> {
    let t = resolve_one(Schema::get(), ROOT, &Word::split(line), Match::Exact)
        .unwrap_or_else(|e| panic!("{line}: {e}"));
    edit::delete(root, &[], &t)
}

fn json_round_trip(t: &Node) -> Node {
    let doc = json::to_json_document(t);
    let text = serde_json::to_string(&doc).unwrap();
    json::from_json(&serde_json::from_str(&text).unwrap(), ROOT)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn route_filters_with_one_prefix_and_two_match_types_are_both_kept() {
    let t = tree(BOGONS);
    assert_eq!(print::curly(&t), BOGONS);
    assert_eq!(set_text(&t), BOGON_SET);
    assert_eq!(set::read(BOGON_SET, ROOT).unwrap(), t);
    assert_eq!(json_round_trip(&t), t);
}

#[test]
fn route_filters_set_one_by_one_and_delete_one_by_one() {
    let mut t = Node::root();
    for line in BOGON_SET.lines() {
        set_line(&mut t, line.strip_prefix("set ").unwrap());
    }
    assert_eq!(print::curly(&t), BOGONS);
    let rf = "policy-options policy-statement IMPORT term bogons from route-filter";
    delete_line(&mut t, &format!("{rf} 0.0.0.0/0 exact")).unwrap();
    assert_eq!(
        set_text(&t),
        "set policy-options policy-statement IMPORT term bogons from route-filter 0.0.0.0/0 prefix-length-range /25-/32\n\
         set policy-options policy-statement IMPORT term bogons then reject"
    );
    // The other match type, or another range, is another statement: not found.
    assert_eq!(
        delete_line(&mut t, &format!("{rf} 0.0.0.0/0 exact")),
        Err(edit::EditError::NotFound)
    );
    assert_eq!(
        delete_line(
            &mut t,
            &format!("{rf} 0.0.0.0/0 prefix-length-range /24-/32")
        ),
        Err(edit::EditError::NotFound)
    );
    delete_line(
        &mut t,
        &format!("{rf} 0.0.0.0/0 prefix-length-range /25-/32"),
    )
    .unwrap();
    assert!(!set_text(&t).contains("route-filter"), "{}", set_text(&t));
}

#[test]
fn typed_route_filters_hold_every_entry_in_order() {
    let i = intent(&tree(BOGONS)).unwrap();
    let term = &i.root.policy_options.policy_statements[0].terms[0];
    assert_eq!(
        term.from.route_filters,
        vec![
            RouteFilter {
                prefix: "0.0.0.0/0".parse().unwrap(),
                match_type: Some(RouteFilterMatch::Exact),
                action: None,
            },
            RouteFilter {
                prefix: "0.0.0.0/0".parse().unwrap(),
                match_type: Some(RouteFilterMatch::PrefixLengthRange(25, 32)),
                action: None,
            },
        ]
    );
}

const COMMUNITIES: &str = "\
policy-options {
    policy-statement EXPORT {
        term tag {
            then {
                community delete X;
                community add Y;
                community add Z;
                accept;
            }
        }
    }
    community X members 65000:1;
    community Y members 65000:2;
    community Z members 65000:3;
}
";

const COMMUNITY_SET: &str = "\
set policy-options policy-statement EXPORT term tag then community delete X
set policy-options policy-statement EXPORT term tag then community add Y
set policy-options policy-statement EXPORT term tag then community add Z
set policy-options policy-statement EXPORT term tag then accept
set policy-options community X members 65000:1
set policy-options community Y members 65000:2
set policy-options community Z members 65000:3";

#[test]
fn community_actions_are_separate_statements_in_order() {
    let t = tree(COMMUNITIES);
    assert_eq!(print::curly(&t), COMMUNITIES);
    assert_eq!(set_text(&t), COMMUNITY_SET);
    assert_eq!(set::read(COMMUNITY_SET, ROOT).unwrap(), t);
    assert_eq!(json_round_trip(&t), t);
}

#[test]
fn community_actions_set_one_by_one_keep_every_add() {
    let mut t = Node::root();
    let then = "policy-options policy-statement EXPORT term tag then";
    set_line(&mut t, &format!("{then} community add A"));
    set_line(&mut t, &format!("{then} community add B"));
    set_line(&mut t, &format!("{then} community delete X"));
    set_line(&mut t, &format!("{then} community add A"));
    assert_eq!(
        set_text(&t),
        "set policy-options policy-statement EXPORT term tag then community add A\n\
         set policy-options policy-statement EXPORT term tag then community add B\n\
         set policy-options policy-statement EXPORT term tag then community delete X"
    );
    delete_line(&mut t, &format!("{then} community add B")).unwrap();
    assert_eq!(
        set_text(&t),
        "set policy-options policy-statement EXPORT term tag then community add A\n\
         set policy-options policy-statement EXPORT term tag then community delete X"
    );
}

#[test]
fn typed_community_actions_are_in_configured_order() {
    let i = intent(&tree(COMMUNITIES)).unwrap();
    let then = &i.root.policy_options.policy_statements[0].terms[0].then;
    let action = |op, name: &str| CommunityAction {
        op,
        name: name.to_string(),
    };
    assert_eq!(
        then.communities,
        vec![
            action(CommunityOp::Delete, "X"),
            action(CommunityOp::Add, "Y"),
            action(CommunityOp::Add, "Z"),
        ]
    );
    assert_eq!(then.action, Some(PolicyAction::Accept));
}

#[test]
fn one_community_action_prints_on_the_then_line() {
    let text = "\
policy-options {
    policy-statement P {
        then community set C;
    }
}
";
    assert_eq!(print::curly(&tree(text)), text);
}

/// lsys used to print the community actions as one statement; such text still reads, as one
/// entry per action in the order written.
#[test]
fn the_former_one_line_community_form_still_reads() {
    let old = tree("policy-options { policy-statement P { then community add A delete B; } }");
    let new = tree(
        "policy-options { policy-statement P { then { community add A; community delete B; } } }",
    );
    assert_eq!(old, new);
    // A route-filter takes one match type only.
    let e = curly::read(
        "policy-options { policy-statement P { term t { from route-filter 10.0.0.0/8 exact longer; } } }",
        ROOT,
    )
    .unwrap_err();
    assert!(e.message.contains("syntax error"), "{e}");
}

#[test]
fn match_types_and_operations_take_unambiguous_prefixes_on_the_command_line() {
    let mut t = Node::root();
    for line in [
        "policy-options policy-statement P term t from route-filter 0.0.0.0/0 ex",
        "policy-options policy-statement P term t from route-filter 0.0.0.0/0 prefix-length-range /25-/32",
        "policy-options policy-statement P term t then community del X",
        "policy-options policy-statement P term t then community a Y",
        "policy-options policy-statement P term t then rej",
    ] {
        set_words(
            &View::operator(),
            &mut t,
            &[],
            &Word::split(line),
            Match::Prefix,
        )
        .unwrap_or_else(|e| panic!("{line}: {e:?}"));
    }
    assert_eq!(
        set_text(&t),
        "set policy-options policy-statement P term t from route-filter 0.0.0.0/0 exact\n\
         set policy-options policy-statement P term t from route-filter 0.0.0.0/0 prefix-length-range /25-/32\n\
         set policy-options policy-statement P term t then community delete X\n\
         set policy-options policy-statement P term t then community add Y\n\
         set policy-options policy-statement P term t then reject"
    );
}

#[test]
fn every_named_community_of_every_action_must_exist() {
    // Before, the second `add` replaced the first, so the undefined name was never checked.
    let t = tree(
        "policy-options {
            community A members 65000:1;
            policy-statement P {
                term 1 {
                    then {
                        community add MISSING;
                        community add A;
                        community delete GONE;
                    }
                }
            }
        }",
    );
    let path = "policy-options policy-statement P term 1 then";
    assert_eq!(
        commit_errors(&t),
        vec![
            (
                path.to_string(),
                "community add MISSING".to_string(),
                "Referenced community MISSING is not defined".to_string()
            ),
            (
                path.to_string(),
                "community delete GONE".to_string(),
                "Referenced community GONE is not defined".to_string()
            ),
        ]
    );
}

#[test]
fn a_route_filter_without_a_match_type_is_refused_at_commit() {
    // Read (a configuration saved before stays loadable), but Junos requires a match type.
    let t = tree(
        "policy-options {
            policy-statement P {
                term 1 {
                    from {
                        route-filter 10.0.0.0/8;
                        route-filter 10.0.0.0/8 exact;
                    }
                    then accept;
                }
            }
        }",
    );
    assert_eq!(
        commit_errors(&t),
        vec![(
            "policy-options policy-statement P term 1 from".to_string(),
            "route-filter 10.0.0.0/8".to_string(),
            "missing match type: exact, longer, orlonger, upto, prefix-length-range or through"
                .to_string()
        )]
    );
}

#[test]
fn community_actions_are_ordered_and_take_insert() {
    let mut t = tree(COMMUNITIES);
    let cmds = set::parse(
        "insert policy-options policy-statement EXPORT term tag then community add Z before community delete X",
    )
    .unwrap();
    set::apply(&mut t, &[], ROOT, &cmds).unwrap();
    let then = "set policy-options policy-statement EXPORT term tag then";
    let lines: Vec<String> = print::set_lines(&t, &[])
        .into_iter()
        .filter(|l| l.starts_with(then))
        .collect();
    assert_eq!(
        lines,
        [
            format!("{then} community add Z"),
            format!("{then} community delete X"),
            format!("{then} community add Y"),
            format!("{then} accept"),
        ]
    );
}
