//! The real `lsys` binary in batch mode against an in-process fake lsysd: a thread serving a
//! Unix socket in a temporary directory with canned answers, recording every request.

use std::io::Write;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread::JoinHandle;

use lsys_protocol::{self as protocol, Client, Prompt, Request, Response};

struct FakeDaemon {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    thread: JoinHandle<Vec<Request>>,
}

fn prompt(config: bool) -> Prompt {
    Prompt {
        head: "alice@r1:ls1".into(),
        banner: config.then(|| "[edit]".into()),
    }
}

fn done(id: u64, ok: bool, error: Option<&str>, caret: Option<usize>, exit: bool) -> Response {
    Response::Done {
        id,
        ok,
        error: error.map(String::from),
        caret,
        prompt: prompt(false),
        exit,
        cli: Default::default(),
    }
}

/// Canned answers to one command line.
fn respond(id: u64, line: &str) -> Vec<Response> {
    let out = |text: &str| Response::Output {
        id,
        text: text.into(),
    };
    let cmd = line.split('|').next().unwrap_or("").trim();
    match cmd {
        "fail" => vec![done(id, false, Some("error: boom"), None, false)],
        "show rute" => vec![done(
            id,
            false,
            Some("syntax error, expecting <command>."),
            Some(5),
            false,
        )],
        "show lines" => vec![
            out("alpha 1\nbeta 2\n"),
            out("gamma 3\nalpha 4\n"),
            done(id, true, None, None, false),
        ],
        "ask" => vec![Response::Question {
            id,
            text: "Exit with uncommitted changes? [yes,no] (yes) ".into(),
            default: true,
        }],
        "exit" => vec![done(id, true, None, None, true)],
        _ => vec![
            out(&format!("ran: {line}\n")),
            done(id, true, None, None, false),
        ],
    }
}

impl FakeDaemon {
    fn start(refuse: Option<&str>) -> FakeDaemon {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("lsysd.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let refuse = refuse.map(String::from);
        let thread = std::thread::spawn(move || {
            let mut seen = Vec::new();
            let Ok((mut conn, _)) = listener.accept() else {
                return seen;
            };
            while let Ok(req) = protocol::read::<Request>(&mut conn) {
                seen.push(req.clone());
                let replies = match req {
                    Request::Hello { .. } => match &refuse {
                        Some(r) => vec![Response::Refused { reason: r.clone() }],
                        None => vec![Response::Welcome {
                            prompt: prompt(false),
                        }],
                    },
                    Request::Execute { id, line } => respond(id, &line),
                    Request::Answer { id, yes } => vec![
                        Response::Output {
                            id,
                            text: format!("answered {yes}\n"),
                        },
                        done(id, true, None, None, false),
                    ],
                    Request::Complete { .. } => vec![Response::Completions {
                        rows: vec![],
                        tab: None,
                        col: 0,
                    }],
                    Request::Cancel { id } => vec![done(id, true, None, None, false)],
                    Request::Text {
                        id, text, error, ..
                    } => vec![
                        Response::Output {
                            id,
                            text: format!(
                                "text {} error {}\n",
                                text.unwrap_or_default().len(),
                                error.unwrap_or_default()
                            ),
                        },
                        done(id, true, None, None, false),
                    ],
                };
                for r in replies {
                    if protocol::write(&mut conn, &r).is_err() {
                        return seen;
                    }
                }
            }
            seen
        });
        FakeDaemon {
            _dir: dir,
            socket,
            thread,
        }
    }

    /// Runs lsys with `args` (after `--socket`), feeding `stdin`; returns its output and what
    /// the daemon received.
    fn run(self, args: &[&str], stdin: &str) -> (Output, Vec<Request>) {
        let out = lsys(&self.socket, args, stdin);
        (out, self.thread.join().unwrap())
    }
}

fn lsys(socket: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lsys"))
        .arg("--socket")
        .arg(socket)
        .args(args)
        .env_remove("LSYS_SOCKET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn executed(reqs: &[Request]) -> Vec<String> {
    reqs.iter()
        .filter_map(|r| match r {
            Request::Execute { line, .. } => Some(line.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn all_commands_succeed_exit_0() {
    let (out, reqs) = FakeDaemon::start(None).run(&["-c", "show version; show route"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ran: show version\nran: show route\n");
    assert_eq!(text(&out.stderr), "");
    assert_eq!(
        reqs[0],
        Request::Hello {
            version: protocol::VERSION,
            client: Client::Batch,
            tty: None
        }
    );
    assert_eq!(executed(&reqs), ["show version", "show route"]);
}

#[test]
fn first_failure_stops_the_batch_exit_1() {
    let (out, reqs) = FakeDaemon::start(None).run(&["-c", "show a; fail; show b"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "ran: show a\n");
    assert_eq!(text(&out.stderr), "error: boom\n");
    assert_eq!(executed(&reqs), ["show a", "fail"]);
}

#[test]
fn unreachable_daemon_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("nobody.sock");
    let out = lsys(&socket, &["-c", "show version"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "error: cannot reach lsysd at {}: ",
            socket.display()
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--frob"][..],
        &["-c"],
        &["-c", "x", "-f", "y"],
        &["extra"],
    ] {
        let out = lsys(Path::new("/nonexistent"), args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr).lines().count(), 1, "{args:?}");
    }
    let out = lsys(Path::new("/nonexistent"), &["-f", "/nonexistent/cmds"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn refused_exit_2() {
    let (out, _) = FakeDaemon::start(Some("unknown user 'mallory'")).run(&["-c", "show x"], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "error: unknown user 'mallory'\n");
}

#[test]
fn semicolons_inside_quotes_do_not_split() {
    let (out, reqs) =
        FakeDaemon::start(None).run(&["-c", "set system login message \"a; b\"; show x;"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        executed(&reqs),
        ["set system login message \"a; b\"", "show x"]
    );
}

#[test]
fn stdin_batch_skips_blanks_and_comments() {
    let (out, reqs) = FakeDaemon::start(None).run(
        &[],
        "# a script\nshow a\n\n   \n  # indented\nshow b\nfail\nshow never\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(executed(&reqs), ["show a", "show b", "fail"]);
}

#[test]
fn command_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cmds");
    std::fs::write(&file, "show a\n# c\n\nshow b\n").unwrap();
    let (out, reqs) = FakeDaemon::start(None).run(&["-f", file.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(executed(&reqs), ["show a", "show b"]);
}

#[test]
fn carets_point_under_the_command_line() {
    let (out, _) = FakeDaemon::start(None).run(&["-c", "show rute"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "show rute\n     ^\nsyntax error, expecting <command>.\n"
    );
}

#[test]
fn questions_take_the_default_silently() {
    let (out, reqs) = FakeDaemon::start(None).run(&["-c", "ask"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "answered true\n");
    assert!(reqs.contains(&Request::Answer { id: 1, yes: true }));
}

#[test]
fn echo_prints_prompts_and_answers() {
    let (out, _) = FakeDaemon::start(None).run(&["--echo", "-c", "ask; show x"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "alice@r1:ls1> ask\nExit with uncommitted changes? [yes,no] (yes) yes\nanswered true\n\
         alice@r1:ls1> show x\nran: show x\n"
    );
}

#[test]
fn exit_ends_the_batch_with_0() {
    let (out, reqs) = FakeDaemon::start(None).run(&["-c", "exit; show never"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(executed(&reqs), ["exit"]);
}

#[test]
fn text_pipes_apply_to_the_output() {
    let (out, reqs) = FakeDaemon::start(None).run(
        &[
            "-c",
            "show lines | match alpha; show lines | except alpha | count; show lines | last 1",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "alpha 1\nalpha 4\nCount: 2 lines\nalpha 4\n"
    );
    // The whole line, pipes included, goes to the daemon.
    assert_eq!(executed(&reqs)[0], "show lines | match alpha");
}
