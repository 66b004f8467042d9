//! Compound list keys: entries named by more than one word.
//!
//! Most list entries are named by one value (`group aws`, `route 10.0.0.0/8`). A list may also
//! mark children `@key` (one `@choice` group): they are then part of the entry's name, not
//! statements below it, so two entries that differ only there are two entries:
//!
//! ```text
//!  route-filter 0.0.0.0/0 exact;                       key "0.0.0.0/0 exact"
//!  route-filter 0.0.0.0/0 prefix-length-range /25-/32; key "0.0.0.0/0 prefix-length-range /25-/32"
//!  community delete X;                                 key "delete X"   (a list without a type:
//!  community add Y;                                    key "add Y"       its parts alone name it)
//! ```
//!
//! [`Node::key`](crate::tree::Node) holds the canonical words joined by one blank: the list's
//! own value (if it has a type), then the `@key` statement's keyword and its value (for a
//! leaf). Every part is one word (the schema loader refuses key types that allow blanks), so
//! [`split`] reads it back unambiguously. A list with a type may leave the part out
//! (`route-filter 10.0.0.0/8`): that is an entry of its own, which commit checks may refuse.
//!
//! Text and JSON show the parts as they would show the statements: curly and set text print
//! the words (`route-filter 0.0.0.0/0 exact`), JSON makes the part a member of the entry
//! (`{"name": "0.0.0.0/0", "exact": [null]}`, `{"add": "Y"}`).

use crate::schema::{Kind, Schema, SchemaId};
use crate::types::quote;

/// An entry's key taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a> {
    /// The list's own value (`0.0.0.0/0`); `None` for a list without a type.
    pub value: Option<&'a str>,
    /// The `@key` statement, if given.
    pub part: Option<Part<'a>>,
}

/// The `@key` statement of an entry: a flag (`exact`) or a leaf with its value (`upto /24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<'a> {
    pub id: SchemaId,
    pub value: Option<&'a str>,
}

/// The key of an entry with own value `value` and `@key` statement `part` (its keyword and,
/// for a leaf, value), all canonical.
pub fn compose(value: Option<&str>, part: Option<(&str, Option<&str>)>) -> String {
    let mut words: Vec<&str> = value.into_iter().collect();
    if let Some((word, v)) = part {
        words.push(word);
        words.extend(v);
    }
    words.join(" ")
}

/// Takes the key of an entry of list `list` apart; `None` when it does not read as the
/// schema says (only on a tree not built through this crate).
pub fn split<'a>(schema: &Schema, list: SchemaId, key: &'a str) -> Option<Key<'a>> {
    let node = schema.node(list);
    if !schema.has_key_parts(list) {
        return Some(Key {
            value: Some(key),
            part: None,
        });
    }
    let mut words = key.split(' ');
    let value = match node.vtype {
        Some(_) => Some(words.next().filter(|w| !w.is_empty())?),
        None => None,
    };
    let part = match words.next() {
        None => None,
        Some(word) => {
            let id = schema
                .key_parts(list)
                .find(|&c| schema.node(c).word == word)?;
            let value = match schema.node(id).kind {
                Kind::Leaf => Some(words.next()?),
                _ => None,
            };
            Some(Part { id, value })
        }
    };
    if words.next().is_some() || (value.is_none() && part.is_none()) {
        return None;
    }
    Some(Key { value, part })
}

/// The words that name an entry of `list` after the list's keyword, quoted for configuration
/// text (`0.0.0.0/0 exact`; `"two words"` for a plain key that needs quotes).
pub fn words(schema: &Schema, list: SchemaId, key: &str) -> Vec<String> {
    match split(schema, list, key) {
        Some(k) if schema.has_key_parts(list) => {
            let mut out: Vec<String> = k.value.map(quote).into_iter().collect();
            if let Some(p) = k.part {
                out.push(schema.node(p.id).word.clone());
                out.extend(p.value.map(quote));
            }
            out
        }
        _ => vec![quote(key)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(words: &[&str]) -> SchemaId {
        let schema = Schema::get();
        let mut id = crate::schema::ROOT;
        for w in words {
            id = schema.child_by_word(id, w).unwrap();
        }
        id
    }

    #[test]
    fn keys_split_into_their_parts() {
        let schema = Schema::get();
        let rf = list(&[
            "policy-options",
            "policy-statement",
            "term",
            "from",
            "route-filter",
        ]);
        let k = split(schema, rf, "0.0.0.0/0 upto /24").unwrap();
        assert_eq!(k.value, Some("0.0.0.0/0"));
        let p = k.part.unwrap();
        assert_eq!(
            (schema.node(p.id).word.as_str(), p.value),
            ("upto", Some("/24"))
        );
        let k = split(schema, rf, "0.0.0.0/0").unwrap();
        assert_eq!((k.value, k.part), (Some("0.0.0.0/0"), None));
        assert_eq!(words(schema, rf, "0.0.0.0/0 exact"), ["0.0.0.0/0", "exact"]);
        for bad in ["", "0.0.0.0/0 bogus", "0.0.0.0/0 upto", "0.0.0.0/0 exact x"] {
            assert_eq!(split(schema, rf, bad), None, "{bad:?}");
        }

        let comm = list(&["policy-options", "policy-statement", "then", "community"]);
        let k = split(schema, comm, "add C").unwrap();
        assert_eq!(k.value, None);
        assert_eq!(k.part.map(|p| p.value), Some(Some("C")));
        assert_eq!(split(schema, comm, "add"), None);
        assert_eq!(words(schema, comm, "delete C"), ["delete", "C"]);
        assert_eq!(compose(None, Some(("add", Some("C")))), "add C");
        assert_eq!(
            compose(Some("10.0.0.0/8"), Some(("exact", None))),
            "10.0.0.0/8 exact"
        );

        let group = list(&["protocols", "bgp", "group"]);
        assert_eq!(words(schema, group, "two words"), ["\"two words\""]);
    }
}
