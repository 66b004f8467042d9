//! Loading files as devices save them (tests/fixtures/load/): a `version` line, `#` comments,
//! a byte-order mark, CRLF line ends, annotations and tags read as is; statements lsys does not
//! have are left out and listed once; every error is reported with its line and column, and a
//! load with any error changes nothing.

use std::path::PathBuf;
use std::process::Command;

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{curly, print, set, Ignored, TextErrors};
use lsys_grammar::tree::Node;
use lsys_grammar::view::{LoadError, LoadMode, View};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/load")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text as a Windows editor would save it: a byte-order mark and CRLF line ends.
fn windows(text: &str) -> String {
    format!("\u{feff}{}", text.replace('\n', "\r\n"))
}

fn ignored_paths(ignored: &Ignored) -> Vec<(usize, &str)> {
    ignored
        .listed()
        .iter()
        .map(|s| (s.line, s.path.as_str()))
        .collect()
}

fn errors(e: &TextErrors) -> Vec<(usize, usize, &str)> {
    e.listed()
        .iter()
        .map(|e| (e.line, e.col, e.message.as_str()))
        .collect()
}

/// Statements outside lsys's hierarchies, which no schema change is expected to add.
/// (The Junos port `ge-0/0/0` loads: the file maps it to a Linux device with `linux-name`.)
const OUT_OF_SCOPE: [(usize, &str); 4] = [
    (9, "system services"),
    (17, "system syslog"),
    (26, "chassis"),
    (62, "snmp"),
];

#[test]
fn a_device_file_loads_whole_and_lists_what_lsys_does_not_have() {
    let text = fixture("device.conf");
    let (tree, ignored) = curly::read_lenient(&text, ROOT).unwrap_or_else(|e| panic!("{e}"));
    let listed = ignored_paths(&ignored);
    for want in OUT_OF_SCOPE {
        assert!(listed.contains(&want), "{want:?} not in {listed:?}");
    }
    assert!(
        !listed.iter().any(|(_, p)| p.starts_with("version")),
        "version is read past silently: {listed:?}"
    );
    // Everything lsys has was applied, tags and annotations included.
    let shown = print::curly(&tree);
    for want in [
        "host-name pe1;",
        "flexible-vlan-tagging;",
        "vlan-id 100;",
        "address 10.100.0.1/24;",
        "route 0.0.0.0/0 next-hop 10.100.0.254;",
        "/* route reflector */\n            neighbor 10.100.0.2;",
        "routing-interface irb.100;",
        "inactive: routing-instances {",
        "instance-type virtual-router;",
        "ge-0/0/0 {\n        description \"uplink to the core\";\n        linux-name eth2;",
        "interface ge-0/0/0.0;",
    ] {
        assert!(shown.contains(want), "{want:?} missing from\n{shown}");
    }
    for absent in ["version", "chassis", "snmp", "SECRET", "services"] {
        assert!(!shown.contains(absent), "{absent:?} in\n{shown}");
    }
    // The same file saved by a Windows editor reads the same.
    let (again, ignored_again) =
        curly::read_lenient(&windows(&text), ROOT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, tree);
    assert_eq!(ignored_paths(&ignored_again), listed);
    // The warning lists each statement once, by line.
    let warning = ignored.render(None);
    assert!(
        warning.starts_with("warning: statements not supported by lsys were ignored:\n"),
        "{warning}"
    );
    assert!(warning.contains("\n  line 26: chassis\n"), "{warning}");
    assert_eq!(warning.matches("chassis").count(), 1, "{warning}");
}

#[test]
fn a_quoted_version_is_read_past_too() {
    let (tree, ignored) =
        curly::read_lenient("version \"20.2R1.10\";\nsystem { host-name r1; }\n", ROOT).unwrap();
    assert!(ignored.is_empty(), "{ignored:?}");
    assert_eq!(print::curly(&tree), "system {\n    host-name r1;\n}\n");
    // The strict reader (the datastore's own text) reads past it as well.
    assert_eq!(
        curly::read("version 21.4R3-S5.4;\nsystem { host-name r1; }", ROOT).unwrap(),
        tree
    );
}

#[test]
fn a_set_file_with_a_header_loads_and_groups_repeated_paths() {
    let text = fixture("device.set");
    for text in [text.clone(), windows(&text)] {
        let (tree, ignored) = set::read_lenient(&text, ROOT).unwrap_or_else(|e| panic!("{e}"));
        let shown = print::set_lines(&tree, &[]).join("\n");
        assert!(shown.contains("set system host-name pe1"), "{shown}");
        assert!(
            shown.contains("set interfaces eth1 unit 100 vlan-id 100"),
            "{shown}"
        );
        assert!(!shown.contains("version"), "{shown}");
        let listed: Vec<(usize, &str, usize)> = ignored
            .listed()
            .iter()
            .map(|s| (s.line, s.path.as_str(), s.count))
            .collect();
        assert_eq!(
            listed,
            [
                (6, "system services", 2),
                (8, "chassis", 1),
                (13, "snmp", 3),
            ]
        );
        assert_eq!(ignored.total(), 6);
        assert!(shown.contains("set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/31"));
        assert!(
            ignored
                .render(None)
                .contains("\n  line 13: snmp (3 statements)\n"),
            "{}",
            ignored.render(None)
        );
    }
}

#[test]
fn every_error_is_reported_with_line_and_column() {
    let e = curly::read_lenient(&fixture("three-errors.conf"), ROOT).unwrap_err();
    let found = errors(&e);
    assert_eq!(found.len(), 3, "{e}");
    assert_eq!((found[0].0, found[0].1), (10, 13));
    assert!(
        found[0]
            .2
            .starts_with("syntax error at 'vlan-idd', expecting one of: description, "),
        "{}",
        found[0].2
    );
    assert!(found[0].2.contains("vlan-id, vlan-tags"), "{}", found[0].2);
    assert_eq!(
        found[1],
        (
            13,
            21,
            "invalid value '5000' for vlan-id: value 5000 is not within range (1..4094)"
        )
    );
    assert_eq!(
        found[2],
        (18, 26, "syntax error at ']', expecting ';' or '{'")
    );
    // Rendered for the user: one line each, naming the file.
    let shown = e.render("/tmp/x.conf");
    assert!(
        shown.starts_with("error: /tmp/x.conf:10:13: syntax error at 'vlan-idd'"),
        "{shown}"
    );
    assert!(
        shown.contains("\nerror: /tmp/x.conf:18:26: syntax error at ']', expecting ';' or '{'\n"),
        "{shown}"
    );
    // Set form: each line is read on its own.
    let e = set::read_lenient(
        "set system host-name r1\nset interfaces eth1 unit 1 vlan-id 0\nsett system\nset routing-options router-id\n",
        ROOT,
    )
    .unwrap_err();
    assert_eq!(
        errors(&e),
        [
            (
                2,
                36,
                "invalid value '0' for vlan-id: value 0 is not within range (1..4094)"
            ),
            (
                3,
                1,
                "syntax error at 'sett', expecting one of: set, delete, activate, deactivate, insert"
            ),
            (
                4,
                21,
                "missing argument after 'router-id', expecting <address>"
            ),
        ]
    );
}

#[test]
fn a_load_with_one_error_changes_nothing() {
    let seed = curly::read(&fixture("device.conf").replace("protect: ", ""), ROOT);
    // The strict reader refuses the device file (it has statements lsys does not have)...
    let e = seed.unwrap_err();
    assert!(e.message.starts_with("syntax error at '"), "{e}");
    // ... so start from what the lenient one read.
    let (mut root, _) = curly::read_lenient(&fixture("device.conf"), ROOT).unwrap();
    let before = root.clone();
    let e = View::operator()
        .load(
            &mut root,
            &[],
            LoadMode::Merge,
            &fixture("one-error.conf"),
            false,
        )
        .unwrap_err();
    let LoadError::Text(e) = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        errors(&e),
        [(
            13,
            21,
            "invalid value '4095' for vlan-id: value 4095 is not within range (1..4094)"
        )]
    );
    assert_eq!(root, before, "a failed load left changes behind");
    // Without the error the same file loads.
    let fixed = fixture("one-error.conf").replace("4095", "300");
    View::operator()
        .load(&mut root, &[], LoadMode::Merge, &fixed, false)
        .unwrap();
    assert!(print::curly(&root).contains("host-name changed-by-the-load;"));
}

#[test]
fn syntax_errors_recover_and_are_bounded() {
    // An unclosed block, a stray brace and an unclosed string: each reported once.
    let e =
        curly::read_lenient("system { host-name r1; }\n}\nprotocols { bgp {\n", ROOT).unwrap_err();
    assert_eq!(
        errors(&e),
        [
            (2, 1, "syntax error at '}', there is no '{' to close"),
            (
                4,
                1,
                "syntax error at end of text, expecting '}' to close the '{' of line 3"
            ),
        ]
    );
    let e = curly::read_lenient("system { host-name \"r1; }\n", ROOT).unwrap_err();
    assert_eq!(
        errors(&e),
        [(1, 20, "syntax error, missing '\"' to close the string")]
    );
    // 60 bad values: 50 listed, the rest counted.
    let text: String = (0..60)
        .map(|i| format!("interfaces {{ eth1 {{ unit {i} {{ vlan-id 9999; }} }} }}\n"))
        .collect();
    let e = curly::read_lenient(&text, ROOT).unwrap_err();
    assert_eq!(e.len(), 60);
    assert_eq!(e.listed().len(), TextErrors::LIMIT);
    assert_eq!(e.listed()[49].line, 50);
    assert!(
        e.render("f").ends_with("error: ... and 10 more errors\n"),
        "{}",
        e.render("f")
    );
    // Hostile nesting is refused, not a stack overflow.
    let deep = format!("{}{}", "a {".repeat(100_000), "}".repeat(100_000));
    let e = curly::read_lenient(&deep, ROOT).unwrap_err();
    assert!(
        e.listed()
            .iter()
            .any(|e| e.message.contains("nested deeper than")),
        "{e}"
    );
}

#[test]
fn unknown_statements_are_errors_for_the_strict_reader_and_for_typing_errors() {
    let e = curly::read("chassis { fpc 0; }", ROOT).unwrap_err();
    assert!(
        e.message
            .starts_with("syntax error at 'chassis', expecting one of: "),
        "{e}"
    );
    assert!(
        e.message.contains("system, logical-systems, interfaces"),
        "{e}"
    );
    // A keyword one letter off one that exists is a typing error, not a Junos statement.
    let e =
        curly::read_lenient("protocol { bgp { group g { type internal; } } }", ROOT).unwrap_err();
    assert!(
        e.first()
            .unwrap()
            .message
            .starts_with("syntax error at 'protocol', expecting one of: "),
        "{e}"
    );
    // A Junos statement below a flag lsys has (`unicast { prefix-limit ... }`) is left out; the
    // flag is kept.
    let (tree, ignored) = curly::read_lenient(
        "protocols { bgp { group g { family inet { unicast { bogus-knob 5; } } } } }",
        ROOT,
    )
    .unwrap();
    assert!(print::curly(&tree).contains("unicast;"));
    assert_eq!(
        ignored_paths(&ignored),
        [(1, "protocols bgp group g family inet unicast bogus-knob")]
    );
}

#[test]
fn lsys_config_reads_device_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lsys-config"))
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("run lsys-config")
    };
    let out = run(&["show", "device.set", "set"]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("set system host-name pe1\n"), "{stdout}");
    assert!(
        stderr.starts_with("warning: device.set: statements not supported by lsys were ignored:\n"),
        "{stderr}"
    );
    assert!(stderr.contains("  line 8: chassis\n"), "{stderr}");
    let out = run(&["show", "device.conf"]);
    assert!(out.status.success(), "{out:?}");
    let out = run(&["check", "device.conf"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "configuration check succeeds\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("  line 26: chassis\n"));
    let out = run(&["check", "three-errors.conf"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    assert!(lines[0].starts_with("error: three-errors.conf:10:13: syntax error at 'vlan-idd'"));
    assert!(lines[1].starts_with("error: three-errors.conf:13:21: invalid value '5000'"));
    assert!(lines[2].starts_with("error: three-errors.conf:18:26: syntax error at ']'"));
    assert_eq!(lines[3], "error: 3 errors in three-errors.conf");
}

#[test]
fn what_the_lenient_reader_reads_the_strict_one_reads_back() {
    let (tree, _) = curly::read_lenient(&fixture("device.conf"), ROOT).unwrap();
    let printed = print::curly(&tree);
    let again: Node = curly::read(&printed, ROOT).unwrap_or_else(|e| panic!("{e}\n{printed}"));
    assert_eq!(again, tree);
}

mod no_panics {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of curly and set text, glued at random: braces, quotes, comments, tags, CR.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ";",
            "\"",
            "\\",
            "/*",
            "*/",
            "#",
            "\n",
            "\r\n",
            " ",
            "(",
            "inactive: ",
            "protect:",
            "version",
            "set ",
            "delete ",
            "system",
            "host-name",
            "interfaces",
            "eth1",
            "unit",
            "4",
            "vlan-id",
            "chassis",
            "ge-0/0/0",
            "\u{feff}",
            "é",
        ])
    }

    proptest! {
        #[test]
        fn readers_never_panic(pieces in prop::collection::vec(piece(), 0..60)) {
            let text: String = pieces.concat();
            let lenient = curly::read_lenient(&text, ROOT);
            let strict = curly::read(&text, ROOT);
            // The strict reader accepts no more than the lenient one.
            if let Ok(tree) = &strict {
                prop_assert_eq!(&lenient.as_ref().map(|(t, _)| t.clone()).ok(), &Some(tree.clone()));
            }
            if let Err(e) = &lenient {
                prop_assert!(!e.is_empty() && e.listed().len() <= TextErrors::LIMIT);
            }
            let _ = set::read_lenient(&text, ROOT);
            let _ = set::read(&text, ROOT);
        }
    }
}
