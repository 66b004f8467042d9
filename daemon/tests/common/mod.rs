//! Test harness: a real lsysd on a temporary socket, and a protocol-level client.
#![allow(dead_code)]

pub mod inproc;

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lsys_protocol::{self as proto, Client, Request, Response};

pub struct Daemon {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
}

impl Daemon {
    pub fn start() -> Daemon {
        Daemon::start_in(tempfile::tempdir().unwrap(), &[])
    }

    pub fn start_in(dir: tempfile::TempDir, env: &[(&str, &str)]) -> Daemon {
        let socket = dir.path().join("lsysd.sock");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lsysd"));
        cmd.args(["--state-dir"])
            .arg(dir.path().join("state"))
            .arg("--socket")
            .arg(&socket)
            .arg("--no-dataplane")
            .env("LSYSD_LOG", "warn")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("lsysd starts");
        let d = Daemon { child, dir, socket };
        d.wait_ready();
        d
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if UnixStream::connect(&self.socket).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("lsysd did not come up");
    }

    /// Stops the daemon and starts it again on the same state.
    pub fn restart(mut self, env: &[(&str, &str)]) -> Daemon {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        Daemon::start_in(dir, env)
    }

    pub fn connect(&self) -> Conn {
        Conn::open(&self.socket, Client::Cli)
    }

    pub fn connect_as(&self, client: Client) -> Conn {
        Conn::open(&self.socket, client)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Conn {
    pub stream: UnixStream,
    pub prompt: proto::Prompt,
    next: u64,
}

/// The result of one command.
#[derive(Debug)]
pub struct Out {
    pub text: String,
    pub ok: bool,
    pub error: Option<String>,
    pub caret: Option<usize>,
    pub question: Option<String>,
    pub exit: bool,
}

impl Conn {
    pub fn open(socket: &Path, client: Client) -> Conn {
        let mut stream = UnixStream::connect(socket).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let prompt = proto::hello(&mut stream, client).expect("welcome");
        Conn {
            stream,
            prompt,
            next: 1,
        }
    }

    pub fn run(&mut self, line: &str) -> Out {
        let id = self.next;
        self.next += 1;
        proto::write(
            &mut self.stream,
            &Request::Execute {
                id,
                line: line.into(),
            },
        )
        .unwrap();
        self.collect(id)
    }

    pub fn answer(&mut self, yes: bool) -> Out {
        let id = self.next - 1;
        proto::write(&mut self.stream, &Request::Answer { id, yes }).unwrap();
        self.collect(id)
    }

    fn collect(&mut self, id: u64) -> Out {
        let mut text = String::new();
        loop {
            match proto::read::<Response>(&mut self.stream).unwrap() {
                Response::Output { id: i, text: t } if i == id => text.push_str(&t),
                Response::ReadText { file, .. } => {
                    let text = std::fs::read_to_string(file.expect("tests load files")).unwrap();
                    for frame in proto::text_frames(id, &text) {
                        proto::write(&mut self.stream, &frame).unwrap();
                    }
                }
                Response::Question { text: q, .. } => {
                    return Out {
                        text,
                        ok: true,
                        error: None,
                        caret: None,
                        question: Some(q),
                        exit: false,
                    }
                }
                Response::Done {
                    ok,
                    error,
                    caret,
                    prompt,
                    exit,
                    ..
                } => {
                    self.prompt = prompt;
                    return Out {
                        text,
                        ok,
                        error,
                        caret,
                        question: None,
                        exit,
                    };
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Runs a line that must succeed; returns its output.
    pub fn ok(&mut self, line: &str) -> String {
        let o = self.run(line);
        assert!(o.ok, "`{line}` failed: {:?}", o.error);
        o.text
    }

    /// Runs a line that must fail; returns the error.
    pub fn err(&mut self, line: &str) -> String {
        let o = self.run(line);
        assert!(!o.ok, "`{line}` should fail, printed: {}", o.text);
        o.error.unwrap_or_default()
    }

    pub fn complete(&mut self, line: &str) -> Vec<String> {
        proto::write(&mut self.stream, &Request::Complete { line: line.into() }).unwrap();
        match proto::read::<Response>(&mut self.stream).unwrap() {
            Response::Completions { rows, .. } => rows.into_iter().map(|r| r.name).collect(),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The seed scenario's configuration as `set` commands (operator part included).
pub fn seed_set_lines() -> Vec<String> {
    let text = include_str!("../../../grammar/tests/fixtures/seed.conf");
    let tree = lsys_grammar::text::curly::read(text, lsys_grammar::schema::ROOT).unwrap();
    lsys_grammar::text::print::set_lines(&tree, &[])
}
