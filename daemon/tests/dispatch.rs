//! Every command of the command schema has a handler: each container of `commands.schema`
//! (operational and configuration mode) needs a sample line here, and the sample must run
//! without "is not supported yet" unless the command is listed as not built yet. A command
//! added to the schema fails this test until it is handled (or listed, honestly).

mod common;

use common::inproc::Inproc;
use lsys_grammar::schema::{Kind, Schema};

/// Commands the schema has that say "is not supported yet" (none at the moment).
const NOT_YET: &[&str] = &[];

/// (canonical command, a line that runs it, configuration mode?)
const SAMPLES: &[(&str, &str, bool)] = &[
    ("clear", "clear cli logical-system", false),
    ("clear bgp", "clear bgp neighbor", false),
    ("clear bgp neighbor", "clear bgp neighbor soft", false),
    ("clear cli", "clear cli logical-system", false),
    ("configure", "configure", false),
    ("exit", "exit", false),
    ("help", "help", false),
    ("ping", "ping 192.0.2.1", false),
    ("quit", "quit", false),
    ("set", "set cli logical-system l2", false),
    ("set cli", "set cli logical-system l2", false),
    ("set cli", "set cli screen-length 0", false),
    ("set cli", "set cli screen-width 511", false),
    ("set cli", "set cli complete-on-space off", false),
    ("set cli", "set cli terminal vt100", false),
    ("set cli", "set cli idle-timeout 10", false),
    ("set cli timestamp", "set cli timestamp", false),
    ("set cli timestamp", "set cli timestamp disable", false),
    ("show", "show version", false),
    ("show arp", "show arp no-resolve", false),
    ("show bgp", "show bgp summary", false),
    ("show bgp group", "show bgp group aws", false),
    ("show bgp neighbor", "show bgp neighbor", false),
    ("show bgp summary", "show bgp summary", false),
    ("show configuration", "show configuration", false),
    ("show interfaces", "show interfaces terse", false),
    ("show route", "show route", false),
    (
        "show route forwarding-table",
        "show route forwarding-table",
        false,
    ),
    (
        "show route receive-protocol",
        "show route receive-protocol bgp 192.0.2.1",
        false,
    ),
    (
        "show route receive-protocol bgp",
        "show route receive-protocol bgp 192.0.2.1 hidden",
        false,
    ),
    (
        "show route advertising-protocol",
        "show route advertising-protocol bgp 192.0.2.1",
        false,
    ),
    (
        "show route advertising-protocol bgp",
        "show route advertising-protocol bgp 192.0.2.1",
        false,
    ),
    ("show system", "show system users", false),
    ("show system commit", "show system commit", false),
    ("show system users", "show system users", false),
    ("show system uptime", "show system uptime", false),
    ("show version", "show version", false),
    ("traceroute", "traceroute 192.0.2.1", false),
    ("activate", "activate system", true),
    ("annotate", "annotate system \"note\"", true),
    ("commit", "commit check", true),
    ("copy", "copy logical-systems l2 to l9", true),
    ("deactivate", "deactivate logical-systems l2", true),
    ("delete", "delete logical-systems l9", true),
    ("edit", "edit system", true),
    ("exit", "exit", true),
    ("help", "help", true),
    ("insert", "insert logical-systems l9 before l2", true),
    ("load", "load merge terminal", true),
    ("load merge", "load merge terminal", true),
    ("load override", "load override terminal", true),
    ("load replace", "load replace terminal", true),
    ("load set", "load set terminal", true),
    ("load merge terminal", "load merge terminal", true),
    ("load override terminal", "load override terminal", true),
    ("load replace terminal", "load replace terminal", true),
    ("load set terminal", "load set terminal", true),
    ("quit", "quit", true),
    ("rename", "rename logical-systems l2 to l8", true),
    ("rollback", "rollback 0", true),
    ("run", "run show version", true),
    ("set", "set system host-name r2", true),
    ("show", "show", true),
    ("status", "status", true),
    ("top", "top", true),
    ("up", "up", true),
];

/// Canonical names of every command container (lists fold into their parent's name).
fn commands(mode: &str) -> Vec<String> {
    let schema = Schema::commands();
    let top = schema
        .nodes()
        .iter()
        .find(|n| n.word == mode && n.parent.is_some_and(|p| schema.node(p).parent.is_none()))
        .expect("mode container");
    let mut out = Vec::new();
    let mut stack: Vec<(lsys_grammar::schema::SchemaId, Vec<String>)> =
        top.children.iter().map(|c| (*c, vec![])).collect();
    while let Some((id, mut path)) = stack.pop() {
        let n = schema.node(id);
        match n.kind {
            Kind::Container => path.push(n.word.clone()),
            Kind::List => {}
            _ => continue,
        }
        if n.kind == Kind::Container {
            out.push(path.join(" "));
        }
        for c in &n.children {
            stack.push((*c, path.clone()));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_command_has_a_handler() {
    for (mode, configuration) in [("operational", false), ("configuration", true)] {
        for name in commands(mode) {
            assert!(
                SAMPLES
                    .iter()
                    .any(|(n, _, c)| *n == name && *c == configuration),
                "{mode} command `{name}` has no sample here: give it a handler and a sample"
            );
        }
    }
    let mut d = Inproc::new(None);
    let mut root = d.root();
    d.ok(&mut root, "configure");
    d.ok(
        &mut root,
        "set logical-systems l2 routing-options autonomous-system 65002",
    );
    d.ok(&mut root, "commit");
    d.ok(&mut root, "exit");
    for (name, line, configuration) in SAMPLES {
        let mut s = d.root();
        if *configuration {
            d.ok(&mut s, "configure");
        }
        let r = lsysd::exec::execute(&d.core, &mut s, line);
        let e = r.error.as_deref().unwrap_or("");
        if NOT_YET.contains(name) && !configuration {
            // Without a kernel (this core has none) it says so first.
            assert!(
                e.contains("is not supported yet") || e.contains("--no-dataplane"),
                "`{line}` ({name}) is listed as not built yet but answered {r:?}"
            );
        } else {
            assert!(
                !e.contains("is not supported yet"),
                "`{line}` ({name}): {e}"
            );
        }
    }
}
