//! Every `then` action, and copy-on-write of the attributes.

mod policy_support;

use std::sync::Arc;

use lsys_bgp::packet::{AsPath, Origin, Segment, SegmentType};
use lsys_bgp::policy::{DefaultPolicy, LoadBalance, NextHop, Outcome};
use policy_support::*;

/// Runs `route` through a policy whose only term does `then { actions accept; }`.
fn run(actions: &str, route: &Route) -> Outcome {
    let text =
        format!("policy-options {{ policy-statement P {{ then {{ {actions} accept; }} }} }}");
    let c = chain(&text, &["P"], DefaultPolicy::Reject);
    let out = route.eval(&c);
    assert!(out.accepted(), "{actions}");
    out
}

fn bgp() -> Route {
    Route::bgp("192.0.2.0/24")
}

#[test]
fn local_preference() {
    let table: &[(&str, Option<u32>, u32)] = &[
        ("local-preference 200;", None, 200),
        ("local-preference 200;", Some(50), 200),
        ("local-preference add 20;", None, 120),
        ("local-preference add 20;", Some(50), 70),
        ("local-preference subtract 30;", None, 70),
        ("local-preference subtract 30;", Some(10), 0),
        ("local-preference add 10;", Some(u32::MAX - 5), u32::MAX),
    ];
    for (a, before, want) in table {
        let r = bgp().with(|x| x.local_pref = *before);
        assert_eq!(
            run(a, &r).attrs.local_pref,
            Some(*want),
            "{a} on {before:?}"
        );
    }
}

#[test]
fn metric() {
    let table: &[(&str, Option<u32>, u32)] = &[
        ("metric 10;", None, 10),
        ("metric 10;", Some(99), 10),
        ("metric add 5;", None, 5),
        ("metric add 5;", Some(10), 15),
        ("metric subtract 5;", Some(3), 0),
    ];
    for (a, before, want) in table {
        let r = bgp().with(|x| x.med = *before);
        assert_eq!(run(a, &r).attrs.med, Some(*want), "{a} on {before:?}");
    }
}

#[test]
fn origin() {
    for (a, want) in [
        ("origin igp;", Origin::Igp),
        ("origin egp;", Origin::Egp),
        ("origin incomplete;", Origin::Incomplete),
    ] {
        assert_eq!(run(a, &bgp()).attrs.origin, Some(want));
    }
}

#[test]
fn as_path_prepend_as_written() {
    let r = bgp().path(&[65001, 65002]);
    let out = run("as-path-prepend \"64496 64497\";", &r);
    assert_eq!(
        out.attrs.as_path,
        Some(AsPath::from_sequence([64496, 64497, 65001, 65002]))
    );
    let local = bgp().with(|a| a.as_path = None);
    let out = run("as-path-prepend 64496;", &local);
    assert_eq!(out.attrs.as_path, Some(AsPath::from_sequence([64496])));
}

#[test]
fn as_path_expand_last_as() {
    let r = bgp().path(&[65001, 65002]);
    let out = run("as-path-expand last-as count 2;", &r);
    assert_eq!(
        out.attrs.as_path,
        Some(AsPath::from_sequence([65001, 65001, 65001, 65002]))
    );
    // With a prepend as well: the expansion uses the path as received.
    let out = run("as-path-prepend 64496; as-path-expand last-as count 1;", &r);
    assert_eq!(
        out.attrs.as_path,
        Some(AsPath::from_sequence([64496, 65001, 65001, 65002]))
    );
    // Nothing to repeat on an empty path, or one that starts with a set.
    let empty = bgp().path(&[]);
    let out = run("as-path-expand last-as count 3;", &empty);
    assert!(!out.attrs_changed(&empty.attrs));
    let set = bgp().with(|a| {
        a.as_path = Some(AsPath {
            segments: vec![Segment {
                kind: SegmentType::Set,
                asns: vec![1, 2],
            }],
        })
    });
    assert!(!run("as-path-expand last-as count 3;", &set).attrs_changed(&set.attrs));
}

#[test]
fn route_changes_outside_the_attributes() {
    let table: &[(&str, NextHop)] = &[
        ("next-hop self;", NextHop::SelfAddress),
        ("next-hop peer-address;", NextHop::PeerAddress),
        ("next-hop discard;", NextHop::Discard),
        ("next-hop reject;", NextHop::Reject),
        (
            "next-hop 203.0.113.1;",
            NextHop::Address("203.0.113.1".parse().unwrap()),
        ),
    ];
    for (a, want) in table {
        let r = bgp();
        let out = run(a, &r);
        assert_eq!(out.changes.next_hop, Some(*want), "{a}");
        assert!(
            Arc::ptr_eq(&out.attrs, &r.attrs),
            "{a} leaves the attributes alone"
        );
    }
    let out = run("tag 42; preference 20; load-balance per-packet;", &bgp());
    assert_eq!(out.changes.tag, Some(42));
    assert_eq!(out.changes.preference, Some(20));
    assert_eq!(out.changes.load_balance, Some(LoadBalance::PerPacket));
}

#[test]
fn later_terms_see_earlier_changes() {
    let text = r#"
    policy-options {
        policy-statement P {
            term a {
                then {
                    local-preference 300;
                    tag 9;
                    preference 40;
                    as-path-prepend 64999;
                }
            }
            term b {
                from {
                    local-preference 300;
                    tag 9;
                    preference 40;
                    as-path FIRST;
                }
                then accept;
            }
            then reject;
        }
        as-path FIRST "64999 .*";
    }"#;
    let c = chain(text, &["P"], DefaultPolicy::Reject);
    let out = bgp().eval(&c);
    assert!(out.accepted());
    assert_eq!(c.describe(out.decided_by.unwrap()), Some(("P", Some("b"))));
}

#[test]
fn copy_on_write() {
    let r = bgp().with(|a| a.local_pref = Some(200));
    let before = (*r.attrs).clone();
    // A change that changes nothing: the route keeps its Arc.
    let same = run("local-preference 200; origin igp;", &r);
    assert!(Arc::ptr_eq(&same.attrs, &r.attrs));
    // A real change: a new set, the route's own untouched.
    let changed = run("local-preference 250; metric 3;", &r);
    assert!(!Arc::ptr_eq(&changed.attrs, &r.attrs));
    assert_eq!(changed.attrs.local_pref, Some(250));
    assert_eq!(changed.attrs.med, Some(3));
    assert_eq!(*r.attrs, before);
    // A rejected route keeps its Arc even when a term changed it first.
    let text = r#"
    policy-options {
        policy-statement P {
            term a {
                then local-preference 1;
            }
            then reject;
        }
    }"#;
    let c = chain(text, &["P"], DefaultPolicy::Accept);
    let out = r.eval(&c);
    assert!(!out.accepted());
    assert!(Arc::ptr_eq(&out.attrs, &r.attrs));
}
