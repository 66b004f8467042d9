//! Static routes (and the tables they live in) as a subsystem: from the typed intent to the
//! RIB actor.
//!
//! ```text
//!  prepare: typed intent + kernel table ids (allocated by the links subsystem's prepare,
//!           which runs first) ─► a TableConfig per table ─► changes against `applied`
//!  apply:   RibHandle::configure(changes)      (the RIB takes them; kernel writes follow)
//!  abort:   RibHandle::configure(the inverse)  (only if apply sent them)
//!  commit:  applied := new
//! ```
//! A kernel refusal of one route is not a commit failure: the route stays in the RIB, marked
//! refused, and `show route` says so (as a router whose FIB is full keeps its configuration).

use std::collections::BTreeMap;
use std::sync::Arc;

use lsys_datastore::Datastore;
use lsys_fib::{TableConfig, TableKey};

use super::{Subsystem, SubsystemError, Transaction};
use crate::routing::config::{diff, tables};
use crate::routing::RibHandle;
use crate::running::Running;

type Tables = BTreeMap<TableKey, TableConfig>;

struct Prepared {
    new: Tables,
    changes: Vec<(TableKey, Option<TableConfig>)>,
    sent: bool,
}

pub struct Routing {
    rib: RibHandle,
    store: Arc<Datastore>,
    /// What the RIB was last given for the running configuration.
    applied: Tables,
    prepared: Option<Prepared>,
}

impl Routing {
    pub fn new(rib: RibHandle, store: Arc<Datastore>) -> Routing {
        Routing {
            rib,
            store,
            applied: Tables::new(),
            prepared: None,
        }
    }

    fn tables_of(&self, intent: &lsys_grammar::typed::Intent) -> Result<Tables, SubsystemError> {
        let allocated: BTreeMap<String, u32> = self
            .store
            .table_allocations()
            .map_err(|e| internal(format!("reading table allocations: {e}")))?
            .into_iter()
            .collect();
        Ok(tables(intent, &allocated))
    }

    /// Gives the RIB exactly `want` (after a restart of the subsystem, or at start).
    fn replace(&mut self, want: Tables) -> Result<(), SubsystemError> {
        let changes = diff(&self.applied, &want);
        self.rib
            .configure(changes)
            .map_err(|e| internal(e.to_string()))?;
        self.applied = want;
        Ok(())
    }
}

fn internal(message: String) -> SubsystemError {
    tracing::error!(%message, "routing subsystem");
    SubsystemError {
        message: "internal error in the routing process (logged by lsysd)".into(),
    }
}

impl Subsystem for Routing {
    fn name(&self) -> &'static str {
        "routing"
    }

    fn prepare(&mut self, tx: &Transaction) -> Result<(), SubsystemError> {
        let new = self.tables_of(&tx.new)?;
        let changes = diff(&self.applied, &new);
        self.prepared = Some(Prepared {
            new,
            changes,
            sent: false,
        });
        Ok(())
    }

    fn apply(&mut self, _tx: &Transaction) -> Result<(), SubsystemError> {
        let Some(p) = &mut self.prepared else {
            return Ok(());
        };
        self.rib
            .configure(p.changes.clone())
            .map_err(|e| internal(e.to_string()))?;
        p.sent = true;
        Ok(())
    }

    fn abort(&mut self, _tx: &Transaction) {
        let Some(p) = self.prepared.take() else {
            return;
        };
        if p.sent {
            let back = diff(&p.new, &self.applied);
            if let Err(e) = self.rib.configure(back) {
                tracing::error!(error = %e, "cannot undo a routing change");
            }
        }
    }

    fn commit(&mut self, _tx: &Transaction) {
        if let Some(p) = self.prepared.take() {
            self.applied = p.new;
        }
    }

    fn restart(&mut self, running: &Running) {
        self.prepared = None;
        let want = running
            .intent()
            .map_err(internal)
            .and_then(|i| self.tables_of(&i));
        match want {
            Ok(w) => {
                if let Err(e) = self.replace(w) {
                    tracing::error!(error = %e, "routing subsystem restart");
                }
            }
            Err(e) => tracing::error!(error = %e, "routing subsystem restart"),
        }
    }

    fn reconcile(&mut self, running: &Running) -> Result<String, SubsystemError> {
        let want = self.tables_of(&*running.intent().map_err(internal)?)?;
        self.replace(want)?;
        self.rib.reconcile().map_err(internal)
    }
}
