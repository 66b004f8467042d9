//! Candidate kinds and their conflicts: private copies, the exclusive lock, the shared candidate.

mod common;

use common::Daemon;

#[test]
fn private_commit_after_someone_else_committed_is_refused() {
    let d = Daemon::start();
    let mut a = d.connect();
    let mut b = d.connect();
    let out = a.ok("configure private");
    assert_eq!(
        out,
        "warning: uncommitted changes will be discarded on exit\nEntering configuration mode\n"
    );
    b.ok("configure private");
    a.ok("set system host-name from-a");
    b.ok("set routing-options router-id 10.0.0.2");
    assert_eq!(b.ok("commit"), "commit complete\n");
    // a's copy predates b's commit.
    assert_eq!(a.err("commit"), "error: configuration database modified");
    // Starting over from the new running configuration works.
    a.run("exit");
    a.answer(true);
    a.ok("configure private");
    a.ok("set system host-name from-a");
    assert_eq!(a.ok("commit"), "commit complete\n");
    let conf = a.ok("run show configuration | display set");
    assert_eq!(
        conf,
        "set system host-name from-a\nset routing-options router-id 10.0.0.2\n"
    );
}

#[test]
fn private_is_refused_while_the_shared_candidate_has_changes() {
    let d = Daemon::start();
    let mut a = d.connect();
    let mut b = d.connect();
    a.ok("configure");
    a.ok("set system host-name pending");
    let e = b.err("configure private");
    assert!(
        e.contains("error: shared configuration database modified"),
        "{e}"
    );
    assert!(
        e.contains("Users currently editing the configuration:"),
        "{e}"
    );
}

#[test]
fn exclusive_lock_keeps_others_from_changing() {
    let d = Daemon::start();
    let mut a = d.connect();
    let mut b = d.connect();
    a.ok("configure exclusive");
    assert!(b
        .err("configure exclusive")
        .starts_with("error: configuration database locked by: root"));
    // Others may enter, but not change.
    b.ok("configure");
    assert!(b
        .err("set system host-name b")
        .starts_with("error: configuration database locked by: root"));
    a.ok("set system host-name a");
    a.ok("commit");
    // Leaving releases the lock (and discards what was not committed).
    a.ok("set system host-name uncommitted");
    a.run("exit");
    a.answer(true);
    b.ok("set system host-name b");
    assert!(b
        .ok("show | compare")
        .contains("-    host-name a;\n+    host-name b;"));
}

#[test]
fn a_vanished_exclusive_session_releases_its_lock() {
    let d = Daemon::start();
    let mut a = d.connect();
    a.ok("configure exclusive");
    a.ok("set system host-name gone");
    drop(a);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut b = d.connect();
    let out = b.ok("configure exclusive");
    assert!(out.contains("Entering configuration mode"), "{out}");
    assert_eq!(
        b.ok("show | compare"),
        "",
        "the vanished session's changes were discarded"
    );
}

#[test]
fn shared_candidate_is_shared() {
    let d = Daemon::start();
    let mut a = d.connect();
    let mut b = d.connect();
    a.ok("configure");
    b.ok("configure");
    a.ok("set system host-name by-a");
    assert!(b.ok("show | compare").contains("+      host-name by-a;"));
    // b's commit commits a's change too: that is what shared means.
    b.ok("commit");
    assert_eq!(a.ok("show | compare"), "");
    let status = a.ok("status");
    assert_eq!(status.matches("root terminal").count(), 2, "{status}");
}
