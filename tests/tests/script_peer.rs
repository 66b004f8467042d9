//! tests/src/bin/bgp-script-peer against BIRD 2: the RFC 7606 treat-as-withdraw case the lab
//! shows with lsysd, checked here against an independent implementation.
//!
//! ```text
//!  test thread, own network namespace            BIRD's namespace (unshare --net)
//!  bgp-script-peer 10.0.0.0 AS 65000  ── v0 ══ v1 ──  bird 10.0.0.1 AS 64512, MD5, passive
//!    stdin: commands, stdout: one line each            birdc: show route / show protocols
//! ```
//!
//! As in lsys-bgp's tests/peer.rs (bird_support): each test runs on a thread that unshares its
//! network namespace, so nothing touches the host's network and every link and socket goes
//! away with the thread; BIRD and the script peer are killed when dropped. Needs root and
//! `bird` (skipped without it, except in CI, which installs bird2). Every wait is bounded.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(20);
const PEER: &str = env!("CARGO_BIN_EXE_bgp-script-peer");

fn bird_available() -> bool {
    if Command::new("bird").arg("--version").output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "bird is not installed");
    eprintln!("bird is not installed: skipped (apt-get install bird2)");
    false
}

/// Runs `f` on a new thread inside a fresh network namespace whose `lo` is up.
fn in_netns(f: impl FnOnce() + Send + 'static) {
    let t = std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare(CLONE_NEWNET)");
        ip("link set lo up");
        f()
    });
    if let Err(p) = t.join() {
        std::panic::resume_unwind(p);
    }
}

fn ip(args: &str) {
    let out = Command::new("ip")
        .args(args.split_whitespace())
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "ip {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls `check` every 100 ms until it returns something, for at most `bound`.
fn until<T>(bound: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + bound;
    loop {
        if let Some(t) = check() {
            return Some(t);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// BIRD (AS 64512, 10.0.0.1, key "abcdefgh", passive) exporting 172.31.0.0/16, in a namespace
/// behind veth v1; v0 (10.0.0.0/31) stays in the test's namespace.
struct Bird {
    child: Child,
    sock: PathBuf,
    _dir: tempfile::TempDir,
}

impl Bird {
    fn start() -> Bird {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("bird.conf");
        let sock = dir.path().join("bird.ctl");
        std::fs::write(
            &conf,
            "router id 10.0.0.1;
             protocol device {}
             protocol static { ipv4; route 172.31.0.0/16 blackhole; }
             protocol bgp script {
                 local 10.0.0.1 as 64512;
                 neighbor 10.0.0.0 as 65000;
                 password \"abcdefgh\";
                 passive on;
                 hold time 30;
                 ipv4 { import all; export where source = RTS_STATIC; };
             }",
        )
        .expect("bird.conf");
        ip("link add v0 type veth peer name v1");
        ip("addr add 10.0.0.0/31 dev v0");
        ip("link set v0 up");
        let script = format!(
            "for i in $(seq 100); do ip link show v1 >/dev/null 2>&1 && break; sleep 0.05; done
             ip link set lo up; ip addr add 10.0.0.1/31 dev v1; ip link set v1 up
             exec bird -f -c {} -s {}",
            conf.display(),
            sock.display()
        );
        let child = Command::new("unshare")
            .args(["--net", "--", "sh", "-c", &script])
            .spawn()
            .expect("start bird");
        // Move the link only once the child has its own namespace.
        let ours = std::fs::read_link("/proc/thread-self/ns/net").expect("own netns");
        until(Duration::from_secs(2), || {
            let theirs = std::fs::read_link(format!("/proc/{}/ns/net", child.id()));
            theirs.ok().filter(|ns| *ns != ours)
        })
        .expect("BIRD's namespace");
        ip(&format!("link set v1 netns {}", child.id()));
        Bird {
            child,
            sock,
            _dir: dir,
        }
    }

    fn birdc(&self, args: &str) -> String {
        let out = Command::new("birdc")
            .arg("-s")
            .arg(&self.sock)
            .args(args.split_whitespace())
            .output()
            .expect("birdc");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until BIRD's table has (`present`) or lacks the route; returns what it showed.
    fn route(&self, prefix: &str, present: bool) -> String {
        let mut last = String::new();
        let found = until(BOUND, || {
            last = self.birdc(&format!("show route for {prefix} all"));
            (last.contains(&format!("{prefix} ")) == present).then(|| last.clone())
        });
        let want = if present { "has" } else { "lacks" };
        found.unwrap_or_else(|| panic!("BIRD's table never {want} {prefix}:\n{last}"))
    }
}

impl Drop for Bird {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running bgp-script-peer: commands in, result lines out (read by a thread).
struct ScriptPeer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl ScriptPeer {
    fn start(args: &str) -> ScriptPeer {
        let mut child = Command::new(PEER)
            .args(args.split_whitespace())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start bgp-script-peer");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        ScriptPeer {
            child,
            stdin,
            lines,
        }
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(BOUND)
            .expect("a line from bgp-script-peer within the bound")
    }

    /// Sends `command`; returns the line it answers with.
    fn run(&mut self, command: &str) -> String {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{command}").expect("write a command");
        self.next_line()
    }

    /// Waits (bounded) for the process to end; its exit code.
    fn exit_code(&mut self) -> Option<i32> {
        self.stdin = None;
        let status = until(BOUND, || self.child.try_wait().expect("try_wait"));
        status
            .expect("bgp-script-peer exits within the bound")
            .code()
    }
}

impl Drop for ScriptPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Hold time 3: keepalives every second, so `wait 4` outlasts a hold time.
const ARGS: &str = "--local 10.0.0.0 --peer 10.0.0.1 --as 65000 --peer-as 64512 \
    --router-id 10.0.0.13 --key abcdefgh --hold 3 --connect-timeout 20";

#[test]
fn a_malformed_origin_is_withdrawn_and_the_session_stays_up() {
    if !bird_available() {
        return;
    }
    in_netns(|| {
        let bird = Bird::start();
        let mut peer = ScriptPeer::start(ARGS);
        assert_eq!(peer.next_line(), "ESTABLISHED");
        let received = until(BOUND, || {
            let line = peer.run("received");
            (line == "RECEIVED 1").then_some(line)
        });
        assert!(received.is_some(), "BIRD's 172.31.0.0/16 never arrived");

        assert_eq!(
            peer.run("announce 192.0.2.0/24"),
            "SENT announce 192.0.2.0/24"
        );
        let shown = bird.route("192.0.2.0/24", true);
        assert!(shown.contains("BGP.as_path: 65000"), "{shown}");
        assert!(shown.contains("BGP.next_hop: 10.0.0.0"), "{shown}");

        // RFC 7606 §7.1: ORIGIN 7 is treat-as-withdraw, not a session reset.
        assert_eq!(
            peer.run("malformed 192.0.2.0/24"),
            "SENT malformed 192.0.2.0/24"
        );
        bird.route("192.0.2.0/24", false);
        assert_eq!(peer.run("wait 4"), "UP");
        let proto = bird.birdc("show protocols script");
        assert!(proto.contains("Established"), "{proto}");

        // Announced again, valid: BIRD takes it back (the session was never reset).
        peer.run("announce 192.0.2.0/24");
        bird.route("192.0.2.0/24", true);

        assert_eq!(peer.run("quit"), "BYE");
        assert_eq!(peer.exit_code(), Some(0));
        let last = until(BOUND, || {
            let text = bird.birdc("show protocols all script");
            text.contains("Received: Administrative shutdown")
                .then_some(text)
        });
        assert!(
            last.is_some(),
            "BIRD never heard Cease/Administrative Shutdown"
        );
    });
}

#[test]
fn a_notification_from_the_peer_is_reported() {
    if !bird_available() {
        return;
    }
    in_netns(|| {
        let bird = Bird::start();
        let mut peer = ScriptPeer::start(ARGS);
        assert_eq!(peer.next_line(), "ESTABLISHED");
        bird.birdc("disable script");
        // Cease / Administrative Shutdown, printed as it arrives, then the `wait` answer.
        assert_eq!(peer.next_line(), "NOTIFICATION 6/2");
        assert_eq!(peer.run("wait 0.5"), "DOWN NOTIFICATION 6/2");
        assert!(peer.run("announce 192.0.2.0/24").starts_with("ERROR"));
        assert!(peer.run("bogus").starts_with("ERROR unknown command"));
        // EOF on stdin is quit.
        peer.stdin = None;
        assert_eq!(peer.next_line(), "BYE");
        assert_eq!(peer.exit_code(), Some(0));
    });
}

#[test]
fn connect_gives_up_after_the_timeout() {
    in_netns(|| {
        let t0 = Instant::now();
        let out = Command::new(PEER)
            .args(
                "--local 127.0.0.1 --peer 127.0.0.1 --port 1179 --as 65000 --peer-as 65001 \
                 --router-id 10.0.0.13 --connect-timeout 2"
                    .split_whitespace(),
            )
            .stdin(Stdio::null())
            .output()
            .expect("run bgp-script-peer");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("no BGP session with 127.0.0.1:1179"),
            "{stderr}"
        );
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
        assert!(out.stdout.is_empty());
    });
}
