//! Driving a real lsysd from a benchmark: start it on a private socket, talk the protocol.
//!
//! ```text
//!  Daemon::start(lsysd, dir) ──► lsysd --no-dataplane --state-dir DIR/state --socket DIR/lsysd.sock
//!  Conn::open(socket) ──► Hello ◄── Welcome; run(line) = Execute ... Done (answers ReadText
//!                          with the file, as the shell does); complete(line) = Complete ◄── Completions
//! ```
//! Every read has a timeout, so a daemon that stops answering fails the benchmark instead of
//! hanging it.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use lsys_protocol::{self as proto, Client, Request, Response};

/// How long any one reply may take before the benchmark gives up.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// One protocol connection (a shell without the terminal).
pub struct Conn {
    s: UnixStream,
    next: u64,
}

impl Conn {
    pub fn open(socket: &Path) -> anyhow::Result<Conn> {
        let mut s = UnixStream::connect(socket)?;
        s.set_read_timeout(Some(REPLY_TIMEOUT))?;
        s.set_write_timeout(Some(REPLY_TIMEOUT))?;
        proto::hello(&mut s, Client::Cli)?;
        Ok(Conn { s, next: 1 })
    }

    /// Runs one command line to its `Done`; returns its output, or fails with its error.
    pub fn run(&mut self, line: &str) -> anyhow::Result<String> {
        let id = self.next;
        self.next += 1;
        proto::write(
            &mut self.s,
            &Request::Execute {
                id,
                line: line.into(),
            },
        )?;
        let mut out = String::new();
        loop {
            match proto::read::<Response>(&mut self.s)? {
                Response::Output { text, .. } => out.push_str(&text),
                Response::ReadText { id, file } => {
                    // What the shell does for `load ... FILE`: read it and send the text.
                    let text = std::fs::read_to_string(file.context("no terminal here")?)?;
                    for frame in proto::text_frames(id, &text) {
                        proto::write(&mut self.s, &frame)?;
                    }
                }
                Response::Done { ok: true, .. } => return Ok(out),
                Response::Done { error, .. } => bail!("`{line}`: {}", error.unwrap_or_default()),
                other => bail!("`{line}`: unexpected {other:?}"),
            }
        }
    }

    /// One `Complete` round trip (what TAB and `?` send); returns the number of rows.
    pub fn complete(&mut self, line: &str) -> anyhow::Result<usize> {
        proto::write(&mut self.s, &Request::Complete { line: line.into() })?;
        match proto::read::<Response>(&mut self.s)? {
            Response::Completions { rows, .. } => Ok(rows.len()),
            other => bail!("unexpected {other:?}"),
        }
    }
}

/// A binary next to this benchmark's executable (`target/release/lsysd`, `.../lsys`).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .map(|d| d.join(name))
        .unwrap_or_else(|| name.into())
}

/// The `p` quantile (0.0..=1.0) of `v`, nearest rank; zero for no samples.
pub fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// A running lsysd (no dataplane) on `DIR/lsysd.sock` with its state in `DIR/state`; killed on
/// drop.
pub struct Daemon {
    child: Child,
    pub socket: PathBuf,
}

impl Daemon {
    pub fn start(lsysd: &Path, dir: &Path) -> anyhow::Result<Daemon> {
        let socket = dir.join("lsysd.sock");
        let child = Command::new(lsysd)
            .arg("--state-dir")
            .arg(dir.join("state"))
            .arg("--socket")
            .arg(&socket)
            .arg("--no-dataplane")
            .env("LSYSD_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (build it first: cargo build --release -p lsysd -p lsys)",
                    lsysd.display()
                )
            })?;
        let mut d = Daemon { child, socket };
        let start = Instant::now();
        while UnixStream::connect(&d.socket).is_err() {
            if let Some(st) = d.child.try_wait()? {
                bail!("lsysd exited at start: {st}");
            }
            if start.elapsed() > Duration::from_secs(20) {
                bail!("lsysd did not start");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(d)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A field of the daemon's /proc status (`VmRSS:`, `VmHWM:`), as printed there.
    pub fn status(&self, field: &str) -> String {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix(field))
                    .map(|v| v.trim().to_string())
            })
            .unwrap_or_else(|| "n/a".into())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
