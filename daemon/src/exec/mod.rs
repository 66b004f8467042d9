//! Running one command line for a session: parse (lsys-grammar's command schema), dispatch to
//! the operational or configuration-mode handlers, apply `display` / `compare` pipes. Text pipes
//! (`match`, `count`, ...) are the shell's.

mod bgp;
mod config;
mod live;
mod oper;
mod ping;
mod route;
mod settings;

use lsys_grammar::cli::{self, CliErrorKind, Invocation, Line, Mode};
use lsys_grammar::complete::{self, Completions, ConfigContext};
use lsys_grammar::path::{PathError, Word};
use lsys_grammar::schema::{Kind, Schema};
use lsys_grammar::text::print;
use lsys_grammar::tree::{Node, Step};
use lsys_grammar::view::View;
use lsys_grammar::{groups, json};

use crate::core::{lock, Core};
use crate::session::{Candidate, Pending, Session};

/// What a command produced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reply {
    pub output: String,
    pub error: Option<String>,
    pub caret: Option<usize>,
    pub exit: bool,
    /// A yes/no question to ask before the command completes (see [`answer`]).
    pub question: Option<(String, bool)>,
    /// Text to ask the shell for (`Some(None)`: the terminal; see [`text`]).
    pub read_text: Option<Option<String>>,
    /// Output produced after the reply is sent, chunk by chunk (see [`Producer`]).
    pub stream: Option<Producer>,
}

/// Produces a long output in chunks, on a blocking thread and without holding any lock: each
/// chunk goes to the [`Sink`], which refuses more once the client cancelled (Ctrl-C) or went
/// away — the producer then stops. An interruptible command (`ping`) watches
/// [`Sink::interrupted`] and, when it turns true, sends its last words with [`Sink::tail`].
pub struct Producer(pub Box<Produce>);

/// A producer's body: called once with the sink.
pub type Produce = dyn FnOnce(&mut Sink<'_>) + Send;

/// One piece of a producer's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    Output(String),
    /// Sent after an interrupt (the statistics of an interrupted ping): shown although the
    /// command was cancelled.
    Tail(String),
}

/// Where a [`Producer`] writes.
pub struct Sink<'a> {
    deliver: &'a mut dyn FnMut(Chunk) -> bool,
    interrupted: &'a dyn Fn() -> bool,
}

impl<'a> Sink<'a> {
    /// `deliver` answers false once the client is gone; `interrupted` says whether it cancelled.
    pub fn new(
        deliver: &'a mut dyn FnMut(Chunk) -> bool,
        interrupted: &'a dyn Fn() -> bool,
    ) -> Sink<'a> {
        Sink {
            deliver,
            interrupted,
        }
    }

    /// Sends output; false once the client cancelled or went away: stop producing.
    pub fn output(&mut self, text: String) -> bool {
        !(self.interrupted)() && (self.deliver)(Chunk::Output(text))
    }

    /// Sends the last words of an interrupted command; false once the client is gone.
    pub fn tail(&mut self, text: String) -> bool {
        (self.deliver)(Chunk::Tail(text))
    }

    /// Whether the client cancelled (Ctrl-C).
    pub fn interrupted(&self) -> bool {
        (self.interrupted)()
    }

    /// The interrupt check itself, to hand to code that also writes through this sink.
    pub fn interrupt(&self) -> &'a dyn Fn() -> bool {
        self.interrupted
    }
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Producer")
    }
}

impl Clone for Producer {
    fn clone(&self) -> Producer {
        Producer(Box::new(|_| {}))
    }
}

impl PartialEq for Producer {
    fn eq(&self, _: &Producer) -> bool {
        false
    }
}

impl Eq for Producer {}

impl Reply {
    pub fn ok(output: impl Into<String>) -> Reply {
        Reply {
            output: output.into(),
            ..Reply::default()
        }
    }

    pub fn error(message: impl Into<String>) -> Reply {
        Reply {
            error: Some(message.into()),
            ..Reply::default()
        }
    }

    fn caret(message: impl Into<String>, col: usize) -> Reply {
        Reply {
            error: Some(message.into()),
            caret: Some(col),
            ..Reply::default()
        }
    }

    /// Output that streams: `text` is sent in chunks as the client takes them.
    pub fn streamed(text: String) -> Reply {
        const CHUNK: usize = 64 * 1024;
        Reply {
            stream: Some(Producer(Box::new(move |sink| {
                let mut rest = text.as_str();
                while !rest.is_empty() {
                    let mut cut = rest.len().min(CHUNK);
                    while !rest.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    if !sink.output(rest[..cut].to_string()) {
                        return;
                    }
                    rest = &rest[cut..];
                }
            }))),
            ..Reply::default()
        }
    }

    fn ask(output: impl Into<String>, question: &str, default: bool) -> Reply {
        Reply {
            output: output.into(),
            question: Some((question.to_string(), default)),
            ..Reply::default()
        }
    }
}

/// A JSON value as a reply (`| display json`).
pub(super) fn json_reply(v: serde_json::Value) -> Reply {
    Reply::ok(format!(
        "{}\n",
        serde_json::to_string_pretty(&v).unwrap_or_default()
    ))
}

/// The typed view of the running configuration, or the error line to answer with.
pub(super) fn running_intent(
    core: &Core,
) -> Result<std::sync::Arc<lsys_grammar::typed::Intent>, String> {
    core.running
        .get()
        .intent()
        .map_err(|e| format!("error: running configuration: {e}"))
}

/// How a command's output is to be displayed (`| display set`, `| display json`, `| compare`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Display {
    #[default]
    Text,
    Set {
        relative: bool,
    },
    Json,
    /// `| display inheritance [brief | no-comments]`: groups expanded, inherited statements
    /// marked as asked.
    Inheritance(groups::Notes),
    Compare(Option<usize>),
}

fn display_of(line: &Line) -> Display {
    let mut d = Display::Text;
    for p in &line.pipes {
        match p.name().as_str() {
            "display set" => {
                d = Display::Set {
                    relative: p.has("relative"),
                }
            }
            // `json` is a flag of `display` (commands.schema), not a container of its own.
            "display" if p.has("json") => d = Display::Json,
            "display inheritance" => {
                d = Display::Inheritance(if p.has("brief") {
                    groups::Notes::Brief
                } else if p.has("no-comments") {
                    groups::Notes::None
                } else {
                    groups::Notes::Full
                })
            }
            "display json" => d = Display::Json,
            "compare" => d = Display::Compare(p.arg("rollback").and_then(|n| n.parse().ok())),
            _ => {}
        }
    }
    d
}

/// A configuration statement as `show` prints it. `top`: the view's whole configuration (print
/// its statements); below that a container or entry prints its statements and a leaf itself.
fn render(
    node: &Node,
    top: bool,
    display: &Display,
    set_prefix: &[String],
    json_document: bool,
) -> String {
    match display {
        Display::Set { .. } => {
            let mut out = print::set_lines(node, set_prefix).join("\n");
            if !out.is_empty() {
                out.push('\n');
            }
            out
        }
        Display::Json => {
            let value = if json_document {
                json::to_json_document(node)
            } else {
                json::to_json(node)
            };
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
        Display::Text | Display::Compare(_) | Display::Inheritance(_) => {
            let kind = Schema::get().node(node.schema).kind;
            if top || matches!(kind, Kind::Container | Kind::List) {
                print::curly(node)
            } else {
                print::curly_statement(node)
            }
        }
    }
}

/// `| display inheritance` of the statement at `steps` (relative to the view) of `tree`: the
/// whole configuration for the operator; for a tenant the operator's groups of the running
/// configuration around its logical system as `part` has it.
fn inheritance(
    tree: &Node,
    running: &Node,
    part: &Node,
    view: &View,
    steps: &[Step],
    notes: groups::Notes,
) -> String {
    let abs = view.abs(steps);
    let top = steps.is_empty();
    match view.logical_system() {
        None => groups::inheritance_with(tree, &abs, top, notes),
        Some(ls) => {
            let context = groups::context(running, ls, part.clone());
            groups::inheritance_with(&context, &abs, top, notes)
        }
    }
}

/// Caret column for a path error in `words` (the end of the line when a word is missing).
fn path_caret(e: &PathError, words: &[Word], line: &str) -> usize {
    words
        .get(e.word)
        .map_or(line.trim_end().len() + 1, |w| w.col)
}

/// Runs `line` for session `s`.
pub fn execute(core: &Core, s: &mut Session, line: &str) -> Reply {
    if line.trim().is_empty() {
        return Reply::ok("");
    }
    s.pending = None;
    let mode = if s.configuring() {
        Mode::Configuration
    } else {
        Mode::Operational
    };
    let parsed = match cli::parse(line, mode) {
        Ok(p) => p,
        Err(e) => {
            let mut msg = e.to_string();
            if let CliErrorKind::Ambiguous { candidates, .. } = &e.kind {
                msg.push_str("\nPossible completions:");
                for c in candidates {
                    msg.push_str(&format!("\n  {c}"));
                }
            }
            return Reply::caret(msg, e.col);
        }
    };
    let display = display_of(&parsed);
    match mode {
        Mode::Operational => oper::run(core, s, &parsed.command, &display, line),
        Mode::Configuration => config::run(core, s, &parsed.command, &display, line),
    }
}

/// Continues a command that asked a question.
pub fn answer(core: &Core, s: &mut Session, yes: bool) -> Reply {
    match s.pending.take() {
        Some(Pending::ExitConfiguration) if yes => config::leave(core, s),
        Some(Pending::DeleteAll) if yes => config::delete_all(core, s),
        Some(_) | None => Reply::ok(""),
    }
}

/// Continues a `load` with the text the shell read (or the reason it could not).
pub fn text(core: &Core, s: &mut Session, text: Result<String, String>) -> Reply {
    match (s.pending.take(), text) {
        (
            Some(Pending::Load {
                mode,
                relative,
                file,
            }),
            Ok(t),
        ) => config::load_text(core, s, mode, relative, file.as_deref(), &t),
        (Some(Pending::Load { .. }), Err(e)) => Reply::error(format!("error: {e}")),
        _ => Reply::error("error: no command is waiting for text"),
    }
}

/// Completion for the text before the cursor: reads a snapshot (the running configuration or
/// the candidate), never waits for a commit, and offers only the commands the gate allows.
pub fn complete(core: &Core, s: &Session, line: &str) -> Completions {
    let mode = if s.configuring() {
        Mode::Configuration
    } else {
        Mode::Operational
    };
    let tree = match &s.candidate {
        Some(Candidate::Private { tree, .. }) => tree.clone(),
        Some(_) => lock(&core.shared).tree.clone(),
        None => core.running.get().tree.clone(),
    };
    let ctx = ConfigContext {
        root: &tree,
        view: &s.view,
        edit: &s.edit,
    };
    let mut c = complete::line(line, mode, &ctx);
    if mode == Mode::Operational && !line.trim_start().contains(char::is_whitespace) {
        c.rows.retain(|r| s.principal.offers(&r.name));
    }
    c
}

/// The text of a command line from `words[0]` on (for `run` and `top`).
fn rest_text<'a>(inv: &Invocation, line: &'a str) -> &'a str {
    inv.rest.first().map_or("", |w| &line[w.col..])
}

/// `2024-05-06 06:38:48 UTC`.
pub fn utc(unix: i64) -> String {
    let (y, m, d, h, min, sec) = lsys_protocol::settings::civil(unix);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{sec:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_714_977_528), "2024-05-06 06:38:48 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
