//! Curly-brace configuration text: parse into statements ([`parse`]), then apply them to a tree.

mod parse;

pub use parse::MAX_DEPTH;

use super::statement::{self, Failure};
use super::{Ignored, Report, TextError, TextErrors, Unknown};
use crate::edit;
use crate::path::{resolve, Match, Values, Word};
use crate::schema::{Kind, Schema, SchemaId};
use crate::tree::{Node, Step};

/// Tags that may precede a statement (`protect:` is read and has no effect in lsys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Inactive,
    Protect,
    Replace,
    Delete,
}

/// One statement of curly text, before it meets the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub annotation: Option<String>,
    pub tags: Vec<Tag>,
    pub words: Vec<Word>,
    /// The line of each word, then of each value of a `[ ... ]` list.
    pub lines: Vec<usize>,
    pub body: Body,
    /// The line the statement starts on (its first tag or word).
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    End,
    Block(Vec<Stmt>),
    List(Vec<Word>),
}

/// How statements are combined with what is configured (`load merge|replace|override`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Add to the configuration; `delete:` tags remove.
    Merge,
    /// As merge, and statements tagged `replace:` replace what is configured.
    Replace,
}

/// Parses curly text into statements; the first syntax error (with line and column) fails.
pub fn parse(text: &str) -> Result<Vec<Stmt>, TextError> {
    let mut report = Report::new(Unknown::Reject);
    let stmts = parse_with(text, &mut report);
    report
        .finish()
        .map(|_| stmts)
        .map_err(TextErrors::into_first)
}

/// Parses curly text into statements; syntax errors (with line and column) go to `report`,
/// and parsing goes on after each.
pub fn parse_with(text: &str, report: &mut Report) -> Vec<Stmt> {
    parse::parse(text, report)
}

/// Applies statements to `root` below the statement at `at` (whose schema node is `start`);
/// every statement must be one lsys has. Fails with the first error, after applying the
/// statements that had none.
pub fn apply(
    root: &mut Node,
    at: &[Step],
    start: SchemaId,
    stmts: &[Stmt],
    mode: Mode,
) -> Result<(), TextError> {
    let mut report = Report::new(Unknown::Reject);
    apply_with(root, at, start, stmts, mode, &mut report);
    report.finish().map(|_| ()).map_err(TextErrors::into_first)
}

/// Applies statements to `root` below the statement at `at` (whose schema node is `start`).
/// A statement that fails is reported and skipped with its block; the others are applied (the
/// caller discards the tree when `report` has errors). What an unknown statement means is
/// `report.unknown`'s to say.
pub fn apply_with(
    root: &mut Node,
    at: &[Step],
    start: SchemaId,
    stmts: &[Stmt],
    mode: Mode,
    report: &mut Report,
) {
    apply_level(root, at, start, stmts, mode, report, &[]);
}

/// [`apply`] at one level; `prefix` is the words of the enclosing statements in the text.
fn apply_level(
    root: &mut Node,
    at: &[Step],
    start: SchemaId,
    stmts: &[Stmt],
    mode: Mode,
    report: &mut Report,
    prefix: &[String],
) {
    let schema = Schema::get();
    for s in stmts {
        if prefix.is_empty()
            && s.body == Body::End
            && s.tags.is_empty()
            && super::is_version(schema, start, &s.words)
        {
            continue;
        }
        let mut words = s.words.clone();
        if let Body::List(values) = &s.body {
            let col = values.first().map_or(0, |w| w.col);
            words.push(Word::new("[", col));
            words.extend(values.iter().cloned());
            words.push(Word::new("]", col));
        }
        let mut lines = s.lines[..s.words.len().min(s.lines.len())].to_vec();
        if let Body::List(_) = &s.body {
            let last = lines.last().copied().unwrap_or(s.line);
            lines.push(last);
            lines.extend(s.lines.iter().skip(s.words.len()));
            lines.push(s.lines.last().copied().unwrap_or(last));
        }
        let err = |report: &mut Report, word: usize, message: String| {
            let at = word.min(words.len().saturating_sub(1));
            report.error(
                lines.get(at).copied().unwrap_or(s.line),
                words.get(at).map_or(1, |w| w.col + 1),
                message,
            )
        };
        let values = if s.tags.contains(&Tag::Delete) {
            Values::Optional
        } else {
            Values::Required
        };
        let targets = match resolve(schema, start, &words, Match::Exact, values) {
            Ok(t) => t,
            Err(e) => {
                match statement::explain(schema, start, &words, e, report.unknown) {
                    Failure::Unknown(i) => {
                        let mut path = prefix.to_vec();
                        path.extend(words[..=i].iter().map(super::written));
                        report.ignored.add(s.line, path.join(" "));
                    }
                    Failure::Error { word, message } => err(report, word, message),
                }
                continue;
            }
        };
        let Some(first) = targets.first().filter(|t| !t.steps.is_empty()) else {
            err(report, 0, "syntax error".into());
            continue;
        };
        // Tags and annotations belong to the statement the words open: past any @join
        // keyword in front (`inactive: family inet {` is about `inet`, not `family`).
        let head = first
            .steps
            .iter()
            .position(|st| !schema.node(st.schema).join)
            .map_or(1, |i| i + 1);
        let mut stmt_path = at.to_vec();
        stmt_path.extend(first.steps[..head].iter().cloned());
        if s.tags.contains(&Tag::Delete) {
            if let Some(last) = targets.last() {
                match edit::delete(root, at, last) {
                    Ok(()) | Err(edit::EditError::NotFound) => {}
                    Err(e) => err(report, 0, e.to_string()),
                }
            }
            continue;
        }
        if s.tags.contains(&Tag::Replace) && mode == Mode::Replace {
            if let Some((last, parent)) = stmt_path.split_last() {
                if let Some(p) = root.at_mut(parent) {
                    p.remove_child(last.schema, last.key.as_deref());
                }
            }
        }
        if let Err(e) = edit::set(root, at, &targets) {
            err(report, 0, e.to_string());
            continue;
        }
        if let Some(node) = root.at_mut(&stmt_path) {
            if s.tags.contains(&Tag::Inactive) {
                node.inactive = true;
            }
            if s.annotation.is_some() {
                node.annotation = s.annotation.clone();
            }
        }
        let Body::Block(children) = &s.body else {
            continue;
        };
        let mut inner_prefix = prefix.to_vec();
        inner_prefix.extend(s.words.iter().map(super::written));
        let Some(last) = targets.last() else {
            continue;
        };
        let owner = last.steps.last().map(|st| st.schema).unwrap_or(start);
        if last.values.is_some() || !matches!(schema.node(owner).kind, Kind::Container | Kind::List)
        {
            // Junos has statements below some that lsys reads as plain leaves or flags
            // (`unicast { prefix-limit {...} }`): those are statements lsys does not have.
            if report.unknown == Unknown::Ignore {
                for c in children {
                    let mut path = inner_prefix.clone();
                    path.extend(c.words.first().map(super::written));
                    report.ignored.add(c.line, path.join(" "));
                }
            } else {
                let name = words.last().map_or(String::new(), |w| w.text.clone());
                err(
                    report,
                    words.len().saturating_sub(1),
                    format!("syntax error, '{name}' takes no block"),
                );
            }
            continue;
        }
        let mut inner = at.to_vec();
        inner.extend(last.steps.iter().cloned());
        apply_level(root, &inner, owner, children, mode, report, &inner_prefix);
    }
}

/// Reads a whole configuration in curly text, rooted at schema node `start`. Every statement
/// must be one lsys has; the first error (in text order) is returned.
pub fn read(text: &str, start: SchemaId) -> Result<Node, TextError> {
    read_with(text, start, Unknown::Reject)
        .map(|(node, _)| node)
        .map_err(TextErrors::into_first)
}

/// Reads a device's saved configuration: statements lsys does not have are left out and
/// listed; any other error fails the read, and every error is returned.
pub fn read_lenient(text: &str, start: SchemaId) -> Result<(Node, Ignored), TextErrors> {
    read_with(text, start, Unknown::Ignore)
}

fn read_with(text: &str, start: SchemaId, unknown: Unknown) -> Result<(Node, Ignored), TextErrors> {
    let mut report = Report::new(unknown);
    let stmts = parse_with(text, &mut report);
    let mut root = Node::new(start, None);
    apply_with(&mut root, &[], start, &stmts, Mode::Merge, &mut report);
    report.finish().map(|ignored| (root, ignored))
}
