//! Set-form text: `set`, `delete`, `activate`, `deactivate`, `insert` lines.
//!
//! Each line is read on its own, so an error in one does not hide the errors of the next.
//! Blank lines and `#` comments (a device's `## Last commit: ...` header) are skipped; `\r`
//! before a line's end (CRLF text) and a byte-order mark at the start are blanks.

use super::statement::{self, Failure};
use super::{Ignored, Report, TextError, TextErrors, Unknown};
use crate::edit;
use crate::path::{resolve, Match, PathError, Target, Values, Word};
use crate::schema::{Schema, SchemaId};
use crate::tree::{Node, Step};

/// One line of set-form text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub verb: String,
    pub words: Vec<Word>,
    pub line: usize,
}

const VERBS: [&str; 5] = ["set", "delete", "activate", "deactivate", "insert"];

/// Parses set-form text into commands (blank and comment lines dropped); the first line that
/// cannot be read fails.
pub fn parse(text: &str) -> Result<Vec<Command>, TextError> {
    let mut report = Report::new(Unknown::Reject);
    let cmds = parse_with(text, &mut report);
    report
        .finish()
        .map(|_| cmds)
        .map_err(TextErrors::into_first)
}

/// Parses set-form text into commands (blank and comment lines dropped); a line that cannot
/// be read is reported and skipped.
pub fn parse_with(text: &str, report: &mut Report) -> Vec<Command> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        let lineno = n + 1;
        let Some(mut words) = split_line(line, lineno, report) else {
            continue;
        };
        if words.is_empty() {
            continue;
        }
        let verb = words.remove(0);
        if verb.quoted || !VERBS.contains(&verb.text.as_str()) {
            report.error(
                lineno,
                verb.col + 1,
                format!(
                    "syntax error at '{}', expecting one of: {}",
                    verb.text,
                    VERBS.join(", ")
                ),
            );
            continue;
        }
        out.push(Command {
            verb: verb.text,
            words,
            line: lineno,
        });
    }
    out
}

/// The words of one line (`[` and `]` are words of their own); `None` after reporting an
/// unclosed string.
fn split_line(line: &str, lineno: usize, report: &mut Report) -> Option<Vec<Word>> {
    let b = line.as_bytes();
    let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\r');
    let mut words = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if blank(c) {
            i += 1;
        } else if c == b'#' {
            break;
        } else if c == b'[' || c == b']' {
            words.push(Word::new((c as char).to_string(), i));
            i += 1;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            if j >= b.len() {
                report.error(
                    lineno,
                    i + 1,
                    "syntax error, missing '\"' to close the string",
                );
                return None;
            }
            words.push(Word {
                text: super::unescape(&line[i + 1..j]),
                col: i,
                quoted: true,
            });
            i = j + 1;
        } else {
            let mut j = i;
            while j < b.len() && !blank(b[j]) && !b"\"[]#".contains(&b[j]) {
                j += 1;
            }
            words.push(Word::new(&line[i..j], i));
            i = j;
        }
    }
    Some(words)
}

/// Applies set-form commands to `root` below `at` (schema node `start`); every statement must
/// be one lsys has. Fails with the first error, after applying the lines that had none.
pub fn apply(
    root: &mut Node,
    at: &[Step],
    start: SchemaId,
    cmds: &[Command],
) -> Result<(), TextError> {
    let mut report = Report::new(Unknown::Reject);
    apply_with(root, at, start, cmds, &mut report);
    report.finish().map(|_| ()).map_err(TextErrors::into_first)
}

/// Applies set-form commands to `root` below `at` (schema node `start`). Keywords must be
/// written in full, as in a saved file. A failing line is reported and the next one read (the
/// caller discards the tree when `report` has errors); what an unknown statement means is
/// `report.unknown`'s to say.
pub fn apply_with(
    root: &mut Node,
    at: &[Step],
    start: SchemaId,
    cmds: &[Command],
    report: &mut Report,
) {
    let schema = Schema::get();
    for c in cmds {
        let err = |report: &mut Report, word: usize, message: String| {
            let col = c
                .words
                .get(word)
                .or(c.words.last())
                .map_or(1, |w| w.col + 1);
            report.error(c.line, col, message);
        };
        // Why `words` (the start of the line's) did not resolve: an error, or a statement to
        // leave out.
        let failed = |report: &mut Report, words: &[Word], e: PathError| match statement::explain(
            schema,
            start,
            words,
            e,
            report.unknown,
        ) {
            Failure::Unknown(i) => {
                let path: Vec<String> = words[..=i].iter().map(super::written).collect();
                report.ignored.add(c.line, path.join(" "));
            }
            Failure::Error { word, message } => err(report, word, message),
        };
        // The one statement `words` names (`delete`, `activate`, `insert`).
        let one = |report: &mut Report, words: &[Word]| -> Option<Target> {
            match resolve(schema, start, words, Match::Exact, Values::Optional) {
                Ok(mut t) if t.len() == 1 => Some(t.remove(0)),
                Ok(_) => {
                    err(report, words.len().saturating_sub(1), "syntax error".into());
                    None
                }
                Err(e) => {
                    failed(report, words, e);
                    None
                }
            }
        };
        let lenient = report.unknown == Unknown::Ignore;
        let edited = match c.verb.as_str() {
            "set" => {
                if super::is_version(schema, start, &c.words) {
                    continue;
                }
                match resolve(schema, start, &c.words, Match::Exact, Values::Required) {
                    Ok(t) => edit::set(root, at, &t),
                    Err(e) => {
                        failed(report, &c.words, e);
                        continue;
                    }
                }
            }
            "delete" => match one(report, &c.words) {
                // Junos warns and goes on when a file deletes what is not there.
                Some(t) => match edit::delete(root, at, &t) {
                    Err(edit::EditError::NotFound) if lenient => Ok(()),
                    r => r,
                },
                None => continue,
            },
            "activate" | "deactivate" => match one(report, &c.words) {
                Some(t) => edit::set_active(root, at, &t, c.verb == "activate"),
                None => continue,
            },
            _ => {
                // insert PATH before|after REF
                let Some(split) = c
                    .words
                    .iter()
                    .position(|w| !w.quoted && (w.text == "before" || w.text == "after"))
                else {
                    err(
                        report,
                        c.words.len(),
                        "syntax error, expecting 'before' or 'after'".into(),
                    );
                    continue;
                };
                let Some(what) = one(report, &c.words[..split]) else {
                    continue;
                };
                let parent = what
                    .steps
                    .len()
                    .checked_sub(1)
                    .and_then(|i| what.steps.get(i))
                    .map(|s| schema.node(s.schema).parent.unwrap_or(start))
                    .unwrap_or(start);
                let anchor = match resolve(
                    schema,
                    parent,
                    &c.words[split + 1..],
                    Match::Exact,
                    Values::Optional,
                ) {
                    Ok(mut t) if t.len() == 1 => t.remove(0),
                    Ok(_) => {
                        err(report, c.words.len(), "syntax error".into());
                        continue;
                    }
                    Err(e) => {
                        let words = &c.words[split + 1..];
                        if let Failure::Error { word, message } =
                            statement::explain(schema, parent, words, e, Unknown::Reject)
                        {
                            err(report, split + 1 + word, message);
                        }
                        continue;
                    }
                };
                edit::insert(root, at, &what, c.words[split].text == "before", &anchor)
            }
        };
        if let Err(e) = edited {
            err(report, 0, e.to_string());
        }
    }
}

/// Reads a whole configuration in set form, rooted at schema node `start`. Every statement
/// must be one lsys has; the first error (in text order) is returned.
pub fn read(text: &str, start: SchemaId) -> Result<Node, TextError> {
    read_with(text, start, Unknown::Reject)
        .map(|(node, _)| node)
        .map_err(TextErrors::into_first)
}

/// Reads a device's configuration in set form (`show configuration | display set`):
/// statements lsys does not have are left out and listed; any other error fails the read, and
/// every error is returned.
pub fn read_lenient(text: &str, start: SchemaId) -> Result<(Node, Ignored), TextErrors> {
    read_with(text, start, Unknown::Ignore)
}

fn read_with(text: &str, start: SchemaId, unknown: Unknown) -> Result<(Node, Ignored), TextErrors> {
    let mut report = Report::new(unknown);
    let cmds = parse_with(text, &mut report);
    let mut root = Node::new(start, None);
    apply_with(&mut root, &[], start, &cmds, &mut report);
    report.finish().map(|ignored| (root, ignored))
}
