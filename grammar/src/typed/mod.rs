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
//! BGP groups and neighbors carry their *effective* settings: a neighbor-level statement
//! overrides the group-level one, which overrides the one of `protocols bgp`, statement by
//! statement (see `bgp.rs`). Files: `interfaces.rs` (ports, units, bridge domains),
//! `routing.rs` (routing options, statics), `bgp.rs`, `policy.rs` (types) and `policy_read.rs`,
//! `login.rs` (users and classes for the daemon's gate), `ports.rs` (Junos port names and
//! their Linux devices).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::tree::Node;
use crate::types::quote;

mod bgp;
mod interfaces;
mod login;
mod policy;
mod policy_read;
mod ports;
mod routing;

pub use bgp::*;
pub use interfaces::*;
pub use login::*;
pub use policy::*;
pub use ports::PortMap;
pub use routing::*;

use policy_read::policy_options;

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
    /// `authentication encrypted-password`: a crypt(3) hash, as configured.
    #[serde(default)]
    pub encrypted_password: Option<String>,
    /// `authentication ssh-rsa|ssh-ecdsa|ssh-ed25519 "KEY"`: public key lines (as in
    /// `authorized_keys`), RSA keys first, then ECDSA, then Ed25519.
    #[serde(default)]
    pub ssh_keys: Vec<String>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceType {
    Vrf,
    VirtualRouter,
    // Read but refused at commit (not supported yet):
    Forwarding,
    NoForwarding,
    VirtualSwitch,
    Vpls,
    Evpn,
    L2vpn,
    MacVrf,
}

impl InstanceType {
    /// The word Junos uses for it.
    pub fn word(self) -> &'static str {
        match self {
            InstanceType::Vrf => "vrf",
            InstanceType::VirtualRouter => "virtual-router",
            InstanceType::Forwarding => "forwarding",
            InstanceType::NoForwarding => "no-forwarding",
            InstanceType::VirtualSwitch => "virtual-switch",
            InstanceType::Vpls => "vpls",
            InstanceType::Evpn => "evpn",
            InstanceType::L2vpn => "l2vpn",
            InstanceType::MacVrf => "mac-vrf",
        }
    }
}

impl FromStr for InstanceType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<InstanceType, String> {
        [
            InstanceType::Vrf,
            InstanceType::VirtualRouter,
            InstanceType::Forwarding,
            InstanceType::NoForwarding,
            InstanceType::VirtualSwitch,
            InstanceType::Vpls,
            InstanceType::Evpn,
            InstanceType::L2vpn,
            InstanceType::MacVrf,
        ]
        .into_iter()
        .find(|t| t.word() == s)
        .ok_or_else(|| format!("invalid instance type: {s}"))
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoutingInstance {
    pub name: String,
    pub description: Option<String>,
    pub instance_type: Option<InstanceType>,
    pub interfaces: Vec<UnitRef>,
    pub route_distinguisher: Option<String>,
    /// `vrf-target target:X:Y`: the target for both directions.
    pub vrf_target: Option<String>,
    /// `vrf-target import target:X:Y`.
    #[serde(default)]
    pub vrf_target_import: Option<String>,
    /// `vrf-target export target:X:Y`.
    #[serde(default)]
    pub vrf_target_export: Option<String>,
    /// `vrf-target auto`.
    #[serde(default)]
    pub vrf_target_auto: bool,
    /// `vrf-import [ P ... ]`: policies choosing the VPN routes this VRF imports.
    #[serde(default)]
    pub vrf_import: Vec<String>,
    /// `vrf-export [ P ... ]`: policies tagging the routes this VRF exports.
    #[serde(default)]
    pub vrf_export: Vec<String>,
    /// `vrf-table-label` (meaningful once lsys has MPLS).
    #[serde(default)]
    pub vrf_table_label: bool,
    pub routing_options: RoutingOptions,
    pub bgp: Bgp,
}

// ---------------------------------------------------------------------------------------------
// Conversion

/// The typed view of a whole configuration (inactive statements ignored), with configuration
/// groups applied ([`crate::groups::expand`]).
pub fn intent(root: &Node) -> Result<Intent> {
    let root = &*crate::groups::expand(root);
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
/// Groups are not applied here: give it an expanded scope ([`crate::groups::expand_at`]).
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

/// A statement that lacks the value it needs (`local-as;` with no AS number).
fn missing(word: &str, message: impl fmt::Display) -> TypedError {
    TypedError {
        path: Vec::new(),
        statement: word.to_string(),
        message: message.to_string(),
    }
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
            encrypted_password: u
                .get("authentication")
                .and_then(|a| text(a, "encrypted-password")),
            ssh_keys: u
                .get("authentication")
                .map(|a| {
                    ["ssh-rsa", "ssh-ecdsa", "ssh-ed25519"]
                        .iter()
                        .flat_map(|w| a.list(w).map(|k| key(k).to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

fn routing_instance(ri: &Node) -> Result<RoutingInstance> {
    let instance_type = leaf(ri, "instance-type")?;
    let target = ri.get("vrf-target");
    let target_leaf = |word: &str| target.and_then(|t| text(t, word));
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
        vrf_target: target_leaf("community"),
        vrf_target_import: target_leaf("import"),
        vrf_target_export: target_leaf("export"),
        vrf_target_auto: target.is_some_and(|t| t.has("auto")),
        vrf_import: ri.leaf_list("vrf-import").to_vec(),
        vrf_export: ri.leaf_list("vrf-export").to_vec(),
        vrf_table_label: ri.has("vrf-table-label"),
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
