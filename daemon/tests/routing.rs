//! Static routes through the whole daemon, in process: a commit reaches the RIB actor, the
//! RIB's FIB changes reach the (fake) kernel, `show route` reads the RIB as the tenant sees
//! it, and links going down and up move a floating static. The kernel's links come from the
//! fake link dataplane, turned into the live state the real watcher would keep. BGP routes
//! given through the RIB handle (as the speaker will) reach the kernel as protocol 211, lose
//! to statics, show in `show route`, and are kept across a restart until the speaker is in
//! sync.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::inproc::{FakeKernel, Inproc, START};
use ipnet::IpNet;
use lsys_datastore::Datastore;
use lsys_fib::{BgpInfo, BgpRoute, Family, FibAction, FibOp, FibRoute, Protocol};
use lsys_netlink::live::{LiveLink, LiveState, SharedLive};
use lsys_netlink::Kind;
use lsys_protocol::Client;
use lsysd::clock::ManualClock;
use lsysd::core::{Core, Options};
use lsysd::routing::fib::{to_kernel, Fib};
use lsysd::routing::{BestChanges, RibHandle, BEST_QUEUE};

/// A kernel FIB that records what it is told; the routes it holds by (table, prefix).
#[derive(Clone, Default)]
struct FakeFib {
    routes: Arc<Mutex<std::collections::BTreeMap<(u32, String), FibRoute>>>,
    ops: Arc<Mutex<Vec<FibOp>>>,
    /// A prefix the kernel refuses to take.
    refuse: Arc<Mutex<Option<String>>>,
}

impl Fib for FakeFib {
    fn write(&mut self, ops: &[FibOp]) -> Vec<Result<(), String>> {
        let mut routes = self.routes.lock().unwrap();
        let refuse = self.refuse.lock().unwrap().clone();
        let mut results = Vec::new();
        for op in ops {
            let r = op.route();
            let key = (r.kernel_table, r.prefix.to_string());
            if matches!(op, FibOp::Replace(_)) && Some(&key.1) == refuse.as_ref() {
                results.push(Err("File exists".to_string()));
                continue;
            }
            results.push(Ok(()));
            match op {
                FibOp::Replace(r) => {
                    routes.insert(key, r.clone());
                }
                FibOp::Delete(_) => {
                    routes.remove(&key);
                }
            }
        }
        self.ops.lock().unwrap().extend(ops.iter().cloned());
        results
    }

    fn owned(&mut self, table: u32) -> Result<Vec<FibRoute>, String> {
        Ok(self
            .routes
            .lock()
            .unwrap()
            .values()
            .filter(|r| r.kernel_table == table)
            .cloned()
            .collect())
    }
}

/// The live state the kernel watcher would report for the fake kernel's links; `down` names
/// links whose carrier is off.
fn live_of(kernel: &FakeKernel, down: &[&str]) -> LiveState {
    let links = kernel.snapshot();
    let index = |name: &str| {
        links
            .iter()
            .position(|l| l.name == name)
            .map(|i| i as u32 + 2)
    };
    let mut state = LiveState::default();
    for (i, l) in links.iter().enumerate() {
        let kind = match &l.kind {
            Kind::Vrf { .. } => "vrf".to_string(),
            Kind::Bridge => "bridge".to_string(),
            Kind::Vlan { .. } => "vlan".to_string(),
            Kind::Other(k) => k.clone(),
        };
        let mut live = LiveLink::new(i as u32 + 2, &l.name, &kind);
        live.master = l.master.as_deref().and_then(index);
        live.admin_up = l.up;
        live.oper_up = l.up && !down.contains(&l.name.as_str());
        live.addresses = l.addresses.clone();
        state.insert(live);
    }
    state
}

struct Rig {
    inproc: Inproc,
    fib: FakeFib,
    live: SharedLive,
    rib: RibHandle,
}

fn rig() -> Rig {
    let kernel = FakeKernel::with_ports(&["eth1"]);
    let dir = tempfile::tempdir().unwrap();
    let store = Datastore::open(dir.path().join("db")).unwrap();
    let fib = FakeFib::default();
    let live = lsys_netlink::live::shared();
    let fresh_kernel = kernel.clone();
    let rib = RibHandle::start(
        Box::new(fib.clone()),
        live.clone(),
        Box::new(move || Ok(live_of(&fresh_kernel, &[]))),
        None,
    )
    .unwrap();
    let clock = Arc::new(ManualClock::new(START));
    let core = Core::start(
        store,
        Options {
            dataplane: Some(Box::new(kernel.clone())),
            rib: Some(rib.clone()),
            clock: clock.clone(),
            ..Options::default()
        },
    )
    .unwrap();
    core.pipeline.reconcile().unwrap();
    let inproc = Inproc::from_parts(core, dir, clock, kernel);
    Rig {
        inproc,
        fib,
        live,
        rib,
    }
}

impl Rig {
    /// Tells the RIB that the kernel's links are now the fake kernel's (with `down` off).
    fn links(&self, down: &[&str]) {
        self.live.write().unwrap().state = live_of(&self.inproc.kernel, down);
        self.rib.links_changed();
    }

    /// Waits (≤ 5 s) until the fake FIB's routes satisfy `ok`.
    fn until(&self, what: &str, ok: impl Fn(&[FibRoute]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let routes: Vec<FibRoute> = self.fib.routes.lock().unwrap().values().cloned().collect();
            if ok(&routes) {
                return;
            }
            assert!(Instant::now() < deadline, "{what}: FIB holds {routes:#?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");
const I: &str = "d87ed303-8b9d-48a5-9f08-aa42b4b50cd8";

fn gateway_of(routes: &[FibRoute], prefix: &str) -> Option<String> {
    routes
        .iter()
        .find(|r| r.prefix.to_string() == prefix)
        .and_then(|r| match &r.action {
            FibAction::Forward(h) => h.first().and_then(|h| h.gateway).map(|g| g.to_string()),
            other => Some(format!("{other:?}")),
        })
}

#[test]
fn tenant_statics_reach_the_fib_and_show_route_and_follow_links() {
    let mut r = rig();
    let mut root = r.inproc.root();
    r.inproc.load_override(&mut root, SEED);
    r.links(&[]);
    let mut t = r.inproc.login(2001, "jvetter", Client::Cli);
    for line in [
        "configure private".to_string(),
        format!("set routing-instances {I} routing-options static route 10.6.0.0/16 next-hop 10.0.0.14"),
        format!("set routing-instances {I} routing-options static route 172.16.0.0/16 next-hop 10.0.0.1"),
        format!("set routing-instances {I} routing-options static route 172.16.0.0/16 qualified-next-hop 10.0.0.14 preference 7"),
        format!("set routing-instances {I} routing-options static route 10.66.0.0/16 discard"),
        format!("set routing-instances {I} routing-options static route 10.68.0.0/16 next-hop 10.0.0.200"),
        "commit and-quit".to_string(),
    ] {
        let reply = r.inproc.run(&mut t, &line);
        assert_eq!(reply.error, None, "{line}: {reply:?}");
    }
    r.until("statics installed", |routes| {
        gateway_of(routes, "10.6.0.0/16").as_deref() == Some("10.0.0.14")
            && gateway_of(routes, "172.16.0.0/16").as_deref() == Some("10.0.0.1")
            && gateway_of(routes, "10.66.0.0/16").as_deref() == Some("Blackhole")
    });
    let fib = r.fib.routes.lock().unwrap().clone();
    assert!(
        !fib.keys().any(|(_, p)| p == "10.68.0.0/16"),
        "an unresolved static is hidden, never installed"
    );

    // The tenant sees its instance's table by its own name, and nothing of the operator's.
    let shown = r.inproc.run(&mut t, "show route").output;
    assert!(shown.contains(&format!("{I}.inet.0: ")), "{shown}");
    assert!(shown.contains("10.6.0.0/16        *[Static/5] "), "{shown}");
    assert!(shown.contains("> to 10.0.0.14 via irb.2"), "{shown}");
    assert!(shown.contains("10.0.0.0/31        *[Direct/0] "), "{shown}");
    assert!(!shown.contains("10.68.0.0"), "{shown}");
    let hidden = r.inproc.run(&mut t, "show route hidden").output;
    assert!(hidden.contains("10.68.0.0/16"), "{hidden}");
    let other = r.inproc.run(&mut t, "show route table inet.0.x");
    assert_eq!(
        other.error.as_deref(),
        Some("error: routing table inet.0.x not found")
    );

    // One prefix in the extensive form; the operator sees the tenant's tables under its name.
    let ext = r
        .inproc
        .run(&mut t, "show route 10.6.0.0/16 exact extensive")
        .output;
    assert!(ext.contains("10.6.0.0/16 (1 entry, 1 announced)"), "{ext}");
    assert!(ext.contains("*Static Preference: 5"), "{ext}");
    let mut root = r.inproc.root();
    let all = r.inproc.run(&mut root, "show route table l2/").output;
    assert!(all.contains(&format!("l2/{I}.inet.0: ")), "{all}");
    let terse = r
        .inproc
        .run(&mut t, "show route protocol static terse")
        .output;
    assert!(terse.contains("* ? 10.6.0.0/16        S   5"), "{terse}");

    // A tenant cannot name another tenant's instance, nor send from an address not its own.
    let e = r
        .inproc
        .err(&mut t, "ping 10.0.0.14 routing-instance blue count 1");
    assert_eq!(e, "error: routing instance blue not found");
    let e = r.inproc.err(
        &mut t,
        &format!("ping 10.0.0.14 routing-instance {I} source 10.99.0.1 count 1"),
    );
    assert_eq!(
        e,
        "error: 10.99.0.1 is not an address of this logical system"
    );
    let e = r.inproc.err(
        &mut t,
        &format!("ping 10.0.0.14 routing-instance {I} size 9001"),
    );
    assert_eq!(e, "error: size 9001 is above the limit of 9000 bytes");

    // AWS's link loses carrier: the floating static moves to Azure, then comes back.
    r.links(&["irb.4"]);
    r.until("floating static over Azure", |routes| {
        gateway_of(routes, "172.16.0.0/16").as_deref() == Some("10.0.0.14")
    });
    r.links(&[]);
    r.until("preferred static back", |routes| {
        gateway_of(routes, "172.16.0.0/16").as_deref() == Some("10.0.0.1")
    });

    // A route deleted from the configuration leaves the kernel.
    for line in [
        "configure private".to_string(),
        format!("delete routing-instances {I} routing-options static route 10.66.0.0/16"),
        "commit and-quit".to_string(),
    ] {
        let reply = r.inproc.run(&mut t, &line);
        assert_eq!(reply.error, None, "{line}: {reply:?}");
    }
    r.until("discard removed", |routes| {
        gateway_of(routes, "10.66.0.0/16").is_none()
    });
}

/// The hops of the route for `prefix`: (gateway, interface index) each.
fn hops_of(routes: &[FibRoute], prefix: &str) -> Option<Vec<(Option<String>, u32)>> {
    routes
        .iter()
        .find(|r| r.prefix.to_string() == prefix)
        .and_then(|r| match &r.action {
            FibAction::Forward(h) => Some(
                h.iter()
                    .map(|h| (h.gateway.map(|g| g.to_string()), h.ifindex))
                    .collect(),
            ),
            _ => None,
        })
}

#[test]
fn an_interface_next_hop_is_a_device_route_that_follows_its_link() {
    let mut r = rig();
    let mut root = r.inproc.root();
    r.inproc.load_override(&mut root, SEED);
    r.links(&[]);
    let live = live_of(&r.inproc.kernel, &[]);
    let irb2 = live
        .links()
        .find(|l| l.name == "irb.2")
        .map(|l| l.index)
        .expect("irb.2");
    let mut t = r.inproc.login(2001, "jvetter", Client::Cli);
    // Another instance's interface (or none) is refused at commit, in the Junos layout.
    r.inproc.ok(&mut t, "configure private");
    r.inproc.ok(
        &mut t,
        &format!(
            "set routing-instances {I} routing-options static route 10.77.0.0/16 next-hop irb.9"
        ),
    );
    let e = r.inproc.err(&mut t, "commit");
    assert!(
        e.contains(&format!(
            "[edit routing-instances {I} routing-options static route 10.77.0.0/16]\n  \
             'next-hop irb.9'\n    next-hop interface irb.9 is not in routing instance {I}"
        )),
        "{e}"
    );
    for line in [
        format!("delete routing-instances {I} routing-options static route 10.77.0.0/16 next-hop irb.9"),
        format!("set routing-instances {I} routing-options static route 10.77.0.0/16 next-hop irb.2"),
        format!("set routing-instances {I} routing-options static route 10.78.0.0/16 next-hop 10.0.0.1"),
        format!("set routing-instances {I} routing-options static route 10.78.0.0/16 qualified-next-hop irb.2 preference 7"),
        "commit and-quit".to_string(),
    ] {
        let reply = r.inproc.run(&mut t, &line);
        assert_eq!(reply.error, None, "{line}: {reply:?}");
    }
    // The FIB gets a route with only an output interface (no gateway).
    r.until("interface route installed", |routes| {
        hops_of(routes, "10.77.0.0/16") == Some(vec![(None, irb2)])
            && gateway_of(routes, "10.78.0.0/16").as_deref() == Some("10.0.0.1")
    });
    let op = r
        .fib
        .ops
        .lock()
        .unwrap()
        .iter()
        .find(|op| op.route().prefix.to_string() == "10.77.0.0/16")
        .cloned();
    match op {
        Some(FibOp::Replace(route)) => match &route.action {
            FibAction::Forward(h) => {
                assert_eq!(h.len(), 1);
                assert_eq!((h[0].gateway, h[0].ifname.as_str()), (None, "irb.2"));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    let shown = r.inproc.run(&mut t, "show route 10.77.0.0/16 exact").output;
    assert!(shown.contains("10.77.0.0/16       *[Static/5] "), "{shown}");
    assert!(
        shown.contains("\n                    > via irb.2\n"),
        "{shown}"
    );
    let ext = r
        .inproc
        .run(&mut t, "show route 10.77.0.0/16 exact extensive")
        .output;
    assert!(ext.contains("Next hop type: Interface"), "{ext}");
    assert!(ext.contains("Next hop: via irb.2, selected"), "{ext}");
    let json = r
        .inproc
        .run(&mut t, "show route 10.77.0.0/16 exact | display json")
        .output;
    assert!(json.contains("\"via\": \"irb.2\""), "{json}");

    // irb.2 down: its route leaves the kernel and is hidden, naming the interface; the
    // gateway route is untouched. AWS down instead: the floating interface route takes over.
    r.links(&["irb.2"]);
    r.until("interface route gone", |routes| {
        hops_of(routes, "10.77.0.0/16").is_none()
            && gateway_of(routes, "10.78.0.0/16").as_deref() == Some("10.0.0.1")
    });
    let hidden = r.inproc.run(&mut t, "show route hidden extensive").output;
    assert!(
        hidden.contains("Next hop: via irb.2 (unresolved)"),
        "{hidden}"
    );
    r.links(&["irb.4"]);
    r.until("interface route back, floating over irb.2", |routes| {
        hops_of(routes, "10.77.0.0/16") == Some(vec![(None, irb2)])
            && hops_of(routes, "10.78.0.0/16") == Some(vec![(None, irb2)])
    });
    let shown = r.inproc.run(&mut t, "show route 10.78.0.0/16 exact").output;
    assert!(shown.contains("*[Static/7] "), "{shown}");
    assert!(shown.contains("> via irb.2"), "{shown}");
    r.links(&[]);
    r.until("preferred gateway back", |routes| {
        gateway_of(routes, "10.78.0.0/16").as_deref() == Some("10.0.0.1")
    });
}

#[test]
fn a_restart_on_a_converged_fib_writes_nothing() {
    let mut r = rig();
    let mut root = r.inproc.root();
    r.inproc.load_override(
        &mut root,
        &SEED.replace(
            "route-distinguisher 65000:1;",
            "route-distinguisher 65000:1;\n routing-options { static { route 10.6.0.0/16 next-hop 10.0.0.14; route 10.66.0.0/16 discard; \
             route 10.77.0.0/16 next-hop irb.2; route 10.79.0.0/16 next-hop [ 10.0.0.1 irb.2 ]; } \
             forwarding-table export lb; }",
        )
        .replace(
            "autonomous-system 65000;\n        }",
            "autonomous-system 65000;\n        }\n        policy-options { policy-statement lb { then load-balance per-packet; } }",
        ),
    );
    r.links(&[]);
    r.until("statics installed", |routes| {
        routes.len() == 4 && hops_of(routes, "10.79.0.0/16").is_some_and(|h| h.len() == 2)
    });
    let writes = r.fib.ops.lock().unwrap().len();
    // A second RIB on the same kernel (a restart of lsysd) adopts the routes and writes none.
    let fresh_kernel = r.inproc.kernel.clone();
    let rib2 = RibHandle::start(
        Box::new(r.fib.clone()),
        r.live.clone(),
        Box::new(move || Ok(live_of(&fresh_kernel, &[]))),
        None,
    )
    .unwrap();
    let running = r.inproc.core.running.get();
    let store = r.inproc.core.store.clone();
    let mut sub = lsysd::actors::routing::Routing::new(rib2, store);
    use lsysd::actors::Subsystem;
    let said = sub.reconcile(&running).unwrap();
    assert!(said.contains(" 0 route writes"), "{said}");
    assert_eq!(r.fib.ops.lock().unwrap().len(), writes);
}

#[test]
fn a_kernel_refusal_is_shown_and_maximum_prefixes_refuses_past_the_limit() {
    let mut r = rig();
    *r.fib.refuse.lock().unwrap() = Some("10.7.0.0/16".into());
    let mut root = r.inproc.root();
    r.inproc.load_override(
        &mut root,
        &SEED.replace(
            "route-distinguisher 65000:1;",
            "route-distinguisher 65000:1;\n routing-options { maximum-prefixes 2; static { \
             route 10.6.0.0/16 next-hop 10.0.0.14; route 10.7.0.0/16 next-hop 10.0.0.14; \
             route 10.8.0.0/16 discard; } }",
        ),
    );
    r.links(&[]);
    r.until("the admitted route installed", |routes| {
        gateway_of(routes, "10.6.0.0/16").is_some()
    });
    let mut t = r.inproc.login(2001, "jvetter", Client::Cli);
    // The refusal is on the route, as the kernel said it; the third static is past the limit.
    let deadline = Instant::now() + Duration::from_secs(5);
    let shown = loop {
        let shown = r.inproc.run(&mut t, "show route protocol static").output;
        if shown.contains("Kernel: refused (File exists)") || Instant::now() > deadline {
            break shown;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(shown.contains("Kernel: refused (File exists)"), "{shown}");
    assert!(!shown.contains("10.8.0.0/16"), "{shown}");
    let summary = r.inproc.run(&mut t, "show route summary").output;
    assert!(
        summary.contains("Limit/Threshold: 2/2 destinations"),
        "{summary}"
    );
    assert!(summary.contains("Refused: 1 destinations"), "{summary}");
    // The tenant cannot raise its own limit.
    let e = r.inproc.run(&mut t, "configure private");
    assert_eq!(e.error, None);
    let e = r.inproc.err(
        &mut t,
        &format!("set routing-instances {I} routing-options maximum-prefixes 100"),
    );
    assert!(e.contains("operator"), "{e}");
}

#[test]
fn deny_commands_keeps_a_class_from_pinging() {
    let mut r = rig();
    let mut root = r.inproc.root();
    r.inproc.load_override(
        &mut root,
        &SEED.replace(
            "permissions all;",
            "permissions all;\n deny-commands \"^(ping|traceroute)\";\n allow-commands \"^show route summary\";",
        ),
    );
    let mut t = r.inproc.login(2001, "jvetter", Client::Cli);
    let e = r.inproc.err(
        &mut t,
        &format!("ping 10.0.0.14 routing-instance {I} count 1"),
    );
    assert_eq!(
        e,
        "error: permission denied: 'ping' is denied by login class l2-tenant"
    );
    r.inproc.ok(&mut t, "configure private");
    let e = r.inproc.err(&mut t, "run traceroute 10.0.0.14");
    assert!(e.contains("is denied by login class l2-tenant"), "{e}");
    r.inproc.ok(&mut t, "exit");
    r.inproc.ok(&mut t, "show route summary");
}

// ---------------------------------------------------------------- BGP

/// The seed tenant's routing instance as a RIB table key.
fn tenant_key() -> String {
    format!("l2/{I}")
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

/// What an eBGP peer of the seed sends, as the speaker will render it.
fn ebgp(peer: &str, peer_as: u32) -> Arc<BgpInfo> {
    Arc::new(BgpInfo {
        as_path: format!("{peer_as} I"),
        local_pref: Some(100),
        med: None,
        from: peer.parse().unwrap(),
        peer_as,
        local_as: Some(65000),
        router_id: None,
        communities: Vec::new(),
        internal: false,
    })
}

fn via(info: &Arc<BgpInfo>, gateway: &str) -> Option<BgpRoute> {
    Some(BgpRoute {
        next_hops: vec![gateway.parse().unwrap()],
        preference: 170,
        info: info.clone(),
    })
}

/// The kernel route for `prefix`: its protocol and first gateway.
fn installed(routes: &[FibRoute], prefix: &str) -> Option<(Protocol, Option<String>)> {
    routes
        .iter()
        .find(|r| r.prefix.to_string() == prefix)
        .map(|r| (r.protocol, gateway_of(routes, prefix)))
}

fn bgp_via(gateway: &str) -> Option<(Protocol, Option<String>)> {
    Some((Protocol::Bgp, Some(gateway.to_string())))
}

/// Takes best changes until `done` holds of those taken (≤ 5 s); returns the batches.
fn best_until(
    rx: &mut tokio::sync::mpsc::Receiver<BestChanges>,
    what: &str,
    done: impl Fn(&BTreeSet<(String, IpNet)>) -> bool,
) -> Vec<BestChanges> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = BTreeSet::new();
    let mut batches = Vec::new();
    while !done(&seen) {
        match rx.try_recv() {
            Ok(b) => {
                seen.extend(b.iter().cloned());
                batches.push(b);
            }
            Err(_) => {
                assert!(Instant::now() < deadline, "{what}: saw {seen:?}");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    batches
}

#[test]
fn bgp_routes_reach_the_fib_as_protocol_211_show_in_show_route_and_lose_to_a_static() {
    let mut r = rig();
    let mut root = r.inproc.root();
    r.inproc.load_override(&mut root, SEED);
    r.links(&[]);
    let key = tenant_key();
    let mut best = r.rib.subscribe_best();
    let (azure, aws) = (ebgp("10.0.0.14", 12076), ebgp("10.0.0.1", 64512));
    r.rib
        .bgp(
            &key,
            Family::Inet,
            vec![
                (net("10.6.0.0/16"), via(&azure, "10.0.0.14")),
                (net("172.31.0.0/16"), via(&aws, "10.0.0.1")),
            ],
        )
        .unwrap();
    r.until("BGP routes installed", |routes| {
        installed(routes, "10.6.0.0/16") == bgp_via("10.0.0.14")
            && installed(routes, "172.31.0.0/16") == bgp_via("10.0.0.1")
    });
    // The daemon writes them with kernel protocol 211.
    for op in r.fib.ops.lock().unwrap().iter() {
        if op.route().protocol == Protocol::Bgp {
            assert_eq!(to_kernel(op.route()).protocol, 211, "{op:?}");
        }
    }
    best_until(&mut best, "best changes of the BGP routes", |seen| {
        seen.contains(&(key.clone(), net("10.6.0.0/16")))
            && seen.contains(&(key.clone(), net("172.31.0.0/16")))
    });

    // The tenant sees them as the seed's capture shows them.
    let mut t = r.inproc.login(2001, "jvetter", Client::Cli);
    let shown = r.inproc.run(&mut t, "show route").output;
    // (Ages are the RIB's clock against the session's manual one: not compared.)
    assert!(shown.contains("10.6.0.0/16        *[BGP/170] "), "{shown}");
    for (head, tail) in [
        ("12076", "10.0.0.14 via irb.2"),
        ("64512", "10.0.0.1 via irb.4"),
    ] {
        assert!(
            shown.contains(&format!(
                ", localpref 100\n                      AS path: {head} I, validation-state: unverified\n                    > to {tail}\n"
            )),
            "{shown}"
        );
    }
    let terse = r.inproc.run(&mut t, "show route protocol bgp terse").output;
    assert!(
        terse.contains(
            "* ? 10.6.0.0/16        B 170        100                             12076 I"
        ),
        "{terse}"
    );
    let ext = r
        .inproc
        .run(&mut t, "show route 172.31.0.0/16 exact extensive")
        .output;
    assert!(ext.contains("*BGP    Preference: 170/-101"), "{ext}");
    assert!(ext.contains("Local AS: 65000 Peer AS: 64512"), "{ext}");
    let summary = r.inproc.run(&mut t, "show route summary").output;
    assert!(
        summary.contains("                 BGP:      2 routes,      2 active"),
        "{summary}"
    );

    // What the speaker's export reads.
    let active = r
        .rib
        .active_routes(
            &key,
            Family::Inet,
            vec![net("10.6.0.0/16"), net("10.0.0.12/30"), net("10.99.0.0/16")],
        )
        .unwrap();
    let protocols: Vec<Option<Protocol>> = active
        .iter()
        .map(|(_, a)| a.as_ref().map(|a| a.protocol))
        .collect();
    assert_eq!(
        protocols,
        [Some(Protocol::Bgp), Some(Protocol::Direct), None]
    );

    // A static for the same prefix wins (5 against 170): the kernel gets it, BGP is kept.
    for line in [
        "configure private".to_string(),
        format!(
            "set routing-instances {I} routing-options static route 10.6.0.0/16 next-hop 10.0.0.1"
        ),
        "commit and-quit".to_string(),
    ] {
        let reply = r.inproc.run(&mut t, &line);
        assert_eq!(reply.error, None, "{line}: {reply:?}");
    }
    r.until("the static replaced the BGP route", |routes| {
        installed(routes, "10.6.0.0/16") == Some((Protocol::Static, Some("10.0.0.1".into())))
    });
    let one = r.inproc.run(&mut t, "show route 10.6.0.0/16 exact").output;
    assert!(one.contains("10.6.0.0/16        *[Static/5] "), "{one}");
    assert!(
        one.contains("\n                    [BGP/170] ") && one.contains(", localpref 100\n"),
        "{one}"
    );
    best_until(&mut best, "the best change of the static", |seen| {
        seen.contains(&(key.clone(), net("10.6.0.0/16")))
    });

    // BGP routes of another table (the root's master instance) are not the tenant's.
    r.rib
        .bgp(
            "",
            Family::Inet,
            vec![(net("198.51.100.0/24"), via(&aws, "192.0.2.1"))],
        )
        .unwrap();
    let mut root = r.inproc.root();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let all = r.inproc.run(&mut root, "show route hidden").output;
        if all.contains("198.51.100.0/24") {
            break;
        }
        assert!(Instant::now() < deadline, "{all}");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mine = r.inproc.run(&mut t, "show route hidden").output;
    assert!(!mine.contains("198.51.100.0/24"), "{mine}");
    let mine = r.inproc.run(&mut t, "show route protocol bgp").output;
    assert!(!mine.contains("198.51.100.0/24"), "{mine}");
    assert!(mine.contains("172.31.0.0/16"), "{mine}");
}

/// A subscriber that does not read never holds the RIB up: once its channel is full its
/// changes wait in a backlog, each prefix once, and come out when it reads again.
#[test]
fn a_lagging_best_subscriber_gets_a_coalesced_backlog() {
    let mut r = rig();
    let mut root = r.inproc.root();
    r.inproc.load_override(&mut root, SEED);
    r.links(&[]);
    let key = tenant_key();
    let azure = ebgp("10.0.0.14", 12076);
    let prefixes: Vec<IpNet> = (0..40).map(|i| net(&format!("10.100.{i}.0/24"))).collect();
    let mut best = r.rib.subscribe_best();
    // One route at a time, each installed before the next: one batch of changes each, far
    // more than the channel holds, and nobody reading.
    for p in &prefixes {
        r.rib
            .bgp(&key, Family::Inet, vec![(*p, via(&azure, "10.0.0.14"))])
            .unwrap();
        let want = p.to_string();
        r.until("installed while the subscriber lags", |routes| {
            installed(routes, &want) == bgp_via("10.0.0.14")
        });
    }
    // Withdraw and give back the first: it changed twice more, and is reported once more.
    r.rib
        .bgp(&key, Family::Inet, vec![(prefixes[0], None)])
        .unwrap();
    r.rib
        .bgp(
            &key,
            Family::Inet,
            vec![(prefixes[0], via(&azure, "10.0.0.14"))],
        )
        .unwrap();
    let status = r.rib.query(|_, s| s.clone()).unwrap();
    assert!(status.reconciled);
    let batches = best_until(&mut best, "every prefix", |seen| {
        prefixes.iter().all(|p| seen.contains(&(key.clone(), *p)))
    });
    assert!(
        batches.len() <= BEST_QUEUE + 2,
        "{} batches: the backlog comes out coalesced",
        batches.len()
    );
    assert!(
        batches.iter().any(|b| b.len() > 1),
        "one batch carries the backlog"
    );
}

/// lsysd restarts: the kernel still holds the BGP routes; the new RIB keeps them (no write)
/// until the speaker is in sync, then deletes those it did not give again. Without a speaker,
/// the grace period ends it.
#[test]
fn a_restart_keeps_kernel_bgp_routes_until_the_speaker_is_in_sync() {
    let mut r = rig();
    let mut root = r.inproc.root();
    r.inproc.load_override(&mut root, SEED);
    r.links(&[]);
    let key = tenant_key();
    let (azure, aws) = (ebgp("10.0.0.14", 12076), ebgp("10.0.0.1", 64512));
    r.rib
        .bgp(
            &key,
            Family::Inet,
            vec![
                (net("10.6.0.0/16"), via(&azure, "10.0.0.14")),
                (net("172.31.0.0/16"), via(&aws, "10.0.0.1")),
            ],
        )
        .unwrap();
    r.until("BGP routes installed", |routes| routes.len() == 2);
    let writes = r.fib.ops.lock().unwrap().len();

    let restart = |grace: Option<Duration>| {
        let fresh_kernel = r.inproc.kernel.clone();
        let rib = RibHandle::start(
            Box::new(r.fib.clone()),
            r.live.clone(),
            Box::new(move || Ok(live_of(&fresh_kernel, &[]))),
            None,
        )
        .unwrap();
        if let Some(g) = grace {
            rib.set_bgp_grace(g).unwrap();
        }
        let running = r.inproc.core.running.get();
        let store = r.inproc.core.store.clone();
        let mut sub = lsysd::actors::routing::Routing::new(rib.clone(), store);
        use lsysd::actors::Subsystem;
        (rib, sub.reconcile(&running).unwrap())
    };
    let (rib2, said) = restart(None);
    assert!(said.contains(" 0 route writes"), "{said}");
    // The speaker gives one again, as installed: nothing to write.
    rib2.bgp(
        &key,
        Family::Inet,
        vec![(net("10.6.0.0/16"), via(&azure, "10.0.0.14"))],
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while rib2
        .active_routes(&key, Family::Inet, vec![net("10.6.0.0/16")])
        .unwrap()[0]
        .1
        .is_none()
    {
        assert!(Instant::now() < deadline, "the route given again is active");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(r.fib.ops.lock().unwrap().len(), writes);
    // In sync: the one it did not give again goes.
    rib2.bgp_synced(&key, Family::Inet).unwrap();
    r.until("the stale route deleted", |routes| {
        installed(routes, "172.31.0.0/16").is_none()
            && installed(routes, "10.6.0.0/16") == bgp_via("10.0.0.14")
    });
    let ops = r.fib.ops.lock().unwrap().clone();
    assert_eq!(
        ops.len(),
        writes + 1,
        "only the delete: {:#?}",
        &ops[writes..]
    );
    assert!(
        matches!(&ops[writes], FibOp::Delete(d) if d.prefix == net("172.31.0.0/16")),
        "{ops:?}"
    );

    // No speaker at all: the grace period ends and the route nobody gave goes.
    let (_rib3, said) = restart(Some(Duration::ZERO));
    assert!(said.contains(" 0 route writes"), "{said}");
    r.until("the grace period deleted it", |routes| {
        installed(routes, "10.6.0.0/16").is_none()
    });
}
