//! Command lines: tokenizing (pest, `cli.pest`) and matching words against the command schema
//! (`schema/commands.schema`) with Junos' unambiguous-prefix rule (`sh ro` = `show route`).
//!
//! The result names the command by its full keywords, its arguments by their schema words, and
//! hands over the rest of the words for commands that take a configuration path (`set`, `show`
//! in configuration mode, `edit`, ...). Errors carry the column for a caret.

use std::fmt;

use pest::Parser;
use pest_derive::Parser;

use crate::path::{match_keyword, Match, PathErrorKind, Word};
use crate::schema::{Kind, Schema, SchemaId, ROOT};

#[derive(Parser)]
#[grammar = "cli.pest"]
struct Cli;

/// Which command set a line is read against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Operational,
    Configuration,
}

impl Mode {
    fn root_word(self) -> &'static str {
        match self {
            Mode::Operational => "operational",
            Mode::Configuration => "configuration",
        }
    }

    /// The schema node whose children are this mode's commands.
    pub fn root(self) -> SchemaId {
        let c = Schema::commands();
        c.child_by_word(ROOT, self.root_word()).unwrap_or(ROOT)
    }
}

/// The schema node whose children are the pipe commands.
pub fn pipe_root() -> SchemaId {
    let c = Schema::commands();
    c.child_by_word(ROOT, "pipe").unwrap_or(ROOT)
}

/// One command (or pipe command) matched against the command schema.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invocation {
    /// Full keywords of the command (`["show", "route"]`).
    pub path: Vec<String>,
    /// Arguments in the order given: (schema word, value); flags have no value.
    pub args: Vec<(String, Option<String>)>,
    /// For `@rest` commands: what kind of words follow, and the words.
    pub rest_kind: Option<String>,
    pub rest: Vec<Word>,
}

impl Invocation {
    /// The command's keywords joined by blanks.
    pub fn name(&self) -> String {
        self.path.join(" ")
    }

    /// True when flag or argument `word` was given.
    pub fn has(&self, word: &str) -> bool {
        self.args.iter().any(|(w, _)| w == word)
    }

    /// The value of argument `word`, if given with a value.
    pub fn arg(&self, word: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(w, _)| w == word)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// A whole line: the command and its pipes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    pub command: Invocation,
    pub pipes: Vec<Invocation>,
}

/// Why a command line was refused; `col` is the byte column for the caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub col: usize,
    pub kind: CliErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliErrorKind {
    UnknownCommand,
    ExpectingCommand,
    Syntax,
    Ambiguous {
        word: String,
        candidates: Vec<String>,
    },
    MissingArgument,
    InvalidValue {
        message: String,
        value: String,
    },
    UnterminatedQuote,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CliErrorKind::UnknownCommand => write!(f, "unknown command."),
            CliErrorKind::ExpectingCommand => write!(f, "syntax error, expecting <command>."),
            CliErrorKind::Syntax => write!(f, "syntax error."),
            CliErrorKind::Ambiguous { word, .. } => write!(f, "'{word}' is ambiguous."),
            CliErrorKind::MissingArgument => write!(f, "missing argument."),
            CliErrorKind::InvalidValue { message, value } => write!(f, "{message} at '{value}'"),
            CliErrorKind::UnterminatedQuote => {
                write!(f, "syntax error, unterminated quoted string.")
            }
        }
    }
}

impl std::error::Error for CliError {}

impl CliError {
    /// The caret line and message, for a prompt `prompt_width` columns wide.
    ///
    /// ```text
    /// jvetter@nxp-fra-01:l2> show rute
    ///                             ^
    /// syntax error, expecting <command>.
    /// ```
    pub fn render(&self, prompt_width: usize) -> String {
        let mut out = format!("{}^\n{self}", " ".repeat(prompt_width + self.col));
        if let CliErrorKind::Ambiguous { candidates, .. } = &self.kind {
            out.push_str("\nPossible completions:");
            for c in candidates {
                out.push_str(&format!("\n  {c}"));
            }
        }
        out
    }

    pub(crate) fn from_path(kind: PathErrorKind, col: usize) -> CliError {
        let kind = match kind {
            PathErrorKind::Syntax => CliErrorKind::Syntax,
            PathErrorKind::Ambiguous { word, candidates } => {
                CliErrorKind::Ambiguous { word, candidates }
            }
            PathErrorKind::MissingArgument => CliErrorKind::MissingArgument,
            PathErrorKind::InvalidValue { message, value } => {
                CliErrorKind::InvalidValue { message, value }
            }
            PathErrorKind::UnclosedList => CliErrorKind::Syntax,
        };
        CliError { col, kind }
    }
}

/// Splits a line into segments of words (the first is the command, the others pipes).
pub fn tokenize(line: &str) -> Result<Vec<Vec<Word>>, CliError> {
    let parsed = Cli::parse(Rule::line, line).map_err(|e| {
        let col = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((p, _)) => p,
        };
        // The only way a line fails to tokenize is an open quote: point at it.
        let quote = line[..col.min(line.len())].rfind('"').unwrap_or(col);
        CliError {
            col: quote,
            kind: CliErrorKind::UnterminatedQuote,
        }
    })?;
    let mut segments = Vec::new();
    for seg in parsed.flatten().filter(|p| p.as_rule() == Rule::segment) {
        let words = seg
            .into_inner()
            .map(|w| {
                let col = w.as_span().start();
                crate::text::word_from(w.into_inner().next(), Rule::quoted, col)
            })
            .collect();
        segments.push(words);
    }
    Ok(segments)
}

/// Parses a command line in `mode`.
pub fn parse(line: &str, mode: Mode) -> Result<Line, CliError> {
    let segments = tokenize(line)?;
    let mut it = segments.into_iter();
    let first = it.next().unwrap_or_default();
    let command = walk(mode.root(), &first, line.len(), true)?;
    let mut pipes = Vec::new();
    for seg in it {
        let end = seg.last().map_or(line.len(), |w| w.col + w.text.len());
        if seg.is_empty() {
            return Err(CliError {
                col: line.len(),
                kind: CliErrorKind::ExpectingCommand,
            });
        }
        pipes.push(walk(pipe_root(), &seg, end, false)?);
    }
    Ok(Line { command, pipes })
}

/// Matches `words` against the commands under `start`. `end` is the column just past the line
/// (for "missing argument" carets).
pub fn walk(
    start: SchemaId,
    words: &[Word],
    end: usize,
    top: bool,
) -> Result<Invocation, CliError> {
    let c = Schema::commands();
    let mut inv = Invocation::default();
    let mut cur = start;
    let mut i = 0;
    let col = |i: usize| words.get(i).map_or(end, |w| w.col);
    // Arguments given so far that belong to a `@choice` group: one member per group.
    let mut chosen: Vec<SchemaId> = Vec::new();
    while i < words.len() {
        if let Some(kind) = &c.node(cur).rest {
            inv.rest_kind = Some(kind.clone());
            inv.rest = words[i..].to_vec();
            return Ok(inv);
        }
        let w = &words[i];
        let keyword = if w.quoted {
            None
        } else {
            match_keyword(c, cur, &w.text, Match::Prefix)
                .map_err(|k| CliError::from_path(k, col(i)))?
        };
        let Some(id) = keyword.or_else(|| c.keyless_child(cur)) else {
            let kind = if top && i == 0 {
                CliErrorKind::UnknownCommand
            } else if c.node(cur).children.is_empty() {
                CliErrorKind::Syntax
            } else {
                CliErrorKind::ExpectingCommand
            };
            return Err(CliError { col: col(i), kind });
        };
        let node = c.node(id);
        if node.choice.is_some() {
            if chosen.iter().any(|&o| o != id && excludes(c, o, id)) {
                return Err(CliError {
                    col: col(i),
                    kind: CliErrorKind::Syntax,
                });
            }
            chosen.push(id);
        }
        let parse = |v: &Word| {
            let t = node
                .vtype
                .as_ref()
                .map_or(Ok(v.text.clone()), |t| t.parse(&v.text));
            t.map_err(|message| CliError {
                col: v.col,
                kind: CliErrorKind::InvalidValue {
                    message,
                    value: v.text.clone(),
                },
            })
        };
        match node.kind {
            Kind::Container => {
                inv.path.push(node.word.clone());
                cur = id;
                i += 1;
            }
            Kind::List => {
                let key = parse(w)?;
                inv.args.push((node.word.clone(), Some(key)));
                cur = id;
                i += 1;
            }
            Kind::Flag => {
                inv.args.push((node.word.clone(), None));
                i += 1;
            }
            Kind::Leaf | Kind::LeafList => {
                i += 1;
                match words.get(i) {
                    Some(v) if !node.optional || parse(v).is_ok() => {
                        inv.args.push((node.word.clone(), Some(parse(v)?)));
                        i += 1;
                    }
                    _ if node.optional => inv.args.push((node.word.clone(), None)),
                    _ => {
                        return Err(CliError {
                            col: col(i),
                            kind: CliErrorKind::MissingArgument,
                        })
                    }
                }
            }
        }
    }
    if let Some(kind) = &c.node(cur).rest {
        inv.rest_kind = Some(kind.clone());
    }
    if inv.path.is_empty() && inv.args.is_empty() {
        return Err(CliError {
            col: col(0),
            kind: if top {
                CliErrorKind::UnknownCommand
            } else {
                CliErrorKind::ExpectingCommand
            },
        });
    }
    Ok(inv)
}

/// True when `a` and `b` are members of the same `@choice` group under the same parent.
pub(crate) fn excludes(c: &Schema, a: SchemaId, b: SchemaId) -> bool {
    let (x, y) = (c.node(a), c.node(b));
    x.parent == y.parent && x.choice.is_some() && x.choice == y.choice
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(line: &str) -> Result<Line, CliError> {
        parse(line, Mode::Operational)
    }

    #[test]
    fn prefixes_expand() {
        let l = op("sh ro").unwrap();
        assert_eq!(l.command.name(), "show route");
        let l = op("sh bgp su").unwrap();
        assert_eq!(l.command.name(), "show bgp summary");
    }

    #[test]
    fn arguments_and_keyless_values() {
        let l = op("ping 10.0.0.14 routing-instance d87ed303-8b9d-48a5-9f08-aa42b4b50cd8 count 3")
            .unwrap();
        assert_eq!(l.command.name(), "ping");
        assert_eq!(l.command.arg("host"), Some("10.0.0.14"));
        assert_eq!(l.command.arg("count"), Some("3"));
    }

    #[test]
    fn optional_values() {
        let c = |s| parse(s, Mode::Configuration).unwrap().command;
        assert_eq!(c("commit confirmed").arg("confirmed"), None);
        assert!(c("commit confirmed").has("confirmed"));
        assert_eq!(
            c("commit confirmed 5 comment \"a b\"").arg("confirmed"),
            Some("5")
        );
        assert_eq!(
            c("commit confirmed 5 comment \"a b\"").arg("comment"),
            Some("a b")
        );
        assert!(c("commit confirmed and-quit").has("and-quit"));
    }

    #[test]
    fn rest_words_and_pipes() {
        let l = parse(
            "set protocols bgp group aws peer-as 64512",
            Mode::Configuration,
        )
        .unwrap();
        assert_eq!(l.command.name(), "set");
        assert_eq!(l.command.rest_kind.as_deref(), Some("config"));
        assert_eq!(l.command.rest.len(), 6);
        let l = parse(
            "show | display set | match \"bgp|aws\" | no-more",
            Mode::Configuration,
        )
        .unwrap();
        assert_eq!(l.pipes.len(), 3);
        assert_eq!(l.pipes[0].name(), "display set");
        assert_eq!(l.pipes[1].arg("match"), Some("bgp|aws"));
        let l = op("show configuration | count").unwrap();
        assert!(l.pipes[0].has("count"));
    }

    #[test]
    fn errors_carry_columns() {
        let e = op("show rute").unwrap_err();
        assert_eq!(
            (e.col, e.to_string().as_str()),
            (5, "syntax error, expecting <command>.")
        );
        assert_eq!(
            e.render(23),
            format!("{}^\nsyntax error, expecting <command>.", " ".repeat(28))
        );
        let e = op("shw").unwrap_err();
        assert_eq!(e.to_string(), "unknown command.");
        let e = op("s").unwrap_err();
        assert!(matches!(e.kind, CliErrorKind::Ambiguous { .. }), "{e:?}");
        let e = op("ping 10.0.0.14 count").unwrap_err();
        assert_eq!((e.col, e.kind), (20, CliErrorKind::MissingArgument));
        let e = op("ping 10.0.0.14 count x").unwrap_err();
        assert_eq!(e.col, 21);
        let e = op("show version extra").unwrap_err();
        assert_eq!(e.kind, CliErrorKind::Syntax);
        let e = op("show configuration | frob").unwrap_err();
        assert_eq!(e.col, 21);
        let e = op("show \"open").unwrap_err();
        assert_eq!((e.col, e.kind), (5, CliErrorKind::UnterminatedQuote));
    }
}
