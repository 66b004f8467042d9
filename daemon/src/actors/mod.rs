//! Subsystems: the parts of lsysd that realize the configuration (the link dataplane now; the
//! RIB/FIB and a BGP speaker per instance next).
//!
//! ```text
//!  pipeline thread ── Subsystem::prepare/apply/abort/commit ──► driver (this module)
//!                                                                  │ channel, one job at a time
//!                                                                  ▼
//!                                          actor thread/task owning the state and the socket
//!                                          (links: "lsys-netlink", a netlink socket + runtime)
//!  kernel events ──► live state (show) + broadcast (KernelEvents) ──► RIB (next)
//! ```
//! A subsystem is driven by the commit pipeline through [`Subsystem`]: `prepare` says what it
//! will do or why it cannot (nothing irreversible), `apply` does it (and leaves things as they
//! were if it fails), `abort` undoes an applied change when a later stage fails (also called
//! while unwinding from a panic), `commit` makes the change its new baseline once the datastore
//! holds it. `restart` rebuilds its state from the running intent after a panic.
//!
//! Where the next subsystems plug in: the RIB/FIB actor implements [`Subsystem`] (its prepare
//! takes the static-route objects of the [`ChangeSet`]) and subscribes to [`KernelEvents`] for
//! link and address changes; each BGP speaker is an actor per routing instance, fed the BGP
//! objects of the change set, with its routes going to the RIB over a bounded channel.

pub mod accounts;
pub mod bgp;
pub mod links;
pub mod routing;

use std::sync::Arc;

use lsys_grammar::typed::Intent;
use lsys_grammar::view::View;

use crate::pipeline::ChangeSet;
use crate::running::Running;

/// One commit as the subsystems see it.
pub struct Transaction {
    pub view: View,
    /// The typed view of the whole new configuration.
    pub new: Arc<Intent>,
    pub change: ChangeSet,
    /// Owners (`""`: root, else a logical system) whose kernel objects this commit may touch;
    /// `None`: the whole kernel (the root's own statements changed).
    pub owners: Option<std::collections::BTreeSet<String>>,
}

/// A subsystem's refusal, in words the committing user may see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SubsystemError {
    pub message: String,
}

impl SubsystemError {
    /// As the user sees it: a refusal in the Junos layout (`[edit PATH]` / `  'STATEMENT'` /
    /// `    MESSAGE`, as the accounts subsystem gives) stands as it is; any other message is an
    /// `error:` line.
    pub fn layout(&self) -> String {
        if self.message.starts_with("[edit") {
            self.message.clone()
        } else {
            format!("error: {}", self.message)
        }
    }
}

pub trait Subsystem: Send {
    fn name(&self) -> &'static str;
    fn prepare(&mut self, tx: &Transaction) -> Result<(), SubsystemError>;
    fn apply(&mut self, tx: &Transaction) -> Result<(), SubsystemError>;
    fn abort(&mut self, tx: &Transaction);
    fn commit(&mut self, tx: &Transaction);
    /// Rebuilds the subsystem's own state from the running configuration (after a panic).
    fn restart(&mut self, running: &Running);
    /// Brings the world (the kernel) to the running configuration; says what it did.
    fn reconcile(&mut self, running: &Running) -> Result<String, SubsystemError>;
}

/// Kernel link/address events for subscribers (the RIB follows them): published by the live
/// watcher once the live state has applied each change. Bounded: a subscriber that falls
/// behind gets `Lagged` and must resynchronise from the live state.
pub type KernelEvents = tokio::sync::broadcast::Sender<lsys_netlink::live::LiveEvent>;
