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
    /// Why the last outgoing connection attempt failed; cleared when a connection opens.
    pub connect_error: Option<ConnectFailure>,
}

/// How an outgoing connection attempt failed, as `show bgp neighbor` explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Nothing answered within the connect timeout. With an MD5 key configured this is what a
    /// key mismatch looks like: the peer's kernel drops segments whose signature it cannot
    /// verify without a word (RFC 2385 §2.0), and ours drops the peer's.
    NoAnswer { authenticated: bool },
    /// The peer answered with a reset: reachable, but nothing listens on the port.
    Refused,
    /// The system error, e.g. `No route to host`.
    Other(String),
}

impl ConnectFailure {
    /// Classifies a failed [`crate::net::connect`].
    pub fn of(e: &crate::net::SocketError, authenticated: bool) -> ConnectFailure {
        use crate::net::SocketError;
        match e {
            SocketError::ConnectTimeout { .. } => ConnectFailure::NoAnswer { authenticated },
            SocketError::Connect { source, .. }
                if source.kind() == std::io::ErrorKind::ConnectionRefused =>
            {
                ConnectFailure::Refused
            }
            SocketError::Connect { source, .. } => {
                // The OS text without Rust's ` (os error N)` suffix.
                let text = source.to_string();
                let text = text.split(" (os error").next().unwrap_or(&text);
                ConnectFailure::Other(text.to_string())
            }
            other => ConnectFailure::Other(other.to_string()),
        }
    }
}

impl std::fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectFailure::NoAnswer {
                authenticated: true,
            } => f.write_str(
                "no answer to connection attempts; the peer may use a different authentication key",
            ),
            ConnectFailure::NoAnswer {
                authenticated: false,
            } => f.write_str("no answer to connection attempts"),
            ConnectFailure::Refused => f.write_str("connection refused by the peer"),
            ConnectFailure::Other(text) => f.write_str(text),
        }
    }
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
            connect_error: None,
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

#[cfg(test)]
mod tests {
    use std::io;
    use std::time::Duration;

    use super::ConnectFailure;
    use crate::net::SocketError;

    #[test]
    fn connect_failures_are_classified() {
        let peer = "10.0.0.1:179".parse().unwrap();
        let timeout = SocketError::ConnectTimeout {
            peer,
            device: Some("vrf1000".into()),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(
            ConnectFailure::of(&timeout, true),
            ConnectFailure::NoAnswer {
                authenticated: true
            }
        );
        let refused = SocketError::Connect {
            peer,
            device: None,
            source: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        assert_eq!(ConnectFailure::of(&refused, true), ConnectFailure::Refused);
        let unreachable = SocketError::Connect {
            peer,
            device: None,
            source: io::Error::from_raw_os_error(113),
        };
        assert_eq!(
            ConnectFailure::of(&unreachable, false).to_string(),
            "No route to host"
        );
    }
}
