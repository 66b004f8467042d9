//! Junos statements of BGP and routing policy: each group loads and prints the same in curly
//! and set form, has its typed view (BGP settings inherited bgp → group → neighbor), and the
//! commit checks are those Junos applies (no stricter).

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::typed::{
    intent, Afi, AttributeChange, AuthenticationAlgorithm, Bfd, GracefulRestart, IdleTimeout,
    LoadBalance, LocalAsOptions, Multipath, NextHop, Origin, PeerType, PolicyAction, PrefixLimit,
    PrefixListFilter, PrefixListMatch, Protocol, RouteType, Teardown,
};
use lsys_grammar::validate::validate;

mod common;

use common::{commit_errors as errors, round_trip, tree};

const BGP: &str = r#"
interfaces {
    eth1 {
        unit 0 {
            family inet {
                address 192.0.2.1/24;
            }
        }
    }
}
routing-options {
    autonomous-system 64496;
}
protocols {
    bgp {
        hold-time 60;
        log-updown;
        import BASE;
        authentication-key "$9$Hk5zn/tBRhFnrvWXbwfTz39ApuBcyl/C0IEcle"; ## SECRET-DATA
        group transit {
            type external;
            advertise-peer-as;
            family inet {
                unicast {
                    prefix-limit {
                        maximum 1000;
                        teardown 80 idle-timeout 10;
                    }
                    accepted-prefix-limit {
                        maximum 500;
                        teardown idle-timeout forever;
                    }
                }
            }
            export OUT;
            remove-private;
            local-as 64499 loops 2 private;
            bfd-liveness-detection {
                minimum-interval 300;
                multiplier 3;
            }
            multipath multiple-as;
            as-override;
            neighbor 192.0.2.2 {
                hold-time 90;
                peer-as 64511;
                shutdown;
            }
            neighbor 192.0.2.3 {
                import OWN;
                family inet6 {
                    unicast;
                }
                peer-as 64512;
                local-as 64498 no-prepend-global-as;
            }
        }
        group core {
            type internal;
            local-address 192.0.2.1;
            authentication-algorithm md5;
            cluster 192.0.2.1;
            graceful-restart {
                restart-time 120;
            }
            neighbor 198.51.100.1;
        }
    }
}
policy-options {
    policy-statement BASE {
        then accept;
    }
    policy-statement OUT {
        then reject;
    }
    policy-statement OWN {
        then accept;
    }
}
"#;

#[test]
fn bgp_statements_and_inheritance() {
    let t = round_trip(BGP);
    let i = intent(&t).unwrap();
    let bgp = &i.root.bgp;
    assert_eq!(bgp.settings.hold_time, Some(60));
    assert!(bgp.settings.log_updown);
    let transit = &bgp.groups[0];
    // bgp → group: the group inherits what it does not set.
    assert_eq!(transit.settings.hold_time, Some(60));
    assert_eq!(transit.settings.import, ["BASE"]);
    assert_eq!(transit.settings.local_as, Some(64499));
    assert_eq!(
        transit.settings.local_as_options,
        LocalAsOptions {
            loops: Some(2),
            private: true,
            alias: false,
            no_prepend_global_as: false
        }
    );
    let n2 = &transit.neighbors[0].settings;
    // group → neighbor, neighbor statements winning.
    assert_eq!(n2.hold_time, Some(90));
    assert_eq!(n2.authentication_key.as_deref(), Some("Tr4nsit-A-md5"));
    assert_eq!((n2.peer_as, n2.local_as), (Some(64511), Some(64499)));
    assert!(n2.shutdown && n2.log_updown && n2.remove_private && n2.as_override);
    assert_eq!(n2.advertise_peer_as, Some(true));
    assert_eq!(n2.multipath, Some(Multipath { multiple_as: true }));
    assert_eq!(
        n2.bfd_liveness_detection,
        Some(Bfd {
            minimum_interval: Some(300),
            multiplier: Some(3)
        })
    );
    let inet = n2.families[0];
    assert_eq!((inet.afi, inet.unicast), (Afi::Inet, true));
    assert_eq!(
        inet.prefix_limit,
        Some(PrefixLimit {
            maximum: Some(1000),
            teardown: Some(Teardown {
                limit_threshold: Some(80),
                idle_timeout: Some(IdleTimeout::Minutes(10)),
            }),
        })
    );
    assert_eq!(
        inet.accepted_prefix_limit.unwrap().teardown.unwrap(),
        Teardown {
            limit_threshold: None,
            idle_timeout: Some(IdleTimeout::Forever)
        }
    );
    let n3 = &transit.neighbors[1].settings;
    assert_eq!(n3.local_as, Some(64498));
    assert!(n3.local_as_options.no_prepend_global_as && !n3.local_as_options.private);
    assert_eq!(n3.import, ["OWN"]);
    assert!(!n3.shutdown);
    // A neighbor's `family` replaces the group's whole.
    assert_eq!(n3.families.len(), 1);
    assert_eq!(n3.families[0].afi, Afi::Inet6);
    assert_eq!(n3.families[0].prefix_limit, None);
    let core = &bgp.groups[1].neighbors[0].settings;
    assert_eq!(
        core.authentication_algorithm,
        Some(AuthenticationAlgorithm::Md5)
    );
    assert_eq!(core.cluster, Some("192.0.2.1".parse().unwrap()));
    assert_eq!(
        core.graceful_restart,
        Some(GracefulRestart {
            disable: false,
            restart_time: Some(120),
            stale_routes_time: None
        })
    );
    assert!(core.log_updown, "bgp-level flags reach every neighbor");
    // The internal neighbor is off-subnet: fine, internal sessions are multihop. What the
    // speaker does not realize is refused, each where it is written.
    let refused: Vec<(String, String)> = errors(&t)
        .into_iter()
        .map(|(path, statement, _)| (path, statement))
        .collect();
    let want = [
        ("protocols bgp group core", "cluster 192.0.2.1"),
        ("protocols bgp group core", "neighbor 198.51.100.1"),
        ("protocols bgp group transit", "as-override"),
        ("protocols bgp group transit", "bfd-liveness-detection"),
        ("protocols bgp group transit", "remove-private"),
        ("protocols bgp group transit local-as", "loops 2"),
        ("protocols bgp group transit local-as", "private"),
        (
            "protocols bgp group transit neighbor 192.0.2.3 local-as",
            "no-prepend-global-as",
        ),
    ];
    assert_eq!(
        refused,
        want.map(|(p, s)| (p.to_string(), s.to_string())).to_vec()
    );
    let messages: Vec<String> = errors(&t).into_iter().map(|(_, _, m)| m).collect();
    assert!(messages.contains(&"cluster is not supported yet".to_string()));
    assert!(messages.contains(
        &"Error in neighbor 198.51.100.1 of group core:\ngraceful-restart is not supported yet \
          (graceful-restart disable is)"
            .to_string()
    ));
}

#[test]
fn local_as_needs_its_number_and_prints_on_one_line() {
    let t = tree("protocols { bgp { group g { local-as { private; } } } }");
    let e = intent(&t).unwrap_err();
    assert_eq!(e.statement, "local-as");
    assert_eq!(e.message, "missing autonomous system number");
    assert!(validate(&t).is_err());
    let t = set::read(
        "set protocols bgp group g local-as 65001\nset protocols bgp group g local-as alias",
        ROOT,
    )
    .unwrap();
    assert_eq!(
        print::curly(&t),
        "protocols {\n    bgp {\n        group g {\n            local-as 65001 alias;\n        }\n    }\n}\n"
    );
}

/// The commit error messages of `bgp` beside an interface with 192.0.2.1/24.
fn checks(bgp: &str) -> Vec<String> {
    let t = tree(&format!(
        "interfaces {{ eth1 {{ unit 0 {{ family inet {{ address 192.0.2.1/24; }} }} }} }} {bgp}"
    ));
    errors(&t).into_iter().map(|(_, _, m)| m).collect()
}

#[test]
fn bgp_checks_are_those_of_junos() {
    let asn = "routing-options { autonomous-system 64496; }";
    // No type, peer-as is the local AS: internal, so no connected subnet is needed.
    assert!(checks(&format!(
        "{asn} protocols {{ bgp {{ group i {{ peer-as 64496; neighbor 203.0.113.1; }} }} }}"
    ))
    .is_empty());
    // No type, another AS: external, which must be connected (or multihop).
    let far = "Error in neighbor 203.0.113.1 of group e:\npeer is not on a directly connected \
               subnet of this instance (configure multihop)";
    assert_eq!(
        checks(&format!(
            "{asn} protocols {{ bgp {{ group e {{ peer-as 64511; neighbor 203.0.113.1; }} }} }}"
        )),
        [far]
    );
    assert!(checks(&format!(
        "{asn} protocols {{ bgp {{ group e {{ peer-as 64511; multihop; neighbor 203.0.113.1; }} }} }}"
    ))
    .is_empty());
    // No type and no peer-as: external by default, which needs peer-as.
    assert_eq!(
        checks(&format!(
            "{asn} protocols {{ bgp {{ group e {{ neighbor 192.0.2.2; }} }} }}"
        )),
        ["Error in neighbor 192.0.2.2 of group e:\nexternal peer requires peer-as"]
    );
    // An explicit internal type needs no subnet either.
    assert!(checks(&format!(
        "{asn} protocols {{ bgp {{ group i {{ type internal; neighbor 203.0.113.9; }} }} }}"
    ))
    .is_empty());
    // local-as everywhere: no autonomous-system needed; the type follows local-as.
    assert!(checks(
        "protocols { bgp { group a { local-as 65001; peer-as 65002; neighbor 192.0.2.2; } \
         group b { neighbor 192.0.2.3 { local-as 65001; peer-as 65001; } } } }"
    )
    .is_empty());
    assert_eq!(
        checks(
            "protocols { bgp { group a { local-as 65001; peer-as 65002; neighbor 192.0.2.2; } \
             group b { peer-as 65003; neighbor 192.0.2.3; } } }"
        ),
        ["Missing mandatory statement: 'routing-options autonomous-system' (BGP is configured)"]
    );
    // Set at the bgp level, local-as reaches every group.
    assert!(checks(
        "protocols { bgp { local-as 65001; group a { peer-as 65002; neighbor 192.0.2.2; } } }"
    )
    .is_empty());
    // TCP MD5 only; graceful restart only off.
    assert_eq!(
        checks(&format!(
            "{asn} protocols {{ bgp {{ group e {{ peer-as 64511; authentication-algorithm ao; \
             neighbor 192.0.2.2; }} }} }}"
        )),
        ["Error in neighbor 192.0.2.2 of group e:\nauthentication-algorithm ao is not supported yet"]
    );
    assert!(checks(&format!(
        "{asn} protocols {{ bgp {{ group e {{ peer-as 64511; authentication-algorithm md5; \
         graceful-restart {{ disable; }} neighbor 192.0.2.2; }} }} }}"
    ))
    .is_empty());
}

/// `preference` is inherited as the other statements; an import policy's `then preference`
/// is applied, but `then next-hop` and `then tag` would be ignored by BGP import: refused.
#[test]
fn bgp_preference_and_what_import_cannot_do() {
    let t = tree(
        "routing-options { autonomous-system 64496; }
         protocols { bgp { preference 160; group e { peer-as 64511;
             neighbor 192.0.2.2; neighbor 192.0.2.3 { preference 150; } } } }",
    );
    let bgp = intent(&t).unwrap().root.bgp;
    let prefs: Vec<Option<u32>> = bgp.groups[0]
        .neighbors
        .iter()
        .map(|n| n.settings.preference)
        .collect();
    assert_eq!(prefs, [Some(160), Some(150)]);

    let asn = "routing-options { autonomous-system 64496; }";
    let with = |then: &str| {
        checks(&format!(
            "{asn} policy-options {{ policy-statement in {{ term t {{ then {{ {then} }} }} }} }}
             protocols {{ bgp {{ group e {{ peer-as 64511; import in; neighbor 192.0.2.2; }} }} }}"
        ))
    };
    assert!(with("preference 160; accept;").is_empty());
    assert_eq!(
        with("next-hop discard;"),
        ["Error in neighbor 192.0.2.2 of group e:
then next-hop in an import policy is not \
          supported yet (policy-statement in)"]
    );
    assert_eq!(
        with("tag 7; accept;"),
        ["Error in neighbor 192.0.2.2 of group e:
then tag in an import policy is not \
          supported yet (policy-statement in)"]
    );
}

#[test]
fn peer_type_is_decided_as_junos_does() {
    let t = tree(
        "routing-options { autonomous-system 64496; } protocols { bgp { \
         group a { peer-as 64496; neighbor 192.0.2.2; neighbor 192.0.2.3 { peer-as 1; } } } }",
    );
    let i = intent(&t).unwrap();
    let g = &i.root.bgp.groups[0];
    assert_eq!(g.neighbors[0].settings.peer_type, None);
    assert_eq!(
        g.neighbors[0].settings.effective_type(Some(64496)),
        PeerType::Internal
    );
    assert_eq!(
        g.neighbors[1].settings.effective_type(Some(64496)),
        PeerType::External
    );
}

const POLICY: &str = r#"
policy-options {
    prefix-list MARTIANS {
        10.0.0.0/8;
        192.168.0.0/16;
    }
    policy-statement IN {
        term bogons {
            from {
                instance master;
                family inet;
                protocol [ bgp ospf ];
                neighbor 192.0.2.2;
                next-hop 192.0.2.9;
                interface [ eth1.0 192.0.2.1 ];
                as-path PRIVATE;
                origin igp;
                prefix-list-filter MARTIANS orlonger reject;
                route-filter 0.0.0.0/0 prefix-length-range /25-/32 reject;
                route-filter 0.0.0.0/0 exact;
                community ALL-OURS;
                route-type external;
                metric 10;
                local-preference 100;
                tag [ 100 200 ];
                preference 170;
            }
            to {
                protocol bgp;
                neighbor 192.0.2.3;
            }
            then {
                local-preference add 20;
                metric subtract 5;
                tag 300;
                preference 20;
                origin incomplete;
                community delete ALL-OURS;
                community add TAGS;
                as-path-prepend "64496 64496";
                as-path-expand last-as count 2;
                next-hop discard;
                load-balance consistent-hash;
                next policy;
            }
        }
        from {
            as-path SHORT;
            route-filter 10.0.0.0/8 orlonger accept;
        }
        then {
            local-preference 50;
            next-hop peer-address;
            reject;
        }
    }
    community ALL-OURS members ^64496:.*$;
    community ANY {
        invert-match;
        members *:*;
    }
    community TAGS members [ 64496:100 large:64496:1:2 origin:64496:7 target:64496:9 ];
    as-path PRIVATE ".* (64512-65534) .*";
    as-path SHORT "^.{0,3}$";
}
"#;

#[test]
fn policy_conditions_and_actions() {
    let t = round_trip(POLICY);
    let i = intent(&t).unwrap();
    let po = &i.root.policy_options;
    assert_eq!(po.as_paths[0].regex, ".* (64512-65534) .*");
    assert!(po.communities[1].invert_match);
    assert!(po.communities[0].has_pattern() && !po.communities[2].has_pattern());
    assert_eq!(
        po.communities[2].members,
        [
            "64496:100",
            "large:64496:1:2",
            "origin:64496:7",
            "target:64496:9"
        ]
    );
    let ps = &po.policy_statements[0];
    let term = &ps.terms[0];
    let f = &term.from;
    assert_eq!(f.instance.as_deref(), Some("master"));
    assert_eq!(f.family, Some(Afi::Inet));
    assert_eq!(f.protocols, [Protocol::Bgp, Protocol::Ospf]);
    assert_eq!(
        f.next_hops,
        ["192.0.2.9".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(f.interfaces.len(), 2);
    assert_eq!(f.as_paths, ["PRIVATE"]);
    assert_eq!(f.origin, Some(Origin::Igp));
    assert_eq!(
        f.prefix_list_filters,
        [PrefixListFilter {
            name: "MARTIANS".into(),
            match_type: Some(PrefixListMatch::Orlonger),
            action: Some(PolicyAction::Reject),
        }]
    );
    assert_eq!(f.route_filters[0].action, Some(PolicyAction::Reject));
    assert_eq!(f.route_filters[1].action, None);
    assert_eq!(f.route_type, Some(RouteType::External));
    assert_eq!((f.metric, f.local_preference), (Some(10), Some(100)));
    assert_eq!((f.tags.clone(), f.preference), (vec![100, 200], Some(170)));
    assert_eq!(term.to.neighbors.len(), 1);
    let a = &term.then;
    assert_eq!(a.local_preference, Some(AttributeChange::Add(20)));
    assert_eq!(a.metric, Some(AttributeChange::Subtract(5)));
    assert_eq!((a.tag, a.preference), (Some(300), Some(20)));
    assert_eq!(a.origin, Some(Origin::Incomplete));
    assert_eq!(a.as_path_expand_last_as, Some(2));
    assert_eq!(a.next_hop, Some(NextHop::Discard));
    assert_eq!(a.load_balance, Some(LoadBalance::ConsistentHash));
    assert_eq!(a.action, Some(PolicyAction::NextPolicy));
    // The policy's own from/then: a last, unnamed term.
    assert_eq!(ps.from.as_paths, ["SHORT"]);
    assert_eq!(ps.from.route_filters[0].action, Some(PolicyAction::Accept));
    assert_eq!(ps.then.local_preference, Some(AttributeChange::Set(50)));
    assert_eq!(ps.then.next_hop, Some(NextHop::PeerAddress));
    assert_eq!(ps.then.action, Some(PolicyAction::Reject));
    assert_eq!(AttributeChange::Subtract(7).apply(5), 0);
    assert_eq!(AttributeChange::Add(1).apply(u32::MAX), u32::MAX);
    assert!(validate(&t).is_ok(), "{:#?}", errors(&t));
}

#[test]
fn policy_commit_checks() {
    let t = tree(
        "policy-options { prefix-list PL { 10.0.0.0/8; } community RE members \"^65000:.*$\"; \
         community C members 65000:1; community RT members target:192.0.2.1:7; policy-statement P { \
         term a { from { prefix-list-filter PL; as-path NOPE; } then { community add RE; community delete RE; community set C; community add RT; } } \
         from route-filter 10.0.0.0/8 upto /4 reject; then { community set RE; } } }",
    );
    let got = errors(&t);
    let want = [
        (
            "policy-options policy-statement P from",
            "route-filter 10.0.0.0/8 upto /4",
            "upto /4 is shorter than the route-filter prefix length /8",
        ),
        (
            "policy-options policy-statement P term a from",
            "prefix-list-filter PL",
            "missing match type: exact, longer or orlonger",
        ),
        (
            "policy-options policy-statement P term a from",
            "as-path NOPE",
            "Referenced as-path NOPE is not defined",
        ),
        (
            "policy-options policy-statement P term a then",
            "community add RE",
            "community RE has regular expression members: it can be matched or deleted, not added",
        ),
        (
            "policy-options policy-statement P then",
            "community set RE",
            "community RE has regular expression members: it can be matched or deleted, not set",
        ),
    ];
    for (p, s, m) in want {
        assert!(
            got.iter().any(|(a, b, c)| a == p && b == s && c == m),
            "missing [{p}] '{s}' {m:?} in {got:#?}"
        );
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

#[test]
fn policy_values_are_checked_when_read() {
    let members = |m: &str| {
        curly::read(
            &format!("policy-options {{ community C members {m}; }}"),
            ROOT,
        )
    };
    for ok in [
        "*:*",
        "65000:1..",
        "large:1:2:3",
        "origin:192.0.2.1:5",
        "no-export",
    ] {
        assert!(members(ok).is_ok(), "{ok}");
    }
    for bad in ["65000", "large:1:2", "70000:1", "bogus"] {
        assert!(members(bad).is_err(), "{bad}");
    }
    let then = |a: &str| {
        curly::read(
            &format!("policy-options {{ policy-statement P {{ then {{ {a} }} }} }}"),
            ROOT,
        )
    };
    assert!(then("next-hop peer-address;").is_ok());
    assert!(then("next-hop nowhere;").is_err());
    assert!(then("as-path-expand last-as count 33;").is_err());
    assert!(then("local-preference add;").is_err());
    // `local-preference;` alone reads (a container) but the typed view refuses it.
    let t = tree("policy-options { policy-statement P { then { local-preference; } } }");
    assert!(intent(&t).is_err());
    assert!(validate(&t).is_err());
}
