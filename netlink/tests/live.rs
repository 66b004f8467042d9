//! The live-state watcher and route dumps against this host's kernel, inside throwaway network
//! namespaces (needs root; uses only veth and bridge devices, which every CI kernel has).
//!
//! `lsys-live-<pid>-<case>` holds a bridge `br0` with veth `va` enslaved; the peer `vb` sits in
//! `lsys-live-<pid>-<case>-peer`, so taking `vb` down drops the carrier of `va` and with it of
//! `br0`. The watcher runs on a thread that entered the namespace, under a current-thread
//! tokio runtime; the test drives the kernel with `ip -n` and polls the shared state.
//! No traffic is sent.

use std::fs::File;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use lsys_netlink::live::{self, KernelRoute, Live, RouteKind, RouteProto, SharedLive};
use nix::sched::{setns, CloneFlags};

const WAIT: Duration = Duration::from_secs(5);

/// Two namespaces, deleted on drop (test failure included).
struct Netns {
    name: String,
    peer: String,
}

impl Netns {
    fn new(case: &str) -> Netns {
        let name = format!("lsys-live-{}-{case}", std::process::id());
        let ns = Netns {
            peer: format!("{name}-peer"),
            name,
        };
        run(&["netns", "add", &ns.name]);
        run(&["netns", "add", &ns.peer]);
        ns
    }

    /// `ip -n NS ARGS...` in the watched namespace.
    fn ip(&self, args: &[&str]) {
        let mut v = vec!["-n", self.name.as_str()];
        v.extend_from_slice(args);
        run(&v);
    }

    fn ip_peer(&self, args: &[&str]) {
        let mut v = vec!["-n", self.peer.as_str()];
        v.extend_from_slice(args);
        run(&v);
    }

    /// br0 (192.0.2.1/24) ← va ⇄ vb (peer namespace), everything up.
    fn topology(&self) {
        self.ip(&[
            "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", &self.peer,
        ]);
        self.ip(&["link", "add", "br0", "type", "bridge"]);
        self.ip(&["link", "set", "va", "master", "br0"]);
        self.ip(&["link", "set", "va", "up"]);
        self.ip(&["link", "set", "br0", "up"]);
        self.ip(&["address", "add", "192.0.2.1/24", "dev", "br0"]);
        self.ip_peer(&["link", "set", "vb", "up"]);
    }

    /// Runs `f` on a thread inside the watched namespace.
    fn enter<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> thread::JoinHandle<T> {
        let path = format!("/var/run/netns/{}", self.name);
        thread::spawn(move || {
            let fd = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            setns(&fd, CloneFlags::CLONE_NEWNET).expect("setns");
            f()
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for ns in [&self.name, &self.peer] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

fn run(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("runs ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls `shared` until `pred` holds; panics with `what` after [`WAIT`].
fn wait_for(shared: &SharedLive, what: &str, pred: impl Fn(&Live) -> bool) {
    let start = Instant::now();
    loop {
        {
            let live = shared.read().unwrap();
            if pred(&live) {
                return;
            }
            if start.elapsed() > WAIT {
                panic!("timed out waiting for {what}; state: {:#?}", live.state);
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn oper(live: &Live, name: &str) -> Option<bool> {
    live.state.by_name(name).map(|l| l.oper_up)
}

fn has_addr(live: &Live, name: &str, addr: &str) -> bool {
    let a: IpNet = addr.parse().unwrap();
    live.state
        .by_name(name)
        .is_some_and(|l| l.addresses.contains(&a))
}

/// The watcher thread; stops (and joins) on drop.
struct Watcher {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start_watcher(ns: &Netns, shared: SharedLive) -> Watcher {
    start_watcher_with(ns, shared, None)
}

fn start_watcher_with(
    ns: &Netns,
    shared: SharedLive,
    events: Option<tokio::sync::broadcast::Sender<live::LiveEvent>>,
) -> Watcher {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = ns.enter(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            tokio::select! {
                r = live::watch_with(shared, events) => panic!("watcher ended: {r:?}"),
                _ = stopped => {}
            }
        });
    });
    Watcher {
        stop: Some(stop),
        thread: Some(thread),
    }
}

#[test]
fn subscribers_hear_link_and_address_events() {
    let ns = Netns::new("events");
    ns.topology();
    let shared = live::shared();
    let (tx, mut rx) = tokio::sync::broadcast::channel(64);
    let _watcher = start_watcher_with(&ns, shared.clone(), Some(tx));
    wait_for(&shared, "initial dump", |l| l.dumps >= 1);
    let start = Instant::now();
    let next = |rx: &mut tokio::sync::broadcast::Receiver<live::LiveEvent>| loop {
        match rx.try_recv() {
            Ok(e) => return e,
            Err(_) if start.elapsed() < WAIT => thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("no event: {e:?}"),
        }
    };
    assert_eq!(next(&mut rx), live::LiveEvent::Resync, "the initial dump");
    ns.ip(&["address", "add", "198.51.100.1/24", "dev", "br0"]);
    let br = shared.read().unwrap().state.by_name("br0").unwrap().index;
    let mut seen = Vec::new();
    while !seen.contains(&live::LiveEvent::Address { index: br }) {
        seen.push(next(&mut rx));
    }
    // The state already holds the change when the event arrives.
    assert!(has_addr(&shared.read().unwrap(), "br0", "198.51.100.1/24"));
    ns.ip_peer(&["link", "set", "vb", "down"]);
    let va = shared.read().unwrap().state.by_name("va").unwrap().index;
    while !seen.contains(&live::LiveEvent::Link { index: va }) {
        seen.push(next(&mut rx));
    }
}

#[test]
fn watcher_follows_link_and_address_events() {
    let ns = Netns::new("watch");
    ns.topology();
    let shared = live::shared();
    let _watcher = start_watcher(&ns, shared.clone());

    wait_for(&shared, "initial dump", |l| {
        l.dumps >= 1 && oper(l, "br0") == Some(true) && oper(l, "va") == Some(true)
    });
    {
        let live = shared.read().unwrap();
        let br = live.state.by_name("br0").unwrap();
        let va = live.state.by_name("va").unwrap();
        assert_eq!((br.kind.as_str(), va.kind.as_str()), ("bridge", "veth"));
        assert_eq!(va.master, Some(br.index));
        assert!(br.admin_up);
        assert!(has_addr(&live, "br0", "192.0.2.1/24"));
    }
    let events_before = shared.read().unwrap().events;

    // The far end goes down: the veth loses carrier, and the bridge with its only member.
    ns.ip_peer(&["link", "set", "vb", "down"]);
    wait_for(&shared, "va and br0 oper down", |l| {
        oper(l, "va") == Some(false) && oper(l, "br0") == Some(false)
    });
    {
        let live = shared.read().unwrap();
        assert!(
            live.state.by_name("va").unwrap().admin_up,
            "admin state is untouched"
        );
        assert!(live.events > events_before);
    }
    ns.ip_peer(&["link", "set", "vb", "up"]);
    wait_for(&shared, "va and br0 oper up again", |l| {
        oper(l, "va") == Some(true) && oper(l, "br0") == Some(true)
    });

    ns.ip(&["address", "add", "198.51.100.1/24", "dev", "br0"]);
    ns.ip(&["address", "add", "2001:db8::1/64", "dev", "br0", "nodad"]);
    wait_for(&shared, "new addresses on br0", |l| {
        has_addr(l, "br0", "198.51.100.1/24") && has_addr(l, "br0", "2001:db8::1/64")
    });
    ns.ip(&["address", "del", "198.51.100.1/24", "dev", "br0"]);
    ns.ip(&["address", "del", "2001:db8::1/64", "dev", "br0"]);
    wait_for(&shared, "addresses gone from br0", |l| {
        !has_addr(l, "br0", "198.51.100.1/24")
            && !has_addr(l, "br0", "2001:db8::1/64")
            && has_addr(l, "br0", "192.0.2.1/24")
    });

    // Admin down on our side shows as admin down.
    ns.ip(&["link", "set", "br0", "down"]);
    wait_for(&shared, "br0 admin down", |l| {
        l.state
            .by_name("br0")
            .is_some_and(|b| !b.admin_up && !b.oper_up)
    });

    // Leaving the bridge is not a deletion (the kernel also sends an AF_BRIDGE RTM_DELLINK).
    ns.ip(&["link", "set", "va", "nomaster"]);
    wait_for(&shared, "va without master", |l| {
        l.state.by_name("va").is_some_and(|v| v.master.is_none())
    });
    ns.ip(&["link", "del", "va"]);
    wait_for(&shared, "va deleted", |l| l.state.by_name("va").is_none());
    ns.ip(&["link", "del", "br0"]);
    wait_for(&shared, "br0 deleted", |l| l.state.by_name("br0").is_none());
    assert_eq!(shared.read().unwrap().dumps, 1, "no resync was needed");
}

#[test]
fn routes_of_one_table() {
    let ns = Netns::new("routes");
    ns.topology();
    let t = ["table", "1000"];
    ns.ip(&[
        &[
            "route",
            "add",
            "203.0.113.0/24",
            "via",
            "192.0.2.2",
            "proto",
            "static",
        ][..],
        &t,
    ]
    .concat());
    ns.ip(&[&["route", "add", "blackhole", "198.18.0.0/15"][..], &t].concat());
    ns.ip(&[&["route", "add", "unreachable", "default"][..], &t].concat());
    ns.ip(&[
        &["-6", "route", "add", "blackhole", "2001:db8:1::/48"][..],
        &t,
    ]
    .concat());
    // Another table must not leak in.
    ns.ip(&[
        "route",
        "add",
        "192.0.2.0/25",
        "via",
        "192.0.2.3",
        "table",
        "1001",
    ]);

    let (mine, missing) = ns
        .enter(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async { (live::routes(1000).await, live::routes(4242).await) })
        })
        .join()
        .unwrap();
    let mine: Vec<KernelRoute> = mine.expect("dump of table 1000");
    assert!(missing.expect("dump of a missing table").is_empty());
    let find = |dst: &str| {
        let d: IpNet = dst.parse().unwrap();
        mine.iter()
            .find(|r| r.destination == d)
            .unwrap_or_else(|| panic!("{dst} missing from {mine:#?}"))
    };
    assert!(mine.iter().all(|r| r.table == 1000));
    assert!(!mine
        .iter()
        .any(|r| r.destination.to_string() == "192.0.2.0/25"));
    let via = find("203.0.113.0/24");
    assert_eq!(
        (via.kind, via.protocol),
        (RouteKind::Unicast, RouteProto::Static)
    );
    assert_eq!(via.next_hops.len(), 1);
    assert_eq!(via.next_hops[0].gateway, Some("192.0.2.2".parse().unwrap()));
    assert_eq!(via.next_hops[0].dev.as_deref(), Some("br0"));
    assert_eq!(find("198.18.0.0/15").kind, RouteKind::Blackhole);
    assert!(find("198.18.0.0/15").next_hops.is_empty());
    assert_eq!(find("0.0.0.0/0").kind, RouteKind::Unreachable);
    assert_eq!(find("2001:db8:1::/48").kind, RouteKind::Blackhole);
}
