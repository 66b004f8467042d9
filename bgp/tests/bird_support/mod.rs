//! BIRD 2 as a BGP peer in a network namespace of its own, behind a veth pair whose other end
//! stays in the test's namespace (see net_support::in_netns). Killed when dropped.
#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use tokio::time::timeout;

/// Whether `bird` can run here; in CI (which installs bird2) a missing BIRD is a failure.
pub fn available() -> bool {
    if Command::new("bird").arg("--version").output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "bird is not installed");
    eprintln!("bird is not installed: skipped (apt-get install bird2)");
    false
}

pub struct Bird {
    child: Child,
    pub sock: PathBuf,
    _dir: tempfile::TempDir,
}

impl Bird {
    /// Starts BIRD with `conf` in a new namespace reached over veth `ours`/`theirs`: `ours`
    /// gets `our_addr` here, `theirs` gets `their_addr` there (both `A/P`).
    pub fn start(conf: &str, ours: &str, our_addr: &str, theirs: &str, their_addr: &str) -> Bird {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bird.conf");
        let sock = dir.path().join("bird.ctl");
        std::fs::write(&path, conf).expect("bird.conf");
        super::net_support::ip(&format!("link add {ours} type veth peer name {theirs}"));
        super::net_support::ip(&format!("addr add {our_addr} dev {ours}"));
        super::net_support::ip(&format!("link set {ours} up"));
        let script = format!(
            "for i in $(seq 100); do ip link show {theirs} >/dev/null 2>&1 && break; sleep 0.05; done
             ip link set lo up; ip addr add {their_addr} dev {theirs}; ip link set {theirs} up
             for i in $(seq 100); do ip link show {theirs} | grep -q 'state UP' && break; sleep 0.05; done
             exec bird -f -c {} -s {}",
            path.display(),
            sock.display()
        );
        let child = Command::new("unshare")
            .args(["--net", "--", "sh", "-c", &script])
            .spawn()
            .expect("start bird");
        // Move the link only once the child has its own namespace (before that, `netns PID`
        // would name ours and the link would stay here).
        let ours_ns = std::fs::read_link("/proc/thread-self/ns/net").expect("own netns");
        for _ in 0..200 {
            match std::fs::read_link(format!("/proc/{}/ns/net", child.id())) {
                Ok(ns) if ns != ours_ns => break,
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        super::net_support::ip(&format!("link set {theirs} netns {}", child.id()));
        Bird {
            child,
            sock,
            _dir: dir,
        }
    }

    pub fn birdc(&self, args: &[&str]) -> String {
        let out = Command::new("birdc")
            .arg("-s")
            .arg(&self.sock)
            .args(args)
            .output()
            .expect("birdc");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Waits (bounded) until `birdc show route for PREFIX all` mentions `want`; returns it.
    pub async fn route(&self, prefix: &str, want: &str, bound: Duration) -> Option<String> {
        timeout(bound, async {
            loop {
                let text = self.birdc(&["show", "route", "for", prefix, "all"]);
                if text.contains(want) {
                    return text;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .ok()
    }
}

impl Drop for Bird {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
