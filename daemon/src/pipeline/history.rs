//! Past configurations: `rollback N` for a view, and a scope as of a commit sequence number.

use lsys_datastore::{AsOf, Scope};
use lsys_grammar::schema::ROOT;
use lsys_grammar::scope::{self, ls_from_text};
use lsys_grammar::text::curly;
use lsys_grammar::tree::Node;
use lsys_grammar::view::{keep_operator_part, ls_path, View};

use super::commit::CommitError;
use crate::core::{scope_of, Core};
use crate::running::{empty_ls, replace_ls};

fn err(e: impl std::fmt::Display) -> CommitError {
    CommitError::Rollback(e.to_string())
}

/// The view's part of the configuration as of rollback `n`, ready to replace a candidate's.
pub fn rollback_part(
    core: &Core,
    view: &View,
    n: usize,
    current: &Node,
) -> Result<Node, CommitError> {
    if n == 0 {
        // The running configuration as it is now, every scope's newest commit included.
        return Ok(core.running.get().part(view).into_owned());
    }
    let version = core
        .store
        .rollback(&scope_of(view), n)
        .map_err(err)?
        .ok_or_else(|| err(format!("rollback {n} does not exist")))?;
    match view.logical_system() {
        Some(ls) => {
            let mut entry = ls_entry(ls, &version.text)?.unwrap_or_else(|| empty_ls(ls));
            if view.is_tenant() {
                let now = current
                    .at(&ls_path(ls))
                    .cloned()
                    .unwrap_or_else(|| empty_ls(ls));
                keep_operator_part(&mut entry, &now);
            }
            Ok(entry)
        }
        None => whole_at(core, version.seq, &version.text)
            .map_err(|e| err(format!("rollback {n} cannot be rebuilt exactly: {e}"))),
    }
}

/// A logical system's stored text as its entry (`None`: the scope was deleted).
pub fn ls_entry(ls: &str, text: &str) -> Result<Option<Node>, CommitError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let mut entry =
        ls_from_text(text).map_err(|e| err(format!("stored configuration of {ls}: {e}")))?;
    entry.key = Some(ls.to_string());
    Ok(Some(entry))
}

/// The whole configuration as of the operator commit `seq` (root text given): every logical
/// system at its newest version not newer than `seq`. If a logical system's history no longer
/// reaches back that far, the past cannot be rebuilt exactly: that is an error, never a
/// configuration without that logical system.
fn whole_at(core: &Core, seq: u64, root_text: &str) -> Result<Node, String> {
    let mut scopes = scope::Scopes {
        root: curly::read(root_text, ROOT).map_err(|e| format!("stored configuration: {e}"))?,
        ..Default::default()
    };
    for s in core.store.scopes().map_err(|e| e.to_string())? {
        let Scope::LogicalSystem(name) = &s else {
            continue;
        };
        match core.store.as_of(&s, seq).map_err(|e| e.to_string())? {
            AsOf::Version(v) => {
                if let Some(node) = ls_entry(name, &v.text).map_err(|e| e.to_string())? {
                    scopes.order.push(name.clone());
                    scopes.logical_systems.insert(name.clone(), node);
                }
            }
            AsOf::Absent => {}
            AsOf::Unknown => {
                return Err(format!(
                    "the history of logical system {name} does not reach back to it"
                ))
            }
        }
    }
    Ok(scope::join(&scopes))
}

/// `tree` with scope `s` put back as it was just before commit `seq`.
pub fn restore_before(core: &Core, tree: &mut Node, s: &Scope, seq: u64) -> Result<(), String> {
    let before = seq.saturating_sub(1);
    let at = core.store.as_of(s, before).map_err(|e| e.to_string())?;
    let text = match at {
        AsOf::Version(v) => Some(v.text),
        AsOf::Absent => None,
        AsOf::Unknown => return Err(format!("the history of {s} does not reach back to it")),
    };
    match s {
        Scope::Root => {
            let root = match text {
                Some(t) => curly::read(&t, ROOT).map_err(|e| e.to_string())?,
                None => Node::root(),
            };
            scope::replace_root(tree, root);
        }
        Scope::LogicalSystem(ls) => {
            let entry = match text {
                Some(t) => ls_entry(ls, &t).map_err(|e| e.to_string())?,
                None => None,
            };
            replace_ls(tree, ls, entry);
        }
    }
    Ok(())
}
