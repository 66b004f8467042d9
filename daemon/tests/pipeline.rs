//! The commit pipeline's promises, in process (real pipeline, gate and handlers; a kernel of
//! links planned by the real netlink planner; injected failures; a manual clock).

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::inproc::{FakeKernel, Inproc};
use lsys_datastore::Scope;
use lsys_protocol::Client;
use lsysd::pipeline::Stage;

const TWO_TENANTS: &str = "
system { host-name r1; login {
    class t2 { logical-system l2; permissions all; }
    class t3 { logical-system l3; permissions all; }
    user u2 { class t2; }
    user u3 { class t3; }
} }
interfaces { eth1 { flexible-vlan-tagging; } eth9 { flexible-vlan-tagging; } }
logical-systems {
  l2 { interfaces { eth1 { unit 4 { encapsulation vlan-bridge; vlan-id 4; } }
                    irb { unit 4 { family inet { address 10.0.0.0/31; } } } }
       bridge-domains { bd4 { vlan-id 4; interface eth1.4; routing-interface irb.4; } } }
  l3 { interfaces { eth9 { unit 7 { encapsulation vlan-bridge; vlan-id 7; } }
                    irb { unit 7 { family inet { address 10.0.7.0/31; } } } }
       bridge-domains { bd7 { vlan-id 7; interface eth9.7; routing-interface irb.7; } } }
}";

/// A router with TWO_TENANTS committed (every port present), the kernel, and root's session.
fn two_tenants() -> (Inproc, FakeKernel, lsysd::session::Session) {
    let kernel = FakeKernel::with_ports(&["eth1", "eth9"]);
    let mut d = Inproc::new(Some(kernel.clone()));
    let mut root = d.root();
    let file = d.dir.path().join("two.conf");
    std::fs::write(&file, TWO_TENANTS).unwrap();
    d.ok(&mut root, "configure");
    let r = lsysd::exec::execute(
        &d.core,
        &mut root,
        &format!("load override {}", file.display()),
    );
    assert!(r.read_text.is_some());
    let r = lsysd::exec::text(&d.core, &mut root, Ok(TWO_TENANTS.to_string()));
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(d.ok(&mut root, "commit"), "commit complete\n");
    (d, kernel, root)
}

#[test]
fn finding_1_a_panic_in_the_kernel_step_loses_no_candidate() {
    let (mut d, kernel, mut root) = two_tenants();
    let mut other = d.root();
    d.ok(&mut root, "set system host-name r2");
    d.ok(
        &mut root,
        "set logical-systems l2 interfaces irb unit 4 family inet address 10.0.0.2/31",
    );
    *kernel.panic.lock().unwrap() = true;
    let e = d.err(&mut root, "commit");
    assert!(e.contains("internal error"), "{e}");
    *kernel.panic.lock().unwrap() = false;
    // The shared candidate still holds the edits, nothing else.
    d.ok(&mut other, "configure");
    let cmp = d.ok(&mut other, "show | compare");
    assert!(
        cmp.contains("-    host-name r1;\n+    host-name r2;"),
        "{cmp}"
    );
    assert!(!cmp.contains("- logical-systems"), "nothing deleted: {cmp}");
    assert!(d.core.running.get().tree.get("logical-systems").is_some());
    // And the next commit is served and programs the kernel.
    assert_eq!(d.ok(&mut other, "commit"), "commit complete\n");
    assert_eq!(d.core.hostname(), "r2");
}

#[test]
fn finding_2_another_tenants_broken_circuit_does_not_fail_a_commit() {
    let (mut d, kernel, _root) = two_tenants();
    // The operator's port of l3's circuit disappears.
    kernel
        .links
        .lock()
        .unwrap()
        .retain(|l| !l.name.starts_with("eth9"));
    let mut u2 = d.login(2002, "u2", Client::Cli);
    d.ok(&mut u2, "configure");
    d.ok(
        &mut u2,
        "set interfaces irb unit 4 family inet address 10.0.0.4/31",
    );
    assert_eq!(d.ok(&mut u2, "commit"), "commit complete\n");
    let irb4 = kernel
        .snapshot()
        .into_iter()
        .find(|l| l.name == "irb.4")
        .unwrap();
    assert_eq!(irb4.addresses.len(), 2, "{irb4:?}");
    // l3's own commit fails, in words that name nothing outside l3.
    let mut u3 = d.login(2003, "u3", Client::Cli);
    d.ok(&mut u3, "configure");
    d.ok(
        &mut u3,
        "set interfaces irb unit 7 family inet address 10.0.7.4/31",
    );
    let e = d.err(&mut u3, "commit");
    assert!(
        e.contains("a circuit of this logical system is not available"),
        "{e}"
    );
    assert!(
        !e.contains("eth9") && !e.contains("eth1") && !e.contains("l2"),
        "{e}"
    );
}

#[test]
fn finding_3_reads_do_not_wait_for_a_commit() {
    let (mut d, kernel, mut root) = two_tenants();
    let (release, held) = mpsc::channel();
    *kernel.gate.lock().unwrap() = Some(held);
    d.ok(&mut root, "set system host-name during");
    let core = d.core.clone();
    let mut committer = std::mem::replace(&mut root, d.root());
    let commit = std::thread::spawn(move || lsysd::exec::execute(&core, &mut committer, "commit"));
    // Wait until the commit is inside the kernel step.
    let start = Instant::now();
    while *kernel.converges.lock().unwrap() < 2 {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut reader = d.root();
    let t = Instant::now();
    assert!(d.ok(&mut reader, "show version").contains("Hostname: r1"));
    assert!(d
        .ok(&mut reader, "show configuration system")
        .contains("host-name r1;"));
    let c = lsysd::exec::complete(&d.core, &reader, "show ");
    assert!(c.rows.iter().any(|r| r.name == "configuration"));
    d.ok(&mut reader, "configure");
    assert!(d
        .ok(&mut reader, "show system")
        .contains("host-name during;"));
    d.ok(&mut reader, "exit");
    let read_time = t.elapsed();
    assert!(
        !commit.is_finished(),
        "the reads ran while the commit was held"
    );
    release.send(()).unwrap();
    let r = commit.join().unwrap();
    assert_eq!(r.output, "commit complete\n", "{:?}", r.error);
    assert_eq!(d.core.hostname(), "during");
    println!("reads during a held commit: {read_time:?}");
}

/// Everything a failed commit must leave as it was.
fn state(d: &Inproc, k: &FakeKernel) -> String {
    let running = lsys_grammar::text::print::curly(&d.core.running.get().tree);
    let shared = lsys_grammar::text::print::curly(&d.core.shared.lock().unwrap().tree);
    let history: Vec<_> = d
        .core
        .store
        .scopes()
        .unwrap()
        .into_iter()
        .map(|s| (s.to_string(), d.core.store.history(&s).unwrap().len()))
        .collect();
    format!(
        "{running}\n--\n{shared}\n--\n{history:?}\n--\n{:?}\n{:?}",
        k.snapshot(),
        d.core.store.table_allocations().unwrap()
    )
}

#[test]
fn failure_injection_at_every_stage_changes_nothing() {
    let (mut d, kernel, mut root) = two_tenants();
    let mut private = d.login(2002, "u2", Client::Batch);
    d.ok(&mut private, "configure");
    d.ok(&mut private, "set routing-options autonomous-system 65002");
    d.ok(
        &mut root,
        "set logical-systems l2 routing-instances v1 instance-type virtual-router",
    );
    d.ok(
        &mut root,
        "set logical-systems l2 routing-instances v1 interface irb.4",
    );
    d.ok(&mut root, "set system host-name changed");
    let private_before = d.ok(&mut private, "show | compare");
    let before = state(&d, &kernel);
    for stage in Stage::ALL {
        for panic in [false, true] {
            d.faults.set(stage, panic);
            let e = d.err(&mut root, "commit");
            let expect = if panic {
                "internal error"
            } else {
                "injected failure"
            };
            assert!(e.contains(expect), "{stage} panic={panic}: {e}");
            d.faults.clear();
            assert_eq!(state(&d, &kernel), before, "{stage} panic={panic}");
            assert_eq!(d.ok(&mut private, "show | compare"), private_before);
            // The next request is served.
            assert!(d.ok(&mut root, "run show version").contains("Hostname: r1"));
        }
    }
    assert_eq!(d.ok(&mut root, "commit"), "commit complete\n");
    assert!(
        kernel.names().iter().any(|n| n.starts_with("vrf")),
        "{:?}",
        kernel.names()
    );
}

#[test]
fn confirmed_commit_rolls_back_and_survives_restart() {
    let (d, _kernel, mut root) = two_tenants();
    d.ok(&mut root, "set system host-name during");
    d.ok(&mut root, "commit confirmed 2");
    d.clock.advance(60);
    assert!(d.core.pipeline.expire_confirms().unwrap().is_empty());
    let mut d = d.restart();
    d.clock.advance(61);
    let done = d.core.pipeline.expire_confirms().unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(d.core.hostname(), "r1");
    let mut root = d.root();
    let history = d.ok(&mut root, "show system commit");
    assert!(history.contains("automatic rollback"), "{history}");
}

#[test]
fn finding_8a_a_tenants_pending_confirmation_holds_its_scope() {
    let (mut d, _k, mut root) = two_tenants();
    let mut u2 = d.login(2002, "u2", Client::Cli);
    d.ok(&mut u2, "configure");
    d.ok(&mut u2, "set routing-options autonomous-system 65002");
    d.ok(&mut u2, "commit confirmed 1");
    // The operator's commit inside l2 is refused; one elsewhere goes through.
    d.ok(
        &mut root,
        "set logical-systems l2 routing-options router-id 10.2.2.2",
    );
    let e = d.err(&mut root, "commit");
    assert!(e.contains("commit confirmed by u2 is pending"), "{e}");
    d.ok(&mut root, "rollback 0");
    d.ok(
        &mut root,
        "set logical-systems l3 routing-options router-id 10.3.3.3",
    );
    assert_eq!(d.ok(&mut root, "commit"), "commit complete\n");
    d.clock.advance(61);
    d.core.pipeline.expire_confirms().unwrap();
    let conf = lsys_grammar::text::print::curly(&d.core.running.get().tree);
    assert!(
        !conf.contains("65002"),
        "u2's unconfirmed change rolled back"
    );
    assert!(conf.contains("10.3.3.3"), "root's own commit kept");
}

#[test]
fn finding_8b_the_operators_pending_confirmation_keeps_tenant_commits() {
    let (mut d, _k, mut root) = two_tenants();
    d.ok(&mut root, "set system host-name pending");
    d.ok(&mut root, "commit confirmed 1");
    let mut u2 = d.login(2002, "u2", Client::Cli);
    d.ok(&mut u2, "configure");
    d.ok(&mut u2, "set routing-options autonomous-system 65002");
    assert_eq!(d.ok(&mut u2, "commit"), "commit complete\n");
    d.clock.advance(61);
    d.core.pipeline.expire_confirms().unwrap();
    let conf = lsys_grammar::text::print::curly(&d.core.running.get().tree);
    assert!(
        conf.contains("host-name r1;"),
        "root's unconfirmed change rolled back"
    );
    assert!(conf.contains("65002"), "u2's acknowledged commit kept");
}

#[test]
fn finding_9_a_rollback_never_drops_a_logical_system() {
    let (mut d, _k, mut root) = two_tenants();
    d.ok(&mut root, "set system host-name r2");
    d.ok(&mut root, "commit");
    let mut u3 = d.login(2003, "u3", Client::Batch);
    d.ok(&mut u3, "configure");
    for i in 0..51 {
        d.ok(
            &mut u3,
            &format!("set routing-options router-id 10.3.0.{i}"),
        );
        d.ok(&mut u3, "commit");
    }
    let e = d.err(&mut root, "rollback 1");
    assert!(e.contains("cannot be rebuilt exactly"), "{e}");
    assert!(e.contains("l3"), "{e}");
    assert_eq!(d.ok(&mut root, "show | compare"), "", "nothing changed");
}

#[test]
fn finding_10_a_stale_shared_candidate_never_reverts_a_commit() {
    let (mut d, _k, mut root) = two_tenants();
    let mut a = d.root();
    d.ok(&mut a, "configure");
    d.ok(
        &mut a,
        "set logical-systems l2 routing-options autonomous-system 111",
    );
    let mut b = d.login(2002, "u2", Client::Batch);
    d.ok(&mut b, "configure");
    d.ok(&mut b, "set routing-options autonomous-system 222");
    assert_eq!(d.ok(&mut b, "commit"), "commit complete\n");
    let e = d.err(&mut root, "commit");
    assert_eq!(e, "error: configuration database modified");
    let conf = lsys_grammar::text::print::curly(&d.core.running.get().tree);
    assert!(
        conf.contains("autonomous-system 222;") && !conf.contains(" 111;"),
        "{conf}"
    );
    // A change elsewhere commits, and keeps B's.
    d.ok(&mut root, "rollback 0");
    d.ok(&mut root, "set system host-name r9");
    assert_eq!(d.ok(&mut root, "commit"), "commit complete\n");
    let conf = lsys_grammar::text::print::curly(&d.core.running.get().tree);
    assert!(conf.contains("autonomous-system 222;") && conf.contains("host-name r9;"));
    assert!(d
        .core
        .store
        .history(&Scope::LogicalSystem("l2".into()))
        .unwrap()
        .iter()
        .all(|h| h.meta.user != "root" || h.index > 0));
}

#[test]
fn a_line_of_tops_is_cheap_and_runs_the_command_at_the_top() {
    let (mut d, _k, mut root) = two_tenants();
    d.ok(&mut root, "edit system");
    let line = format!("{}show routing-options", "top ".repeat(3000));
    let out = d.ok(&mut root, &line);
    assert_eq!(out, "", "the root has no routing-options");
    assert!(root.prompt("r").banner.as_deref() == Some("[edit system]"));
    d.ok(
        &mut root,
        &format!("{}edit logical-systems", "top ".repeat(3000)),
    );
    assert_eq!(
        root.prompt("r").banner.as_deref(),
        Some("[edit logical-systems]")
    );
    let mut other = d.root();
    let c = lsysd::exec::complete(&d.core, &other, &format!("{}se", "top ".repeat(4000)));
    assert!(c.rows.is_empty() || c.rows.iter().all(|r| !r.name.is_empty()));
    let _ = &mut other;
}

#[test]
fn a_failed_top_edit_keeps_the_edit_level() {
    let (d, _k, mut root) = two_tenants();
    d.ok(&mut root, "edit system");
    d.err(&mut root, "top edit no-such-thing");
    assert_eq!(root.prompt("r").banner.as_deref(), Some("[edit system]"));
    d.ok(&mut root, "top edit logical-systems");
    assert_eq!(
        root.prompt("r").banner.as_deref(),
        Some("[edit logical-systems]")
    );
}
