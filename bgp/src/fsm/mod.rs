//! The BGP session state machine (RFC 4271 §8), sans-IO.
//!
//! A [`Session`] owns no socket and reads no clock. The driver (one tokio task per neighbor)
//! feeds it [`Input`]s and carries out the [`Output`]s it returns:
//!
//! ```text
//!   driver                                   Session::handle(Input) -> Vec<Output>
//!   ──────                                   ─────────────────────────────────────
//!   connect() done / failed     ─ TcpConnectionConfirmed(id) / TcpConnectionFails(id) ─►
//!   accept() for this peer      ─ TcpConnectionAcknowledged(ConnId::incoming(n)) ──────►
//!   decoded message on conn id  ─ OpenReceived / KeepaliveReceived / UpdateReceived … ─►
//!   a timer it armed fired      ─ TimerExpired(kind) ─────────────────────────────────►
//!   operator / policy           ─ ManualStart / ManualStop / AutomaticStop ───────────►
//!
//!   ◄── Connect(id)  CloseConnection(id)  SendOpen / SendKeepalive / SendNotification {conn}
//!   ◄── StartTimer(kind, d) (re)arms one timer per kind;  StopTimer(kind) disarms it
//!   ◄── Established { conn, negotiated }  SessionDown { reason }  StateChanged { from, to }
//! ```
//!
//! Connections. Every TCP connection has a [`ConnId`] that records who opened it. The machine
//! names outgoing ones (`Connect(id)`); the driver names incoming ones (`ConnId::incoming(n)`,
//! any `n` it has not used before). Until the peer's OPEN is known the machine may hold one
//! outgoing and one incoming connection at once; the first valid OPEN settles the RFC 4271 §6.8
//! collision (see [`surviving_initiator`]) so that from OpenConfirm on exactly one connection is left. The
//! others are sent Cease / Connection Collision Resolution and closed. An incoming connection while
//! Established is refused with Cease / Connection Rejected. Messages, confirmations and failures
//! for a connection the machine has already closed are ignored, so races in the driver are
//! harmless; a confirmed connect it no longer wants is answered with `CloseConnection`.
//!
//! Timers. There is one timer of each [`TimerKind`]. `StartTimer` replaces a running timer of the
//! same kind. The driver reports `TimerExpired(kind)` once per arming and must not report a timer
//! it has since restarted or stopped (the machine also ignores an expiry for a timer it does not
//! think is running). Durations are exact; the driver may shorten ConnectRetry and IdleHold by the
//! RFC 4271 §10 jitter (×0.75..1.0).
//!
//! Restarts. After a session drops, the machine waits in Idle for the IdleHold timer, then starts
//! again on its own: 1 s, then doubling to a cap of 120 s (FRR bgpd's start timer), back to 1 s
//! once a session has stayed Established for one hold time (three keepalive intervals). A
//! ManualStop, or an AutomaticStop with [`IdleAfterStop::Forever`], stays in Idle until the next
//! ManualStart. Incoming connections are refused in Idle.
//!
//! Not here: DelayOpen, graceful restart (the peer's capability is only recorded), the
//! RFC 9003 shutdown communication, per-family route-refresh checks (the codec/RIB's job).
//! UPDATEs the driver sends do not restart the keepalive timer (RFC 4271 allows the extra
//! KEEPALIVEs); they only count, through [`Session::count_sent`].
//! Times of the last up/down transition are stamped by the driver from `StateChanged`.

mod collision;
mod config;
mod negotiate;
mod notification;
mod record;
mod session;
mod timers;

use std::fmt;
use std::time::Duration;

pub use collision::surviving_initiator;
pub use config::{ConfigError, PeerType, SessionConfig};
pub use negotiate::{Capabilities, Family, LocalOpen, Negotiated, PeerOpen, AS_TRANS, BGP_VERSION};
pub use notification::{Cease, FsmErrorSubcode, Notification};
pub use record::{Direction, ErrorCount, LastError, MessageCounts, MessageKind, Record};
pub use session::Session;
pub use timers::{
    DEFAULT_CONNECT_RETRY, DEFAULT_HOLD_TIME, DEFAULT_IDLE_HOLD_MAX, DEFAULT_IDLE_HOLD_MIN,
    OPEN_SENT_HOLD_TIME,
};

/// Session states, with the names `show bgp neighbor` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}

impl State {
    /// The name in `show bgp neighbor` (`State: Established`).
    pub fn junos_name(self) -> &'static str {
        match self {
            State::Idle => "Idle",
            State::Connect => "Connect",
            State::Active => "Active",
            State::OpenSent => "OpenSent",
            State::OpenConfirm => "OpenConfirm",
            State::Established => "Established",
        }
    }

    /// The name in the last column of `show bgp summary` (`Establ`).
    pub fn summary_name(self) -> &'static str {
        match self {
            State::Established => "Establ",
            other => other.junos_name(),
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.junos_name())
    }
}

/// Who opened a TCP connection: us (`Outgoing`, to the peer's port 179) or the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Initiator {
    Outgoing,
    Incoming,
}

/// One TCP connection of a session. Outgoing ids are chosen by the machine (in `Connect`),
/// incoming ids by the driver; the two never collide because the initiator is part of the id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId {
    pub initiator: Initiator,
    pub seq: u64,
}

impl ConnId {
    pub const fn outgoing(seq: u64) -> Self {
        ConnId {
            initiator: Initiator::Outgoing,
            seq,
        }
    }

    pub const fn incoming(seq: u64) -> Self {
        ConnId {
            initiator: Initiator::Incoming,
            seq,
        }
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.initiator {
            Initiator::Outgoing => write!(f, "out#{}", self.seq),
            Initiator::Incoming => write!(f, "in#{}", self.seq),
        }
    }
}

/// The session's timers (RFC 4271 §10). The driver owns the real timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// Runs while an outgoing connect is pending, and in Active (unless passive).
    ConnectRetry,
    /// 240 s in OpenSent, the negotiated hold time in OpenConfirm/Established.
    Hold,
    /// Negotiated hold / 3, in OpenConfirm/Established; not armed when the hold time is 0.
    Keepalive,
    /// Idle until the automatic restart.
    IdleHold,
}

impl TimerKind {
    pub const ALL: [TimerKind; 4] = [
        TimerKind::ConnectRetry,
        TimerKind::Hold,
        TimerKind::Keepalive,
        TimerKind::IdleHold,
    ];
}

/// What an [`Input::AutomaticStop`] leaves behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleAfterStop {
    /// Restart after the usual backoff.
    Backoff,
    /// Restart after this long (Junos `prefix-limit … teardown idle-timeout <minutes>`).
    For(Duration),
    /// Stay Idle until the next ManualStart (Junos `idle-timeout forever`, then `clear bgp neighbor`).
    Forever,
}

/// Everything that can happen to a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The neighbor is configured and enabled, or `clear bgp neighbor` after a stop.
    ManualStart,
    /// Operator or configuration stop; the Cease subcode says why (admin shutdown, peer
    /// deconfigured, admin reset, other configuration change). Stays Idle until ManualStart.
    ManualStop(Cease),
    /// The speaker itself ends the session, e.g. prefix limit:
    /// `notification` = [`Notification::max_prefixes`].
    AutomaticStop {
        notification: Notification,
        idle: IdleAfterStop,
    },
    /// Our outgoing connect (from `Connect(id)`) completed.
    TcpConnectionConfirmed(ConnId),
    /// The listener accepted a connection from this peer (an id from [`ConnId::incoming`]).
    TcpConnectionAcknowledged(ConnId),
    /// A connect failed, or an open connection was closed or broke.
    TcpConnectionFails(ConnId),
    TimerExpired(TimerKind),
    OpenReceived {
        conn: ConnId,
        open: PeerOpen,
    },
    KeepaliveReceived(ConnId),
    /// An UPDATE arrived (its contents stay with the driver: process it iff
    /// [`Session::established_conn`] is `Some(conn)` after this input).
    UpdateReceived(ConnId),
    RouteRefreshReceived(ConnId),
    NotificationReceived {
        conn: ConnId,
        notification: Notification,
    },
    /// The codec rejected a message on `conn`; send this NOTIFICATION and reset.
    DecodeError {
        conn: ConnId,
        notification: Notification,
    },
}

/// Why an Established session went down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// We sent this NOTIFICATION (stop, error, hold timer).
    Sent(Notification),
    /// The peer sent this NOTIFICATION.
    Received(Notification),
    /// The TCP connection closed or failed without a NOTIFICATION.
    ConnectionClosed,
}

/// What the driver must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Open a TCP connection to the peer and report the result for `id`.
    Connect(ConnId),
    /// Close this connection (after writing anything queued for it) or abort its connect.
    CloseConnection(ConnId),
    SendOpen {
        conn: ConnId,
        open: LocalOpen,
    },
    SendKeepalive(ConnId),
    SendNotification {
        conn: ConnId,
        notification: Notification,
    },
    StartTimer(TimerKind, Duration),
    StopTimer(TimerKind),
    /// The session is up on `conn`: routes may flow.
    Established {
        conn: ConnId,
        negotiated: Negotiated,
    },
    /// The Established session is gone: drop the peer's routes.
    SessionDown {
        reason: DownReason,
    },
    StateChanged {
        from: State,
        to: State,
    },
}

/// The last event of `show bgp neighbor` (`Last Event: RecvKeepAlive`). The names are Junos's
/// (its `show bgp neighbor` field table), except `RecvRefresh` and `RecvError`, which Junos does
/// not document and lsys names in the same style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// ManualStart, or the automatic restart when IdleHold expires.
    Start,
    /// ManualStop or AutomaticStop.
    Stop,
    /// A connect failed or timed out, and BGP will try again.
    ConnectRetry,
    /// A connection came up and we sent our OPEN.
    Open,
    /// An open connection closed.
    Closed,
    HoldTime,
    /// We sent a KEEPALIVE (keepalive timer).
    KeepAlive,
    RecvOpen,
    RecvKeepAlive,
    RecvUpdate,
    RecvNotify,
    RecvRefresh,
    /// The codec rejected a message that was not an OPEN, UPDATE or ROUTE-REFRESH.
    RecvError,
}

impl Event {
    pub fn junos_name(self) -> &'static str {
        match self {
            Event::Start => "Start",
            Event::Stop => "Stop",
            Event::ConnectRetry => "ConnectRetry",
            Event::Open => "Open",
            Event::Closed => "Closed",
            Event::HoldTime => "HoldTime",
            Event::KeepAlive => "KeepAlive",
            Event::RecvOpen => "RecvOpen",
            Event::RecvKeepAlive => "RecvKeepAlive",
            Event::RecvUpdate => "RecvUpdate",
            Event::RecvNotify => "RecvNotify",
            Event::RecvRefresh => "RecvRefresh",
            Event::RecvError => "RecvError",
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.junos_name())
    }
}
