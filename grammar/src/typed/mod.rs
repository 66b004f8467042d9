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
use std::str::FromStr;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::tree::Node;
use crate::types::quote;

mod login;
mod policy;
mod routing;

pub use login::*;
pub use policy::*;
pub use routing::*;

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
