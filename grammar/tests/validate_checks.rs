//! Commit checks added after the first set (their golden files run in `validate.rs`): a tenant
//! uses only ports the operator configured, route-filters need a match type and lengths that
//! can match, and rib names and the families of static routes and next hops fit their routing
//! table.

use std::fs;
use std::path::Path;

use lsys_grammar::path::{Match, Word};
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::tree::Node;
use lsys_grammar::validate::{validate, validate_scope, CheckError};
use lsys_grammar::view::{set_words, View};

const SEED: &str = include_str!("fixtures/seed.conf");

fn tree(text: &str) -> Node {
    curly::read(text, ROOT).unwrap_or_else(|e| panic!("{e}"))
}

fn golden(case: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/validate");
    fs::read_to_string(p.join(format!("{case}.conf"))).unwrap()
}

fn errors(root: &Node) -> Vec<CheckError> {
    validate(root).err().map(|e| e.0).unwrap_or_default()
}

/// (path, statement, message) of every error, paths joined.
fn triples(root: &Node) -> Vec<(String, String, String)> {
    errors(root)
        .into_iter()
        .map(|e| (e.path.join(" "), e.statement, e.message))
        .collect()
}

fn not_available(port: &str) -> String {
    format!("interface {port} is not available in this logical system")
}

/// The finding: a tenant's `set interfaces ifb0 ...` made lsysd bring the host's ifb0 up.
#[test]
fn a_tenant_cannot_use_a_port_the_operator_did_not_configure() {
    let mut root = tree(SEED);
    validate(&root).unwrap();
    let v = View::tenant("l2");
    set_words(
        &v,
        &mut root,
        &[],
        &Word::split("interfaces ifb0 unit 0 family inet address 10.9.9.1/24"),
        Match::Exact,
    )
    .unwrap();
    let e = validate_scope(&root, Some("l2"))
        .unwrap_err()
        .relative_to(&v.base_words());
    assert_eq!(
        e.to_string(),
        "[edit interfaces ifb0]\n  'unit 0'\n    interface ifb0 is not available in this logical system\nerror: configuration check-out failed"
    );
    // The operator sees where it is.
    assert_eq!(
        triples(&root),
        [(
            "logical-systems l2 interfaces ifb0".to_string(),
            "unit 0".to_string(),
            not_available("ifb0")
        )]
    );
}

#[test]
fn ports_come_from_the_root_or_operator_statements() {
    let root = tree(&golden("tenant-ports"));
    let all = triples(&root);
    let mut want: Vec<(String, String, String)> = [
        ("logical-systems l2 interfaces", "eth6", "eth6"),
        ("logical-systems l2 interfaces eth5", "unit 0", "eth5"),
        ("logical-systems l2 interfaces eth5", "unit 1", "eth5"),
        ("logical-systems l2 interfaces eth8", "unit 0", "eth8"),
        ("logical-systems l2 interfaces eth9", "unit 0", "eth9"),
        ("logical-systems l2 interfaces ifb0", "unit 0", "ifb0"),
        ("logical-systems l3 interfaces ifb1", "unit 0", "ifb1"),
    ]
    .map(|(p, s, port)| (p.to_string(), s.to_string(), not_available(port)))
    .to_vec();
    want.sort();
    let mut got = all.clone();
    got.sort();
    assert_eq!(got, want);
    // Only the tenant's own words: nothing about the root or other logical systems.
    for (_, _, m) in &all {
        assert!(
            !m.contains("root") && !m.contains("l3") && !m.contains("operator"),
            "{m}"
        );
    }
}

#[test]
fn a_port_deleted_at_the_root_fails_the_operators_commit() {
    let text = "interfaces { eth2 { mtu 9000; } }
        logical-systems { l2 { interfaces { eth2 { unit 0 { family inet { address 192.0.2.1/24; } } } } } }";
    let mut root = tree(text);
    validate(&root).unwrap();
    let ifs = root.get("interfaces").unwrap().schema;
    root.remove_child(ifs, None);
    // The root's incremental check reports it (the logical system itself did not change).
    let e = validate_scope(&root, None).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    assert_eq!(e.0[0].path.join(" "), "logical-systems l2 interfaces eth2");
    assert_eq!(e.0[0].message, not_available("eth2"));
    assert_eq!(validate_scope(&root, Some("l2")).unwrap_err(), e);
}

#[test]
fn route_filter_lengths_must_be_able_to_match() {
    let root = tree(&golden("route-filter"));
    let all = triples(&root);
    let bad = "policy-options policy-statement P term bad from";
    let want = [
        (
            bad,
            "route-filter 10.0.0.0/8 upto /33",
            "upto /33 exceeds the maximum prefix length /32 of an IPv4 route",
        ),
        (
            bad,
            "route-filter 10.1.0.0/16 upto /4",
            "upto /4 is shorter than the route-filter prefix length /16",
        ),
        (
            bad,
            "route-filter 10.2.0.0/16 prefix-length-range /8-/24",
            "prefix-length-range /8-/24: lower length /8 is shorter than the route-filter prefix length /16",
        ),
        (
            bad,
            "route-filter 10.3.0.0/16 prefix-length-range /24-/33",
            "prefix-length-range /24-/33: upper length /33 exceeds the maximum prefix length /32 of an IPv4 route",
        ),
        (
            bad,
            "route-filter 2001:db8::/32 prefix-length-range /24-/30",
            "prefix-length-range /24-/30: lower length /24 is shorter than the route-filter prefix length /32",
        ),
        (
            bad,
            "route-filter 10.4.0.0/16",
            "missing match type: exact, longer, orlonger, upto, prefix-length-range or through",
        ),
        (
            "logical-systems l2 policy-options policy-statement T term 1 from",
            "route-filter 192.0.2.0/24 upto /20",
            "upto /20 is shorter than the route-filter prefix length /24",
        ),
    ];
    for (p, s, m) in want {
        assert!(
            all.iter().any(|(a, b, c)| a == p && b == s && c == m),
            "missing [{p}] '{s}' {m:?} in {all:#?}"
        );
    }
    assert_eq!(all.len(), want.len(), "{all:#?}");
}

/// `/24-/16` cannot be typed (the value type refuses it) but a tree built another way (JSON,
/// an older store) can hold it: the commit check still refuses it.
#[test]
fn a_reversed_prefix_length_range_is_refused() {
    let mut root = tree(
        "policy-options { policy-statement P { term t { from {
            route-filter 10.0.0.0/8 prefix-length-range /16-/24; } } } }",
    );
    validate(&root).unwrap();
    let mut n = &mut root;
    for word in [
        "policy-options",
        "policy-statement",
        "term",
        "from",
        "route-filter",
    ] {
        let i = n
            .children
            .iter()
            .position(|c| lsys_grammar::schema::Schema::get().node(c.schema).word == word)
            .unwrap();
        n = &mut n.children[i];
    }
    // The match type is part of the entry's key.
    n.key = Some("10.0.0.0/8 prefix-length-range /24-/16".into());
    let all = triples(&root);
    assert_eq!(
        all,
        [(
            "policy-options policy-statement P term t from".to_string(),
            "route-filter 10.0.0.0/8 prefix-length-range /24-/16".to_string(),
            "prefix-length-range /24-/16: lower length /24 is greater than upper length /16"
                .to_string()
        )]
    );
}

/// rib names, the family of static routes and of their next hops (golden rib-static-family).
#[test]
fn rib_names_and_route_families() {
    let root = tree(&golden("rib-static-family"));
    let mut all = triples(&root);
    all.sort();
    let v6_hop = |a: &str| {
        format!("Invalid next-hop {a}: the next hop of an IPv6 route must be an IPv6 address")
    };
    let mut want: Vec<(String, String, String)> = [
        // Wrong rib name in a master instance (the root's, a logical system's) and in an instance.
        (
            "routing-options",
            "rib inet.0",
            "Invalid rib name inet.0: expected inet6.0 (the IPv6 routing table of the master instance)".to_string(),
        ),
        (
            "logical-systems l2 routing-options",
            "rib l2.inet6.0",
            "Invalid rib name l2.inet6.0: expected inet6.0 (the IPv6 routing table of the master instance)".to_string(),
        ),
        (
            "routing-instances CUST routing-options",
            "rib inet6.0",
            "Invalid rib name inet6.0: expected CUST.inet6.0 (the IPv6 routing table of routing instance CUST)".to_string(),
        ),
        // An IPv6 route under static, an IPv4 route under the rib.
        (
            "routing-options static",
            "route 2001:db8:3::/48",
            "Invalid route 2001:db8:3::/48: static routes of inet.0 must be IPv4; configure IPv6 routes under rib inet6.0 static".to_string(),
        ),
        (
            "routing-instances CUST routing-options static",
            "route 2001:db8:5::/48",
            "Invalid route 2001:db8:5::/48: static routes of CUST.inet.0 must be IPv4; configure IPv6 routes under rib CUST.inet6.0 static".to_string(),
        ),
        (
            "routing-options rib inet6.0 static",
            "route 10.0.0.0/8",
            "Invalid route 10.0.0.0/8: static routes of inet6.0 must be IPv6; configure IPv4 routes under static".to_string(),
        ),
        // Next hops of the other family.
        (
            "routing-options rib inet6.0 static route 2001:db8:1::/48",
            "next-hop 192.0.2.1",
            v6_hop("192.0.2.1"),
        ),
        (
            "routing-options rib inet6.0 static route 2001:db8:2::/48",
            "qualified-next-hop 192.0.2.2",
            "Invalid qualified-next-hop 192.0.2.2: the next hop of an IPv6 route must be an IPv6 address".to_string(),
        ),
        (
            "routing-options static route 10.2.0.0/16",
            "next-hop 2001:db8::1",
            "Invalid next-hop 2001:db8::1: the next hop of an IPv4 route must be an IPv4 address".to_string(),
        ),
        (
            "logical-systems l2 routing-instances R routing-options rib R.inet6.0 static route 2001:db8:7::/48",
            "next-hop 192.0.2.7",
            v6_hop("192.0.2.7"),
        ),
    ]
    .map(|(p, s, m)| (p.to_string(), s.to_string(), m))
    .to_vec();
    want.sort();
    assert_eq!(all, want);

    // A tenant's incremental check reports its own, relative to its logical system.
    let e = validate_scope(&root, Some("l2"))
        .unwrap_err()
        .relative_to(&["logical-systems".to_string(), "l2".to_string()]);
    assert_eq!(
        e.to_string(),
        "[edit routing-instances R routing-options rib R.inet6.0 static route 2001:db8:7::/48]\n  \
         'next-hop 192.0.2.7'\n    \
         Invalid next-hop 192.0.2.7: the next hop of an IPv6 route must be an IPv6 address\n\
         [edit routing-options]\n  \
         'rib l2.inet6.0'\n    \
         Invalid rib name l2.inet6.0: expected inet6.0 (the IPv6 routing table of the master instance)\n\
         error: configuration check-out failed"
    );
}

#[test]
fn routing_tables_of_both_families_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/display");
    let text = fs::read_to_string(dir.join("11-routing-tables.conf")).unwrap();
    validate(&tree(&text)).unwrap();
    // A forwarding-table export names a policy of the same logical system.
    let e = triples(&tree(
        "logical-systems { l2 { routing-options { forwarding-table { export LB; } } } }
         policy-options { policy-statement LB { then load-balance per-packet; } }",
    ));
    assert_eq!(
        e,
        [(
            "logical-systems l2 routing-options forwarding-table".to_string(),
            "export LB".to_string(),
            "Referenced policy-statement LB is not defined".to_string()
        )]
    );
}

/// Junos port names reach Linux through the root's `linux-name`: each such name needs one,
/// and a device carries one interface.
#[test]
fn junos_port_names_need_a_linux_device() {
    let text = "interfaces {
            ge-0/0/0 { linux-name eth1; }
            ge-0/0/1 { mtu 9000; }
            xe-1/0/0:2 { linux-name eth1; }
            ge-0/0/3 { linux-name eth4; }
            eth4 { mtu 1500; }
            ge-0/0/5 { linux-name irb; }
        }
        logical-systems { l2 { interfaces {
            ge-0/0/0 { unit 4 { vlan-id 4; encapsulation vlan-bridge; } }
            ge-0/0/7 { unit 4 { vlan-id 4; } linux-name eth7; }
        } } }";
    let mut got = triples(&tree(text));
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        (
            "interfaces",
            "ge-0/0/1",
            "interface ge-0/0/1 has no linux-name: name the Linux device that carries it \
             (set interfaces ge-0/0/1 linux-name DEVICE)",
        ),
        (
            "interfaces ge-0/0/3",
            "linux-name eth4",
            "device eth4 is also configured as interface eth4",
        ),
        ("interfaces ge-0/0/5", "linux-name irb", "irb is not a port"),
        (
            "interfaces xe-1/0/0:2",
            "linux-name eth1",
            "device eth1 already carries interface ge-0/0/0",
        ),
        (
            "logical-systems l2 interfaces ge-0/0/7",
            "linux-name eth7",
            "linux-name is set at the root: interfaces ge-0/0/7 linux-name",
        ),
        (
            "logical-systems l2 interfaces ge-0/0/7",
            "unit 4",
            "interface ge-0/0/7 is not available in this logical system",
        ),
    ]
    .map(|(p, s, m)| (p.to_string(), s.to_string(), m.to_string()))
    .to_vec();
    want.sort();
    assert_eq!(got, want);

    // Mapped, the same ports pass; the tenant's port is the root's.
    let ok = "interfaces { ge-0/0/0 { linux-name eth1; } xe-1/0/0:2 { linux-name eth2; } }
        logical-systems { l2 { interfaces {
            ge-0/0/0 { unit 4 { vlan-id 4; encapsulation vlan-bridge; } }
        } } }";
    validate(&tree(ok)).unwrap();
}
