//! The interactive shell: a rustyline editor with the daemon's prompt, `?` and TAB help, the
//! pager, and Ctrl-C that cancels a running command.
//!
//! `?` (outside double quotes) and a TAB that has nothing to insert but several candidates are
//! bound to a handler that asks the daemon for completions, stashes them with the line as typed
//! and ends the edit (`AcceptLine`, which rustyline draws as a plain newline). The loop then
//! prints `Possible completions:` and restarts the edit with the same text and cursor, so the
//! `?` is never inserted and no terminal tricks beyond a newline are needed.
//!
//! SIGINT only reaches us outside the editor (rustyline reads keys in raw mode): a flag set by
//! the signal handler is polled while a command runs, which sends `Cancel`.
//!
//! `set cli` settings (from the last Done) apply to each command: `screen-length` and
//! `screen-width` size the pager (0: no pager) and wrap long lines, `timestamp` prints the time
//! before the output, `complete-on-space on` binds space to complete the only keyword that
//! fits. On a terminal without ANSI (TERM unset or `dumb`, editor.rs) lines are read plainly
//! and a line ending in `?` lists the completions. When lsysd ends an idle session
//! (`set cli idle-timeout`), the shell restores the terminal, prints why and exits at once.

use std::io::{self, IsTerminal, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use lsys_protocol::Row;
use nix::sys::termios::{self, SetArg};
use rustyline::config::Configurer;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{
    Cmd, ConditionalEventHandler, Config, Editor, Event, EventContext, EventHandler, KeyCode,
    KeyEvent, Modifiers, RepeatCount,
};

use crate::echo::{Key, Keys};
use crate::editor::{plain_terminal, LineEditor};
use crate::pager::{Pager, Tty};
use crate::pipes::Pipeline;
use crate::render;
use crate::session::{Flow, Frontend, Session, SessionError};

type Conn = Session<UnixStream>;

/// A `?` or TAB listing waiting to be shown, with the line it was asked on.
struct Help {
    left: String,
    right: String,
    rows: Vec<Row>,
}

/// State shared between the loop and the key handlers (which rustyline owns).
struct Shared {
    session: Mutex<Conn>,
    pending: Mutex<Option<Help>>,
    /// `set cli complete-on-space on`.
    complete_on_space: AtomicBool,
}

/// The `?` and TAB keys.
struct HelpKey {
    shared: Arc<Shared>,
    tab: bool,
}

/// True when `text` ends inside a double-quoted string (where `?` is a plain character).
pub fn in_quotes(text: &str) -> bool {
    crate::args::scan_quotes(text, |_, _| {})
}

impl ConditionalEventHandler for HelpKey {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        command(self.shared.help_key(ctx.line(), ctx.pos(), self.tab))
    }
}

/// A key handler's answer as rustyline's command (`None`: the key's own action).
fn command(key: Key) -> Option<Cmd> {
    match key {
        Key::Insert(t) => Some(Cmd::Insert(1, t)),
        Key::Accept => Some(Cmd::AcceptLine),
        Key::Ignore => Some(Cmd::Noop),
        Key::Literal => None,
    }
}

impl Shared {
    /// `?` or TAB with the cursor at `pos` of `line`: TAB inserts the completion when there is
    /// one; otherwise the completions are stashed for the loop to list and the edit ends.
    fn help_key(&self, line: &str, pos: usize, tab: bool) -> Key {
        if !tab && in_quotes(&line[..pos]) {
            return Key::Literal;
        }
        // Locked: a command is running and this is the editor answering its question.
        let Ok(mut session) = self.session.try_lock() else {
            return Key::Literal;
        };
        let Ok((rows, completion)) = session.complete(&line[..pos]) else {
            return Key::Ignore;
        };
        if tab {
            if let Some(t) = completion {
                return Key::Insert(t);
            }
            if rows.len() < 2 {
                return Key::Ignore;
            }
        }
        if let Ok(mut p) = self.pending.lock() {
            *p = Some(Help {
                left: line[..pos].to_string(),
                right: line[pos..].to_string(),
                rows,
            });
        }
        Key::Accept
    }

    /// Space after `before`: the only keyword that fits, with complete-on-space on.
    fn space_key(&self, before: &str) -> Key {
        if !self.complete_on_space.load(Ordering::Relaxed)
            || before.is_empty()
            || before.ends_with(char::is_whitespace)
            || in_quotes(before)
        {
            return Key::Literal;
        }
        let Ok(mut session) = self.session.try_lock() else {
            return Key::Literal;
        };
        let Ok((rows, tab)) = session.complete(before) else {
            return Key::Literal;
        };
        render::space_completion(&rows, tab.as_deref()).map_or(Key::Literal, Key::Insert)
    }
}

/// The same handlers while echo.rs reads the line (the cursor is at its end).
impl Keys for Shared {
    fn help(&self, line: &str, tab: bool) -> Key {
        self.help_key(line, line.len(), tab)
    }

    fn space(&self, line: &str) -> Key {
        self.space_key(line)
    }
}

/// Space with `set cli complete-on-space on`: completes the only keyword that fits the word
/// before the cursor (render::space_completion); otherwise, and inside quotes, a blank.
struct SpaceKey {
    shared: Arc<Shared>,
}

impl ConditionalEventHandler for SpaceKey {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        command(self.shared.space_key(&ctx.line()[..ctx.pos()]))
    }
}

/// Output and questions of a command on the terminal.
struct TermUi<'a> {
    editor: &'a mut LineEditor,
    pager: Pager,
    /// `set cli screen-width`.
    width: Option<u32>,
    sigint: &'a AtomicBool,
    /// Ctrl-C was typed during this command (the terminal echoed `^C`).
    ctrl_c: bool,
}

impl Frontend for TermUi<'_> {
    fn output(&mut self, line: &str) -> Flow {
        for piece in render::wrap(line, self.width) {
            if self.pager.line(&mut io::stdout(), &mut Tty, piece) == Flow::Stop {
                return Flow::Stop;
            }
        }
        Flow::More
    }

    fn question(&mut self, text: &str, default: bool) -> bool {
        let _ = io::stdout().flush();
        self.pager = Pager::new(false);
        loop {
            match self.editor.readline(text) {
                Ok(a) => match a.trim().to_ascii_lowercase().as_str() {
                    "" => return default,
                    "yes" | "y" => return true,
                    "no" | "n" => return false,
                    _ => continue,
                },
                Err(_) => return false,
            }
        }
    }

    fn read_text(&mut self, file: Option<&str>) -> Result<String, String> {
        if let Some(f) = file {
            return std::fs::read_to_string(f)
                .map_err(|e| format!("could not open configuration file '{f}': {e}"));
        }
        println!("[Type ^D at a new line to end input]");
        let mut text = String::new();
        loop {
            match self.editor.readline("") {
                Ok(l) => {
                    text.push_str(&l);
                    text.push('\n');
                }
                Err(ReadlineError::Eof) => return Ok(text),
                Err(_) => return Err("input abandoned".into()),
            }
        }
    }

    fn interrupted(&mut self) -> bool {
        let hit = self.sigint.swap(false, Ordering::SeqCst);
        self.ctrl_c |= hit;
        hit
    }
}

/// Rustyline, plain ANSI only: no synchronized-output mode, and no bracketed paste, so that
/// pasting several `set` lines runs them one by one as on a router; `?`, TAB and space bound
/// to the handlers above.
fn full_editor(shared: &Arc<Shared>) -> Result<Editor<(), DefaultHistory>, ReadlineError> {
    let mut builder = Config::builder()
        .max_history_size(1000)
        .unwrap_or_else(|_| Config::builder())
        .auto_add_history(false)
        .bracketed_paste(false);
    builder.enable_synchronized_output(false);
    let config = builder
        .history_ignore_dups(true)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: Editor<(), DefaultHistory> = Editor::with_config(config)?;
    for (key, tab) in [
        (KeyEvent::from('?'), false),
        (KeyEvent(KeyCode::Tab, Modifiers::NONE), true),
    ] {
        editor.bind_sequence(
            key,
            EventHandler::Conditional(Box::new(HelpKey {
                shared: shared.clone(),
                tab,
            })),
        );
    }
    editor.bind_sequence(
        KeyEvent::from(' '),
        EventHandler::Conditional(Box::new(SpaceKey {
            shared: shared.clone(),
        })),
    );
    Ok(editor)
}

/// What the shell does when lsysd ends the session unasked: the terminal back as it was (the
/// editor may hold it in raw mode), the reason on a line of its own, and exit 0.
fn leave_when_closed(session: &Conn) {
    let saved = termios::tcgetattr(io::stdin()).ok();
    session.on_closed(Box::new(move |reason| {
        if let Some(t) = &saved {
            let _ = termios::tcsetattr(io::stdin(), SetArg::TCSANOW, t);
        }
        println!("\n{reason}");
        let _ = io::stdout().flush();
        std::process::exit(0);
    }));
}

/// Runs the interactive shell until Ctrl-D, `exit` or a lost connection; returns the status.
pub fn run(session: Conn) -> i32 {
    leave_when_closed(&session);
    let shared = Arc::new(Shared {
        session: Mutex::new(session),
        pending: Mutex::new(None),
        complete_on_space: AtomicBool::new(false),
    });
    let plain = plain_terminal(std::env::var("TERM").ok().as_deref());
    let mut editor = if plain {
        LineEditor::Plain
    } else {
        match full_editor(&shared) {
            Ok(e) => LineEditor::Full(Box::new(e)),
            Err(e) => {
                eprintln!("error: cannot set up the terminal: {e}");
                return 2;
            }
        }
    };
    let sigint = Arc::new(AtomicBool::new(false));
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGINT, sigint.clone()) {
        eprintln!("error: cannot handle Ctrl-C: {e}");
        return 2;
    }
    let paging = io::stdout().is_terminal();
    let mut help: Option<Help> = None;
    loop {
        let (prompt, cli) = match shared.session.lock() {
            Ok(s) => (s.prompt.clone(), s.cli.clone()),
            Err(_) => return 2,
        };
        shared
            .complete_on_space
            .store(cli.complete_on_space, Ordering::Relaxed);
        let (before, shown) = render::prompt(&prompt);
        let read = match help.take() {
            Some(h) => {
                print!("{}", render::completions(&h.rows));
                if let Some(b) = &prompt.banner {
                    println!("{b}");
                }
                editor.read(&shown, (&h.left, &h.right), Some(&*shared))
            }
            None => {
                print!("{before}");
                editor.read(&shown, ("", ""), Some(&*shared))
            }
        };
        let pending = shared.pending.lock().ok().and_then(|mut p| p.take());
        let line = match read {
            Ok(_) if pending.is_some() => {
                help = pending;
                continue;
            }
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return 0,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        // A plain terminal cannot send `?` as it is typed: a line ending in one asks for help.
        if editor.is_plain() {
            if let Some(asked) = help_asked(&line) {
                match shared.session.lock().map(|mut s| s.complete(asked)) {
                    Ok(Ok((rows, _))) => print!("{}", render::completions(&rows)),
                    Ok(Err(e)) => {
                        eprintln!("error: {e}");
                        return 2;
                    }
                    Err(_) => return 2,
                }
                continue;
            }
        }
        editor.add_history_entry(line.as_str());
        let mut pipes = match Pipeline::for_line(&line) {
            Ok(p) => p,
            Err(e) => {
                println!("{e}");
                continue;
            }
        };
        sigint.store(false, Ordering::SeqCst);
        let mut ui = TermUi {
            editor: &mut editor,
            pager: Pager::new(paging && !pipes.no_more)
                .sized(cli.screen_length, cli.screen_width)
                .plain(plain),
            width: cli.screen_width,
            sigint: &sigint,
            ctrl_c: false,
        };
        if cli.timestamp {
            ui.output(&render::timestamp_now());
        }
        let outcome = match shared.session.lock() {
            Ok(mut s) => s.execute(&line, &mut pipes, &mut ui),
            Err(_) => return 2,
        };
        if ui.ctrl_c {
            println!();
        }
        match outcome {
            Ok(o) => {
                if !o.ok && !o.cancelled {
                    let width = shown.chars().count();
                    let report = render::failure(width, &line, o.caret, o.error.as_deref());
                    print!("{report}");
                }
                let _ = io::stdout().flush();
                if o.exit {
                    return 0;
                }
            }
            Err(SessionError::Closed(reason)) => {
                println!("{reason}");
                return 0;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
}

/// For a line typed on a plain terminal: the text before a final `?` (outside quotes), when
/// the line asks for help.
fn help_asked(line: &str) -> Option<&str> {
    let before = line.trim_end().strip_suffix('?')?;
    (!in_quotes(before)).then_some(before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_marks_inside_quotes_are_literal() {
        assert!(!in_quotes("show route "));
        assert!(in_quotes("set x description \"why"));
        assert!(!in_quotes("set x description \"why?\" "));
        assert!(in_quotes(r#"set x "a\"b"#));
    }

    #[test]
    fn a_final_question_mark_asks_for_help_on_a_plain_terminal() {
        assert_eq!(help_asked("show ?"), Some("show "));
        assert_eq!(help_asked("sh?  "), Some("sh"));
        assert_eq!(help_asked("show route"), None);
        assert_eq!(help_asked("set x description \"why?"), None);
    }
}
