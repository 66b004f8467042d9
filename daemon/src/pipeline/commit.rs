//! The stages of one commit (see the module doc of `crate::pipeline` for the picture).

use std::collections::BTreeSet;
use std::sync::Arc;

use lsys_datastore::Scope;
use lsys_grammar::groups;
use lsys_grammar::schema::Schema;
use lsys_grammar::scope::ls_text;
use lsys_grammar::text::print;
use lsys_grammar::tree::Node;
use lsys_grammar::typed::{self, Intent};
use lsys_grammar::validate::{validate, validate_scope};
use lsys_grammar::view::{ls_path, View};

use super::faults::Stage;
use super::merge::{copy_scope, merge, scope_of, ScopeName};
use super::{confirm, diff, Action, CommitRequest, Pipeline, Source};
use crate::actors::{Subsystem, SubsystemError, Transaction};
use crate::core::{lock, Core, SharedCandidate};
use crate::gate::{Denied, Principal};
use crate::running::Running;

/// Why a commit did not happen; in every case nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitError {
    /// Validation errors, already in the Junos layout.
    #[error("{0}")]
    Check(String),
    /// Someone committed over a scope this candidate changed since it was taken.
    #[error("error: configuration database modified")]
    Modified,
    #[error("error: {0}")]
    Denied(#[from] Denied),
    #[error("error: configuration database locked: a commit confirmed by {user} is pending (it rolls back in {minutes} minutes unless {user} confirms it)")]
    ConfirmPending { user: String, minutes: i64 },
    #[error("error: commit failed: {0}")]
    Store(String),
    #[error("{}\nerror: configuration check-out failed", .0.layout())]
    Subsystem(#[from] SubsystemError),
    #[error("error: commit failed at {stage}: {message}\nerror: configuration check-out failed")]
    Injected { stage: Stage, message: String },
    #[error("error: running configuration: {0}")]
    Intent(String),
    #[error("error: {0}")]
    Rollback(String),
    #[error("error: too many commits are waiting; try again")]
    Busy,
    #[error("error: internal error during the commit; nothing was changed (logged by lsysd)")]
    Panicked,
    #[error("error: the commit pipeline is not running")]
    Gone,
}

/// A commit that happened (`seq` 0: `commit check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub seq: u64,
}

/// Aborts every prepared subsystem unless disarmed — on an error return and while unwinding
/// from a panic alike.
struct Undo<'a> {
    subsystems: &'a mut Vec<Box<dyn Subsystem>>,
    tx: &'a Transaction,
    prepared: usize,
    armed: bool,
}

impl Drop for Undo<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        for s in self.subsystems[..self.prepared].iter_mut().rev() {
            let tx = self.tx;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.abort(tx)));
            if r.is_err() {
                tracing::error!(subsystem = s.name(), "abort panicked");
            }
        }
    }
}

pub(super) fn commit(
    core: &Core,
    p: &mut Pipeline,
    req: CommitRequest,
    internal: bool,
) -> Result<Committed, CommitError> {
    let span = tracing::info_span!("commit", user = %req.principal.user, logical_system = req.view.logical_system().unwrap_or("-"));
    let _e = span.enter();
    let real = matches!(req.action, Action::Commit(_));
    let faults = p.faults.clone();
    let hook = |stage: Stage| -> Result<(), CommitError> {
        if !real {
            return Ok(());
        }
        faults
            .at(stage)
            .map_err(|message| CommitError::Injected { stage, message })
    };
    let running = core.running.get();
    let (cand, base) = match &req.source {
        Source::Shared => {
            let s = lock(&core.shared);
            (s.tree.clone(), s.base.clone())
        }
        Source::Private { tree, base } => (tree.clone(), base.clone()),
    };

    // Validate: merge the user's changes, ask the gate, check pending confirmations, check.
    hook(Stage::Validate)?;
    let mut merged =
        merge(&running.tree, &cand, &base, &req.view).map_err(|_| CommitError::Modified)?;
    authorize(&req.principal, &running.tree, &merged.tree, &merged.changed)?;
    // What groups change is authorized where it lands: a group that sets `system login`
    // needs the same permission as `system login` itself. Only a change at the root can
    // change a group or where one applies (a tenant's own entries inherit below themselves,
    // in the hierarchy it was just allowed to change).
    let affected = affected(&running.tree, &merged.tree, &merged.changed);
    let root_changed = merged.changed.contains(&None);
    if root_changed && (groups::has_groups(&running.tree) || groups::has_groups(&merged.tree)) {
        let (old, new) = (groups::expand(&running.tree), groups::expand(&merged.tree));
        authorize(&req.principal, &old, &new, &affected)?;
    }
    if !internal {
        confirm::admit(core, &req, &mut merged.touched)?;
    }
    check(&merged.tree, &req.view)?;
    let Action::Commit(meta) = req.action else {
        return Ok(Committed { seq: 0 });
    };

    // Diff: the typed change set of the scopes this commit changes (only those are typed: a
    // tenant's commit costs its own logical system, not the router's 1,000).
    let tree = Arc::new(merged.tree);
    let old = partial(&running.tree, &affected)?;
    let change = diff(&old, &partial(&tree, &affected)?, &affected);
    // The subsystems realize the whole configuration: its typed view, made once here and
    // handed on to the next snapshot's readers.
    let new = if p.subsystems.is_empty() {
        None
    } else {
        Some(Arc::new(
            typed::intent(&tree).map_err(|e| CommitError::Intent(e.to_string()))?,
        ))
    };
    // A change to the root's own statements (ports, say) may touch every scope's devices.
    let owners = (!merged.changed.contains(&None)).then(|| change.owners());
    let tx = Transaction {
        view: req.view.clone(),
        new: new.clone().unwrap_or_default(),
        change,
        owners,
    };

    // Prepare and apply, kernel links first (the subsystems are in that order).
    hook(Stage::Prepare)?;
    let mut undo = Undo {
        subsystems: &mut p.subsystems,
        tx: &tx,
        prepared: 0,
        armed: true,
    };
    for i in 0..undo.subsystems.len() {
        undo.prepared = i + 1;
        undo.subsystems[i].prepare(&tx)?;
    }
    hook(Stage::Apply)?;
    for i in 0..undo.subsystems.len() {
        undo.subsystems[i].apply(&tx)?;
    }

    // Publish, the part that can fail: build the snapshot readers will get.
    hook(Stage::Publish)?;
    let seq = core
        .store
        .last_seq()
        .map_err(|e| CommitError::Store(e.to_string()))?
        + 1;
    let next = Arc::new(Running::new(tree.clone(), seq, new));

    // Persist: one transaction, durable when it returns.
    hook(Stage::Persist)?;
    let texts = texts(&tree, &merged.touched);
    let written = core
        .store
        .commit(&texts, meta)
        .map_err(|e| CommitError::Store(e.to_string()))?;
    if written != seq {
        tracing::warn!(expected = seq, written, "commit sequence number differs");
    }

    // Swap: pointer stores that cannot fail.
    undo.armed = false;
    let previous = core.running.set(next);
    let fast = Shared {
        old_running: &running.tree,
        whole: req.view.logical_system().is_none(),
    };
    update_shared(core, &req.source, fast, cand, base, &tree, &merged.touched);
    for s in undo.subsystems.iter_mut() {
        s.commit(&tx);
    }
    // Freeing a 1,000-logical-system tree takes milliseconds: not on the commit's path.
    let spawned = std::thread::Builder::new()
        .name("lsys-free".into())
        .spawn(move || drop((previous, running)));
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start a thread to free the old configuration");
    }
    tracing::info!(
        seq = written,
        scopes = merged.touched.len(),
        "commit complete"
    );
    Ok(Committed { seq: written })
}

/// The scopes whose expanded configuration may differ between `old` and `new`: those that
/// changed, and every logical system when the root changed what groups lend them.
fn affected(old: &Node, new: &Node, changed: &BTreeSet<ScopeName>) -> BTreeSet<ScopeName> {
    let mut out = changed.clone();
    if changed.contains(&None) && groups::lent_differs(old, new) {
        for tree in [old, new] {
            let names = tree
                .get("logical-systems")
                .into_iter()
                .flat_map(|c| c.children.iter())
                .filter_map(|e| e.key.clone());
            out.extend(names.map(Some));
        }
    }
    out
}

/// The typed view of the given scopes of `tree` alone, configuration groups applied.
fn partial(tree: &Node, scopes: &BTreeSet<ScopeName>) -> Result<Intent, CommitError> {
    let err = |e: typed::TypedError| CommitError::Intent(e.to_string());
    let mut out = if scopes.contains(&None) {
        typed::intent(&lsys_grammar::scope::split_root(tree)).map_err(err)?
    } else {
        Intent::default()
    };
    for ls in scopes.iter().flatten() {
        if let Some(entry) = groups::expand_at(tree, &ls_path(ls)) {
            out.logical_systems
                .insert(ls.clone(), typed::scope(&entry).map_err(err)?);
        }
    }
    Ok(out)
}

/// Validation of the view's part (a tenant's errors relative to its logical system).
fn check(tree: &Node, view: &View) -> Result<(), CommitError> {
    let r = match view.logical_system() {
        Some(ls) => validate_scope(tree, Some(ls)),
        None => validate(tree),
    };
    r.map_err(|e| {
        let e = if view.is_tenant() {
            e.for_tenant(&view.base_words())
        } else {
            e
        };
        CommitError::Check(e.to_string())
    })
}

/// The gate, asked for every hierarchy the commit changes (two levels deep: enough for the
/// control flags, `system login` included).
fn authorize(
    p: &Principal,
    old: &Node,
    new: &Node,
    changed: &BTreeSet<ScopeName>,
) -> Result<(), Denied> {
    let schema = Schema::get();
    let word = |n: &Node| -> String {
        let w = &schema.node(n.schema).word;
        match &n.key {
            Some(k) if w.starts_with('<') || w.is_empty() => k.clone(),
            _ => w.clone(),
        }
    };
    for s in changed {
        let prefix: Vec<String> = match s {
            Some(ls) => vec!["logical-systems".into(), ls.clone()],
            None => vec![],
        };
        let (a, b) = (scope_of(old, s), scope_of(new, s));
        let empty = Node::default();
        let (a, b) = (a.as_ref().unwrap_or(&empty), b.as_ref().unwrap_or(&empty));
        let mut paths: BTreeSet<Vec<String>> = BTreeSet::new();
        for (x, y) in [(a, b), (b, a)] {
            for c in &x.children {
                let other = y.child(c.schema, c.key.as_deref());
                if other == Some(c) {
                    continue;
                }
                let mut path = prefix.clone();
                path.push(word(c));
                let below = other.map_or(&empty, |o| o);
                let second = c
                    .children
                    .iter()
                    .find(|g| below.child(g.schema, g.key.as_deref()) != Some(*g))
                    .or_else(|| {
                        below
                            .children
                            .iter()
                            .find(|g| c.child(g.schema, g.key.as_deref()).is_none())
                    });
                if let Some(g) = second {
                    path.push(word(g));
                }
                paths.insert(path);
            }
        }
        if paths.is_empty() {
            paths.insert(prefix);
        }
        for path in paths {
            p.may_change(&path)?;
        }
    }
    Ok(())
}

/// The datastore texts of the scopes a commit writes.
fn texts(tree: &Node, touched: &BTreeSet<ScopeName>) -> Vec<(Scope, String)> {
    touched
        .iter()
        .map(|s| match s {
            None => (
                Scope::Root,
                print::curly(&lsys_grammar::scope::split_root(tree)),
            ),
            Some(ls) => (
                Scope::LogicalSystem(ls.clone()),
                scope_of(tree, s).map(|n| ls_text(&n)).unwrap_or_default(),
            ),
        })
        .collect()
}

/// What lets [`update_shared`] take its fast path.
struct Shared<'a> {
    /// The running tree the commit started from.
    old_running: &'a Arc<Node>,
    /// The commit was the operator's, of the whole configuration.
    whole: bool,
}

/// After a commit: the shared candidate follows the new running configuration in every scope
/// where it had no changes of its own (or where its changes were what was committed); a scope
/// with uncommitted shared changes keeps them, and its base stays behind, so committing them
/// later is refused instead of reverting this commit.
fn update_shared(
    core: &Core,
    source: &Source,
    fast: Shared<'_>,
    committed_tree: Arc<Node>,
    base: Arc<Node>,
    running: &Arc<Node>,
    touched: &BTreeSet<ScopeName>,
) {
    let new: &Node = running;
    {
        // The common cases cost nothing: a shared candidate without changes of its own, or
        // the operator's whole shared candidate committed as it was, simply is the new
        // running configuration.
        let mut shared = lock(&core.shared);
        let untouched = Arc::ptr_eq(&shared.tree, fast.old_running)
            && Arc::ptr_eq(&shared.base, fast.old_running);
        let all_committed = matches!(source, Source::Shared)
            && fast.whole
            && Arc::ptr_eq(&shared.tree, &committed_tree)
            && Arc::ptr_eq(&shared.base, &base);
        if untouched || all_committed {
            shared.tree = running.clone();
            shared.base = running.clone();
            return;
        }
    }
    // Only the touched scopes of what was committed are needed; letting go of the whole trees
    // before taking the lock lets the shared candidate be changed in place (no deep copy of a
    // 1,000-logical-system tree under the lock readers take).
    let committed: Vec<(ScopeName, Option<Node>)> = touched
        .iter()
        .map(|s| (s.clone(), scope_of(&committed_tree, s)))
        .collect();
    drop(committed_tree);
    drop(base);
    let from_shared = matches!(source, Source::Shared);
    // The new shared candidate is built outside the lock (readers hold snapshots of it, so
    // changing it means copying it) and swapped in if nobody edited it meanwhile; otherwise
    // the edit is redone under the lock.
    let apply = |shared: &mut SharedCandidate| {
        for (s, committed) in &committed {
            let mine = scope_of(&shared.tree, s);
            if from_shared {
                // What was committed is the base now; edits made to the shared candidate
                // while the commit ran stay in it as uncommitted changes.
                if mine == *committed {
                    copy_scope(Arc::make_mut(&mut shared.tree), new, s);
                }
                copy_scope(Arc::make_mut(&mut shared.base), new, s);
            } else if mine == scope_of(&shared.base, s) {
                copy_scope(Arc::make_mut(&mut shared.tree), new, s);
                copy_scope(Arc::make_mut(&mut shared.base), new, s);
            }
        }
    };
    let before = lock(&core.shared).clone();
    let mut next = before.clone();
    apply(&mut next);
    // A candidate equal to the running configuration shares its tree rather than keeping a
    // copy of its own (at 1,000 logical systems, a copy is ~100 MB).
    for t in [&mut next.tree, &mut next.base] {
        if !Arc::ptr_eq(t, running) && **t == **running {
            *t = running.clone();
        }
    }
    let mut shared = lock(&core.shared);
    if Arc::ptr_eq(&shared.tree, &before.tree) && Arc::ptr_eq(&shared.base, &before.base) {
        *shared = next;
    } else {
        apply(&mut shared);
    }
}
