//! Plain snapshots of (part of) a table, built by [`crate::rib::Rib::view`] and taken by the
//! renderers: they hold no references into the RIB, so a show command renders without holding
//! anything the RIB needs.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use serde::{Serialize, Serializer};

use crate::{BgpInfo, FibState, Protocol};

/// Which destinations of a table a query picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DestFilter {
    #[default]
    All,
    /// `show route A/P exact`.
    Exact(IpNet),
    /// `show route A/P longer`: strictly more specific than A/P.
    Longer(IpNet),
    /// `show route A/P orlonger`, and `show route A/P` without a match type (Junos shows the
    /// prefix and everything under it).
    OrLonger(IpNet),
    /// `show route A` (no length): the longest active match of the address.
    Lookup(IpAddr),
}

/// A `show route` query on one table.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub dest: DestFilter,
    pub protocol: Option<Protocol>,
    /// `show route hidden`: only hidden routes. Otherwise hidden routes are left out.
    pub hidden: bool,
    /// Build the destinations (false: counts only, for `show route summary`).
    pub routes: bool,
}

/// One table: its counts (always of the whole table) and the destinations the query picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableView {
    /// `inet.0`, `CUST.inet.0`, `l2/CUST.inet6.0`.
    pub name: String,
    pub destinations: usize,
    pub routes: usize,
    pub active: usize,
    /// Always 0: lsys keeps no routes in holddown (kept for the Junos header).
    pub holddown: usize,
    pub hidden: usize,
    /// Per protocol with at least one route, in [`Protocol`] order.
    pub protocols: Vec<ProtocolCount>,
    /// `maximum-prefixes`, and how many routes it refused.
    pub limit: Option<LimitView>,
    /// Sorted by address, then prefix length.
    pub dests: Vec<DestView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProtocolCount {
    pub protocol: Protocol,
    pub routes: usize,
    pub active: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitView {
    pub max_prefixes: u32,
    /// Destinations refused since the limit was (re)configured.
    pub refused: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestView {
    pub prefix: IpNet,
    /// The active route first, then the others by preference.
    pub routes: Vec<RouteView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteView {
    pub protocol: Protocol,
    pub preference: u32,
    pub active: bool,
    /// The next hop does not resolve (shown only by `show route hidden`).
    pub hidden: bool,
    /// Unix seconds when the route last changed (the age column is `now - since`).
    pub since: i64,
    pub next_hops: Vec<NextHopView>,
    /// What the kernel said about the active route lsys installed.
    pub fib: FibState,
    /// A BGP route's attributes (shared with the RIB, not copied).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_info"
    )]
    pub bgp: Option<Arc<BgpInfo>>,
}

fn serialize_info<S: Serializer>(info: &Option<Arc<BgpInfo>>, s: S) -> Result<S::Ok, S::Error> {
    info.as_deref().serialize(s)
}

impl TableView {
    /// Renames every interface the table's next hops name (`rename` returns the new name, or
    /// `None` to keep it): the daemon shows a Junos port's name instead of its Linux device.
    pub fn rename_interfaces(&mut self, rename: impl Fn(&str) -> Option<String>) {
        let hops = self
            .dests
            .iter_mut()
            .flat_map(|d| &mut d.routes)
            .flat_map(|r| &mut r.next_hops);
        for h in hops {
            if let NextHopView::Interface { ifname, .. }
            | NextHopView::Local { ifname }
            | NextHopView::Gateway { ifname, .. }
            | NextHopView::UnresolvedInterface { ifname } = h
            {
                if let Some(new) = rename(ifname) {
                    *ifname = new;
                }
            }
        }
    }
}

/// One next-hop line of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum NextHopView {
    /// Out of the interface itself: a Direct route, or a static route's interface next hop
    /// (`next-hop irb.300`): `> via irb.4` (`selected`: installed in the kernel, marked `>`;
    /// always for a Direct route).
    Interface { ifname: String, selected: bool },
    /// Local: `Local via irb.4`.
    Local { ifname: String },
    /// `> to 10.0.0.1 via irb.4` (`selected`: installed in the kernel, marked `>`).
    Gateway {
        address: IpAddr,
        ifname: String,
        selected: bool,
    },
    /// A gateway that resolves over no connected subnet (hidden routes).
    Unresolved { address: IpAddr },
    /// An interface next hop whose interface is not up in the table (hidden routes).
    UnresolvedInterface { ifname: String },
    /// `Discard`.
    Discard,
    /// `Reject`.
    Reject,
}
