//! Configuration text in and out: curly braces, set form, and the words they are made of.

pub mod curly;
pub mod print;
pub mod set;

use std::fmt;

/// A configuration text could not be read; `line`/`col` are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:({}) {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for TextError {}

/// Line starts of a text, for turning byte offsets into line and column in O(log n).
/// (pest's own `line_col` scans from the start of the input on every call, which made reading
/// a large configuration quadratic.)
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and byte column of `offset`.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        (line, offset - self.starts[line - 1] + 1)
    }
}

/// A [`Word`] from the only child of a pest `word` pair: the `quoted` rule (whose child is the
/// text between the quotes) or a bare word. Shared by the curly, set and command-line grammars.
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

/// Converts a pest error to a [`TextError`] with a readable expectation.
pub(crate) fn pest_error<R: pest::RuleType>(e: pest::error::Error<R>) -> TextError {
    let (line, col) = match e.line_col {
        pest::error::LineColLocation::Pos(p) => p,
        pest::error::LineColLocation::Span(p, _) => p,
    };
    let message = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
            let wanted: Vec<String> = positives.iter().map(|r| format!("{r:?}")).collect();
            format!("syntax error, expecting {}", wanted.join(" or "))
        }
        _ => "syntax error".to_string(),
    };
    TextError { line, col, message }
}
