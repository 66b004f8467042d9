//! Shared by the `net_*` tests: a throwaway network namespace per test, a tokio runtime in it.
//!
//! Each test runs on its own thread that `unshare(CLONE_NEWNET)`s (as netlink/tests/batch.rs
//! does): the namespace belongs to that thread alone and the kernel destroys it, with every
//! socket and key, when the thread ends. Only its `lo` is brought up; the host's network is never
//! touched. Needs root (CAP_SYS_ADMIN for unshare, CAP_NET_RAW for SO_BINDTODEVICE).
#![allow(dead_code)] // each test binary uses a different part

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::process::Command;
use std::time::Duration;

use lsys_bgp::net::{BgpListener, ConnectConfig, Md5Key};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The port the tests listen on (a fresh namespace has all ports free).
pub const PORT: u16 = 1179;
/// How long a connection that must not complete is given.
pub const REFUSED_WITHIN: Duration = Duration::from_millis(1500);
/// The bound on anything that must succeed.
pub const BOUND: Duration = Duration::from_secs(3);

pub fn v4() -> IpAddr {
    "127.0.0.1".parse().expect("address")
}

pub fn v6() -> IpAddr {
    "::1".parse().expect("address")
}

/// Runs the future made by `f` on a current-thread runtime, on a new thread inside a fresh
/// network namespace whose `lo` is up.
pub fn in_netns<F, Fut>(f: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    let t = std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare(CLONE_NEWNET)");
        ip("link set lo up");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(f())
    });
    match t.join() {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    }
}

pub fn ip(args: &str) -> String {
    let out = Command::new("ip")
        .args(args.split_whitespace())
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "ip {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A connect to `addr:PORT` in the main table with `key`, bounded by `timeout`.
pub fn client(addr: IpAddr, key: Option<&str>, timeout: Duration) -> ConnectConfig {
    ConnectConfig {
        key: key.map(Md5Key::new),
        timeout,
        ..ConnectConfig::new(SocketAddr::new(addr, PORT))
    }
}

/// Accepts one connection within [`BOUND`].
pub async fn accept(listener: &BgpListener) -> (TcpStream, SocketAddr) {
    tokio::time::timeout(BOUND, listener.accept())
        .await
        .expect("a connection within the bound")
        .expect("accept")
}

/// Asserts the listener has no connection waiting (nothing completed the handshake).
pub async fn accepts_nothing(listener: &BgpListener) {
    let r = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(r.is_err(), "the listener accepted a connection: {r:?}");
}

/// Sends bytes each way and checks they arrive.
pub async fn exchange(client: &mut TcpStream, server: &mut TcpStream) {
    client.write_all(b"OPEN from client").await.expect("write");
    let mut buf = [0u8; 16];
    tokio::time::timeout(BOUND, server.read_exact(&mut buf))
        .await
        .expect("bytes within the bound")
        .expect("read");
    assert_eq!(&buf, b"OPEN from client");
    server.write_all(b"OPEN from server").await.expect("write");
    tokio::time::timeout(BOUND, client.read_exact(&mut buf))
        .await
        .expect("bytes within the bound")
        .expect("read");
    assert_eq!(&buf, b"OPEN from server");
}

/// The kernel's MD5 drop counters of this thread's namespace (`TcpExt` in netstat).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Md5Drops {
    /// A SYN without a signature where a key was expected.
    pub not_found: u64,
    /// A signed segment where no key was expected.
    pub unexpected: u64,
    /// A signature that did not verify (wrong key).
    pub failure: u64,
}

pub fn md5_drops() -> Md5Drops {
    // thread-self: the namespace is this thread's, not the process's.
    let text = std::fs::read_to_string("/proc/thread-self/net/netstat").expect("netstat");
    let mut lines = text.lines();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        if !names.starts_with("TcpExt:") {
            continue;
        }
        let mut drops = Md5Drops::default();
        for (name, value) in names.split_whitespace().zip(values.split_whitespace()) {
            let value = value.parse().unwrap_or(0);
            match name {
                "TCPMD5NotFound" => drops.not_found = value,
                "TCPMD5Unexpected" => drops.unexpected = value,
                "TCPMD5Failure" => drops.failure = value,
                _ => {}
            }
        }
        return drops;
    }
    panic!("no TcpExt in netstat");
}
