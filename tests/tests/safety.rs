//! Tenant safety, as hostile local users would try it: real Unix users, a real lsysd.
//! Each test is the regression test of one finding (numbers as in the issue).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use lsys_tests::{bin, ensure_user, two_tenants, Lab};

const T2: &str = "lsys-s2";
const T3: &str = "lsys-s3";
const VIEWER: &str = "lsys-viewer";

fn lab() -> Lab {
    for u in [T2, T3, VIEWER] {
        ensure_user(u);
    }
    let lab = Lab::start();
    lab.load(&two_tenants(T2, T3));
    lab
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// An open `lsys` session of `user` reading commands from a pipe, after its first command
/// (`show version`) answered: (the process, its stdin, its stdout).
fn open_session(
    lab: &Lab,
    user: &str,
) -> (
    std::process::Child,
    std::process::ChildStdin,
    BufReader<std::process::ChildStdout>,
) {
    let mut shell = Command::new("setpriv")
        .args([
            &format!("--reuid={user}"),
            &format!("--regid={user}"),
            "--init-groups",
        ])
        .arg(bin("lsys"))
        .arg("--socket")
        .arg(&lab.socket)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = shell.stdin.take().unwrap();
    let mut out = BufReader::new(shell.stdout.take().unwrap());
    writeln!(stdin, "show version").unwrap();
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("Hostname:"), "{line}");
    (shell, stdin, out)
}

#[test]
fn finding_1_state_is_private_to_root() {
    let lab = lab();
    let state = lab.dir.path().join("state");
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join("config.db")), 0o700);
    assert_eq!(mode(&state.join("config.db").join("lsys.redb")), 0o600);
    let r = Command::new("setpriv")
        .args([
            &format!("--reuid={T2}"),
            &format!("--regid={T2}"),
            "--init-groups",
        ])
        .arg("cat")
        .arg(state.join("config.db").join("lsys.redb"))
        .output()
        .unwrap();
    assert!(!r.status.success(), "a tenant read the store");
}

#[test]
fn finding_3_permissions_are_enforced() {
    let lab = lab();
    lab.load(&format!(
        "system {{ login {{ class ro {{ permissions view; }} user {VIEWER} {{ class ro; }} }} }}"
    ));
    let r = lab.user(VIEWER, "show version");
    assert!(r.ok(), "{r:?}");
    let r = lab.user(VIEWER, "configure");
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("permission denied"), "{r:?}");
    let r = lab.user(VIEWER, "show configuration");
    assert!(r.stderr.contains("permission denied"), "{r:?}");
    // A deactivated user does not log in.
    let r = lab.operator(&format!(
        "configure; deactivate system login user {VIEWER}; commit"
    ));
    assert!(r.ok(), "{r:?}");
    let r = lab.user(VIEWER, "show version");
    assert_eq!(r.status, 2, "{r:?}");
    assert!(r.stderr.contains("is not configured"), "{r:?}");
}

#[test]
fn finding_3_a_moved_user_loses_the_open_session() {
    let lab = lab();
    let (shell, mut stdin, mut out) = open_session(&lab, T2);
    // The operator moves the user to l3's class while its session is open.
    let r = lab.operator(&format!(
        "configure; set system login user {T2} class l3-tenant; commit"
    ));
    assert!(r.ok(), "{r:?}");
    writeln!(stdin, "show configuration").unwrap();
    drop(stdin);
    let o = shell.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("changed or removed"), "{err}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(
        !rest.contains("d87ed303"),
        "served with the old rights: {rest}"
    );
}

#[test]
fn finding_4_a_tenant_cannot_name_a_host_port() {
    let lab = lab();
    let r = lab.user(
        T2,
        "configure; set interfaces ifb0 unit 0 family inet address 10.9.9.1/24; commit",
    );
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("not available"), "{r:?}");
    assert!(!r.stderr.contains("l3"), "{r:?}");
    let r = lab.operator("show configuration logical-systems l2 interfaces");
    assert!(!r.stdout.contains("ifb0"), "{r:?}");
}

#[test]
fn finding_5_operator_only_flags_are_refused() {
    let lab = lab();
    let r = lab.user(T2, "configure; set interfaces eth7 flexible-vlan-tagging");
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("managed by the operator"), "{r:?}");
}

#[test]
fn finding_6_client_strings_cannot_inject_terminal_control() {
    let lab = lab();
    let mut s = std::os::unix::net::UnixStream::connect(&lab.socket).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let hello = lsys_protocol::Request::Hello {
        version: lsys_protocol::VERSION,
        client: lsys_protocol::Client::Cli,
        tty: Some("pts/1\u{1b}[2J\nroot   evil".into()),
    };
    lsys_protocol::write(&mut s, &hello).unwrap();
    let answer: Result<lsys_protocol::Response, _> = lsys_protocol::read(&mut s);
    assert!(
        matches!(answer, Ok(lsys_protocol::Response::Refused { .. })),
        "{answer:?}"
    );
    let r = lab.operator("show system users");
    assert!(
        !r.stdout.contains('\u{1b}') && !r.stdout.contains("evil"),
        "{r:?}"
    );
}

#[test]
fn finding_7_operator_comments_stay_the_operators() {
    let lab = lab();
    let r = lab.operator(
        "configure; set logical-systems l2 routing-options router-id 10.2.9.9; commit comment \"moving tenant to new hardware\"",
    );
    assert!(r.ok(), "{r:?}");
    let r = lab.user(T2, "show system commit");
    assert!(r.stdout.contains("by root"), "{r:?}");
    assert!(!r.stdout.contains("new hardware"), "{r:?}");
    let r = lab.operator("set cli logical-system l2; show system commit");
    assert!(r.stdout.contains("new hardware"), "{r:?}");
}

#[test]
fn finding_7_a_taken_unit_is_only_not_available() {
    let lab = lab();
    let r = lab.user(
        T3,
        "configure; set interfaces irb unit 4 family inet address 10.9.0.1/24; commit",
    );
    assert_eq!(r.status, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("Logical interface irb.4 is not available in this logical system"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("another logical system"), "{r:?}");
}

#[test]
fn finding_12_the_operator_bounds_a_class() {
    let lab = lab();
    lab.load(
        "system { login { class l2-tenant { lsys-limits { load-size 2048; sessions 1; } } } }",
    );
    let big = lab.dir.path().join("big.conf");
    let mut text = String::from("routing-options { static {\n");
    for i in 0..200 {
        text.push_str(&format!("route 10.1.{i}.0/24 discard;\n"));
    }
    text.push_str("} }\n");
    std::fs::write(&big, text).unwrap();
    std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = lab.user(T2, &format!("configure; load merge {}", big.display()));
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("text longer than 2048 bytes"), "{r:?}");
    // One session at a time: a second one is refused while the first is open.
    let (mut first, stdin, _out) = open_session(&lab, T2);
    let r = lab.user(T2, "show version");
    assert_eq!(r.status, 2, "{r:?}");
    assert!(r.stderr.contains("too many sessions"), "{r:?}");
    drop(stdin);
    first.wait().unwrap();
    // Root is never bounded by a class.
    assert!(lab.operator("show version").ok());
}
