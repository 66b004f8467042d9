//! The daemon's shared state, as every session sees it.
//!
//! Nothing here is held across slow work: the running configuration is an immutable snapshot
//! ([`Snapshot`]); the shared candidate, the session table and the lock table are small maps
//! behind mutexes held for a lookup or a pointer swap; commits are the pipeline's
//! (`crate::pipeline`), which runs them one at a time, in arrival order, on its own thread.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use lsys_datastore::{Datastore, Scope};
use lsys_grammar::schema::ROOT;
use lsys_grammar::scope::{self, ls_from_text};
use lsys_grammar::text::curly;
use lsys_grammar::tree::Node;
use lsys_grammar::view::View;
use lsys_netlink::live::SharedLive;

use crate::clock::Clock;
use crate::limits::Limits;
use crate::pipeline::PipelineHandle;
use crate::running::{Running, Snapshot};

/// A session's entry in the session table (for `status` and `show system users`).
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: String,
    pub uid: u32,
    pub logical_system: Option<String>,
    pub tty: Option<String>,
    pub client: String,
    pub since: i64,
    pub pid: Option<i32>,
    /// Configuration mode: the edit path banner and candidate kind.
    pub editing: Option<(String, &'static str)>,
}

/// The shared candidate and the running configuration it was based on (per scope: see
/// `pipeline::merge`).
#[derive(Debug, Clone)]
pub struct SharedCandidate {
    pub tree: Arc<Node>,
    pub base: Arc<Node>,
}

/// Kernel state readers use without going through the pipeline.
pub struct KernelReads {
    /// Links and addresses, kept current by kernel events.
    pub live: SharedLive,
    /// Runs the one-shot route dumps of `show route forwarding-table` (on its own socket).
    pub runtime: tokio::runtime::Handle,
    /// Link and address changes, for subscribers (`events.subscribe()`).
    pub events: crate::actors::KernelEvents,
}

pub struct Core {
    pub running: Snapshot<Running>,
    pub shared: Mutex<SharedCandidate>,
    pub sessions: Mutex<BTreeMap<u64, SessionInfo>>,
    /// Exclusive locks: scope key → (session, user).
    pub locks: Mutex<BTreeMap<String, (u64, String)>>,
    pub store: Arc<Datastore>,
    pub pipeline: PipelineHandle,
    /// `None`: `--no-dataplane`.
    pub kernel: Option<KernelReads>,
    /// The RIB (`show route`); `None`: `--no-dataplane`.
    pub rib: Option<crate::routing::RibHandle>,
    /// The BGP speakers (`show bgp`); `None`: `--no-dataplane`.
    pub bgp: Option<crate::bgp::BgpHandle>,
    pub clock: Arc<dyn Clock>,
    /// When this lsysd started (`show system uptime`: Protocols started).
    pub started: i64,
    pub limits: Limits,
    /// Failed automatic rollbacks, shown by `show system commit` (scope → message).
    pub rollback_failures: Mutex<BTreeMap<String, String>>,
    /// Woken when a `commit confirmed` arms a deadline (the timer sleeps until the next one).
    pub confirm_armed: tokio::sync::Notify,
}

/// What a core is built with (tests inject a fake dataplane, failures and a manual clock).
pub struct Options {
    pub dataplane: Option<Box<dyn crate::dataplane::Dataplane>>,
    /// The RIB/FIB actor (with a dataplane).
    pub rib: Option<crate::routing::RibHandle>,
    /// The BGP speakers (with a dataplane), and the TCP port they use (179).
    pub bgp: Option<(crate::bgp::BgpHandle, u16)>,
    pub kernel: Option<KernelReads>,
    /// `system login user` as Unix accounts (`--manage-accounts`); runs after the others.
    pub accounts: Option<crate::actors::accounts::Accounts>,
    pub faults: Arc<dyn crate::pipeline::Faults>,
    pub clock: Arc<dyn Clock>,
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            dataplane: None,
            rib: None,
            bgp: None,
            kernel: None,
            accounts: None,
            faults: Arc::new(crate::pipeline::NoFaults),
            clock: Arc::new(crate::clock::SystemClock),
            limits: Limits::default(),
        }
    }
}

/// Locks a mutex; a panic elsewhere never poisons the daemon (every value behind these
/// mutexes is replaced whole, never left half-written).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Core {
    /// Loads the committed configuration and starts the commit pipeline. The kernel is not
    /// touched until [`crate::pipeline::PipelineHandle::reconcile`].
    pub fn start(store: Datastore, options: Options) -> anyhow::Result<Arc<Core>> {
        let (tree, seq) = load_committed(&store)?;
        store.clear_all_locks()?;
        let store = Arc::new(store);
        let tree = Arc::new(tree);
        let (pipeline, jobs) = crate::pipeline::queue(options.limits.commit_queue);
        let mut subsystems: Vec<Box<dyn crate::actors::Subsystem>> = Vec::new();
        if let Some(dp) = options.dataplane {
            subsystems.push(Box::new(crate::actors::links::Links::new(
                dp,
                store.clone(),
            )));
        }
        if let Some(rib) = &options.rib {
            subsystems.push(Box::new(crate::actors::routing::Routing::new(
                rib.clone(),
                store.clone(),
            )));
        }
        if let Some((bgp, port)) = &options.bgp {
            subsystems.push(Box::new(crate::actors::bgp::Bgp::new(
                bgp.clone(),
                store.clone(),
                *port,
            )));
        }
        if let Some(accounts) = options.accounts {
            subsystems.push(Box::new(accounts));
        }
        let core = Arc::new(Core {
            running: Snapshot::new(Running::new(tree.clone(), seq, None)),
            shared: Mutex::new(SharedCandidate {
                tree: tree.clone(),
                base: tree,
            }),
            sessions: Mutex::default(),
            locks: Mutex::default(),
            store,
            pipeline,
            kernel: options.kernel,
            rib: options.rib,
            bgp: options.bgp.map(|(h, _)| h),
            started: options.clock.now(),
            clock: options.clock,
            limits: options.limits,
            rollback_failures: Mutex::default(),
            confirm_armed: tokio::sync::Notify::new(),
        });
        let running = core.running.get();
        for s in &mut subsystems {
            s.restart(&running);
        }
        crate::pipeline::start(
            &core,
            jobs,
            crate::pipeline::Pipeline {
                subsystems,
                faults: options.faults,
            },
        );
        Ok(core)
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn hostname(&self) -> String {
        self.running.get().hostname.clone()
    }

    pub fn note_session(&self, id: u64, info: SessionInfo) {
        lock(&self.sessions).insert(id, info);
    }

    pub fn forget_session(&self, id: u64) {
        lock(&self.sessions).remove(&id);
    }

    /// Who holds the exclusive lock of a view's scope (or the root's), other than `session`.
    pub fn locked_by_other(&self, view: &View, session: u64) -> Option<String> {
        let locks = lock(&self.locks);
        locks
            .get(&scope_key(view))
            .or(locks.get("root"))
            .filter(|(s, _)| *s != session)
            .map(|(_, u)| u.clone())
    }
}

/// The datastore scope a view commits to.
pub fn scope_of(view: &View) -> Scope {
    match view.logical_system() {
        Some(ls) => Scope::LogicalSystem(ls.to_string()),
        None => Scope::Root,
    }
}

/// A stable key for a scope (lock table, pending confirmations).
pub fn scope_key(view: &View) -> String {
    view.logical_system()
        .map_or("root".into(), |ls| format!("ls:{ls}"))
}

/// The committed configuration in the store, as one tree, and its newest sequence number.
pub fn load_committed(store: &Datastore) -> anyhow::Result<(Node, u64)> {
    let mut scopes = scope::Scopes::default();
    for s in store.scopes()? {
        let Some(v) = store.committed(&s)? else {
            continue;
        };
        match &s {
            Scope::Root => {
                scopes.root = curly::read(&v.text, ROOT)
                    .map_err(|e| anyhow::anyhow!("root configuration: {e}"))?
            }
            Scope::LogicalSystem(name) => {
                if v.text.trim().is_empty() {
                    continue;
                }
                let entry = ls_from_text(&v.text)
                    .map_err(|e| anyhow::anyhow!("logical system {name}: {e}"))?;
                scopes.order.push(name.clone());
                scopes.logical_systems.insert(name.clone(), entry);
            }
        }
    }
    Ok((scope::join(&scopes), store.last_seq()?))
}
