//! Route-filters: the match types, Junos's longest-match rule, the bogon idiom, and a long
//! list (indexed) behaving as a short one (scanned).

mod policy_support;

use lsys_bgp::policy::DefaultPolicy;
use policy_support::*;

fn one(filter: &str) -> lsys_bgp::policy::Chain {
    let text = format!(
        "policy-options {{ policy-statement P {{ term t {{ from {{ route-filter {filter}; }} then accept; }} }} }}"
    );
    chain(&text, &["P"], DefaultPolicy::Reject)
}

#[test]
fn match_types() {
    let table: &[(&str, &[(&str, bool)])] = &[
        (
            "10.0.0.0/8 exact",
            &[
                ("10.0.0.0/8", true),
                ("10.0.0.0/9", false),
                ("11.0.0.0/8", false),
            ],
        ),
        (
            "10.0.0.0/8 longer",
            &[
                ("10.0.0.0/8", false),
                ("10.128.0.0/9", true),
                ("10.1.2.3/32", true),
            ],
        ),
        (
            "10.0.0.0/8 orlonger",
            &[
                ("10.0.0.0/8", true),
                ("10.1.2.3/32", true),
                ("0.0.0.0/0", false),
            ],
        ),
        (
            "10.0.0.0/8 upto /16",
            &[
                ("10.0.0.0/8", true),
                ("10.1.0.0/16", true),
                ("10.1.1.0/24", false),
            ],
        ),
        (
            "10.0.0.0/8 prefix-length-range /16-/24",
            &[
                ("10.0.0.0/8", false),
                ("10.1.0.0/16", true),
                ("10.1.1.0/24", true),
                ("10.1.1.0/25", false),
            ],
        ),
        (
            "10.0.0.0/8 through 10.1.1.0/24",
            &[
                ("10.0.0.0/8", true),
                ("10.0.0.0/15", true),
                ("10.1.0.0/16", true),
                ("10.1.1.0/24", true),
                ("10.2.0.0/16", false),
                ("10.1.1.0/25", false),
            ],
        ),
        (
            "2001:db8::/32 orlonger",
            &[
                ("2001:db8:1::/48", true),
                ("2001:db9::/32", false),
                ("10.0.0.0/8", false),
            ],
        ),
    ];
    for (filter, routes) in table {
        let c = one(filter);
        for (r, want) in *routes {
            assert_eq!(
                Route::bgp(r).accepted_by(&c),
                *want,
                "route-filter {filter}: {r}"
            );
        }
    }
}

#[test]
fn longest_match_only_tests_the_longest_prefix() {
    // Juniper's example: 192.168.254.0/24 finds 192.168.254.0/23 exact as its longest
    // prefix, which fails; the /16 orlonger is not consulted.
    let conf = r#"
    policy-options {
        policy-statement P {
            term t {
                from {
                    route-filter 192.168.0.0/16 orlonger;
                    route-filter 192.168.254.0/23 exact;
                }
                then accept;
            }
        }
    }"#;
    let c = chain(conf, &["P"], DefaultPolicy::Reject);
    assert!(!Route::bgp("192.168.254.0/24").accepted_by(&c));
    assert!(Route::bgp("192.168.254.0/23").accepted_by(&c));
    assert!(Route::bgp("192.168.1.0/24").accepted_by(&c));
    // And 192.168.0.0/14 upto /24 with 192.168.0.0/15 exact: 192.168.1.0/24 fails.
    let conf = r#"
    policy-options {
        policy-statement P {
            term t {
                from {
                    route-filter 192.168.0.0/14 upto /24 reject;
                    route-filter 192.168.0.0/15 exact;
                }
                then accept;
            }
        }
    }"#;
    let c = chain(conf, &["P"], DefaultPolicy::Accept);
    let out = Route::bgp("192.168.1.0/24").eval(&c);
    assert!(
        out.accepted() && out.decided_by.is_none(),
        "no term matched"
    );
    assert!(!Route::bgp("192.170.0.0/16").accepted_by(&c));
}

#[test]
fn same_prefix_entries_are_tried_in_order() {
    // Juniper's example: 0/0 rejected, 0.0.0.0/8 accepted (next-hop self in theirs), /25
    // rejected.
    let conf = r#"
    policy-options {
        policy-statement P {
            term t {
                from {
                    route-filter 0.0.0.0/0 upto /7 reject;
                    route-filter 0.0.0.0/0 upto /24 accept;
                    route-filter 0.0.0.0/0 orlonger reject;
                }
            }
        }
    }"#;
    let c = chain(conf, &["P"], DefaultPolicy::Reject);
    assert!(!Route::bgp("0.0.0.0/0").accepted_by(&c));
    assert!(Route::bgp("0.0.0.0/8").accepted_by(&c));
    assert!(!Route::bgp("0.0.0.0/25").accepted_by(&c));
}

const BOGONS: &str = r#"
policy-options {
    policy-statement BOGONS {
        term bogons {
            from {
                route-filter 0.0.0.0/0 exact reject;
                route-filter 0.0.0.0/0 prefix-length-range /25-/32 reject;
                route-filter 0.0.0.0/8 orlonger reject;
                route-filter 10.0.0.0/8 orlonger reject;
                route-filter 127.0.0.0/8 orlonger reject;
                route-filter 169.254.0.0/16 orlonger reject;
                route-filter 172.16.0.0/12 orlonger reject;
                route-filter 192.0.2.0/24 orlonger reject;
                route-filter 192.168.0.0/16 orlonger reject;
                route-filter 224.0.0.0/3 orlonger reject;
            }
        }
        then next policy;
    }
    policy-statement REST {
        then {
            local-preference 120;
            accept;
        }
    }
}
"#;

#[test]
fn bogon_idiom() {
    let c = chain(BOGONS, &["BOGONS", "REST"], DefaultPolicy::Reject);
    for (r, want) in [
        ("0.0.0.0/0", false),
        ("8.8.8.0/24", true),
        ("8.8.8.0/25", false),
        ("8.8.8.8/32", false),
        ("1.0.0.0/8", true),
        ("10.1.0.0/16", false),
        ("10.1.0.0/28", false),
        ("172.31.0.0/16", false),
        ("172.32.0.0/16", true),
        ("192.0.2.0/24", false),
        ("198.51.100.0/24", true),
        ("240.0.0.0/4", false),
        ("2001:db8::/32", true),
    ] {
        let out = Route::bgp(r).eval(&c);
        assert_eq!(out.accepted(), want, "{r}");
        if want {
            assert_eq!(out.attrs.local_pref, Some(120), "{r}");
        }
    }
}

#[test]
fn long_lists_match_like_short_ones() {
    // 60 filters in one term are indexed by prefix length rather than scanned; the
    // longest-match rule must come out the same.
    let mut filters = String::new();
    for i in 0..20u8 {
        filters.push_str(&format!("route-filter 100.{i}.0.0/16 orlonger;\n"));
        filters.push_str(&format!("route-filter 100.{i}.128.0/17 exact;\n"));
        filters.push_str(&format!("route-filter 100.{i}.64.0/18 upto /20;\n"));
    }
    let text = format!(
        "policy-options {{ policy-statement P {{ term t {{ from {{ {filters} }} then accept; }} }} }}"
    );
    let c = chain(&text, &["P"], DefaultPolicy::Reject);
    for i in [0u8, 7, 19] {
        for (r, want) in [
            (format!("100.{i}.0.0/16"), true),
            (format!("100.{i}.1.0/24"), true),
            (format!("100.{i}.128.0/17"), true),
            (format!("100.{i}.128.0/18"), false),
            (format!("100.{i}.64.0/20"), true),
            (format!("100.{i}.64.0/21"), false),
            (format!("100.{i}.0.0/15"), false),
        ] {
            assert_eq!(Route::bgp(&r).accepted_by(&c), want, "{r}");
        }
    }
    assert!(!Route::bgp("100.20.0.0/16").accepted_by(&c));
}

#[test]
fn missing_match_type_does_not_compile() {
    let text = "policy-options { policy-statement P { term t { from { route-filter 10.0.0.0/8; } then accept; } } }";
    let err = try_compile(text).unwrap_err().to_string();
    assert_eq!(
        err,
        "policy-statement P term t: route-filter 10.0.0.0/8: missing match type"
    );
}
