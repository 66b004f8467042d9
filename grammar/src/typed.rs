//! Typed views of a configuration: plain, serde-serializable structs the daemon acts on.
//!
//! ```text
//!  Node tree ──active()──► intent() ──► Intent { hostname, users, root: Scope, logical_systems }
//!                                        Scope  { interfaces, bridge_domains, routing_options,
//!                                                 bgp, policy_options, routing_instances }
//! ```
//! Inactive statements are dropped ([`Node::active`]). Values in the tree are canonical text
//! already, so every `.parse()` here succeeds on a tree built through this crate; a tree that
//! was built some other way (deserialized, hand-made) can still hold garbage, so conversion
//! returns a [`TypedError`] naming the statement instead of skipping anything.
//! BGP neighbors carry their *effective* settings: a neighbor-level statement overrides the
//! group-level one, statement by statement.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::secret;
use crate::tree::Node;
use crate::types::quote;

/// A value in the tree that does not parse as its type says (never happens on a tree built
/// through this crate's parsers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedError {
    /// Edit-path words of the statement holding the value.
    pub path: Vec<String>,
    /// `word value` of the offending statement.
    pub statement: String,
    pub message: String,
}

impl TypedError {
    /// Prepends `words` to the path (used while unwinding out of nested statements).
    pub fn under(mut self, words: &[&str]) -> TypedError {
        let mut p: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        p.append(&mut self.path);
        self.path = p;
        self
    }
}

impl fmt::Display for TypedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[edit {}] '{}': {}",
            self.path.join(" "),
            self.statement,
            self.message
        )
    }
}

impl std::error::Error for TypedError {}

type Result<T> = std::result::Result<T, TypedError>;

/// Everything the daemon needs from one configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Intent {
    pub hostname: Option<String>,
    pub users: Vec<User>,
    /// The root's own statements (the master logical system).
    pub root: Scope,
    pub logical_systems: BTreeMap<String, Scope>,
}

/// A login user with its class resolved.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub uid: Option<u32>,
    pub full_name: Option<String>,
    /// `None` only on a configuration that fails validation (class is mandatory).
    pub class: Option<String>,
    /// The logical system of the user's class: where the user lands.
    pub logical_system: Option<String>,
    pub permissions: Vec<String>,
}

/// The master instance of the root or of one logical system, with its routing instances.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scope {
    pub interfaces: Vec<Interface>,
    pub bridge_domains: Vec<BridgeDomain>,
    pub routing_options: RoutingOptions,
    pub bgp: Bgp,
    pub policy_options: PolicyOptions,
    pub routing_instances: Vec<RoutingInstance>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Interface {
    pub name: String,
    pub description: Option<String>,
    pub flexible_vlan_tagging: bool,
    pub mtu: Option<u32>,
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Unit {
    pub number: u32,
    pub description: Option<String>,
    /// `vlan-bridge` (the only encapsulation the schema knows).
    pub encapsulation: Option<String>,
    pub vlan: Option<Vlan>,
    pub inet: Vec<Ipv4Net>,
    pub inet6: Vec<Ipv6Net>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vlan {
    /// `vlan-id N`.
    Id(u16),
    /// `vlan-tags outer O inner I` (either may be missing on an unfinished configuration).
    Tags {
        outer: Option<u16>,
        inner: Option<u16>,
    },
}

impl fmt::Display for Vlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Vlan::Id(v) => write!(f, "vlan-id {v}"),
            Vlan::Tags { outer, inner } => {
                write!(f, "vlan-tags")?;
                if let Some(o) = outer {
                    write!(f, " outer {o}")?;
                }
                if let Some(i) = inner {
                    write!(f, " inner {i}")?;
                }
                Ok(())
            }
        }
    }
}

/// An interface unit `NAME.UNIT` as named by routing instances and bridge domains.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitRef {
    pub interface: String,
    pub unit: u32,
}

impl fmt::Display for UnitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.interface, self.unit)
    }
}

impl FromStr for UnitRef {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<UnitRef, String> {
        let (dev, unit) = s
            .rsplit_once('.')
            .ok_or_else(|| format!("invalid interface unit (expected NAME.UNIT): {s}"))?;
        let unit = unit
            .parse()
            .map_err(|_| format!("invalid interface unit: {s}"))?;
        Ok(UnitRef {
            interface: dev.to_string(),
            unit,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BridgeDomain {
    pub name: String,
    pub vlan_id: Option<u16>,
    pub interfaces: Vec<UnitRef>,
    pub routing_interface: Option<UnitRef>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoutingOptions {
    pub autonomous_system: Option<u32>,
    pub router_id: Option<Ipv4Addr>,
    pub static_routes: Vec<StaticRoute>,
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

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PolicyOptions {
    pub prefix_lists: Vec<PrefixList>,
    pub communities: Vec<Community>,
    pub policy_statements: Vec<PolicyStatement>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PrefixList {
    pub name: String,
    pub prefixes: Vec<IpNet>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Community {
    pub name: String,
    /// Canonical `N:N`, `target:X:Y` or well-known names.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PolicyStatement {
    pub name: String,
    /// In evaluation order.
    pub terms: Vec<Term>,
    /// Actions when no term decides.
    pub then: Actions,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Term {
    pub name: String,
    pub from: FromConditions,
    pub then: Actions,
}

/// Match conditions of a term (all given conditions must match).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FromConditions {
    pub protocols: Vec<Protocol>,
    pub neighbors: Vec<IpAddr>,
    pub prefix_lists: Vec<String>,
    pub route_filters: Vec<RouteFilter>,
    pub communities: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    Bgp,
    Static,
    Direct,
    Local,
    Aggregate,
}

impl FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Protocol, String> {
        Ok(match s {
            "bgp" => Protocol::Bgp,
            "static" => Protocol::Static,
            "direct" => Protocol::Direct,
            "local" => Protocol::Local,
            "aggregate" => Protocol::Aggregate,
            _ => return Err(format!("invalid protocol: {s}")),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteFilter {
    pub prefix: IpNet,
    /// `None` when no match type is given.
    pub match_type: Option<RouteFilterMatch>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteFilterMatch {
    Exact,
    Longer,
    Orlonger,
    Upto(u8),
    PrefixLengthRange(u8, u8),
    Through(IpNet),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Actions {
    pub action: Option<PolicyAction>,
    pub local_preference: Option<u32>,
    pub metric: Option<u32>,
    pub community_add: Option<String>,
    pub community_set: Option<String>,
    pub community_delete: Option<String>,
    pub as_path_prepend: Vec<u32>,
    pub next_hop: Option<NextHop>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyAction {
    Accept,
    Reject,
    NextTerm,
    NextPolicy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NextHop {
    /// `next-hop self`.
    SelfAddress,
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceType {
    Vrf,
    VirtualRouter,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoutingInstance {
    pub name: String,
    pub description: Option<String>,
    pub instance_type: Option<InstanceType>,
    pub interfaces: Vec<UnitRef>,
    pub route_distinguisher: Option<String>,
    pub vrf_target: Option<String>,
    pub routing_options: RoutingOptions,
    pub bgp: Bgp,
}

// ---------------------------------------------------------------------------------------------
// Conversion

/// The typed view of a whole configuration (inactive statements ignored).
pub fn intent(root: &Node) -> Result<Intent> {
    let mut out = Intent {
        root: scope(root)?,
        ..Intent::default()
    };
    if let Some(system) = root.get("system").filter(|s| !s.inactive) {
        let system = system.active();
        out.hostname = text(&system, "host-name");
        if let Some(login) = system.get("login") {
            out.users = users(login).map_err(|e| e.under(&["system", "login"]))?;
        }
    }
    if let Some(lss) = root.get("logical-systems").filter(|n| !n.inactive) {
        for ls in lss.children.iter().filter(|n| !n.inactive) {
            let name = key(ls).to_string();
            let s = scope(ls).map_err(|e| e.under(&["logical-systems", &name]))?;
            out.logical_systems.insert(name, s);
        }
    }
    Ok(out)
}

/// The typed view of one scope: `node` is the root or a `logical-systems NAME` entry. Only the
/// scope's own statements are read (never other logical systems); inactive ones are ignored.
pub fn scope(node: &Node) -> Result<Scope> {
    let part = |word: &str| node.get(word).filter(|n| !n.inactive).map(Node::active);
    let mut s = Scope::default();
    if let Some(ifs) = part("interfaces") {
        for i in &ifs.children {
            s.interfaces
                .push(interface(i).map_err(|e| e.under(&["interfaces", key(i)]))?);
        }
    }
    if let Some(ro) = part("routing-options") {
        s.routing_options = routing_options(&ro)?;
    }
    if let Some(p) = part("protocols") {
        s.bgp = bgp(&p).map_err(|e| e.under(&["protocols"]))?;
    }
    if let Some(po) = part("policy-options") {
        s.policy_options = policy_options(&po).map_err(|e| e.under(&["policy-options"]))?;
    }
    if let Some(ris) = part("routing-instances") {
        for ri in &ris.children {
            s.routing_instances
                .push(routing_instance(ri).map_err(|e| e.under(&["routing-instances", key(ri)]))?);
        }
    }
    if let Some(bds) = part("bridge-domains") {
        for bd in &bds.children {
            s.bridge_domains
                .push(bridge_domain(bd).map_err(|e| e.under(&["bridge-domains", key(bd)]))?);
        }
    }
    Ok(s)
}

fn key(n: &Node) -> &str {
    n.key.as_deref().unwrap_or_default()
}

fn bad(word: &str, value: &str, message: impl fmt::Display) -> TypedError {
    TypedError {
        path: Vec::new(),
        statement: format!("{word} {}", quote(value)),
        message: message.to_string(),
    }
}

fn text(n: &Node, word: &str) -> Option<String> {
    n.leaf(word).map(str::to_string)
}

fn parse_str<T: FromStr>(word: &str, v: &str) -> Result<T>
where
    T::Err: fmt::Display,
{
    v.parse().map_err(|e| bad(word, v, e))
}

fn leaf<T: FromStr>(n: &Node, word: &str) -> Result<Option<T>>
where
    T::Err: fmt::Display,
{
    n.leaf(word).map(|v| parse_str(word, v)).transpose()
}

fn leaves<T: FromStr>(n: &Node, word: &str) -> Result<Vec<T>>
where
    T::Err: fmt::Display,
{
    n.leaf_list(word)
        .iter()
        .map(|v| parse_str(word, v))
        .collect()
}

fn entry_key<T: FromStr>(word: &str, n: &Node) -> Result<T>
where
    T::Err: fmt::Display,
{
    parse_str(word, key(n))
}

fn users(login: &Node) -> Result<Vec<User>> {
    let mut out = Vec::new();
    for u in login.list("user") {
        let class = text(u, "class");
        let c = class
            .as_deref()
            .and_then(|c| login.list("class").find(|n| key(n) == c));
        out.push(User {
            name: key(u).to_string(),
            uid: leaf(u, "uid").map_err(|e| e.under(&["user", key(u)]))?,
            full_name: text(u, "full-name"),
            logical_system: c.and_then(|c| text(c, "logical-system")),
            permissions: c
                .map(|c| c.leaf_list("permissions").to_vec())
                .unwrap_or_default(),
            class,
        });
    }
    Ok(out)
}

fn interface(i: &Node) -> Result<Interface> {
    let mut units = Vec::new();
    for u in i.list("unit") {
        units.push(unit(u).map_err(|e| e.under(&["unit", key(u)]))?);
    }
    Ok(Interface {
        name: key(i).to_string(),
        description: text(i, "description"),
        flexible_vlan_tagging: i.has("flexible-vlan-tagging"),
        mtu: leaf(i, "mtu")?,
        units,
    })
}

fn unit(u: &Node) -> Result<Unit> {
    let vlan = match (leaf(u, "vlan-id")?, u.get("vlan-tags")) {
        (Some(id), _) => Some(Vlan::Id(id)),
        (None, Some(t)) => Some(Vlan::Tags {
            outer: leaf(t, "outer")?,
            inner: leaf(t, "inner")?,
        }),
        (None, None) => None,
    };
    let mut out = Unit {
        number: entry_key("unit", u)?,
        description: text(u, "description"),
        encapsulation: text(u, "encapsulation"),
        vlan,
        ..Unit::default()
    };
    if let Some(f) = u.get("family") {
        if let Some(inet) = f.get("inet") {
            for a in inet.list("address") {
                out.inet.push(entry_key("address", a)?);
            }
        }
        if let Some(inet6) = f.get("inet6") {
            for a in inet6.list("address") {
                out.inet6.push(entry_key("address", a)?);
            }
        }
    }
    Ok(out)
}

fn bridge_domain(bd: &Node) -> Result<BridgeDomain> {
    let mut interfaces = Vec::new();
    for i in bd.list("interface") {
        interfaces.push(entry_key("interface", i)?);
    }
    Ok(BridgeDomain {
        name: key(bd).to_string(),
        vlan_id: leaf(bd, "vlan-id")?,
        interfaces,
        routing_interface: leaf(bd, "routing-interface")?,
    })
}

fn routing_options(ro: &Node) -> Result<RoutingOptions> {
    let under = |e: TypedError| e.under(&["routing-options"]);
    let mut out = RoutingOptions {
        autonomous_system: leaf(ro, "autonomous-system").map_err(under)?,
        router_id: leaf(ro, "router-id").map_err(under)?,
        static_routes: Vec::new(),
    };
    if let Some(st) = ro.get("static") {
        for r in st.list("route") {
            out.static_routes.push(
                static_route(r)
                    .map_err(|e| e.under(&["routing-options", "static", "route", key(r)]))?,
            );
        }
    }
    Ok(out)
}

fn static_route(r: &Node) -> Result<StaticRoute> {
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

fn bgp(protocols: &Node) -> Result<Bgp> {
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
fn peer_settings(n: &Node, group: Option<&PeerSettings>) -> Result<PeerSettings> {
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

fn policy_options(po: &Node) -> Result<PolicyOptions> {
    let mut out = PolicyOptions::default();
    for pl in po.list("prefix-list") {
        let mut prefixes = Vec::new();
        for item in &pl.children {
            prefixes
                .push(entry_key("prefix", item).map_err(|e| e.under(&["prefix-list", key(pl)]))?);
        }
        out.prefix_lists.push(PrefixList {
            name: key(pl).to_string(),
            prefixes,
        });
    }
    for c in po.list("community") {
        out.communities.push(Community {
            name: key(c).to_string(),
            members: c.leaf_list("members").to_vec(),
        });
    }
    for ps in po.list("policy-statement") {
        let at = |e: TypedError| e.under(&["policy-statement", key(ps)]);
        let mut terms = Vec::new();
        for t in ps.list("term") {
            terms.push(term(t).map_err(|e| at(e.under(&["term", key(t)])))?);
        }
        let then = match ps.get("then") {
            Some(t) => actions(t).map_err(|e| at(e.under(&["then"])))?,
            None => Actions::default(),
        };
        out.policy_statements.push(PolicyStatement {
            name: key(ps).to_string(),
            terms,
            then,
        });
    }
    Ok(out)
}

fn term(t: &Node) -> Result<Term> {
    let mut from = FromConditions::default();
    if let Some(f) = t.get("from") {
        let at = |e: TypedError| e.under(&["from"]);
        from.protocols = leaves(f, "protocol").map_err(at)?;
        from.neighbors = leaves(f, "neighbor").map_err(at)?;
        from.prefix_lists = f.leaf_list("prefix-list").to_vec();
        from.communities = f.leaf_list("community").to_vec();
        for rf in f.list("route-filter") {
            from.route_filters
                .push(route_filter(rf).map_err(|e| at(e.under(&["route-filter", key(rf)])))?);
        }
    }
    let then = match t.get("then") {
        Some(n) => actions(n).map_err(|e| e.under(&["then"]))?,
        None => Actions::default(),
    };
    Ok(Term {
        name: key(t).to_string(),
        from,
        then,
    })
}

/// `/N` as a number.
fn length(word: &str, v: &str) -> Result<u8> {
    v.strip_prefix('/')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad(word, v, "invalid prefix length"))
}

fn route_filter(rf: &Node) -> Result<RouteFilter> {
    let match_type = if rf.has("exact") {
        Some(RouteFilterMatch::Exact)
    } else if rf.has("longer") {
        Some(RouteFilterMatch::Longer)
    } else if rf.has("orlonger") {
        Some(RouteFilterMatch::Orlonger)
    } else if let Some(v) = rf.leaf("upto") {
        Some(RouteFilterMatch::Upto(length("upto", v)?))
    } else if let Some(v) = rf.leaf("prefix-length-range") {
        let word = "prefix-length-range";
        let (a, b) = v
            .split_once('-')
            .ok_or_else(|| bad(word, v, "invalid prefix length range"))?;
        Some(RouteFilterMatch::PrefixLengthRange(
            length(word, a)?,
            length(word, b)?,
        ))
    } else {
        leaf(rf, "through")?.map(RouteFilterMatch::Through)
    };
    Ok(RouteFilter {
        prefix: entry_key("route-filter", rf)?,
        match_type,
    })
}

fn actions(n: &Node) -> Result<Actions> {
    let action = if n.has("accept") {
        Some(PolicyAction::Accept)
    } else if n.has("reject") {
        Some(PolicyAction::Reject)
    } else {
        match n.leaf("next") {
            Some("term") => Some(PolicyAction::NextTerm),
            Some("policy") => Some(PolicyAction::NextPolicy),
            Some(other) => return Err(bad("next", other, "invalid value")),
            None => None,
        }
    };
    let community = n.get("community");
    let comm = |word: &str| community.and_then(|c| text(c, word));
    let as_path_prepend = match n.leaf("as-path-prepend") {
        Some(p) => p
            .split_whitespace()
            .map(|a| parse_str("as-path-prepend", a))
            .collect::<Result<Vec<u32>>>()?,
        None => Vec::new(),
    };
    let next_hop = match n.leaf("next-hop") {
        Some("self") => Some(NextHop::SelfAddress),
        Some(a) => Some(NextHop::Address(parse_str("next-hop", a)?)),
        None => None,
    };
    Ok(Actions {
        action,
        local_preference: leaf(n, "local-preference")?,
        metric: leaf(n, "metric")?,
        community_add: comm("add"),
        community_set: comm("set"),
        community_delete: comm("delete"),
        as_path_prepend,
        next_hop,
    })
}

fn routing_instance(ri: &Node) -> Result<RoutingInstance> {
    let instance_type = match ri.leaf("instance-type") {
        Some("vrf") => Some(InstanceType::Vrf),
        Some("virtual-router") => Some(InstanceType::VirtualRouter),
        Some(other) => return Err(bad("instance-type", other, "invalid instance type")),
        None => None,
    };
    let mut interfaces = Vec::new();
    for i in ri.list("interface") {
        interfaces.push(entry_key("interface", i)?);
    }
    Ok(RoutingInstance {
        name: key(ri).to_string(),
        description: text(ri, "description"),
        instance_type,
        interfaces,
        route_distinguisher: text(ri, "route-distinguisher"),
        vrf_target: text(ri, "vrf-target"),
        routing_options: match ri.get("routing-options") {
            Some(ro) => routing_options(ro)?,
            None => RoutingOptions::default(),
        },
        bgp: match ri.get("protocols") {
            Some(p) => bgp(p).map_err(|e| e.under(&["protocols"]))?,
            None => Bgp::default(),
        },
    })
}
