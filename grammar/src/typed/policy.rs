//! Typed policy options: prefix lists, communities, policy statements.

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::{bad, entry_key, key, leaf, leaves, parse_str, Result, TypedError};
use crate::schema::Schema;
use crate::tree::Node;

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
    /// `community add|set|delete NAME` statements, applied in this (configured) order.
    pub communities: Vec<CommunityAction>,
    pub as_path_prepend: Vec<u32>,
    pub next_hop: Option<NextHop>,
    /// `load-balance per-packet|per-flow`: install every equal-cost next hop (see
    /// [`exports_load_balance`]).
    pub load_balance: Option<LoadBalance>,
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

/// `then load-balance`. In Junos both install all equal-cost next hops of a route in the
/// forwarding table (per-packet is the historic name; the hardware hashes per flow either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadBalance {
    PerPacket,
    PerFlow,
}

impl FromStr for LoadBalance {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<LoadBalance, String> {
        match s {
            "per-packet" => Ok(LoadBalance::PerPacket),
            "per-flow" => Ok(LoadBalance::PerFlow),
            _ => Err(format!("invalid load-balance type: {s}")),
        }
    }
}

/// True when any policy named in `export` (a `routing-options forwarding-table export` list)
/// has a term, or a final `then`, whose actions include `load-balance per-packet` or
/// `load-balance per-flow`: the routes of that instance are then installed with all their
/// equal-cost next hops (multipath).
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
    /// `next-hop self`.
    SelfAddress,
    Address(IpAddr),
}

pub(super) fn policy_options(po: &Node) -> Result<PolicyOptions> {
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

pub(super) fn term(t: &Node) -> Result<Term> {
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
pub(super) fn length(word: &str, v: &str) -> Result<u8> {
    v.strip_prefix('/')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad(word, v, "invalid prefix length"))
}

/// A list entry's compound key taken apart (`0.0.0.0/0` and `upto /24`; see
/// [`crate::key`]).
fn split_key<'a>(word: &str, n: &'a Node) -> Result<crate::key::Key<'a>> {
    let raw = key(n);
    crate::key::split(Schema::get(), n.schema, raw).ok_or_else(|| bad(word, raw, "invalid key"))
}

/// The keyword and value of an entry's `@key` statement.
fn part_words<'a>(k: &crate::key::Key<'a>) -> Option<(&'static str, &'a str)> {
    k.part.map(|p| {
        (
            Schema::get().node(p.id).word.as_str(),
            p.value.unwrap_or(""),
        )
    })
}

pub(super) fn route_filter(rf: &Node) -> Result<RouteFilter> {
    let word = "route-filter";
    let k = split_key(word, rf)?;
    let match_type = match part_words(&k) {
        None => None,
        Some((how, v)) => Some(match how {
            "exact" => RouteFilterMatch::Exact,
            "longer" => RouteFilterMatch::Longer,
            "orlonger" => RouteFilterMatch::Orlonger,
            "upto" => RouteFilterMatch::Upto(length("upto", v)?),
            "prefix-length-range" => {
                let word = "prefix-length-range";
                let (a, b) = v
                    .split_once('-')
                    .ok_or_else(|| bad(word, v, "invalid prefix length range"))?;
                RouteFilterMatch::PrefixLengthRange(length(word, a)?, length(word, b)?)
            }
            "through" => RouteFilterMatch::Through(parse_str("through", v)?),
            other => return Err(bad(word, key(rf), format!("unknown match type {other}"))),
        }),
    };
    Ok(RouteFilter {
        prefix: parse_str(word, k.value.unwrap_or_default())?,
        match_type,
    })
}

/// `then community OPERATION NAME` statements, in order.
fn community_actions(n: &Node) -> Result<Vec<CommunityAction>> {
    let mut out = Vec::new();
    for c in n.list("community") {
        let k = split_key("community", c)?;
        let (op, name) =
            part_words(&k).ok_or_else(|| bad("community", key(c), "missing operation"))?;
        out.push(CommunityAction {
            op: parse_str("community", op)?,
            name: name.to_string(),
        });
    }
    Ok(out)
}

pub(super) fn actions(n: &Node) -> Result<Actions> {
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
        communities: community_actions(n)?,
        as_path_prepend,
        next_hop,
        load_balance: leaf(n, "load-balance")?,
    })
}
