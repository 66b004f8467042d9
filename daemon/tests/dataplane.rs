//! The commit pipeline's kernel step, against a kernel made of a list of links planned by the
//! real `netlink::plan_for` (the real kernel is exercised in the lab: tests/tests/
//! dataplane_lab.rs). What is checked here is the pipeline's contract: a kernel failure undoes
//! the kernel change, commits nothing, keeps the running configuration, frees the table ids
//! it took, and says why in the Junos layout.

mod common;

use common::inproc::{FakeKernel, Inproc};
use lsys_datastore::Scope;

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

#[test]
fn a_kernel_failure_undoes_and_commits_nothing() {
    let kernel = FakeKernel::with_ports(&["eth1"]);
    let mut d = Inproc::new(Some(kernel.clone()));
    let mut s = d.root();
    d.ok(&mut s, "configure");
    for l in CIRCUIT {
        d.ok(&mut s, l);
    }
    assert_eq!(d.ok(&mut s, "commit"), "commit complete\n");
    let store = &d.core.store;
    assert_eq!(
        store.table_allocations().unwrap(),
        [("l2/vrf-a".to_string(), 1000)]
    );
    assert_eq!(kernel.names(), ["eth1", "eth1.4", "irb.4", "vrf1000"]);
    let committed = store.committed(&Scope::LogicalSystem("l2".into())).unwrap();
    let running = d.core.running.get().tree.clone();
    let links = kernel.snapshot();

    // A second circuit whose bridge the kernel refuses.
    *kernel.fail_on.lock().unwrap() = Some("irb.5".into());
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
        d.ok(&mut s, l);
    }
    let e = d.err(&mut s, "commit");
    assert_eq!(
        e,
        "error: kernel: create irb.5 bridge: Operation not supported\n\
         error: configuration check-out failed"
    );
    assert_eq!(
        kernel.snapshot(),
        links,
        "undo converged back to the previous state"
    );
    assert_eq!(
        d.core.running.get().tree,
        running,
        "running configuration unchanged"
    );
    assert_eq!(
        store.committed(&Scope::LogicalSystem("l2".into())).unwrap(),
        committed,
        "nothing committed"
    );
    assert_eq!(
        store.table_allocations().unwrap(),
        [("l2/vrf-a".to_string(), 1000)],
        "the table id taken for vrf-b is given back"
    );

    // The kernel accepts it now: the same candidate commits.
    *kernel.fail_on.lock().unwrap() = None;
    assert_eq!(d.ok(&mut s, "commit"), "commit complete\n");
    assert!(kernel.names().contains(&"irb.5".to_string()));
    // Removing the first circuit's instance frees its table id after the commit.
    d.ok(&mut s, "delete logical-systems l2 routing-instances vrf-a");
    assert_eq!(d.ok(&mut s, "commit"), "commit complete\n");
    let owners: Vec<String> = store
        .table_allocations()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(owners, ["l2/master", "l2/vrf-b"]);
}
