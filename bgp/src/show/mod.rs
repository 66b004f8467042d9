//! The `show bgp` commands and `show route receive-protocol | advertising-protocol bgp A` in
//! Junos's layouts, as pure functions of plain snapshots (the daemon fills them from the peers'
//! [`Status`], the instance's counters and RIB, and the typed configuration).
//!
//! ```text
//!  PeerView (config + peer::Status + per-table counts) ──► summary()   Threading mode: ...
//!                                                      ├─► neighbor()  Peer: A+179 AS N ...
//!  GroupView (typed group + its PeerViews) ────────────└─► groups()    Group Type: External ...
//!  RouteTable (table counts + RouteLines of a neighbor) ──► routes()   * 10.6.0.0/16  10.0.0.14 ...
//!  each of them ──► *_json()                                            | display json
//! ```
//! The layouts are junos-cli.md §4's (and the seed capture's): the peer line is
//! `%-20s%7s %10u %10u %7u %7u %11s %s`; a peer whose routes go to a routing instance's table
//! shows `Establ` and one indented `TABLE: active/received/accepted/damped` line per table, a
//! master-instance peer shows its counts on the line itself. The `Table` block lists the
//! master-instance tables only, which is why the seed's tenant sees none. `show bgp group` is
//! described in `group.rs`, the route listings in `routes.rs`.
//!
//! # JSON (`| display json`)
//!
//! Junos's XML element names, plain values (numbers are JSON numbers, no `[{"data": ...}]`
//! wrapping), optional members left out rather than `null` (the style of `show route | display
//! json`, lsys-fib's `render` module):
//!
//! ```text
//! show bgp summary
//! { "bgp-information": {
//!     "group-count": 2, "peer-count": 2, "down-peer-count": 0,
//!     "bgp-rib": [ { "name": "inet.0", "total-prefix-count": 2, "active-prefix-count": 2,
//!                    "suppressed-prefix-count": 0, "history-prefix-count": 0,
//!                    "damped-prefix-count": 0, "pending-prefix-count": 0 } ],  (master tables)
//!     "bgp-peer": [ { "peer-address": "10.0.0.1", "peer-as": 64512,
//!         "input-messages": 11492, "output-messages": 12391, "route-queue-count": 0,
//!         "flap-count": 2, "elapsed-time": { "seconds": 335746, "text": "3d 21:15:46" },
//!         "peer-state": "Established",
//!         "bgp-rib"?: [ { "name": "CUST.inet.0", "active-prefix-count": 1,       (established)
//!                         "received-prefix-count": 1, "accepted-prefix-count": 1,
//!                         "suppressed-prefix-count": 0 } ] } ] } }
//!
//! show bgp neighbor [A]
//! { "bgp-information": { "bgp-peer": [ {
//!     "peer-address": "10.0.0.1+179", "peer-as": 64512, "local-address"?: "10.0.0.0+57175",
//!     "local-as": 65000, "peer-group": "aws", "peer-cfg-rti": "CUST", "peer-type": "External",
//!     "peer-state": "Established", "peer-flags": "Sync" | "", "last-state": "OpenConfirm",
//!     "last-event"?: "RecvKeepAlive", "last-error"?: "Cease",
//!     "bgp-option-information": { "export-policy"?: [ "to-aws" ], "import-policy"?: [ .. ],
//!         "bgp-options": "Preference AuthKey PeerAS Refresh", "holdtime": 90,
//!         "preference": 170, "local-as": 65000, "local-system-as": 0 },
//!     "flap-count": 2,
//!     "bgp-error"?: [ { "name": "Cease", "send-count": 0, "receive-count": 2 } ],
//!     established only: "peer-id": "10.0.0.1", "local-id": "10.0.0.0", "active-holdtime": 90,
//!         "keepalive-interval": 30,
//!     "peer-index": 0,
//!     "bgp-rib"?: [ { "name": "CUST.inet.0", "rib-bit": 20000, "active-prefix-count": 1,
//!         "received-prefix-count": 1, "accepted-prefix-count": 1,
//!         "advertised-prefix-count": 1 } ],                                     (established)
//!     "input-messages": 11492, "input-updates": 2, "input-refreshes": 0, "input-octets": ..,
//!     "output-messages": 12391, "output-updates": 1, "output-refreshes": 0, "output-octets": ..
//! } ] } }
//!
//! show bgp group [NAME]
//! { "bgp-group-information": {
//!     "bgp-group": [ { "type": "External", "peer-as"?: 64512, "local-as": 65000, "name": "aws",
//!         "group-index": 0, "group-flags": "Export Eval",
//!         "bgp-option-information": { "export-policy"?: [..], "import-policy"?: [..],
//!                                     "holdtime": 0 },
//!         "peer-count": 1, "established-count": 1, "peer-address": [ "10.0.0.1+179" ],
//!         "bgp-rib"?: [ { "name": "CUST.inet.0", "active-prefix-count": 1,
//!             "received-prefix-count": 1, "accepted-prefix-count": 1,
//!             "suppressed-prefix-count": 0 } ] } ],
//!     "bgp-information"?: { "group-count": 2, "peer-count": 2, "external-peer-count": 2,   (not
//!         "internal-peer-count": 0, "down-peer-count": 0, "flap-count": 4,      with NAME)
//!         "bgp-rib": [ ...as in the summary... ] } } }
//!
//! show route receive-protocol bgp A [hidden] | advertising-protocol bgp A
//! { "route-information": { "route-table": [ {
//!     "table-name": "CUST.inet.0", "destination-count": 7, "total-route-count": 7,
//!     "active-route-count": 7, "holddown-route-count": 0, "hidden-route-count": 0,
//!     "rt": [ { "rt-destination": "10.6.0.0/16",
//!       "rt-entry": [ { "active-tag": "*" | "", "protocol-name": "BGP", "hidden": false,
//!         "nh": [ { "to": "10.0.0.14", "self"?: true } ],
//!         "med"?: 0, "local-preference"?: 100, "as-path": "12076 I" } ] } ] } ] } }
//! ```
//! `"self": true` is the text layout's `Self`: the next hop sent is the session's own address
//! (`to` holds it).

mod group;
mod json;
mod neighbor;
mod routes;
mod summary;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub use group::{groups, GroupView, GroupsView};
pub use json::{groups_json, neighbor_json, routes_json, summary_json};
pub use neighbor::neighbor;
pub use routes::{routes, RouteLine, RouteTable};
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
    /// The route preference of the paths learned (`Preference:`; 170 unless configured).
    pub preference: u32,
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
