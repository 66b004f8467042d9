//! `commit confirmed`: across scopes.
//!
//! A confirmed commit marks every scope it wrote as pending until its deadline. While a scope
//! is pending, only the user who made that commit may commit in it — their next commit
//! confirms it (a `commit confirmed` again confirms it and arms a new deadline); anyone else's
//! commit that would write that scope is refused. Commits to other scopes go on as usual. At
//! the deadline each pending scope is put back as it was just before the unconfirmed commit,
//! which, since nobody else could change it meanwhile, never reverts anyone else's commit.
//! A rollback that cannot be rebuilt (its history is gone) is logged as an error and shown by
//! `show system commit`; the pending mark is dropped so it is not retried forever.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use lsys_datastore::{Client, CommitMeta, Scope};
use lsys_grammar::view::View;

use super::commit::{commit, CommitError};
use super::history::restore_before;
use super::merge::ScopeName;
use super::{Action, CommitRequest, Pipeline, Source};
use crate::core::{lock, Core};
use crate::gate::Principal;

/// A scope waiting for confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub scope: Scope,
    /// The unconfirmed commit.
    pub seq: u64,
    pub deadline: i64,
    pub user: String,
}

fn to_scope(s: &ScopeName) -> Scope {
    match s {
        Some(ls) => Scope::LogicalSystem(ls.clone()),
        None => Scope::Root,
    }
}

fn to_name(s: &Scope) -> ScopeName {
    match s {
        Scope::Root => None,
        Scope::LogicalSystem(ls) => Some(ls.clone()),
    }
}

fn pending_of(core: &Core, scope: &Scope) -> Result<Option<Pending>, String> {
    let Some((seq, deadline)) = core
        .store
        .pending_confirm(scope)
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let user = core
        .store
        .committed(scope)
        .map_err(|e| e.to_string())?
        .map(|v| v.meta.user)
        .unwrap_or_default();
    Ok(Some(Pending {
        scope: scope.clone(),
        seq,
        deadline,
        user,
    }))
}

/// Every pending confirmation.
pub fn pending(core: &Core) -> Result<Vec<Pending>, String> {
    let mut out = Vec::new();
    for s in core.store.scopes().map_err(|e| e.to_string())? {
        out.extend(pending_of(core, &s)?);
    }
    Ok(out)
}

/// Lets a commit through, or refuses it while another user's confirmation is pending in a
/// scope it writes. A commit by the same user confirms: every scope of that confirmed commit
/// is then written (and so cleared) by this one.
pub(super) fn admit(
    core: &Core,
    req: &CommitRequest,
    touched: &mut BTreeSet<ScopeName>,
) -> Result<(), CommitError> {
    let mut confirms = BTreeSet::new();
    for s in touched.iter() {
        let Some(p) = pending_of(core, &to_scope(s)).map_err(CommitError::Store)? else {
            continue;
        };
        if p.user != req.principal.user {
            let minutes = ((p.deadline - core.now()).max(0) + 59) / 60;
            return Err(CommitError::ConfirmPending {
                user: p.user,
                minutes,
            });
        }
        confirms.insert(p.seq);
    }
    if confirms.is_empty() || matches!(req.action, Action::Check) {
        return Ok(());
    }
    for p in pending(core).map_err(CommitError::Store)? {
        if confirms.contains(&p.seq) {
            touched.insert(to_name(&p.scope));
        }
    }
    Ok(())
}

/// Rolls back every pending confirmation whose deadline has passed.
pub(super) fn expire(core: &Core, p: &mut Pipeline) -> Vec<String> {
    let now = core.now();
    let due = match pending(core) {
        Ok(all) => all.into_iter().filter(|x| x.deadline <= now),
        Err(e) => {
            tracing::error!(error = %e, "cannot read pending confirmations");
            return vec![];
        }
    };
    let mut groups: BTreeMap<u64, Vec<Scope>> = BTreeMap::new();
    for x in due {
        groups.entry(x.seq).or_default().push(x.scope);
    }
    let mut done = Vec::new();
    for (seq, scopes) in groups {
        let names = scopes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        match roll_back(core, p, seq, &scopes, now) {
            Ok(()) => {
                tracing::info!(seq, scopes = %names, "commit was not confirmed; automatic rollback complete");
                done.push(format!(
                    "{names}: Commit was not confirmed; automatic rollback complete."
                ));
            }
            Err(e) => {
                tracing::error!(seq, scopes = %names, error = %e, "automatic rollback failed");
                let mut failures = lock(&core.rollback_failures);
                for s in &scopes {
                    failures.insert(
                        s.to_string(),
                        format!("automatic rollback of unconfirmed commit failed: {e}"),
                    );
                }
                done.push(format!("{names}: automatic rollback failed: {e}"));
            }
        }
        for s in &scopes {
            if let Err(e) = core.store.clear_pending_confirm(s) {
                tracing::error!(scope = %s, error = %e, "cannot clear a pending confirmation");
            }
        }
    }
    done
}

fn roll_back(
    core: &Core,
    p: &mut Pipeline,
    seq: u64,
    scopes: &[Scope],
    now: i64,
) -> Result<(), String> {
    let running = core.running.get();
    let mut tree = (*running.tree).clone();
    for s in scopes {
        restore_before(core, &mut tree, s, seq)?;
    }
    let principal = Principal::resolve(&running, 0, "root").map_err(|e| e.to_string())?;
    let req = CommitRequest {
        principal,
        view: View::operator(),
        source: Source::Private {
            tree: Arc::new(tree),
            base: running.tree.clone(),
        },
        action: Action::Commit(CommitMeta {
            user: "root".into(),
            time_unix: now,
            client: Client::Cli,
            comment: Some(format!(
                "automatic rollback: commit {seq} was not confirmed"
            )),
            confirmed_deadline_unix: None,
        }),
    };
    commit(core, p, req, true)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
