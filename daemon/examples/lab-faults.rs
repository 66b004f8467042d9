//! lab-faults SEED_CONF: the commit pipeline's failure injection against the real kernel of
//! the lab (tests/lab/faults.sh runs it; it needs root, VRF/VLAN support and the seed wire).
//!
//! Commits the seed, prepares a change that writes to the kernel (a new circuit with its
//! bridge, VLAN device and VRF), then for every stage an injected error and an injected panic:
//! afterwards the kernel (links, addresses, routes of every table), the running configuration,
//! the shared candidate and the history must be exactly as before, and the next commit is
//! served. Prints `figure:` lines and ends with FAULTS-OK.

use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Instant;

use lsys_datastore::Datastore;
use lsys_protocol::Client;
use lsysd::core::{Core, Options};
use lsysd::dataplane::KernelDataplane;
use lsysd::exec::{self, Reply};
use lsysd::gate::Principal;
use lsysd::pipeline::{Injected, Stage};
use lsysd::session::Session;

/// Everything lsys could have touched: links (bridge timers, which tick by themselves, left
/// out), addresses (once IPv6 duplicate address detection settled, ≤ 30 s) and every table's routes.
fn kernel() -> String {
    let ip = |args: &[&str]| {
        let o = Command::new("ip").args(args).output().expect("ip runs");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    for _ in 0..300 {
        if !ip(&["address", "show"]).contains("tentative") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let links: Vec<String> = ip(&["-d", "-o", "link", "show"])
        .lines()
        .map(|l| {
            let mut words = l.split_whitespace();
            let mut kept = Vec::new();
            while let Some(w) = words.next() {
                if w.ends_with("timer") {
                    words.next();
                    continue;
                }
                kept.push(w);
            }
            kept.join(" ")
        })
        .collect();
    format!(
        "{}\n{}{}",
        links.join("\n"),
        ip(&["-o", "address", "show"]),
        ip(&["route", "show", "table", "all"])
    )
}

fn state(core: &Core) -> String {
    let running = lsys_grammar::text::print::curly(&core.running.get().tree);
    let shared = lsys_grammar::text::print::curly(&core.shared.lock().unwrap().tree);
    let history: Vec<usize> = core
        .store
        .scopes()
        .unwrap()
        .iter()
        .map(|s| core.store.history(s).unwrap().len())
        .collect();
    format!("{running}\n{shared}\n{history:?}\n{}", kernel())
}

fn run(core: &Core, s: &mut Session, line: &str) -> Reply {
    exec::execute(core, s, line)
}

fn main() -> ExitCode {
    let Some(conf) = std::env::args().nth(1) else {
        eprintln!("usage: lab-faults SEED_CONF");
        return ExitCode::from(2);
    };
    let text = std::fs::read_to_string(&conf).expect("seed configuration");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Datastore::open(dir.path().join("db")).expect("store");
    let faults = Arc::new(Injected::default());
    let options = Options {
        dataplane: Some(Box::new(KernelDataplane::start().expect("netlink"))),
        faults: faults.clone(),
        ..Options::default()
    };
    let core = Core::start(store, options).expect("core");
    core.pipeline.reconcile().expect("reconcile");
    let root = Principal::resolve(&core.running.get(), 0, "root").expect("root");
    let mut s = Session::new(1, root, Client::Cli, None, 0, None);
    run(&core, &mut s, "configure");
    run(&core, &mut s, "load override terminal");
    let r = exec::text(&core, &mut s, Ok(text));
    assert!(r.error.is_none(), "{:?}", r.error);
    let r = run(&core, &mut s, "commit");
    assert_eq!(r.output, "commit complete\n", "{:?}", r.error);
    for line in [
        "set logical-systems l2 interfaces eth1 unit 7 encapsulation vlan-bridge",
        "set logical-systems l2 interfaces eth1 unit 7 vlan-id 7",
        "set logical-systems l2 bridge-domains bd7 vlan-id 7",
        "set logical-systems l2 bridge-domains bd7 interface eth1.7",
        "set logical-systems l2 bridge-domains bd7 routing-interface irb.7",
        "set logical-systems l2 interfaces irb unit 7 family inet address 10.7.0.1/24",
        "set logical-systems l2 routing-instances extra instance-type virtual-router",
        "set logical-systems l2 routing-instances extra interface irb.7",
    ] {
        let r = run(&core, &mut s, line);
        assert!(r.error.is_none(), "{line}: {:?}", r.error);
    }
    let before = state(&core);
    for stage in Stage::ALL {
        for panic in [false, true] {
            faults.set(stage, panic);
            let t = Instant::now();
            let r = run(&core, &mut s, "commit");
            let ms = t.elapsed().as_secs_f64() * 1e3;
            faults.clear();
            let e = r.error.unwrap_or_default();
            let expect = if panic {
                "internal error"
            } else {
                "injected failure"
            };
            assert!(e.contains(expect), "{stage} panic={panic}: {e}");
            let after = state(&core);
            if after != before {
                eprintln!("FAIL: {stage} panic={panic} changed something:\n--- before\n{before}\n--- after\n{after}");
                return ExitCode::FAILURE;
            }
            let r = run(&core, &mut s, "run show version");
            assert!(r.error.is_none(), "the next request is served");
            println!(
                "figure: injected {} at {stage}: nothing changed, failed commit took {ms:.0} ms",
                if panic { "panic" } else { "error" }
            );
        }
    }
    let r = run(&core, &mut s, "commit");
    assert_eq!(r.output, "commit complete\n", "{:?}", r.error);
    let k = kernel();
    assert!(
        k.contains("irb.7") && k.contains("10.7.0.1/24"),
        "the change reached the kernel"
    );
    println!("FAULTS-OK");
    ExitCode::SUCCESS
}
