//! The "lsys-rib" thread and its kernel writer, "lsys-fib".
//!
//! ```text
//!  messages ──► lsys-rib: Rib ── process_some(4,096) ──► queue ── slice ──► lsys-fib: Fib::write
//!                  ▲                                                            │
//!                  └──────────── fib_result() ◄── (slice, results) ◄────────────┘
//! ```
//! The RIB selects the next slice while the writer sends the previous one to the kernel (at
//! most [`IN_FLIGHT`] slices out), so a large change costs about the kernel's time, not the
//! kernel's plus the RIB's. Messages are answered between slices.
//!
//! The prefixes each slice changed the active route of go to the best-change subscribers
//! without waiting: a subscriber whose channel is full gets them later from a coalescing
//! backlog (see [`super::RibHandle::subscribe_best`]), which the actor retries every
//! [`FLUSH_POLL`] while it is not empty.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use lsys_fib::rib::Rib;
use lsys_fib::{Family, FibOp, FibRoute, TableConfig, TableKey};
use lsys_netlink::live::{LiveState, SharedLive};
use tokio::sync::mpsc::error::TrySendError;

use super::fib::Fib;
use super::{BestChanges, BestSender, Flags, FreshLinks, Msg, BGP_GRACE};

/// Kernel writes per slice: between two slices the actor answers its messages.
const SLICE: usize = 4096;
/// Slices handed to the writer and not answered yet.
const IN_FLIGHT: usize = 2;
/// How often the actor looks for the writer's answers while slices are out.
const ANSWER_POLL: Duration = Duration::from_millis(1);
/// How often the actor offers a lagging subscriber its backlog.
const FLUSH_POLL: Duration = Duration::from_millis(10);
/// Prefixes per batch handed out of a subscriber's backlog.
const FLUSH_BATCH: usize = SLICE;

/// What the FIB side has done, for show commands, tests and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Route requests the kernel answered since start.
    pub writes: u64,
    /// Of those, refused by the kernel.
    pub refused: u64,
    /// Whether the start reconcile ran (before it nothing is written).
    pub reconciled: bool,
    /// Requests waiting to be sent or answered.
    pub queued: usize,
    /// Whether the RIB has prefixes left to select.
    pub selecting: bool,
}

/// A slice the writer answered.
type Written = (Vec<FibOp>, Vec<Result<(), String>>);

/// A best-change subscriber.
struct Subscriber {
    tx: BestSender,
    /// Changes it could not take yet (its channel was full), each prefix once.
    backlog: BTreeMap<TableKey, BTreeSet<IpNet>>,
}

impl Subscriber {
    fn keep(&mut self, changes: BestChanges) {
        for (key, prefix) in changes {
            self.backlog.entry(key).or_default().insert(prefix);
        }
    }

    /// Offers `changes` (after the backlog, if any); false when the subscriber is gone.
    fn offer(&mut self, changes: BestChanges) -> bool {
        if !self.backlog.is_empty() {
            self.keep(changes);
            return self.flush();
        }
        match self.tx.try_send(changes) {
            Ok(()) => true,
            Err(TrySendError::Full(changes)) => {
                self.keep(changes);
                true
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }

    /// Hands out the backlog while the channel has room; false when the subscriber is gone.
    fn flush(&mut self) -> bool {
        while !self.backlog.is_empty() {
            let permit = match self.tx.try_reserve() {
                Ok(p) => p,
                Err(TrySendError::Full(())) => return true,
                Err(TrySendError::Closed(())) => return false,
            };
            let mut batch = Vec::new();
            while batch.len() < FLUSH_BATCH {
                let Some(mut first) = self.backlog.first_entry() else {
                    break;
                };
                match first.get_mut().pop_first() {
                    Some(p) => batch.push((first.key().clone(), p)),
                    None => {
                        first.remove();
                    }
                }
            }
            self.backlog.retain(|_, v| !v.is_empty());
            permit.send(batch);
        }
        true
    }
}

/// Where the grace period for kernel BGP routes stands (see [`super::BGP_GRACE`]).
#[derive(Debug, Clone, Copy)]
enum Grace {
    /// Not started: no reconcile yet.
    Before,
    /// Kernel BGP routes no speaker gave are kept until this instant.
    Until(Instant),
    /// Over: every table was taken as in sync, and new tables are at once.
    Over,
}

struct Actor {
    rib: Rib,
    fib: Arc<Mutex<Box<dyn Fib>>>,
    live: SharedLive,
    fresh: Box<FreshLinks>,
    flags: Arc<Flags>,
    /// The tables' configurations (for the kernel table → key map).
    tables: BTreeMap<TableKey, TableConfig>,
    queue: VecDeque<FibOp>,
    writer: mpsc::SyncSender<Vec<FibOp>>,
    written: mpsc::Receiver<Written>,
    /// Slices and ops with the writer.
    in_flight: usize,
    in_flight_ops: usize,
    status: Status,
    subscribers: Vec<Subscriber>,
    /// How long kernel BGP routes wait for the speaker after a reconcile.
    bgp_grace: Duration,
    grace: Grace,
    /// When the start reconcile (or the last rebuild) adopted the kernel's routes.
    adopted_at: Option<Instant>,
}

pub(super) fn spawn(
    rx: mpsc::Receiver<Msg>,
    flags: Arc<Flags>,
    fib: Box<dyn Fib>,
    live: SharedLive,
    fresh: Box<FreshLinks>,
) -> anyhow::Result<()> {
    let fib = Arc::new(Mutex::new(fib));
    let (writer, slices) = mpsc::sync_channel::<Vec<FibOp>>(IN_FLIGHT);
    let (answers, written) = mpsc::sync_channel::<Written>(IN_FLIGHT);
    let kernel = fib.clone();
    std::thread::Builder::new()
        .name("lsys-fib".into())
        .spawn(move || {
            // Ends when the actor (the only sender of slices) ends.
            for ops in slices {
                let results = catch_unwind(AssertUnwindSafe(|| lock(&kernel).write(&ops)))
                    .unwrap_or_else(|p| {
                        tracing::error!(panic = %crate::pipeline::panic_text(&p), "FIB write panicked");
                        vec![Err("internal error in the FIB writer (logged by lsysd)".into()); ops.len()]
                    });
                if answers.send((ops, results)).is_err() {
                    return;
                }
            }
        })?;
    let mut actor = Actor {
        rib: Rib::new(),
        fib,
        live,
        fresh,
        flags,
        tables: BTreeMap::new(),
        queue: VecDeque::new(),
        writer,
        written,
        in_flight: 0,
        in_flight_ops: 0,
        status: Status::default(),
        subscribers: Vec::new(),
        bgp_grace: BGP_GRACE,
        grace: Grace::Before,
        adopted_at: None,
    };
    std::thread::Builder::new()
        .name("lsys-rib".into())
        .spawn(move || {
            let span = tracing::info_span!("rib");
            let _g = span.enter();
            actor.run(rx)
        })?;
    Ok(())
}

fn lock<T: ?Sized>(m: &Mutex<Box<T>>) -> std::sync::MutexGuard<'_, Box<T>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Actor {
    /// Whether there is work to do now (rather than wait for a message or an answer).
    fn busy(&self) -> bool {
        let can_send = !self.queue.is_empty() && self.in_flight < IN_FLIGHT;
        self.status.reconciled && (self.rib.pending() || can_send)
            || self.flags.links.load(Ordering::SeqCst)
            || (self.flags.resync.load(Ordering::SeqCst) && self.in_flight == 0)
    }

    fn run(&mut self, rx: mpsc::Receiver<Msg>) {
        loop {
            self.collect();
            let chores = catch_unwind(AssertUnwindSafe(|| {
                self.flush_subscribers();
                self.check_grace();
            }));
            if let Err(p) = chores {
                tracing::error!(panic = %crate::pipeline::panic_text(&p), "RIB step panicked; rebuilding the RIB");
                self.rebuild();
            }
            let msg = if self.busy() {
                match rx.try_recv() {
                    Ok(m) => Some(m),
                    Err(mpsc::TryRecvError::Empty) => None,
                    Err(mpsc::TryRecvError::Disconnected) => return,
                }
            } else if let Some(wait) = self.wait() {
                match rx.recv_timeout(wait) {
                    Ok(m) => Some(m),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => return,
                }
            };
            // A panic in one step may leave the RIB half-updated: it is rebuilt from the
            // tables' configuration, the links and the kernel's routes (the actor restarts
            // from the running intent), and the thread goes on.
            let step = catch_unwind(AssertUnwindSafe(|| match msg {
                Some(m) => self.handle(m),
                None if self.busy() => self.work(),
                None => {}
            }));
            if let Err(p) = step {
                tracing::error!(panic = %crate::pipeline::panic_text(&p), "RIB step panicked; rebuilding the RIB");
                self.rebuild();
            }
        }
    }

    /// How long to wait for a message when idle: until the writer may have answered, a
    /// lagging subscriber may have room, or the grace period ends (`None`: until a message).
    fn wait(&self) -> Option<Duration> {
        let mut wait: Option<Duration> = None;
        let mut at_most = |d: Duration| wait = Some(wait.map_or(d, |w| w.min(d)));
        if self.in_flight > 0 {
            at_most(ANSWER_POLL);
        }
        if self.subscribers.iter().any(|s| !s.backlog.is_empty()) {
            at_most(FLUSH_POLL);
        }
        if let Grace::Until(t) = self.grace {
            at_most(t.saturating_duration_since(Instant::now()));
        }
        wait
    }

    /// Hands the best changes of a slice to every subscriber; forgets those gone.
    fn publish(&mut self, changes: BestChanges) {
        if changes.is_empty() {
            return;
        }
        self.subscribers.retain_mut(|s| s.offer(changes.clone()));
    }

    fn flush_subscribers(&mut self) {
        self.subscribers.retain_mut(|s| s.flush());
    }

    /// Starts the grace period for kernel BGP routes (at the start reconcile, and when the
    /// RIB was rebuilt from the kernel).
    fn start_grace(&mut self) {
        let now = Instant::now();
        self.adopted_at = Some(now);
        self.grace = Grace::Until(now + self.bgp_grace);
    }

    /// Ends the grace period once it is due: every table is taken as in sync.
    fn check_grace(&mut self) {
        let Grace::Until(t) = self.grace else {
            return;
        };
        if Instant::now() < t {
            return;
        }
        self.grace = Grace::Over;
        let mut stale = 0;
        for key in self.rib.keys() {
            for family in [Family::Inet, Family::Inet6] {
                stale += self.rib.bgp_synced(&key, family);
            }
        }
        tracing::info!(
            stale,
            "BGP grace period over: kernel BGP routes no speaker gave again are deleted"
        );
    }

    /// A fresh RIB from the configuration; the next slices read the links and adopt what the
    /// kernel holds, so only differences are written.
    fn rebuild(&mut self) {
        self.rib = Rib::new();
        self.queue.clear();
        let t = now();
        for (key, config) in &self.tables {
            self.rib.configure(key, config.clone(), t);
        }
        self.flags.links.store(true, Ordering::SeqCst);
        self.flags.resync.store(true, Ordering::SeqCst);
        // The speaker's routes went with the old RIB: what the kernel holds of them is kept
        // (adopted as stale by the resync) until it is in sync again or the grace ends.
        if self.status.reconciled {
            self.start_grace();
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Configure(changes, done) => {
                let t = now();
                for (key, config) in changes {
                    match config {
                        Some(c) => {
                            let new = self.tables.insert(key.clone(), c.clone()).is_none();
                            self.rib.configure(&key, c, t);
                            // After the grace period a new table's kernel table is new: no
                            // BGP route of a past run to keep.
                            if new && matches!(self.grace, Grace::Over) {
                                for family in [Family::Inet, Family::Inet6] {
                                    self.rib.bgp_synced(&key, family);
                                }
                            }
                        }
                        None => {
                            self.tables.remove(&key);
                            self.rib.remove_table(&key, t);
                        }
                    }
                }
                // New tables need their interfaces.
                self.flags.links.store(true, Ordering::SeqCst);
                let _ = done.send(());
            }
            Msg::Query(f) => {
                self.status.queued = self.queue.len() + self.in_flight_ops;
                self.status.selecting = self.rib.pending();
                f(&self.rib, &self.status)
            }
            Msg::Deleted {
                table,
                prefix,
                protocol,
            } => self.rib.kernel_deleted(table, prefix, protocol),
            Msg::Reconcile(reply) => {
                let _ = reply.send(self.reconcile());
            }
            Msg::Bgp {
                key,
                family,
                routes,
            } => self.rib.set_bgp(&key, family, routes, now()),
            Msg::BgpSynced { key, family } => {
                self.rib.bgp_synced(&key, family);
            }
            Msg::BgpGrace(grace) => {
                self.bgp_grace = grace;
                if let (Grace::Until(_), Some(at)) = (self.grace, self.adopted_at) {
                    self.grace = Grace::Until(at + grace);
                }
            }
            Msg::Subscribe(tx) => self.subscribers.push(Subscriber {
                tx,
                backlog: BTreeMap::new(),
            }),
            Msg::Wake => {}
        }
    }

    /// One step: interfaces, a resync, a slice to the writer, or a slice selected.
    fn work(&mut self) {
        if self.flags.links.swap(false, Ordering::SeqCst) {
            let state = self.live_state();
            self.set_connected(&state);
            return;
        }
        if !self.status.reconciled {
            return;
        }
        if self.in_flight == 0 && self.flags.resync.swap(false, Ordering::SeqCst) {
            let state = self.live_state();
            if let Err(e) = self.adopt(&state) {
                tracing::warn!(error = %e, "cannot read the kernel's routes for a resync");
            }
            return;
        }
        // Keep the writer busy first, then select the next slice while it writes.
        if !self.queue.is_empty() && self.in_flight < IN_FLIGHT {
            let n = self.queue.len().min(SLICE);
            let ops: Vec<FibOp> = self.queue.drain(..n).collect();
            self.send(ops);
            return;
        }
        if self.rib.pending() {
            let p = self.rib.process_some(now(), SLICE);
            for n in &p.notices {
                tracing::warn!("{n}");
            }
            self.queue.extend(p.fib);
            self.publish(p.best_changed);
        }
    }

    /// A copy of the link state the kernel watcher keeps (not held while the RIB works).
    fn live_state(&self) -> LiveState {
        self.live
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .state
            .clone()
    }

    /// Hands a slice to the writer; ops for a table with no kernel table are refused here.
    fn send(&mut self, ops: Vec<FibOp>) {
        let (real, none): (Vec<FibOp>, Vec<FibOp>) =
            ops.into_iter().partition(|op| op.route().kernel_table != 0);
        for op in &none {
            self.rib.fib_result(
                op,
                Err("no forwarding table: the instance has no interface".into()),
            );
        }
        if real.is_empty() {
            return;
        }
        let n = real.len();
        if self.writer.send(real).is_ok() {
            self.in_flight += 1;
            self.in_flight_ops += n;
        } else {
            tracing::error!("the FIB writer thread is gone");
        }
    }

    /// Takes the writer's answers that arrived.
    fn collect(&mut self) {
        while let Ok(w) = self.written.try_recv() {
            self.answered(w);
        }
    }

    fn answered(&mut self, (ops, results): Written) {
        self.in_flight -= 1;
        self.in_flight_ops -= ops.len();
        self.status.writes += ops.len() as u64;
        for (op, r) in ops.iter().zip(results) {
            if let Err(e) = &r {
                self.status.refused += 1;
                tracing::warn!(route = %op.route().prefix, table = op.route().kernel_table, error = %e, "kernel refused a route");
            }
            self.rib.fib_result(op, r);
        }
    }

    fn kernel_tables(&self) -> BTreeMap<u32, TableKey> {
        self.tables
            .iter()
            .filter(|(_, c)| c.kernel_table != 0)
            .map(|(k, c)| (c.kernel_table, k.clone()))
            .collect()
    }

    fn set_connected(&mut self, live: &LiveState) {
        let t = now();
        for (key, interfaces) in super::connected::connected(live, &self.kernel_tables()) {
            self.rib.set_connected(&key, interfaces, t);
        }
    }

    /// Tells the RIB which of lsys's routes each kernel table holds.
    fn adopt(&mut self, live: &LiveState) -> Result<usize, String> {
        let mut found = 0;
        for table in self.kernel_tables().into_keys() {
            let mut routes = lock(&self.fib).owned(table)?;
            for r in &mut routes {
                if let lsys_fib::FibAction::Forward(hops) = &mut r.action {
                    for h in hops.iter_mut() {
                        if let Some(name) = live.name_of(h.ifindex) {
                            h.ifname = name.to_string();
                        }
                    }
                }
            }
            found += routes.len();
            let (v4, v6): (Vec<FibRoute>, Vec<FibRoute>) = routes
                .into_iter()
                .partition(|r| Family::of(&r.prefix) == Family::Inet);
            self.rib.adopt_kernel(table, Family::Inet, v4);
            self.rib.adopt_kernel(table, Family::Inet6, v6);
        }
        Ok(found)
    }

    /// The start reconcile: interfaces from a fresh dump, the kernel's lsys routes adopted,
    /// then every difference written before answering.
    fn reconcile(&mut self) -> Result<String, String> {
        let started = Instant::now();
        let live = (self.fresh)()?;
        self.flags.links.store(false, Ordering::SeqCst);
        self.set_connected(&live);
        let found = self.adopt(&live)?;
        self.status.reconciled = true;
        if matches!(self.grace, Grace::Before) {
            self.start_grace();
        }
        let before = self.status.writes;
        loop {
            self.collect();
            if self.busy() {
                self.work();
            } else if self.in_flight > 0 {
                match self.written.recv() {
                    Ok(w) => self.answered(w),
                    Err(_) => return Err("the FIB writer thread is gone".into()),
                }
            } else {
                break;
            }
        }
        let writes = self.status.writes - before;
        Ok(format!(
            "routes reconciled: {found} lsys routes found in {} tables, {writes} route writes, {:.0} ms",
            self.kernel_tables().len(),
            started.elapsed().as_secs_f64() * 1e3
        ))
    }
}
