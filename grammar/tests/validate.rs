//! Commit checks: one test per check, golden files of the exact Junos layout, and the
//! properties (seed is clean, inactive is ignored, full = union of scopes, every error found).

use std::fs;
use std::path::Path;

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::tree::Node;
use lsys_grammar::validate::{validate, validate_scope, CheckError, CheckErrors};

const SEED: &str = include_str!("fixtures/seed.conf");

fn tree(text: &str) -> Node {
    curly::read(text, ROOT).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(text: &str) -> Vec<CheckError> {
    validate(&tree(text)).err().map(|e| e.0).unwrap_or_default()
}

/// (path, statement, message) of every error.
fn triples(text: &str) -> Vec<(String, String, String)> {
    errors(text)
        .into_iter()
        .map(|e| (e.path.join(" "), e.statement, e.message))
        .collect()
}

fn has(text: &str, path: &str, statement: &str, message: &str) {
    let all = triples(text);
    assert!(
        all.iter()
            .any(|(p, s, m)| p == path && s == statement && m == message),
        "missing [{path}] '{statement}' {message:?} in {all:#?}"
    );
}

fn golden(case: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/validate");
    fs::read_to_string(p.join(format!("{case}.conf"))).unwrap()
}

/// What a golden case prints: `# scope: LS` on the first line runs a tenant's incremental check.
fn render(text: &str) -> String {
    let root = tree(text);
    let scope = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# scope: "))
        .map(str::trim);
    let result = match scope {
        Some(ls) => validate_scope(&root, Some(ls))
            .map_err(|e| e.relative_to(&["logical-systems".to_string(), ls.to_string()])),
        None => validate(&root),
    };
    match result {
        Ok(()) => "configuration check succeeds\n".to_string(),
        Err(e) => format!("{e}\n"),
    }
}

#[test]
fn golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/validate");
    let bless = std::env::var("LSYS_BLESS").is_ok_and(|v| v == "1");
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 18, "{} cases", cases.len());
    let mut failed = Vec::new();
    for conf in &cases {
        let out = render(&fs::read_to_string(conf).unwrap());
        let expected = conf.with_extension("out");
        if bless {
            fs::write(&expected, &out).unwrap();
            continue;
        }
        let want = fs::read_to_string(&expected)
            .unwrap_or_else(|_| panic!("{} missing (LSYS_BLESS=1)", expected.display()));
        if want != out {
            failed.push(format!(
                "{}:\n--- expected\n{want}--- got\n{out}",
                conf.display()
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn seed_is_valid() {
    let root = tree(SEED);
    validate(&root).unwrap();
    validate_scope(&root, None).unwrap();
    validate_scope(&root, Some("l2")).unwrap();
    validate_scope(&root, Some("no-such-ls")).unwrap();
}

#[test]
fn layout_is_junos() {
    let e = CheckErrors(vec![
        CheckError {
            path: [
                "logical-systems",
                "l2",
                "routing-instances",
                "X",
                "protocols",
                "bgp",
                "group",
                "aws",
            ]
            .map(String::from)
            .to_vec(),
            statement: "neighbor 10.0.0.1".into(),
            message: "Error in neighbor 10.0.0.1 of group aws:\nexternal peer requires peer-as"
                .into(),
            tenant_message: None,
        },
        CheckError {
            path: vec![],
            statement: "system".into(),
            message: "Missing mandatory statement: 'x'".into(),
            tenant_message: None,
        },
    ]);
    assert_eq!(
        e.to_string(),
        "[edit logical-systems l2 routing-instances X protocols bgp group aws]\n  'neighbor 10.0.0.1'\n    Error in neighbor 10.0.0.1 of group aws:\n    external peer requires peer-as\n[edit]\n  'system'\n    Missing mandatory statement: 'x'\nerror: configuration check-out failed"
    );
    let rel = e.relative_to(&["logical-systems".into(), "l2".into()]);
    assert_eq!(
        rel.0[0].path.join(" "),
        "routing-instances X protocols bgp group aws"
    );
    assert!(rel.0[1].path.is_empty());
    let whole = e.relative_to(&e.0[0].path);
    assert!(whole
        .to_string()
        .starts_with("[edit]\n  'neighbor 10.0.0.1'"));
}

#[test]
fn ref_instance_interface() {
    let c = golden("ref-instance-interface");
    let p = "logical-systems l2 routing-instances CUST";
    has(
        &c,
        p,
        "interface irb.4",
        "Referenced interface unit irb.4 is not defined",
    );
    has(
        &c,
        p,
        "interface eth1.5",
        "Referenced interface unit eth1.5 is not defined",
    );
    assert_eq!(errors(&c).len(), 2);
}

#[test]
fn ref_bridge_domain() {
    let c = golden("ref-bridge-domain");
    let p = "logical-systems l2 bridge-domains bd-aws";
    has(
        &c,
        p,
        "interface eth1.7",
        "Referenced interface unit eth1.7 is not defined",
    );
    has(
        &c,
        p,
        "routing-interface irb.4",
        "Referenced interface unit irb.4 is not defined",
    );
    assert_eq!(errors(&c).len(), 2);
}

#[test]
fn ref_bgp_policy() {
    let c = golden("ref-bgp-policy");
    let g = "logical-systems l2 protocols bgp group aws";
    has(
        &c,
        g,
        "import IMPORT-AWS",
        "Referenced policy-statement IMPORT-AWS is not defined",
    );
    has(
        &c,
        g,
        "import ROOT-ONLY",
        "Referenced policy-statement ROOT-ONLY is not defined",
    );
    has(
        &c,
        &format!("{g} neighbor 10.0.0.1"),
        "export MISSING-NEIGHBOR-POLICY",
        "Referenced policy-statement MISSING-NEIGHBOR-POLICY is not defined",
    );
    assert_eq!(errors(&c).len(), 3);
}

#[test]
fn ref_policy_options() {
    let c = golden("ref-policy-options");
    let t = "policy-options policy-statement P term";
    has(
        &c,
        &format!("{t} 1 from"),
        "prefix-list PL-MISSING",
        "Referenced prefix-list PL-MISSING is not defined",
    );
    has(
        &c,
        &format!("{t} 1 from"),
        "community C-MISSING",
        "Referenced community C-MISSING is not defined",
    );
    has(
        &c,
        &format!("{t} 1 then"),
        "community add C-ADD",
        "Referenced community C-ADD is not defined",
    );
    has(
        &c,
        &format!("{t} 3 then"),
        "community delete C-DEL",
        "Referenced community C-DEL is not defined",
    );
    assert_eq!(errors(&c).len(), 4);
}

#[test]
fn ref_login() {
    let c = golden("ref-login");
    has(
        &c,
        "system login user bob",
        "class admins",
        "Referenced class admins is not defined",
    );
    has(
        &c,
        "system login class tenant-l9",
        "logical-system l9",
        "Referenced logical-system l9 is not defined",
    );
    assert_eq!(errors(&c).len(), 2);
}

#[test]
fn mandatory_statements() {
    let c = golden("mandatory-class");
    has(
        &c,
        "system login",
        "user alice",
        "Missing mandatory statement: 'class'",
    );
    has(
        &c,
        "system login",
        "user bob",
        "Missing mandatory statement: 'class'",
    );
    assert_eq!(errors(&c).len(), 2);
}

#[test]
fn global_units() {
    let c = golden("global-unit");
    let m = |u| format!("Logical interface irb.{u} is also configured in another logical system");
    has(&c, "logical-systems l2 interfaces irb", "unit 4", &m(4));
    has(&c, "logical-systems l3 interfaces irb", "unit 4", &m(4));
    has(&c, "interfaces irb", "unit 7", &m(7));
    has(
        &c,
        "logical-systems l2 interfaces irb",
        "unit 7",
        "Logical interface irb.7 is also configured at the root level",
    );
    assert_eq!(errors(&c).len(), 4);
    // Incremental: l3 only sees its own unit 4; the root only its unit 7.
    let root = tree(&c);
    let l3 = validate_scope(&root, Some("l3")).unwrap_err();
    assert_eq!(l3.len(), 1);
    assert_eq!(validate_scope(&root, None).unwrap_err().len(), 1);
}

#[test]
fn global_vlans() {
    let c = golden("global-vlan");
    has(
        &c,
        "logical-systems l2 interfaces eth1",
        "unit 4",
        "vlan-id 4 on eth1 is also used by a unit in another logical system",
    );
    has(
        &c,
        "logical-systems l3 interfaces eth1",
        "unit 12",
        "vlan-tags outer 1000 inner 100 on eth1 is also used by a unit in another logical system",
    );
    has(
        &c,
        "logical-systems l2 interfaces eth1",
        "unit 33",
        "vlan-id 3 on eth1 is also used by eth1.3",
    );
    let all = errors(&c);
    assert_eq!(all.len(), 6, "{all:#?}");
    assert!(!all
        .iter()
        .any(|e| e.statement == "unit 1000" || e.statement == "unit 13"));
    assert!(!all.iter().any(|e| e.path.contains(&"eth2".to_string())));
}

#[test]
fn one_routing_interface_per_domain() {
    let c = golden("bridge-routing-interface");
    has(
        &c,
        "logical-systems l2 bridge-domains bd-a",
        "routing-interface irb.4",
        "irb.4 is also the routing-interface of bridge domain bd-b",
    );
    has(
        &c,
        "logical-systems l2 bridge-domains bd-b",
        "routing-interface irb.4",
        "irb.4 is also the routing-interface of bridge domain bd-a",
    );
    assert_eq!(errors(&c).len(), 2);
}

#[test]
fn interface_in_one_instance() {
    let c = golden("instance-interface-twice");
    has(
        &c,
        "routing-instances A",
        "interface irb.4",
        "Interface irb.4 is also assigned to routing instance B",
    );
    has(
        &c,
        "routing-instances B",
        "interface irb.4",
        "Interface irb.4 is also assigned to routing instance A",
    );
    assert_eq!(errors(&c).len(), 2);
}

#[test]
fn vrf_needs_rd_and_target() {
    let c = golden("vrf-mandatory");
    has(
        &c,
        "routing-instances",
        "VRF-NONE",
        "Missing mandatory statement: 'route-distinguisher' (instance-type vrf)",
    );
    has(
        &c,
        "routing-instances",
        "VRF-NONE",
        "Missing mandatory statement: 'vrf-target' (instance-type vrf)",
    );
    has(
        &c,
        "routing-instances",
        "VRF-RD",
        "Missing mandatory statement: 'vrf-target' (instance-type vrf)",
    );
    assert_eq!(errors(&c).len(), 3);
}

#[test]
fn bgp_group_type() {
    // `type` may be left out: peer-as equal to the local AS (or local-as) is internal and
    // needs no connected subnet; anything else is external.
    let c = golden("bgp-type");
    let g = "protocols bgp group per-neighbor";
    has(
        &c,
        g,
        "neighbor 10.0.0.5",
        "Error in neighbor 10.0.0.5 of group per-neighbor:\nexternal peer requires peer-as",
    );
    has(
        &c,
        g,
        "neighbor 198.51.100.1",
        "Error in neighbor 198.51.100.1 of group per-neighbor:\npeer is not on a directly \
         connected subnet of this instance (configure multihop)",
    );
    assert_eq!(errors(&c).len(), 2, "{:#?}", errors(&c));
}

#[test]
fn bgp_peer_as() {
    let c = golden("bgp-peer-as");
    let g = "logical-systems l2 routing-instances X protocols bgp group";
    has(
        &c,
        &format!("{g} aws"),
        "neighbor 10.0.0.1",
        "Error in neighbor 10.0.0.1 of group aws:\nexternal peer requires peer-as",
    );
    has(&c, &format!("{g} ibgp"), "neighbor 10.0.0.4", "Error in neighbor 10.0.0.4 of group ibgp:\ninternal peer has peer-as 65001, not the local AS 65000");
    assert_eq!(errors(&c).len(), 2);
}

#[test]
fn bgp_connected_subnet() {
    let c = golden("bgp-connected");
    let msg = |a: &str, g: &str| {
        format!("Error in neighbor {a} of group {g}:\npeer is not on a directly connected subnet of this instance (configure multihop)")
    };
    has(
        &c,
        "protocols bgp group master",
        "neighbor 10.0.0.1",
        &msg("10.0.0.1", "master"),
    );
    let x = "routing-instances X protocols bgp group peers";
    has(&c, x, "neighbor 10.0.0.2", &msg("10.0.0.2", "peers"));
    has(&c, x, "neighbor 2001:db8::9", &msg("2001:db8::9", "peers"));
    assert_eq!(errors(&c).len(), 3);
}

#[test]
fn address_overlaps() {
    let c = golden("address-overlap");
    has(
        &c,
        "interfaces irb unit 1 family inet",
        "address 10.1.0.1/24",
        "Address 10.1.0.1/24 overlaps with 10.1.0.2/25 of irb.2 in the same routing instance",
    );
    has(
        &c,
        "interfaces irb unit 4 family inet",
        "address 10.0.0.1/31",
        "Address 10.0.0.1/31 overlaps with 10.0.0.0/31 of irb.3 in the same routing instance",
    );
    has(&c, "interfaces irb unit 3 family inet6", "address 2001:db8::1/64", "Address 2001:db8::1/64 overlaps with 2001:db8::2/126 of irb.4 in the same routing instance");
    assert_eq!(errors(&c).len(), 6, "{:#?}", errors(&c));
}

#[test]
fn bgp_needs_autonomous_system() {
    let c = golden("bgp-no-as");
    let m = "Missing mandatory statement: 'routing-options autonomous-system' (BGP is configured)";
    has(&c, "logical-systems l2 protocols", "bgp", m);
    has(
        &c,
        "logical-systems l2 routing-instances NO-AS protocols",
        "bgp",
        m,
    );
    assert_eq!(errors(&c).len(), 2);
}

#[test]
fn inactive_statements_are_ignored() {
    validate(&tree(&golden("inactive"))).unwrap();
    // The same configuration with everything active fails.
    let active = golden("inactive").replace("inactive: ", "");
    assert!(errors(&active).len() >= 6, "{:#?}", errors(&active));
}

#[test]
fn tenant_scope_is_relative_and_confined() {
    let root = tree(&golden("tenant-scope"));
    let e = validate_scope(&root, Some("l2")).unwrap_err();
    assert!(e
        .0
        .iter()
        .all(|e| e.path.starts_with(&["logical-systems".into(), "l2".into()])));
    let rel = e.relative_to(&["logical-systems".into(), "l2".into()]);
    assert_eq!(rel.0[0].path, vec!["interfaces", "eth1"]);
    // What the tenant is told never says that another logical system uses the unit or tag.
    let told = e
        .for_tenant(&["logical-systems".into(), "l2".into()])
        .to_string();
    assert!(!told.contains("another logical system"), "{told}");
    assert!(
        told.contains("Logical interface eth1.4 is not available in this logical system"),
        "{told}"
    );
    assert!(
        told.contains("vlan-id 4 on eth1 is not available in this logical system"),
        "{told}"
    );
    assert_eq!(validate(&root).unwrap_err().len(), 9);
}

/// Full validation reports exactly the union of the per-scope checks.
#[test]
fn full_is_union_of_scopes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/validate");
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|x| x != "conf") {
            continue;
        }
        let root = tree(&fs::read_to_string(&p).unwrap());
        let full = validate(&root).err().map(|e| e.0).unwrap_or_default();
        let mut union = validate_scope(&root, None)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        if let Some(lss) = root.get("logical-systems").filter(|n| !n.inactive) {
            for ls in lss.children.iter().filter(|n| !n.inactive) {
                let name = ls.key.as_deref().unwrap();
                union.extend(
                    validate_scope(&root, Some(name))
                        .err()
                        .map(|e| e.0)
                        .unwrap_or_default(),
                );
            }
        }
        let union = CheckErrors(union).0;
        let mut full_sorted = full.clone();
        full_sorted.sort();
        let mut union_sorted = union;
        union_sorted.sort();
        union_sorted.dedup();
        assert_eq!(full_sorted, union_sorted, "{}", p.display());
    }
}

#[test]
fn many_errors_are_all_reported() {
    let c = golden("many-errors");
    let all = errors(&c);
    let wanted = [
        "Referenced interface unit irb.9 is not defined",
        "Referenced policy-statement NOPE is not defined",
        "Referenced class admins is not defined",
        "Missing mandatory statement: 'class'",
        "Logical interface irb.4 is also configured in another logical system",
        "vlan-id 4 on eth1 is also used by a unit in another logical system",
        "irb.5 is also the routing-interface of bridge domain bd-b",
        "Interface irb.4 is also assigned to routing instance B",
        "external peer requires peer-as",
        "not the local AS",
        "directly connected subnet",
        "overlaps with",
        "Missing mandatory statement: 'route-distinguisher' (instance-type vrf)",
        "Missing mandatory statement: 'routing-options autonomous-system' (BGP is configured)",
    ];
    for w in wanted {
        assert!(
            all.iter().any(|e| e.message.contains(w)),
            "{w} not in {all:#?}"
        );
    }
    let again = errors(&c);
    assert_eq!(all, again, "the order is stable");
    let text = CheckErrors(all.clone()).to_string();
    assert_eq!(text.matches("[edit").count(), all.len());
    assert!(text.ends_with("\nerror: configuration check-out failed"));
}
