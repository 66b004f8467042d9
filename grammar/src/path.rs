//! Walking words against the schema: the one place that turns `protocols bgp group aws peer-as
//! 64512` into tree steps. `set`, `delete`, `edit`, curly statements, completion and help all
//! come through here.

use std::fmt;

use crate::key;
use crate::schema::{Kind, Schema, SchemaId};
use crate::tree::Step;
use crate::types;

/// A word of a command line or statement, with the byte column where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub col: usize,
    /// Written in double quotes (so `"["` is not a bracket).
    pub quoted: bool,
}

impl Word {
    pub fn new(text: impl Into<String>, col: usize) -> Word {
        Word {
            text: text.into(),
            col,
            quoted: false,
        }
    }

    /// Splits plain text on blanks (no quoting); columns are byte offsets.
    pub fn split(line: &str) -> Vec<Word> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in line.char_indices() {
            match (c.is_whitespace(), start) {
                (true, Some(s)) => {
                    out.push(Word::new(&line[s..i], s));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push(Word::new(&line[s..], s));
        }
        out
    }

    fn is(&self, s: &str) -> bool {
        !self.quoted && self.text == s
    }
}

/// How strictly keywords are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Keywords must be written in full (configuration files).
    Exact,
    /// Any unambiguous prefix of a keyword is accepted (interactive command lines).
    Prefix,
}

/// Whether a leaf needs its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// `set`: every leaf must be followed by its value.
    Required,
    /// `delete`, `show`, `edit`, `activate`: a path may stop at a leaf.
    Optional,
}

/// One statement a path names: the steps down to it and, for leaves, the values given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub steps: Vec<Step>,
    /// Values for a leaf or leaf-list; `None` when the path names the statement itself.
    pub values: Option<Vec<String>>,
}

impl Target {
    pub fn schema(&self) -> Option<SchemaId> {
        self.steps.last().map(|s| s.schema)
    }
}

/// Why a path did not resolve; `word` indexes the offending word (== len for "missing").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub word: usize,
    pub kind: PathErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathErrorKind {
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
    UnclosedList,
}

impl fmt::Display for PathErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathErrorKind::Syntax => write!(f, "syntax error."),
            PathErrorKind::Ambiguous { word, .. } => write!(f, "'{word}' is ambiguous."),
            PathErrorKind::MissingArgument => write!(f, "missing argument."),
            PathErrorKind::InvalidValue { message, value } => write!(f, "{message} at '{value}'"),
            PathErrorKind::UnclosedList => write!(f, "syntax error, expecting ']'."),
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for PathError {}

/// Finds the keyword child of `parent` that `word` names.
pub fn match_keyword(
    schema: &Schema,
    parent: SchemaId,
    word: &str,
    mode: Match,
) -> Result<Option<SchemaId>, PathErrorKind> {
    if let Some(id) = schema.child_by_word(parent, word) {
        return Ok(Some(id));
    }
    if schema.keyless_child(parent).is_some() || mode == Match::Exact {
        return Ok(None);
    }
    // A `@nokeyword` leaf's keyword is only taken written in full: a prefix of it is more
    // likely its value.
    let found: Vec<SchemaId> = schema
        .children_with_prefix(parent, word)
        .filter(|&c| !schema.node(c).nokeyword)
        .collect();
    match found.len() {
        0 => Ok(None),
        1 => Ok(Some(found[0])),
        _ => Err(PathErrorKind::Ambiguous {
            word: word.to_string(),
            candidates: found.iter().map(|&c| schema.node(c).word.clone()).collect(),
        }),
    }
}

/// Parses a value for schema node `id` (secrets are encoded here).
pub fn parse_value(schema: &Schema, id: SchemaId, raw: &str) -> Result<String, String> {
    let node = schema.node(id);
    // In a configuration group an entry may be named by a wildcard (`<ge-*>`), kept as written.
    if node.kind == Kind::List
        && schema.counterpart(id).is_some()
        && crate::groups::is_wildcard(raw)
    {
        return Ok(raw.to_string());
    }
    // A password hash is kept as given (it cannot be decoded); other secrets are `$9$`.
    if node.secret && node.vtype != Some(types::ValueType::PasswordHash) {
        return types::parse_secret(raw);
    }
    match &node.vtype {
        Some(t) => t.parse(raw),
        None => Ok(raw.to_string()),
    }
}

/// Resolves `words` below schema node `start` into the statements they name.
///
/// After a leaf's value (or a flag) the walk continues in the same container, so
/// `vlan-tags outer 1000 inner 100` names two leaves.
pub fn resolve(
    schema: &Schema,
    start: SchemaId,
    words: &[Word],
    mode: Match,
    values: Values,
) -> Result<Vec<Target>, PathError> {
    let mut targets = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut cur = start;
    let mut open_node = false; // the last thing named was a container or entry
    let mut i = 0;
    let err = |word: usize, kind: PathErrorKind| PathError { word, kind };
    while i < words.len() {
        let w = &words[i];
        let keyword = if w.quoted {
            None
        } else {
            match_keyword(schema, cur, &w.text, mode).map_err(|k| err(i, k))?
        };
        // A word that is no keyword names an entry of a keyless list or is the value of a
        // `@nokeyword` leaf (`vrf-target target:65000:1`).
        let bare_value = keyword.is_none() && schema.keyless_child(cur).is_none();
        let id = match keyword
            .or_else(|| schema.keyless_child(cur))
            .or_else(|| schema.nokeyword_child(cur))
        {
            Some(id) => id,
            None => return Err(err(i, PathErrorKind::Syntax)),
        };
        let node = schema.node(id);
        if node.key {
            // A `@key` statement is part of an entry's name, written right after the value.
            // After a whole entry of a list named by its parts alone, one starts another
            // entry: `community add A delete B` is two (what lsys printed before those were
            // entries).
            let another = node.parent == Some(cur)
                && schema.node(cur).parts_only()
                && open_node
                && steps.last().is_some_and(|s| s.schema == cur);
            if !another {
                return Err(err(i, PathErrorKind::Syntax));
            }
            targets.push(Target {
                steps: steps.clone(),
                values: None,
            });
            steps.pop();
            let key = entry_key(schema, cur, words, &mut i, mode)?;
            steps.push(Step::new(cur, Some(key)));
            continue;
        }
        match node.kind {
            Kind::Container => {
                steps.push(Step::new(id, None));
                cur = id;
                open_node = true;
                i += 1;
            }
            Kind::List => {
                if !node.keyless {
                    i += 1;
                }
                // `show protocols bgp group`: the list as a whole is not a statement.
                let key = entry_key(schema, id, words, &mut i, mode)?;
                steps.push(Step::new(id, Some(key)));
                cur = id;
                open_node = true;
            }
            Kind::Flag => {
                let mut s = steps.clone();
                s.push(Step::new(id, None));
                targets.push(Target {
                    steps: s,
                    values: Some(Vec::new()),
                });
                open_node = false;
                i += 1;
            }
            Kind::Leaf | Kind::LeafList => {
                if !bare_value {
                    i += 1;
                }
                let mut s = steps.clone();
                s.push(Step::new(id, None));
                let mut vals = Vec::new();
                match words.get(i) {
                    None => {
                        if values == Values::Required {
                            return Err(err(i, PathErrorKind::MissingArgument));
                        }
                        targets.push(Target {
                            steps: s,
                            values: None,
                        });
                        return Ok(targets);
                    }
                    Some(v) if node.kind == Kind::LeafList && v.is("[") => {
                        i += 1;
                        loop {
                            let Some(v) = words.get(i) else {
                                return Err(err(i, PathErrorKind::UnclosedList));
                            };
                            i += 1;
                            if v.is("]") {
                                break;
                            }
                            vals.push(parse_value(schema, id, &v.text).map_err(|message| {
                                err(
                                    i - 1,
                                    PathErrorKind::InvalidValue {
                                        message,
                                        value: v.text.clone(),
                                    },
                                )
                            })?);
                        }
                        if vals.is_empty() {
                            return Err(err(i - 1, PathErrorKind::MissingArgument));
                        }
                    }
                    Some(v) => {
                        vals.push(parse_value(schema, id, &v.text).map_err(|message| {
                            err(
                                i,
                                PathErrorKind::InvalidValue {
                                    message,
                                    value: v.text.clone(),
                                },
                            )
                        })?);
                        i += 1;
                    }
                }
                targets.push(Target {
                    steps: s,
                    values: Some(vals),
                });
                open_node = false;
            }
        }
    }
    if open_node || targets.is_empty() {
        targets.push(Target {
            steps,
            values: None,
        });
    }
    Ok(targets)
}

/// Reads the key of an entry of list `list` from `words[*i..]`: the list's value, then its
/// `@key` statement (keyword, and value for a leaf) if it has those (see [`crate::key`]).
/// Leaves `*i` after the key.
fn entry_key(
    schema: &Schema,
    list: SchemaId,
    words: &[Word],
    i: &mut usize,
    mode: Match,
) -> Result<String, PathError> {
    let err = |word: usize, kind: PathErrorKind| PathError { word, kind };
    let value_at = |id: SchemaId, at: usize| -> Result<String, PathError> {
        let w = words
            .get(at)
            .ok_or_else(|| err(at, PathErrorKind::MissingArgument))?;
        parse_value(schema, id, &w.text).map_err(|message| {
            err(
                at,
                PathErrorKind::InvalidValue {
                    message,
                    value: w.text.clone(),
                },
            )
        })
    };
    let value = match schema.node(list).vtype {
        Some(_) => {
            let v = value_at(list, *i)?;
            *i += 1;
            Some(v)
        }
        None => None,
    };
    if !schema.has_key_parts(list) {
        return Ok(value.unwrap_or_default());
    }
    let part = match words.get(*i).filter(|w| !w.quoted) {
        Some(w) => match_key_part(schema, list, &w.text, mode).map_err(|k| err(*i, k))?,
        None => None,
    };
    let Some(part) = part else {
        // A list with a value may leave its part out (an entry of its own); one named by its
        // part alone cannot.
        return match value {
            Some(v) => Ok(v),
            None if *i < words.len() => Err(err(*i, PathErrorKind::Syntax)),
            None => Err(err(*i, PathErrorKind::MissingArgument)),
        };
    };
    *i += 1;
    let part_value = match schema.node(part).kind {
        Kind::Leaf => {
            let v = value_at(part, *i)?;
            *i += 1;
            Some(v)
        }
        _ => None,
    };
    Ok(key::compose(
        value.as_deref(),
        Some((schema.node(part).word.as_str(), part_value.as_deref())),
    ))
}

/// The `@key` statement of `list` that `word` names (a unique prefix in [`Match::Prefix`]).
fn match_key_part(
    schema: &Schema,
    list: SchemaId,
    word: &str,
    mode: Match,
) -> Result<Option<SchemaId>, PathErrorKind> {
    if let Some(id) = schema
        .key_parts(list)
        .find(|&c| schema.node(c).word == word)
    {
        return Ok(Some(id));
    }
    if mode == Match::Exact {
        return Ok(None);
    }
    let found: Vec<SchemaId> = schema
        .key_parts(list)
        .filter(|&c| schema.node(c).word.starts_with(word))
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(PathErrorKind::Ambiguous {
            word: word.to_string(),
            candidates: found.iter().map(|&c| schema.node(c).word.clone()).collect(),
        }),
    }
}

/// Resolves a path that must name exactly one statement (`edit`, `delete`, `show`, ...).
pub fn resolve_one(
    schema: &Schema,
    start: SchemaId,
    words: &[Word],
    mode: Match,
) -> Result<Target, PathError> {
    let mut targets = resolve(schema, start, words, mode, Values::Optional)?;
    if targets.len() != 1 {
        let at = words.len().saturating_sub(1);
        return Err(PathError {
            word: at,
            kind: PathErrorKind::Syntax,
        });
    }
    Ok(targets.remove(0))
}

/// The words that name `steps` (for `[edit ...]` banners and `set` lines).
pub fn words_of(schema: &Schema, steps: &[Step]) -> Vec<String> {
    let mut out = Vec::new();
    for s in steps {
        let n = schema.node(s.schema);
        if !n.keyless {
            out.push(n.word.clone());
        }
        if let Some(k) = &s.key {
            out.extend(key::words(schema, s.schema, k));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ROOT;

    fn go(line: &str, mode: Match) -> Result<Vec<Target>, PathError> {
        resolve(
            Schema::get(),
            ROOT,
            &Word::split(line),
            mode,
            Values::Required,
        )
    }

    #[test]
    fn leaf_under_list_entries() {
        let t = go(
            "protocols bgp group aws neighbor 10.0.0.1 peer-as 64512",
            Match::Exact,
        )
        .unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].steps.len(), 5);
        assert_eq!(t[0].values.as_deref(), Some(&["64512".to_string()][..]));
        let w = words_of(Schema::get(), &t[0].steps);
        assert_eq!(
            w.join(" "),
            "protocols bgp group aws neighbor 10.0.0.1 peer-as"
        );
    }

    #[test]
    fn inline_leaves_continue_in_their_container() {
        let t = go(
            "interfaces eth1 unit 2 vlan-tags outer 1000 inner 100",
            Match::Exact,
        )
        .unwrap();
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn prefixes_and_ambiguity() {
        assert!(go("prot bgp group a type external", Match::Prefix).is_ok());
        assert!(go("prot bgp group a type external", Match::Exact).is_err());
        let e = go("p", Match::Prefix).unwrap_err();
        assert!(matches!(e.kind, PathErrorKind::Ambiguous { .. }), "{e:?}");
    }

    #[test]
    fn errors_point_at_the_word() {
        let e = go("routing-options autonomous-system", Match::Exact).unwrap_err();
        assert_eq!((e.word, e.kind), (2, PathErrorKind::MissingArgument));
        let e = go("routing-options bogus 1", Match::Exact).unwrap_err();
        assert_eq!((e.word, e.kind), (1, PathErrorKind::Syntax));
        let e = go("interfaces eth1 unit 4 vlan-id 5000", Match::Exact).unwrap_err();
        assert_eq!(e.word, 5);
        assert_eq!(
            e.to_string(),
            "value 5000 is not within range (1..4094) at '5000'"
        );
    }

    #[test]
    fn bracketed_leaf_lists() {
        let t = go("protocols bgp group a export [ A B ]", Match::Exact).unwrap();
        assert_eq!(t[0].values.as_ref().unwrap().len(), 2);
        assert!(go("protocols bgp group a export [ A B", Match::Exact).is_err());
    }
}
