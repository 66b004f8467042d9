//! Routing policy: the Junos policy framework evaluated over routes, for BGP `import` and
//! `export` chains.
//!
//! ```text
//!  PolicyOptions (typed config) ──Policies::compile──► Policies ──chain(names, default)──► Chain
//!    prefix lists → sorted prefix sets           regexes compiled once,       │
//!    route-filters → longest-match lists         names resolved once          │ evaluate(&PolicyRoute)
//!    communities → members (literal / regex)                                   ▼
//!    as-paths → NFA over AS numbers                          Outcome { decision, attrs (Arc), changes }
//! ```
//!
//! A [`Chain`] is what one BGP `import [ P1 P2 ]` or `export [ ... ]` list becomes; it is
//! evaluated as Junos does (`chain.rs`): policies in order, terms in order; a term matches when
//! every condition of its `from` matches (a list condition when any value does; `to` is not
//! evaluated); the term's `then` changes the route (changes accumulate and later terms see them)
//! and its flow control decides: `accept`/`reject` end the chain, `next term` (or none) goes to
//! the next term, `next policy` (or the end of a policy) to the next policy, and after the last
//! policy the chain's [`DefaultPolicy`] decides. A route-filter or prefix-list-filter with an
//! action of its own that matches decides instead of the term's `then`, which is then not
//! evaluated at all (Junos: "These actions are taken immediately after a match occurs, and the
//! then statement is not evaluated", Policy Framework Configuration Guide, route lists).
//!
//! How a BGP instance uses it:
//! ```text
//!  on commit:   let policies = Policies::compile(&scope.policy_options)?;
//!               let import = policies.chain(&neighbor.import, DefaultPolicy::BGP_IMPORT)?;
//!               let export = policies.chain(&neighbor.export, DefaultPolicy::BGP_EXPORT)?;
//!  per route in:  let out = import.evaluate(&PolicyRoute { neighbor: Some(peer), route_type,
//!                                                        ..PolicyRoute::new(prefix, Protocol::Bgp, &attrs) });
//!                 Accept → Adj-RIB-In (post-policy) gets out.attrs (intern it when
//!                 out.attrs_changed(&attrs)), preference/tag from out.changes
//!  per route out: export.evaluate(&PolicyRoute { protocol, instance, ..., }) for each active
//!                 route; then the BGP rules (local AS, next hop) and out.changes.next_hop
//! ```
//!
//! Cost per route: nothing is allocated for a route that no action changes (the outcome holds a
//! clone of its `Arc`); the first change clones the attribute set once (copy-on-write) and later
//! changes edit that copy. Prefix lists are sorted sets, long route-filter lists are indexed by
//! prefix length, regular expressions are compiled once per `policy-options` statement.
//!
//! Semantics decided here, with their sources, are documented where they are implemented:
//! route-filter longest match (`route_filter.rs`), community members and regular expressions
//! (`community.rs`), AS-path regular expressions (`aspath.rs`), actions (`actions.rs`), the
//! conditions (`matching.rs`) and the flow control (`chain.rs`).

mod actions;
mod aspath;
mod chain;
mod community;
mod compile;
mod matching;
mod route_filter;

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use ipnet::IpNet;

pub use chain::Chain;
pub use compile::Policies;
pub use lsys_grammar::typed::{LoadBalance, NextHop, Protocol, RouteType};

use crate::packet::Attrs;

/// The routing instance name Junos gives the main table (`from instance master`).
pub const MASTER_INSTANCE: &str = "master";

/// A route as policy sees it. Build one with [`PolicyRoute::new`] and struct-update syntax for
/// the rest; nothing here is copied or kept.
#[derive(Debug, Clone, Copy)]
pub struct PolicyRoute<'a> {
    pub prefix: IpNet,
    /// Where the route comes from: `direct`, `local`, `static`, `bgp`, `aggregate`, ...
    pub protocol: Protocol,
    /// The BGP path attributes. A route of another protocol has a synthesized set (an export to
    /// BGP) or [`empty_attrs`].
    pub attrs: &'a Arc<Attrs>,
    /// The BGP peer the route was learned from (`from neighbor`), also in export policy.
    pub neighbor: Option<IpAddr>,
    /// The routing instance of the route's table ([`MASTER_INSTANCE`] for the main one).
    pub instance: &'a str,
    /// Interface units of the route's next hops (`ge-0/0/1.0`).
    pub interfaces: &'a [&'a str],
    /// Local addresses of those interfaces (`from interface 10.0.0.1` names an interface by
    /// its address).
    pub interface_addresses: &'a [IpAddr],
    /// Next-hop addresses (the BGP NEXT_HOP in `attrs` counts as well).
    pub next_hops: &'a [IpAddr],
    pub tag: Option<u32>,
    /// The route's preference (Junos: Direct 0, Static 5, BGP 170).
    pub preference: u32,
    /// The route's metric when it has no MED (static, IGP routes).
    pub metric: Option<u32>,
    /// BGP: internal (learned over IBGP) or external.
    pub route_type: Option<RouteType>,
}

impl<'a> PolicyRoute<'a> {
    /// A route with nothing but its prefix, protocol and attributes: master instance, no
    /// neighbor, interfaces, next hops or tag, metric unset, the protocol's default preference.
    pub fn new(prefix: IpNet, protocol: Protocol, attrs: &'a Arc<Attrs>) -> Self {
        Self {
            prefix,
            protocol,
            attrs,
            neighbor: None,
            instance: MASTER_INSTANCE,
            interfaces: &[],
            interface_addresses: &[],
            next_hops: &[],
            tag: None,
            preference: match protocol {
                Protocol::Bgp => attrs.preference.unwrap_or(BGP_PREFERENCE),
                _ => default_preference(protocol),
            },
            metric: None,
            route_type: None,
        }
    }
}

/// BGP's default route preference (Junos), for a path import gave no other.
pub const BGP_PREFERENCE: u32 = 170;

/// Junos default route preferences.
pub fn default_preference(protocol: Protocol) -> u32 {
    match protocol {
        Protocol::Direct | Protocol::Local => 0,
        Protocol::Static => 5,
        Protocol::Ospf | Protocol::Ospf3 => 10,
        Protocol::Isis => 15,
        Protocol::Rip | Protocol::Ripng => 100,
        Protocol::Aggregate => 130,
        Protocol::Bgp => BGP_PREFERENCE,
    }
}

/// One shared empty attribute set, for routes that carry no BGP attributes.
pub fn empty_attrs() -> &'static Arc<Attrs> {
    static EMPTY: OnceLock<Arc<Attrs>> = OnceLock::new();
    EMPTY.get_or_init(|| Arc::new(Attrs::default()))
}

/// What decides when no term does: the protocol's default policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultPolicy {
    Accept,
    Reject,
    /// Accept BGP routes, reject the others (Junos's BGP export default: "readvertise all
    /// active BGP routes"; the caller offers only active routes and applies the IBGP rule).
    AcceptBgp,
}

impl DefaultPolicy {
    /// Junos BGP import: accept everything received.
    pub const BGP_IMPORT: DefaultPolicy = DefaultPolicy::Accept;
    /// Junos BGP export: accept active BGP routes, reject the others.
    pub const BGP_EXPORT: DefaultPolicy = DefaultPolicy::AcceptBgp;

    fn decide(self, protocol: Protocol) -> Decision {
        match self {
            DefaultPolicy::Accept => Decision::Accept,
            DefaultPolicy::Reject => Decision::Reject,
            DefaultPolicy::AcceptBgp if protocol == Protocol::Bgp => Decision::Accept,
            DefaultPolicy::AcceptBgp => Decision::Reject,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
}

/// Changes to the route outside its BGP attributes, for the caller to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouteChanges {
    /// `then preference N`.
    pub preference: Option<u32>,
    /// `then tag N`.
    pub tag: Option<u32>,
    /// `then next-hop ...`: the caller resolves `self` and `peer-address` (and, for an
    /// address, sets the BGP NEXT_HOP or the forwarding next hop).
    pub next_hop: Option<NextHop>,
    /// `then load-balance ...`.
    pub load_balance: Option<LoadBalance>,
}

impl RouteChanges {
    pub fn is_empty(&self) -> bool {
        *self == RouteChanges::default()
    }
}

/// Which term decided: indexes into the chain (see [`Chain::describe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decider {
    pub policy: usize,
    pub term: usize,
}

/// The result of evaluating a chain for one route.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub decision: Decision,
    /// The attributes after the policy's changes: the route's own `Arc` when nothing changed
    /// (also for a rejected route).
    pub attrs: Arc<Attrs>,
    pub changes: RouteChanges,
    /// The term that accepted or rejected the route; `None` when the default policy did.
    pub decided_by: Option<Decider>,
}

impl Outcome {
    pub fn accepted(&self) -> bool {
        self.decision == Decision::Accept
    }

    /// Whether the attributes differ from the route's (by identity: a change that was made
    /// and undone still counts).
    pub fn attrs_changed(&self, original: &Arc<Attrs>) -> bool {
        !Arc::ptr_eq(&self.attrs, original)
    }
}

/// Where in `policy-options` a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub policy: String,
    /// `None` for the policy's own from/then.
    pub term: Option<String>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "policy-statement {}", self.policy)?;
        match &self.term {
            Some(t) => write!(f, " term {t}"),
            None => Ok(()),
        }
    }
}

/// What stops a `policy-options` from compiling (each is refused by commit checks too).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("policy-statement {0} is not defined")]
    UnknownPolicy(String),
    #[error("{at}: {what} {name} is not defined")]
    Undefined {
        at: Place,
        what: &'static str,
        name: String,
    },
    #[error("as-path {name} \"{regex}\": {reason}")]
    AsPathRegex {
        name: String,
        regex: String,
        reason: String,
    },
    #[error("community {name} members {member}: {reason}")]
    CommunityMember {
        name: String,
        member: String,
        reason: String,
    },
    #[error(
        "{at}: community {op} {name}: community {name} has regular expression members: it \
         can be matched or deleted, not added or set"
    )]
    PatternInAction {
        at: Place,
        op: &'static str,
        name: String,
    },
    #[error("{at}: {statement}: missing match type")]
    MissingMatchType { at: Place, statement: String },
}
