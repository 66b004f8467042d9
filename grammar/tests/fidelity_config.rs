//! Junos statements of system login, interfaces, bridge domains, routing instances and static
//! routes: each group loads and prints the same in curly and set form, has its typed view,
//! and is refused at commit (in the Junos layout) where lsys cannot realize it yet.

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::tree::Node;
use lsys_grammar::typed::{
    intent, logins, AddressOrInterface, BridgeFamily, InstanceType, InterfaceMode,
    QualifiedNextHop, StaticAction, UnitRef,
};
use lsys_grammar::validate::validate;

mod common;

use common::{commit_errors as errors, round_trip, tree};

fn has_error(t: &Node, path: &str, statement: &str, message: &str) {
    let all = errors(t);
    assert!(
        all.iter()
            .any(|(p, s, m)| p == path && s == statement && m == message),
        "missing [{path}] '{statement}' {message:?} in {all:#?}"
    );
}

const LOGIN: &str = r#"
system {
    login {
        class noc {
            permissions [ view view-configuration clear network ];
            idle-timeout 30;
            allow-commands "^(show|ping)";
            deny-commands "(request|start) ";
            allow-configuration interfaces;
            deny-configuration "system login";
        }
        user alice {
            class noc;
            uid 2001;
            authentication {
                encrypted-password "$6$Xq1Lm8$dT3kN5pR7vW9yB2cF4hJ6"; ## SECRET-DATA
                ssh-rsa "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 alice@laptop";
                ssh-ed25519 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4k alice@bastion";
            }
        }
    }
}
"#;

#[test]
fn login_authentication_and_class_filters() {
    let t = round_trip(LOGIN);
    // The hash is a secret shown as given (never re-encoded as $9$).
    let lines = print::set_lines(&t, &[]);
    assert!(lines.contains(
        &"set system login user alice authentication encrypted-password \"$6$Xq1Lm8$dT3kN5pR7vW9yB2cF4hJ6\""
            .to_string()
    ));
    let i = intent(&t).unwrap();
    let u = &i.users[0];
    assert_eq!(
        u.encrypted_password.as_deref(),
        Some("$6$Xq1Lm8$dT3kN5pR7vW9yB2cF4hJ6")
    );
    assert_eq!(
        u.ssh_keys,
        [
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 alice@laptop",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4k alice@bastion"
        ]
    );
    let l = logins(&t);
    let (_, noc) = l.resolve("alice").unwrap();
    assert_eq!(noc.idle_timeout, Some(30));
    let f = &noc.command_filters;
    assert_eq!(f.allow_commands.as_deref(), Some("^(show|ping)"));
    assert_eq!(f.deny_commands.as_deref(), Some("(request|start) "));
    assert_eq!(f.allow_configuration.as_deref(), Some("interfaces"));
    assert_eq!(f.deny_configuration.as_deref(), Some("system login"));
    assert!(validate(&t).is_ok(), "{:?}", errors(&t));
}

#[test]
fn login_values_are_checked_when_read() {
    let user = |auth: &str| {
        format!(
            "system {{ login {{ user a {{ class super-user; authentication {{ {auth} }} }} }} }}"
        )
    };
    // Clear text is not a hash: refused rather than stored as one.
    assert!(curly::read(&user("encrypted-password \"hunter2\";"), ROOT).is_err());
    for ok in [
        "$1$salt$abcdefghijklmnopqrstuv",
        "$5$rounds=5000$salt$hash",
        "$y$j9T$salt$hash",
        "abcdefghijklm",
    ] {
        let t = tree(&user(&format!("encrypted-password \"{ok}\";")));
        assert!(print::curly(&t).contains(&format!("\"{ok}\"; ## SECRET-DATA")));
    }
    let class = |stmt: &str| format!("system {{ login {{ class c {{ {stmt} }} }} }}");
    assert!(curly::read(&class("deny-commands \"(unclosed\";"), ROOT).is_err());
    // The permission flags Junos lists are all read.
    let t = tree(&class(
        "permissions [ view view-configuration configure interface interface-control routing \
         routing-control firewall network clear all access access-control storage ];",
    ));
    assert_eq!(logins(&t).classes["c"].permissions.len(), 14);
}

#[test]
fn predefined_classes_are_those_of_junos() {
    use lsys_grammar::typed::predefined_class;
    let flags = |c: &str| {
        predefined_class(c)
            .unwrap()
            .permissions
            .iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(flags("super-user"), ["all"]);
    assert_eq!(
        flags("operator"),
        ["clear", "network", "reset", "trace", "view"]
    );
    assert_eq!(flags("read-only"), ["view"]);
    assert!(flags("unauthorized").is_empty());
}

const INTERFACES: &str = r#"
interfaces {
    eth1 {
        description "trunk to access switch";
        flexible-vlan-tagging;
        native-vlan-id 1;
        mtu 9192;
        encapsulation flexible-ethernet-services;
        unit 0 {
            family bridge {
                interface-mode trunk;
                vlan-id-list [ 300-305 310 ];
            }
        }
        unit 100 {
            disable;
            encapsulation vlan-bridge;
            vlan-id 100;
        }
    }
    eth2 {
        disable;
        vlan-tagging;
        unit 5 {
            vlan-id 5;
            family inet {
                mtu 1400;
                address 192.0.2.1/30;
            }
            family inet6 {
                mtu 1280;
                address 2001:db8::1/64;
            }
        }
    }
    eth3 {
        stacked-vlan-tagging;
        encapsulation ethernet-bridge;
        unit 0 {
            family bridge {
                interface-mode access;
                vlan-id 300;
            }
        }
    }
}
bridge-domains {
    bd100 {
        domain-type bridge;
        vlan-id none;
        interface eth1.100;
    }
}
"#;

#[test]
fn interfaces_and_bridging() {
    let t = round_trip(INTERFACES);
    let i = intent(&t).unwrap();
    let ifs = &i.root.interfaces;
    let (eth1, eth2, eth3) = (&ifs[0], &ifs[1], &ifs[2]);
    assert!(eth1.flexible_vlan_tagging && !eth1.disable);
    assert_eq!(eth1.native_vlan_id, Some(1));
    assert_eq!(
        eth1.encapsulation.as_deref(),
        Some("flexible-ethernet-services")
    );
    assert_eq!(
        eth1.units[0].bridge,
        Some(BridgeFamily {
            interface_mode: Some(InterfaceMode::Trunk),
            vlan_id: None,
            vlan_id_list: vec![(300, 305), (310, 310)],
        })
    );
    assert!(eth1.units[1].disable);
    assert!(eth2.disable && eth2.vlan_tagging && !eth2.units[0].disable);
    assert_eq!(eth2.units[0].inet_mtu, Some(1400));
    assert_eq!(eth2.units[0].inet6_mtu, Some(1280));
    assert!(eth3.stacked_vlan_tagging);
    assert_eq!(
        eth3.units[0].bridge.as_ref().unwrap().interface_mode,
        Some(InterfaceMode::Access)
    );
    let bd = &i.root.bridge_domains[0];
    assert!(bd.vlan_id_none && !bd.vlan_id_all);
    assert_eq!(bd.vlan_id, None);
    assert!(validate(&t).is_ok(), "{:?}", errors(&t));
}

#[test]
fn tagging_modes_are_one_choice_and_vlan_id_all_is_refused() {
    let mut t = tree("interfaces { eth1 { vlan-tagging; } }");
    let cmds = set::parse("set interfaces eth1 flexible-vlan-tagging").unwrap();
    set::apply(&mut t, &[], ROOT, &cmds).unwrap();
    assert_eq!(
        print::set_lines(&t, &[]),
        ["set interfaces eth1 flexible-vlan-tagging"]
    );
    assert!(curly::read("interfaces { eth1 { native-vlan-id 4095; } }", ROOT).is_err());
    assert!(curly::read(
        "interfaces { eth1 { unit 0 { family bridge { vlan-id-list 20-10; } } } }",
        ROOT
    )
    .is_err());
    let t = tree("bridge-domains { all { vlan-id all; } }");
    has_error(
        &t,
        "bridge-domains all",
        "vlan-id all",
        "vlan-id all is not supported yet",
    );
    assert!(curly::read("bridge-domains { x { vlan-id some; } }", ROOT).is_err());
}

const INSTANCES: &str = r#"
interfaces {
    eth1 {
        unit 0 {
            family inet {
                address 192.0.2.1/30;
            }
        }
    }
    irb {
        unit 4 {
            family inet {
                address 10.0.4.1/24;
            }
        }
    }
}
policy-options {
    policy-statement IMP {
        then accept;
    }
    policy-statement EXP {
        then accept;
    }
}
routing-instances {
    A {
        instance-type vrf;
        interface eth1.0;
        route-distinguisher 65000:1;
        vrf-target target:65000:1;
        vrf-table-label;
    }
    B {
        instance-type vrf;
        interface irb.4;
        route-distinguisher 65000:2;
        vrf-import IMP;
        vrf-export EXP;
    }
    C {
        instance-type vrf;
        route-distinguisher 65000:3;
        vrf-target {
            import target:65000:31;
            export target:65000:32;
        }
    }
}
"#;

#[test]
fn routing_instance_targets_and_policies() {
    let t = round_trip(INSTANCES);
    let i = intent(&t).unwrap();
    let [a, b, c] = &i.root.routing_instances[..] else {
        panic!("three instances")
    };
    assert_eq!(a.vrf_target.as_deref(), Some("target:65000:1"));
    assert!(a.vrf_table_label);
    assert_eq!(
        (b.vrf_import.clone(), b.vrf_export.clone()),
        (vec!["IMP".to_string()], vec!["EXP".to_string()])
    );
    assert_eq!(c.vrf_target, None);
    assert_eq!(c.vrf_target_import.as_deref(), Some("target:65000:31"));
    assert_eq!(c.vrf_target_export.as_deref(), Some("target:65000:32"));
    // A VRF needs targets or policies for both directions; any of the forms will do.
    assert!(validate(&t).is_ok(), "{:?}", errors(&t));
}

#[test]
fn vrf_target_reads_with_or_without_its_keyword() {
    let plain = tree("routing-instances { A { vrf-target target:65000:1; } }");
    let keyword = tree("routing-instances { A { vrf-target community target:65000:1; } }");
    assert_eq!(plain, keyword);
    let set_form = set::read("set routing-instances A vrf-target target:65000:1", ROOT).unwrap();
    assert_eq!(set_form, plain);
    // Deactivated, it prints in a block and its set form names it by keyword.
    let t = round_trip(
        r#"
routing-instances {
    A {
        vrf-target {
            inactive: target:65000:1;
            export target:65000:2;
        }
    }
}
"#,
    );
    assert!(print::set_lines(&t, &[])
        .contains(&"deactivate routing-instances A vrf-target community".to_string()));
}

#[test]
fn vrf_checks_follow_junos() {
    let missing = |body: &str| {
        let t = tree(&format!(
            "policy-options {{ policy-statement P {{ then accept; }} }} routing-instances {{ A {{ instance-type vrf; route-distinguisher 65000:1; {body} }} }}"
        ));
        errors(&t)
            .into_iter()
            .map(|(_, _, m)| m)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        missing(""),
        ["Missing mandatory statement: 'vrf-target' (instance-type vrf)"]
    );
    assert_eq!(
        missing("vrf-import P;"),
        ["Missing mandatory statement: 'vrf-target export' or 'vrf-export' (instance-type vrf)"]
    );
    assert_eq!(
        missing("vrf-target { export target:1:1; }"),
        ["Missing mandatory statement: 'vrf-target import' or 'vrf-import' (instance-type vrf)"]
    );
    assert!(missing("vrf-target { import target:1:1; } vrf-export P;").is_empty());
    assert!(missing("vrf-target auto;").is_empty());
}

#[test]
fn instance_types_lsys_cannot_realize_are_refused_at_commit() {
    for kind in [
        "forwarding",
        "no-forwarding",
        "virtual-switch",
        "vpls",
        "evpn",
    ] {
        let t = tree(&format!(
            "routing-instances {{ F {{ instance-type {kind}; }} }}"
        ));
        assert_eq!(
            intent(&t).unwrap().root.routing_instances[0].instance_type,
            Some(kind.parse::<InstanceType>().unwrap())
        );
        has_error(
            &t,
            "routing-instances F",
            &format!("instance-type {kind}"),
            &format!("instance-type {kind} is not supported yet"),
        );
    }
    let t = tree("routing-instances { F { instance-type forwarding; } }");
    let text = validate(&t).unwrap_err().to_string();
    assert_eq!(
        text,
        "[edit routing-instances F]\n  'instance-type forwarding'\n    instance-type \
         forwarding is not supported yet\nerror: configuration check-out failed"
    );
}

#[test]
fn an_interface_without_unit_is_unit_0() {
    let t = tree(
        "interfaces { eth1 { unit 0; } } routing-instances { V { instance-type virtual-router; interface eth1; } }",
    );
    assert!(print::curly(&t).contains("interface eth1.0;"));
    assert_eq!(
        intent(&t).unwrap().root.routing_instances[0].interfaces,
        [UnitRef {
            interface: "eth1".into(),
            unit: 0
        }]
    );
    assert!(validate(&t).is_ok(), "{:?}", errors(&t));
    let t = tree("bridge-domains { b { interface eth9; routing-interface irb; } }");
    assert!(print::curly(&t).contains("interface eth9.0;\n        routing-interface irb.0;"));
}

const STATICS: &str = r#"
interfaces {
    eth1 {
        unit 0 {
            family inet {
                address 192.0.2.1/30;
            }
        }
    }
    irb {
        unit 100 {
            family inet {
                address 10.100.0.1/24;
            }
        }
    }
}
routing-options {
    static {
        route 0.0.0.0/0 {
            next-hop 192.0.2.2;
            no-readvertise;
        }
        route 10.0.0.0/8 {
            discard;
            metric 20;
            tag 100;
            community [ 65000:100 no-export ];
            as-path {
                path "65000 65001";
            }
            no-install;
            resolve;
        }
        route 10.1.0.0/16 {
            next-hop irb.100;
            retain;
        }
        route 10.2.0.0/16 {
            qualified-next-hop 192.0.2.2 {
                preference 10;
                metric 5;
                interface eth1.0;
            }
            qualified-next-hop irb.100;
        }
        route 10.3.0.0/16 next-table inet.0;
    }
}
"#;

#[test]
fn static_route_options_and_interface_next_hops() {
    let t = round_trip(STATICS);
    let i = intent(&t).unwrap();
    let r = &i.root.routing_options.static_routes;
    assert_eq!(r[0].readvertise, Some(false));
    assert_eq!(r[1].action, Some(StaticAction::Discard));
    assert_eq!((r[1].metric, r[1].tag), (Some(20), Some(100)));
    assert_eq!(r[1].communities, ["65000:100", "no-export"]);
    assert_eq!(r[1].as_path, [65000, 65001]);
    assert_eq!((r[1].install, r[1].resolve), (Some(false), Some(true)));
    let irb100 = UnitRef {
        interface: "irb".into(),
        unit: 100,
    };
    assert_eq!(
        r[2].action,
        Some(StaticAction::NextHop(vec![AddressOrInterface::Interface(
            irb100.clone()
        )]))
    );
    assert_eq!(r[2].retain, Some(true));
    assert_eq!(
        r[3].qualified_next_hops,
        [
            QualifiedNextHop {
                next_hop: AddressOrInterface::Address("192.0.2.2".parse().unwrap()),
                preference: Some(10),
                metric: Some(5),
                interface: Some(UnitRef {
                    interface: "eth1".into(),
                    unit: 0
                }),
            },
            QualifiedNextHop {
                next_hop: AddressOrInterface::Interface(irb100),
                preference: None,
                metric: None,
                interface: None,
            }
        ]
    );
    assert_eq!(r[4].action, Some(StaticAction::NextTable("inet.0".into())));
    // Interface next hops of the master instance's own units commit; next-table is read but
    // refused until the RIB resolves across tables.
    let at = "routing-options static route";
    has_error(
        &t,
        &format!("{at} 10.3.0.0/16"),
        "next-table inet.0",
        "next-table is not supported yet",
    );
    assert_eq!(errors(&t).len(), 1, "{:#?}", errors(&t));
    let mut ok = t.clone();
    let cmds = set::parse("delete routing-options static route 10.3.0.0/16").unwrap();
    set::apply(&mut ok, &[], ROOT, &cmds).unwrap();
    assert_eq!(validate(&ok), Ok(()));
}

/// An interface next hop names a unit of the route's own instance: one listed by the routing
/// instance, or (master instance) one configured and listed by none. It has no family: IPv4
/// and IPv6 routes may both name it.
#[test]
fn interface_next_hops_stay_in_their_instance() {
    let t = tree(
        r#"
interfaces {
    irb {
        unit 4 { family inet { address 10.0.0.0/31; } }
        unit 5 { family inet { address 10.0.0.2/31; } }
        unit 100 { family inet { address 10.100.0.1/24; } }
    }
}
routing-options {
    static {
        route 10.1.0.0/16 next-hop irb.100;
        route 10.2.0.0/16 next-hop [ 10.100.0.9 irb.4 ];
    }
    rib inet6.0 {
        static {
            route 2001:db8:1::/48 next-hop irb.100;
        }
    }
}
routing-instances {
    CUST {
        instance-type virtual-router;
        interface irb.4;
        inactive: interface irb.5;
        routing-options {
            static {
                route 10.6.0.0/16 next-hop irb.4;
                route 10.7.0.0/16 {
                    next-hop 10.0.0.1;
                    qualified-next-hop irb.100 { preference 7; }
                }
                route 10.8.0.0/16 next-hop irb.999;
                route 10.9.0.0/16 next-hop irb.5;
            }
            rib CUST.inet6.0 {
                static {
                    route 2001:db8:6::/48 next-hop irb.4;
                }
            }
        }
    }
}
"#,
    );
    let i = intent(&t).unwrap();
    assert_eq!(
        i.root.routing_instances[0].routing_options.static_routes[0].action,
        Some(StaticAction::NextHop(vec![AddressOrInterface::Interface(
            UnitRef {
                interface: "irb".into(),
                unit: 4
            }
        )]))
    );
    let ri = "routing-instances CUST routing-options static route";
    assert_eq!(
        errors(&t),
        [
            (
                format!("{ri} 10.7.0.0/16"),
                "qualified-next-hop irb.100".to_string(),
                "qualified-next-hop interface irb.100 is not in routing instance CUST".to_string()
            ),
            (
                format!("{ri} 10.8.0.0/16"),
                "next-hop irb.999".to_string(),
                "next-hop interface irb.999 is not in routing instance CUST".to_string()
            ),
            (
                format!("{ri} 10.9.0.0/16"),
                "next-hop irb.5".to_string(),
                "next-hop interface irb.5 is not in routing instance CUST".to_string()
            ),
            (
                "routing-options static route 10.2.0.0/16".to_string(),
                "next-hop irb.4".to_string(),
                "next-hop interface irb.4 is not in the master instance".to_string()
            ),
        ]
    );
    let shown = validate(&t).unwrap_err().to_string();
    assert!(
        shown.starts_with(
            "[edit routing-instances CUST routing-options static route 10.7.0.0/16]\n  \
             'qualified-next-hop irb.100'\n    qualified-next-hop interface irb.100 is not in \
             routing instance CUST\n"
        ),
        "{shown}"
    );
    assert!(
        shown.ends_with("error: configuration check-out failed"),
        "{shown}"
    );
}

#[test]
fn static_choices_replace_each_other() {
    let mut t =
        tree("routing-options { static { route 10.0.0.0/8 { next-hop 192.0.2.1; install; } } }");
    let cmds = set::parse(
        "set routing-options static route 10.0.0.0/8 next-table inet.0\n\
         set routing-options static route 10.0.0.0/8 no-install",
    )
    .unwrap();
    set::apply(&mut t, &[], ROOT, &cmds).unwrap();
    assert_eq!(
        print::set_lines(&t, &[]),
        [
            "set routing-options static route 10.0.0.0/8 next-table inet.0",
            "set routing-options static route 10.0.0.0/8 no-install"
        ]
    );
}

#[test]
fn completion_offers_a_value_written_without_keyword() {
    use lsys_grammar::cli::Mode;
    use lsys_grammar::complete::{line, ConfigContext};
    use lsys_grammar::view::View;
    let root = tree("routing-instances { A { instance-type vrf; } }");
    let view = View::operator();
    let ctx = ConfigContext {
        root: &root,
        view: &view,
        edit: &[],
    };
    let listing = line(
        "set routing-instances A vrf-target ",
        Mode::Configuration,
        &ctx,
    )
    .render();
    assert!(listing.contains("<community>"), "{listing}");
    assert!(listing.contains("import"), "{listing}");
    // After the value, the container's other statements follow.
    let listing = line(
        "set routing-instances A vrf-target target:65000:1 ",
        Mode::Configuration,
        &ctx,
    )
    .render();
    assert!(listing.contains("export"), "{listing}");
}

#[test]
fn json_written_before_statements_became_containers_still_reads() {
    // `vrf-target`, `local-as` and `local-preference` were leaves, `unicast` a flag.
    let old: serde_json::Value = serde_json::from_str(
        r#"{"configuration": {
            "routing-instances": {"instance": [{"name": "A", "vrf-target": "target:65000:1"}]},
            "protocols": {"bgp": {"group": [{"name": "g", "local-as": "65001",
                "family": {"inet": {"unicast": [null]}}}]}}}}"#,
    )
    .unwrap();
    let t = lsys_grammar::json::from_json(&old, ROOT).unwrap();
    assert_eq!(
        t,
        tree(
            "routing-instances { A { vrf-target target:65000:1; } } protocols { bgp { group g { \
             local-as 65001; family inet { unicast; } } } }"
        )
    );
}
