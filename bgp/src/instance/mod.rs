//! One routing instance's BGP speaker as a tokio actor: its listener, its peer tasks, its RIB
//! and policies.
//!
//! ```text
//!  daemon ── Command::Configure(InstanceConfig, policies) ──►┐
//!         ── Command::Status / Clear / Routes ─────────────►│  actor (one per instance)
//!  listener (VRF device, MD5 keys) ── accepted stream ─────►│   config::diff → start/stop/reset
//!  peer tasks ── (addr, Event) ─────────────────────────────►│   peers; rib::Rib; policy chains
//!                                                            │
//!  peer tasks ◄── Announce / Withdraw (AdjRibOut diffs) ─────┤
//!  daemon     ◄── Output::Routes(prefix → best path or gone) ┘  (into the instance's table)
//! ```
//!
//! The daemon also sends the instance's non-BGP active routes (`Command::Local`): a prefix whose
//! active route is static, direct or local is exported as that route, through the export
//! chain (whose default accepts only BGP routes), with origin IGP and an empty AS path.
//!
//! Import: routes whose AS path holds the local AS are hidden (loop), then the neighbor's
//! import chain decides (default accept). Export to a peer: the active BGP route of each prefix,
//! unless it came from that peer, from an internal peer towards an internal peer, or (eBGP,
//! without `advertise-peer-as`) from the peer's own AS; then its export chain (default: accept
//! BGP routes — Junos's `Default eBGP mode: advertise - accept`). Towards an external peer the
//! local AS is prepended, the next hop is the session's local address (next-hop self) and
//! LOCAL_PREF and MED are removed unless policy set them; towards an internal peer LOCAL_PREF
//! is 100 unless set. A configuration change resets only the sessions whose parameters changed;
//! a policy change re-evaluates Adj-RIB-In and Adj-RIB-Out without a reset.

mod actor;
mod export;
mod query;

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use lsys_grammar::typed::PolicyOptions;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::config::InstanceConfig;
use crate::packet::Attrs;
use crate::policy::Protocol;
use crate::show::PeerView;

pub use crate::show::RouteLine;
pub use query::{RouteSide, Towards};

/// Commands queued for an instance.
const COMMANDS: usize = 32;

/// What the daemon asks of an instance.
#[derive(Debug)]
pub enum Command {
    /// The instance's configuration after a commit (the first one starts it).
    Configure {
        config: InstanceConfig,
        policies: Arc<PolicyOptions>,
    },
    /// The show commands' view of every neighbor.
    Status(oneshot::Sender<Vec<PeerView>>),
    /// `clear bgp neighbor [A] [soft | soft-inbound]`.
    Clear {
        neighbor: Option<IpAddr>,
        how: Clear,
    },
    /// The routes of other protocols that are active in the instance's table, for export
    /// policy (`from protocol static`): `Some` sets a prefix's, `None` says its active route
    /// is BGP's again or gone. `full` replaces everything held (a speaker's first view).
    Local {
        routes: Vec<(IpNet, Option<LocalRoute>)>,
        full: bool,
    },
    /// `show route receive-protocol | advertising-protocol bgp A`: the routes of the neighbor
    /// at `neighbor` (query.rs); `None` when the instance has no such neighbor.
    Routes {
        neighbor: IpAddr,
        side: RouteSide,
        reply: oneshot::Sender<Option<Vec<RouteLine>>>,
    },
}

/// How `clear bgp neighbor` clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clear {
    /// Reset the session (Cease / Administrative Reset).
    Hard,
    /// Send everything again (Adj-RIB-Out) and re-evaluate what was received.
    Soft,
    /// Re-evaluate what was received (Adj-RIB-In through import).
    SoftInbound,
}

/// A selected BGP path for the instance's routing table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The next hops to install (one, or the multipath set's).
    pub next_hops: Vec<IpAddr>,
    /// 170 unless import policy set another.
    pub preference: u32,
    pub attrs: Arc<Attrs>,
    /// The peer the best path came from.
    pub peer: IpAddr,
    pub peer_as: u32,
    pub internal: bool,
}

/// A route of another protocol (static, direct, local) that is the active route of its
/// prefix in the instance's table: what export policy matches it on. A prefix whose active
/// route is one of these is exported as it (or not at all), never as a BGP path that lost to
/// it — Junos exports active routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRoute {
    pub protocol: Protocol,
    pub preference: u32,
    /// Sent as MED when exported.
    pub metric: Option<u32>,
    pub tag: Option<u32>,
    /// Gateway addresses (`from next-hop`).
    pub next_hops: Vec<IpAddr>,
    /// Interface units (`from interface`).
    pub interfaces: Vec<String>,
}

/// What an instance tells the daemon.
#[derive(Debug)]
pub enum Output {
    /// Best paths that changed: `None` removes the prefix's BGP route.
    Routes(Vec<(IpNet, Option<Selected>)>),
    /// Every enabled neighbor is up and has sent its routes of the family (End-of-RIB, or
    /// nothing new for a while): the table's BGP routes are complete, so BGP routes the kernel
    /// kept from before a restart that were not given again can go. Sent once per family.
    Synced(crate::net::Family),
}

/// A running instance; dropping it stops every session (Cease / Peer De-configured).
pub struct Instance {
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl Instance {
    /// Starts the actor for routing instance `name` (`master` or the instance's name), whose
    /// tables are called `tables.0` (IPv4) and `tables.1` (IPv6) in show output.
    pub fn spawn(name: String, tables: (String, String), output: mpsc::Sender<Output>) -> Instance {
        let (commands, rx) = mpsc::channel(COMMANDS);
        let task = tokio::spawn(actor::Actor::run(name, tables, rx, output));
        Instance { commands, task }
    }

    /// Sends a command, waiting for room.
    pub async fn send(&self, cmd: Command) -> bool {
        self.commands.send(cmd).await.is_ok()
    }

    pub fn commands(&self) -> &mpsc::Sender<Command> {
        &self.commands
    }

    /// The neighbors as the show commands see them.
    pub async fn status(&self) -> Vec<PeerView> {
        let (tx, rx) = oneshot::channel();
        if !self.send(Command::Status(tx)).await {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }

    /// The routes of the neighbor at `neighbor` as the route listings see them; `None` when
    /// the instance has no such neighbor (or has stopped).
    pub async fn routes(&self, neighbor: IpAddr, side: RouteSide) -> Option<Vec<RouteLine>> {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Routes {
            neighbor,
            side,
            reply,
        };
        if !self.send(cmd).await {
            return None;
        }
        rx.await.ok().flatten()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // The actor ends when its command channel closes (its peers send Cease as they go);
        // abort it if it has not within two seconds.
        let handle = self.task.abort_handle();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                handle.abort();
            });
        } else {
            handle.abort();
        }
    }
}
