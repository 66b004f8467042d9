//! Batch mode (`-c`, `-f`, standard input that is not a terminal): commands run in order, output
//! unpaged on stdout, questions take their default, and the first failure stops the batch with
//! its error on stderr. `set cli screen-width` wraps long lines and `set cli timestamp` prints
//! the time before each command's output, as on a terminal; there is never a pager.
//!
//! Exit status: 0 all commands succeeded (or one asked to end the session), 1 a command failed,
//! 2 the connection or the input broke.

use std::io::{self, Write};

use crate::pipes::Pipeline;
use crate::render;
use crate::session::{Flow, Frontend, Session};

/// Output and questions of a batch.
struct BatchUi<'a> {
    out: &'a mut dyn Write,
    echo: bool,
    /// `set cli screen-width`.
    width: Option<u32>,
}

impl Frontend for BatchUi<'_> {
    fn output(&mut self, line: &str) -> Flow {
        for piece in render::wrap(line, self.width) {
            if writeln!(self.out, "{piece}").is_err() {
                return Flow::Stop; // stdout closed (`lsys -c ... | head`)
            }
        }
        Flow::More
    }

    fn question(&mut self, text: &str, default: bool) -> bool {
        if self.echo {
            let answer = if default { "yes" } else { "no" };
            let _ = writeln!(self.out, "{text}{answer}");
        }
        default
    }

    fn interrupted(&mut self) -> bool {
        false
    }
}

/// Runs `commands` (already stripped of blank and comment lines) and returns the exit status.
pub fn run<W: Write>(
    session: &mut Session<W>,
    commands: impl IntoIterator<Item = io::Result<String>>,
    echo: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    for cmd in commands {
        let line = match cmd {
            Ok(l) => l,
            Err(e) => {
                let _ = writeln!(err, "error: cannot read commands: {e}");
                return 2;
            }
        };
        if echo {
            let (before, prompt) = render::prompt(&session.prompt);
            let _ = writeln!(out, "{before}{prompt}{line}");
        }
        let mut pipes = match Pipeline::for_line(&line) {
            Ok(p) => p,
            Err(e) => {
                let _ = out.flush();
                let _ = writeln!(err, "{e}");
                return 1;
            }
        };
        let mut ui = BatchUi {
            out,
            echo,
            width: session.cli.screen_width,
        };
        if session.cli.timestamp {
            ui.output(&render::timestamp_now());
        }
        let outcome = match session.execute(&line, &mut pipes, &mut ui) {
            Ok(o) => o,
            Err(e) => {
                let _ = out.flush();
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        };
        let _ = out.flush();
        if !outcome.ok {
            if outcome.caret.is_some() {
                let _ = writeln!(err, "{line}");
            }
            let report = render::failure(0, &line, outcome.caret, outcome.error.as_deref());
            let _ = err.write_all(report.as_bytes());
            return 1;
        }
        if outcome.exit {
            return 0;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::tests::{done, frames, sent, welcome};
    use lsys_protocol::{Client, Request, Response};

    fn session(msgs: &[Response]) -> Session<Vec<u8>> {
        let mut all = vec![welcome()];
        all.extend_from_slice(msgs);
        Session::start(
            std::io::Cursor::new(frames(&all)),
            Vec::new(),
            Client::Batch,
            None,
        )
        .unwrap()
    }

    fn cmds(c: &[&str]) -> Vec<io::Result<String>> {
        c.iter().map(|s| Ok(s.to_string())).collect()
    }

    #[test]
    fn echo_prints_a_transcript_and_default_answers() {
        let mut s = session(&[
            Response::Output {
                id: 1,
                text: "Entering configuration mode\n".into(),
            },
            done(1, true),
            Response::Question {
                id: 2,
                text: "Exit with uncommitted changes? [yes,no] (yes) ".into(),
                default: true,
            },
            Response::Done {
                id: 2,
                ok: true,
                error: None,
                caret: None,
                prompt: lsys_protocol::Prompt::default(),
                exit: true,
                cli: Default::default(),
            },
        ]);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            &mut s,
            cmds(&["configure", "exit", "never sent"]),
            true,
            &mut out,
            &mut err,
        );
        assert_eq!(code, 0);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "u@h> configure\nEntering configuration mode\n\n[edit]\nu@h# exit\n\
             Exit with uncommitted changes? [yes,no] (yes) yes\n"
        );
        let reqs = sent(s.writer());
        assert_eq!(reqs.len(), 4); // Hello, Execute, Execute, Answer
        assert_eq!(reqs[3], Request::Answer { id: 2, yes: true });
    }

    #[test]
    fn bad_pattern_fails_before_sending() {
        let mut s = session(&[]);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            &mut s,
            cmds(&["show | match \"(\""]),
            false,
            &mut out,
            &mut err,
        );
        assert_eq!(code, 1);
        assert_eq!(sent(s.writer()).len(), 1);
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "error: invalid regular expression '('\n"
        );
    }
}
