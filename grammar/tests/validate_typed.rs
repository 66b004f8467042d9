//! The typed view (`typed::intent`) of the seed scenario and of BGP inheritance.

use std::net::IpAddr;

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::typed::{
    exports_load_balance, intent, Afi, AttributeChange, CommunityAction, CommunityOp, Family,
    InstanceType, LoadBalance, Multihop, NextHop, PeerType, PolicyAction, Protocol,
    QualifiedNextHop, RouteFilterMatch, StaticAction, StaticRoute, UnitRef, Vlan,
};

const SEED: &str = include_str!("fixtures/seed.conf");

#[test]
fn seed_intent() {
    let root = curly::read(SEED, ROOT).unwrap();
    let i = intent(&root).unwrap();
    assert_eq!(i.hostname.as_deref(), Some("nxp-fra-01"));
    assert_eq!(i.users.len(), 1);
    let u = &i.users[0];
    assert_eq!(
        (
            u.name.as_str(),
            u.class.as_deref(),
            u.logical_system.as_deref(),
            u.uid
        ),
        ("jvetter", Some("l2-tenant"), Some("l2"), Some(2001))
    );
    assert_eq!(u.permissions, vec!["all"]);
    assert_eq!(i.root.interfaces[0].mtu, Some(9000));
    assert!(i.root.interfaces[0].flexible_vlan_tagging);

    let l2 = &i.logical_systems["l2"];
    assert_eq!(l2.routing_options.autonomous_system, Some(65000));
    let eth1 = &l2.interfaces[0];
    assert_eq!(eth1.name, "eth1");
    assert_eq!(eth1.units[0].vlan, Some(Vlan::Id(4)));
    assert_eq!(
        eth1.units[1].vlan,
        Some(Vlan::Tags {
            outer: Some(1000),
            inner: Some(100)
        })
    );
    assert_eq!(eth1.units[1].encapsulation.as_deref(), Some("vlan-bridge"));
    let irb = &l2.interfaces[1];
    assert_eq!(irb.units[1].inet, vec!["10.0.0.13/30".parse().unwrap()]);

    let ri = &l2.routing_instances[0];
    assert_eq!(ri.instance_type, Some(InstanceType::Vrf));
    assert_eq!(
        ri.interfaces,
        vec![
            UnitRef {
                interface: "irb".into(),
                unit: 4
            },
            UnitRef {
                interface: "irb".into(),
                unit: 2
            }
        ]
    );
    assert_eq!(ri.route_distinguisher.as_deref(), Some("65000:1"));
    let aws = &ri.bgp.groups[0];
    let n = &aws.neighbors[0];
    assert_eq!(n.address, "10.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(n.settings.peer_type, Some(PeerType::External));
    assert_eq!(n.settings.peer_as, Some(64512));
    assert_eq!(n.settings.authentication_key.as_deref(), Some("abcdefgh"));
    assert_eq!(
        n.settings.description.as_deref(),
        Some("AWS Direct Connect")
    );
    let azure = &ri.bgp.groups[1].neighbors[0];
    assert_eq!(
        azure.settings.authentication_key.as_deref(),
        Some("abcdefg")
    );
    assert_eq!(azure.settings.peer_as, Some(12076));

    let bd = &l2.bridge_domains[0];
    assert_eq!((bd.name.as_str(), bd.vlan_id), ("bd-aws", Some(4)));
    assert_eq!(bd.routing_interface, Some("irb.4".parse().unwrap()));

    // serde round trip
    let json = serde_json::to_string(&i).unwrap();
    let back: lsys_grammar::typed::Intent = serde_json::from_str(&json).unwrap();
    assert_eq!(back, i);
}

const BGP: &str = r#"
routing-options {
    autonomous-system 65000;
    router-id 192.0.2.1;
    static {
        route 0.0.0.0/0 next-hop [ 10.0.0.1 10.0.0.2 ];
        route 10.9.0.0/16 discard;
        route 10.8.0.0/16 {
            qualified-next-hop 10.0.0.3 {
                preference 7;
            }
        }
    }
}
protocols {
    bgp {
        group g {
            type external;
            peer-as 64512;
            hold-time 90;
            import [ A B ];
            multihop {
                ttl 3;
            }
            family inet {
                unicast;
            }
            neighbor 192.0.2.10;
            neighbor 192.0.2.11 {
                type internal;
                peer-as 65000;
                hold-time 30;
                import C;
                passive;
                family inet6 {
                    unicast;
                }
            }
            inactive: neighbor 192.0.2.12;
        }
    }
}
policy-options {
    prefix-list PL {
        10.0.0.0/8;
        192.168.0.0/16;
    }
    community C1 members [ 65000:1 no-export ];
    policy-statement A {
        term t1 {
            from {
                protocol [ bgp static ];
                prefix-list PL;
                route-filter 10.0.0.0/8 upto /24;
                route-filter 172.16.0.0/12 prefix-length-range /16-/24;
                community C1;
            }
            then {
                local-preference 200;
                community add C1;
                as-path-prepend "65000 65000";
                next-hop self;
                accept;
            }
        }
        term t2 {
            then {
                next term;
            }
        }
        then reject;
    }
    policy-statement B {
        then accept;
    }
    policy-statement C {
        then accept;
    }
}
"#;

#[test]
fn neighbor_statements_override_group_statements() {
    let i = intent(&curly::read(BGP, ROOT).unwrap()).unwrap();
    let g = &i.root.bgp.groups[0];
    assert_eq!(g.neighbors.len(), 2, "the inactive neighbor is dropped");
    let inherits = &g.neighbors[0].settings;
    assert_eq!(inherits.peer_type, Some(PeerType::External));
    assert_eq!(inherits.peer_as, Some(64512));
    assert_eq!(inherits.hold_time, Some(90));
    assert_eq!(inherits.import, vec!["A", "B"]);
    assert_eq!(inherits.multihop, Some(Multihop { ttl: Some(3) }));
    assert_eq!(
        inherits.families,
        vec![Family {
            afi: Afi::Inet,
            unicast: true,
            prefix_limit: None,
            accepted_prefix_limit: None,
        }]
    );
    assert!(!inherits.passive);
    let own = &g.neighbors[1].settings;
    assert_eq!(own.peer_type, Some(PeerType::Internal));
    assert_eq!(own.peer_as, Some(65000));
    assert_eq!(own.hold_time, Some(30));
    assert_eq!(own.import, vec!["C"]);
    assert!(own.passive);
    assert_eq!(own.multihop, Some(Multihop { ttl: Some(3) }));
    assert_eq!(
        own.families,
        vec![Family {
            afi: Afi::Inet6,
            unicast: true,
            prefix_limit: None,
            accepted_prefix_limit: None,
        }]
    );
    assert_eq!(g.settings.peer_as, Some(64512));
}

#[test]
fn routing_options_and_policies() {
    let i = intent(&curly::read(BGP, ROOT).unwrap()).unwrap();
    let ro = &i.root.routing_options;
    assert_eq!(ro.router_id, Some("192.0.2.1".parse().unwrap()));
    assert_eq!(
        ro.static_routes[0].action,
        Some(StaticAction::NextHop(vec![
            "10.0.0.1".parse().unwrap(),
            "10.0.0.2".parse().unwrap()
        ]))
    );
    assert_eq!(ro.static_routes[1].action, Some(StaticAction::Discard));
    assert_eq!(ro.static_routes[2].action, None);
    assert_eq!(
        ro.static_routes[2].qualified_next_hops[0].preference,
        Some(7)
    );
    let po = &i.root.policy_options;
    assert_eq!(po.prefix_lists[0].prefixes.len(), 2);
    assert_eq!(po.communities[0].members, vec!["65000:1", "no-export"]);
    let a = &po.policy_statements[0];
    let t1 = &a.terms[0];
    assert_eq!(t1.from.protocols, vec![Protocol::Bgp, Protocol::Static]);
    assert_eq!(
        t1.from.route_filters[0].match_type,
        Some(RouteFilterMatch::Upto(24))
    );
    assert_eq!(
        t1.from.route_filters[1].match_type,
        Some(RouteFilterMatch::PrefixLengthRange(16, 24))
    );
    assert_eq!(t1.then.action, Some(PolicyAction::Accept));
    assert_eq!(t1.then.local_preference, Some(AttributeChange::Set(200)));
    assert_eq!(
        t1.then.communities,
        vec![CommunityAction {
            op: CommunityOp::Add,
            name: "C1".into()
        }]
    );
    assert_eq!(t1.then.as_path_prepend, vec![65000, 65000]);
    assert_eq!(t1.then.next_hop, Some(NextHop::SelfAddress));
    assert_eq!(a.terms[1].then.action, Some(PolicyAction::NextTerm));
    assert_eq!(a.then.action, Some(PolicyAction::Reject));
}

/// Both families' static routes, maximum-prefixes, forwarding-table export and load-balance.
const TABLES: &str = r#"
routing-options {
    maximum-prefixes 10000;
    rib inet6.0 {
        static {
            route ::/0 next-hop 2001:db8::1;
            route 2001:db8:100::/48 {
                qualified-next-hop 2001:db8::2 {
                    preference 7;
                }
            }
            inactive: route 2001:db8:200::/48 discard;
        }
    }
    static {
        route 0.0.0.0/0 next-hop [ 192.0.2.1 192.0.2.2 ];
    }
    forwarding-table {
        export [ LB NONE ];
    }
}
policy-options {
    policy-statement LB {
        then load-balance per-packet;
    }
    policy-statement LB2 {
        term 1 {
            from protocol static;
            then {
                load-balance per-flow;
                accept;
            }
        }
        then reject;
    }
    policy-statement NONE {
        term 1 {
            then accept;
        }
    }
    policy-statement OFF {
        term 1 {
            inactive: then load-balance per-packet;
        }
    }
}
routing-instances {
    CUST {
        routing-options {
            rib CUST.inet6.0 {
                static {
                    route 2001:db8:1::/48 discard;
                }
            }
            maximum-prefixes 500;
            forwarding-table {
                export LB2;
            }
        }
    }
}
logical-systems {
    l2 {
        routing-options {
            maximum-prefixes 20;
            rib inet6.0 {
                static {
                    route 2001:db8:2::/48 reject;
                }
            }
        }
    }
}
"#;

#[test]
fn routing_tables_forwarding_export_and_limits() {
    let i = intent(&curly::read(TABLES, ROOT).unwrap()).unwrap();
    let ro = &i.root.routing_options;
    assert_eq!(ro.maximum_prefixes, Some(10000));
    assert_eq!(ro.forwarding_export, vec!["LB", "NONE"]);
    // One list: `static` first, then the rib's routes; the inactive one is dropped.
    assert_eq!(
        ro.static_routes,
        vec![
            StaticRoute {
                prefix: "0.0.0.0/0".parse().unwrap(),
                action: Some(StaticAction::NextHop(vec![
                    "192.0.2.1".parse().unwrap(),
                    "192.0.2.2".parse().unwrap()
                ])),
                preference: None,
                qualified_next_hops: vec![],
                ..StaticRoute::default()
            },
            StaticRoute {
                prefix: "::/0".parse().unwrap(),
                action: Some(StaticAction::NextHop(vec!["2001:db8::1".parse().unwrap()])),
                preference: None,
                qualified_next_hops: vec![],
                ..StaticRoute::default()
            },
            StaticRoute {
                prefix: "2001:db8:100::/48".parse().unwrap(),
                action: None,
                preference: None,
                qualified_next_hops: vec![QualifiedNextHop {
                    next_hop: "2001:db8::2".parse().unwrap(),
                    preference: Some(7),
                    metric: None,
                    interface: None,
                }],
                ..StaticRoute::default()
            },
        ]
    );
    let ri = &i.root.routing_instances[0].routing_options;
    assert_eq!(ri.maximum_prefixes, Some(500));
    assert_eq!(ri.forwarding_export, vec!["LB2"]);
    assert_eq!(
        ri.static_routes
            .iter()
            .map(|r| (r.prefix.to_string(), r.action.clone()))
            .collect::<Vec<_>>(),
        [("2001:db8:1::/48".to_string(), Some(StaticAction::Discard))]
    );
    let l2 = &i.logical_systems["l2"].routing_options;
    assert_eq!(l2.maximum_prefixes, Some(20));
    assert!(l2.forwarding_export.is_empty());
    assert_eq!(l2.static_routes[0].action, Some(StaticAction::Reject));

    let po = &i.root.policy_options;
    assert_eq!(
        po.policy_statements[0].then.load_balance,
        Some(LoadBalance::PerPacket)
    );
    let lb2 = &po.policy_statements[1];
    assert_eq!(lb2.terms[0].then.load_balance, Some(LoadBalance::PerFlow));
    assert_eq!(lb2.terms[0].then.action, Some(PolicyAction::Accept));
    assert_eq!(lb2.then.load_balance, None);

    // serde round trip of the new fields.
    let json = serde_json::to_string(&i).unwrap();
    assert!(json.contains("\"per-packet\""), "{json}");
    let back: lsys_grammar::typed::Intent = serde_json::from_str(&json).unwrap();
    assert_eq!(back, i);
}

#[test]
fn load_balance_through_forwarding_table_export() {
    let i = intent(&curly::read(TABLES, ROOT).unwrap()).unwrap();
    let po = &i.root.policy_options;
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // The policy's own then, and a term's then (its `from` is not looked at).
    assert!(exports_load_balance(po, &names(&["LB"])));
    assert!(exports_load_balance(po, &names(&["LB2"])));
    assert!(exports_load_balance(po, &names(&["NONE", "LB2"])));
    assert!(exports_load_balance(
        po,
        &i.root.routing_options.forwarding_export
    ));
    // No load-balance, an inactive one, nothing exported, a name not defined here.
    assert!(!exports_load_balance(po, &names(&["NONE"])));
    assert!(!exports_load_balance(po, &names(&["OFF"])));
    assert!(!exports_load_balance(po, &[]));
    assert!(!exports_load_balance(po, &names(&["MISSING"])));
    // The logical system has no policies of its own.
    let l2 = &i.logical_systems["l2"];
    assert!(!exports_load_balance(&l2.policy_options, &names(&["LB"])));
}

#[test]
fn garbage_in_a_hand_made_tree_is_an_error_not_skipped() {
    let mut root = curly::read(SEED, ROOT).unwrap();
    // Corrupt the AWS neighbor's key behind the parsers' back.
    fn corrupt(n: &mut lsys_grammar::tree::Node) -> bool {
        if n.values.first().is_some_and(|v| v.starts_with("$9$JBG")) {
            n.values[0] = "$9$".into();
            return true;
        }
        n.children.iter_mut().any(corrupt)
    }
    assert!(corrupt(&mut root));
    let e = intent(&root).unwrap_err();
    assert_eq!(
        e.path[..2],
        ["logical-systems".to_string(), "l2".to_string()]
    );
    assert!(e.statement.starts_with("authentication-key"), "{e}");
    let v = lsys_grammar::validate::validate(&root).unwrap_err();
    assert!(v.to_string().contains("'authentication-key"), "{v}");
}
