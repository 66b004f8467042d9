//! Set-form text: `set`, `delete`, `activate`, `deactivate`, `insert` lines.

use pest::Parser;
use pest_derive::Parser;

use super::{pest_error, LineIndex, TextError};
use crate::edit;
use crate::path::{resolve, resolve_one, Match, Values, Word};
use crate::schema::{Schema, SchemaId};
use crate::tree::{Node, Step};

#[derive(Parser)]
#[grammar = "text/set.pest"]
struct SetText;

/// One line of set-form text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub verb: String,
    pub words: Vec<Word>,
    pub line: usize,
}

/// Parses set-form text into commands (blank and comment lines dropped).
pub fn parse(text: &str) -> Result<Vec<Command>, TextError> {
    let file = SetText::parse(Rule::file, text).map_err(pest_error)?;
    let lines = LineIndex::new(text);
    let mut out = Vec::new();
    for line in file.flatten().filter(|p| p.as_rule() == Rule::command) {
        let lineno = lines.line_col(line.as_span().start()).0;
        let mut it = line.into_inner();
        let verb = it
            .next()
            .map(|v| v.as_str().to_string())
            .unwrap_or_default();
        let words = it
            .map(|w| {
                let col = lines.line_col(w.as_span().start()).1 - 1;
                super::word_from(w.into_inner().next(), Rule::quoted, col)
            })
            .collect();
        out.push(Command {
            verb,
            words,
            line: lineno,
        });
    }
    Ok(out)
}

/// Applies set-form commands to `root` below `at` (schema node `start`). Keywords must be
/// written in full, as in a saved file; a failing line stops with its line and column.
pub fn apply(
    root: &mut Node,
    at: &[Step],
    start: SchemaId,
    cmds: &[Command],
) -> Result<(), TextError> {
    let schema = Schema::get();
    for c in cmds {
        let err = |word: usize, message: String| TextError {
            line: c.line,
            col: c
                .words
                .get(word)
                .or(c.words.last())
                .map_or(1, |w| w.col + 1),
            message,
        };
        let path_err = |e: crate::path::PathError| err(e.word, e.kind.to_string());
        let edit_err = |e: edit::EditError| err(0, e.to_string());
        match c.verb.as_str() {
            "set" => {
                let t = resolve(schema, start, &c.words, Match::Exact, Values::Required)
                    .map_err(path_err)?;
                edit::set(root, at, &t).map_err(edit_err)?;
            }
            "delete" => {
                let t = resolve_one(schema, start, &c.words, Match::Exact).map_err(path_err)?;
                edit::delete(root, at, &t).map_err(edit_err)?;
            }
            "activate" | "deactivate" => {
                let t = resolve_one(schema, start, &c.words, Match::Exact).map_err(path_err)?;
                edit::set_active(root, at, &t, c.verb == "activate").map_err(edit_err)?;
            }
            _ => {
                // insert PATH before|after REF
                let split = c
                    .words
                    .iter()
                    .position(|w| !w.quoted && (w.text == "before" || w.text == "after"))
                    .ok_or_else(|| {
                        err(
                            c.words.len(),
                            "syntax error, expecting 'before' or 'after'.".into(),
                        )
                    })?;
                let what = resolve_one(schema, start, &c.words[..split], Match::Exact)
                    .map_err(path_err)?;
                let parent = what
                    .steps
                    .len()
                    .checked_sub(1)
                    .and_then(|i| what.steps.get(i))
                    .map(|s| schema.node(s.schema).parent.unwrap_or(start))
                    .unwrap_or(start);
                let anchor = resolve_one(schema, parent, &c.words[split + 1..], Match::Exact)
                    .map_err(|e| err(split + 1 + e.word, e.kind.to_string()))?;
                edit::insert(root, at, &what, c.words[split].text == "before", &anchor)
                    .map_err(edit_err)?;
            }
        }
    }
    Ok(())
}

/// Reads a whole configuration in set form, rooted at schema node `start`.
pub fn read(text: &str, start: SchemaId) -> Result<Node, TextError> {
    let cmds = parse(text)?;
    let mut root = Node::new(start, None);
    apply(&mut root, &[], start, &cmds)?;
    Ok(root)
}
