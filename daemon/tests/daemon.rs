//! lsysd end to end over its socket (as the operator: the test runs as root).

mod common;

use common::{seed_set_lines, Daemon};

#[test]
fn configure_set_commit_show() {
    let d = Daemon::start();
    let mut c = d.connect();
    assert!(c.prompt.line().ends_with("> "), "{:?}", c.prompt);
    let out = c.ok("configure");
    assert!(out.contains("Entering configuration mode"), "{out}");
    assert_eq!(c.prompt.banner.as_deref(), Some("[edit]"));
    for l in seed_set_lines() {
        c.ok(&l);
    }
    let cmp = c.ok("show | compare");
    assert!(cmp.starts_with("[edit]\n+  system {"), "{cmp}");
    c.ok("commit check");
    assert_eq!(c.ok("commit comment \"seed\""), "commit complete\n");
    assert_eq!(c.ok("show | compare"), "");
    assert!(c.prompt.head.ends_with("@nxp-fra-01"), "{:?}", c.prompt);
    c.ok("edit logical-systems l2 routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8 protocols bgp");
    assert_eq!(
        c.prompt.banner.as_deref(),
        Some("[edit logical-systems l2 routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8 protocols bgp]")
    );
    let show = c.ok("show group aws");
    assert!(show.contains("peer-as 64512;"), "{show}");
    assert!(
        show.contains("## SECRET-DATA") && !show.contains("abcdefgh"),
        "{show}"
    );
    c.ok("up 2");
    assert_eq!(
        c.prompt.banner.as_deref(),
        Some("[edit logical-systems l2 routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8]")
    );
    c.ok("exit");
    assert_eq!(
        c.prompt.banner.as_deref(),
        Some("[edit]"),
        "exit retraces the edit"
    );
    c.ok("edit protocols");
    c.ok("top");
    assert_eq!(c.prompt.banner.as_deref(), Some("[edit]"));
    assert_eq!(c.ok("exit"), "Exiting configuration mode\n");
    let conf = c.ok("show configuration");
    assert!(conf.starts_with("## Last commit: "), "{conf}");
    let history = c.ok("show system commit");
    assert!(
        history.starts_with("0   ") && history.contains("via cli\n    seed\n"),
        "{history}"
    );
    let set = c.ok("show configuration routing-options | display set");
    assert_eq!(set, "");
}

#[test]
fn errors_have_carets_and_junos_words() {
    let d = Daemon::start();
    let mut c = d.connect();
    let o = c.run("show rute");
    assert_eq!(
        (o.error.as_deref(), o.caret),
        (Some("syntax error, expecting <command>."), Some(5))
    );
    let o = c.run("s");
    assert!(o
        .error
        .unwrap()
        .starts_with("'s' is ambiguous.\nPossible completions:"));
    c.ok("configure");
    let o = c.run("set interfaces eth1 unit 4 vlan-id 5000");
    assert_eq!(
        o.error.as_deref(),
        Some("value 5000 is not within range (1..4094) at '5000'")
    );
    assert_eq!(o.caret, Some(35));
    c.ok("set protocols bgp group g type external");
    c.ok("set protocols bgp group g neighbor 10.0.0.1");
    let e = c.err("commit");
    assert!(e.ends_with("error: configuration check-out failed"), "{e}");
    assert!(e.contains("external peer requires peer-as"), "{e}");
    let o = c.run("delete protocols bgp group nope");
    assert_eq!(o.error.as_deref(), Some("warning: statement not found"));
    assert_eq!(c.ok("run show system commit"), "", "nothing was committed");
    let o = c.run("run show route");
    assert_eq!(
        o.error.as_deref(),
        Some("error: no dataplane: lsysd runs with --no-dataplane")
    );
}

#[test]
fn exit_with_uncommitted_changes_asks() {
    let d = Daemon::start();
    let mut c = d.connect();
    c.ok("configure");
    c.ok("set system host-name r1");
    let o = c.run("exit");
    assert_eq!(
        o.text,
        "The configuration has been changed but not committed\n"
    );
    assert_eq!(
        o.question.as_deref(),
        Some("Exit with uncommitted changes? [yes,no] (yes) ")
    );
    let o = c.answer(false);
    assert!(o.ok && c.prompt.banner.is_some());
    c.run("exit");
    let o = c.answer(true);
    assert_eq!(o.text, "Exiting configuration mode\n");
    assert!(c.prompt.banner.is_none());
    // The shared candidate keeps the change for the next editor.
    let o = c.ok("configure");
    assert!(
        o.contains("The configuration has been changed but not committed"),
        "{o}"
    );
    let o = c.run("delete");
    assert_eq!(
        o.question.as_deref(),
        Some("Delete everything under this level? [yes,no] (no) ")
    );
    c.answer(true);
    assert_eq!(c.ok("show"), "");
}

#[test]
fn rollback() {
    let d = Daemon::start();
    let mut c = d.connect();
    c.ok("configure");
    c.ok("set system host-name r1");
    c.ok("commit");
    c.ok("set system host-name r2");
    c.ok("commit");
    c.ok("rollback 1");
    assert!(c
        .ok("show | compare")
        .contains("-    host-name r2;\n+    host-name r1;"));
    c.ok("rollback");
    assert_eq!(c.ok("show | compare"), "");
    let o = c.ok("commit confirmed 2");
    assert_eq!(o, "commit confirmed will be automatically rolled back in 2 minutes unless confirmed\ncommit complete\n");
    let e = c.err("rollback 49");
    assert!(e.contains("rollback 49 does not exist"), "{e}");
}

#[test]
fn show_configuration_display_json_prints_json() {
    let d = Daemon::start();
    let mut c = d.connect();
    c.ok("configure");
    c.ok("set system host-name r1");
    c.ok("commit and-quit");
    let out = c.ok("show configuration | display json");
    let v: serde_json::Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(v["configuration"]["system"]["host-name"], "r1");
    let out = c.ok("show configuration system | display json");
    assert!(out.trim_start().starts_with('{'), "{out}");
}
