//! `show bgp summary` and `show bgp neighbor` in Junos's layouts, as pure functions of plain
//! snapshots (the daemon fills them from the peers' [`Status`] and the instance's counters).
//!
//! ```text
//!  PeerView (config + peer::Status + per-table counts) ──► summary()   Threading mode: ...
//!                                                      └─► neighbor()  Peer: A+179 AS N ...
//! ```
//! The layouts are junos-cli.md §4's (and the seed capture's): the peer line is
//! `%-20s%7s %10u %10u %7u %7u %11s %s`; a peer whose routes go to a routing instance's table
//! shows `Establ` and one indented `TABLE: active/received/accepted/damped` line per table, a
//! master-instance peer shows its counts on the line itself. The `Table` block lists the
//! master-instance tables only, which is why the seed's tenant sees none.

mod neighbor;
mod summary;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub use neighbor::neighbor;
pub use summary::summary;

use crate::fsm::PeerType;
use crate::peer::Status;

/// Prefix counts of one peer in one table (`show bgp summary`'s `1/1/1/0`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// `inet.0`, `NAME.inet.0`, `inet6.0` ...
    pub table: String,
    /// Whether the table belongs to the master instance (counts print on the peer's line).
    pub master: bool,
    pub active: u64,
    pub received: u64,
    pub accepted: u64,
    pub damped: u64,
    pub advertised: u64,
}

/// One configured neighbor as the show commands see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerView {
    pub address: IpAddr,
    pub group: String,
    /// `master` or the routing instance's name.
    pub instance: String,
    pub peer_type: PeerType,
    pub peer_as: u32,
    pub local_as: u32,
    pub local_id: Ipv4Addr,
    /// Configured hold time (`Holdtime:`).
    pub hold_time: u16,
    pub import: Vec<String>,
    pub export: Vec<String>,
    /// Junos's `Options: <...>` words, in its order (`Preference HoldTime AuthKey PeerAS ...`).
    pub options: Vec<&'static str>,
    pub status: Status,
    /// Seconds since the session last went up or down (`Last Up/Dwn`), or since it was
    /// configured.
    pub last_change_age: i64,
    pub tables: Vec<TableCounts>,
}

impl PeerView {
    /// `10.0.0.1+179` when connected, else the address alone.
    fn remote(&self) -> String {
        with_port(self.address, self.status.remote)
    }
}

fn with_port(addr: IpAddr, sock: Option<SocketAddr>) -> String {
    match sock {
        Some(s) if s.ip() == addr => format!("{}+{}", s.ip(), s.port()),
        _ => addr.to_string(),
    }
}

/// A master-instance table with BGP peers, for the `Table` block of the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableTotals {
    pub table: String,
    pub paths: u64,
    pub active: u64,
}

/// Everything `show bgp summary` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryView {
    pub groups: usize,
    pub peers: Vec<PeerView>,
    pub tables: Vec<TableTotals>,
}
