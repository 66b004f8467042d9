//! Validation of 1,000 logical systems: the full check and one tenant's incremental check.
//! Bounds are strict in release builds (`cargo test --release`); debug builds only report.

use std::fmt::Write;
use std::time::{Duration, Instant};

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::tree::Node;
use lsys_grammar::validate::{validate, validate_scope};

fn tenant(out: &mut String, n: u32) {
    let (a, b) = (n / 256, n % 256);
    write!(
        out,
        r#"
    ls{n} {{
        interfaces {{
            eth1 {{
                unit {n} {{
                    encapsulation vlan-bridge;
                    vlan-id {vlan};
                }}
            }}
            irb {{
                unit {n} {{
                    family inet {{
                        address 10.{a}.{b}.0/31;
                    }}
                }}
            }}
        }}
        routing-options {{
            autonomous-system 65000;
        }}
        policy-options {{
            prefix-list PL {{ 10.0.0.0/8; }}
            policy-statement EXPORT {{
                term t {{ from prefix-list PL; then accept; }}
                then reject;
            }}
        }}
        routing-instances {{
            vrf-{n} {{
                instance-type vrf;
                interface irb.{n};
                route-distinguisher 65000:{n};
                vrf-target target:65000:{n};
                protocols {{
                    bgp {{
                        group cloud {{
                            type external;
                            peer-as 64512;
                            export EXPORT;
                            neighbor 10.{a}.{b}.1 {{
                                authentication-key "secret{n}";
                            }}
                        }}
                    }}
                }}
            }}
        }}
        bridge-domains {{
            bd {{
                vlan-id {vlan};
                interface eth1.{n};
                routing-interface irb.{n};
            }}
        }}
    }}"#,
        vlan = n + 1
    )
    .unwrap();
}

/// Builds the tree one logical system at a time (reading one huge text is slow, and the text
/// reader is not what is measured here).
fn big(count: u32) -> Node {
    let mut root = curly::read(
        "system { host-name big; }\nlogical-systems { ls0; }\ninterfaces { eth1 { mtu 9000; } }\n",
        ROOT,
    )
    .unwrap();
    let schema = lsys_grammar::schema::Schema::get();
    let lss_id = schema.child_by_word(ROOT, "logical-systems").unwrap();
    let lss = root.child_mut(lss_id, None).unwrap();
    lss.children.clear();
    for n in 0..count {
        let mut text = String::from("logical-systems {");
        tenant(&mut text, n);
        text.push_str("\n}\n");
        let mut one = curly::read(&text, ROOT).unwrap();
        let entry = one.child_mut(lss_id, None).unwrap().children.remove(0);
        lss.children.push(entry);
    }
    root
}

fn best(runs: usize, f: impl Fn()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
fn thousand_logical_systems() {
    let root = big(1000);
    let full = best(3, || validate(&root).unwrap());
    let one = best(20, || validate_scope(&root, Some("ls500")).unwrap());
    let master = best(20, || validate_scope(&root, None).unwrap());
    println!("1000 logical systems ({} statements): validate {full:?}, validate_scope(ls500) {one:?}, validate_scope(root) {master:?}", root.count());
    if !cfg!(debug_assertions) {
        assert!(full < Duration::from_millis(500), "validate took {full:?}");
        assert!(
            one < Duration::from_millis(2),
            "validate_scope took {one:?}"
        );
        assert!(
            master < Duration::from_millis(2),
            "validate_scope took {master:?}"
        );
    }
}

#[test]
fn a_collision_among_thousand_is_found_from_either_side() {
    let mut root = big(1000);
    // ls999 takes ls3's VLAN.
    let text = curly::read(
        "logical-systems { ls999 { interfaces { eth1 { unit 999 { vlan-id 4; } } } } }",
        ROOT,
    )
    .unwrap();
    fn merge(into: &mut Node, from: &Node) {
        for c in &from.children {
            match into.child_mut(c.schema, c.key.as_deref()) {
                Some(t) if !c.children.is_empty() => merge(t, c),
                Some(t) => t.values = c.values.clone(),
                None => {
                    into.insert_child(c.clone());
                }
            }
        }
    }
    merge(&mut root, &text);
    assert_eq!(validate(&root).unwrap_err().len(), 2);
    for ls in ["ls3", "ls999"] {
        let e = validate_scope(&root, Some(ls)).unwrap_err();
        assert_eq!(e.len(), 1, "{e}");
        assert!(e
            .to_string()
            .contains("vlan-id 4 on eth1 is also used by a unit in another logical system"));
    }
    validate_scope(&root, Some("ls500")).unwrap();
}
