//! The vocabulary the RIB shares with the daemon: what goes in (configuration, connected
//! interfaces, kernel results) and what comes out (FIB operations).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// A table as the daemon names it (an instance key such as `l2/CUST`, or `""` for the main
/// table). Opaque to the RIB: it only orders and compares them.
pub type TableKey = String;

/// Where a route came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// The subnet of an address on an up interface.
    Direct,
    /// The address itself (a /32 or /128), delivered locally.
    Local,
    Static,
    Bgp,
}

impl Protocol {
    /// Junos default preferences: Direct 0, Local 0, Static 5, BGP 170.
    pub fn default_preference(self) -> u32 {
        match self {
            Protocol::Direct | Protocol::Local => 0,
            Protocol::Static => 5,
            Protocol::Bgp => 170,
        }
    }

    /// The name `show route` prints: `Direct`, `Local`, `Static`, `BGP`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Direct => "Direct",
            Protocol::Local => "Local",
            Protocol::Static => "Static",
            Protocol::Bgp => "BGP",
        }
    }

    /// Whether the kernel makes this route itself from the interface address (lsys never
    /// installs it).
    pub fn kernel_owned(self) -> bool {
        matches!(self, Protocol::Direct | Protocol::Local)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One configured next hop of a static route.
///
/// The order (derived) is the one a route's next hops are kept, installed and compared in:
/// addresses first, by address, then interfaces, by name. It decides which next hop a route
/// without multipath installs (the first usable one) and the last tie-breaker of selection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NextHop {
    /// A gateway: usable when it lies in a connected subnet of the table (kernel `via A`).
    Address(IpAddr),
    /// An interface of the table, by its kernel device name (`irb.300`): usable when that
    /// interface is in the table and up; the route points straight out of it (kernel
    /// `dev irb.300`, scope link, no gateway).
    Interface(String),
}

impl From<IpAddr> for NextHop {
    fn from(a: IpAddr) -> NextHop {
        NextHop::Address(a)
    }
}

impl fmt::Display for NextHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextHop::Address(a) => write!(f, "{a}"),
            NextHop::Interface(i) => f.write_str(i),
        }
    }
}

/// What a static route does with its packets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaticTarget {
    /// Forward over these next hops (gateways resolving over a connected subnet, or
    /// interfaces of the table that are up).
    NextHops(Vec<NextHop>),
    /// Drop silently (kernel `blackhole`).
    Discard,
    /// Drop and answer ICMP unreachable (kernel `unreachable`).
    Reject,
    /// Only qualified next hops are configured.
    None,
}

/// One `routing-options static route` (or `rib inet6.0 static route`) as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticConfig {
    pub prefix: IpNet,
    /// `preference` of the route (default 5); also the preference of its qualified next hops
    /// that set none.
    pub preference: Option<u32>,
    pub target: StaticTarget,
    /// `qualified-next-hop A { preference N; }` (A an address or an interface): a route of
    /// its own at preference N (floating static), or joining the main next hops when N is the
    /// route's preference.
    pub qualified: Vec<(NextHop, Option<u32>)>,
}

/// Everything the configuration says about one table.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableConfig {
    /// Junos name without the family: `inet` tables print `NAME.inet.0`, `inet6` ones
    /// `NAME.inet6.0` (`""` for the master instance: `inet.0`).
    pub name: String,
    /// The kernel table id the FIB writes to.
    pub kernel_table: u32,
    pub statics: Vec<StaticConfig>,
    /// A `load-balance per-packet` policy is exported to the forwarding table: install every
    /// resolved next hop of the active route, not one.
    pub multipath: bool,
    /// `routing-options maximum-prefixes`: destinations from Static and BGP past this many are
    /// refused (Direct and Local are never refused).
    pub max_prefixes: Option<u32>,
}

/// What `show route` prints about a BGP route: the attributes of the path and who sent it.
///
/// The speaker renders the text fields and shares one `Arc<BgpInfo>` between every route
/// with the same attributes from the same peer; the RIB stores the `Arc` once per table and
/// family, not once per route.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BgpInfo {
    /// The AS path as Junos prints it, origin included: `12076 I`, `64512 65001 ?`,
    /// `{65001 65002} I`, `I` (an empty path).
    pub as_path: String,
    /// LOCAL_PREF as the route carries it after import (the speaker fills 100 for eBGP
    /// routes, as Junos shows them).
    pub local_pref: Option<u32>,
    /// MULTI_EXIT_DISC, when the route carries one.
    pub med: Option<u32>,
    /// The peer's address (`Source:`, and `from` in `show route`).
    pub from: IpAddr,
    pub peer_as: u32,
    /// The AS of the local end of the session (`Local AS:`), when known.
    pub local_as: Option<u32>,
    /// The peer's BGP identifier (`Router ID:`), when known.
    pub router_id: Option<Ipv4Addr>,
    /// Communities as Junos prints them (`65000:100`, `target:65000:10`, `no-export`), in
    /// the order to print.
    pub communities: Vec<String>,
    /// From an internal (iBGP) peer.
    pub internal: bool,
}

/// The BGP route of one prefix as the speaker selected it ([`crate::rib::Rib::set_bgp`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpRoute {
    /// One next hop, or several for BGP multipath (installed together only when the table
    /// has `multipath`, as for statics). Each must lie in a connected subnet of the table to
    /// be usable; a route none of whose next hops does is hidden.
    pub next_hops: Vec<IpAddr>,
    /// 170 unless an import policy set another (`then preference N`).
    pub preference: u32,
    pub info: Arc<BgpInfo>,
}

/// How the active route of a destination handles packets ([`ActiveRoute::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActiveKind {
    /// Over [`ActiveRoute::next_hops`] (or delivered locally: a Local route).
    Forward,
    /// A static `discard` route.
    Discard,
    /// A static `reject` route.
    Reject,
}

/// The active route of a destination, for the BGP speaker's export policies
/// ([`crate::rib::Rib::active_route`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveRoute {
    pub protocol: Protocol,
    pub preference: u32,
    pub kind: ActiveKind,
    /// The next hops it uses now, resolved ones only, in [`NextHop`] order: gateways, then
    /// interfaces (a static's interface next hop; the interface of a Direct or Local route).
    /// Empty for discard and reject.
    pub next_hops: Vec<NextHop>,
    /// The route's metric when it has one: a BGP route's MED (lsys statics carry none).
    pub metric: Option<u32>,
    /// The route's tag: lsys statics carry none yet, so always `None` for now.
    pub tag: Option<u32>,
    /// A BGP route's attributes.
    pub bgp: Option<Arc<BgpInfo>>,
}

/// One interface of a table, as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Connected {
    /// The Junos name, also the kernel device name (`irb.4`).
    pub ifname: String,
    pub ifindex: u32,
    /// Carrier and operational state: only an up interface gives Direct and Local routes.
    pub up: bool,
    /// Addresses with their prefix length, host bits set (`10.0.0.13/30`).
    pub addresses: Vec<IpNet>,
}

/// A resolved next hop: a gateway on an interface, or the interface itself (`gateway: None`,
/// a kernel route with only an output interface).
///
/// Ordered as [`NextHop`] is: hops with a gateway first (by gateway, then interface), then
/// interface-only hops (by name, then ifindex), so a route's hops sort the same way whether
/// the RIB built them or read them back from the kernel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hop {
    pub gateway: Option<IpAddr>,
    pub ifname: String,
    pub ifindex: u32,
}

impl Hop {
    fn order_key(&self) -> (bool, Option<IpAddr>, &str, u32) {
        (
            self.gateway.is_none(),
            self.gateway,
            &self.ifname,
            self.ifindex,
        )
    }
}

impl Ord for Hop {
    fn cmp(&self, other: &Hop) -> std::cmp::Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

impl PartialOrd for Hop {
    fn partial_cmp(&self, other: &Hop) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// What one kernel route of lsys's says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FibAction {
    /// Unicast over these next hops (one, or several for multipath), sorted ([`Hop`]'s order).
    Forward(Vec<Hop>),
    Blackhole,
    Unreachable,
}

/// A route lsys installs in a kernel table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FibRoute {
    pub kernel_table: u32,
    pub prefix: IpNet,
    /// Static or Bgp (the kernel protocol id follows from it).
    pub protocol: Protocol,
    pub action: FibAction,
}

/// One change to send to the kernel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FibOp {
    /// Add or replace the route for `route.prefix` in `route.kernel_table`.
    Replace(FibRoute),
    /// Remove the route lsys installed (as it was installed).
    Delete(FibRoute),
}

impl FibOp {
    pub fn route(&self) -> &FibRoute {
        match self {
            FibOp::Replace(r) | FibOp::Delete(r) => r,
        }
    }
}

/// What the kernel said about a [`FibOp`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FibState {
    /// Not a kernel route of lsys's (Direct, Local, inactive, hidden).
    None,
    /// Sent, no answer yet.
    Pending,
    Installed,
    /// The kernel refused it: its message (`File exists`, ...).
    Refused(String),
}

/// The address family of a table: every [`TableKey`] has an `inet` and an `inet6` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    Inet,
    Inet6,
}

impl Family {
    pub fn of(prefix: &IpNet) -> Family {
        match prefix {
            IpNet::V4(_) => Family::Inet,
            IpNet::V6(_) => Family::Inet6,
        }
    }

    /// The Junos table name of a table called `name` (`""`: the master instance):
    /// `inet.0`, `CUST.inet.0`, `CUST.inet6.0`.
    pub fn table_name(self, name: &str) -> String {
        let suffix = match self {
            Family::Inet => "inet.0",
            Family::Inet6 => "inet6.0",
        };
        if name.is_empty() {
            suffix.to_string()
        } else {
            format!("{name}.{suffix}")
        }
    }
}
