//! The connection to lsysd: Hello/Welcome, then one request/response exchange per command.
//!
//! ```text
//!   reader thread ── Response ──► channel ──► Session::execute ──► Pipeline ──► Frontend
//!   Session::execute ── Execute / Answer / Cancel ──► writer
//! ```
//! A thread reads frames and hands them over a channel, so waiting for output can be cut short
//! by Ctrl-C (polled through [`Frontend::interrupted`]) without losing half a frame. The session
//! is generic over the reader and writer so tests can run it against in-memory bytes.
//!
//! Every `Done` carries the session's `set cli` settings ([`Session::cli`]): the frontends
//! apply them from the next command on. lsysd may end an idle session unasked
//! (`Response::Closed`, `set cli idle-timeout`) while the shell waits for a line: the reader
//! thread hands that to the hook set with [`Session::on_closed`] at once.

use std::fmt;
use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lsys_protocol::{
    self as protocol, CliSettings, Client, Prompt, Request, Response, Row, VERSION,
};

use crate::pipes::Pipeline;

/// Why the session cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The daemon will not serve this client.
    Refused(String),
    /// The connection broke or the daemon said something unexpected.
    Lost(String),
    /// lsysd ended the session (`set cli idle-timeout`); the reason is for the user.
    Closed(String),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Refused(r) => write!(f, "{r}"),
            SessionError::Lost(r) => write!(f, "connection to lsysd lost: {r}"),
            SessionError::Closed(r) => write!(f, "{r}"),
        }
    }
}

impl std::error::Error for SessionError {}

/// What a finished command reported.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub ok: bool,
    pub error: Option<String>,
    pub caret: Option<usize>,
    /// The daemon ends the session.
    pub exit: bool,
    /// The user stopped the output (q, Ctrl-C).
    pub cancelled: bool,
}

/// Whether the frontend wants more output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    More,
    Stop,
}

/// Where a command's output and questions go: the terminal (with pager) or a batch's stdout.
pub trait Frontend {
    /// Shows one line of (already piped) output.
    fn output(&mut self, line: &str) -> Flow;
    /// Asks a yes/no question.
    fn question(&mut self, text: &str, default: bool) -> bool;
    /// True once per Ctrl-C typed since the last call.
    fn interrupted(&mut self) -> bool;
    /// Text for `load`: a file read with the user's own permissions, or typed input.
    fn read_text(&mut self, file: Option<&str>) -> Result<String, String> {
        match file {
            Some(f) => std::fs::read_to_string(f)
                .map_err(|e| format!("could not open configuration file '{f}': {e}")),
            None => Err("no terminal to read from: use 'load ... FILE'".into()),
        }
    }
}

/// What the reader thread calls when lsysd ends the session unasked.
pub type ClosedHook = Box<dyn Fn(&str) + Send>;

/// One connection to lsysd.
pub struct Session<W: Write> {
    writer: W,
    rx: Receiver<Result<Response, String>>,
    next_id: u64,
    /// The prompt to show (replaced by every `Done`).
    pub prompt: Prompt,
    /// The session's `set cli` settings (replaced by every `Done`).
    pub cli: CliSettings,
    closed: Arc<Mutex<Option<ClosedHook>>>,
}

/// How often a wait for the daemon looks at Ctrl-C.
const POLL: Duration = Duration::from_millis(50);

impl<W: Write> Session<W> {
    /// Says Hello and waits for Welcome.
    pub fn start<R: Read + Send + 'static>(
        mut reader: R,
        writer: W,
        client: Client,
        tty: Option<String>,
    ) -> Result<Session<W>, SessionError> {
        let (tx, rx) = mpsc::channel();
        let closed: Arc<Mutex<Option<ClosedHook>>> = Arc::default();
        let hook = closed.clone();
        std::thread::spawn(move || loop {
            let msg = protocol::read::<Response>(&mut reader).map_err(|e| e.to_string());
            if let Ok(Response::Closed { reason }) = &msg {
                if let Some(f) = hook.lock().ok().as_deref().and_then(Option::as_ref) {
                    f(reason);
                }
            }
            let end = msg.is_err();
            if tx.send(msg).is_err() || end {
                break;
            }
        });
        let mut s = Session {
            writer,
            rx,
            next_id: 1,
            prompt: Prompt::default(),
            cli: CliSettings::default(),
            closed,
        };
        s.send(&Request::Hello {
            version: VERSION,
            client,
            tty,
        })?;
        match s.recv()? {
            Response::Welcome { prompt } => {
                s.prompt = prompt;
                Ok(s)
            }
            Response::Refused { reason } => Err(SessionError::Refused(reason)),
            Response::Error { message } => Err(SessionError::Refused(message)),
            other => Err(SessionError::Lost(format!("unexpected {other:?}"))),
        }
    }

    /// Sets what happens when lsysd ends the session while nobody waits for an answer (the
    /// interactive shell: say why and leave at once, even in the middle of reading a line).
    /// Without a hook, the next request fails with [`SessionError::Closed`].
    pub fn on_closed(&self, hook: ClosedHook) {
        if let Ok(mut h) = self.closed.lock() {
            *h = Some(hook);
        }
    }

    /// The writer (for tests that look at what was sent).
    #[cfg(test)]
    pub fn writer(&self) -> &W {
        &self.writer
    }

    fn send(&mut self, req: &Request) -> Result<(), SessionError> {
        protocol::write(&mut self.writer, req).map_err(|e| SessionError::Lost(e.to_string()))
    }

    fn recv(&self) -> Result<Response, SessionError> {
        match self.rx.recv() {
            Ok(msg) => msg.map_err(SessionError::Lost),
            Err(_) => Err(SessionError::Lost("connection closed".into())),
        }
    }

    /// Waits for the next message, polling for Ctrl-C; `None` when the user interrupted.
    fn recv_or_interrupt(&self, ui: &mut dyn Frontend) -> Result<Option<Response>, SessionError> {
        loop {
            if ui.interrupted() {
                return Ok(None);
            }
            match self.rx.recv_timeout(POLL) {
                Ok(msg) => return msg.map(Some).map_err(SessionError::Lost),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(SessionError::Lost("connection closed".into()))
                }
            }
        }
    }

    /// Asks for the completions of `line` (the text before the cursor).
    pub fn complete(&mut self, line: &str) -> Result<(Vec<Row>, Option<String>), SessionError> {
        self.send(&Request::Complete { line: line.into() })?;
        loop {
            match self.recv()? {
                Response::Completions { rows, tab, .. } => return Ok((rows, tab)),
                Response::Error { message } => return Err(SessionError::Lost(message)),
                Response::Closed { reason } => return Err(SessionError::Closed(reason)),
                _ => continue, // leftovers of an abandoned command
            }
        }
    }

    /// Runs one command line: streams its output through `pipes` to `ui`, answers questions,
    /// and returns what `Done` said. Ctrl-C or a stop from the pager sends `Cancel` and discards
    /// the rest of the output; a second Ctrl-C stops waiting for `Done` altogether (its late
    /// messages are recognised by their id and dropped).
    pub fn execute(
        &mut self,
        line: &str,
        pipes: &mut Pipeline,
        ui: &mut dyn Frontend,
    ) -> Result<Outcome, SessionError> {
        // lsysd refuses a line it could not show safely to others (control characters, or
        // longer than the protocol allows): say so here rather than lose the connection.
        if let Err(e) = lsys_protocol::check::check_line("command line", line) {
            return Ok(Outcome {
                ok: false,
                error: Some(format!("error: {e}")),
                ..Outcome::default()
            });
        }
        let id = self.next_id;
        self.next_id += 1;
        self.send(&Request::Execute {
            id,
            line: line.into(),
        })?;
        let mut cancelled = false;
        // An interrupted command's last words (`Tail`) are shown through the pipes to the end.
        let mut tail = false;
        loop {
            let Some(msg) = self.recv_or_interrupt(ui)? else {
                if cancelled {
                    return Ok(Outcome {
                        cancelled,
                        ..Outcome::default()
                    });
                }
                cancelled = true;
                self.send(&Request::Cancel { id })?;
                continue;
            };
            match msg {
                Response::Output { id: i, text } if i == id => {
                    if cancelled {
                        continue;
                    }
                    for l in pipes.push(&text) {
                        if ui.output(&l) == Flow::Stop {
                            cancelled = true;
                            self.send(&Request::Cancel { id })?;
                            break;
                        }
                    }
                }
                Response::Tail { id: i, text } if i == id => {
                    tail = true;
                    for l in pipes.push(&text) {
                        if ui.output(&l) == Flow::Stop {
                            break;
                        }
                    }
                }
                Response::Question {
                    id: i,
                    text,
                    default,
                } if i == id => {
                    let yes = ui.question(&text, default);
                    self.send(&Request::Answer { id, yes })?;
                }
                Response::ReadText { id: i, file } if i == id => {
                    match ui.read_text(file.as_deref()) {
                        Ok(t) => {
                            for frame in lsys_protocol::text_frames(id, &t) {
                                self.send(&frame)?;
                            }
                        }
                        Err(e) => self.send(&Request::Text {
                            id,
                            text: None,
                            error: Some(e),
                            more: false,
                        })?,
                    }
                }
                Response::Done {
                    id: i,
                    ok,
                    error,
                    caret,
                    prompt,
                    exit,
                    cli,
                } if i == id => {
                    self.prompt = prompt;
                    self.cli = cli;
                    if !cancelled || tail {
                        for l in pipes.finish(ok) {
                            if ui.output(&l) == Flow::Stop {
                                cancelled = true;
                                break;
                            }
                        }
                    }
                    return Ok(Outcome {
                        ok,
                        error,
                        caret,
                        exit,
                        cancelled,
                    });
                }
                Response::Error { message } => return Err(SessionError::Lost(message)),
                Response::Closed { reason } => return Err(SessionError::Closed(reason)),
                _ => continue, // another command's leftovers
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Encodes canned daemon responses.
    pub fn frames(msgs: &[Response]) -> Vec<u8> {
        msgs.iter().flat_map(protocol::encode).collect()
    }

    pub fn sent(bytes: &[u8]) -> Vec<Request> {
        let mut r = bytes;
        let mut out = Vec::new();
        while let Ok(m) = protocol::read::<Request>(&mut r) {
            out.push(m);
        }
        out
    }

    pub fn welcome() -> Response {
        Response::Welcome {
            prompt: Prompt {
                head: "u@h".into(),
                banner: None,
            },
        }
    }

    pub fn done(id: u64, ok: bool) -> Response {
        Response::Done {
            id,
            ok,
            error: (!ok).then(|| "error: failed".to_string()),
            caret: None,
            prompt: Prompt {
                head: "u@h".into(),
                banner: Some("[edit]".into()),
            },
            exit: false,
            cli: CliSettings::default(),
        }
    }

    #[derive(Default)]
    pub struct Recorder {
        pub lines: Vec<String>,
        pub questions: Vec<String>,
        pub stop_after: Option<usize>,
        pub interrupts: usize,
    }

    impl Frontend for Recorder {
        fn output(&mut self, line: &str) -> Flow {
            self.lines.push(line.into());
            match self.stop_after {
                Some(n) if self.lines.len() >= n => Flow::Stop,
                _ => Flow::More,
            }
        }
        fn question(&mut self, text: &str, default: bool) -> bool {
            self.questions.push(text.into());
            !default
        }
        fn interrupted(&mut self) -> bool {
            if self.interrupts > 0 {
                self.interrupts -= 1;
                true
            } else {
                false
            }
        }
    }

    fn output(id: u64, text: &str) -> Response {
        Response::Output {
            id,
            text: text.into(),
        }
    }

    #[test]
    fn hello_welcome_then_output_and_done() {
        let input = frames(&[
            welcome(),
            output(1, "a\nb"),
            output(1, "c\n"),
            done(1, true),
        ]);
        let mut s =
            Session::start(std::io::Cursor::new(input), Vec::new(), Client::Batch, None).unwrap();
        assert_eq!(s.prompt.line(), "u@h> ");
        let mut ui = Recorder::default();
        let mut p = Pipeline::for_line("show x").unwrap();
        let o = s.execute("show x", &mut p, &mut ui).unwrap();
        assert!(o.ok && !o.exit && !o.cancelled);
        assert_eq!(ui.lines, ["a", "bc"]);
        assert_eq!(s.prompt.line(), "u@h# ");
        assert_eq!(
            sent(s.writer()),
            [
                Request::Hello {
                    version: VERSION,
                    client: Client::Batch,
                    tty: None
                },
                Request::Execute {
                    id: 1,
                    line: "show x".into()
                }
            ]
        );
    }

    #[test]
    fn refused_and_closed() {
        let input = frames(&[Response::Refused {
            reason: "unknown user".into(),
        }]);
        let e = Session::start(std::io::Cursor::new(input), Vec::new(), Client::Cli, None)
            .err()
            .unwrap();
        assert_eq!(e, SessionError::Refused("unknown user".into()));
        let e = Session::start(std::io::Cursor::new(vec![]), Vec::new(), Client::Cli, None)
            .err()
            .unwrap();
        assert!(matches!(e, SessionError::Lost(_)));
    }

    #[test]
    fn questions_are_answered() {
        let input = frames(&[
            welcome(),
            Response::Question {
                id: 1,
                text: "Exit? [yes,no] (yes) ".into(),
                default: true,
            },
            done(1, true),
        ]);
        let mut s =
            Session::start(std::io::Cursor::new(input), Vec::new(), Client::Cli, None).unwrap();
        let mut ui = Recorder::default();
        s.execute("exit", &mut Pipeline::default(), &mut ui)
            .unwrap();
        assert_eq!(ui.questions, ["Exit? [yes,no] (yes) "]);
        assert_eq!(sent(s.writer())[2], Request::Answer { id: 1, yes: false });
    }

    #[test]
    fn stopping_the_output_cancels_and_discards() {
        let input = frames(&[
            welcome(),
            output(1, "1\n2\n3\n"),
            output(1, "4\n"),
            done(1, true),
            output(2, "x\n"),
            done(2, true),
        ]);
        let mut s =
            Session::start(std::io::Cursor::new(input), Vec::new(), Client::Cli, None).unwrap();
        let mut ui = Recorder {
            stop_after: Some(2),
            ..Recorder::default()
        };
        let o = s
            .execute("show x", &mut Pipeline::default(), &mut ui)
            .unwrap();
        assert!(o.cancelled);
        assert_eq!(ui.lines, ["1", "2"]);
        assert_eq!(sent(s.writer())[2], Request::Cancel { id: 1 });
        let mut ui = Recorder::default();
        s.execute("show y", &mut Pipeline::default(), &mut ui)
            .unwrap();
        assert_eq!(ui.lines, ["x"]);
    }

    #[test]
    fn ctrl_c_sends_cancel_and_stale_messages_are_dropped() {
        let input = frames(&[
            welcome(),
            output(1, "late\n"),
            done(1, true),
            output(2, "fresh\n"),
            done(2, true),
        ]);
        let mut s =
            Session::start(std::io::Cursor::new(input), Vec::new(), Client::Cli, None).unwrap();
        // Two Ctrl-C: cancel, then stop waiting.
        let mut ui = Recorder {
            interrupts: 2,
            ..Recorder::default()
        };
        let o = s
            .execute("show x", &mut Pipeline::default(), &mut ui)
            .unwrap();
        assert!(o.cancelled && ui.lines.is_empty());
        let mut ui = Recorder::default();
        s.execute("show y", &mut Pipeline::default(), &mut ui)
            .unwrap();
        assert_eq!(ui.lines, ["fresh"]);
    }

    #[test]
    fn after_ctrl_c_only_the_tail_is_shown() {
        let input = frames(&[
            welcome(),
            output(1, "64 bytes from 10.0.0.14: icmp_seq=3\n"),
            Response::Tail {
                id: 1,
                text: "\n--- 10.0.0.14 ping statistics ---\n4 packets transmitted".into(),
            },
            done(1, true),
        ]);
        let mut s =
            Session::start(std::io::Cursor::new(input), Vec::new(), Client::Cli, None).unwrap();
        let mut ui = Recorder {
            interrupts: 1,
            ..Recorder::default()
        };
        let o = s
            .execute("ping 10.0.0.14", &mut Pipeline::default(), &mut ui)
            .unwrap();
        assert!(o.cancelled);
        assert_eq!(sent(s.writer())[2], Request::Cancel { id: 1 });
        // The reply that raced the Ctrl-C is dropped; the statistics print, the last line
        // too (pipes are flushed at Done).
        assert_eq!(
            ui.lines,
            [
                "",
                "--- 10.0.0.14 ping statistics ---",
                "4 packets transmitted"
            ]
        );
    }

    #[test]
    fn done_carries_the_settings() {
        let cli = CliSettings {
            screen_length: Some(0),
            ..CliSettings::default()
        };
        let mut finished = done(1, true);
        if let Response::Done { cli: c, .. } = &mut finished {
            *c = cli.clone();
        }
        let input = frames(&[welcome(), finished]);
        let mut s =
            Session::start(std::io::Cursor::new(input), Vec::new(), Client::Cli, None).unwrap();
        assert_eq!(s.cli, CliSettings::default());
        s.execute(
            "set cli screen-length 0",
            &mut Pipeline::default(),
            &mut Recorder::default(),
        )
        .unwrap();
        assert_eq!(s.cli, cli);
    }

    #[test]
    fn an_unasked_close_reaches_the_hook_or_the_next_request() {
        let closed = || Response::Closed {
            reason: "Idle timeout exceeded: closing session".into(),
        };
        // No hook: the next command fails with the reason.
        let input = frames(&[welcome(), closed()]);
        let mut s =
            Session::start(std::io::Cursor::new(input), Vec::new(), Client::Cli, None).unwrap();
        let e = s
            .execute("show x", &mut Pipeline::default(), &mut Recorder::default())
            .unwrap_err();
        assert_eq!(e.to_string(), "Idle timeout exceeded: closing session");
        // A hook hears it as it arrives, without a request.
        let (tx, rx) = mpsc::channel();
        let (mut daemon, shell) = std::os::unix::net::UnixStream::pair().unwrap();
        daemon.write_all(&frames(&[welcome()])).unwrap();
        let s = Session::start(shell.try_clone().unwrap(), shell, Client::Cli, None).unwrap();
        s.on_closed(Box::new(move |r| {
            let _ = tx.send(r.to_string());
        }));
        daemon.write_all(&frames(&[closed()])).unwrap();
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            "Idle timeout exceeded: closing session"
        );
    }
}
