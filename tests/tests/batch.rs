//! Batches against a real lsysd: exit codes, a failing batch commits nothing and leaves no
//! candidate behind, and a batch never commits someone else's half-made changes.

use std::io::Write;
use std::process::{Command, Stdio};

use lsys_tests::{bin, Lab};

#[test]
fn success_and_failure_exit_codes() {
    let lab = Lab::start();
    let r = lab.operator("configure; set system host-name r1; commit");
    assert_eq!(
        (r.status, r.stdout.as_str()),
        (0, "Entering configuration mode\ncommit complete\n"),
        "{r:?}"
    );
    // A syntax error stops the batch with 1; the commit after it never runs.
    let r = lab.operator(
        "configure; set routing-options router-id 10.1.1.1; set routing-options bogus 1; commit",
    );
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("syntax error."), "{r:?}");
    assert!(!r.stdout.contains("commit complete"), "{r:?}");
    // A failing commit check stops it too.
    let r = lab.operator("configure; set protocols bgp group g type external; set protocols bgp group g neighbor 10.9.9.9; commit");
    assert_eq!(r.status, 1, "{r:?}");
    assert!(
        r.stderr
            .ends_with("error: configuration check-out failed\n"),
        "{r:?}"
    );
    // Nothing of either reached the running configuration, and no candidate is left behind.
    let r = lab.operator("show configuration | display set");
    assert_eq!(r.stdout, "set system host-name r1\n", "{r:?}");
    let r = lab.operator("configure; show | compare");
    assert_eq!(
        (r.status, r.stdout.as_str()),
        (0, "Entering configuration mode\n"),
        "{r:?}"
    );
    let r = lab.operator("show system commit");
    assert_eq!(r.stdout.lines().count(), 1, "one commit only: {r:?}");
    assert!(r.stdout.contains("via batch"), "{r:?}");
}

#[test]
fn unreachable_daemon_and_usage_errors_exit_2() {
    let r = Command::new(bin("lsys"))
        .args(["--socket", "/nonexistent/lsysd.sock", "-c", "show version"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.starts_with("error: cannot reach lsysd at /nonexistent/lsysd.sock"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let r = Command::new(bin("lsys"))
        .args(["--bogus"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
}

#[test]
fn stdin_batch_and_echo() {
    let lab = Lab::start();
    let mut child = Command::new(bin("lsys"))
        .arg("--socket")
        .arg(&lab.socket)
        .arg("--echo")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"# a comment\nconfigure\nset system host-name from-stdin\n\ncommit and-quit\nshow configuration system | match host\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("> configure\n"), "{text}");
    assert!(
        text.contains("\n[edit]\nroot@"),
        "banner before the # prompt: {text}"
    );
    assert!(
        text.contains("commit complete\nExiting configuration mode\n"),
        "{text}"
    );
    assert!(
        text.ends_with("> show configuration system | match host\nhost-name from-stdin;\n"),
        "{text}"
    );
}

#[test]
fn a_batch_never_commits_someone_elses_half_made_change() {
    use lsys_protocol::{self as proto, Client, Request, Response};
    let lab = Lab::start();
    // An interactive editor (shared candidate) makes a change and does not commit it.
    let mut editor = std::os::unix::net::UnixStream::connect(&lab.socket).unwrap();
    proto::hello(&mut editor, Client::Cli).expect("welcome");
    let mut say = |id: u64, line: &str| {
        proto::write(
            &mut editor,
            &Request::Execute {
                id,
                line: line.into(),
            },
        )
        .unwrap();
        loop {
            if let Response::Done { ok, .. } = proto::read::<Response>(&mut editor).unwrap() {
                assert!(ok, "{line}");
                break;
            }
        }
    };
    say(1, "configure");
    say(2, "set system host-name half-made");
    // A batch commits its own change only.
    let r = lab.operator("configure; set routing-options router-id 10.0.0.9; commit");
    assert!(r.ok(), "{r:?}");
    let r = lab.operator("show configuration | display set");
    assert_eq!(
        r.stdout, "set routing-options router-id 10.0.0.9\n",
        "{r:?}"
    );
    // The interactive editor still has its change pending in the shared candidate.
    say(3, "show | compare");
    let r = lab.operator("configure; show | compare");
    assert!(
        r.stdout
            .contains("Users currently editing the configuration:"),
        "{r:?}"
    );
    assert!(
        !r.stdout.contains("half-made"),
        "a batch sees only its private copy: {r:?}"
    );
}
