//! Flow control of policy chains: terms in order, next term / next policy, the policy's own
//! from/then, defaults, route-filter actions, changes that accumulate.

mod policy_support;

use std::sync::Arc;

use lsys_bgp::policy::{Decision, DefaultPolicy, Policies, Protocol};
use policy_support::*;

const CONF: &str = r#"
policy-options {
    prefix-list TEN {
        10.0.0.0/8;
    }
    policy-statement ACCEPT-ALL {
        then accept;
    }
    policy-statement REJECT-ALL {
        then reject;
    }
    policy-statement EMPTY {
    }
    policy-statement FLOW {
        term set-pref {
            then {
                local-preference 200;
            }
        }
        term ten {
            from {
                prefix-list TEN;
            }
            then {
                metric 7;
                next term;
            }
        }
        term ten-accept {
            from {
                prefix-list TEN;
            }
            then accept;
        }
        term skip {
            from {
                route-filter 172.16.0.0/12 orlonger;
            }
            then {
                metric 9;
                next policy;
            }
        }
        term never-for-skipped {
            from {
                route-filter 172.16.0.0/12 orlonger;
            }
            then reject;
        }
        then {
            tag 5;
        }
    }
    policy-statement SECOND {
        term 172 {
            from {
                route-filter 172.16.0.0/12 orlonger;
            }
            then {
                local-preference add 1;
                accept;
            }
        }
    }
    policy-statement OWN-FROM {
        from {
            protocol static;
        }
        then reject;
    }
    policy-statement FILTER-ACTION {
        term t {
            from {
                route-filter 10.0.0.0/8 exact reject;
                route-filter 10.0.0.0/8 longer;
            }
            then {
                local-preference 300;
                accept;
            }
        }
    }
}
"#;

#[test]
fn accept_and_reject_end_the_chain() {
    let r = Route::bgp("192.0.2.0/24");
    let c = import(CONF, &["ACCEPT-ALL", "REJECT-ALL"]);
    assert!(r.accepted_by(&c));
    let c = import(CONF, &["REJECT-ALL", "ACCEPT-ALL"]);
    let out = r.eval(&c);
    assert_eq!(out.decision, Decision::Reject);
    assert_eq!(
        c.describe(out.decided_by.unwrap()),
        Some(("REJECT-ALL", None))
    );
}

#[test]
fn empty_chain_and_empty_policy_fall_to_the_default() {
    let p = compile(CONF);
    let r = Route::bgp("192.0.2.0/24");
    for (names, default, want) in [
        (vec![], DefaultPolicy::Accept, Decision::Accept),
        (vec![], DefaultPolicy::Reject, Decision::Reject),
        (vec!["EMPTY"], DefaultPolicy::Reject, Decision::Reject),
        (vec!["EMPTY"], DefaultPolicy::BGP_IMPORT, Decision::Accept),
    ] {
        let c = p.chain(&names, default).unwrap();
        let out = r.eval(&c);
        assert_eq!(out.decision, want, "{names:?} {default:?}");
        assert!(out.decided_by.is_none());
        assert!(Arc::ptr_eq(&out.attrs, &r.attrs));
    }
}

#[test]
fn bgp_export_default_accepts_bgp_only() {
    let c = chain(CONF, &["EMPTY"], DefaultPolicy::BGP_EXPORT);
    assert!(Route::bgp("192.0.2.0/24").accepted_by(&c));
    for p in [
        Protocol::Static,
        Protocol::Direct,
        Protocol::Local,
        Protocol::Aggregate,
    ] {
        assert!(!Route::of(p, "192.0.2.0/24").accepted_by(&c), "{p:?}");
    }
}

#[test]
fn next_term_accumulates_changes() {
    let c = import(CONF, &["FLOW"]);
    let out = Route::bgp("10.0.0.0/8").eval(&c);
    assert_eq!(out.decision, Decision::Accept);
    assert_eq!(
        c.describe(out.decided_by.unwrap()),
        Some(("FLOW", Some("ten-accept")))
    );
    assert_eq!(out.attrs.local_pref, Some(200));
    assert_eq!(out.attrs.med, Some(7));
    // The policy's own then was not reached.
    assert_eq!(out.changes.tag, None);
}

#[test]
fn falling_off_a_policy_runs_its_own_then_and_the_default_keeps_changes() {
    let c = import(CONF, &["FLOW"]);
    let out = Route::bgp("192.0.2.0/24").eval(&c);
    assert_eq!(out.decision, Decision::Accept);
    assert!(out.decided_by.is_none());
    assert_eq!(out.attrs.local_pref, Some(200));
    assert_eq!(out.attrs.med, None);
    assert_eq!(out.changes.tag, Some(5));
    let c = chain(CONF, &["FLOW"], DefaultPolicy::Reject);
    assert_eq!(
        Route::bgp("192.0.2.0/24").eval(&c).decision,
        Decision::Reject
    );
}

#[test]
fn next_policy_skips_the_rest_of_the_policy() {
    let c = import(CONF, &["FLOW", "SECOND"]);
    let out = Route::bgp("172.16.5.0/24").eval(&c);
    assert_eq!(out.decision, Decision::Accept);
    assert_eq!(
        c.describe(out.decided_by.unwrap()),
        Some(("SECOND", Some("172")))
    );
    // Set to 200 in FLOW, then add 1 in SECOND; FLOW's own then (tag) was skipped.
    assert_eq!(out.attrs.local_pref, Some(201));
    assert_eq!(out.attrs.med, Some(9));
    assert_eq!(out.changes.tag, None);
}

#[test]
fn policy_own_from_is_the_last_term() {
    let c = import(CONF, &["OWN-FROM"]);
    assert!(!Route::of(Protocol::Static, "192.0.2.0/24").accepted_by(&c));
    assert!(Route::bgp("192.0.2.0/24").accepted_by(&c));
}

#[test]
fn route_filter_action_replaces_the_then() {
    let c = import(CONF, &["FILTER-ACTION"]);
    let exact = Route::bgp("10.0.0.0/8").eval(&c);
    assert_eq!(exact.decision, Decision::Reject);
    let longer = Route::bgp("10.1.0.0/16").eval(&c);
    assert_eq!(longer.decision, Decision::Accept);
    assert_eq!(longer.attrs.local_pref, Some(300));
}

#[test]
fn route_filter_accept_skips_the_then_changes() {
    let conf = r#"
    policy-options {
        policy-statement P {
            term t {
                from {
                    route-filter 10.0.0.0/8 exact accept;
                    route-filter 10.0.0.0/8 longer;
                }
                then {
                    local-preference 50;
                    next term;
                }
            }
        }
    }"#;
    let c = import(conf, &["P"]);
    let exact = Route::bgp("10.0.0.0/8").eval(&c);
    assert!(exact.accepted());
    assert_eq!(exact.attrs.local_pref, None, "the then is not evaluated");
    let longer = Route::bgp("10.9.0.0/16").eval(&c);
    assert!(longer.accepted());
    assert_eq!(longer.attrs.local_pref, Some(50));
}

#[test]
fn unknown_policy_in_a_chain() {
    let p: Policies = compile(CONF);
    let err = p.chain(&["NOPE"], DefaultPolicy::Accept).unwrap_err();
    assert_eq!(err.to_string(), "policy-statement NOPE is not defined");
}
