//! Why a statement's words did not meet the schema, said so that the user can act on it, and
//! whether the statement is simply one lsys does not have.
//!
//! A word that stands where a statement may start (every word before it resolved, up to a
//! container, an entry or a complete leaf) and that names no statement there is an *unknown
//! statement*: `chassis` at the top, `services` in `system`, `filter` in `family inet`, an
//! a protocol lsys does not run (`protocols ospf`). Reading leniently, such a statement is
//! left out whole — unless the word is one letter or two from a keyword that does exist there
//! (`vlan-idd`): that is a typing error, and typing errors fail the read. Everything else (a bad
//! value, a missing one, a statement that takes no block) is an error in every mode.

use super::Unknown;
use crate::path::{resolve, Match, PathError, PathErrorKind, Values, Word};
use crate::schema::{Kind, Schema, SchemaId};
use crate::types::ValueType;

/// What to do with a statement whose words did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// `words[..=i]` names a statement lsys does not have (with [`Unknown::Ignore`]: leave it
    /// out and list it).
    Unknown(usize),
    /// An error about `words[word]`.
    Error { word: usize, message: String },
}

/// Most names listed after `expecting one of:`.
const EXPECTING_MAX: usize = 24;

/// Explains why `words` did not resolve below `start` (error `e` from [`resolve`]).
pub(crate) fn explain(
    schema: &Schema,
    start: SchemaId,
    words: &[Word],
    e: PathError,
    unknown: Unknown,
) -> Failure {
    let i = e.word.min(words.len().saturating_sub(1));
    let error = |message: String| Failure::Error { word: i, message };
    let Some(w) = words.get(e.word) else {
        return error(match e.kind {
            PathErrorKind::MissingArgument | PathErrorKind::Syntax => missing(schema, start, words),
            PathErrorKind::UnclosedList => "syntax error, expecting ']'".into(),
            other => other.to_string(),
        });
    };
    let level = level_before(schema, start, words, i);
    let named = level.and_then(|l| (!w.quoted).then(|| schema.child_by_word(l, &w.text))?);
    let keyless = level.and_then(|l| schema.keyless_child(l));
    match e.kind {
        PathErrorKind::Syntax => match level {
            Some(level) if named.is_none() && keyless.is_none() => {
                if unknown == Unknown::Ignore && !w.quoted && !misspelt(schema, level, &w.text) {
                    Failure::Unknown(i)
                } else {
                    error(format!(
                        "syntax error at '{}'{}",
                        w.text,
                        expecting(schema, level)
                    ))
                }
            }
            Some(level) => error(format!(
                "syntax error at '{}'{}",
                w.text,
                expecting(schema, level)
            )),
            None => error(format!(
                "syntax error at '{}'{}",
                w.text,
                key_parts_expected(schema, start, words, i)
            )),
        },
        PathErrorKind::InvalidValue { message, value } => {
            // An entry name where a statement may start: `prefix-list P { apply-path "..."; }`
            // is a statement lsys does not have.
            if let (Some(level), Some(_), None) = (level, keyless, named) {
                if unknown == Unknown::Ignore && looks_like_keyword(&w.text) {
                    return Failure::Unknown(i);
                }
                return error(invalid(&value, Some(&schema.node(level).word), &message));
            }
            let owner = value_owner(schema, start, words, i);
            error(invalid(
                &value,
                owner.map(|id| schema.node(id).word.as_str()),
                &message,
            ))
        }
        PathErrorKind::MissingArgument => error(missing(schema, start, words)),
        PathErrorKind::UnclosedList => error("syntax error, expecting ']'".into()),
        other => error(other.to_string()),
    }
}

/// `invalid value '5000' for vlan-id: value 5000 is not within range (1..4094)`; a type's
/// `invalid value: X (expecting ...)` becomes `invalid value 'X' for type, expecting ...`.
fn invalid(value: &str, owner: Option<&str>, message: &str) -> String {
    let head = match owner {
        Some(o) => format!("invalid value '{value}' for {o}"),
        None => format!("invalid value '{value}'"),
    };
    let expecting = message
        .strip_prefix(&format!("invalid value: {value} ("))
        .and_then(|m| m.strip_suffix(')'))
        .filter(|m| m.starts_with("expecting"));
    match expecting {
        Some(e) => format!("{head}, {e}"),
        None => format!("{head}: {message}"),
    }
}

/// `, expecting one of: a, b, c` — the statements that may stand at `level` (empty if none),
/// in display order; `apply-groups`, which may stand anywhere, last.
pub(crate) fn expecting(schema: &Schema, level: SchemaId) -> String {
    let mut nodes: Vec<_> = schema
        .node(level)
        .children
        .iter()
        .map(|&c| schema.node(c))
        .filter(|n| !n.key)
        .collect();
    nodes.sort_by_key(|n| n.word.starts_with("apply-groups"));
    let names: Vec<String> = nodes
        .iter()
        .map(|n| match (&n.vtype, n.keyless) {
            (Some(t), true) => t.placeholder().to_string(),
            _ => n.word.clone(),
        })
        .collect();
    one_of(&names)
}

fn one_of(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!(", expecting {one}"),
        _ if names.len() > EXPECTING_MAX => format!(
            ", expecting one of: {}, ...",
            names[..EXPECTING_MAX].join(", ")
        ),
        _ => format!(", expecting one of: {}", names.join(", ")),
    }
}

/// The schema node the walk is in when it reaches `words[i]`, if `words[i]` stands where a
/// statement may start (all words before it resolved).
fn level_before(schema: &Schema, start: SchemaId, words: &[Word], i: usize) -> Option<SchemaId> {
    let targets = resolve(schema, start, &words[..i], Match::Exact, Values::Required).ok()?;
    let last = targets.last()?;
    Some(match &last.values {
        // A container or entry: the walk goes into it.
        None => last.steps.last().map_or(start, |s| s.schema),
        // A leaf with its value: the walk stays in the leaf's container.
        Some(_) => last
            .steps
            .len()
            .checked_sub(2)
            .map_or(start, |k| last.steps[k].schema),
    })
}

/// The schema node that keyword `words[j]` names: a statement where one may start, or a
/// `@key` statement right after its list (`community add`).
fn keyword_node(schema: &Schema, start: SchemaId, words: &[Word], j: usize) -> Option<SchemaId> {
    let w = words.get(j).filter(|w| !w.quoted)?;
    if let Some(level) = level_before(schema, start, words, j) {
        return schema.child_by_word(level, &w.text);
    }
    let prev = words.get(j.checked_sub(1)?).filter(|w| !w.quoted)?;
    let list = level_before(schema, start, words, j - 1)
        .and_then(|level| schema.child_by_word(level, &prev.text))?;
    schema
        .key_parts(list)
        .find(|&c| schema.node(c).word == w.text)
}

/// The statement whose value `words[i]` is: the nearest keyword before it (past `[` and the
/// values of a leaf-list).
fn value_owner(schema: &Schema, start: SchemaId, words: &[Word], i: usize) -> Option<SchemaId> {
    (i.saturating_sub(8)..i)
        .rev()
        .find_map(|j| keyword_node(schema, start, words, j))
}

/// `missing argument after 'vlan-id', expecting <vlan-id>`.
fn missing(schema: &Schema, start: SchemaId, words: &[Word]) -> String {
    let Some(last) = words.len().checked_sub(1) else {
        return "missing argument".into();
    };
    let after = &words[last].text;
    match keyword_node(schema, start, words, last) {
        Some(id) => {
            let node = schema.node(id);
            let wanted = if schema.has_key_parts(id) && node.vtype.is_none() {
                let parts: Vec<String> = schema
                    .key_parts(id)
                    .map(|c| schema.node(c).word.clone())
                    .collect();
                one_of(&parts)
            } else {
                match &node.vtype {
                    Some(ValueType::Enum(values)) => one_of(values),
                    Some(t) => format!(", expecting {}", t.placeholder()),
                    None => String::new(),
                }
            };
            format!("missing argument after '{after}'{wanted}")
        }
        None => format!("missing argument after '{after}'"),
    }
}

/// `, expecting one of: exact, longer, ...` when `words[i]` should have completed the key of
/// the list entry before it.
fn key_parts_expected(schema: &Schema, start: SchemaId, words: &[Word], i: usize) -> String {
    let Some(list) = i
        .checked_sub(1)
        .and_then(|j| keyword_node(schema, start, words, j))
        .filter(|&id| schema.node(id).kind == Kind::List && schema.has_key_parts(id))
    else {
        return String::new();
    };
    let parts: Vec<String> = schema
        .key_parts(list)
        .map(|c| schema.node(c).word.clone())
        .collect();
    one_of(&parts)
}

/// Whether `word` reads like a Junos keyword (lower case, digits, hyphens).
fn looks_like_keyword(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_lowercase())
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Whether `word` is most likely a misspelling of a statement that `level` has: at most one
/// letter added, left out, changed or swapped (two in words of eight letters or more).
/// Numbered variants are different statements (`metric2` is not `metric`).
fn misspelt(schema: &Schema, level: SchemaId, word: &str) -> bool {
    if word.len() < 4 {
        return false;
    }
    let base = |s: &str| s.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
    schema
        .node(level)
        .children
        .iter()
        .map(|&c| schema.node(c))
        .filter(|n| !n.keyless && !n.key && n.word.len() >= 4)
        .any(|n| {
            let limit = if word.len().max(n.word.len()) >= 8 {
                2
            } else {
                1
            };
            base(word) != base(&n.word)
                && word.len().abs_diff(n.word.len()) <= limit
                && distance(word.as_bytes(), n.word.as_bytes()) <= limit
        })
}

/// Edit distance counting a swap of neighbours as one edit (optimal string alignment).
fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ROOT;

    fn why(line: &str, unknown: Unknown) -> Failure {
        let schema = Schema::get();
        let words = Word::split(line);
        let e = resolve(schema, ROOT, &words, Match::Exact, Values::Required).unwrap_err();
        explain(schema, ROOT, &words, e, unknown)
    }

    fn message(line: &str) -> String {
        match why(line, Unknown::Ignore) {
            Failure::Error { message, .. } => message,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn distances() {
        assert_eq!(distance(b"vlan-idd", b"vlan-id"), 1);
        assert_eq!(distance(b"vlan-di", b"vlan-id"), 1);
        assert_eq!(distance(b"snmp", b"system"), 5);
        assert_eq!(distance(b"hlod-time", b"hold-time"), 1);
    }

    #[test]
    fn unknown_statements_and_typing_errors() {
        assert_eq!(
            why("chassis aggregated-devices", Unknown::Ignore),
            Failure::Unknown(0)
        );
        assert_eq!(
            why("system services ssh", Unknown::Ignore),
            Failure::Unknown(1)
        );
        assert_eq!(
            why(
                "interfaces eth1 unit 0 family inet filter input F",
                Unknown::Ignore
            ),
            Failure::Unknown(6)
        );
        assert!(matches!(
            why("chassis", Unknown::Reject),
            Failure::Error { .. }
        ));
        // A bad interface name is an error, not a statement lsys does not have.
        for bad in [
            "routing-instances a interface eth1.x",
            "interfaces eth1.5 unit 0",
            "interfaces ge-0/0 unit 0",
        ] {
            assert!(
                matches!(why(bad, Unknown::Ignore), Failure::Error { .. }),
                "{bad}"
            );
        }
        let m = message("interfaces eth1 unit 4 vlan-idd 100");
        assert!(
            m.starts_with("syntax error at 'vlan-idd', expecting one of: "),
            "{m}"
        );
        assert!(
            m.contains("disable, encapsulation, vlan-id, vlan-tags, family"),
            "{m}"
        );
        assert!(m.contains("vlan-id, vlan-tags"), "{m}");
        assert!(message("interface eth1").starts_with("syntax error at 'interface'"));
    }

    #[test]
    fn values_and_missing_arguments() {
        assert_eq!(
            message("interfaces eth1 unit 4 vlan-id 5000"),
            "invalid value '5000' for vlan-id: value 5000 is not within range (1..4094)"
        );
        assert_eq!(
            message("interfaces eth1 unit 4 vlan-id"),
            "missing argument after 'vlan-id', expecting <vlan-id>"
        );
        assert_eq!(
            message("routing-instances a instance-type"),
            "missing argument after 'instance-type', expecting one of: evpn, forwarding, l2vpn, \
             mac-vrf, no-forwarding, virtual-router, virtual-switch, vpls, vrf"
        );
        assert!(message("routing-instances a instance-type bogus")
            .starts_with("invalid value 'bogus' for instance-type"));
    }
}
