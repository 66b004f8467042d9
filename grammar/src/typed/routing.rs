//! Typed routing options: static routes of both families, forwarding-table export,
//! maximum-prefixes. BGP is in [`super::bgp`].

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::{bad, key, leaf, leaves, parse_str, text, Result, TypedError, UnitRef};
use crate::tree::Node;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoutingOptions {
    pub autonomous_system: Option<u32>,
    pub router_id: Option<Ipv4Addr>,
    /// `maximum-prefixes N` (operator-only): the most prefixes from all protocols one routing
    /// table of this instance may hold.
    pub maximum_prefixes: Option<u32>,
    /// Static routes of both families, in one list: those of `static` (the IPv4 table, inet.0
    /// or `NAME.inet.0`) first, then those of `rib inet6.0 static` (`rib NAME.inet6.0 static`
    /// in a routing instance), each in configuration order. The prefix says the family, and so
    /// the table; that `static` holds only IPv4 routes and a rib only IPv6 ones, with next hops
    /// of the route's family, is a commit check (a validated configuration never mixes them).
    pub static_routes: Vec<StaticRoute>,
    /// `forwarding-table export [ P ... ]`: policies applied to routes installed in the
    /// forwarding table (see [`exports_load_balance`](super::exports_load_balance)).
    pub forwarding_export: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StaticRoute {
    pub prefix: IpNet,
    /// `None` when only qualified next hops are given.
    pub action: Option<StaticAction>,
    pub preference: Option<u32>,
    pub qualified_next_hops: Vec<QualifiedNextHop>,
    /// `metric N`: the route's metric (MED when exported to BGP).
    pub metric: Option<u32>,
    /// `tag N`, matched by a policy's `from tag`.
    pub tag: Option<u32>,
    /// `community [ C ... ]`: communities the route carries.
    pub communities: Vec<String>,
    /// `as-path { path "A B"; }`: the AS path the route carries.
    pub as_path: Vec<u32>,
    /// `retain` (`Some(true)`) / `no-retain` (`Some(false)`); `None` when neither is given.
    pub retain: Option<bool>,
    /// `install` / `no-install`.
    pub install: Option<bool>,
    /// `readvertise` / `no-readvertise`.
    pub readvertise: Option<bool>,
    /// `resolve` / `no-resolve`.
    pub resolve: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaticAction {
    /// `next-hop [ A ... ]`: addresses, or interface units of the route's instance
    /// (`next-hop irb.100`: the route points out of that interface).
    NextHop(Vec<AddressOrInterface>),
    Discard,
    Reject,
    /// `next-table NAME` (refused at commit: not supported yet).
    NextTable(String),
}

/// A next hop (or a policy's `from interface`) given as an address or as an interface unit
/// (Junos's `ipaddr-or-interface`; `NAME` alone is unit 0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddressOrInterface {
    Address(IpAddr),
    Interface(UnitRef),
}

impl AddressOrInterface {
    /// The address, when it is one.
    pub fn address(&self) -> Option<IpAddr> {
        match self {
            AddressOrInterface::Address(a) => Some(*a),
            AddressOrInterface::Interface(_) => None,
        }
    }
}

impl std::str::FromStr for AddressOrInterface {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<AddressOrInterface, String> {
        match s.parse::<IpAddr>() {
            Ok(a) => Ok(AddressOrInterface::Address(a)),
            Err(_) => s.parse().map(AddressOrInterface::Interface),
        }
    }
}

impl std::fmt::Display for AddressOrInterface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddressOrInterface::Address(a) => write!(f, "{a}"),
            AddressOrInterface::Interface(u) => write!(f, "{u}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualifiedNextHop {
    pub next_hop: AddressOrInterface,
    pub preference: Option<u32>,
    pub metric: Option<u32>,
    /// `interface X.N`: the interface to reach the next hop through.
    pub interface: Option<UnitRef>,
}

pub(super) fn routing_options(ro: &Node) -> Result<RoutingOptions> {
    let under = |e: TypedError| e.under(&["routing-options"]);
    let mut out = RoutingOptions {
        autonomous_system: leaf(ro, "autonomous-system").map_err(under)?,
        router_id: leaf(ro, "router-id").map_err(under)?,
        maximum_prefixes: leaf(ro, "maximum-prefixes").map_err(under)?,
        static_routes: Vec::new(),
        forwarding_export: ro
            .get("forwarding-table")
            .map(|f| f.leaf_list("export").to_vec())
            .unwrap_or_default(),
    };
    static_routes(ro, &mut out.static_routes).map_err(under)?;
    for rib in ro.list("rib") {
        static_routes(rib, &mut out.static_routes)
            .map_err(|e| under(e.under(&["rib", key(rib)])))?;
    }
    Ok(out)
}

/// Appends the routes of `node`'s `static` (`node` is routing-options or a rib).
fn static_routes(node: &Node, out: &mut Vec<StaticRoute>) -> Result<()> {
    if let Some(st) = node.get("static") {
        for r in st.list("route") {
            out.push(static_route(r).map_err(|e| e.under(&["static", "route", key(r)]))?);
        }
    }
    Ok(())
}

/// `Some(true)` for `word`, `Some(false)` for `no-word`, `None` for neither.
fn either(r: &Node, word: &str) -> Option<bool> {
    if r.has(word) {
        Some(true)
    } else if r.has(&format!("no-{word}")) {
        Some(false)
    } else {
        None
    }
}

pub(super) fn static_route(r: &Node) -> Result<StaticRoute> {
    let hops: Vec<AddressOrInterface> = leaves(r, "next-hop")?;
    let action = if !hops.is_empty() {
        Some(StaticAction::NextHop(hops))
    } else if r.has("discard") {
        Some(StaticAction::Discard)
    } else if r.has("reject") {
        Some(StaticAction::Reject)
    } else {
        text(r, "next-table").map(StaticAction::NextTable)
    };
    let mut qualified_next_hops = Vec::new();
    for q in r.list("qualified-next-hop") {
        let at = |e: TypedError| e.under(&["qualified-next-hop", key(q)]);
        qualified_next_hops.push(QualifiedNextHop {
            next_hop: parse_str("qualified-next-hop", key(q))?,
            preference: leaf(q, "preference").map_err(at)?,
            metric: leaf(q, "metric").map_err(at)?,
            interface: leaf(q, "interface").map_err(at)?,
        });
    }
    let as_path = match r.get("as-path").and_then(|a| a.leaf("path")) {
        Some(p) => p
            .split_whitespace()
            .map(|a| parse_str("path", a))
            .collect::<Result<Vec<u32>>>()
            .map_err(|e| e.under(&["as-path"]))?,
        None => Vec::new(),
    };
    Ok(StaticRoute {
        prefix: parse_str("route", key(r))?,
        action,
        preference: leaf(r, "preference")?,
        qualified_next_hops,
        metric: leaf(r, "metric")?,
        tag: leaf(r, "tag")?,
        communities: r.leaf_list("community").to_vec(),
        as_path,
        retain: either(r, "retain"),
        install: either(r, "install"),
        readvertise: either(r, "readvertise"),
        resolve: either(r, "resolve"),
    })
}

/// A number that must fit a narrower type than the schema's u32 (never fails on a tree built
/// through this crate: the schema's range is the narrower one).
pub(super) fn narrow<T: TryFrom<u32>>(word: &str, v: Option<u32>) -> Result<Option<T>> {
    v.map(|n| T::try_from(n).map_err(|_| bad(word, &n.to_string(), "value out of range")))
        .transpose()
}
