//! Tree operations: set, delete, activate/deactivate, annotate, rename, copy, insert, merge.
//!
//! Every operation takes the absolute path of the edit level (`at`) and targets resolved
//! relative to it by [`crate::path::resolve`]. An operation either fully applies or returns an
//! error having changed nothing.

use std::fmt;

use crate::path::{words_of, Target};
use crate::schema::{Kind, Schema};
use crate::tree::{Node, Step};

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// The statement is not configured (Junos: `warning: statement not found`).
    NotFound,
    /// The operation does not apply to this kind of statement.
    Invalid(String),
    /// A tenant tried to change an operator-only statement.
    OperatorOnly(String),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::NotFound => write!(f, "statement not found"),
            EditError::Invalid(m) => write!(f, "{m}"),
            EditError::OperatorOnly(p) => {
                write!(
                    f,
                    "'{p}' is managed by the operator and cannot be changed here"
                )
            }
        }
    }
}

impl std::error::Error for EditError {}

fn join(at: &[Step], steps: &[Step]) -> Vec<Step> {
    let mut v = Vec::with_capacity(at.len() + steps.len());
    v.extend_from_slice(at);
    v.extend_from_slice(steps);
    v
}

/// Walks to `path` creating what is missing; a statement in a `@choice` group displaces the
/// other members of its group.
fn ensure<'a>(root: &'a mut Node, path: &[Step]) -> &'a mut Node {
    let schema = Schema::get();
    let mut cur = root;
    for s in path {
        if cur.position(s.schema, s.key.as_deref()).is_none() {
            if let Some(group) = &schema.node(s.schema).choice {
                cur.children.retain(|c| {
                    c.schema == s.schema || schema.node(c.schema).choice.as_ref() != Some(group)
                });
            }
        }
        cur = cur.child_or_insert(s);
    }
    cur
}

/// `set`: creates the statements of `targets` below `at`.
pub fn set(root: &mut Node, at: &[Step], targets: &[Target]) -> Result<(), EditError> {
    let schema = Schema::get();
    for t in targets {
        let path = join(at, &t.steps);
        let Some(last) = path.last() else {
            return Err(EditError::Invalid("nothing to set".into()));
        };
        let kind = schema.node(last.schema).kind;
        // Choice groups apply to the statement itself too when it exists in another form.
        let node = ensure(root, &path);
        match (kind, &t.values) {
            (Kind::Leaf, Some(v)) => node.values = v.clone(),
            (Kind::LeafList, Some(v)) => {
                for value in v {
                    if !node.values.contains(value) {
                        node.values.push(value.clone());
                    }
                }
            }
            (Kind::Leaf | Kind::LeafList, None) => {
                return Err(EditError::Invalid("missing argument.".into()))
            }
            _ => {}
        }
    }
    Ok(())
}

/// `delete`: removes a statement and everything under it, or values of a leaf-list.
pub fn delete(root: &mut Node, at: &[Step], target: &Target) -> Result<(), EditError> {
    let path = join(at, &target.steps);
    let Some((last, parent_path)) = path.split_last() else {
        return Err(EditError::Invalid("nothing to delete".into()));
    };
    let parent = root.at_mut(parent_path).ok_or(EditError::NotFound)?;
    let schema = Schema::get();
    let node = parent
        .child_mut(last.schema, last.key.as_deref())
        .ok_or(EditError::NotFound)?;
    if let (Kind::LeafList, Some(values)) = (schema.node(last.schema).kind, &target.values) {
        if !values.iter().all(|v| node.values.contains(v)) {
            return Err(EditError::NotFound);
        }
        node.values.retain(|v| !values.contains(v));
        if !node.values.is_empty() {
            return Ok(());
        }
    } else if let (Kind::Leaf, Some(values)) = (schema.node(last.schema).kind, &target.values) {
        if node.values != *values {
            return Err(EditError::NotFound);
        }
    }
    parent.remove_child(last.schema, last.key.as_deref());
    Ok(())
}

/// Deletes everything under `at` (bare `delete` at an edit level).
pub fn delete_all(root: &mut Node, at: &[Step]) -> Result<(), EditError> {
    let node = root.at_mut(at).ok_or(EditError::NotFound)?;
    node.children.clear();
    Ok(())
}

fn existing<'a>(
    root: &'a mut Node,
    at: &[Step],
    target: &Target,
) -> Result<&'a mut Node, EditError> {
    root.at_mut(&join(at, &target.steps))
        .ok_or(EditError::NotFound)
}

/// `activate` / `deactivate`.
pub fn set_active(
    root: &mut Node,
    at: &[Step],
    target: &Target,
    active: bool,
) -> Result<(), EditError> {
    existing(root, at, target)?.inactive = !active;
    Ok(())
}

/// `annotate STATEMENT "text"` (an empty text removes the annotation).
pub fn annotate(
    root: &mut Node,
    at: &[Step],
    target: &Target,
    text: &str,
) -> Result<(), EditError> {
    if text.contains("*/") {
        return Err(EditError::Invalid(
            "annotation must not contain '*/'".into(),
        ));
    }
    existing(root, at, target)?.annotation = (!text.is_empty()).then(|| text.to_string());
    Ok(())
}

/// Checks that `to` names another entry of the same list as `from` (for rename and copy).
fn same_list(from: &Target, to: &Target) -> Result<(), EditError> {
    let (Some(a), Some(b)) = (from.steps.last(), to.steps.last()) else {
        return Err(EditError::Invalid("syntax error.".into()));
    };
    let schema = Schema::get();
    if a.key.is_none() || schema.node(a.schema).kind != Kind::List {
        return Err(EditError::Invalid(
            "only list entries can be renamed or copied".into(),
        ));
    }
    if a.schema != b.schema || b.key.is_none() || to.steps.len() != 1 {
        let words = words_of(schema, &from.steps[from.steps.len() - 1..]);
        return Err(EditError::Invalid(format!(
            "the new name must be written '{} <name>'",
            words.first().map(String::as_str).unwrap_or("")
        )));
    }
    Ok(())
}

/// `rename A to B`: B is written relative to A's parent (`rename group a to group b`).
pub fn rename(root: &mut Node, at: &[Step], from: &Target, to: &Target) -> Result<(), EditError> {
    same_list(from, to)?;
    let path = join(at, &from.steps);
    let (last, parent_path) = path.split_last().ok_or(EditError::NotFound)?;
    let parent = root.at_mut(parent_path).ok_or(EditError::NotFound)?;
    let new_key = to.steps[0].key.clone();
    if parent.position(last.schema, new_key.as_deref()).is_some() {
        return Err(EditError::Invalid(format!(
            "{} already exists",
            new_key.unwrap_or_default()
        )));
    }
    let i = parent
        .position(last.schema, last.key.as_deref())
        .ok_or(EditError::NotFound)?;
    parent.children[i].key = new_key;
    Ok(())
}

/// `copy A to B`.
pub fn copy(root: &mut Node, at: &[Step], from: &Target, to: &Target) -> Result<(), EditError> {
    same_list(from, to)?;
    let path = join(at, &from.steps);
    let (last, parent_path) = path.split_last().ok_or(EditError::NotFound)?;
    let parent = root.at_mut(parent_path).ok_or(EditError::NotFound)?;
    let new_key = to.steps[0].key.clone();
    if parent.position(last.schema, new_key.as_deref()).is_some() {
        return Err(EditError::Invalid(format!(
            "{} already exists",
            new_key.unwrap_or_default()
        )));
    }
    let mut copy = parent
        .child(last.schema, last.key.as_deref())
        .ok_or(EditError::NotFound)?
        .clone();
    copy.key = new_key;
    parent.insert_child(copy);
    Ok(())
}

/// `insert A before|after B`: B is written relative to A's parent (`insert term b before term a`).
pub fn insert(
    root: &mut Node,
    at: &[Step],
    what: &Target,
    before: bool,
    anchor: &Target,
) -> Result<(), EditError> {
    let schema = Schema::get();
    let path = join(at, &what.steps);
    let (last, parent_path) = path.split_last().ok_or(EditError::NotFound)?;
    if !schema.node(last.schema).ordered {
        return Err(EditError::Invalid(format!(
            "'{}' is not an ordered list: insert applies to ordered entries such as policy terms",
            schema.node(last.schema).word
        )));
    }
    let anchor_step = match anchor.steps.as_slice() {
        [s] if s.schema == last.schema && s.key.is_some() => s.clone(),
        _ => {
            return Err(EditError::Invalid(
                "the reference must be an entry of the same list".into(),
            ))
        }
    };
    let parent = root.at_mut(parent_path).ok_or(EditError::NotFound)?;
    if parent
        .position(anchor_step.schema, anchor_step.key.as_deref())
        .is_none()
    {
        return Err(EditError::NotFound);
    }
    let moving = match parent.remove_child(last.schema, last.key.as_deref()) {
        Some(n) => n,
        None => Node::new(last.schema, last.key.clone()),
    };
    let j = parent
        .position(anchor_step.schema, anchor_step.key.as_deref())
        .ok_or(EditError::NotFound)?;
    let j = if before { j } else { j + 1 };
    parent.children.insert(j, moving);
    Ok(())
}

/// Merges `src` into `dst` (same schema node): leaves take `src`'s value, leaf-lists gain its
/// values, containers and entries merge recursively.
pub fn merge(dst: &mut Node, src: Node) {
    let schema = Schema::get();
    match schema.node(src.schema).kind {
        Kind::Leaf => dst.values = src.values,
        Kind::LeafList => {
            for v in src.values {
                if !dst.values.contains(&v) {
                    dst.values.push(v);
                }
            }
        }
        _ => {}
    }
    if src.inactive {
        dst.inactive = true;
    }
    if src.annotation.is_some() {
        dst.annotation = src.annotation;
    }
    for child in src.children {
        let step = Step::new(child.schema, child.key.clone());
        if let Some(group) = &schema.node(child.schema).choice {
            if dst.position(child.schema, child.key.as_deref()).is_none() {
                dst.children.retain(|c| {
                    c.schema == child.schema || schema.node(c.schema).choice.as_ref() != Some(group)
                });
            }
        }
        let d = dst.child_or_insert(&step);
        merge(d, child);
    }
}
