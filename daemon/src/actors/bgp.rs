//! BGP as a subsystem: from the typed intent to one speaker per instance.
//!
//! ```text
//!  prepare: typed intent + kernel table ids (the links subsystem's prepare runs first)
//!           ─► bgp::plan (AS, router id, neighbors, policies compiled) — or the refusal
//!  apply:   BgpHandle::set(new)     (new speakers start; changed ones reset only what changed)
//!  abort:   BgpHandle::set(applied) (only if apply ran)
//!  commit:  applied := new
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use lsys_datastore::Datastore;

use super::{Subsystem, SubsystemError, Transaction};
use crate::bgp::{plan, BgpHandle, Planned};
use crate::running::Running;

type Plan = BTreeMap<String, Planned>;

pub struct Bgp {
    handle: BgpHandle,
    store: Arc<Datastore>,
    port: u16,
    applied: Plan,
    prepared: Option<(Plan, bool)>,
}

impl Bgp {
    pub fn new(handle: BgpHandle, store: Arc<Datastore>, port: u16) -> Bgp {
        Bgp {
            handle,
            store,
            port,
            applied: Plan::new(),
            prepared: None,
        }
    }

    fn plan_of(&self, intent: &lsys_grammar::typed::Intent) -> Result<Plan, SubsystemError> {
        let allocated: BTreeMap<String, u32> = self
            .store
            .table_allocations()
            .map_err(|e| SubsystemError {
                message: format!("internal error reading table allocations: {e}"),
            })?
            .into_iter()
            .collect();
        plan(intent, &allocated, self.port).map_err(|message| SubsystemError { message })
    }
}

impl Subsystem for Bgp {
    fn name(&self) -> &'static str {
        "bgp"
    }

    fn prepare(&mut self, tx: &Transaction) -> Result<(), SubsystemError> {
        let new = self.plan_of(&tx.new)?;
        self.prepared = Some((new, false));
        Ok(())
    }

    fn apply(&mut self, _tx: &Transaction) -> Result<(), SubsystemError> {
        if let Some((new, sent)) = &mut self.prepared {
            self.handle.set(new);
            *sent = true;
        }
        Ok(())
    }

    fn abort(&mut self, _tx: &Transaction) {
        if let Some((_, true)) = self.prepared.take() {
            self.handle.set(&self.applied);
        }
    }

    fn commit(&mut self, _tx: &Transaction) {
        if let Some((new, _)) = self.prepared.take() {
            self.applied = new;
        }
    }

    fn restart(&mut self, running: &Running) {
        self.prepared = None;
        match running
            .intent()
            .map_err(|message| SubsystemError { message })
            .and_then(|i| self.plan_of(&i))
        {
            Ok(p) => {
                self.handle.set(&p);
                self.applied = p;
            }
            Err(e) => tracing::error!(error = %e, "bgp subsystem restart"),
        }
    }

    fn reconcile(&mut self, running: &Running) -> Result<String, SubsystemError> {
        let want = self.plan_of(
            &*running
                .intent()
                .map_err(|message| SubsystemError { message })?,
        )?;
        self.handle.set(&want);
        let n = want.len();
        self.applied = want;
        Ok(format!("bgp: {n} speakers"))
    }
}
