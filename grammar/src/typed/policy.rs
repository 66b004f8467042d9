//! Typed policy options: prefix lists, communities, AS-path expressions, policy statements.
//! Read from the tree in [`super::policy_read`].

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::{AddressOrInterface, Afi};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PolicyOptions {
    pub prefix_lists: Vec<PrefixList>,
    pub communities: Vec<Community>,
    /// `as-path NAME "REGEX"`.
    #[serde(default)]
    pub as_paths: Vec<AsPathExpr>,
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
    /// Canonical `N:N`, `target:X:Y`, `origin:X:Y`, `large:A:B:C` or well-known names, or
    /// regular expressions matching communities (`^65000:.*$`, `*:*`) as written.
    pub members: Vec<String>,
    /// `invert-match`: the community matches routes that the members do not match.
    #[serde(default)]
    pub invert_match: bool,
}

impl Community {
    /// Whether a member is a regular expression rather than one community (such a community
    /// can be matched, not added or set).
    pub fn has_pattern(&self) -> bool {
        self.members
            .iter()
            .any(|m| crate::types::is_community_pattern(m))
    }
}

/// `as-path NAME "REGEX"`: a regular expression over AS numbers (Junos syntax: `.` is one AS,
/// `64512-65534` a range, `( | )`, `*`, `+`, `?`, `{m,n}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AsPathExpr {
    pub name: String,
    pub regex: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PolicyStatement {
    pub name: String,
    /// In evaluation order.
    pub terms: Vec<Term>,
    /// The policy's own `from` (with its own `to` and `then`, a last unnamed term).
    #[serde(default)]
    pub from: FromConditions,
    #[serde(default)]
    pub to: ToConditions,
    /// Actions when no term decides (those of the unnamed last term).
    pub then: Actions,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Term {
    pub name: String,
    pub from: FromConditions,
    /// `to` conditions (accepted; not evaluated by lsys yet).
    #[serde(default)]
    pub to: ToConditions,
    pub then: Actions,
}

/// Match conditions of a `from` (all given conditions must match; a list matches when any of
/// its values does).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FromConditions {
    pub protocols: Vec<Protocol>,
    pub neighbors: Vec<IpAddr>,
    pub prefix_lists: Vec<String>,
    pub route_filters: Vec<RouteFilter>,
    /// `policy-options community` names.
    pub communities: Vec<String>,
    /// `instance NAME`: the routing instance the route is in.
    #[serde(default)]
    pub instance: Option<String>,
    /// `family inet|inet6`.
    #[serde(default)]
    pub family: Option<Afi>,
    /// `next-hop [ A ... ]`.
    #[serde(default)]
    pub next_hops: Vec<IpAddr>,
    /// `interface [ X ... ]`: interface units or addresses.
    #[serde(default)]
    pub interfaces: Vec<AddressOrInterface>,
    /// `as-path [ NAME ... ]`: `policy-options as-path` names.
    #[serde(default)]
    pub as_paths: Vec<String>,
    #[serde(default)]
    pub origin: Option<Origin>,
    /// `prefix-list-filter NAME exact|longer|orlonger`.
    #[serde(default)]
    pub prefix_list_filters: Vec<PrefixListFilter>,
    #[serde(default)]
    pub route_type: Option<RouteType>,
    #[serde(default)]
    pub metric: Option<u32>,
    #[serde(default)]
    pub local_preference: Option<u32>,
    #[serde(default)]
    pub tags: Vec<u32>,
    #[serde(default)]
    pub preference: Option<u32>,
}

/// `to` takes the conditions of `from` but prefix lists, prefix-list filters and
/// route-filters.
pub type ToConditions = FromConditions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    Aggregate,
    Bgp,
    Direct,
    Isis,
    Local,
    Ospf,
    Ospf3,
    Rip,
    Ripng,
    Static,
}

impl FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Protocol, String> {
        Ok(match s {
            "aggregate" => Protocol::Aggregate,
            "bgp" => Protocol::Bgp,
            "direct" => Protocol::Direct,
            "isis" => Protocol::Isis,
            "local" => Protocol::Local,
            "ospf" => Protocol::Ospf,
            "ospf3" => Protocol::Ospf3,
            "rip" => Protocol::Rip,
            "ripng" => Protocol::Ripng,
            "static" => Protocol::Static,
            _ => return Err(format!("invalid protocol: {s}")),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteType {
    Internal,
    External,
}

impl FromStr for RouteType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<RouteType, String> {
        match s {
            "internal" => Ok(RouteType::Internal),
            "external" => Ok(RouteType::External),
            _ => Err(format!("invalid route type: {s}")),
        }
    }
}

/// The BGP ORIGIN attribute (a condition and an action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    Igp,
    Egp,
    Incomplete,
}

impl FromStr for Origin {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Origin, String> {
        match s {
            "igp" => Ok(Origin::Igp),
            "egp" => Ok(Origin::Egp),
            "incomplete" => Ok(Origin::Incomplete),
            _ => Err(format!("invalid origin: {s}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteFilter {
    pub prefix: IpNet,
    /// `None` when no match type is given.
    pub match_type: Option<RouteFilterMatch>,
    /// `route-filter P MATCH accept|reject|next ...`: what happens when this filter matches
    /// (it then decides instead of the term's `then` flow control).
    #[serde(default)]
    pub action: Option<PolicyAction>,
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

/// `prefix-list-filter NAME MATCH [ACTION]`: the prefixes of a prefix list, matched as a
/// route-filter each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixListFilter {
    pub name: String,
    /// `None` when no match type is given (refused at commit).
    pub match_type: Option<PrefixListMatch>,
    pub action: Option<PolicyAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrefixListMatch {
    Exact,
    Longer,
    Orlonger,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Actions {
    pub action: Option<PolicyAction>,
    /// `local-preference N`, `local-preference add N`, `local-preference subtract N`.
    pub local_preference: Option<AttributeChange>,
    /// `metric N`, `metric add N`, `metric subtract N`.
    pub metric: Option<AttributeChange>,
    /// `tag N`.
    #[serde(default)]
    pub tag: Option<u32>,
    /// `preference N`: the route's preference in the routing table.
    #[serde(default)]
    pub preference: Option<u32>,
    /// `origin igp|egp|incomplete`.
    #[serde(default)]
    pub origin: Option<Origin>,
    /// `community add|set|delete NAME` statements, applied in this (configured) order.
    pub communities: Vec<CommunityAction>,
    pub as_path_prepend: Vec<u32>,
    /// `as-path-expand last-as count N`: prepend the last AS of the path N times (before the
    /// local AS is added).
    #[serde(default)]
    pub as_path_expand_last_as: Option<u8>,
    pub next_hop: Option<NextHop>,
    /// `load-balance per-packet|per-flow|consistent-hash`: install every equal-cost next hop
    /// (see [`exports_load_balance`]).
    pub load_balance: Option<LoadBalance>,
}

/// A numeric attribute set to a value or changed by an amount (Junos clamps the result to
/// 0..4294967295; an attribute that is not set counts as 0, and a BGP local preference that is
/// not known as 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttributeChange {
    Set(u32),
    Add(u32),
    Subtract(u32),
}

impl AttributeChange {
    /// The new value from the current one.
    pub fn apply(self, current: u32) -> u32 {
        match self {
            AttributeChange::Set(v) => v,
            AttributeChange::Add(v) => current.saturating_add(v),
            AttributeChange::Subtract(v) => current.saturating_sub(v),
        }
    }
}

/// One `then community OPERATION NAME` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityAction {
    pub op: CommunityOp,
    /// The `policy-options community` whose members are added, set or deleted.
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommunityOp {
    /// Add the members to the route's communities.
    Add,
    /// Replace the route's communities with the members.
    Set,
    /// Remove the members from the route's communities.
    Delete,
}

impl FromStr for CommunityOp {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<CommunityOp, String> {
        match s {
            "add" => Ok(CommunityOp::Add),
            "set" => Ok(CommunityOp::Set),
            "delete" => Ok(CommunityOp::Delete),
            _ => Err(format!("invalid community operation: {s}")),
        }
    }
}

/// `then load-balance`. In Junos all three install all equal-cost next hops of a route in the
/// forwarding table (per-packet is the historic name; the hardware hashes per flow either way;
/// consistent-hash keeps flows on their next hop when one goes away).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadBalance {
    PerPacket,
    PerFlow,
    ConsistentHash,
}

impl FromStr for LoadBalance {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<LoadBalance, String> {
        match s {
            "per-packet" => Ok(LoadBalance::PerPacket),
            "per-flow" => Ok(LoadBalance::PerFlow),
            "consistent-hash" => Ok(LoadBalance::ConsistentHash),
            _ => Err(format!("invalid load-balance type: {s}")),
        }
    }
}

/// True when any policy named in `export` (a `routing-options forwarding-table export` list)
/// has a term, or a final `then`, whose actions include `load-balance`: the routes of that
/// instance are then installed with all their equal-cost next hops (multipath).
///
/// A deliberate simplification of Junos: the term's `from` conditions (and the order of terms,
/// and whether an earlier term accepts or rejects first) are not evaluated; lsys applies
/// multipath to every route of the instance once any exported policy asks for it. Names that
/// `policy_options` does not define are skipped (a validated configuration has none).
pub fn exports_load_balance(policy_options: &PolicyOptions, export: &[String]) -> bool {
    policy_options
        .policy_statements
        .iter()
        .filter(|ps| export.contains(&ps.name))
        .any(|ps| {
            ps.then.load_balance.is_some() || ps.terms.iter().any(|t| t.then.load_balance.is_some())
        })
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
    /// `next-hop self`: a local address of the session.
    SelfAddress,
    /// `next-hop peer-address`: the address of the peer the route goes to or came from.
    PeerAddress,
    /// `next-hop discard`: drop the traffic.
    Discard,
    /// `next-hop reject`: drop the traffic and send ICMP unreachables.
    Reject,
    Address(IpAddr),
}
