//! Typed routing options (static routes of both families, forwarding-table export,
//! maximum-prefixes) and BGP groups and neighbors.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::{bad, entry_key, key, leaf, leaves, text, Result, TypedError};
use crate::secret;
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaticRoute {
    pub prefix: IpNet,
    /// `None` when only qualified next hops are given.
    pub action: Option<StaticAction>,
    pub preference: Option<u32>,
    pub qualified_next_hops: Vec<QualifiedNextHop>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaticAction {
    NextHop(Vec<IpAddr>),
    Discard,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualifiedNextHop {
    pub address: IpAddr,
    pub preference: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Bgp {
    pub groups: Vec<BgpGroup>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BgpGroup {
    pub name: String,
    /// The group-level statements only.
    pub settings: PeerSettings,
    pub neighbors: Vec<BgpNeighbor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BgpNeighbor {
    pub address: IpAddr,
    /// Effective settings: neighbor-level statements over group-level ones.
    pub settings: PeerSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerType {
    External,
    Internal,
}

/// The statements shared by BGP groups and neighbors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PeerSettings {
    pub peer_type: Option<PeerType>,
    pub description: Option<String>,
    pub peer_as: Option<u32>,
    pub local_as: Option<u32>,
    pub local_address: Option<IpAddr>,
    pub hold_time: Option<u16>,
    /// Decoded (clear text) MD5 key.
    pub authentication_key: Option<String>,
    pub import: Vec<String>,
    pub export: Vec<String>,
    pub passive: bool,
    pub multihop: Option<Multihop>,
    /// Empty when no `family` is configured.
    pub families: Vec<Family>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Multihop {
    pub ttl: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Afi {
    Inet,
    Inet6,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    pub afi: Afi,
    pub unicast: bool,
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

pub(super) fn static_route(r: &Node) -> Result<StaticRoute> {
    let hops: Vec<IpAddr> = leaves(r, "next-hop")?;
    let action = if !hops.is_empty() {
        Some(StaticAction::NextHop(hops))
    } else if r.has("discard") {
        Some(StaticAction::Discard)
    } else if r.has("reject") {
        Some(StaticAction::Reject)
    } else {
        None
    };
    let mut qualified_next_hops = Vec::new();
    for q in r.list("qualified-next-hop") {
        qualified_next_hops.push(QualifiedNextHop {
            address: entry_key("qualified-next-hop", q)?,
            preference: leaf(q, "preference")
                .map_err(|e| e.under(&["qualified-next-hop", key(q)]))?,
        });
    }
    Ok(StaticRoute {
        prefix: entry_key("route", r)?,
        action,
        preference: leaf(r, "preference")?,
        qualified_next_hops,
    })
}

pub(super) fn bgp(protocols: &Node) -> Result<Bgp> {
    let mut out = Bgp::default();
    let Some(b) = protocols.get("bgp") else {
        return Ok(out);
    };
    for g in b.list("group") {
        let at = |e: TypedError| e.under(&["bgp", "group", key(g)]);
        let settings = peer_settings(g, None).map_err(at)?;
        let mut neighbors = Vec::new();
        for n in g.list("neighbor") {
            let at_n = |e: TypedError| e.under(&["bgp", "group", key(g), "neighbor", key(n)]);
            neighbors.push(BgpNeighbor {
                address: entry_key("neighbor", n).map_err(at)?,
                settings: peer_settings(n, Some(&settings)).map_err(at_n)?,
            });
        }
        out.groups.push(BgpGroup {
            name: key(g).to_string(),
            settings,
            neighbors,
        });
    }
    Ok(out)
}

/// The settings configured at `n`, each falling back to `group`'s when not configured here.
pub(super) fn peer_settings(n: &Node, group: Option<&PeerSettings>) -> Result<PeerSettings> {
    let dflt = PeerSettings::default();
    let g = group.unwrap_or(&dflt);
    let peer_type = match n.leaf("type") {
        Some("external") => Some(PeerType::External),
        Some("internal") => Some(PeerType::Internal),
        Some(other) => return Err(bad("type", other, "invalid peer type")),
        None => g.peer_type,
    };
    let authentication_key = match n.leaf("authentication-key") {
        Some(k) => Some(secret::decode(k).map_err(|e| bad("authentication-key", k, e))?),
        None => g.authentication_key.clone(),
    };
    let list = |word: &str, inherited: &Vec<String>| {
        let own = n.leaf_list(word);
        if own.is_empty() {
            inherited.clone()
        } else {
            own.to_vec()
        }
    };
    let multihop = match n.get("multihop") {
        Some(m) => Some(Multihop {
            ttl: leaf(m, "ttl").map_err(|e| e.under(&["multihop"]))?,
        }),
        None => g.multihop,
    };
    let families = match n.get("family") {
        Some(f) => {
            let mut out = Vec::new();
            for (word, afi) in [("inet", Afi::Inet), ("inet6", Afi::Inet6)] {
                if let Some(x) = f.get(word) {
                    out.push(Family {
                        afi,
                        unicast: x.has("unicast"),
                    });
                }
            }
            out
        }
        None => g.families.clone(),
    };
    Ok(PeerSettings {
        peer_type,
        description: text(n, "description").or_else(|| g.description.clone()),
        peer_as: leaf(n, "peer-as")?.or(g.peer_as),
        local_as: leaf(n, "local-as")?.or(g.local_as),
        local_address: leaf(n, "local-address")?.or(g.local_address),
        hold_time: leaf(n, "hold-time")?.or(g.hold_time),
        authentication_key,
        import: list("import", &g.import),
        export: list("export", &g.export),
        passive: n.has("passive") || g.passive,
        multihop,
        families,
    })
}
