//! Curly-brace configuration text: parse into statements, then apply them to a tree.

use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

use super::{pest_error, LineIndex, TextError};
use crate::edit;
use crate::path::{resolve, Match, Values, Word};
use crate::schema::{Kind, Schema, SchemaId};
use crate::tree::{Node, Step};

#[derive(Parser)]
#[grammar = "text/curly.pest"]
struct Curly;

/// Tags that may precede a statement.
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
    pub body: Body,
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

/// Parses curly text into statements. Errors carry line and column.
pub fn parse(text: &str) -> Result<Vec<Stmt>, TextError> {
    let file = Curly::parse(Rule::file, text)
        .map_err(pest_error)?
        .next()
        .and_then(|f| f.into_inner().next());
    let lines = LineIndex::new(text);
    Ok(file.map(|f| items(&lines, f)).unwrap_or_default())
}

fn items(lines: &LineIndex, pair: Pair<Rule>) -> Vec<Stmt> {
    pair.into_inner()
        .filter(|p| p.as_rule() == Rule::stmt)
        .map(|p| stmt(lines, p))
        .collect()
}

fn word(lines: &LineIndex, pair: Pair<Rule>) -> Word {
    let (line_col, inner) = (
        lines.line_col(pair.as_span().start()),
        pair.into_inner().next(),
    );
    super::word_from(inner, Rule::quoted, line_col.1 - 1)
}

fn stmt(lines: &LineIndex, pair: Pair<Rule>) -> Stmt {
    let line = lines.line_col(pair.as_span().start()).0;
    let mut s = Stmt {
        annotation: None,
        tags: Vec::new(),
        words: Vec::new(),
        body: Body::End,
        line,
    };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::annotation => {
                s.annotation = p.into_inner().next().map(|a| a.as_str().trim().to_string())
            }
            Rule::tag => s.tags.push(match p.as_str().trim_end_matches(':') {
                "inactive" => Tag::Inactive,
                "protect" => Tag::Protect,
                "replace" => Tag::Replace,
                _ => Tag::Delete,
            }),
            Rule::word => s.words.push(word(lines, p)),
            Rule::body => {
                if let Some(b) = p.into_inner().next() {
                    s.body = match b.as_rule() {
                        Rule::block => Body::Block(
                            b.into_inner()
                                .next()
                                .map(|i| items(lines, i))
                                .unwrap_or_default(),
                        ),
                        Rule::list => Body::List(
                            b.into_inner()
                                .filter(|w| w.as_rule() == Rule::word)
                                .map(|w| word(lines, w))
                                .collect(),
                        ),
                        _ => Body::End,
                    }
                }
            }
            _ => {}
        }
    }
    s
}

/// Applies statements to `root` below the statement at `at` (whose schema node is `start`).
pub fn apply(
    root: &mut Node,
    at: &[Step],
    start: SchemaId,
    stmts: &[Stmt],
    mode: Mode,
) -> Result<(), TextError> {
    let schema = Schema::get();
    for s in stmts {
        let mut words = s.words.clone();
        if let Body::List(values) = &s.body {
            let col = values.first().map_or(0, |w| w.col);
            words.push(Word::new("[", col));
            words.extend(values.iter().cloned());
            words.push(Word::new("]", col));
        }
        let err = |word: usize, message: String| TextError {
            line: s.line,
            col: words.get(word).or(words.last()).map_or(1, |w| w.col + 1),
            message,
        };
        let values = if s.tags.contains(&Tag::Delete) {
            Values::Optional
        } else {
            Values::Required
        };
        let targets = resolve(schema, start, &words, Match::Exact, values)
            .map_err(|e| err(e.word, e.kind.to_string()))?;
        let first = targets
            .first()
            .filter(|t| !t.steps.is_empty())
            .ok_or_else(|| err(0, "syntax error.".into()))?;
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
            let last = targets
                .last()
                .cloned()
                .ok_or_else(|| err(0, "syntax error.".into()))?;
            match edit::delete(root, at, &last) {
                Ok(()) | Err(edit::EditError::NotFound) => {}
                Err(e) => return Err(err(0, e.to_string())),
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
        edit::set(root, at, &targets).map_err(|e| err(0, e.to_string()))?;
        if let Some(node) = root.at_mut(&stmt_path) {
            if s.tags.contains(&Tag::Inactive) {
                node.inactive = true;
            }
            if s.annotation.is_some() {
                node.annotation = s.annotation.clone();
            }
        }
        if let Body::Block(children) = &s.body {
            let last = targets
                .last()
                .ok_or_else(|| err(0, "syntax error.".into()))?;
            let owner = last.steps.last().map(|st| st.schema).unwrap_or(start);
            if last.values.is_some()
                || !matches!(schema.node(owner).kind, Kind::Container | Kind::List)
            {
                return Err(err(
                    words.len().saturating_sub(1),
                    "syntax error, this statement takes no block.".into(),
                ));
            }
            let mut inner = at.to_vec();
            inner.extend(last.steps.iter().cloned());
            apply(root, &inner, owner, children, mode)?;
        }
    }
    Ok(())
}

/// Reads a whole configuration in curly text, rooted at schema node `start`.
pub fn read(text: &str, start: SchemaId) -> Result<Node, TextError> {
    let stmts = parse(text)?;
    let mut root = Node::new(start, None);
    apply(&mut root, &[], start, &stmts, Mode::Merge)?;
    Ok(root)
}
