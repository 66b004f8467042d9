//! Configuration text in and out: curly braces, set form, and the words they are made of.
//!
//! Reading is two steps: a parser turns text into statements (recovering after a syntax error,
//! so that one read reports every error), then the statements meet the schema
//! ([`statement`]). What a statement the schema does not know means depends on who reads:
//!
//! ```text
//!  text ─► curly::parse / set::parse ─► statements ─► apply (schema) ─► tree
//!               │                                        │
//!               └────────── Report: errors (sorted, at most TextErrors::LIMIT listed)
//!                                   ignored statements (Unknown::Ignore only)
//! ```
//! [`Unknown::Reject`] (the datastore's own text, tests): an unknown statement is an error.
//! [`Unknown::Ignore`] (`load`, lsys-config): a statement whose keyword lsys does not have
//! (`chassis`, `system services`) is left out whole and listed; a known statement with a bad
//! value, a likely misspelt keyword and every syntax error are still errors.

pub mod curly;
pub mod print;
pub mod set;
mod statement;

use std::fmt;

/// A configuration text could not be read; `line`/`col` are 1-based (`col` counts bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for TextError {}

/// Every error of one read, in text order; the first [`TextErrors::LIMIT`] are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextErrors {
    errors: Vec<TextError>,
    /// Errors found past the limit (counted, not kept).
    more: usize,
}

impl TextErrors {
    /// How many errors are listed; the rest are counted.
    pub const LIMIT: usize = 50;

    /// Adds an error, keeping the [`TextErrors::LIMIT`] first in text order.
    pub fn push(&mut self, e: TextError) {
        let at = self
            .errors
            .partition_point(|x| (x.line, x.col) <= (e.line, e.col));
        if at >= Self::LIMIT {
            self.more += 1;
            return;
        }
        self.errors.insert(at, e);
        if self.errors.len() > Self::LIMIT {
            self.errors.pop();
            self.more += 1;
        }
    }

    /// The listed errors, in text order.
    pub fn listed(&self) -> &[TextError] {
        &self.errors
    }

    /// All errors found, listed or not.
    pub fn len(&self) -> usize {
        self.errors.len() + self.more
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first error in the text.
    pub fn first(&self) -> Option<&TextError> {
        self.errors.first()
    }

    /// The first error in the text, for readers that report one.
    pub fn into_first(self) -> TextError {
        self.errors.into_iter().next().unwrap_or(TextError {
            line: 1,
            col: 1,
            message: "syntax error".into(),
        })
    }

    /// One `error: SOURCE:LINE:COL: message` line per listed error, then
    /// `error: ... and N more errors` when some were not listed.
    pub fn render(&self, source: &str) -> String {
        let mut out = String::new();
        for e in &self.errors {
            out.push_str(&format!("error: {source}:{e}\n"));
        }
        if self.more > 0 {
            out.push_str(&format!(
                "error: ... and {}\n",
                count(self.more, "more error")
            ));
        }
        out
    }
}

impl From<TextError> for TextErrors {
    fn from(e: TextError) -> TextErrors {
        let mut all = TextErrors::default();
        all.push(e);
        all
    }
}

impl fmt::Display for TextErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        write!(f, "{}", lines.join("\n"))?;
        if self.more > 0 {
            write!(f, "\n... and {}", count(self.more, "more error"))?;
        }
        Ok(())
    }
}

impl std::error::Error for TextErrors {}

/// `1 error`, `2 errors`.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Statements of one path that a lenient read left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredStatement {
    /// Where the first of them is.
    pub line: usize,
    /// Its words, from the top of the text up to the keyword lsys does not have.
    pub path: String,
    /// How many statements of this path (a set-form file repeats a path on every line).
    pub count: usize,
}

/// The statements a lenient read left out because lsys does not have them: one entry per
/// path, in text order; the first [`TextErrors::LIMIT`] paths are listed, the rest counted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ignored {
    listed: Vec<IgnoredStatement>,
    /// Statements of paths past the limit.
    unlisted: usize,
}

impl Ignored {
    fn add(&mut self, line: usize, path: String) {
        if let Some(s) = self.listed.iter_mut().find(|s| s.path == path) {
            s.count += 1;
        } else if self.listed.len() < TextErrors::LIMIT {
            self.listed.push(IgnoredStatement {
                line,
                path,
                count: 1,
            });
        } else {
            self.unlisted += 1;
        }
    }

    pub fn listed(&self) -> &[IgnoredStatement] {
        &self.listed
    }

    /// How many statements were left out.
    pub fn total(&self) -> usize {
        self.listed.iter().map(|s| s.count).sum::<usize>() + self.unlisted
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The warning that lists them (empty when none were):
    /// ```text
    /// warning: statements not supported by lsys were ignored:
    ///   line 3: chassis
    ///   line 12: system services (2 statements)
    /// ```
    /// `source` names the text when there are several (lsys-config compare).
    pub fn render(&self, source: Option<&str>) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut out = match source {
            Some(s) => format!("warning: {s}: statements not supported by lsys were ignored:\n"),
            None => "warning: statements not supported by lsys were ignored:\n".to_string(),
        };
        for s in &self.listed {
            out.push_str(&format!("  line {}: {}", s.line, s.path));
            if s.count > 1 {
                out.push_str(&format!(" ({})", count(s.count, "statement")));
            }
            out.push('\n');
        }
        if self.unlisted > 0 {
            out.push_str(&format!(
                "  ... and {}\n",
                count(self.unlisted, "more statement")
            ));
        }
        out
    }
}

/// What a read does with a statement whose keyword the schema does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// It is an error (the datastore's own text, tests).
    Reject,
    /// It is left out, with its block, and listed in [`Ignored`] (`load`, lsys-config).
    Ignore,
}

/// What one read found besides its statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub unknown: Unknown,
    pub errors: TextErrors,
    pub ignored: Ignored,
}

impl Report {
    pub fn new(unknown: Unknown) -> Report {
        Report {
            unknown,
            errors: TextErrors::default(),
            ignored: Ignored::default(),
        }
    }

    pub(crate) fn error(&mut self, line: usize, col: usize, message: impl Into<String>) {
        self.errors.push(TextError {
            line,
            col,
            message: message.into(),
        });
    }

    /// The statements left out, or every error.
    pub fn finish(self) -> Result<Ignored, TextErrors> {
        if self.errors.is_empty() {
            Ok(self.ignored)
        } else {
            Err(self.errors)
        }
    }
}

/// Junos writes `version 21.4R3;` at the top of a saved configuration; lsys has no such
/// statement and reads past it (when the schema has none at that level).
pub(crate) fn is_version(
    schema: &crate::schema::Schema,
    start: crate::schema::SchemaId,
    words: &[crate::path::Word],
) -> bool {
    matches!(words, [v, _] if !v.quoted && v.text == "version")
        && schema.child_by_word(start, "version").is_none()
}

/// A [`Word`](crate::path::Word) from the only child of a pest `word` pair: the `quoted` rule
/// (whose child is the text between the quotes) or a bare word (the command-line grammar).
pub(crate) fn word_from<R: pest::RuleType>(
    inner: Option<pest::iterators::Pair<R>>,
    quoted: R,
    col: usize,
) -> crate::path::Word {
    use crate::path::Word;
    match inner {
        Some(q) if q.as_rule() == quoted => Word {
            text: unescape(q.into_inner().next().map(|t| t.as_str()).unwrap_or("")),
            col,
            quoted: true,
        },
        Some(p) => Word::new(p.as_str(), col),
        None => Word::new("", col),
    }
}

/// Undoes `\"` and `\\` escapes of a quoted word.
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A word as it would be written in a statement (quoted when it needs to be).
pub(crate) fn written(w: &crate::path::Word) -> String {
    let plain = !w.text.is_empty()
        && !w
            .text
            .chars()
            .any(|c| c.is_whitespace() || ";{}[]\"#()".contains(c));
    if plain {
        w.text.clone()
    } else {
        format!("\"{}\"", w.text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
