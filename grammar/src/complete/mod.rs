//! Completion and help: the rows of `Possible completions:` and TAB, answered from the schema
//! plus the names configured in the tree (never beyond the view: a tenant's names come from its
//! own logical system only).
//!
//! - this file: the result types ([`Row`], [`Completions`]) and the row helpers shared by both
//!   walkers;
//! - `config`: [`ConfigContext`], the rows for a configuration path;
//! - `command`: [`line`], the rows for a whole command line (commands, pipes, arguments).

mod command;
mod config;

pub use command::line;
pub use config::ConfigContext;

use crate::schema::SchemaNode;

/// One row of a `Possible completions:` listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `>` container, `+` multi-value, blank otherwise.
    pub marker: char,
    pub name: String,
    pub help: String,
}

impl Row {
    fn new(marker: char, name: impl Into<String>, help: impl Into<String>) -> Row {
        Row {
            marker,
            name: name.into(),
            help: help.into(),
        }
    }

    /// Placeholders (`<name>`), `<[Enter]>` and `|` are not words TAB can insert.
    pub fn is_word(&self) -> bool {
        !self.name.starts_with('<') && self.name != "|"
    }
}

/// What the user can type at the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completions {
    pub rows: Vec<Row>,
    /// Column where the word being completed starts.
    pub col: usize,
    /// The part of that word already typed.
    pub partial: String,
}

impl Completions {
    /// The text TAB inserts after `partial`: the rest of the one match (with a blank), or the
    /// longest common prefix of several.
    pub fn tab(&self) -> Option<String> {
        let words: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.is_word())
            .map(|r| r.name.as_str())
            .collect();
        match words.as_slice() {
            [] => None,
            [one] => Some(format!("{} ", &one[self.partial.len().min(one.len())..])),
            many => {
                let mut prefix = many[0].to_string();
                for w in &many[1..] {
                    let n = prefix
                        .chars()
                        .zip(w.chars())
                        .take_while(|(a, b)| a == b)
                        .count();
                    prefix = prefix.chars().take(n).collect();
                }
                let rest = &prefix[self.partial.len().min(prefix.len())..];
                (!rest.is_empty()).then(|| rest.to_string())
            }
        }
    }

    /// The listing printed for `?`.
    pub fn render(&self) -> String {
        let mut out = String::from("Possible completions:\n");
        for r in &self.rows {
            out.push_str(&format_row(r.marker, &r.name, &r.help));
            out.push('\n');
        }
        while out.ends_with(' ') || out.ends_with('\n') {
            out.pop();
        }
        out.push('\n');
        out
    }
}

/// One row of `Possible completions:`: marker, name padded to 21 (a longer name gets two
/// blanks), help; no trailing blanks.
pub fn format_row(marker: char, name: &str, help: &str) -> String {
    let row = if name.chars().count() < 21 {
        format!("{marker} {name:<21}{help}")
    } else {
        format!("{marker} {name}  {help}")
    };
    row.trim_end().to_string()
}

/// The rows for a value to type: its placeholder (`<name>`) and any fixed choices.
fn value_rows(n: &SchemaNode) -> Vec<Row> {
    let placeholder = if n.keyless {
        format!("<{}>", n.word)
    } else {
        n.vtype
            .as_ref()
            .map_or("<value>", |t| t.placeholder())
            .to_string()
    };
    let mut rows = vec![Row::new(' ', placeholder, n.help.clone())];
    if let Some(t) = &n.vtype {
        rows.extend(t.choices().into_iter().map(|c| Row::new(' ', c, "")));
    }
    rows
}

/// Junos order: `<[Enter]>` first, then placeholders, names alphabetically, `|` last.
fn sort(rows: &mut Vec<Row>) {
    let rank = |r: &Row| match r.name.as_str() {
        "<[Enter]>" => 0,
        "|" => 3,
        n if n.starts_with('<') => 1,
        _ => 2,
    };
    rows.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
    rows.dedup_by(|a, b| a.name == b.name);
}

fn enter() -> Row {
    Row::new(' ', "<[Enter]>", "Execute this command")
}

fn pipe() -> Row {
    Row::new(' ', "|", "Pipe through a command")
}
