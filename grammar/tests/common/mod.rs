//! Helpers shared by the integration tests (`mod common;`).
//!
//! Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

pub mod gen;
pub mod shrink;

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::tree::Node;
use lsys_grammar::validate::validate;

/// A root tree read from curly text (the test fails with the error and the text).
pub fn tree(text: &str) -> Node {
    curly::read(text, ROOT).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `text` (written as lsys prints it) reads and prints back unchanged, in curly and in set
/// form; the tree read from the set lines is the same tree.
pub fn round_trip(text: &str) -> Node {
    let t = tree(text);
    assert_eq!(print::curly(&t), text.trim_start_matches('\n'));
    let lines = print::set_lines(&t, &[]).join("\n");
    let again = set::read(&lines, ROOT).unwrap_or_else(|e| panic!("{e}\n{lines}"));
    assert_eq!(again, t, "set form:\n{lines}");
    t
}

/// (path, statement, message) of every commit error.
pub fn commit_errors(t: &Node) -> Vec<(String, String, String)> {
    validate(t)
        .err()
        .map(|e| e.0)
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.path.join(" "), e.statement, e.message))
        .collect()
}
