//! The commit pipeline's kernel step, with an in-memory dataplane standing in for the kernel
//! (the real one is exercised in the lab: tests/tests/dataplane_lab.rs). What is checked here is
//! the pipeline's contract: a kernel failure undoes the kernel change, commits nothing, keeps
//! the running configuration, frees the table ids it took, and says why in the Junos layout.

use std::sync::{Arc, Mutex};

use lsys_datastore::{Datastore, Scope};
use lsys_grammar::view::View;
use lsys_netlink::live::KernelRoute;
use lsys_netlink::Desired;
use lsys_protocol::Client;
use lsysd::dataplane::{Converged, Dataplane, DataplaneError};
use lsysd::exec::execute;
use lsysd::router::Router;
use lsysd::session::Session;

/// Remembers every state it was asked for; refuses any state with a device named `fail_on`.
#[derive(Clone, Default)]
struct Fake {
    calls: Arc<Mutex<Vec<Vec<String>>>>,
    fail_on: Arc<Mutex<Option<String>>>,
}

impl Dataplane for Fake {
    fn converge(&self, want: &Desired) -> Result<Converged, DataplaneError> {
        let names: Vec<String> = want.links.iter().map(|l| l.name.clone()).collect();
        self.calls.lock().unwrap().push(names.clone());
        match self.fail_on.lock().unwrap().as_ref() {
            Some(bad) if names.contains(bad) => Err(DataplaneError {
                message: format!("create {bad} bridge: Operation not supported"),
                writes: 3,
            }),
            _ => Ok(Converged {
                writes: names.len(),
                round_trips: names.len(),
                steps: vec![],
            }),
        }
    }

    fn routes(&self, _table: u32) -> Result<Vec<KernelRoute>, DataplaneError> {
        Ok(vec![])
    }
}

fn operator() -> Session {
    Session {
        id: 1,
        user: "root".into(),
        uid: 0,
        operator: true,
        view: View::operator(),
        client: Client::Cli,
        tty: None,
        since: 0,
        pid: None,
        candidate: None,
        edit: vec![],
        edit_stack: vec![],
        pending: None,
        text: String::new(),
    }
}

const CIRCUIT: &[&str] = &[
    "set interfaces eth1 flexible-vlan-tagging",
    "set logical-systems l2 interfaces eth1 unit 4 encapsulation vlan-bridge",
    "set logical-systems l2 interfaces eth1 unit 4 vlan-id 4",
    "set logical-systems l2 bridge-domains bd4 vlan-id 4",
    "set logical-systems l2 bridge-domains bd4 interface eth1.4",
    "set logical-systems l2 bridge-domains bd4 routing-interface irb.4",
    "set logical-systems l2 interfaces irb unit 4 family inet address 10.0.0.0/31",
    "set logical-systems l2 routing-instances vrf-a instance-type virtual-router",
    "set logical-systems l2 routing-instances vrf-a interface irb.4",
];

fn run(r: &mut Router, s: &mut Session, line: &str) -> lsysd::exec::Reply {
    execute(r, s, line)
}

#[test]
fn a_kernel_failure_undoes_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Fake::default();
    let store = Datastore::open(dir.path()).unwrap();
    let mut r = Router::open(store, Some(Box::new(fake.clone()))).unwrap();
    let c = r.reconcile().unwrap();
    assert_eq!(c.writes, 0, "an empty configuration wants nothing");
    let mut s = operator();
    run(&mut r, &mut s, "configure");
    for l in CIRCUIT {
        let reply = run(&mut r, &mut s, l);
        assert!(reply.error.is_none(), "{l}: {:?}", reply.error);
    }
    let reply = run(&mut r, &mut s, "commit");
    assert_eq!(reply.output, "commit complete\n", "{:?}", reply.error);
    let tables = r.store.table_allocations().unwrap();
    assert_eq!(tables, [("l2/vrf-a".to_string(), 1000)]);
    assert_eq!(
        fake.calls.lock().unwrap().last().unwrap(),
        &["vrf1000", "eth1.4", "irb.4"]
    );
    let committed = r
        .store
        .committed(&Scope::LogicalSystem("l2".into()))
        .unwrap();
    let running = r.running.clone();

    // A second circuit whose bridge the kernel refuses.
    *fake.fail_on.lock().unwrap() = Some("irb.5".into());
    for l in [
        "set logical-systems l2 interfaces eth1 unit 5 encapsulation vlan-bridge",
        "set logical-systems l2 interfaces eth1 unit 5 vlan-id 5",
        "set logical-systems l2 bridge-domains bd5 vlan-id 5",
        "set logical-systems l2 bridge-domains bd5 interface eth1.5",
        "set logical-systems l2 bridge-domains bd5 routing-interface irb.5",
        "set logical-systems l2 interfaces irb unit 5 family inet address 10.0.0.2/31",
        "set logical-systems l2 routing-instances vrf-b instance-type virtual-router",
        "set logical-systems l2 routing-instances vrf-b interface irb.5",
    ] {
        run(&mut r, &mut s, l);
    }
    let calls_before = fake.calls.lock().unwrap().len();
    let reply = run(&mut r, &mut s, "commit");
    assert_eq!(
        reply.error.as_deref(),
        Some(
            "error: kernel: create irb.5 bridge: Operation not supported\n\
             error: configuration check-out failed"
        )
    );
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), calls_before + 2, "apply, then undo");
    assert_eq!(
        calls.last().unwrap(),
        &["vrf1000", "eth1.4", "irb.4"],
        "undo converges back to the previous state"
    );
    assert_eq!(r.running, running, "running configuration unchanged");
    assert_eq!(
        r.store
            .committed(&Scope::LogicalSystem("l2".into()))
            .unwrap(),
        committed,
        "nothing committed"
    );
    assert_eq!(
        r.store.table_allocations().unwrap(),
        [("l2/vrf-a".to_string(), 1000)],
        "the table id taken for vrf-b is given back"
    );

    // The kernel accepts it now: the same candidate commits.
    *fake.fail_on.lock().unwrap() = None;
    let reply = run(&mut r, &mut s, "commit");
    assert_eq!(reply.output, "commit complete\n", "{:?}", reply.error);
    // Removing the first circuit's instance frees its table id after the commit.
    run(
        &mut r,
        &mut s,
        "delete logical-systems l2 routing-instances vrf-a",
    );
    let reply = run(&mut r, &mut s, "commit");
    assert_eq!(reply.output, "commit complete\n", "{:?}", reply.error);
    let owners: Vec<String> = r
        .store
        .table_allocations()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(owners, ["l2/master", "l2/vrf-b"]);
}
