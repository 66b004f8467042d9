//! Live kernel state for show commands: links with their addresses, kept current by kernel
//! events, and one-shot route dumps of a table.
//!
//! ```text
//!  rtnetlink socket (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR)
//!     │ events                        ▲ dump (links, addresses) on start, on ENOBUFS overrun
//!     ▼                               │ and when an event shows that one was missed
//!  watch() ── LiveState::apply(msg) ──► SharedLive (Arc<RwLock<Live>>) ──► show commands
//! ```
//!
//! [`LiveState::apply`] is pure: it takes one decoded rtnetlink message and updates the state,
//! so it is unit-tested with synthetic messages. [`watch`] is the thin async driver around it.
//! [`LiveState::apply_datagram`] takes the received bytes instead ([`decode_datagram`] decodes
//! them as the event connection does): the entry point of the `netlink_live` fuzz target.
//!
//! Link state: `admin_up` is `IFF_UP`. `oper_up` is "the link really forwards": `IFF_UP`,
//! carrier (`IFF_LOWER_UP`) and `IFLA_OPERSTATE` `up` or `unknown` (drivers without operstate
//! support report `unknown` with carrier; `lowerlayerdown`, `dormant`, `testing`, `down` are
//! down). The kernel propagates carrier through stacked devices, so a bridge whose only member
//! lost carrier and a VLAN device whose parent (or a veth whose peer) went down both show down.
//!
//! Events the kernel sends for the same link with family `AF_BRIDGE` (bridge port
//! notifications, including an `RTM_DELLINK` when a port merely leaves its bridge) carry a
//! partial attribute set and are ignored: the `AF_UNSPEC` notification that accompanies every
//! real change is the one applied.
//!
//! Layout: `state.rs` holds the pure model ([`LiveState`], [`LiveLink`], [`Applied`]),
//! `decode.rs` bytes to messages ([`decode_datagram`], [`LiveState::apply_datagram`]),
//! `watch.rs` the driver ([`watch`], [`dump`], [`SharedLive`]), `routes.rs` the one-shot dump
//! of a table ([`routes`], [`routes_with`]), `neighbors.rs` the one-shot dump of the ARP table
//! ([`neighbors_now`]), `route_events.rs` deletions of lsys's routes
//! ([`watch_route_deletions`]). The routes it returns are the crate's one route
//! model, [`crate::route::KernelRoute`], re-exported here with its parts.

mod counters;
mod decode;
mod neighbors;
mod route_events;
mod routes;
mod state;
mod watch;

pub use crate::route::{parse_route, KernelRoute, NextHop, RouteKind, RouteProto, RouteScope};
pub use counters::{counters_now, parse_counters, Counters};
pub use decode::decode_datagram;
pub use neighbors::{neighbors_now, parse_neighbor, Neighbor};
pub use route_events::{route_event, watch_route_deletions, RouteEvent};
pub use routes::{routes, routes_with};
pub use state::{parse_live_link, Applied, LiveLink, LiveState};
pub use watch::{dump, dump_now, shared, watch, watch_with, Live, LiveEvent, SharedLive};

/// Why the live state could not be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot open a netlink socket: {0}")]
    Socket(#[from] std::io::Error),
    #[error("netlink dump failed: {0}")]
    Dump(#[source] rtnetlink::Error),
    #[error("the netlink event socket closed")]
    Closed,
}
