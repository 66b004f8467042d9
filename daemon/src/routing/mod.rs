//! Routing: the RIB/FIB actor that owns lsys-fib's [`Rib`] and writes its changes to the
//! kernel, and the handle the rest of lsysd talks to it through.
//!
//! ```text
//!  pipeline (routing subsystem) ── configure(changes) ──┐
//!  show route ───────────────────── query(f) ───────────┤
//!  BGP speaker ── bgp(key, family, routes), bgp_synced ─┤ bounded channel
//!             └── active_routes(key, family, prefixes) ─┤
//!  kernel link/address events ── (flag) + wake ─────────┤
//!  kernel route deletions (210/211) ── deleted ─────────┤
//!                                                       ▼
//!   "lsys-rib" thread: Rib ── process() ──► FIB ops ──► Fib (batched netlink, 4,096 per slice)
//!                        │  ◄── fib_result() ──────────────┘
//!                        └── best changes ──► subscribe_best() receivers (bounded, coalescing)
//! ```
//! The thread answers messages between slices of work, so a `show route` waits for at most one
//! slice of kernel writes, never for a whole table. Link and address events are coalesced into
//! one flag: the next slice recomputes every table's interfaces from the live link state (the
//! RIB diffs them and re-selects only what changed). Nothing is written to the kernel before
//! [`RibHandle::reconcile`] (at start, after the links are in place): it reads the routes lsys
//! owns in every table and lets the RIB send only the difference — zero writes on a kernel
//! that already matches, and foreign routes are never read as lsys's.
//!
//! BGP: the speaker hands each instance table's selected paths to [`RibHandle::bgp`] (installed
//! with kernel protocol 211, `PROTO_BGP`), learns which prefixes' active routes changed from
//! [`RibHandle::subscribe_best`], and reads the active routes its export policies need with
//! [`RibHandle::active_routes`]. The BGP routes the kernel holds at start are kept (not deleted
//! and re-added seconds later, when the sessions are up) until the speaker calls
//! [`RibHandle::bgp_synced`] for the table, or until [`BGP_GRACE`] after the start reconcile
//! (Junos's default `stale-routes-time`), whichever comes first; tables configured after that
//! are taken as in sync at once (their kernel tables are new).

mod actor;
pub mod config;
pub mod connected;
pub mod fib;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use ipnet::IpNet;
use lsys_fib::rib::Rib;
use lsys_fib::{ActiveRoute, BgpRoute, Family, Protocol, TableConfig, TableKey};
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
    /// The BGP speaker's routes for one table and family.
    Bgp {
        key: TableKey,
        family: Family,
        routes: Vec<(IpNet, Option<BgpRoute>)>,
    },
    /// The BGP speaker of a table is in sync for a family.
    BgpSynced {
        key: TableKey,
        family: Family,
    },
    /// How long after the start reconcile the RIB waits for `BgpSynced`.
    BgpGrace(Duration),
    /// A new subscriber to best changes.
    Subscribe(BestSender),
    /// Look at the flags.
    Wake,
}

/// Prefixes whose active route changed, by table.
pub type BestChanges = Vec<(TableKey, IpNet)>;

type BestSender = tokio::sync::mpsc::Sender<BestChanges>;

/// Batches a [`RibHandle::subscribe_best`] channel holds before the RIB coalesces further
/// changes for that subscriber instead of sending them.
pub const BEST_QUEUE: usize = 16;

/// How long after the start reconcile the BGP routes found in the kernel are kept waiting
/// for [`RibHandle::bgp_synced`] (Junos's default `stale-routes-time`, 300 s).
pub const BGP_GRACE: Duration = Duration::from_secs(300);

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

    /// Replaces (`Some`) or removes (`None`) the BGP routes of prefixes in table `key` (see
    /// [`Rib::set_bgp`]). Returns once the message is queued to the RIB — not for the RIB to
    /// take it, nor for the kernel; it blocks only while the actor's queue is full
    /// (backpressure). Send large changes in batches (a few thousand routes): the RIB answers
    /// other messages between them.
    pub fn bgp(
        &self,
        key: &str,
        family: Family,
        routes: Vec<(IpNet, Option<BgpRoute>)>,
    ) -> Result<(), Gone> {
        if routes.is_empty() {
            return Ok(());
        }
        let msg = Msg::Bgp {
            key: key.to_string(),
            family,
            routes,
        };
        self.tx.send(msg).map_err(|_| Gone)
    }

    /// The BGP speaker of table `key` is in sync for `family` (its sessions' End-of-RIB, or a
    /// timeout of its choosing): the BGP routes found in the kernel at start that it did not
    /// give again are deleted (see [`Rib::bgp_synced`]). Queued like [`RibHandle::bgp`],
    /// after the routes given before it.
    pub fn bgp_synced(&self, key: &str, family: Family) -> Result<(), Gone> {
        let msg = Msg::BgpSynced {
            key: key.to_string(),
            family,
        };
        self.tx.send(msg).map_err(|_| Gone)
    }

    /// Sets how long after the start reconcile the RIB keeps kernel BGP routes no speaker
    /// gave again before deleting them itself ([`BGP_GRACE`] unless set).
    pub fn set_bgp_grace(&self, grace: Duration) -> Result<(), Gone> {
        self.tx.send(Msg::BgpGrace(grace)).map_err(|_| Gone)
    }

    /// A channel of the prefixes whose active route changed (appeared, went, or changed
    /// protocol, preference, next hops or BGP attributes), in the batches the RIB selects
    /// them in, from now on.
    ///
    /// The channel holds [`BEST_QUEUE`] batches. The RIB never waits for a subscriber: when
    /// the channel is full it keeps the changes in a backlog of its own, each prefix once
    /// (coalesced: a prefix that changed ten times while the subscriber lagged is reported
    /// once), and hands the backlog out in batches as the subscriber takes them. The backlog
    /// is bounded by the number of destinations in the RIB. A subscriber that lagged reads
    /// the routes themselves ([`RibHandle::active_routes`]) rather than trusting any order of
    /// events. Dropping the receiver ends the subscription.
    pub fn subscribe_best(&self) -> tokio::sync::mpsc::Receiver<BestChanges> {
        let (tx, rx) = tokio::sync::mpsc::channel(BEST_QUEUE);
        // If the actor is gone, `tx` is dropped with the message and the receiver ends.
        let _ = self.tx.send(Msg::Subscribe(tx));
        rx
    }

    /// The active route of each of `prefixes` (exactly) in table `key`, as of the last
    /// selection (see [`Rib::active_route`]); answered between slices of work, as
    /// [`RibHandle::query`].
    pub fn active_routes(
        &self,
        key: &str,
        family: Family,
        prefixes: Vec<IpNet>,
    ) -> Result<Vec<(IpNet, Option<ActiveRoute>)>, Gone> {
        let key = key.to_string();
        self.query(move |rib, _| {
            prefixes
                .into_iter()
                .map(|p| (p, rib.active_route(&key, family, p)))
                .collect()
        })
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
