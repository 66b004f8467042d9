//! The write side of a route: [`Route`] with its next hops ([`Hop`]), the [`RouteOp`]s that
//! carry it, and how a dumped [`KernelRoute`] reads back as one.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::route::{KernelRoute, RouteKind, RouteScope};

/// The metric the kernel gives an IPv6 route that asks for none (or for 0):
/// `IP6_RT_PRIO_USER`.
pub const IPV6_DEFAULT_METRIC: u32 = 1024;

/// One next hop of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hop {
    /// Gateway, of the destination's family. Without one, the hop is the device alone.
    pub gateway: Option<IpAddr>,
    /// Output interface index. With a gateway and no device the kernel finds the device (and
    /// a dump then reports it: see [`Route::matches`]).
    pub oif: Option<u32>,
}

impl Hop {
    /// A hop via `gateway`, the device left to the kernel.
    pub fn via(gateway: IpAddr) -> Hop {
        Hop {
            gateway: Some(gateway),
            oif: None,
        }
    }

    /// A hop straight out of device `oif`.
    pub fn dev(oif: u32) -> Hop {
        Hop {
            gateway: None,
            oif: Some(oif),
        }
    }
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(g) = self.gateway {
            write!(f, "via {g}")?;
            sep = " ";
        }
        if let Some(i) = self.oif {
            write!(f, "{sep}dev #{i}")?;
        }
        Ok(())
    }
}

/// One kernel route, IPv4 or IPv6 (the family is the destination's).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    /// Kernel table id; ids above 255 travel in `RTA_TABLE`.
    pub table: u32,
    /// Destination prefix (host bits are not sent: the network address is).
    pub dst: IpNet,
    pub kind: RouteKind,
    /// Next hops: one is sent as `RTA_GATEWAY`/`RTA_OIF`, two or more as `RTA_MULTIPATH`
    /// (equal weights); none for blackhole, unreachable, prohibit and throw. The kernel keeps
    /// no order worth comparing (IPv6 reports its hops in the order they were added), so
    /// [`Route::multipath`] and the parser of dumps sort them: two routes built that way are
    /// `==` whatever order their hops came in. [`Route::matches`] ignores order in any case.
    pub hops: Vec<Hop>,
    /// `rtm_protocol`: who installed it ([`super::PROTO_STATIC`], [`super::PROTO_BGP`], ...).
    pub protocol: u8,
    /// `RTA_PRIORITY` (the metric). IPv6 routes without one get [`IPV6_DEFAULT_METRIC`] from
    /// the kernel, and a dump reports it; an IPv4 metric of 0 is dumped as none.
    pub metric: Option<u32>,
}

impl Route {
    /// A unicast route in `table` to `dst` via `gateway`, installed as `protocol`.
    pub fn via(table: u32, dst: IpNet, gateway: IpAddr, protocol: u8) -> Route {
        Route::multipath(table, dst, vec![Hop::via(gateway)], protocol)
    }

    /// A unicast route in `table` to `dst` straight out of device `oif` (scope link).
    pub fn dev(table: u32, dst: IpNet, oif: u32, protocol: u8) -> Route {
        Route::multipath(table, dst, vec![Hop::dev(oif)], protocol)
    }

    /// A unicast route in `table` to `dst` over `hops` (sorted here; one hop is an ordinary
    /// route, two or more an ECMP route).
    pub fn multipath(table: u32, dst: IpNet, mut hops: Vec<Hop>, protocol: u8) -> Route {
        hops.sort();
        Route {
            hops,
            ..Route::reject(table, dst, RouteKind::Unicast, protocol)
        }
    }

    /// A route of `kind` (blackhole, unreachable, prohibit) without a next hop.
    pub fn reject(table: u32, dst: IpNet, kind: RouteKind, protocol: u8) -> Route {
        Route {
            table,
            dst,
            kind,
            hops: vec![],
            protocol,
            metric: None,
        }
    }

    /// The metric the kernel files the route under: [`IPV6_DEFAULT_METRIC`] for an IPv6
    /// route without one (or with 0), 0 for an IPv4 route without one.
    pub fn kernel_metric(&self) -> u32 {
        match (self.dst, self.metric) {
            (IpNet::V6(_), None | Some(0)) => IPV6_DEFAULT_METRIC,
            (_, m) => m.unwrap_or(0),
        }
    }

    /// Whether `actual` (a dumped route) is this route as installed: same table, prefix
    /// (host bits aside), kind, protocol and [`Route::kernel_metric`], and the same next hops
    /// in any order, where a hop of `self` without a device matches the same gateway on any
    /// device (the kernel resolves the device and a dump reports it).
    pub fn matches(&self, actual: &Route) -> bool {
        self.table == actual.table
            && self.dst.trunc() == actual.dst.trunc()
            && self.kind == actual.kind
            && self.protocol == actual.protocol
            && self.kernel_metric() == actual.kernel_metric()
            && hops_match(&self.hops, &actual.hops)
    }

    /// The scope `ip route add` would give it: link for a device route, host for local.
    pub(super) fn scope(&self) -> RouteScope {
        match self.kind {
            RouteKind::Unicast if self.hops.len() <= 1 && self.hops.iter().all(is_device) => {
                RouteScope::Link
            }
            RouteKind::Local => RouteScope::Host,
            RouteKind::Broadcast => RouteScope::Link,
            _ => RouteScope::Universe,
        }
    }
}

fn is_device(h: &Hop) -> bool {
    h.gateway.is_none()
}

/// `want` and `got` pair up one to one, a wanted hop without a device taking any device.
/// Exact hops pair first so that a wildcard never takes the hop an exact one needs; after
/// that every remaining hop with the gateway is as good as another.
fn hops_match(want: &[Hop], got: &[Hop]) -> bool {
    if want.len() != got.len() {
        return false;
    }
    let mut used = vec![false; got.len()];
    let (exact, wild): (Vec<&Hop>, Vec<&Hop>) = want.iter().partition(|h| h.oif.is_some());
    exact.into_iter().chain(wild).all(|w| {
        let found = got.iter().enumerate().position(|(i, g)| {
            !used[i] && g.gateway == w.gateway && (w.oif.is_none() || w.oif == g.oif)
        });
        found.map(|i| used[i] = true).is_some()
    })
}

/// The op-relevant part of a dumped route, hops sorted. A reject route (blackhole,
/// unreachable, prohibit, throw) has no hop, although IPv6 reports one out of `lo` for it.
impl From<KernelRoute> for Route {
    fn from(k: KernelRoute) -> Route {
        let reject = matches!(
            k.kind,
            RouteKind::Blackhole | RouteKind::Unreachable | RouteKind::Prohibit | RouteKind::Throw
        );
        let mut hops: Vec<Hop> = match reject {
            true => vec![],
            false => k
                .next_hops
                .into_iter()
                .map(|h| Hop {
                    gateway: h.gateway,
                    oif: h.oif,
                })
                .collect(),
        };
        hops.sort();
        Route {
            table: k.table,
            dst: k.destination,
            kind: k.kind,
            hops,
            protocol: k.protocol.into(),
            metric: k.metric,
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind != RouteKind::Unicast {
            write!(f, "{} ", self.kind)?;
        }
        write!(f, "{} table {}", self.dst, self.table)?;
        match self.hops.as_slice() {
            [] => {}
            [one] => write!(f, " {one}")?,
            many => {
                for h in many {
                    write!(f, " nexthop {h}")?;
                }
            }
        }
        if let Some(m) = self.metric {
            write!(f, " metric {m}")?;
        }
        Ok(())
    }
}

/// One change to the kernel FIB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteOp {
    /// `NLM_F_CREATE|NLM_F_EXCL`: fails with `EEXIST` if the route is there.
    Add(Route),
    /// `NLM_F_CREATE|NLM_F_REPLACE`: creates the route, or overwrites the one the kernel
    /// files under the same table, prefix and metric, *whoever installed it* (see
    /// [`super::reconcile_ops`] for how lsys avoids clobbering a foreign route).
    Replace(Route),
    /// Deletes the first route matching table, prefix, protocol (0 = any) and metric (when
    /// given); the kind and next hops are not sent. Already gone counts as success.
    ///
    /// Next hops are left out on purpose: the kernel would then also match them, and a
    /// route of ours whose hops differ from what we believe would answer `ESRCH`, which
    /// counts as gone, and stay installed. With hops the kernel is also inconsistent about
    /// multipath (seen on 6.18): IPv4 compares a gateway with the route's *first* hop only
    /// (`del ... via <second hop>` is `ESRCH`, `via <first hop>` deletes the whole route),
    /// IPv6 deletes just the one sibling hop and leaves the rest installed. Without hops
    /// IPv4 deletes the first matching route whole, IPv6 the route with all its siblings.
    Delete(Route),
}

impl RouteOp {
    pub fn route(&self) -> &Route {
        match self {
            RouteOp::Add(r) | RouteOp::Replace(r) | RouteOp::Delete(r) => r,
        }
    }
}

impl fmt::Display for RouteOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self {
            RouteOp::Add(_) => "add",
            RouteOp::Replace(_) => "replace",
            RouteOp::Delete(_) => "delete",
        };
        write!(f, "{verb} {}", self.route())
    }
}

#[cfg(test)]
mod tests {
    use crate::route::{NextHop, RouteProto};

    use super::super::PROTO_BGP;
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn hop(gw: &str, oif: u32) -> Hop {
        Hop {
            gateway: Some(ip(gw)),
            oif: Some(oif),
        }
    }

    fn kernel(dst: &str, kind: RouteKind, hops: &[(Option<&str>, Option<u32>)]) -> KernelRoute {
        KernelRoute {
            table: 7,
            destination: net(dst),
            kind,
            protocol: RouteProto::Other(PROTO_BGP),
            scope: RouteScope::Universe,
            preferred_source: None,
            metric: Some(1024),
            next_hops: hops
                .iter()
                .map(|(g, oif)| NextHop {
                    gateway: g.map(ip),
                    oif: *oif,
                    dev: None,
                })
                .collect(),
        }
    }

    #[test]
    fn dumped_hops_are_sorted_and_reject_routes_lose_lo() {
        let k = kernel(
            "2001:db8::/32",
            RouteKind::Unicast,
            &[(Some("fe80::2"), Some(4)), (Some("fe80::1"), Some(5))],
        );
        let r = Route::from(k);
        assert_eq!(r.hops, [hop("fe80::1", 5), hop("fe80::2", 4)]);
        let mut built = Route::multipath(
            7,
            net("2001:db8::/32"),
            vec![hop("fe80::2", 4), hop("fe80::1", 5)],
            PROTO_BGP,
        );
        built.metric = Some(1024);
        assert_eq!(r, built);

        // IPv6 dumps a blackhole "dev lo".
        let hole = kernel("2001:db8::/32", RouteKind::Blackhole, &[(None, Some(1))]);
        assert!(Route::from(hole).hops.is_empty());
    }

    #[test]
    fn matching_ignores_hop_order_and_takes_resolved_devices_and_default_metrics() {
        let dst = net("10.0.0.0/24");
        let want = Route::multipath(
            7,
            dst,
            vec![Hop::via(ip("10.1.0.2")), hop("10.2.0.2", 3)],
            PROTO_BGP,
        );
        let mut got = want.clone();
        got.hops = vec![hop("10.2.0.2", 3), hop("10.1.0.2", 9)];
        assert!(want.matches(&got));
        // A device given must be the device.
        got.hops[0].oif = Some(4);
        assert!(!want.matches(&got));
        // One hop fewer, another protocol, metric or kind: not the route.
        let one = Route::via(7, dst, ip("10.1.0.2"), PROTO_BGP);
        assert!(!want.matches(&one) && !one.matches(&want));
        let mut other = one.clone();
        other.protocol += 1;
        assert!(!one.matches(&other));
        other = one.clone();
        other.metric = Some(0);
        assert!(one.matches(&other), "IPv4 metric 0 is no metric");
        other.metric = Some(5);
        assert!(!one.matches(&other));
        let mut v6 = Route::via(7, net("2001:db8::/32"), ip("fe80::1"), PROTO_BGP);
        let mut dumped = v6.clone();
        dumped.metric = Some(IPV6_DEFAULT_METRIC);
        assert!(v6.matches(&dumped));
        v6.metric = Some(0);
        assert!(v6.matches(&dumped));

        // A wildcard hop never takes the one an exact hop needs.
        let gw = ip("fe80::1");
        let want = Route::multipath(7, dst, vec![Hop::via(gw), hop("fe80::1", 1)], 1);
        let mut got = want.clone();
        got.hops = vec![hop("fe80::1", 1), hop("fe80::1", 2)];
        assert!(want.matches(&got));
        got.hops = vec![hop("fe80::1", 2), hop("fe80::1", 3)];
        assert!(!want.matches(&got));
    }

    #[test]
    fn routes_display_like_ip_route() {
        let dst = net("10.0.0.0/24");
        let mut r = Route::via(1234, dst, ip("10.255.0.2"), PROTO_BGP);
        r.hops[0].oif = Some(3);
        assert_eq!(
            r.to_string(),
            "10.0.0.0/24 table 1234 via 10.255.0.2 dev #3"
        );
        let mut ecmp =
            Route::multipath(1234, dst, vec![Hop::dev(4), hop("10.1.0.2", 2)], PROTO_BGP);
        ecmp.metric = Some(20);
        assert_eq!(
            RouteOp::Replace(ecmp).to_string(),
            "replace 10.0.0.0/24 table 1234 nexthop dev #4 nexthop via 10.1.0.2 dev #2 metric 20"
        );
        let hole = Route::reject(1234, dst, RouteKind::Blackhole, PROTO_BGP);
        assert_eq!(hole.to_string(), "blackhole 10.0.0.0/24 table 1234");
    }
}
