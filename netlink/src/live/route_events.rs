//! Route deletions in lsys's protocols, as the kernel announces them: how the FIB learns that
//! a route it installed was removed behind its back (`ip route del`, a device going away) and
//! puts it back.
//!
//! ```text
//!  rtnetlink socket (RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE)
//!     │ RTM_DELROUTE with rtm_protocol in `protocols`
//!     ▼
//!  watch_route_deletions(protocols, on) ── on(RouteEvent::Deleted{table, prefix, protocol})
//!                                        └─ on(RouteEvent::Overrun) when events were lost
//! ```
//! Additions are not reported: the kernel echoes every route lsys writes, and only a missing
//! route needs action. After an overrun the subscriber must compare the tables again.

use futures::StreamExt;
use ipnet::IpNet;
use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::AsyncSocket;
use rtnetlink::MulticastGroup;

use super::LiveError;
use crate::route::parse_route;

/// Receive buffer of the route event socket: a full table flushed at once is many events.
const ROUTE_EVENT_RCVBUF: usize = 8 * 1024 * 1024;

/// What the watcher reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteEvent {
    /// A route of one of the watched protocols left a table.
    Deleted {
        table: u32,
        prefix: IpNet,
        protocol: u8,
    },
    /// Events were lost (ENOBUFS): compare the tables again.
    Overrun,
}

/// The route event of one message, if it is a deletion of a watched protocol.
pub fn route_event(m: &RouteNetlinkMessage, protocols: &[u8]) -> Option<RouteEvent> {
    let RouteNetlinkMessage::DelRoute(msg) = m else {
        return None;
    };
    let r = parse_route(msg)?;
    let protocol = u8::from(r.protocol);
    protocols
        .contains(&protocol)
        .then_some(RouteEvent::Deleted {
            table: r.table,
            prefix: r.destination,
            protocol,
        })
}

/// Reports deletions of routes whose protocol is in `protocols` until the socket fails.
/// `on` returns false to stop watching.
pub async fn watch_route_deletions(
    protocols: Vec<u8>,
    mut on: impl FnMut(RouteEvent) -> bool,
) -> Result<(), LiveError> {
    let (mut conn, _handle, mut events) = rtnetlink::new_multicast_connection(&[
        MulticastGroup::Ipv4Route,
        MulticastGroup::Ipv6Route,
    ])?;
    conn.socket_mut()
        .socket_ref()
        .set_rx_buf_sz(ROUTE_EVENT_RCVBUF)?;
    let _conn = super::watch::AbortOnDrop(tokio::spawn(conn));
    while let Some((msg, _)) = events.next().await {
        let event = match msg.payload {
            NetlinkPayload::InnerMessage(m) => route_event(&m, &protocols),
            NetlinkPayload::Overrun(_) => Some(RouteEvent::Overrun),
            _ => None,
        };
        if let Some(e) = event {
            if !on(e) {
                return Ok(());
            }
        }
    }
    Err(LiveError::Closed)
}
