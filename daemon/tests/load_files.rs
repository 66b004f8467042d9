//! `load` of files as devices save them, in process: statements lsys does not have are listed
//! once before `load complete`; errors name the file, line and column, and change nothing.

mod common;

use common::inproc::Inproc;
use lsysd::exec::Reply;
use lsysd::session::Session;

const DEVICE: &str = include_str!("../../grammar/tests/fixtures/load/device.conf");
const THREE_ERRORS: &str = include_str!("../../grammar/tests/fixtures/load/three-errors.conf");

/// `load <how> FILE` of `text`, as the shell does it: the daemon asks for the text, the shell
/// reads the file and sends it.
fn load(d: &mut Inproc, s: &mut Session, how: &str, name: &str, text: &str) -> Reply {
    let file = d.dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let r = lsysd::exec::execute(&d.core, s, &format!("load {how} {}", file.display()));
    assert_eq!(r.read_text, Some(Some(file.display().to_string())), "{r:?}");
    lsysd::exec::text(&d.core, s, Ok(text.to_string()))
}

#[test]
fn load_merge_of_a_device_file_lists_what_was_ignored() {
    let mut d = Inproc::new(None);
    let mut root = d.root();
    d.ok(&mut root, "configure");
    // A byte-order mark and CRLF line ends, as a Windows editor saves it.
    let text = format!("\u{feff}{}", DEVICE.replace('\n', "\r\n"));
    let r = load(&mut d, &mut root, "merge", "pe1.conf", &text);
    assert!(r.error.is_none(), "{:?}", r.error);
    let out = r.output;
    assert!(
        out.starts_with("warning: statements not supported by lsys were ignored:\n"),
        "{out}"
    );
    for line in [
        "  line 9: system services\n",
        "  line 17: system syslog\n",
        "  line 26: chassis\n",
        "  line 62: snmp\n",
    ] {
        assert!(out.contains(line), "{line:?} missing from\n{out}");
    }
    let last = out.lines().last().unwrap_or("");
    let listed = out.lines().filter(|l| l.starts_with("  line ")).count();
    assert_eq!(
        last,
        format!("load complete ({listed} statements ignored)"),
        "{out}"
    );
    // What lsys has is in the candidate.
    let cmp = d.ok(&mut root, "show | compare");
    assert!(cmp.contains("host-name pe1;"), "{cmp}");
    assert!(cmp.contains("vlan-id 100;"), "{cmp}");
    // The Junos port loads, with the Linux device the file names for it.
    assert!(cmp.contains("linux-name eth2;"), "{cmp}");
    assert!(
        !cmp.contains("chassis") && !cmp.contains("version"),
        "{cmp}"
    );
}

#[test]
fn a_load_with_errors_lists_them_all_and_changes_nothing() {
    let mut d = Inproc::new(None);
    let mut root = d.root();
    d.ok(&mut root, "configure");
    d.ok(&mut root, "set system host-name before");
    let r = load(&mut d, &mut root, "merge", "x.conf", THREE_ERRORS);
    let e = r.error.expect("the load fails");
    let file = d.dir.path().join("x.conf").display().to_string();
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 4, "{e}");
    assert!(
        lines[0].starts_with(&format!(
            "error: {file}:10:13: syntax error at 'vlan-idd', expecting one of: "
        )),
        "{e}"
    );
    assert_eq!(
        lines[1],
        format!(
            "error: {file}:13:21: invalid value '5000' for vlan-id: value 5000 is not within range (1..4094)"
        )
    );
    assert_eq!(
        lines[2],
        format!("error: {file}:18:26: syntax error at ']', expecting ';' or '{{'")
    );
    assert_eq!(
        lines[3],
        "error: load failed: 3 errors, nothing was changed"
    );
    let shown = d.ok(&mut root, "show system");
    assert_eq!(shown, "host-name before;\n");
    // From the terminal, the errors name `terminal`.
    let r = lsysd::exec::execute(&d.core, &mut root, "load set terminal");
    assert_eq!(r.read_text, Some(None));
    let r = lsysd::exec::text(
        &d.core,
        &mut root,
        Ok("set system host-name after\nset system host-name\n".into()),
    );
    assert_eq!(
        r.error.as_deref(),
        Some(
            "error: terminal:2:12: missing argument after 'host-name', expecting <hostname>\n\
             error: load failed: 1 error, nothing was changed"
        )
    );
    assert_eq!(d.ok(&mut root, "show system"), "host-name before;\n");
}

#[test]
fn a_clean_load_says_only_load_complete() {
    let mut d = Inproc::new(None);
    let mut root = d.root();
    d.ok(&mut root, "configure");
    let r = load(
        &mut d,
        &mut root,
        "set",
        "s.set",
        "## Last changed: 2024-11-02\n\nset system host-name r9\n",
    );
    assert_eq!(r.error, None);
    assert_eq!(r.output, "load complete\n");
}
