//! JSON display and parsing (`| display json`, `load json`), in the shape Junos uses.
//!
//! ```text
//! {"configuration": {                                  <- to_json_document (root only)
//!     "system": {"host-name": "r1"},                   <- container: object; leaf: string
//!     "interfaces": {"interface": [                    <- list: array of objects keyed "name";
//!         {"@": {"inactive": true},                        a keyless list uses its placeholder
//!          "name": "eth1", "mtu": "9000"}]},               word (`<interface>` -> "interface")
//!     "policy-options": {"community": [{"name": "C", "members": ["65000:1"]}]},  <- leaf-list
//!     "protocols": {"bgp": {"group": [{"name": "g", "passive": [null],           <- flag
//!                                      "@peer-as": {"comment": "/* why */"}, "peer-as": "1"}]}}
//! }}
//! ```
//! An entry whose key has a `@key` part (see [`crate::key`]) shows that part as the member it
//! would be as a statement: `{"name": "0.0.0.0/0", "exact": [null]}`, and for a list named by
//! its part alone no `name`: `"community": [{"delete": "X"}, {"add": "Y"}]`.
//! Every value is a string (numbers too, as Junos prints them). Attributes of a container or
//! entry go in its `"@"` member, those of a leaf, leaf-list or flag in a sibling `"@word"`
//! member, both first. Members come in schema display order. Reading accepts the same shape
//! (with or without the `configuration` wrapper at the root), sends every value through
//! [`crate::path::parse_value`] so canonical forms and secret encoding hold, and rejects
//! unknown members.

use std::fmt;

use serde_json::{Map, Value};

use crate::key;
use crate::path::parse_value;
use crate::schema::{Kind, Schema, SchemaId, ROOT};
use crate::tree::Node;

/// The member that wraps a whole configuration.
pub const DOCUMENT_KEY: &str = "configuration";

/// A JSON configuration could not be read: where (a JSON path such as
/// `$.configuration.interfaces.interface[0].mtu`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for JsonError {}

/// The children of `node` as a JSON object (no wrapper).
pub fn to_json(node: &Node) -> Value {
    Value::Object(members(Schema::get(), node))
}

/// A whole configuration as `{"configuration": {...}}`.
pub fn to_json_document(root: &Node) -> Value {
    let mut doc = Map::new();
    doc.insert(DOCUMENT_KEY.to_string(), to_json(root));
    Value::Object(doc)
}

/// `{"inactive": true, "comment": "/* text */"}`, or `None` when there is nothing to say.
fn attributes(n: &Node) -> Option<Value> {
    if !n.inactive && n.annotation.is_none() {
        return None;
    }
    let mut m = Map::new();
    if n.inactive {
        m.insert("inactive".into(), Value::Bool(true));
    }
    if let Some(a) = &n.annotation {
        m.insert("comment".into(), Value::String(format!("/* {a} */")));
    }
    Some(Value::Object(m))
}

fn members(schema: &Schema, node: &Node) -> Map<String, Value> {
    let mut out = Map::new();
    let mut i = 0;
    while i < node.children.len() {
        let c = &node.children[i];
        let s = schema.node(c.schema);
        match s.kind {
            Kind::List => {
                // Entries of one list are contiguous (children are kept in display order).
                let mut entries = Vec::new();
                while i < node.children.len() && node.children[i].schema == c.schema {
                    entries.push(entry(schema, &node.children[i]));
                    i += 1;
                }
                out.insert(s.word.clone(), Value::Array(entries));
                continue;
            }
            Kind::Container => {
                let mut m = Map::new();
                if let Some(a) = attributes(c) {
                    m.insert("@".into(), a);
                }
                m.extend(members(schema, c));
                out.insert(s.word.clone(), Value::Object(m));
            }
            Kind::Leaf | Kind::LeafList | Kind::Flag => {
                if let Some(a) = attributes(c) {
                    out.insert(format!("@{}", s.word), a);
                }
                let v = match s.kind {
                    Kind::Leaf => Value::String(c.values.first().cloned().unwrap_or_default()),
                    Kind::LeafList => {
                        Value::Array(c.values.iter().cloned().map(Value::String).collect())
                    }
                    _ => Value::Array(vec![Value::Null]),
                };
                out.insert(s.word.clone(), v);
            }
        }
        i += 1;
    }
    out
}

fn entry(schema: &Schema, n: &Node) -> Value {
    let mut m = Map::new();
    if let Some(a) = attributes(n) {
        m.insert("@".into(), a);
    }
    let raw = n.key.as_deref().unwrap_or_default();
    match key::split(schema, n.schema, raw) {
        Some(k) => {
            if let Some(v) = k.value {
                m.insert("name".into(), Value::String(v.to_string()));
            }
            // The `@key` statement shows as the member it would be as a statement.
            if let Some(p) = k.part {
                let v = match p.value {
                    Some(v) => Value::String(v.to_string()),
                    None => Value::Array(vec![Value::Null]),
                };
                m.insert(schema.node(p.id).word.clone(), v);
            }
        }
        None => {
            m.insert("name".into(), Value::String(raw.to_string()));
        }
    }
    m.extend(members(schema, n));
    Value::Object(m)
}

/// The key of a list entry from its JSON object: `name` (for a list with a type) and the
/// member of its `@key` statement, if the list has those. Returns the key and the members
/// it used.
fn read_key<'a>(
    schema: &'a Schema,
    list: SchemaId,
    obj: &Map<String, Value>,
    ep: &str,
) -> Result<(String, Vec<&'a str>), JsonError> {
    let mut used = Vec::new();
    let value = match schema.node(list).vtype {
        Some(_) => {
            used.push("name");
            let np = member_path(ep, "name");
            let raw = scalar(
                obj.get("name")
                    .ok_or_else(|| err(ep, "missing member 'name'"))?,
                &np,
            )?;
            Some(parse_value(schema, list, &raw).map_err(|m| err(&np, m))?)
        }
        None => None,
    };
    if !schema.has_key_parts(list) {
        return Ok((value.unwrap_or_default(), used));
    }
    let mut part = None;
    for id in schema.key_parts(list) {
        let word = schema.node(id).word.as_str();
        if obj.contains_key(&format!("@{word}")) {
            return Err(err(
                &member_path(ep, &format!("@{word}")),
                format!("'{word}' is part of the entry's name: its attributes go in \"@\""),
            ));
        }
        let Some(v) = obj.get(word) else { continue };
        let p = member_path(ep, word);
        if let Some((other, _)) = part {
            return Err(err(
                &p,
                format!("'{word}' cannot be combined with '{other}'"),
            ));
        }
        let pv = match schema.node(id).kind {
            Kind::Leaf => Some(parse_value(schema, id, &scalar(v, &p)?).map_err(|m| err(&p, m))?),
            _ => {
                if !matches!(v.as_array().map(Vec::as_slice), Some([Value::Null])) {
                    return Err(err(&p, "expected [null]"));
                }
                None
            }
        };
        used.push(word);
        part = Some((word, pv));
    }
    if value.is_none() && part.is_none() {
        let words: Vec<&str> = schema
            .key_parts(list)
            .map(|c| schema.node(c).word.as_str())
            .collect();
        return Err(err(
            ep,
            format!("missing one of the members {}", words.join(", ")),
        ));
    }
    let part = part.as_ref().map(|(w, v)| (*w, v.as_deref()));
    Ok((key::compose(value.as_deref(), part), used))
}

/// Reads the children of a statement of schema node `start` from JSON. At the root the
/// `{"configuration": {...}}` document form is accepted as well as the bare object.
pub fn from_json(value: &Value, start: SchemaId) -> Result<Node, JsonError> {
    let schema = Schema::get();
    let mut path = String::from("$");
    let mut body = value;
    if start == ROOT {
        if let Value::Object(m) = value {
            if m.len() == 1 {
                if let Some(inner) = m.get(DOCUMENT_KEY) {
                    body = inner;
                    path.push('.');
                    path.push_str(DOCUMENT_KEY);
                }
            }
        }
    }
    let obj = as_object(body, &path)?;
    let mut node = Node::new(start, None);
    read_members(schema, &mut node, obj, &path, &[])?;
    Ok(node)
}

fn err(path: &str, message: impl Into<String>) -> JsonError {
    JsonError {
        path: path.to_string(),
        message: message.into(),
    }
}

fn as_object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, JsonError> {
    v.as_object()
        .ok_or_else(|| err(path, format!("expected an object, found {}", type_name(v))))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A scalar as text: strings, and numbers for convenience (Junos prints them as strings).
fn scalar(v: &Value, path: &str) -> Result<String, JsonError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(err(
            path,
            format!("expected a string, found {}", type_name(other)),
        )),
    }
}

fn member_path(path: &str, name: &str) -> String {
    format!("{path}.{name}")
}

/// Applies `{"inactive": .., "comment": ..}` to `n`.
fn read_attributes(n: &mut Node, v: &Value, path: &str) -> Result<(), JsonError> {
    for (k, a) in as_object(v, path)? {
        let p = member_path(path, k);
        match k.as_str() {
            "inactive" => {
                n.inactive = a
                    .as_bool()
                    .ok_or_else(|| err(&p, "expected true or false"))?
            }
            "comment" => {
                let text = a.as_str().ok_or_else(|| err(&p, "expected a string"))?;
                let t = text.trim();
                let t = t
                    .strip_prefix("/*")
                    .and_then(|t| t.strip_suffix("*/"))
                    .unwrap_or(t)
                    .trim();
                if t.contains("*/") {
                    return Err(err(&p, "a comment cannot contain '*/'"));
                }
                n.annotation = Some(t.to_string());
            }
            _ => return Err(err(&p, format!("unknown attribute '{k}'"))),
        }
    }
    Ok(())
}

/// The child of `parent` that JSON member `name` stands for: a keyword, or a keyless list's
/// placeholder word.
fn child_for(schema: &Schema, parent: SchemaId, name: &str) -> Option<SchemaId> {
    schema.child_by_word(parent, name).or_else(|| {
        schema
            .keyless_child(parent)
            .filter(|&c| schema.node(c).word == name)
    })
}

/// Reads the members of `obj` into children of `node`; `skip` names members the caller has
/// already consumed (`name` and `@` of a list entry).
fn read_members(
    schema: &Schema,
    node: &mut Node,
    obj: &Map<String, Value>,
    path: &str,
    skip: &[&str],
) -> Result<(), JsonError> {
    // Attributes of leaves come before or after the leaf; apply them once all are read.
    let mut pending: Vec<(SchemaId, &Value, String)> = Vec::new();
    for (name, v) in obj {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let p = member_path(path, name);
        if let Some(word) = name.strip_prefix('@') {
            let id = child_for(schema, node.schema, word)
                .filter(|&c| schema.node(c).kind != Kind::List)
                .ok_or_else(|| err(&p, format!("unknown attribute member '{name}'")))?;
            if schema.node(id).kind == Kind::Container {
                return Err(err(
                    &p,
                    format!("attributes of container '{word}' go in its \"@\" member"),
                ));
            }
            pending.push((id, v, p));
            continue;
        }
        let id = child_for(schema, node.schema, name)
            .ok_or_else(|| err(&p, format!("unknown statement '{name}'")))?;
        let s = schema.node(id);
        if s.kind != Kind::List && node.child(id, None).is_some() {
            return Err(err(&p, format!("duplicate statement '{name}'")));
        }
        if let Some(group) = &s.choice {
            if let Some(other) = node
                .children
                .iter()
                .find(|c| c.schema != id && schema.node(c.schema).choice.as_ref() == Some(group))
            {
                return Err(err(
                    &p,
                    format!(
                        "'{name}' cannot be combined with '{}'",
                        schema.node(other.schema).word
                    ),
                ));
            }
        }
        match s.kind {
            Kind::Container => {
                let mut child = Node::new(id, None);
                // The forms of statements that became containers: a flag's `[null]`
                // (`"unicast": [null]`) and a leaf's value, now the container's `@nokeyword`
                // leaf (`"vrf-target": "target:65000:1"`, `"local-as": "65001"`).
                let flag = matches!(v, Value::Array(a) if a.len() == 1 && a[0].is_null());
                let bare = schema
                    .nokeyword_child(id)
                    .filter(|_| !v.is_object() && !flag);
                if flag || bare.is_some() {
                    if let Some(leaf) = bare {
                        let raw = scalar(v, &p)?;
                        let mut l = Node::new(leaf, None);
                        l.values
                            .push(parse_value(schema, leaf, &raw).map_err(|m| err(&p, m))?);
                        child.insert_child(l);
                    }
                    node.insert_child(child);
                    continue;
                }
                let obj = as_object(v, &p)?;
                if let Some(a) = obj.get("@") {
                    read_attributes(&mut child, a, &member_path(&p, "@"))?;
                }
                read_members(schema, &mut child, obj, &p, &["@"])?;
                node.insert_child(child);
            }
            Kind::List => {
                let arr = v
                    .as_array()
                    .ok_or_else(|| err(&p, format!("expected an array, found {}", type_name(v))))?;
                for (i, e) in arr.iter().enumerate() {
                    let ep = format!("{p}[{i}]");
                    let obj = as_object(e, &ep)?;
                    let (key, mut used) = read_key(schema, id, obj, &ep)?;
                    if node.child(id, Some(&key)).is_some() {
                        let at = match s.vtype {
                            Some(_) => member_path(&ep, "name"),
                            None => ep,
                        };
                        return Err(err(&at, format!("duplicate entry '{key}'")));
                    }
                    let mut child = Node::new(id, Some(key));
                    if let Some(a) = obj.get("@") {
                        read_attributes(&mut child, a, &member_path(&ep, "@"))?;
                    }
                    used.push("@");
                    read_members(schema, &mut child, obj, &ep, &used)?;
                    node.insert_child(child);
                }
            }
            Kind::Leaf => {
                let raw = scalar(v, &p)?;
                let value = parse_value(schema, id, &raw).map_err(|m| err(&p, m))?;
                let mut child = Node::new(id, None);
                child.values.push(value);
                node.insert_child(child);
            }
            Kind::LeafList => {
                let arr = v
                    .as_array()
                    .ok_or_else(|| err(&p, format!("expected an array, found {}", type_name(v))))?;
                if arr.is_empty() {
                    return Err(err(&p, "expected at least one value"));
                }
                let mut child = Node::new(id, None);
                for (i, x) in arr.iter().enumerate() {
                    let xp = format!("{p}[{i}]");
                    let value =
                        parse_value(schema, id, &scalar(x, &xp)?).map_err(|m| err(&xp, m))?;
                    if !child.values.contains(&value) {
                        child.values.push(value);
                    }
                }
                node.insert_child(child);
            }
            Kind::Flag => {
                let ok = matches!(v.as_array().map(Vec::as_slice), Some([Value::Null]));
                if !ok {
                    return Err(err(&p, "expected [null]"));
                }
                node.insert_child(Node::new(id, None));
            }
        }
    }
    for (id, v, p) in pending {
        let child = node
            .child_mut(id, None)
            .ok_or_else(|| err(&p, "attributes of a statement that is not configured"))?;
        read_attributes(child, v, &p)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::curly;

    fn tree(text: &str) -> Node {
        curly::read(text, ROOT).unwrap()
    }

    #[test]
    fn shape_follows_junos() {
        let t = tree(
            "interfaces { inactive: eth1 { mtu 9000; flexible-vlan-tagging; } }
             policy-options { community C members [ 65000:1 65000:2 ]; }",
        );
        let j = to_json_document(&t);
        assert_eq!(
            j.to_string(),
            r#"{"configuration":{"interfaces":{"interface":[{"@":{"inactive":true},"name":"eth1","flexible-vlan-tagging":[null],"mtu":"9000"}]},"policy-options":{"community":[{"name":"C","members":["65000:1","65000:2"]}]}}}"#
        );
        assert_eq!(from_json(&j, ROOT).unwrap(), t);
    }

    #[test]
    fn leaf_attributes_are_siblings() {
        let t = tree("system { /* the name */ inactive: host-name r1; }");
        let j = to_json(&t);
        assert_eq!(
            j.to_string(),
            r#"{"system":{"@host-name":{"inactive":true,"comment":"/* the name */"},"host-name":"r1"}}"#
        );
        assert_eq!(from_json(&j, ROOT).unwrap(), t);
    }

    #[test]
    fn errors_carry_the_path() {
        let j: Value = serde_json::from_str(
            r#"{"configuration":{"interfaces":{"interface":[{"name":"eth1","mtu":"99"}]}}}"#,
        )
        .unwrap();
        let e = from_json(&j, ROOT).unwrap_err();
        assert_eq!(e.path, "$.configuration.interfaces.interface[0].mtu");
        assert!(e.message.contains("range"), "{e}");
        let j: Value = serde_json::from_str(r#"{"system":{"bogus":"1"}}"#).unwrap();
        let e = from_json(&j, ROOT).unwrap_err();
        assert_eq!(e.to_string(), "$.system.bogus: unknown statement 'bogus'");
    }
}
