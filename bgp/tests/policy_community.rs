//! Communities: matching (all members, any name, regular expressions, wildcards,
//! invert-match, extended and large) and the add/set/delete actions in configured order.

mod policy_support;

use lsys_bgp::packet::{Community, ExtCommunity, LargeCommunity};
use lsys_bgp::policy::{CompileError, DefaultPolicy};
use policy_support::*;

const CONF: &str = r#"
policy-options {
    policy-statement BOTH {
        from community BOTH;
        then accept;
    }
    policy-statement EITHER {
        from community [ A B ];
        then accept;
    }
    policy-statement REGEX {
        from community OURS;
        then accept;
    }
    policy-statement SEARCH {
        from community SEARCH;
        then accept;
    }
    policy-statement ANY {
        from community ANY;
        then accept;
    }
    policy-statement NOT-OURS {
        from community NOT-OURS;
        then accept;
    }
    policy-statement MIXED {
        from community MIXED;
        then accept;
    }
    policy-statement RT {
        from community RT;
        then accept;
    }
    policy-statement RT-RE {
        from community RT-RE;
        then accept;
    }
    policy-statement LARGE {
        from community LARGE;
        then accept;
    }
    policy-statement WELL-KNOWN {
        from community NO-EXPORT;
        then accept;
    }
    policy-statement DELETE-THEN-ADD {
        then {
            community delete OURS;
            community add A;
            accept;
        }
    }
    policy-statement ADD-THEN-DELETE {
        then {
            community add A;
            community delete OURS;
            accept;
        }
    }
    policy-statement SET {
        then {
            community set BOTH;
            accept;
        }
    }
    policy-statement SCRUB {
        then {
            community delete ANY;
            accept;
        }
    }
    policy-statement SCRUB-RT {
        then {
            community delete RT-RE;
            accept;
        }
    }
    policy-statement ADD-RT-LARGE {
        then {
            community add RT;
            community add LARGE;
            accept;
        }
    }
    community A members 65000:1;
    community B members 65000:2;
    community BOTH members [ 65000:1 65000:2 ];
    community OURS members "^65000:.*$";
    community SEARCH members 100:1..;
    community ANY members *:*;
    community NOT-OURS {
        invert-match;
        members "^65000:.*$";
    }
    community MIXED members [ 65000:1 "^6451[0-9]:100$" ];
    community RT members target:65000:100;
    community RT-RE members "^target:65000:.*$";
    community LARGE members large:4200000000:1:2;
    community NO-EXPORT members no-export;
}
"#;

fn check(policy: &str, route: Route, want: bool) {
    let c = chain(CONF, &[policy], DefaultPolicy::Reject);
    assert_eq!(route.accepted_by(&c), want, "{policy}: {route:?}");
}

fn r(comms: &[&str]) -> Route {
    Route::bgp("192.0.2.0/24").comms(comms)
}

#[test]
fn every_member_must_match() {
    check("BOTH", r(&["65000:1", "65000:2"]), true);
    check("BOTH", r(&["65000:2", "1:1", "65000:1"]), true);
    check("BOTH", r(&["65000:1"]), false);
    check("BOTH", r(&[]), false);
}

#[test]
fn any_named_community() {
    check("EITHER", r(&["65000:2"]), true);
    check("EITHER", r(&["65000:1"]), true);
    check("EITHER", r(&["65000:3"]), false);
}

#[test]
fn regular_expressions() {
    check("REGEX", r(&["65000:999"]), true);
    check("REGEX", r(&["1:1", "65000:0"]), true);
    check("REGEX", r(&["65001:1"]), false);
    check("REGEX", r(&["6500:0", "5000:65000"]), false);
    // Unanchored: Juniper's 100:1.. matches 1100:100.
    check("SEARCH", r(&["1100:100"]), true);
    check("SEARCH", r(&["100:12"]), false);
    check("SEARCH", r(&["100:123"]), true);
    check("MIXED", r(&["65000:1", "64515:100"]), true);
    check("MIXED", r(&["65000:1", "64525:100"]), false);
    check("MIXED", r(&["64515:100"]), false);
}

#[test]
fn wildcard_and_invert_match() {
    check("ANY", r(&["1:2"]), true);
    check("ANY", r(&[]), false);
    check("NOT-OURS", r(&["65000:1"]), false);
    check("NOT-OURS", r(&["65001:1"]), true);
    check("NOT-OURS", r(&[]), true);
}

#[test]
fn extended_large_and_well_known() {
    let rt = ExtCommunity::route_target(65000, 100);
    check("RT", r(&[]).ext(&[rt]), true);
    check(
        "RT",
        r(&[]).ext(&[ExtCommunity::route_target(65000, 101)]),
        false,
    );
    check(
        "RT-RE",
        r(&[]).ext(&[ExtCommunity::route_target(65000, 7)]),
        true,
    );
    check("RT-RE", r(&["65000:100"]), false);
    check("ANY", r(&[]).ext(&[rt]), false);
    check("LARGE", r(&[]).large(&[(4_200_000_000, 1, 2)]), true);
    check("LARGE", r(&[]).large(&[(4_200_000_000, 1, 3)]), false);
    let ne = Route::bgp("192.0.2.0/24").with(|a| a.communities = vec![Community::NO_EXPORT]);
    check("WELL-KNOWN", ne, true);
}

fn after(policy: &str, route: Route) -> Vec<Community> {
    let c = chain(CONF, &[policy], DefaultPolicy::Reject);
    let out = route.eval(&c);
    assert!(out.accepted());
    out.attrs.communities.clone()
}

#[test]
fn actions_apply_in_configured_order() {
    // delete ^65000:.* then add 65000:1: the added one stays.
    assert_eq!(
        after("DELETE-THEN-ADD", r(&["65000:5", "1:1"])),
        communities(&["1:1", "65000:1"])
    );
    // add 65000:1 then delete ^65000:.*: it is deleted again.
    assert_eq!(
        after("ADD-THEN-DELETE", r(&["65000:5", "1:1"])),
        communities(&["1:1"])
    );
}

#[test]
fn set_replaces_every_kind() {
    let route = r(&["1:1"])
        .ext(&[ExtCommunity::route_target(1, 1)])
        .large(&[(1, 2, 3)]);
    let c = chain(CONF, &["SET"], DefaultPolicy::Reject);
    let out = route.eval(&c);
    assert_eq!(out.attrs.communities, communities(&["65000:1", "65000:2"]));
    assert!(out.attrs.ext_communities.is_empty());
    assert!(out.attrs.large_communities.is_empty());
}

#[test]
fn delete_by_expression() {
    let route = r(&["1:1", "65000:1"]).ext(&[ExtCommunity::route_target(65000, 1)]);
    let c = chain(CONF, &["SCRUB"], DefaultPolicy::Reject);
    let out = route.eval(&c);
    assert!(out.attrs.communities.is_empty());
    assert_eq!(
        out.attrs.ext_communities.len(),
        1,
        "*:* is for standard communities"
    );
    let c = chain(CONF, &["SCRUB-RT"], DefaultPolicy::Reject);
    let out = route.eval(&c);
    assert_eq!(out.attrs.communities, communities(&["1:1", "65000:1"]));
    assert!(out.attrs.ext_communities.is_empty());
}

#[test]
fn add_extended_and_large_once() {
    let c = chain(CONF, &["ADD-RT-LARGE"], DefaultPolicy::Reject);
    let out = r(&[]).eval(&c);
    assert_eq!(
        out.attrs.ext_communities,
        vec![ExtCommunity::route_target(65000, 100)]
    );
    let large = LargeCommunity {
        global: 4_200_000_000,
        local1: 1,
        local2: 2,
    };
    assert_eq!(out.attrs.large_communities, vec![large]);
    // Already there: nothing to add, the attributes are not copied.
    let has = r(&[])
        .ext(&[ExtCommunity::route_target(65000, 100)])
        .large(&[(4_200_000_000, 1, 2)]);
    let out = has.eval(&c);
    assert!(!out.attrs_changed(&has.attrs));
}

#[test]
fn expressions_cannot_be_added_or_set() {
    for op in ["add", "set"] {
        let text = format!(
            "policy-options {{ policy-statement P {{ then {{ community {op} OURS; }} }} community OURS members \"^65000:.*$\"; }}"
        );
        let err = try_compile(&text).unwrap_err();
        assert!(matches!(err, CompileError::PatternInAction { .. }), "{err}");
        assert!(err
            .to_string()
            .starts_with(&format!("policy-statement P: community {op} OURS")));
    }
}

#[test]
fn bad_expression_does_not_compile() {
    let text = "policy-options { community BAD members \"^65000:(1$\"; }";
    let err = try_compile(text).unwrap_err();
    assert!(matches!(err, CompileError::CommunityMember { .. }), "{err}");
}
