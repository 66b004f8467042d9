//! Every `from` condition, table style: one policy per condition that accepts what matches,
//! evaluated with a default of reject.

mod policy_support;

use lsys_bgp::packet::{NextHop, Origin};
use lsys_bgp::policy::{DefaultPolicy, Protocol, RouteType};
use policy_support::*;

const CONF: &str = r#"
policy-options {
    prefix-list TEN {
        10.0.0.0/8;
        2001:db8::/32;
    }
    prefix-list NETS {
        192.0.2.0/24;
        198.51.100.0/24;
    }
    policy-statement PROTOCOL {
        from protocol [ static direct ];
        then accept;
    }
    policy-statement NEIGHBOR {
        from neighbor [ 192.0.2.1 2001:db8::1 ];
        then accept;
    }
    policy-statement PREFIX-LIST {
        from prefix-list [ TEN NETS ];
        then accept;
    }
    policy-statement PLF-EXACT {
        from {
            prefix-list-filter TEN exact;
        }
        then accept;
    }
    policy-statement PLF-LONGER {
        from {
            prefix-list-filter TEN longer;
        }
        then accept;
    }
    policy-statement PLF-ORLONGER {
        from {
            prefix-list-filter TEN orlonger;
        }
        then accept;
    }
    policy-statement PLF-ACTION {
        from {
            prefix-list-filter NETS orlonger accept;
        }
        then reject;
    }
    policy-statement FAMILY6 {
        from family inet6;
        then accept;
    }
    policy-statement NEXT-HOP {
        from next-hop [ 192.0.2.1 203.0.113.9 ];
        then accept;
    }
    policy-statement INTERFACE {
        from interface [ ge-0/0/1.0 10.9.9.1 ];
        then accept;
    }
    policy-statement INSTANCE {
        from instance CUST;
        then accept;
    }
    policy-statement ROUTE-TYPE {
        from route-type internal;
        then accept;
    }
    policy-statement METRIC {
        from metric 20;
        then accept;
    }
    policy-statement LOCAL-PREF {
        from local-preference 100;
        then accept;
    }
    policy-statement TAG {
        from tag [ 7 8 ];
        then accept;
    }
    policy-statement PREFERENCE {
        from preference 170;
        then accept;
    }
    policy-statement ORIGIN {
        from origin incomplete;
        then accept;
    }
    policy-statement TWO {
        from {
            protocol bgp;
            route-filter 10.0.0.0/8 orlonger;
        }
        then accept;
    }
    policy-statement PREFIX-OR {
        from {
            prefix-list NETS;
            route-filter 10.0.0.0/8 exact;
        }
        then accept;
    }
    policy-statement TO-ONLY {
        to neighbor 192.0.2.99;
        then accept;
    }
}
"#;

fn check(policy: &str, route: Route, want: bool) {
    let c = chain(CONF, &[policy], DefaultPolicy::Reject);
    assert_eq!(route.accepted_by(&c), want, "{policy}: {route:?}");
}

#[test]
fn protocol() {
    check("PROTOCOL", Route::of(Protocol::Static, "10.0.0.0/8"), true);
    check("PROTOCOL", Route::of(Protocol::Direct, "10.0.0.0/8"), true);
    check("PROTOCOL", Route::of(Protocol::Local, "10.0.0.1/32"), false);
    check("PROTOCOL", Route::bgp("10.0.0.0/8"), false);
}

#[test]
fn neighbor() {
    check("NEIGHBOR", Route::bgp("10.0.0.0/8"), true);
    check(
        "NEIGHBOR",
        Route::bgp("10.0.0.0/8").neighbor("2001:db8::1"),
        true,
    );
    check(
        "NEIGHBOR",
        Route::bgp("10.0.0.0/8").neighbor("192.0.2.2"),
        false,
    );
    check("NEIGHBOR", Route::of(Protocol::Static, "10.0.0.0/8"), false);
}

#[test]
fn prefix_list_is_exact() {
    for (p, want) in [
        ("10.0.0.0/8", true),
        ("10.0.0.0/9", false),
        ("198.51.100.0/24", true),
        ("2001:db8::/32", true),
        ("2001:db8::/48", false),
        ("0.0.0.0/0", false),
    ] {
        check("PREFIX-LIST", Route::bgp(p), want);
    }
}

#[test]
fn prefix_list_filter() {
    let table = [
        ("10.0.0.0/8", [true, false, true]),
        ("10.1.0.0/16", [false, true, true]),
        ("2001:db8:1::/48", [false, true, true]),
        ("11.0.0.0/8", [false, false, false]),
    ];
    for (p, [exact, longer, orlonger]) in table {
        check("PLF-EXACT", Route::bgp(p), exact);
        check("PLF-LONGER", Route::bgp(p), longer);
        check("PLF-ORLONGER", Route::bgp(p), orlonger);
    }
    // Its own action decides; the then (reject) is for the rest.
    check("PLF-ACTION", Route::bgp("192.0.2.128/25"), true);
    check("PLF-ACTION", Route::bgp("203.0.113.0/24"), false);
}

#[test]
fn family() {
    check("FAMILY6", Route::bgp("2001:db8::/32"), true);
    check("FAMILY6", Route::bgp("10.0.0.0/8"), false);
}

#[test]
fn next_hop_from_route_or_attribute() {
    // The BGP NEXT_HOP of Route::bgp is 192.0.2.1.
    check("NEXT-HOP", Route::bgp("10.0.0.0/8"), true);
    let mut other =
        Route::bgp("10.0.0.0/8").with(|a| a.next_hop = Some(NextHop::V4([192, 0, 2, 2].into())));
    check("NEXT-HOP", other.clone(), false);
    other.next_hops = vec!["203.0.113.9".parse().unwrap()];
    check("NEXT-HOP", other, true);
    let v6 = Route::bgp("2001:db8::/32").with(|a| {
        a.next_hop = Some(NextHop::V6 {
            global: "2001:db8::9".parse().unwrap(),
            link_local: Some("fe80::1".parse().unwrap()),
        })
    });
    check("NEXT-HOP", v6, false);
}

#[test]
fn interface_by_name_or_address() {
    let mut r = Route::of(Protocol::Direct, "10.9.9.0/24");
    check("INTERFACE", r.clone(), false);
    r.interfaces = vec!["ge-0/0/1.0".into()];
    check("INTERFACE", r.clone(), true);
    r.interfaces = vec!["ge-0/0/2.0".into()];
    check("INTERFACE", r.clone(), false);
    r.interface_addresses = vec!["10.9.9.1".parse().unwrap()];
    check("INTERFACE", r, true);
}

#[test]
fn instance() {
    let mut r = Route::bgp("10.0.0.0/8");
    check("INSTANCE", r.clone(), false);
    r.instance = "CUST".into();
    check("INSTANCE", r, true);
}

#[test]
fn route_type() {
    let mut r = Route::bgp("10.0.0.0/8");
    check("ROUTE-TYPE", r.clone(), false);
    r.route_type = Some(RouteType::Internal);
    check("ROUTE-TYPE", r.clone(), true);
    r.route_type = None;
    check("ROUTE-TYPE", r, false);
}

#[test]
fn metric_is_med_else_route_metric() {
    check("METRIC", Route::bgp("10.0.0.0/8"), false);
    check(
        "METRIC",
        Route::bgp("10.0.0.0/8").with(|a| a.med = Some(20)),
        true,
    );
    check(
        "METRIC",
        Route::bgp("10.0.0.0/8").with(|a| a.med = Some(21)),
        false,
    );
    let mut s = Route::of(Protocol::Static, "10.0.0.0/8");
    s.metric = Some(20);
    check("METRIC", s, true);
}

#[test]
fn local_preference_unset_is_100() {
    check("LOCAL-PREF", Route::bgp("10.0.0.0/8"), true);
    check(
        "LOCAL-PREF",
        Route::bgp("10.0.0.0/8").with(|a| a.local_pref = Some(100)),
        true,
    );
    check(
        "LOCAL-PREF",
        Route::bgp("10.0.0.0/8").with(|a| a.local_pref = Some(90)),
        false,
    );
}

#[test]
fn tag() {
    let mut r = Route::of(Protocol::Static, "10.0.0.0/8");
    check("TAG", r.clone(), false);
    r.tag = Some(8);
    check("TAG", r.clone(), true);
    r.tag = Some(9);
    check("TAG", r, false);
}

#[test]
fn preference() {
    check("PREFERENCE", Route::bgp("10.0.0.0/8"), true);
    check(
        "PREFERENCE",
        Route::of(Protocol::Static, "10.0.0.0/8"),
        false,
    );
    let mut r = Route::of(Protocol::Static, "10.0.0.0/8");
    r.preference = Some(170);
    check("PREFERENCE", r, true);
}

#[test]
fn origin() {
    check("ORIGIN", Route::bgp("10.0.0.0/8"), false);
    check(
        "ORIGIN",
        Route::bgp("10.0.0.0/8").with(|a| a.origin = Some(Origin::Incomplete)),
        true,
    );
    check("ORIGIN", Route::of(Protocol::Static, "10.0.0.0/8"), false);
}

#[test]
fn all_conditions_must_match() {
    check("TWO", Route::bgp("10.1.0.0/16"), true);
    check("TWO", Route::of(Protocol::Static, "10.1.0.0/16"), false);
    check("TWO", Route::bgp("11.0.0.0/8"), false);
}

#[test]
fn prefix_conditions_are_one_alternative() {
    check("PREFIX-OR", Route::bgp("192.0.2.0/24"), true);
    check("PREFIX-OR", Route::bgp("10.0.0.0/8"), true);
    check("PREFIX-OR", Route::bgp("10.0.0.0/9"), false);
}

#[test]
fn to_conditions_are_not_evaluated() {
    check("TO-ONLY", Route::bgp("10.0.0.0/8"), true);
}

#[test]
fn undefined_names_do_not_compile() {
    for (from, what) in [
        ("prefix-list NOPE", "prefix-list NOPE"),
        ("community NOPE", "community NOPE"),
        ("as-path NOPE", "as-path NOPE"),
    ] {
        // The grammar reads references unchecked; commit refuses them (and so does compile).
        let text = format!(
            "policy-options {{ policy-statement P {{ term t {{ from {from}; then accept; }} }} }}"
        );
        let err = try_compile(&text).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("policy-statement P term t: {what} is not defined")
        );
    }
}
