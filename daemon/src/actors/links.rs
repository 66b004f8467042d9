//! The link dataplane as a subsystem: from the typed intent to the kernel's devices.
//!
//! ```text
//!  prepare: typed intent ─► table ids (datastore allocator; new instances get one now)
//!                       └─► desired devices (netlink::desired)
//!  apply:   converge(desired, owners) on the "lsys-netlink" thread (crate::dataplane)
//!             └─fail─► converge back to `applied` for the same owners, release new ids
//!  abort:   (a later stage failed, or a panic unwinds) converge back, release new ids
//!  commit:  applied := desired, release the ids no instance uses any more
//! ```
//! A commit plans only for the owners (logical systems) it changed, so one tenant's broken
//! circuit never fails another tenant's commit; reconcile at start is whole-kernel. Undo is a
//! convergence to the previous desired state rather than a replay of inverse steps: it
//! repairs whatever part of the plan ran, including a step that failed halfway.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use lsys_datastore::Datastore;
use lsys_grammar::typed::Intent;
use lsys_netlink::{desired, Desired, Link};

use super::{Subsystem, SubsystemError, Transaction};
use crate::dataplane::{Dataplane, DataplaneError};
use crate::running::Running;

/// A kernel change prepared for a commit.
struct Prepared {
    desired: Desired,
    /// Table ids allocated for this commit (released again if it fails).
    allocated: Vec<String>,
    /// Instance keys the new configuration uses.
    used: BTreeSet<String>,
    /// Whether apply sent anything that abort must undo.
    applied: bool,
    /// The owners whose devices this commit plans for.
    owners: BTreeSet<String>,
}

/// One owner's part of a desired state: its devices and the ports it configures.
fn part_of(d: &Desired, owner: &str) -> (Vec<Link>, Vec<(String, Option<u32>)>) {
    let mut links: Vec<Link> = d
        .links
        .iter()
        .filter(|l| l.owner() == Some(owner))
        .cloned()
        .collect();
    links.sort_by(|a, b| a.name.cmp(&b.name));
    let ports = d
        .ports
        .iter()
        .filter(|(_, p)| p.owners.contains(owner))
        .map(|(n, p)| (n.clone(), p.mtu))
        .collect();
    (links, ports)
}

/// The owners whose part differs between two desired states (the root, `""`, always: its
/// own statements changed).
fn changed_owners(old: &Desired, new: &Desired) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = [String::new()].into();
    for o in old.owners().union(&new.owners()) {
        if part_of(old, o) != part_of(new, o) {
            out.insert(o.clone());
        }
    }
    out
}

pub struct Links {
    dataplane: Box<dyn Dataplane>,
    store: Arc<Datastore>,
    /// The kernel state the running configuration asks for, as last programmed.
    applied: Desired,
    prepared: Option<Prepared>,
}

/// Table ids for the instances of an intent, allocating the missing ones.
struct Tables<'a> {
    store: &'a Datastore,
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
        match self.store.allocate_table(key) {
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

impl Links {
    pub fn new(dataplane: Box<dyn Dataplane>, store: Arc<Datastore>) -> Links {
        Links {
            dataplane,
            store,
            applied: Desired::default(),
            prepared: None,
        }
    }

    /// The kernel state `intent` asks for, with the table ids allocated now and the keys used.
    fn desired_of(&self, intent: &Intent) -> Result<Prepared, String> {
        let tables = Tables {
            store: &self.store,
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
        let result = desired(intent, &|key| tables.of(key));
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
        Ok(Prepared {
            desired: result.map_err(|e| e.to_string())?,
            allocated,
            used: tables.used.into_inner(),
            applied: false,
            owners: BTreeSet::new(),
        })
    }

    /// `p` is now the kernel state lsys aims at: release the table ids nothing uses any more.
    fn adopt(&mut self, p: Prepared) {
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

    fn release(&self, keys: &[String]) {
        for key in keys {
            if let Err(e) = self.store.release_table(key) {
                tracing::warn!(key, error = %e, "could not release a routing table id");
            }
        }
    }

    /// The error a user sees: a port that is missing is the operator's business, so a tenant
    /// hears only that one of its circuits is not available.
    fn user_error(tx: &Transaction, e: DataplaneError) -> SubsystemError {
        let message = match (&e.missing_port, tx.view.is_tenant()) {
            (Some(port), true) => {
                tracing::error!(port, logical_system = ?tx.view.logical_system(), "a circuit's port is missing");
                "a circuit of this logical system is not available (its port is missing; the operator has been told)".to_string()
            }
            _ => e.message,
        };
        SubsystemError {
            message: format!("kernel: {message}"),
        }
    }
}

impl Subsystem for Links {
    fn name(&self) -> &'static str {
        "links"
    }

    fn prepare(&mut self, tx: &Transaction) -> Result<(), SubsystemError> {
        let mut p = self.desired_of(&tx.new).map_err(|message| SubsystemError {
            message: format!("kernel: {message}"),
        })?;
        // A tenant's commit plans for its own devices; the root's, for every owner whose
        // devices or ports the change reaches (a login change reaches none: no kernel step
        // can fail it because of some tenant's broken circuit).
        p.owners = match &tx.owners {
            Some(o) => o.clone(),
            None => changed_owners(&self.applied, &p.desired),
        };
        self.prepared = Some(p);
        Ok(())
    }

    fn apply(&mut self, tx: &Transaction) -> Result<(), SubsystemError> {
        let Some(p) = self.prepared.as_mut() else {
            return Ok(());
        };
        p.applied = true;
        match self.dataplane.converge(&p.desired, Some(&p.owners)) {
            Ok(c) => {
                tracing::debug!(writes = c.writes, "commit programmed the kernel");
                Ok(())
            }
            Err(e) => {
                let wrote = e.writes > 0;
                let owners = p.owners.clone();
                let mut err = Self::user_error(tx, e);
                if !wrote {
                    // Nothing was written: nothing to undo.
                } else if let Err(u) = self.dataplane.converge(&self.applied, Some(&owners)) {
                    tracing::error!(error = %u, "undoing a failed kernel change failed");
                    err.message
                        .push_str("\nerror: undoing the partial kernel change failed too");
                }
                if let Some(p) = self.prepared.take() {
                    self.release(&p.allocated);
                }
                Err(err)
            }
        }
    }

    fn abort(&mut self, _tx: &Transaction) {
        let Some(p) = self.prepared.take() else {
            return;
        };
        if p.applied {
            if let Err(e) = self.dataplane.converge(&self.applied, Some(&p.owners)) {
                tracing::error!(error = %e, "putting the kernel back after a failed commit failed");
            }
        }
        self.release(&p.allocated);
    }

    fn commit(&mut self, _tx: &Transaction) {
        if let Some(p) = self.prepared.take() {
            self.adopt(p);
        }
    }

    fn restart(&mut self, running: &Running) {
        if let Some(p) = self.prepared.take() {
            self.release(&p.allocated);
        }
        match running.intent().and_then(|i| self.desired_of(&i)) {
            Ok(p) => self.applied = p.desired,
            Err(e) => tracing::error!(error = %e, "links: cannot compute the running state"),
        }
    }

    fn reconcile(&mut self, running: &Running) -> Result<String, SubsystemError> {
        let err = |message: String| SubsystemError { message };
        let intent = running.intent().map_err(err)?;
        let p = self.desired_of(&intent).map_err(err)?;
        let mut result = self.dataplane.converge(&p.desired, None);
        if let Err(e) = &result {
            // One scope's broken object (a port that is missing) must not keep every other
            // scope unprogrammed: converge each owner on its own, and report the failures.
            tracing::error!(error = %e, "whole-kernel reconcile failed; reconciling each scope on its own");
            let mut failed = Vec::new();
            let mut writes = 0;
            let mut round_trips = 0;
            for owner in p.desired.owners() {
                let one = [owner.clone()].into();
                match self.dataplane.converge(&p.desired, Some(&one)) {
                    Ok(c) => {
                        writes += c.writes;
                        round_trips += c.round_trips;
                    }
                    Err(e) => {
                        let who = if owner.is_empty() {
                            "the root"
                        } else {
                            owner.as_str()
                        };
                        tracing::error!(scope = who, error = %e, "reconcile failed for this scope");
                        failed.push(format!("{who}: {e}"));
                    }
                }
            }
            result = if failed.is_empty() {
                Ok(crate::dataplane::Converged {
                    writes,
                    round_trips,
                    steps: vec![],
                })
            } else {
                Err(DataplaneError::new(failed.join("; "), writes))
            };
        }
        // Whatever happened, this is the state lsys now aims at (the next commit converges
        // from the live kernel, not from this value, so a partial start is repaired then).
        self.adopt(p);
        let c = result.map_err(|e| err(e.message))?;
        Ok(format!(
            "kernel reconciled: writes={} round_trips={}",
            c.writes, c.round_trips
        ))
    }
}
