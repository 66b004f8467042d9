//! Routing: the RIB/FIB actor that owns lsys-fib's [`Rib`] and writes its changes to the
//! kernel, and the handle the rest of lsysd talks to it through.
//!
//! ```text
//!  pipeline (routing subsystem) ── configure(changes) ──┐
//!  show route ───────────────────── query(f) ───────────┤ bounded channel
//!  kernel link/address events ── (flag) + wake ─────────┤
//!  kernel route deletions (210/211) ── deleted ─────────┤
//!                                                       ▼
//!   "lsys-rib" thread: Rib ── process() ──► FIB ops ──► Fib (batched netlink, 4,096 per slice)
//!                           ◄── fib_result() ──────────────┘
//! ```
//! The thread answers messages between slices of work, so a `show route` waits for at most one
//! slice of kernel writes, never for a whole table. Link and address events are coalesced into
//! one flag: the next slice recomputes every table's interfaces from the live link state (the
//! RIB diffs them and re-selects only what changed). Nothing is written to the kernel before
//! [`RibHandle::reconcile`] (at start, after the links are in place): it reads the routes lsys
//! owns in every table and lets the RIB send only the difference — zero writes on a kernel
//! that already matches, and foreign routes are never read as lsys's.

mod actor;
pub mod config;
pub mod connected;
pub mod fib;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use ipnet::IpNet;
use lsys_fib::rib::Rib;
use lsys_fib::{Protocol, TableConfig, TableKey};
use lsys_netlink::live::SharedLive;

pub use actor::Status;

/// A query run on the RIB.
type Job = dyn FnOnce(&Rib, &Status) + Send;

/// Messages the actor takes.
enum Msg {
    Configure(Vec<(TableKey, Option<TableConfig>)>, mpsc::SyncSender<()>),
    Query(Box<Job>),
    Deleted {
        table: u32,
        prefix: IpNet,
        protocol: Protocol,
    },
    Reconcile(mpsc::SyncSender<Result<String, String>>),
    /// Look at the flags.
    Wake,
}

/// Reads the kernel's links and addresses as of now.
pub type FreshLinks = dyn Fn() -> Result<lsys_netlink::live::LiveState, String> + Send;

/// [`FreshLinks`] from the kernel: a dump on a netlink connection of its own.
pub fn kernel_links() -> Result<lsys_netlink::live::LiveState, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(lsys_netlink::live::dump_now())
        .map_err(|e| format!("reading the kernel's links: {e}"))
}

/// Bound of the actor's channel.
const QUEUE: usize = 1024;

/// Work that is coalesced rather than queued.
#[derive(Default)]
struct Flags {
    /// Links or addresses changed: recompute the tables' interfaces.
    links: AtomicBool,
    /// Route events were lost: compare every table with the kernel again.
    resync: AtomicBool,
}

/// Talks to the RIB actor; cheap to clone.
#[derive(Clone)]
pub struct RibHandle {
    tx: mpsc::SyncSender<Msg>,
    flags: Arc<Flags>,
}

/// The RIB actor is gone (it only ends when lsysd does).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the routing process is not running")]
pub struct Gone;

impl RibHandle {
    /// Starts the actor thread. `live` is the link state the kernel watcher keeps, `fresh`
    /// reads the kernel's links as of now (for the reconcile at start:
    /// [`kernel_links`] in lsysd), `events` the runtime and broadcast of the kernel watcher
    /// (`None` in tests, which raise [`RibHandle::links_changed`] themselves).
    pub fn start(
        fib: Box<dyn fib::Fib>,
        live: SharedLive,
        fresh: Box<FreshLinks>,
        events: Option<(&tokio::runtime::Handle, &crate::actors::KernelEvents)>,
    ) -> anyhow::Result<RibHandle> {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let flags = Arc::new(Flags::default());
        let handle = RibHandle { tx, flags };
        actor::spawn(rx, handle.flags.clone(), fib, live, fresh)?;
        if let Some((runtime, events)) = events {
            handle.watch(runtime, events);
        }
        Ok(handle)
    }

    /// Sets a flag and wakes the actor (a full queue means it is awake anyway).
    fn raise(&self, flag: &AtomicBool) {
        flag.store(true, Ordering::SeqCst);
        let _ = self.tx.try_send(Msg::Wake);
    }

    /// Links or addresses changed: the RIB recomputes the tables' interfaces.
    pub fn links_changed(&self) {
        self.raise(&self.flags.links);
    }

    /// Forwards kernel link/address events and route deletions to the actor.
    fn watch(&self, runtime: &tokio::runtime::Handle, events: &crate::actors::KernelEvents) {
        let mut rx = events.subscribe();
        let me = self.clone();
        runtime.spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match rx.recv().await {
                    Ok(_) | Err(RecvError::Lagged(_)) => me.raise(&me.flags.links),
                    Err(RecvError::Closed) => return,
                }
            }
        });
        let me = self.clone();
        runtime.spawn(async move {
            use lsys_netlink::batch::{PROTO_BGP, PROTO_STATIC};
            use lsys_netlink::live::RouteEvent;
            let watched =
                lsys_netlink::live::watch_route_deletions(vec![PROTO_STATIC, PROTO_BGP], |e| {
                    match e {
                        RouteEvent::Deleted {
                            table,
                            prefix,
                            protocol,
                        } => {
                            let protocol = if protocol == PROTO_BGP {
                                Protocol::Bgp
                            } else {
                                Protocol::Static
                            };
                            let msg = Msg::Deleted {
                                table,
                                prefix,
                                protocol,
                            };
                            if me.tx.try_send(msg).is_err() {
                                me.raise(&me.flags.resync);
                            }
                        }
                        RouteEvent::Overrun => me.raise(&me.flags.resync),
                    }
                    true
                })
                .await;
            if let Err(e) = watched {
                tracing::error!(error = %e, "kernel route events stopped");
            }
        });
    }

    /// Hands table changes to the RIB (`None` removes a table); returns once the RIB has
    /// taken them (the kernel writes follow).
    pub fn configure(&self, changes: Vec<(TableKey, Option<TableConfig>)>) -> Result<(), Gone> {
        if changes.is_empty() {
            return Ok(());
        }
        let (tx, rx) = mpsc::sync_channel(1);
        self.tx
            .send(Msg::Configure(changes, tx))
            .map_err(|_| Gone)?;
        rx.recv().map_err(|_| Gone)
    }

    /// Runs `f` on the RIB (between slices of work) and returns what it returns.
    pub fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Rib, &Status) -> T + Send + 'static,
    ) -> Result<T, Gone> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job = Box::new(move |rib: &Rib, status: &Status| {
            let _ = tx.send(f(rib, status));
        });
        self.tx.send(Msg::Query(job)).map_err(|_| Gone)?;
        rx.recv().map_err(|_| Gone)
    }

    /// Compares every table with the kernel and writes the difference; from now on the RIB
    /// writes to the kernel. Says what it did.
    pub fn reconcile(&self) -> Result<String, String> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.tx
            .send(Msg::Reconcile(tx))
            .map_err(|_| Gone.to_string())?;
        rx.recv().map_err(|_| Gone.to_string())?
    }
}
