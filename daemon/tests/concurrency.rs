//! 20 sessions committing to 20 logical systems, 5 sessions sharing one candidate and the
//! operator's batch commits, all in parallel for 50 rounds: no lost commit, no starved
//! committer, no deadlock, complete history.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::Daemon;

const ROUNDS: usize = 50;

#[test]
fn parallel_commits_lose_nothing() {
    let d = Daemon::start();
    let mut admin = d.connect();
    admin.ok("configure");
    for i in 0..20 {
        admin.ok(&format!(
            "set logical-systems t{i} routing-options autonomous-system {}",
            65000 + i
        ));
    }
    admin.ok("set logical-systems shared routing-options autonomous-system 64999");
    admin.ok("commit");
    admin.ok("exit");
    let started = Instant::now();
    let barrier = Arc::new(Barrier::new(26));
    let mut handles = Vec::new();
    for i in 0..20 {
        let socket = d.socket.clone();
        let barrier = barrier.clone();
        handles.push(std::thread::spawn(move || {
            let mut c = common::Conn::open(&socket, lsys_protocol::Client::Cli);
            c.ok(&format!("set cli logical-system t{i}"));
            c.ok("configure private");
            barrier.wait();
            for round in 0..ROUNDS {
                c.ok(&format!("set routing-options router-id 10.{i}.{round}.1"));
                let out = c.ok(&format!("commit comment \"t{i} round {round}\""));
                assert_eq!(out, "commit complete\n");
            }
        }));
    }
    for k in 0..5 {
        let socket = d.socket.clone();
        let barrier = barrier.clone();
        handles.push(std::thread::spawn(move || {
            let mut c = common::Conn::open(&socket, lsys_protocol::Client::Cli);
            c.ok("set cli logical-system shared");
            c.ok("configure");
            barrier.wait();
            for round in 0..ROUNDS {
                // Each editor adds its own prefix-list entry, then commits the shared candidate
                // (which carries whatever the others have set so far).
                c.ok(&format!(
                    "set policy-options prefix-list editor{k} 10.{k}.{round}.0/24"
                ));
                let out = c.ok("commit");
                assert_eq!(out, "commit complete\n");
            }
        }));
    }
    // The operator's batch commits (private candidates of the whole tree) change only the
    // root's own statements: tenants committing meanwhile must never starve them.
    {
        let socket = d.socket.clone();
        let barrier = barrier.clone();
        handles.push(std::thread::spawn(move || {
            let mut c = common::Conn::open(&socket, lsys_protocol::Client::Batch);
            c.ok("configure");
            barrier.wait();
            for round in 0..ROUNDS {
                c.ok(&format!("set system host-name r{round}"));
                let out = c.ok("commit");
                assert_eq!(out, "commit complete\n", "the operator's batch starved");
            }
        }));
    }
    for h in handles {
        h.join().expect("a session failed");
    }
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(240), "took {elapsed:?}");

    let mut c = d.connect();
    for i in 0..20 {
        c.ok(&format!("set cli logical-system t{i}"));
        let conf = c.ok("show configuration routing-options");
        assert!(
            conf.contains(&format!("router-id 10.{i}.{}.1;", ROUNDS - 1)),
            "t{i}: {conf}"
        );
        let history = c.ok("show system commit");
        // 50 rounds + the admin's initial commit, capped at 50 rollbacks.
        assert_eq!(
            history.lines().filter(|l| l.contains(" by ")).count(),
            50,
            "t{i}: {history}"
        );
        assert!(
            history.contains(&format!("t{i} round {}", ROUNDS - 1)),
            "{history}"
        );
        for round in ROUNDS - 49..ROUNDS {
            assert!(
                history.contains(&format!("    t{i} round {round}\n")),
                "t{i} round {round} missing"
            );
        }
    }
    c.ok("set cli logical-system shared");
    let conf = c.ok("show configuration policy-options");
    for k in 0..5 {
        for round in 0..ROUNDS {
            assert!(
                conf.contains(&format!("10.{k}.{round}.0/24;")),
                "editor{k} round {round} lost:\n{conf}"
            );
        }
    }
    println!(
        "26 sessions x {ROUNDS} rounds: {} commits in {elapsed:?}",
        26 * ROUNDS
    );
}
