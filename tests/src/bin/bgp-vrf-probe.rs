//! TCP MD5 keys scoped to VRFs, checked on a real VRF kernel (run by tests/lab/bgp-vrf.sh).
//!
//! Two tenants' VRFs hold the *same* peer address (10.0.0.1, one peer namespace behind each)
//! with different keys. Listeners on port 179 in the main table, in vrfA (key "keyA") and in
//! vrfB (key "keyB") coexist; each peer reaches only its own VRF's listener, and only with its
//! own key; outgoing connects from a VRF sign with that VRF's key. This is the property that
//! FRR got wrong several times (routing-notes.md): without TCP_MD5SIG_FLAG_IFINDEX the two
//! keys would collide.
//!
//! ```text
//! bgp-vrf-probe check                    orchestrates; prints `check: ...` lines, VRF-MD5-OK
//! bgp-vrf-probe client ADDR:PORT [KEY]   (in a peer namespace) exit 0 iff it connects in 2 s
//! bgp-vrf-probe server PORT PEER KEY     (in a peer namespace) accept one signed connection
//! ```

use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lsys_bgp::net::{
    check_tcp_l3mdev_accept, connect, BgpListener, ConnectConfig, Family, ListenerConfig, Md5Key,
    PeerKey,
};

const PEER: &str = "10.0.0.1";
const WAIT: Duration = Duration::from_secs(2);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let code = rt.block_on(async {
        match args
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["check"] => check().await,
            ["client", addr, rest @ ..] => client(addr, rest.first().copied()).await,
            ["server", port, peer, key] => server(port, peer, key).await,
            _ => {
                eprintln!(
                    "usage: bgp-vrf-probe check | client ADDR:PORT [KEY] | server PORT PEER KEY"
                );
                2
            }
        }
    });
    std::process::exit(code);
}

fn sh(cmd: &str) {
    let ok = Command::new("sh")
        .args(["-c", cmd])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "failed: {cmd}");
}

fn peer() -> IpAddr {
    PEER.parse().expect("address")
}

async fn client(addr: &str, key: Option<&str>) -> i32 {
    let mut c = ConnectConfig::new(addr.parse().expect("ADDR:PORT"));
    c.key = key.map(Md5Key::new);
    c.timeout = WAIT;
    match connect(&c).await {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("client: {e}");
            1
        }
    }
}

async fn server(port: &str, peer: &str, key: &str) -> i32 {
    let l = BgpListener::bind(
        &ListenerConfig::new(Family::Ipv4)
            .port(port.parse().expect("port"))
            .key(PeerKey::new(peer.parse().expect("peer"), key)),
    )
    .expect("listener");
    println!("listening");
    match tokio::time::timeout(Duration::from_secs(6), l.accept()).await {
        Ok(Ok(_)) => 0,
        _ => 1,
    }
}

/// Runs `bgp-vrf-probe ARGS` inside namespace `ns`; whether it exited 0.
async fn in_ns(ns: &str, args: &[&str]) -> bool {
    let me = std::env::current_exe().expect("own path");
    let mut cmd = tokio::process::Command::new("ip");
    cmd.args(["netns", "exec", ns]).arg(me).args(args);
    cmd.stdout(Stdio::null());
    cmd.status().await.is_ok_and(|s| s.success())
}

fn topology() {
    for (vrf, table, ns, dev) in [("vrfA", 10, "peerA", "vA"), ("vrfB", 20, "peerB", "vB")] {
        sh(&format!(
            "ip link add {vrf} type vrf table {table} && ip link set {vrf} up &&
             ip netns add {ns} &&
             ip link add {dev}0 type veth peer name {dev}1 &&
             ip link set {dev}0 master {vrf} && ip addr add 10.0.0.0/31 dev {dev}0 &&
             ip link set {dev}0 up &&
             ip link set {dev}1 netns {ns} &&
             ip -n {ns} addr add {PEER}/31 dev {dev}1 && ip -n {ns} link set {dev}1 up &&
             ip -n {ns} link set lo up"
        ));
    }
}

async fn check() -> i32 {
    check_tcp_l3mdev_accept().expect("tcp_l3mdev_accept must be 0");
    println!("check: tcp_l3mdev_accept is 0");
    topology();
    let accepted: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let listen = |name: &'static str, cfg: ListenerConfig| {
        let l = BgpListener::bind(&cfg).unwrap_or_else(|e| panic!("listener {name}: {e}"));
        let accepted = accepted.clone();
        tokio::spawn(async move {
            while let Ok(_conn) = l.accept().await {
                accepted.lock().expect("lock").push(name);
            }
        });
    };
    // Three listeners on port 179 at once: the main table, vrfA, vrfB.
    listen("main", ListenerConfig::new(Family::Ipv4));
    listen(
        "A",
        ListenerConfig::new(Family::Ipv4)
            .device("vrfA")
            .key(PeerKey::new(peer(), "keyA")),
    );
    listen(
        "B",
        ListenerConfig::new(Family::Ipv4)
            .device("vrfB")
            .key(PeerKey::new(peer(), "keyB")),
    );
    println!("check: listeners on :179 in main, vrfA (keyA) and vrfB (keyB)");
    let mut ok = true;
    for (ns, key, want) in [
        ("peerA", Some("keyA"), Some("A")),
        ("peerA", Some("keyB"), None),
        ("peerA", None, None),
        ("peerB", Some("keyB"), Some("B")),
        ("peerB", Some("keyA"), None),
    ] {
        accepted.lock().expect("lock").clear();
        let mut args = vec!["client", "10.0.0.0:179"];
        args.extend(key);
        let connected = in_ns(ns, &args).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let got = accepted.lock().expect("lock").clone();
        let good = connected == want.is_some() && got == want.into_iter().collect::<Vec<_>>();
        println!(
            "check: {ns} with {:<5} -> {} {}",
            key.unwrap_or("no key"),
            if connected { "connected to" } else { "refused" },
            if got.is_empty() {
                "-".to_string()
            } else {
                got.join(",")
            },
        );
        ok &= good;
    }
    // A key added to a running VRF listener applies to the next connection (FRR PR #21467).
    let late = BgpListener::bind(&ListenerConfig::new(Family::Ipv4).device("vrfA").port(1790))
        .expect("late listener");
    let before = in_ns("peerA", &["client", "10.0.0.0:1790", "keyA"]).await;
    late.set_key(&PeerKey::new(peer(), "keyA"))
        .expect("key at run time");
    let accept = tokio::spawn(async move { late.accept().await.is_ok() });
    let after = in_ns("peerA", &["client", "10.0.0.0:1790", "keyA"]).await;
    let accepted_late = tokio::time::timeout(WAIT, accept)
        .await
        .is_ok_and(|r| r.unwrap_or(false));
    println!("check: key added at run time: signed connect before {before}, after {after}");
    ok &= !before && after && accepted_late;
    // Outgoing: a connect from vrfA signs with keyA and reaches peerA only.
    for (vrf, ns, port, key, want) in [
        ("vrfA", "peerA", 1791, "keyA", true),
        ("vrfA", "peerA", 1792, "keyB", false),
        ("vrfB", "peerB", 1793, "keyB", true),
    ] {
        let server_key = if ns == "peerA" { "keyA" } else { "keyB" };
        let me = std::env::current_exe().expect("own path");
        let mut server = tokio::process::Command::new("ip")
            .args(["netns", "exec", ns])
            .arg(me)
            .args(["server", &port.to_string(), "10.0.0.0", server_key])
            .stdout(Stdio::piped())
            .spawn()
            .expect("server");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut c = ConnectConfig::new(SocketAddr::new(peer(), port));
        c.device = Some(vrf.into());
        c.key = Some(Md5Key::new(key));
        c.local = Some("10.0.0.0".parse().expect("local"));
        c.ttl = 1;
        c.timeout = WAIT;
        let connected = connect(&c).await.is_ok();
        let _ = server.start_kill();
        let _ = server.wait().await;
        println!(
            "check: connect from {vrf} with {key} -> {}",
            if connected { "connected" } else { "refused" }
        );
        ok &= connected == want;
    }
    if ok {
        println!("VRF-MD5-OK");
        0
    } else {
        println!("FAIL: VRF-scoped MD5 keys misbehaved (see the check lines)");
        1
    }
}
