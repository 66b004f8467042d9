//! One neighbor as a tokio task: the sans-IO [`Session`] driven over real sockets.
//!
//! ```text
//!            Command (bounded)                         Event (bounded)
//!  instance ───────────────────► peer task ───────────────────────────► instance
//!   Incoming(stream) from the     │  Session::handle(Input) -> [Output]   Established / Down
//!   instance's listener,          │  timers: one deadline per TimerKind   Update(UPDATE)
//!   Start / Stop, Announce /      │  connects: net::connect (VRF, MD5)    RefreshRequested
//!   Withdraw, Refresh             │  per connection: reader (Framer +
//!                                 │  decode) and writer (bounded queue)
//!                                 └─► watch: Status (state, record, counters) for `show bgp`
//! ```
//!
//! Back-pressure: a decoded UPDATE waits until the instance has room for it, and meanwhile
//! the task reads nothing more from that peer (TCP slows the peer down), while timers and
//! commands are still served, so a busy instance never lets a hold timer expire. Outgoing
//! UPDATEs wait in an in-task queue for room in the connection's writer; its length is the
//! `OutQ` of `show bgp summary`.

mod conn;
mod convert;
mod driver;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::SystemTime;

use ipnet::IpNet;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::fsm::{
    self, Cease, ConfigError, DownReason, IdleAfterStop, Negotiated, Record, Session,
    SessionConfig, State,
};
use crate::net::ConnectConfig;
use crate::packet::{self, Attrs, Update};

pub use driver::OUT_QUEUE_MAX;

/// Commands a peer task takes (at most this many queued).
const COMMANDS: usize = 64;

/// Everything a peer task needs.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    pub session: SessionConfig,
    /// How to reach the peer: address and port, VRF device, local address, MD5 key, TTL.
    pub connect: ConnectConfig,
}

/// What the instance asks of a peer.
#[derive(Debug)]
pub enum Command {
    /// A connection the instance's listener accepted from this peer's address.
    Incoming(TcpStream),
    /// `ManualStart`: configured and enabled, or `clear bgp neighbor` after a stop.
    Start,
    Stop(Cease),
    /// The speaker ends the session (prefix limit).
    AutomaticStop {
        notification: fsm::Notification,
        idle: IdleAfterStop,
    },
    /// Announce `prefixes` with `attrs` (sent only while Established).
    Announce {
        attrs: Arc<Attrs>,
        prefixes: Vec<IpNet>,
    },
    Withdraw {
        prefixes: Vec<IpNet>,
    },
    /// Ask the peer for its routes again (ROUTE-REFRESH).
    Refresh(packet::Family),
}

/// What a peer tells the instance.
#[derive(Debug)]
pub enum Event {
    Established {
        negotiated: Negotiated,
    },
    /// Drop the peer's routes.
    Down {
        reason: DownReason,
    },
    /// An UPDATE of the established session (RFC 7606 verdict inside).
    Update(Box<Update>),
    /// The peer asked for our routes again.
    RefreshRequested(packet::Family),
}

/// What `show bgp summary` and `show bgp neighbor` read of a peer.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub state: State,
    pub record: Record,
    pub negotiated: Option<Negotiated>,
    pub in_octets: u64,
    pub out_octets: u64,
    /// Encoded UPDATE batches waiting for the peer (`OutQ`).
    pub out_queue: usize,
    /// When the session last went up or down (`Last Up/Dwn`).
    pub last_change: Option<SystemTime>,
    pub local: Option<SocketAddr>,
    pub remote: Option<SocketAddr>,
}

impl Default for Status {
    fn default() -> Self {
        Status {
            state: State::Idle,
            record: Record::default(),
            negotiated: None,
            in_octets: 0,
            out_octets: 0,
            out_queue: 0,
            last_change: None,
            local: None,
            remote: None,
        }
    }
}

/// A running peer task; dropping it stops the peer (Cease / Peer De-configured) and ends
/// the task.
pub struct Peer {
    commands: mpsc::Sender<Command>,
    status: watch::Receiver<Status>,
    task: JoinHandle<()>,
}

impl Peer {
    /// Starts the task (in Idle; send [`Command::Start`]). Events go to `events`, tagged with
    /// the peer's address (one channel serves all the peers of an instance).
    pub fn spawn(
        config: PeerConfig,
        events: mpsc::Sender<(IpAddr, Event)>,
    ) -> Result<Peer, ConfigError> {
        let session = Session::new(config.session.clone())?;
        let (commands, rx) = mpsc::channel(COMMANDS);
        let (status_tx, status) = watch::channel(Status::default());
        let task = tokio::spawn(driver::Driver::run(config, session, rx, events, status_tx));
        Ok(Peer {
            commands,
            status,
            task,
        })
    }

    /// Sends a command, waiting for room.
    pub async fn send(&self, cmd: Command) -> bool {
        self.commands.send(cmd).await.is_ok()
    }

    pub fn commands(&self) -> &mpsc::Sender<Command> {
        &self.commands
    }

    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change (tests wait on it).
    pub fn watch(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Closing the command channel makes the task send Cease and end on its own; abort it
        // only if it has not within a second.
        let handle = self.task.abort_handle();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            handle.abort();
        });
    }
}
