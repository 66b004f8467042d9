//! The BGP show commands through the whole daemon, in process, with real speakers (whose
//! sessions never come up here: their VRF devices are the fake kernel's) and the RIB: a tenant
//! sees its own groups and neighbors only, a neighbor of another logical system gets the same
//! `not found` as one that exists nowhere, and `| display json` answers the documented shapes.

mod common;

use std::sync::{Arc, Mutex};

use common::inproc::{FakeKernel, Inproc, START};
use lsys_datastore::Datastore;
use lsys_fib::{FibOp, FibRoute};
use lsys_netlink::live::LiveState;
use lsys_protocol::Client;
use lsysd::clock::ManualClock;
use lsysd::core::{Core, Options};
use lsysd::routing::fib::Fib;
use lsysd::routing::RibHandle;
use serde_json::Value;

/// A kernel FIB that takes everything.
#[derive(Clone, Default)]
struct NullFib(Arc<Mutex<usize>>);

impl Fib for NullFib {
    fn write(&mut self, ops: &[FibOp]) -> Vec<Result<(), String>> {
        *self.0.lock().unwrap() += ops.len();
        ops.iter().map(|_| Ok(())).collect()
    }

    fn owned(&mut self, _table: u32) -> Result<Vec<FibRoute>, String> {
        Ok(Vec::new())
    }
}

const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");

/// A second tenant, l3, with a neighbor of its own in a routing instance.
const L3: &str = "logical-systems {
    l3 {
        routing-options { autonomous-system 65003; router-id 10.9.9.1; }
        routing-instances {
            other {
                instance-type vrf;
                route-distinguisher 65003:1;
                vrf-target target:65003:1;
                protocols { bgp { group peers { type external; peer-as 64999;
                    neighbor 10.9.9.9 { multihop { ttl 2; } } } } }
            }
        }
    }
}";

struct Rig {
    inproc: Inproc,
    _runtime: tokio::runtime::Runtime,
}

fn rig() -> Rig {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let kernel = FakeKernel::with_ports(&["eth1"]);
    let dir = tempfile::tempdir().unwrap();
    let store = Datastore::open(dir.path().join("db")).unwrap();
    let live = lsys_netlink::live::shared();
    let rib = RibHandle::start(
        Box::new(NullFib::default()),
        live,
        Box::new(|| Ok(LiveState::default())),
        None,
    )
    .unwrap();
    let sink: lsysd::bgp::RouteSink = Arc::new(|_, _| {});
    let bgp = lsysd::bgp::BgpHandle::new(runtime.handle().clone(), sink);
    let clock = Arc::new(ManualClock::new(START));
    let core = Core::start(
        store,
        Options {
            dataplane: Some(Box::new(kernel.clone())),
            rib: Some(rib),
            // Not 179: nothing here should meet a real BGP speaker.
            bgp: Some((bgp, 30179)),
            clock: clock.clone(),
            ..Options::default()
        },
    )
    .unwrap();
    core.pipeline.reconcile().unwrap();
    Rig {
        inproc: Inproc::from_parts(core, dir, clock, kernel),
        _runtime: runtime,
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_tenant_sees_its_own_bgp_only() {
    let mut r = rig();
    let mut root = r.inproc.root();
    r.inproc.load_override(&mut root, &format!("{SEED}\n{L3}"));
    let mut t = r.inproc.login(2001, "jvetter", Client::Cli);
    let mut op = r.inproc.root();
    let d = &r.inproc;

    // Another tenant's neighbor is not found, in the words used for one that exists nowhere.
    for cmd in ["receive-protocol", "advertising-protocol"] {
        for a in ["10.9.9.9", "192.0.2.77"] {
            assert_eq!(
                d.err(&mut t, &format!("show route {cmd} bgp {a}")),
                format!("error: BGP neighbor {a} not found")
            );
        }
    }
    assert_eq!(
        d.err(
            &mut t,
            "show route receive-protocol bgp 10.9.9.9 hidden | display json"
        ),
        "error: BGP neighbor 10.9.9.9 not found"
    );
    assert_eq!(
        d.err(&mut t, "show bgp neighbor 10.9.9.9"),
        "error: BGP neighbor 10.9.9.9 not found"
    );
    // Its own neighbors answer (no session: no routes, and no table has a destination yet).
    assert!(!d
        .ok(&mut t, "show route receive-protocol bgp 10.0.0.1")
        .contains("error"));
    let v = json(&d.ok(
        &mut t,
        "show route advertising-protocol bgp 10.0.0.14 | display json",
    ));
    assert!(v["route-information"]["route-table"].is_array(), "{v}");

    // Groups: its own two, in configuration order; the other tenant's is not found.
    let out = d.ok(&mut t, "show bgp group");
    assert!(
        out.starts_with(
            "Group Type: External    AS: 64512                  Local AS: 65000\n  Name: aws             Index: 0                   Flags: <Export Eval>\n"
        ),
        "{out}"
    );
    assert!(out.contains("  Name: azure           Index: 1"), "{out}");
    assert!(!out.contains("Name: peers"), "{out}");
    assert!(
        out.ends_with(
            "Groups: 2  Peers: 2    External: 2    Internal: 0    Down peers: 2   Flaps: 0\n"
        ),
        "{out}"
    );
    assert_eq!(
        d.err(&mut t, "show bgp group peers"),
        "error: BGP group peers not found"
    );
    let v = json(&d.ok(&mut t, "show bgp group azure | display json"));
    let info = &v["bgp-group-information"];
    assert_eq!(info["bgp-group"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(info["bgp-group"][0]["name"], "azure");
    assert_eq!(info["bgp-group"][0]["peer-address"][0], "10.0.0.14");
    assert!(info.get("bgp-information").is_none(), "{v}");

    // Summary and neighbor JSON: the tenant's two peers.
    let v = json(&d.ok(&mut t, "show bgp summary | display json"));
    let info = &v["bgp-information"];
    assert_eq!(
        (
            &info["group-count"],
            &info["peer-count"],
            &info["down-peer-count"]
        ),
        (&Value::from(2), &Value::from(2), &Value::from(2)),
        "{v}"
    );
    let peers: Vec<&str> = info["bgp-peer"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["peer-address"].as_str())
        .collect();
    assert_eq!(peers, ["10.0.0.1", "10.0.0.14"]);
    let v = json(&d.ok(&mut t, "show bgp neighbor 10.0.0.14 | display json"));
    assert_eq!(v["bgp-information"]["bgp-peer"][0]["peer-group"], "azure");

    // The operator sees the root's speakers (none); l3's from inside l3.
    assert_eq!(
        d.err(&mut op, "show route receive-protocol bgp 10.9.9.9"),
        "error: BGP neighbor 10.9.9.9 not found"
    );
    assert_eq!(d.ok(&mut op, "show bgp group"), "BGP is not running\n");
    d.ok(&mut op, "set cli logical-system l3");
    d.ok(&mut op, "show route receive-protocol bgp 10.9.9.9");
    let out = d.ok(&mut op, "show bgp group");
    assert!(out.contains("  Name: peers           Index: 0"), "{out}");
    assert_eq!(
        d.err(&mut op, "show route advertising-protocol bgp 10.0.0.1"),
        "error: BGP neighbor 10.0.0.1 not found"
    );
}
