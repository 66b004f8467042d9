//! Curly text into statements (junos-cli.md §5), by hand rather than with pest, so that a
//! syntax error is reported with what was expected and reading goes on past it: a broken
//! statement is skipped to its `;` (or over its block), and every later error is reported too.
//!
//! ```text
//! items     = (annotation | statement)*
//! statement = tag* word+ ( "{" items "}" | "[" word* "]" end | end )
//! end       = ";" | before "}" | at the end of the text
//! tag       = ("inactive" | "protect" | "replace" | "delete") ":"   (followed by a blank or "{")
//! word      = "quoted \" text" | bare        bare: no blanks and none of ;{}[]"#()
//! comments  = "#" to the end of the line; "/* ... */" (before a statement: its annotation)
//! ```
//! A byte-order mark at the start is skipped; `\r` is a blank, so CRLF text reads as LF text.

use super::{Body, Stmt, Tag};
use crate::path::Word;
use crate::text::Report;

/// Deepest nesting of blocks read (the schema is a dozen levels deep; a device's file, with
/// hierarchies lsys does not have, a few more). Bounds the recursion on hostile text.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(Word),
    /// A bare word that is a tag where a statement starts (`inactive:` before a blank or `{`).
    Tag(Tag, Word),
    Open,
    Close,
    ListOpen,
    ListClose,
    Semi,
    Annotation(String),
    /// A character that may not stand outside quotes: `(` or `)`.
    Stray(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    /// 1-based byte column.
    col: usize,
}

impl Token {
    /// How the token is written, for error messages.
    fn shown(&self) -> String {
        match &self.tok {
            Tok::Word(w) | Tok::Tag(_, w) => crate::text::written(w),
            Tok::Open => "{".into(),
            Tok::Close => "}".into(),
            Tok::ListOpen => "[".into(),
            Tok::ListClose => "]".into(),
            Tok::Semi => ";".into(),
            Tok::Annotation(_) => "/*".into(),
            Tok::Stray(c) => c.to_string(),
        }
    }
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
    /// A string or comment ran to the end of the text (reported): what came before it is
    /// incomplete, and that needs no further error.
    broken: bool,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn ends_bare(c: u8) -> bool {
    is_blank(c) || b";{}[]\"#()".contains(&c)
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Lexer<'a> {
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            text,
            pos,
            line: 1,
            line_start: 0,
            broken: false,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// Moves to `to`, counting the lines passed.
    fn advance(&mut self, to: usize) {
        for (i, b) in self.bytes()[self.pos..to].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = to;
    }

    fn find(&self, from: usize, what: &str) -> Option<usize> {
        self.text[from..].find(what).map(|i| from + i)
    }

    /// The next token; lexical errors (an unclosed string or comment) go to `report`.
    fn next(&mut self, report: &mut Report) -> Option<Token> {
        let b = self.bytes();
        loop {
            while self.pos < b.len() && is_blank(b[self.pos]) {
                self.advance(self.pos + 1);
            }
            if self.pos < b.len() && b[self.pos] == b'#' {
                let end = self.find(self.pos, "\n").unwrap_or(b.len());
                self.advance(end);
                continue;
            }
            break;
        }
        let c = *b.get(self.pos)?;
        let (line, col) = (self.line, self.pos - self.line_start + 1);
        let start = self.pos;
        let single = |tok| Some(Token { tok, line, col });
        let tok = match c {
            b'{' => Tok::Open,
            b'}' => Tok::Close,
            b'[' => Tok::ListOpen,
            b']' => Tok::ListClose,
            b';' => Tok::Semi,
            b'(' | b')' => Tok::Stray(c as char),
            b'/' if b.get(start + 1) == Some(&b'*') => {
                let Some(end) = self.find(start + 2, "*/") else {
                    report.error(line, col, "syntax error, '/*' is never closed by '*/'");
                    self.advance(b.len());
                    self.broken = true;
                    return None;
                };
                let content = self.text[start + 2..end].trim().to_string();
                self.advance(end + 2);
                return single(Tok::Annotation(content));
            }
            b'"' => {
                let mut i = start + 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= b.len() {
                    report.error(line, col, "syntax error, missing '\"' to close the string");
                    self.advance(b.len());
                    self.broken = true;
                    return None;
                }
                let word = Word {
                    text: crate::text::unescape(&self.text[start + 1..i]),
                    col: col - 1,
                    quoted: true,
                };
                self.advance(i + 1);
                return single(Tok::Word(word));
            }
            _ => {
                let mut i = start;
                while i < b.len() && !ends_bare(b[i]) {
                    i += 1;
                }
                let text = &self.text[start..i];
                let word = Word::new(text, col - 1);
                let tag = match text {
                    "inactive:" => Some(Tag::Inactive),
                    "protect:" => Some(Tag::Protect),
                    "replace:" => Some(Tag::Replace),
                    "delete:" => Some(Tag::Delete),
                    _ => None,
                };
                self.advance(i);
                let tag = tag.filter(|_| matches!(b.get(i), Some(&n) if is_blank(n) || n == b'{'));
                return single(match tag {
                    Some(t) => Tok::Tag(t, word),
                    None => Tok::Word(word),
                });
            }
        };
        self.advance(start + 1);
        single(tok)
    }
}

/// A token's kind, without its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Tag,
    Open,
    Close,
    ListOpen,
    Semi,
    Annotation,
    /// `]` or `(`/`)` where they cannot stand.
    Other,
}

/// A parser over the lexer with one token of lookahead.
struct Parser<'a, 'r> {
    lexer: Lexer<'a>,
    peeked: Option<Option<Token>>,
    report: &'r mut Report,
    /// The end of the text came inside a block: said once, not once per open block.
    unclosed: bool,
}

impl Parser<'_, '_> {
    fn peek(&mut self) -> Option<&Token> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next(self.report));
        }
        self.peeked.as_ref().and_then(Option::as_ref)
    }

    fn bump(&mut self) -> Option<Token> {
        self.peek();
        self.peeked.take().flatten()
    }

    fn error_at(&mut self, t: Option<&Token>, message: String) {
        let (line, col) = match t {
            Some(t) => (t.line, t.col),
            None => (self.lexer.line, self.lexer.pos - self.lexer.line_start + 1),
        };
        self.report.error(line, col, message);
    }

    /// `syntax error at 'X', expecting ...` about the next token (or the end of the text).
    fn unexpected(&mut self, expecting: &str) {
        let t = self.peek().cloned();
        let at = match &t {
            Some(t) => format!("'{}'", t.shown()),
            None => "end of text".into(),
        };
        self.error_at(
            t.as_ref(),
            format!("syntax error at {at}, expecting {expecting}"),
        );
    }

    /// What the next token is, without its contents.
    fn peek_kind(&mut self) -> Option<Kind> {
        self.peek().map(|t| match &t.tok {
            Tok::Word(_) => Kind::Word,
            Tok::Tag(..) => Kind::Tag,
            Tok::Open => Kind::Open,
            Tok::Close => Kind::Close,
            Tok::ListOpen => Kind::ListOpen,
            Tok::ListClose | Tok::Stray(_) => Kind::Other,
            Tok::Semi => Kind::Semi,
            Tok::Annotation(_) => Kind::Annotation,
        })
    }

    /// The next token as a word (a tag after the start of a statement is a word too).
    fn take_word(&mut self) -> Option<(Word, usize)> {
        match self.bump() {
            Some(Token {
                tok: Tok::Word(w) | Tok::Tag(_, w),
                line,
                ..
            }) => Some((w, line)),
            _ => None,
        }
    }

    /// The text ended inside the block opened on `line` (reported for the innermost only).
    fn unclosed(&mut self, line: usize) {
        if !std::mem::replace(&mut self.unclosed, true) && !self.lexer.broken {
            self.unexpected(&format!("'}}' to close the '{{' of line {line}"));
        }
    }

    /// Statements up to the `}` that closes the block opened at `open` (or to the end of the
    /// text at the top).
    fn items(&mut self, depth: usize, open: Option<(usize, usize)>) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut annotation = None;
        loop {
            match self.peek_kind() {
                None => {
                    if let Some((line, _)) = open {
                        self.unclosed(line);
                    }
                    return out;
                }
                Some(Kind::Close) if open.is_some() => {
                    self.bump();
                    return out;
                }
                Some(Kind::Close) => {
                    let t = self.bump();
                    self.error_at(
                        t.as_ref(),
                        "syntax error at '}', there is no '{' to close".into(),
                    );
                }
                Some(Kind::Annotation) => {
                    if let Some(Token {
                        tok: Tok::Annotation(a),
                        ..
                    }) = self.bump()
                    {
                        annotation = Some(a);
                    }
                }
                Some(Kind::Word | Kind::Tag) => {
                    if let Some(s) = self.statement(depth, annotation.take()) {
                        out.push(s);
                    }
                }
                Some(_) => {
                    self.unexpected("a statement");
                    self.recover();
                }
            }
        }
    }

    /// One statement; `None` (after reporting) when it is broken.
    fn statement(&mut self, depth: usize, annotation: Option<String>) -> Option<Stmt> {
        let mut s = Stmt {
            annotation,
            tags: Vec::new(),
            words: Vec::new(),
            lines: Vec::new(),
            body: Body::End,
            line: self.peek().map_or(0, |t| t.line),
        };
        while let Some(Token {
            tok: Tok::Tag(tag, _),
            ..
        }) = self.peek()
        {
            s.tags.push(*tag);
            self.bump();
        }
        loop {
            match self.peek_kind() {
                Some(Kind::Word | Kind::Tag) => {
                    if let Some((w, line)) = self.take_word() {
                        s.words.push(w);
                        s.lines.push(line);
                    }
                }
                // A comment inside a statement is only a comment.
                Some(Kind::Annotation) => {
                    self.bump();
                }
                _ => break,
            }
        }
        if s.words.is_empty() {
            self.unexpected("a statement after the tag");
            self.recover();
            return None;
        }
        match self.peek_kind() {
            Some(Kind::Semi) => {
                self.bump();
            }
            // Cut short by a string that never closed.
            None if self.lexer.broken => return None,
            None | Some(Kind::Close) => {}
            Some(Kind::Open) => {
                let open = self.bump().map(|t| (t.line, t.col));
                if depth + 1 >= MAX_DEPTH {
                    let (line, col) = open.unwrap_or((s.line, 1));
                    self.report.error(
                        line,
                        col,
                        format!("syntax error, blocks nested deeper than {MAX_DEPTH} levels"),
                    );
                    self.skip_block(open);
                    return None;
                }
                s.body = Body::Block(self.items(depth + 1, open));
            }
            Some(Kind::ListOpen) => {
                self.bump();
                let mut values = Vec::new();
                while matches!(self.peek_kind(), Some(Kind::Word | Kind::Tag)) {
                    if let Some((w, line)) = self.take_word() {
                        values.push(w);
                        s.lines.push(line);
                    }
                }
                if !matches!(
                    self.peek(),
                    Some(Token {
                        tok: Tok::ListClose,
                        ..
                    })
                ) {
                    self.unexpected("']'");
                    self.recover();
                    return None;
                }
                self.bump();
                match self.peek_kind() {
                    Some(Kind::Semi) => {
                        self.bump();
                    }
                    None | Some(Kind::Close) => {}
                    Some(_) => {
                        self.unexpected("';'");
                        self.recover();
                        return None;
                    }
                }
                s.body = Body::List(values);
            }
            Some(_) => {
                self.unexpected("';' or '{'");
                self.recover();
                return None;
            }
        }
        Some(s)
    }

    /// Skips the rest of a broken statement: to its `;`, over its block, to the `}` that ends
    /// the block it is in, or to the next line that starts with a word (most likely the next
    /// statement: `router-id 10.0.0.1 ]` loses only its own line).
    fn recover(&mut self) {
        let line = self.peek().map_or(0, |t| t.line);
        loop {
            match self.peek_kind() {
                None | Some(Kind::Close) => return,
                Some(Kind::Word | Kind::Tag | Kind::Annotation)
                    if self.peek().is_some_and(|t| t.line > line) =>
                {
                    return
                }
                Some(Kind::Semi) => {
                    self.bump();
                    return;
                }
                Some(Kind::Open) => {
                    let open = self.bump().map(|t| (t.line, t.col));
                    self.skip_block(open);
                    return;
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
    }

    /// Skips to the `}` that closes the block opened at `open` (reporting if none does).
    fn skip_block(&mut self, open: Option<(usize, usize)>) {
        let mut depth = 1usize;
        while depth > 0 {
            match self.peek_kind() {
                Some(Kind::Open) => depth += 1,
                Some(Kind::Close) => depth -= 1,
                Some(_) => {}
                None => {
                    self.unclosed(open.map_or(0, |o| o.0));
                    return;
                }
            }
            self.bump();
        }
    }
}

/// Parses curly text into statements; syntax errors go to `report` (reading goes on after
/// each, skipping the statement it is in).
pub fn parse(text: &str, report: &mut Report) -> Vec<Stmt> {
    let mut p = Parser {
        lexer: Lexer::new(text),
        peeked: None,
        report,
        unclosed: false,
    };
    p.items(0, None)
}
