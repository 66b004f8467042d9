//! From a validated configuration to the kernel, inside the commit.
//!
//! ```text
//!  typed intent ─► table ids (datastore allocator; new instances get one now)
//!       │                 │
//!       └──► desired devices ─► converge ──ok──► persist ──ok──► applied := desired,
//!                                  │                 │           release unused table ids
//!                                  └─fail─┐          └─fail─┐
//!                                         ▼                 ▼
//!                          converge back to `applied`, release the ids allocated now,
//!                          the commit fails and nothing changed
//! ```
//! Undo is a convergence to the previous desired state rather than a replay of inverse steps:
//! it repairs whatever part of the plan ran, including a step that failed halfway.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use lsys_grammar::tree::Node;
use lsys_grammar::typed;
use lsys_netlink::{desired, Desired};

use crate::dataplane::Converged;
use crate::router::{CommitError, Router};

/// A kernel change made for a commit that is not persisted yet.
pub struct Programmed {
    desired: Desired,
    /// Table ids allocated for this commit (released again if it fails).
    allocated: Vec<String>,
    /// Instance keys the new configuration uses.
    used: BTreeSet<String>,
}

/// Table ids for the instances of an intent, allocating the missing ones.
struct Tables<'a> {
    router: &'a Router,
    known: RefCell<BTreeMap<String, u32>>,
    allocated: RefCell<Vec<String>>,
    used: RefCell<BTreeSet<String>>,
    error: RefCell<Option<String>>,
}

impl Tables<'_> {
    fn of(&self, key: &str) -> u32 {
        self.used.borrow_mut().insert(key.to_string());
        if let Some(t) = self.known.borrow().get(key) {
            return *t;
        }
        match self.router.store.allocate_table(key) {
            Ok(t) => {
                self.known.borrow_mut().insert(key.to_string(), t);
                self.allocated.borrow_mut().push(key.to_string());
                t
            }
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e.to_string());
                0
            }
        }
    }
}

impl Router {
    /// The kernel state `tree` asks for, with the table ids allocated now and the keys used.
    fn desired_of(&self, tree: &Node) -> Result<Programmed, String> {
        let intent = typed::intent(tree).map_err(|e| e.to_string())?;
        let tables = Tables {
            router: self,
            known: RefCell::new(
                self.store
                    .table_allocations()
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .collect(),
            ),
            allocated: RefCell::default(),
            used: RefCell::default(),
            error: RefCell::default(),
        };
        let result = desired(&intent, &|key| tables.of(key));
        let allocated = tables.allocated.into_inner();
        let failure = tables
            .error
            .into_inner()
            .map(|e| format!("routing table allocation: {e}"))
            .or_else(|| result.as_ref().err().map(ToString::to_string));
        if let Some(e) = failure {
            self.release(&allocated);
            return Err(e);
        }
        Ok(Programmed {
            desired: result.expect("checked above"),
            allocated,
            used: tables.used.into_inner(),
        })
    }

    fn release(&self, keys: &[String]) {
        for key in keys {
            if let Err(e) = self.store.release_table(key) {
                tracing::warn!(key, error = %e, "could not release a routing table id");
            }
        }
    }

    /// Programs the kernel for `tree` (validated). On failure the kernel is back where it was.
    pub(crate) fn program(&self, tree: &Node) -> Result<Option<Programmed>, CommitError> {
        let Some(dp) = &self.dataplane else {
            return Ok(None);
        };
        let p = self.desired_of(tree).map_err(CommitError::Kernel)?;
        match dp.converge(&p.desired) {
            Ok(c) => {
                tracing::debug!(writes = c.writes, "commit programmed the kernel");
                Ok(Some(p))
            }
            Err(e) => {
                let mut message = e.message;
                if e.writes > 0 {
                    if let Err(u) = dp.converge(&self.applied) {
                        tracing::error!(error = %u, "undoing a failed kernel change failed");
                        message.push_str(&format!(
                            "\nerror: undoing the partial kernel change failed too: {u}"
                        ));
                    }
                }
                self.release(&p.allocated);
                Err(CommitError::Kernel(message))
            }
        }
    }

    /// The commit was persisted: its kernel state is now the applied one.
    pub(crate) fn programmed(&mut self, p: Option<Programmed>) {
        let Some(p) = p else { return };
        let unused: Vec<String> = self
            .store
            .table_allocations()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| !p.used.contains(k))
            .collect();
        self.release(&unused);
        self.applied = p.desired;
    }

    /// The commit could not be persisted: put the kernel back.
    pub(crate) fn unprogram(&self, p: Option<Programmed>) {
        let Some(p) = p else { return };
        if let Some(dp) = &self.dataplane {
            if let Err(e) = dp.converge(&self.applied) {
                tracing::error!(error = %e, "putting the kernel back after a failed commit failed");
            }
        }
        self.release(&p.allocated);
    }

    /// Daemon start: brings the kernel to the committed configuration. Returns what it did.
    pub fn reconcile(&mut self) -> Result<Converged, String> {
        let Some(dp) = &self.dataplane else {
            return Ok(Converged::default());
        };
        let p = self.desired_of(&self.running)?;
        let result = dp.converge(&p.desired).map_err(|e| e.message);
        // Whatever happened, this is the state lsys now aims at (the next commit converges
        // from the live kernel, not from this value, so a partial start is repaired then).
        self.programmed(Some(p));
        result
    }
}
