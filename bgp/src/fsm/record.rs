//! The operational record behind `show bgp neighbor` / `show bgp summary`: last state, last
//! event, last error, flaps and message counters.
//!
//! The machine counts the messages it receives (every message input on a live connection) and
//! the ones it emits (OPEN, KEEPALIVE, NOTIFICATION). UPDATEs and ROUTE-REFRESHes that the
//! driver sends on its own are reported with [`super::Session::count_sent`]. Octets and times
//! are the driver's: it sees the bytes and owns the clock.

use std::collections::BTreeMap;

use super::notification::Notification;
use super::{Event, State};

/// Message types (RFC 4271 §4.1, RFC 2918).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Open,
    Update,
    Notification,
    Keepalive,
    RouteRefresh,
}

/// Messages of each type in one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageCounts {
    pub open: u64,
    pub update: u64,
    pub notification: u64,
    pub keepalive: u64,
    pub route_refresh: u64,
}

impl MessageCounts {
    /// `InPkt` / `OutPkt` of `show bgp summary`, `Total` of `show bgp neighbor`.
    pub fn total(&self) -> u64 {
        self.open + self.update + self.notification + self.keepalive + self.route_refresh
    }

    pub(crate) fn bump(&mut self, kind: MessageKind) {
        let n = match kind {
            MessageKind::Open => &mut self.open,
            MessageKind::Update => &mut self.update,
            MessageKind::Notification => &mut self.notification,
            MessageKind::Keepalive => &mut self.keepalive,
            MessageKind::RouteRefresh => &mut self.route_refresh,
        };
        *n = n.saturating_add(1);
    }
}

/// Whether we sent a NOTIFICATION or received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Sent,
    Received,
}

/// `Last Error:` — the NOTIFICATION that last ended a session or a session attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastError {
    pub direction: Direction,
    pub notification: Notification,
}

/// Junos's `Error: 'Cease' Sent: 2 Recv: 0` lines, per error code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErrorCount {
    pub sent: u64,
    pub received: u64,
}

/// What the session remembers for the show commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The state before the current one (`Last State:`).
    pub last_state: State,
    /// `Last Event:`; `None` until the first input that did something.
    pub last_event: Option<Event>,
    /// `Last Error:`; `None` prints as `None`. The Cease sent to turn away a surplus
    /// connection (Connection Rejected, Connection Collision Resolution) is counted in
    /// `errors` but does not replace it.
    pub last_error: Option<LastError>,
    /// `Number of flaps:` / `Flaps`: transitions out of Established.
    pub flaps: u64,
    pub received: MessageCounts,
    pub sent: MessageCounts,
    /// NOTIFICATIONs sent and received per error code.
    pub errors: BTreeMap<u8, ErrorCount>,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            last_state: State::Idle,
            last_event: None,
            last_error: None,
            flaps: 0,
            received: MessageCounts::default(),
            sent: MessageCounts::default(),
            errors: BTreeMap::new(),
        }
    }
}

impl Record {
    pub(crate) fn notification(&mut self, n: &Notification, direction: Direction, last: bool) {
        let count = self.errors.entry(n.code).or_default();
        match direction {
            Direction::Sent => {
                count.sent += 1;
                self.sent.bump(MessageKind::Notification);
            }
            Direction::Received => {
                count.received += 1;
                self.received.bump(MessageKind::Notification);
            }
        }
        if last {
            self.last_error = Some(LastError {
                direction,
                notification: n.clone(),
            });
        }
    }
}
