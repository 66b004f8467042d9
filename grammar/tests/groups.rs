//! Configuration groups: expansion (inheritance order, apply-groups-except, wildcards), round
//! trips of configurations that hold groups, the typed view and validation of the expansion,
//! `| display inheritance` (golden files in tests/golden/groups: NN-name.conf is shown as
//! NN-name.inheritance and expanded as NN-name.expanded; LSYS_BLESS=1 rewrites both), and what
//! a tenant may do with groups.

use std::fs;
use std::path::{Path, PathBuf};

use lsys_grammar::edit::EditError;
use lsys_grammar::groups::{self, expand, expand_at, inheritance, inheritance_with, Notes};
use lsys_grammar::json;
use lsys_grammar::path::{Match, Values, Word};
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::tree::Node;
use lsys_grammar::typed;
use lsys_grammar::validate::{validate, validate_scope};
use lsys_grammar::view::{ls_path, set_words, View, ViewError};

fn tree(text: &str) -> Node {
    curly::read(text, ROOT).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The expansion of `text`, as curly text.
fn expanded(text: &str) -> String {
    print::curly(&expand(&tree(text)))
}

/// Asserts that the expansion of `text` holds each of `lines` (trimmed lines, in order).
fn holds(text: &str, lines: &[&str]) {
    let out = expanded(text);
    let got: Vec<&str> = out.lines().map(str::trim).collect();
    let mut at = 0;
    for want in lines {
        match got[at..].iter().position(|l| l == want) {
            Some(i) => at += i + 1,
            None => panic!("missing (in order) {want:?} in\n{out}"),
        }
    }
}

fn lacks(text: &str, line: &str) {
    let out = expanded(text);
    assert!(
        !out.lines().any(|l| l.trim() == line),
        "{line:?} should not be in\n{out}"
    );
}

const JUMBO: &str = "
groups {
    jumbo {
        interfaces {
            <*> {
                mtu 9000;
            }
        }
    }
}
";

#[test]
fn a_group_applied_at_the_root_applies_everywhere_it_matches() {
    let text = format!("{JUMBO} apply-groups jumbo; interfaces {{ eth1; eth2 {{ mtu 1500; }} }}");
    holds(&text, &["eth1 {", "mtu 9000;", "eth2 {", "mtu 1500;"]);
    // The expansion has neither groups nor apply-groups; the tree keeps both.
    let out = expanded(&text);
    assert!(!out.contains("groups"), "{out}");
    let shown = print::curly(&tree(&text));
    assert!(
        shown.contains("apply-groups jumbo;") && shown.contains("<*> {"),
        "{shown}"
    );
}

#[test]
fn a_wildcard_never_creates_an_entry() {
    let text = format!("{JUMBO} apply-groups jumbo; system {{ host-name r1; }}");
    lacks(&text, "interfaces {");
    lacks(&text, "mtu 9000;");
    // A literal name does create one.
    let text = "groups { lo { interfaces { lo0 { mtu 1500; } } } } apply-groups lo;";
    holds(text, &["interfaces {", "lo0 {", "mtu 1500;"]);
}

#[test]
fn shell_wildcards_select_entries() {
    let text = r#"
groups {
    g {
        interfaces {
            <eth*> { description "an eth"; }
            "<bond[0-1]>" { mtu 9000; }
            <?ond9> { mtu 1600; }
        }
    }
}
apply-groups g;
interfaces { eth1; bond0; bond2; bond9; }
"#;
    holds(
        text,
        &[
            "eth1 {",
            "description \"an eth\";",
            "bond0 {",
            "mtu 9000;",
            "bond2;",
            "bond9 {",
            "mtu 1600;",
        ],
    );
}

#[test]
fn local_statements_win_and_the_first_group_wins() {
    let text = "
groups {
    a { routing-options { router-id 1.1.1.1; autonomous-system 65001; } }
    b { routing-options { router-id 2.2.2.2; autonomous-system 65002; maximum-prefixes 10; } }
}
apply-groups [ a b ];
routing-options { autonomous-system 65000; }
";
    holds(
        text,
        &[
            "maximum-prefixes 10;",
            "router-id 1.1.1.1;",
            "autonomous-system 65000;",
        ],
    );
    // The other order.
    holds(
        &text.replace("[ a b ]", "[ b a ]"),
        &["router-id 2.2.2.2;", "autonomous-system 65000;"],
    );
}

#[test]
fn within_a_group_the_first_matching_entry_wins() {
    // Junos: "the first item encountered in the configuration that matches is used".
    let text = "
groups {
    g {
        protocols { bgp {
            group <*a*> { hold-time 10; }
            group <*b*> { hold-time 20; description from-b; }
            group ab { hold-time 30; local-as 65009; }
        } }
    }
}
apply-groups g;
protocols { bgp { group ab { type internal; } } }
";
    holds(
        text,
        &[
            "group ab {",
            "type internal;",
            "description from-b;",
            "hold-time 10;",
            "local-as 65009;",
        ],
    );
}

#[test]
fn groups_applied_lower_apply_only_there_and_take_priority() {
    let text = "
groups {
    wide { interfaces { <*> { mtu 1600; description wide; } } }
    narrow { interfaces { <*> { mtu 9000; } } }
}
apply-groups wide;
interfaces {
    eth1 { apply-groups narrow; }
    eth2;
}
";
    holds(
        text,
        &[
            "eth1 {",
            "description wide;",
            "mtu 9000;",
            "eth2 {",
            "description wide;",
            "mtu 1600;",
        ],
    );
    // Applied at `interfaces eth1` only: the group's statements above that level are ignored.
    let text = "
groups { g { system { host-name from-g; } interfaces { <*> { mtu 9000; } } } }
interfaces { eth1 { apply-groups g; } eth2; }
";
    holds(text, &["eth1 {", "mtu 9000;", "eth2;"]);
    lacks(text, "host-name from-g;");
}

#[test]
fn apply_groups_except_stops_a_group_below_its_level() {
    let text = format!(
        "{JUMBO} apply-groups jumbo;
interfaces {{ eth1; eth2 {{ apply-groups-except jumbo; unit 0 {{ description x; }} }} }}"
    );
    holds(&text, &["eth1 {", "mtu 9000;", "eth2 {", "unit 0 {"]);
    let out = expanded(&text);
    assert_eq!(out.matches("mtu 9000;").count(), 1, "{out}");
}

#[test]
fn lists_and_leaf_lists_take_every_group() {
    let text = "
groups {
    statics { routing-options { static { route 10.0.0.0/8 discard; route 10.1.0.0/16 reject; } } }
    pol { protocols { bgp { group <*> { export [ G1 SHARED ]; } } } }
}
apply-groups [ statics pol ];
routing-options { static { route 10.1.0.0/16 next-hop 192.0.2.1; route 172.16.0.0/12 discard; } }
protocols { bgp { group ext { export [ LOCAL SHARED ]; } } }
";
    // The group's `reject` does not join the local next-hop: of the members of a @choice
    // group, the one configured wins.
    holds(
        text,
        &[
            "route 10.1.0.0/16 next-hop 192.0.2.1;",
            "route 172.16.0.0/12 discard;",
            "route 10.0.0.0/8 discard;",
            "export [ LOCAL SHARED G1 ];",
        ],
    );
}

#[test]
fn inactive_groups_statements_and_apply_groups_do_nothing() {
    let base = "interfaces { eth1; }";
    for text in [
        format!("groups {{ inactive: jumbo {{ interfaces {{ <*> {{ mtu 9000; }} }} }} }} apply-groups jumbo; {base}"),
        format!("groups {{ jumbo {{ interfaces {{ <*> {{ inactive: mtu 9000; }} }} }} }} apply-groups jumbo; {base}"),
        format!("{JUMBO} inactive: apply-groups jumbo; {base}"),
        format!("{JUMBO} apply-groups jumbo; interfaces {{ inactive: eth1; }}"),
    ] {
        lacks(&text, "mtu 9000;");
    }
}

#[test]
fn groups_reach_into_logical_systems_but_never_create_one() {
    let text = "
groups {
    tenants {
        logical-systems {
            <*> { routing-options { autonomous-system 65000; } }
            l9 { routing-options { router-id 9.9.9.9; } }
        }
    }
    rid { logical-systems { <*> { routing-options { router-id 10.0.0.1; } } } }
    relative { routing-options { router-id 10.0.0.2; } }
}
apply-groups tenants;
logical-systems {
    l2 { apply-groups [ rid relative ]; interfaces { irb { unit 4; } } }
    l3;
}
";
    holds(
        text,
        &[
            "l2 {",
            "router-id 10.0.0.1;",
            "autonomous-system 65000;",
            "l3 {",
            "autonomous-system 65000;",
        ],
    );
    lacks(text, "l9 {");
    lacks(text, "router-id 9.9.9.9;");
    // Paths in a group are absolute, inside a logical system too (as in Junos).
    lacks(text, "router-id 10.0.0.2;");
    // One logical system alone expands as in the whole tree.
    let root = tree(text);
    let whole = expand(&root);
    for ls in ["l2", "l3"] {
        let alone = expand_at(&root, &ls_path(ls)).unwrap();
        assert_eq!(Some(&alone), whole.at(&ls_path(ls)), "{ls}");
    }
    assert!(expand_at(&root, &ls_path("l9")).is_none());
}

#[test]
fn without_groups_nothing_is_copied() {
    let root = tree("interfaces { eth1 { mtu 1500; } }");
    assert!(matches!(expand(&root), std::borrow::Cow::Borrowed(_)));
    assert!(!groups::has_groups(&root));
}

#[test]
fn apply_groups_is_taken_at_every_level_but_not_inside_groups() {
    for line in [
        "apply-groups g",
        "interfaces apply-groups g",
        "interfaces eth1 apply-groups g",
        "interfaces eth1 unit 0 apply-groups-except g",
        "logical-systems l2 apply-groups g",
        "routing-instances R apply-groups g",
        "protocols bgp apply-groups g",
        "protocols bgp group G apply-groups g",
        "protocols bgp group G neighbor 10.0.0.1 apply-groups g",
        "policy-options apply-groups g",
        "policy-options policy-statement P term t then apply-groups g",
        "system apply-groups g",
        "system login apply-groups g",
        "routing-options static route 10.0.0.0/8 apply-groups g",
    ] {
        let r = set::read(&format!("set {line}\n"), ROOT);
        assert!(r.is_ok(), "{line}: {:?}", r.err());
    }
    for line in [
        "apply-groups-except g",
        "groups h apply-groups g",
        "groups h interfaces eth1 apply-groups g",
        "logical-systems apply-groups g",
        "interfaces eth1 unit 0 vlan-tags apply-groups g",
        "routing-instances R interface irb.4 apply-groups g",
    ] {
        assert!(
            set::read(&format!("set {line}\n"), ROOT).is_err(),
            "{line} should be refused"
        );
    }
}

const ROUND_TRIP: &str = r#"
groups {
    jumbo {
        interfaces {
            <*> {
                mtu 9000;
            }
            "<eth[0-3]>" {
                unit <*> {
                    description "a unit";
                }
            }
        }
        logical-systems {
            <l*> {
                routing-instances {
                    <*> {
                        routing-options {
                            static {
                                route 0.0.0.0/0 discard;
                            }
                        }
                    }
                }
            }
        }
    }
    inactive: parked {
        system {
            host-name parked;
        }
    }
}
apply-groups [ jumbo parked ];
interfaces {
    eth1 {
        apply-groups-except jumbo;
        unit 0;
    }
}
"#;

#[test]
fn configurations_with_groups_round_trip() {
    let root = tree(ROUND_TRIP);
    let text = print::curly(&root);
    assert_eq!(tree(&text), root, "curly:\n{text}");
    assert!(text.contains("\"<eth[0-3]>\" {"), "{text}");
    let lines = print::set_lines(&root, &[]).join("\n");
    assert!(
        lines.contains("set groups jumbo interfaces <*> mtu 9000"),
        "{lines}"
    );
    let mut back = set::read(&lines, ROOT).unwrap();
    // Set form does not carry annotations; there are none here.
    back.annotation = None;
    assert_eq!(back, root, "set:\n{lines}");
    let j = json::to_json_document(&root);
    assert_eq!(
        json::from_json(&j, ROOT).unwrap(),
        root,
        "json:\n{}",
        serde_json::to_string_pretty(&j).unwrap()
    );
}

#[test]
fn the_typed_view_reads_the_expansion() {
    let text = format!(
        "{JUMBO}
groups {{ timers {{ logical-systems {{ <*> {{ protocols {{ bgp {{ group <*> {{ hold-time 30; }} }} }} }} }} }} }}
apply-groups [ jumbo timers ];
system {{ login {{ class t2 {{ logical-system l2; permissions all; }} user u2 {{ class t2; }} }} }}
interfaces {{ eth1; }}
logical-systems {{ l2 {{ protocols {{ bgp {{ group aws {{ type external; peer-as 64512; neighbor 10.0.0.1; }} }} }} }} }}
"
    );
    let root = tree(&text);
    let intent = typed::intent(&root).unwrap();
    let eth1 = intent
        .root
        .interfaces
        .iter()
        .find(|i| i.name == "eth1")
        .unwrap();
    assert_eq!(eth1.mtu, Some(9000));
    let l2 = &intent.logical_systems["l2"];
    let aws = l2.bgp.groups.iter().find(|g| g.name == "aws").unwrap();
    assert_eq!(aws.settings.hold_time, Some(30));
    // A logical system expanded alone gives the same typed scope.
    let alone = typed::scope(&expand_at(&root, &ls_path("l2")).unwrap()).unwrap();
    assert_eq!(&alone, l2);
    // Logins from a group count too (Junos' re0/re1 groups hold system settings).
    let root = tree(
        "groups { users { system { login { user u9 { class super-user; } } } } } apply-groups users;",
    );
    assert!(typed::logins(&root).resolve("u9").is_some());
}

#[test]
fn inherited_statements_are_checked_where_they_land() {
    // The group's next hop is of the wrong family for the route it reaches (a wildcard), and
    // the error names the route where it is inherited.
    let text = "
groups { nh { routing-options { static { route <10.*> { next-hop 2001:db8::1; } } } } }
routing-options { apply-groups nh; static { route 10.0.0.0/8 discard; route 10.1.0.0/16; } }
";
    let e = validate(&tree(text)).unwrap_err().to_string();
    assert!(
        e.starts_with(
            "[edit routing-options static route 10.1.0.0/16]\n  'next-hop 2001:db8::1'\n"
        ),
        "{e}"
    );
    assert!(!e.contains("10.0.0.0/8"), "its own discard wins: {e}");
    // A group's own statements are not checked until applied.
    let unapplied = validate(&tree(&text.replace("apply-groups nh;", "")));
    assert!(
        unapplied
            .as_ref()
            .map_or_else(|e| !e.to_string().contains("2001:db8::1"), |_| true),
        "{unapplied:?}"
    );
    // References into groups must name configured groups.
    let e = validate(&tree(
        "groups { a { system { host-name a; } } } apply-groups [ a b ]; interfaces { eth1 { apply-groups-except c; } }",
    ))
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "[edit]\n  'apply-groups b'\n    Referenced group b is not defined\n\
         [edit interfaces eth1]\n  'apply-groups-except c'\n    Referenced group c is not defined\n\
         error: configuration check-out failed"
    );
}

#[test]
fn a_tenants_check_sees_what_the_operator_applies() {
    let text = "
groups { t { logical-systems { <*> { routing-options { autonomous-system 65000; } } } } }
apply-groups t;
interfaces { eth1 { flexible-vlan-tagging; } }
logical-systems {
    l2 {
        interfaces { irb { unit 4 { family inet { address 10.0.0.0/24; } } } }
        protocols { bgp { group ibgp { type internal; neighbor 10.0.0.1 { peer-as 65001; } } } }
    }
}
";
    let e = validate_scope(&tree(text), Some("l2"))
        .unwrap_err()
        .relative_to(&["logical-systems".into(), "l2".into()])
        .to_string();
    assert!(
        e.contains("internal peer has peer-as 65001, not the local AS 65000"),
        "{e}"
    );
}

#[test]
fn a_wildcard_group_does_not_give_a_tenant_ports() {
    // The operator's group sets an operator-only statement on every interface of every
    // logical system; that does not make a port the tenant named the operator's.
    let text = "
groups { d { logical-systems { <*> { interfaces { <*> { description managed; } } } } } }
apply-groups d;
logical-systems { l2 { interfaces { ifb0 { unit 0 { family inet { address 10.0.0.0/31; } } } } } }
";
    let e = validate(&tree(text)).unwrap_err().to_string();
    assert!(
        e.contains("interface ifb0 is not available in this logical system"),
        "{e}"
    );
    // Only what the operator writes in the logical system (or configures at the top) counts,
    // a group naming the port included: a group is lent to many logical systems at once.
    let named = text.replace("<*> { description", "ifb0 { description");
    assert!(validate(&tree(&named)).is_err());
    let written = text.replace("ifb0 { unit 0", "ifb0 { description mine; unit 0");
    assert!(validate(&tree(&written)).is_ok(), "{written}");
}

fn seed_with_groups() -> Node {
    let mut root = tree(include_str!("fixtures/seed.conf"));
    let extra = tree(
        "groups { g { logical-systems { <*> { routing-options { router-id 10.9.9.9; } } } } } apply-groups g;",
    );
    lsys_grammar::edit::merge(&mut root, extra);
    root
}

#[test]
fn completion_offers_the_configured_groups() {
    let root = seed_with_groups();
    let op = View::operator();
    let ctx = lsys_grammar::complete::ConfigContext {
        root: &root,
        view: &op,
        edit: &[],
    };
    for line in [
        "set apply-groups ",
        "set interfaces eth1 apply-groups-except ",
    ] {
        let rows = lsys_grammar::complete::line(line, lsys_grammar::cli::Mode::Configuration, &ctx)
            .render();
        assert!(
            rows.lines()
                .any(|l| l.trim_start().starts_with("g ") || l.trim() == "g"),
            "{line}: {rows}"
        );
    }
}

#[test]
fn a_tenant_neither_sees_nor_applies_groups() {
    let mut root = seed_with_groups();
    let before = root.clone();
    let v = View::tenant("l2");
    // Its part of the tree holds no groups; `groups` cannot even be named.
    let scope = print::curly(v.scope(&root).unwrap());
    assert!(!scope.contains("groups"), "{scope}");
    let e = set_words(
        &v,
        &mut root,
        &[],
        &Word::split("groups mine system host-name x"),
        Match::Exact,
    )
    .unwrap_err();
    assert!(matches!(e, ViewError::Path(_)), "{e}");
    for line in [
        "apply-groups g",
        "interfaces irb apply-groups g",
        "routing-options apply-groups-except g",
    ] {
        let e = set_words(&v, &mut root, &[], &Word::split(line), Match::Exact).unwrap_err();
        assert!(
            matches!(e, ViewError::Edit(EditError::OperatorOnly(_))),
            "{line}: {e}"
        );
        assert_eq!(root, before, "{line} left a change behind");
    }
    // Completion does not offer them.
    let ctx = lsys_grammar::complete::ConfigContext {
        root: &root,
        view: &v,
        edit: &[],
    };
    let rows = lsys_grammar::complete::line(
        "set interfaces irb ",
        lsys_grammar::cli::Mode::Configuration,
        &ctx,
    )
    .render();
    assert!(!rows.contains("apply-groups"), "{rows}");
    // The operator applies one in the tenant's logical system: the tenant sees it, read-only.
    let op = View::operator();
    set_words(
        &op,
        &mut root,
        &[],
        &Word::split("logical-systems l2 apply-groups g"),
        Match::Exact,
    )
    .unwrap();
    let scope = print::curly(v.scope(&root).unwrap());
    assert!(scope.starts_with("apply-groups g;\n"), "{scope}");
    let t = v
        .resolve(
            &[],
            &Word::split("apply-groups"),
            Match::Exact,
            Values::Optional,
        )
        .unwrap();
    let e = v
        .edit(&mut root, |r, b| lsys_grammar::edit::delete(r, b, &t[0]))
        .unwrap_err();
    assert!(matches!(e, EditError::OperatorOnly(_)), "{e}");
}

#[test]
fn a_tenants_inheritance_shows_its_logical_system_only() {
    let root = seed_with_groups();
    let ctx = groups::context(&root, "l2", root.at(&ls_path("l2")).unwrap().clone());
    let out = inheritance(&ctx, &ls_path("l2"), true);
    assert!(
        out.contains("## '10.9.9.9' was inherited from group 'g'\n"),
        "{out}"
    );
    assert!(!out.contains("groups {"), "{out}");
    assert!(!out.contains("logical-systems"), "{out}");
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/groups")
}

fn check(path: &Path, actual: &str, bless: bool, failures: &mut Vec<String>) {
    if bless {
        fs::write(path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        failures.push(format!(
            "{} differs (LSYS_BLESS=1 to rewrite)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        ));
    }
}

#[test]
fn golden_inheritance() {
    let bless = std::env::var("LSYS_BLESS").is_ok_and(|v| v == "1");
    let mut cases: Vec<PathBuf> = fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 3, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for conf in &cases {
        let root = tree(&fs::read_to_string(conf).unwrap());
        let shown = inheritance(&root, &[], true);
        // Without its comment lines it reads back as the configuration plus what it inherits.
        let plain: String = shown
            .lines()
            .filter(|l| !l.trim_start().starts_with("##"))
            .map(|l| format!("{l}\n"))
            .collect();
        let want = expand(&root).into_owned();
        let back = expand(&tree(&plain)).into_owned();
        // `no-comments` is exactly that; `brief` has one `##` line where the block had three.
        assert_eq!(inheritance_with(&root, &[], true, Notes::None), plain);
        let brief = inheritance_with(&root, &[], true, Notes::Brief);
        let full_notes = shown
            .lines()
            .filter(|l| l.trim_start().starts_with("## '"))
            .count();
        assert_eq!(brief.lines().filter(|l| l.trim() == "##").count(), 0);
        assert_eq!(brief.lines().count(), plain.lines().count() + full_notes);
        check(&conf.with_extension("brief"), &brief, bless, &mut failures);
        assert_eq!(
            back,
            want,
            "{}: inheritance reads back differently",
            conf.display()
        );
        check(
            &conf.with_extension("inheritance"),
            &shown,
            bless,
            &mut failures,
        );
        check(
            &conf.with_extension("expanded"),
            &print::curly(&expand(&root)),
            bless,
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
