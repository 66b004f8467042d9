//! The `from` conditions of a term, compiled, and whether a route meets them.
//!
//! Every condition given must match; a list matches when any of its values does (Junos:
//! "If you specify multiple values for a match condition, only one needs to match"). The
//! destination-prefix conditions (`route-filter`s, `prefix-list-filter`s, `prefix-list`s) are
//! one condition together: any of them may match (Batfish models Junos the same way). When
//! several could, route-filters are asked first, then prefix-list-filters, then prefix lists,
//! and the first that matches gives the action (if any).
//!
//! Conditions read the route as the policy has changed it so far (Junos: "the characteristics
//! in the copy of the source route always change immediately after the action is evaluated"):
//! communities, AS path, local preference, MED, origin, tag and preference.
//!
//! What each condition compares (lsys's reading where Junos leaves room):
//! - `neighbor`: the peer the route was learned from; `next-hop`: the route's next hops and
//!   its BGP NEXT_HOP (global and link-local); `interface`: the interface units of the next
//!   hops, or an address of one of them; `instance`: the table's instance (`master`).
//! - `metric`: the MED, else the route's own metric; a route with neither matches no
//!   `metric`. `local-preference`: an unset one counts as 100 (as the action does).
//! - `origin`: the ORIGIN attribute (a route without one matches no `origin`).
//! - `as-path`: an absent AS_PATH is the empty path (locally originated routes).
//! - `to` conditions are accepted and not evaluated: a term with only `to` matches every
//!   route (documented in lsys.conf(5)).

use std::net::IpAddr;
use std::sync::Arc;

use lsys_grammar::typed::{PolicyAction, Protocol, RouteType};

use super::aspath::AsPathRegex;
use super::chain::Work;
use super::community::CommunityDef;
use super::route_filter::{FilterList, Net, PrefixSet};
use super::PolicyRoute;
use crate::packet::{NextHop, Origin};

/// The destination-prefix conditions of one term.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prefixes {
    /// All `route-filter`s of the term, one longest-match list.
    pub(crate) filters: FilterList,
    /// One longest-match list per `prefix-list-filter`.
    pub(crate) list_filters: Vec<Arc<FilterList>>,
    /// `prefix-list`s: exact matches.
    pub(crate) lists: Vec<Arc<PrefixSet>>,
}

impl Prefixes {
    fn is_empty(&self) -> bool {
        self.filters.is_empty() && self.list_filters.is_empty() && self.lists.is_empty()
    }

    /// `None`: no match; `Some(action)`: a match, with the matching filter's own action.
    fn lookup(&self, net: &Net) -> Option<Option<PolicyAction>> {
        if let Some(hit) = self.filters.lookup(net) {
            return Some(hit.action);
        }
        for f in &self.list_filters {
            if let Some(hit) = f.lookup(net) {
                return Some(hit.action);
            }
        }
        self.lists.iter().any(|l| l.contains(net)).then_some(None)
    }
}

/// An `interface` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Iface {
    Name(Box<str>),
    Address(IpAddr),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Conditions {
    /// `family inet6` when true, `inet` when false.
    pub(crate) family_v6: Option<bool>,
    pub(crate) protocols: Vec<Protocol>,
    pub(crate) neighbors: Vec<IpAddr>,
    pub(crate) instance: Option<Box<str>>,
    pub(crate) next_hops: Vec<IpAddr>,
    pub(crate) interfaces: Vec<Iface>,
    pub(crate) origin: Option<Origin>,
    pub(crate) route_type: Option<RouteType>,
    pub(crate) metric: Option<u32>,
    pub(crate) local_preference: Option<u32>,
    pub(crate) tags: Vec<u32>,
    pub(crate) preference: Option<u32>,
    pub(crate) prefixes: Prefixes,
    pub(crate) communities: Vec<Arc<CommunityDef>>,
    pub(crate) as_paths: Vec<Arc<AsPathRegex>>,
}

/// An unset BGP local preference counts as this (Junos's default).
pub(crate) const DEFAULT_LOCAL_PREF: u32 = 100;

impl Conditions {
    /// No condition at all: the term matches every route.
    pub(crate) fn is_empty(&self) -> bool {
        self.family_v6.is_none()
            && self.protocols.is_empty()
            && self.neighbors.is_empty()
            && self.instance.is_none()
            && self.next_hops.is_empty()
            && self.interfaces.is_empty()
            && self.origin.is_none()
            && self.route_type.is_none()
            && self.metric.is_none()
            && self.local_preference.is_none()
            && self.tags.is_empty()
            && self.preference.is_none()
            && self.prefixes.is_empty()
            && self.communities.is_empty()
            && self.as_paths.is_empty()
    }

    /// Whether the route meets every condition: `None` if not, else the action of the
    /// route-filter or prefix-list-filter that matched, if it has one. Cheap tests go first.
    pub(crate) fn evaluate(
        &self,
        route: &PolicyRoute<'_>,
        net: &Net,
        work: &Work<'_>,
    ) -> Option<Option<PolicyAction>> {
        if self.family_v6.is_some_and(|v6| v6 != net.v6) {
            return None;
        }
        if !self.protocols.is_empty() && !self.protocols.contains(&route.protocol) {
            return None;
        }
        if !self.neighbors.is_empty()
            && !route.neighbor.is_some_and(|n| self.neighbors.contains(&n))
        {
            return None;
        }
        if self
            .instance
            .as_deref()
            .is_some_and(|i| i != route.instance)
        {
            return None;
        }
        if self.route_type.is_some() && self.route_type != route.route_type {
            return None;
        }
        let attrs = work.attrs();
        if self.origin.is_some() && attrs.origin != self.origin {
            return None;
        }
        if let Some(m) = self.metric {
            if attrs.med.or(route.metric) != Some(m) {
                return None;
            }
        }
        if let Some(lp) = self.local_preference {
            if attrs.local_pref.unwrap_or(DEFAULT_LOCAL_PREF) != lp {
                return None;
            }
        }
        if !self.tags.is_empty() && !work.tag(route).is_some_and(|t| self.tags.contains(&t)) {
            return None;
        }
        if self.preference.is_some_and(|p| p != work.preference(route)) {
            return None;
        }
        if !self.next_hops.is_empty() && !self.next_hop_matches(route, work) {
            return None;
        }
        if !self.interfaces.is_empty() && !self.interface_matches(route) {
            return None;
        }
        let action = if self.prefixes.is_empty() {
            None
        } else {
            self.prefixes.lookup(net)?
        };
        if !self.communities.is_empty() && !self.communities.iter().any(|c| c.matches(attrs)) {
            return None;
        }
        if !self.as_paths.is_empty() {
            let path = attrs.as_path.as_ref();
            if !self.as_paths.iter().any(|r| r.matches(path)) {
                return None;
            }
        }
        Some(action)
    }

    fn next_hop_matches(&self, route: &PolicyRoute<'_>, work: &Work<'_>) -> bool {
        if route.next_hops.iter().any(|a| self.next_hops.contains(a)) {
            return true;
        }
        match work.attrs().next_hop {
            Some(NextHop::V4(a)) => self.next_hops.contains(&IpAddr::V4(a)),
            Some(NextHop::V6 { global, link_local }) => {
                self.next_hops.contains(&IpAddr::V6(global))
                    || link_local.is_some_and(|l| self.next_hops.contains(&IpAddr::V6(l)))
            }
            None => false,
        }
    }

    fn interface_matches(&self, route: &PolicyRoute<'_>) -> bool {
        self.interfaces.iter().any(|i| match i {
            Iface::Name(n) => route.interfaces.iter().any(|r| **r == **n),
            Iface::Address(a) => route.interface_addresses.contains(a),
        })
    }
}
