//! The compact per-destination state: routes, their next hops, and what lsys installed.
//!
//! Sizes matter here (a table may hold a million destinations), so nothing per route owns a
//! `String`: interfaces are interned per table in [`Ifaces`] and named by a 4-byte [`IfId`];
//! one route and one next hop are stored inline ([`Few`]); the installed kernel route is kept
//! in the same compact form ([`Installed`]) and turned into a [`FibRoute`] only for an op.
//! A BGP route names its shared attributes by a 4-byte [`InfoId`] (see `bgp.rs`) and its time
//! stamp is 4 bytes, so a BGP route costs what a static route does (40 bytes, `Route`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;

use ipnet::IpNet;

use super::bgp::InfoId;
use super::few::Few;
use crate::{Family, FibAction, FibRoute, Hop, Protocol};

/// A route's time stamp: Unix seconds in 4 bytes (clamped to 1970..2106), which leaves room in
/// [`Route`] for a BGP route's [`InfoId`] at no cost.
pub(super) fn stamp(now: i64) -> u32 {
    u32::try_from(now.max(0)).unwrap_or(u32::MAX)
}

/// An interned (interface name, ifindex) of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct IfId(NonZeroU32);

/// An interned interface name of one table, as an interface next hop names it (the interface
/// may not exist yet: it is resolved to an [`IfId`] when it is up in the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct IfName(NonZeroU32);

/// The interfaces a table has seen, and the interface names its routes name. Entries are never
/// freed: they are few (one per distinct name and ifindex the kernel reported, one per name
/// the configuration or the kernel gave), and an [`IfId`] or [`IfName`] stays valid for as
/// long as a route or an installed next hop may name it.
#[derive(Debug, Default)]
pub(super) struct Ifaces {
    slots: Vec<(Box<str>, u32)>,
    by_name: HashMap<Box<str>, Vec<(u32, IfId)>>,
    names: Vec<Box<str>>,
    name_ids: HashMap<Box<str>, IfName>,
}

impl Ifaces {
    pub(super) fn intern(&mut self, name: &str, ifindex: u32) -> IfId {
        if let Some(id) = self.find(name, ifindex) {
            return id;
        }
        let n = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        let id = IfId(NonZeroU32::MIN.saturating_add(n));
        self.slots.push((name.into(), ifindex));
        self.by_name
            .entry(name.into())
            .or_default()
            .push((ifindex, id));
        id
    }

    /// The id of an interface name (whether or not such an interface exists).
    pub(super) fn intern_name(&mut self, name: &str) -> IfName {
        if let Some(id) = self.name_ids.get(name) {
            return *id;
        }
        let n = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let id = IfName(NonZeroU32::MIN.saturating_add(n));
        self.names.push(name.into());
        self.name_ids.insert(name.into(), id);
        id
    }

    /// The text of an interned name.
    pub(super) fn text(&self, name: IfName) -> &str {
        self.names.get(name.0.get() as usize - 1).map_or("?", |n| n)
    }

    pub(super) fn find(&self, name: &str, ifindex: u32) -> Option<IfId> {
        self.by_name
            .get(name)?
            .iter()
            .find(|(i, _)| *i == ifindex)
            .map(|(_, id)| *id)
    }

    fn slot(&self, id: IfId) -> (&str, u32) {
        match self.slots.get(id.0.get() as usize - 1) {
            Some((name, ifindex)) => (name, *ifindex),
            None => ("?", 0),
        }
    }

    pub(super) fn name(&self, id: IfId) -> &str {
        self.slot(id).0
    }

    /// The deterministic order of interfaces: by name, then ifindex (never by interning order).
    pub(super) fn key(&self, id: IfId) -> (&str, u32) {
        self.slot(id)
    }

    pub(super) fn hop(&self, gateway: Option<IpAddr>, id: IfId) -> Hop {
        let (name, ifindex) = self.slot(id);
        Hop {
            gateway,
            ifname: name.to_string(),
            ifindex,
        }
    }
}

/// One route of a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Route {
    /// When the route was created or its next hops, hidden or active state last changed
    /// ([`stamp`]).
    pub since: u32,
    pub preference: u32,
    /// A BGP route's attributes, interned in the family's `Infos` (`None` for the others).
    pub info: Option<InfoId>,
    pub protocol: Protocol,
    /// Next hops that resolve over nothing: not eligible.
    pub hidden: bool,
    pub active: bool,
    pub target: Target,
}

/// Where a route sends packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// Direct and Local routes: the interface itself.
    Interface(IfId),
    /// Static and BGP routes: next hops in [`crate::NextHop`] order (gateways by address, then
    /// interfaces by name), each with the interface it resolves over (if any). BGP next hops
    /// are gateways only.
    Hops(Few<RouteHop>),
    Discard,
    Reject,
}

impl Target {
    /// Equal as configured (resolution ignored).
    pub(super) fn same_config(&self, other: &Target) -> bool {
        match (self, other) {
            (Target::Hops(a), Target::Hops(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.to == y.to)
            }
            _ => self == other,
        }
    }

    pub(super) fn hops(&self) -> &[RouteHop] {
        match self {
            Target::Hops(g) => g.as_slice(),
            _ => &[],
        }
    }

    /// Rank of the kind, for the last tie-breaker of selection.
    fn kind(&self) -> u8 {
        match self {
            Target::Interface(_) => 0,
            Target::Hops(_) => 1,
            Target::Discard => 2,
            Target::Reject => 3,
        }
    }
}

/// One next hop of a route: where it points, and the interface it resolves over (`None`: not
/// usable now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RouteHop {
    pub to: HopTo,
    pub via: Option<IfId>,
}

/// What a next hop names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HopTo {
    /// A gateway, resolved over the longest connected subnet that holds it.
    Gateway(IpAddr),
    /// An interface of the table, resolved to it while it is up.
    Interface(IfName),
}

impl HopTo {
    pub(super) fn gateway(self) -> Option<IpAddr> {
        match self {
            HopTo::Gateway(a) => Some(a),
            HopTo::Interface(_) => None,
        }
    }

    pub(super) fn interface(self) -> Option<IfName> {
        match self {
            HopTo::Interface(n) => Some(n),
            HopTo::Gateway(_) => None,
        }
    }

    /// The [`crate::NextHop`] order: gateways by address, then interfaces by name (never by
    /// interning order).
    pub(super) fn key(self, ifaces: &Ifaces) -> HopKey<'_> {
        match self {
            HopTo::Gateway(a) => HopKey::Gateway(a),
            HopTo::Interface(n) => HopKey::Interface(ifaces.text(n)),
        }
    }
}

/// [`HopTo`] in the order next hops sort in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum HopKey<'a> {
    Gateway(IpAddr),
    Interface(&'a str),
}

impl Route {
    pub(super) fn new(protocol: Protocol, preference: u32, target: Target, now: i64) -> Route {
        Route {
            since: stamp(now),
            preference,
            info: None,
            protocol,
            hidden: false,
            active: false,
            target,
        }
    }

    /// The selection order: lower preference, then protocol (Direct < Local < Static < Bgp),
    /// then the target (interface name and ifindex; the next hops in [`crate::NextHop`] order,
    /// so a gateway ranks before an interface next hop; kind). Total and independent of the
    /// order routes arrived in.
    pub(super) fn rank_cmp(&self, other: &Route, ifaces: &Ifaces) -> std::cmp::Ordering {
        self.preference
            .cmp(&other.preference)
            .then(self.protocol.cmp(&other.protocol))
            .then(self.target.kind().cmp(&other.target.kind()))
            .then_with(|| match (&self.target, &other.target) {
                (Target::Interface(a), Target::Interface(b)) => ifaces.key(*a).cmp(&ifaces.key(*b)),
                (Target::Hops(a), Target::Hops(b)) => a
                    .iter()
                    .map(|x| x.to.key(ifaces))
                    .cmp(b.iter().map(|x| x.to.key(ifaces))),
                _ => std::cmp::Ordering::Equal,
            })
    }

    /// The kernel route this route wants when active (None: kernel-owned, or nothing resolves).
    /// Without multipath: the first next hop that resolves. With multipath: every one, except
    /// that Linux takes no interface-only hop in an IPv6 multipath route ("Device only routes
    /// can not be added for IPv6 using the multipath API"): an IPv6 route with both kinds
    /// installs its gateways, one with interfaces only its first interface.
    pub(super) fn wanted(&self, multipath: bool, family: Family) -> Option<(Protocol, Action)> {
        if self.protocol.kernel_owned() || self.hidden {
            return None;
        }
        let action = match &self.target {
            Target::Interface(id) => Action::Forward(Few::One(KernelHop {
                gateway: None,
                via: *id,
            })),
            Target::Hops(g) => {
                let mut hops = g.iter().filter_map(|g| {
                    g.via.map(|via| KernelHop {
                        gateway: g.to.gateway(),
                        via,
                    })
                });
                let first = hops.next()?;
                let mut rest = hops.peekable();
                if !multipath || rest.peek().is_none() {
                    return Some((self.protocol, Action::Forward(Few::One(first))));
                }
                let mut v: Vec<KernelHop> = std::iter::once(first).chain(rest).collect();
                if family == Family::Inet6 && v.iter().any(|h| h.gateway.is_none()) {
                    // Gateways sort first: the first hop has one if any hop has.
                    if first.gateway.is_some() {
                        v.retain(|h| h.gateway.is_some());
                    } else {
                        v.truncate(1);
                    }
                }
                Action::Forward(Few::from_vec(v))
            }
            Target::Discard => Action::Blackhole,
            Target::Reject => Action::Unreachable,
        };
        Some((self.protocol, action))
    }
}

/// A next hop of an installed route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KernelHop {
    pub gateway: Option<IpAddr>,
    pub via: IfId,
}

/// [`FibAction`] with interned interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Action {
    Forward(Few<KernelHop>),
    Blackhole,
    Unreachable,
}

/// The kernel's answer for the installed route (the message of a refusal is kept aside, in
/// [`super::table::FamilyRib::fib_errors`]: refusals are rare).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Pending,
    Installed,
    Refused,
    /// A BGP route found in the kernel (adoption) that the speaker has not given (again):
    /// kept as it is until the speaker gives or withdraws it, or says it is in sync
    /// (`Rib::bgp_synced`). The kernel holds it.
    Stale,
}

/// What lsys sent to (or found in) the kernel for one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Installed {
    pub protocol: Protocol,
    pub status: Status,
    pub action: Action,
}

impl Installed {
    pub(super) fn to_fib(&self, kernel_table: u32, prefix: IpNet, ifaces: &Ifaces) -> FibRoute {
        let action = match &self.action {
            Action::Forward(h) => {
                FibAction::Forward(h.iter().map(|h| ifaces.hop(h.gateway, h.via)).collect())
            }
            Action::Blackhole => FibAction::Blackhole,
            Action::Unreachable => FibAction::Unreachable,
        };
        FibRoute {
            kernel_table,
            prefix,
            protocol: self.protocol,
            action,
        }
    }

    /// Whether this is `route` (without building it).
    pub(super) fn is(&self, route: &FibRoute, kernel_table: u32, ifaces: &Ifaces) -> bool {
        if route.kernel_table != kernel_table || route.protocol != self.protocol {
            return false;
        }
        match (&self.action, &route.action) {
            (Action::Blackhole, FibAction::Blackhole) => true,
            (Action::Unreachable, FibAction::Unreachable) => true,
            (Action::Forward(a), FibAction::Forward(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| {
                        x.gateway == y.gateway
                            && ifaces.key(x.via) == (y.ifname.as_str(), y.ifindex)
                    })
            }
            _ => false,
        }
    }

    /// The compact form of a kernel route (hops sorted as [`FibAction::Forward`] wants them).
    pub(super) fn from_fib(route: &FibRoute, ifaces: &mut Ifaces, status: Status) -> Installed {
        let action = match &route.action {
            FibAction::Forward(hops) => {
                let mut hops = hops.clone();
                hops.sort();
                Action::Forward(Few::from_vec(
                    hops.iter()
                        .map(|h| KernelHop {
                            gateway: h.gateway,
                            via: ifaces.intern(&h.ifname, h.ifindex),
                        })
                        .collect(),
                ))
            }
            FibAction::Blackhole => Action::Blackhole,
            FibAction::Unreachable => Action::Unreachable,
        };
        Installed {
            protocol: route.protocol,
            status,
            action,
        }
    }
}

/// One destination (prefix) of a table.
#[derive(Debug, Clone, Default)]
pub(super) struct Dest {
    pub routes: Few<Route>,
    pub installed: Option<Installed>,
}

impl Dest {
    pub(super) fn is_empty(&self) -> bool {
        self.routes.is_empty() && self.installed.is_none()
    }

    pub(super) fn has(&self, protocol: Protocol) -> bool {
        self.routes.iter().any(|r| r.protocol == protocol)
    }

    pub(super) fn active(&self) -> Option<&Route> {
        self.routes.iter().find(|r| r.active)
    }
}

/// Counts of a family table, kept up to date on every change of a destination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Stats {
    /// Destinations with at least one route.
    pub dests: usize,
    /// Per [`Protocol`] (in its order): routes, and active ones.
    pub routes: [usize; 4],
    pub active: [usize; 4],
    pub hidden: usize,
    /// Destinations holding a Bgp route (they count first when statics are admitted).
    pub bgp: usize,
    /// Destinations holding a Static or a Bgp route: what `maximum-prefixes` bounds.
    pub limited: usize,
}

pub(super) fn protocol_index(p: Protocol) -> usize {
    match p {
        Protocol::Direct => 0,
        Protocol::Local => 1,
        Protocol::Static => 2,
        Protocol::Bgp => 3,
    }
}

pub(super) const PROTOCOLS: [Protocol; 4] = [
    Protocol::Direct,
    Protocol::Local,
    Protocol::Static,
    Protocol::Bgp,
];

impl Stats {
    /// Adds (`add`) or removes the contribution of `dest`.
    pub(super) fn account(&mut self, dest: &Dest, add: bool) {
        let mut d = Stats::default();
        if !dest.routes.is_empty() {
            d.dests = 1;
        }
        for r in dest.routes.iter() {
            let i = protocol_index(r.protocol);
            d.routes[i] += 1;
            d.active[i] += usize::from(r.active);
            d.hidden += usize::from(r.hidden);
        }
        d.bgp = usize::from(dest.has(Protocol::Bgp));
        d.limited = usize::from(dest.has(Protocol::Bgp) || dest.has(Protocol::Static));
        let f = |a: &mut usize, b: usize| {
            *a = if add { *a + b } else { a.saturating_sub(b) };
        };
        f(&mut self.dests, d.dests);
        for i in 0..4 {
            f(&mut self.routes[i], d.routes[i]);
            f(&mut self.active[i], d.active[i]);
        }
        f(&mut self.hidden, d.hidden);
        f(&mut self.bgp, d.bgp);
        f(&mut self.limited, d.limited);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_sizes() {
        // The budget of a one-next-hop static or BGP route: keep these from growing by
        // accident (a BGP route's attributes cost 4 bytes of Route's padding, nothing more).
        assert!(std::mem::size_of::<RouteHop>() <= 24);
        assert!(
            std::mem::size_of::<Route>() <= 40,
            "{}",
            std::mem::size_of::<Route>()
        );
        assert!(
            std::mem::size_of::<Dest>() <= 72,
            "{}",
            std::mem::size_of::<Dest>()
        );
    }

    #[test]
    fn interned_interfaces_are_stable() {
        let mut i = Ifaces::default();
        let a = i.intern("ge-0/0/0", 3);
        let b = i.intern("ge-0/0/1", 4);
        assert_eq!(i.intern("ge-0/0/0", 3), a);
        assert_ne!(i.intern("ge-0/0/0", 7), a);
        assert_eq!(i.name(b), "ge-0/0/1");
        assert_eq!(i.key(a), ("ge-0/0/0", 3));
        let n = i.intern_name("irb.300");
        assert_eq!(i.intern_name("irb.300"), n);
        assert_ne!(i.intern_name("irb.301"), n);
        assert_eq!(i.text(n), "irb.300");
    }

    #[test]
    fn gateways_sort_before_interfaces() {
        let mut i = Ifaces::default();
        // Interned in the opposite order of their names.
        let b = HopTo::Interface(i.intern_name("irb.5"));
        let a = HopTo::Interface(i.intern_name("irb.10"));
        let g = HopTo::Gateway("10.0.0.14".parse().unwrap());
        let h = HopTo::Gateway("192.0.2.1".parse().unwrap());
        let mut v = vec![b, h, a, g];
        v.sort_by(|x, y| x.key(&i).cmp(&y.key(&i)));
        assert_eq!(v, [g, h, a, b]);
    }
}
