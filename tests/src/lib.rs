//! Harness for end-to-end tests: a real `lsysd` on a private socket, real `lsys` shells run as
//! real Unix users (created here, dropped to with `setpriv`).
//!
//! The binaries come from the same target directory as the test (`cargo test --workspace`
//! builds them; `cargo build -p lsysd -p lsys` does too).
//!
//! For tests that attack the daemon (tests/hostile.rs): [`Lab::start_with`] (another lsysd
//! binary, a file-descriptor limit), [`Proto`] (a protocol client with timeouts), [`RssPeak`]
//! (the daemon's peak resident memory over a span) and [`latencies`] (p50/p99).
//!
//! [`tmux::Tmux`] is a terminal to drive the interactive shell in; [`sshd`] a real OpenSSH
//! server with lsys as the login shell of test accounts (tests/ssh.rs, tests/netmiko.rs);
//! [`python::venv`] the Python venv with packages from PyPI that tests/ntc_templates.rs and
//! tests/netmiko.rs run in; [`vm`] runs a script of tests/lab in the real-kernel VM.

pub mod python;
pub mod sshd;
pub mod tmux;
pub mod vm;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A built binary of this workspace (`lsys`, `lsysd`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build -p lsysd -p lsys` (or `cargo test --workspace`)",
        path.display()
    );
    path
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

/// `name` from target/release when that build is at least as new as the one next to the test
/// (the test profile's), else the test profile's; and which one it is.
pub fn bin_fastest(name: &str) -> (PathBuf, &'static str) {
    let here = bin(name);
    let release = here
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("release").join(name));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match release {
        Some(r) if r != here && modified(&r).is_some() && modified(&r) >= modified(&here) => {
            (r, "release")
        }
        _ => (
            here,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        ),
    }
}

/// How [`Lab::start_with`] starts lsysd.
#[derive(Debug, Clone, Default)]
pub struct LabOptions {
    /// The lsysd binary (default: [`bin`]`("lsysd")`).
    pub lsysd: Option<PathBuf>,
    /// Soft and hard limit on open files, set with `prlimit` before lsysd starts.
    pub nofile: Option<u64>,
    /// More arguments for lsysd (`--manage-accounts ...`).
    pub args: Vec<String>,
}

/// Where a daemon a test starts writes its log: a file, whose last lines are printed only when
/// the test fails. The warnings a test provokes on purpose (a malformed frame it sends, a
/// refused login) then never look like failures in the test output.
pub struct ChildLog {
    path: PathBuf,
    name: String,
}

impl ChildLog {
    /// A log for `name` at `path`, and the stdio to give the child as its stderr.
    pub fn create(path: &Path, name: &str) -> (ChildLog, Stdio) {
        let file = std::fs::File::create(path)
            .unwrap_or_else(|e| panic!("{name} log {}: {e}", path.display()));
        let log = ChildLog {
            path: path.to_path_buf(),
            name: name.to_string(),
        };
        (log, Stdio::from(file))
    }

    /// What the daemon has logged so far.
    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.path).unwrap_or_default()
    }
}

impl Drop for ChildLog {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let text = self.text();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(60)..];
        eprintln!("--- {} log, last {} lines:", self.name, tail.len());
        for line in tail {
            eprintln!("{line}");
        }
        eprintln!("---");
    }
}

/// A running lsysd with its own state and socket, stopped on drop. Its log (LSYSD_LOG=warn) is
/// kept in the state directory and printed only if the test fails ([`ChildLog`]).
pub struct Lab {
    /// Before `dir`: fields drop in order, and the log is read before the directory goes.
    pub log: ChildLog,
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    daemon: Child,
}

impl Lab {
    pub fn start() -> Lab {
        Lab::start_with(LabOptions::default())
    }

    pub fn start_with(options: LabOptions) -> Lab {
        let dir = tempfile::Builder::new()
            .prefix("lsys-e2e")
            .tempdir()
            .expect("temp dir");
        // Unprivileged shells must reach the socket inside.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let socket = dir.path().join("lsysd.sock");
        let lsysd = options.lsysd.unwrap_or_else(|| bin("lsysd"));
        // prlimit execs lsysd: the child's pid is lsysd's.
        let mut cmd = match options.nofile {
            Some(n) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}")).arg("--").arg(&lsysd);
                c
            }
            None => Command::new(&lsysd),
        };
        let (log, stderr) = ChildLog::create(&dir.path().join("lsysd.log"), "lsysd");
        let daemon = cmd
            .arg("--state-dir")
            .arg(dir.path().join("state"))
            .arg("--socket")
            .arg(&socket)
            .arg("--no-dataplane")
            .args(&options.args)
            .env("LSYSD_LOG", "warn")
            .stdin(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("lsysd starts");
        let start = Instant::now();
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "lsysd did not come up: {}",
                log.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Lab {
            log,
            dir,
            socket,
            daemon,
        }
    }

    /// lsysd's process id.
    pub fn pid(&self) -> u32 {
        self.daemon.id()
    }

    /// lsysd is running (not exited, not a zombie).
    pub fn alive(&self) -> bool {
        proc_status(self.pid())
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("State:"))
                    .map(|v| !v.trim_start().starts_with('Z'))
            })
            .unwrap_or(false)
    }

    /// A field of lsysd's /proc status in KiB (`VmRSS`, `VmHWM`).
    pub fn status_kib(&self, field: &str) -> Option<u64> {
        status_kib(self.pid(), field)
    }

    /// lsysd's limit on open files (soft, hard), from /proc/PID/limits.
    pub fn nofile_limit(&self) -> Option<(String, String)> {
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", self.pid())).ok()?;
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        let mut words = line["Max open files".len()..].split_whitespace();
        Some((words.next()?.to_string(), words.next()?.to_string()))
    }

    /// Descriptors lsysd has open.
    pub fn open_fds(&self) -> Option<usize> {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .ok()
            .map(|d| d.count())
    }

    /// `lsys -c SCRIPT` as root (the operator).
    pub fn operator(&self, script: &str) -> Run {
        self.shell(Command::new(bin("lsys")), script)
    }

    /// `lsys -c SCRIPT` as Unix user `user`.
    pub fn user(&self, user: &str, script: &str) -> Run {
        let mut cmd = Command::new("setpriv");
        cmd.arg(format!("--reuid={user}"))
            .arg(format!("--regid={user}"))
            .arg("--init-groups")
            .arg(bin("lsys"));
        self.shell(cmd, script)
    }

    /// Runs `cmd` (lsys, or a wrapper ending in lsys) against this lab's socket.
    fn shell(&self, mut cmd: Command, script: &str) -> Run {
        let out = cmd
            .arg("--socket")
            .arg(&self.socket)
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .output()
            .expect("lsys runs");
        Run::from(out)
    }

    /// Commits `text` (curly configuration) as the operator, via a file and `load merge`.
    pub fn load(&self, text: &str) {
        let file = self.dir.path().join("load.conf");
        std::fs::write(&file, text).expect("write config");
        let r = self.operator(&format!(
            "configure; load merge {}; commit; exit",
            file.display()
        ));
        assert!(r.ok(), "loading the configuration failed: {}", r.stderr);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

fn proc_status(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/status")).ok()
}

/// A field of /proc/PID/status in KiB (`VmRSS`, `VmHWM`).
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    proc_status(pid)?.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Samples a process's resident memory every few milliseconds, from [`RssPeak::start`] to
/// [`RssPeak::stop`]; also resets the kernel's peak (`VmHWM`, via /proc/PID/clear_refs) at the
/// start, so the peak the kernel saw over the span is known too.
pub struct RssPeak {
    pid: u32,
    before: u64,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: Option<std::thread::JoinHandle<u64>>,
}

/// What [`RssPeak::stop`] measured, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Rss {
    pub before: u64,
    /// The largest VmRSS sampled.
    pub sampled_peak: u64,
    /// VmHWM at the end (reset at the start when the kernel allows it, else the lifetime peak).
    pub hwm: u64,
    pub after: u64,
}

impl std::fmt::Display for Rss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |k: u64| k as f64 / 1024.0;
        write!(
            f,
            "VmRSS before {:.1} MiB, peak {:.1} MiB (sampled",
            mib(self.before),
            mib(self.sampled_peak),
        )?;
        // A process that is gone has no status left to read.
        match (self.hwm, self.after) {
            (0, 0) => write!(f, "), after: n/a (the process is gone)"),
            (hwm, after) => write!(
                f,
                "; VmHWM {:.1} MiB), after {:.1} MiB",
                mib(hwm),
                mib(after)
            ),
        }
    }
}

impl RssPeak {
    pub fn start(pid: u32) -> RssPeak {
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        let before = status_kib(pid, "VmRSS").unwrap_or(0);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let sampler = std::thread::spawn(move || {
            let mut peak = before;
            // Bounded: ten minutes of 5 ms samples at most.
            for _ in 0..120_000 {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                peak = peak.max(status_kib(pid, "VmRSS").unwrap_or(0));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        });
        RssPeak {
            pid,
            before,
            stop,
            sampler: Some(sampler),
        }
    }

    pub fn stop(mut self) -> Rss {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let sampled = self.sampler.take().and_then(|s| s.join().ok()).unwrap_or(0);
        let after = status_kib(self.pid, "VmRSS").unwrap_or(0);
        Rss {
            before: self.before,
            sampled_peak: sampled.max(after),
            hwm: status_kib(self.pid, "VmHWM").unwrap_or(0),
            after,
        }
    }
}

/// p50, p99 and the largest of `v` (zero for no samples).
pub fn latencies(v: &[Duration]) -> (Duration, Duration, Duration) {
    let mut v = v.to_vec();
    v.sort();
    if v.is_empty() {
        return Default::default();
    }
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99), v[v.len() - 1])
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A protocol client (what the shell speaks, without the terminal), every read and write
/// bounded by a timeout.
pub struct Proto {
    pub stream: std::os::unix::net::UnixStream,
    next: u64,
}

/// How one command ended: its output, and its error if it failed.
#[derive(Debug)]
pub struct Answer {
    pub output: String,
    pub error: Option<String>,
}

impl Proto {
    /// Connects and says hello; the error names why lsysd refused, if it did.
    pub fn connect(socket: &Path, timeout: Duration) -> Result<Proto, String> {
        use lsys_protocol as proto;
        let mut s = std::os::unix::net::UnixStream::connect(socket).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        s.set_write_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        proto::hello(&mut s, proto::Client::Batch).map_err(|e| e.to_string())?;
        Ok(Proto { stream: s, next: 1 })
    }

    /// Runs `line` to its Done (a question is answered yes; a `load` is not expected).
    pub fn run(&mut self, line: &str) -> Result<Answer, String> {
        use lsys_protocol::{self as proto, Request, Response};
        let id = self.next;
        self.next += 1;
        proto::write(
            &mut self.stream,
            &Request::Execute {
                id,
                line: line.into(),
            },
        )
        .map_err(|e| e.to_string())?;
        let mut output = String::new();
        loop {
            match proto::read::<Response>(&mut self.stream).map_err(|e| e.to_string())? {
                Response::Output { text, .. } => output.push_str(&text),
                Response::Done { error, ok, .. } => {
                    return Ok(Answer {
                        output,
                        error: if ok {
                            None
                        } else {
                            Some(error.unwrap_or_default())
                        },
                    })
                }
                Response::ReadText { .. } => return Err("unexpected ReadText".into()),
                Response::Question { id, .. } => {
                    proto::write(&mut self.stream, &Request::Answer { id, yes: true })
                        .map_err(|e| e.to_string())?;
                }
                other => return Err(format!("unexpected {other:?}")),
            }
        }
    }

    /// One `Complete` round trip; the number of rows.
    pub fn complete(&mut self, line: &str) -> Result<usize, String> {
        use lsys_protocol::{self as proto, Request, Response};
        proto::write(&mut self.stream, &Request::Complete { line: line.into() })
            .map_err(|e| e.to_string())?;
        match proto::read::<Response>(&mut self.stream).map_err(|e| e.to_string())? {
            Response::Completions { rows, .. } => Ok(rows.len()),
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

/// What a shell run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn ok(&self) -> bool {
        self.status == 0
    }
}

/// Creates Unix user `name` (no home, no login shell) unless it exists.
pub fn ensure_user(name: &str) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let exists = Command::new("id")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        let st = Command::new("useradd")
            .args([
                "--no-create-home",
                "--user-group",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ])
            .status()
            .expect("useradd runs (tests create users: run them as root)");
        assert!(st.success(), "useradd {name} failed");
    }
}

/// The seed scenario (tenant l2 for user `l2_user`) plus a second tenant l3 for `l3_user`.
pub fn two_tenants(l2_user: &str, l3_user: &str) -> String {
    let seed = include_str!("../../grammar/tests/fixtures/seed.conf");
    let seed = seed.replace("user jvetter {", &format!("user {l2_user} {{"));
    format!(
        "{seed}
system {{
    login {{
        class l3-tenant {{ logical-system l3; permissions all; }}
        user {l3_user} {{ class l3-tenant; }}
    }}
}}
logical-systems {{
    l3 {{
        interfaces {{
            eth1 {{ unit 30 {{ encapsulation vlan-bridge; vlan-id 30; }} }}
            irb {{ unit 30 {{ family inet {{ address 10.3.0.1/30; }} }} }}
        }}
        routing-options {{ autonomous-system 65003; }}
        routing-instances {{
            secret-l3-instance {{
                instance-type vrf;
                interface irb.30;
                route-distinguisher 65003:1;
                vrf-target target:65003:1;
                protocols {{ bgp {{ group l3-peers {{ type external; peer-as 64999; neighbor 10.3.0.2; }} }} }}
            }}
        }}
        bridge-domains {{ bd-l3 {{ vlan-id 30; interface eth1.30; routing-interface irb.30; }} }}
    }}
}}
"
    )
}
