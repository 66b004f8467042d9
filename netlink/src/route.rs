//! The crate's one model of a kernel route, read side: what an `RTM_NEWROUTE` says.
//!
//! ```text
//!  dump_request(family, table) ─┬─► batch::RouteSocket::routes  (blocking: the FIB's own socket)
//!                               └─► live::routes_with           (async: the daemon's handle)
//!                                          │ RTM_NEWROUTE, either way
//!                                          ▼
//!                              parse_route() ──► KernelRoute ──► show route forwarding-table
//!                                                    │ From
//!                                                    ▼
//!                                               batch::Route (write side, in a RouteOp)
//! ```
//!
//! * [`KernelRoute`] is everything lsys reads back: table, destination, [`RouteKind`],
//!   [`RouteProto`], [`RouteScope`], preferred source, metric and every [`NextHop`] (ECMP
//!   included, device names filled in by the dump that can resolve them).
//! * [`crate::batch::Route`] is the write side: the few fields a `RouteOp` sends (its next
//!   hops, ECMP included, `rtm_protocol` as the raw id lsys picks). It reuses [`RouteKind`]
//!   and is read back from a [`KernelRoute`] (`From`), so there is one `rtm_type` enum and
//!   one parser in the crate.
//! * The two dumps differ only in transport (the batch path counts its syscalls on a blocking
//!   socket; show commands share the daemon's async connection); both send [`dump_request`]
//!   and parse with [`parse_route`].
//!
//! The enums keep every value: a type, protocol or scope without a name is `Other(n)`, and
//! `u8::from` gives the kernel's number back.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteNextHop, RouteScope as NlScope, RouteType,
    RouteVia,
};
use netlink_packet_route::AddressFamily;

/// `rtm_table` when the id is in `RTA_TABLE` only (ids above 255).
pub(crate) const RT_TABLE_UNSPEC: u8 = 0;
/// What a dump of a table that does not exist answers: it is empty.
pub(crate) const ENOENT: i32 = 2;

/// Both conversions between an enum with an `Other(u8)` catch-all and the kernel's number,
/// from one table, so they cannot disagree.
macro_rules! kernel_number {
    ($ty:ident { $($variant:ident = $n:literal),+ $(,)? }) => {
        impl From<u8> for $ty {
            fn from(v: u8) -> $ty {
                match v {
                    $($n => $ty::$variant,)+
                    other => $ty::Other(other),
                }
            }
        }

        impl From<$ty> for u8 {
            fn from(k: $ty) -> u8 {
                match k {
                    $($ty::$variant => $n,)+
                    $ty::Other(v) => v,
                }
            }
        }
    };
}

/// Type of a kernel route (`RTN_*`): what it does with the packets it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RouteKind {
    /// Forward via the gateway and/or out of the device.
    Unicast,
    /// Deliver locally (the kernel's own address routes).
    Local,
    /// Broadcast (kernel-made, in IPv4 tables).
    Broadcast,
    Anycast,
    Multicast,
    /// Drop silently.
    Blackhole,
    /// Drop with ICMP unreachable.
    Unreachable,
    /// Drop with ICMP administratively prohibited.
    Prohibit,
    /// Continue the lookup in the next rule's table.
    Throw,
    /// Any other `rtm_type`, kept so a dump loses nothing.
    Other(u8),
}

kernel_number!(RouteKind {
    Unicast = 1,
    Local = 2,
    Broadcast = 3,
    Anycast = 4,
    Multicast = 5,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
    Throw = 9,
});

impl From<RouteType> for RouteKind {
    fn from(t: RouteType) -> RouteKind {
        u8::from(t).into()
    }
}

impl From<RouteKind> for RouteType {
    fn from(k: RouteKind) -> RouteType {
        u8::from(k).into()
    }
}

/// The `ip route` keyword (`type N` for a type without one).
impl fmt::Display for RouteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RouteKind::Unicast => "unicast",
            RouteKind::Local => "local",
            RouteKind::Broadcast => "broadcast",
            RouteKind::Anycast => "anycast",
            RouteKind::Multicast => "multicast",
            RouteKind::Blackhole => "blackhole",
            RouteKind::Unreachable => "unreachable",
            RouteKind::Prohibit => "prohibit",
            RouteKind::Throw => "throw",
            RouteKind::Other(t) => return write!(f, "type {t}"),
        })
    }
}

/// Who installed a route (`RTPROT_*`; lsys's own ids, `batch::PROTO_*`, show as `Other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RouteProto {
    /// The kernel, from an interface address (connected, local, broadcast routes).
    Kernel,
    /// `ip route add` without a protocol.
    Boot,
    Static,
    Bgp,
    Other(u8),
}

kernel_number!(RouteProto {
    Kernel = 2,
    Boot = 3,
    Static = 4,
    Bgp = 186,
});

/// Route scope (`RT_SCOPE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RouteScope {
    Universe,
    Site,
    Link,
    Host,
    Nowhere,
    Other(u8),
}

kernel_number!(RouteScope {
    Universe = 0,
    Site = 200,
    Link = 253,
    Host = 254,
    Nowhere = 255,
});

impl From<RouteScope> for NlScope {
    fn from(s: RouteScope) -> NlScope {
        u8::from(s).into()
    }
}

/// One next hop of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHop {
    pub gateway: Option<IpAddr>,
    /// Output device index and name (the name when it could be resolved).
    pub oif: Option<u32>,
    pub dev: Option<String>,
}

/// One route of a kernel table, as a dump or an event reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelRoute {
    pub table: u32,
    pub destination: IpNet,
    pub kind: RouteKind,
    pub protocol: RouteProto,
    pub scope: RouteScope,
    pub preferred_source: Option<IpAddr>,
    pub metric: Option<u32>,
    /// One entry, several for a multipath route (IPv6 too: one `RTA_MULTIPATH`), in the
    /// kernel's order. None for an IPv4 blackhole/unreachable/prohibit/throw; IPv6 reports
    /// those with one hop out of `lo` (its ifindex, no gateway), kept here as reported.
    pub next_hops: Vec<NextHop>,
}

/// The `RTM_GETROUTE` dump request for one family of `table` (any id: it travels in
/// `RTA_TABLE`). With `NETLINK_GET_STRICT_CHK` the kernel dumps only that table; without it the
/// whole FIB comes back, so readers filter on [`KernelRoute::table`] again.
pub fn dump_request(family: AddressFamily, table: u32) -> RouteMessage {
    let mut m = RouteMessage::default();
    m.header.address_family = family;
    m.header.table = u8::try_from(table).unwrap_or(RT_TABLE_UNSPEC);
    m.attributes.push(RouteAttribute::Table(table));
    m
}

fn route_ip(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteAddress::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

fn via_ip(v: &RouteVia) -> Option<IpAddr> {
    match v {
        RouteVia::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteVia::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

fn gateway_in(attrs: &[RouteAttribute]) -> Option<IpAddr> {
    attrs.iter().find_map(|a| match a {
        RouteAttribute::Gateway(g) => route_ip(g),
        RouteAttribute::Via(v) => via_ip(v),
        _ => None,
    })
}

/// One route message (IPv4 or IPv6) as a [`KernelRoute`]; `None` for another family. The
/// table id is `RTA_TABLE` when present (ids above 255 are only there); device names are left
/// for the caller to resolve.
pub fn parse_route(m: &RouteMessage) -> Option<KernelRoute> {
    let h = &m.header;
    let unspecified: IpAddr = match h.address_family {
        AddressFamily::Inet => Ipv4Addr::UNSPECIFIED.into(),
        AddressFamily::Inet6 => Ipv6Addr::UNSPECIFIED.into(),
        _ => return None,
    };
    let mut table = u32::from(h.table);
    let mut dst = None;
    let mut oif = None;
    let mut multipath: Option<&Vec<RouteNextHop>> = None;
    let mut route = KernelRoute {
        table: 0,
        destination: IpNet::new(unspecified, 0).ok()?,
        kind: h.kind.into(),
        protocol: u8::from(h.protocol).into(),
        scope: u8::from(h.scope).into(),
        preferred_source: None,
        metric: None,
        next_hops: vec![],
    };
    for a in &m.attributes {
        match a {
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Destination(d) => dst = route_ip(d),
            RouteAttribute::Oif(i) => oif = Some(*i),
            RouteAttribute::PrefSource(s) => route.preferred_source = route_ip(s),
            RouteAttribute::Priority(p) => route.metric = Some(*p),
            RouteAttribute::MultiPath(hops) => multipath = Some(hops),
            _ => {}
        }
    }
    route.table = table;
    route.destination = IpNet::new(dst.unwrap_or(unspecified), h.destination_prefix_length).ok()?;
    route.next_hops = match multipath {
        Some(hops) => hops
            .iter()
            .map(|nh| NextHop {
                gateway: gateway_in(&nh.attributes),
                oif: (nh.interface_index != 0).then_some(nh.interface_index),
                dev: None,
            })
            .collect(),
        None => {
            let gateway = gateway_in(&m.attributes);
            if gateway.is_some() || oif.is_some() {
                vec![NextHop {
                    gateway,
                    oif,
                    dev: None,
                }]
            } else {
                vec![]
            }
        }
    };
    Some(route)
}

#[cfg(test)]
mod tests {
    use netlink_packet_route::route::{RouteHeader, RouteProtocol};

    use super::*;

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn route_msg(family: AddressFamily, attrs: Vec<RouteAttribute>) -> RouteMessage {
        let mut m = RouteMessage::default();
        m.header.address_family = family;
        m.header.table = 252; // RT_TABLE_COMPAT: the real id is in RTA_TABLE
        m.header.protocol = RouteProtocol::Kernel;
        m.header.kind = RouteType::Unicast;
        m.header.scope = NlScope::Link;
        m.attributes = attrs;
        m
    }

    #[test]
    fn routes_are_parsed() {
        let mut m = route_msg(
            AddressFamily::Inet,
            vec![
                RouteAttribute::Table(1000),
                RouteAttribute::Destination(RouteAddress::Inet("10.0.0.0".parse().unwrap())),
                RouteAttribute::PrefSource(RouteAddress::Inet("10.0.0.0".parse().unwrap())),
                RouteAttribute::Oif(7),
            ],
        );
        m.header.destination_prefix_length = 31;
        let r = parse_route(&m).unwrap();
        assert_eq!(r.table, 1000);
        assert_eq!(r.destination, net("10.0.0.0/31"));
        assert_eq!(
            (r.kind, r.protocol, r.scope),
            (RouteKind::Unicast, RouteProto::Kernel, RouteScope::Link)
        );
        assert_eq!(r.preferred_source, Some(v4("10.0.0.0")));
        assert_eq!(
            r.next_hops,
            [NextHop {
                gateway: None,
                oif: Some(7),
                dev: None
            }]
        );

        let mut dflt = route_msg(
            AddressFamily::Inet6,
            vec![RouteAttribute::Gateway(RouteAddress::Inet6(
                "fe80::1".parse().unwrap(),
            ))],
        );
        dflt.header.table = RouteHeader::RT_TABLE_MAIN;
        dflt.header.protocol = RouteProtocol::Bgp;
        let r = parse_route(&dflt).unwrap();
        assert_eq!((r.table, r.destination), (254, net("::/0")));
        assert_eq!(r.protocol, RouteProto::Bgp);
        assert_eq!(r.next_hops[0].gateway, Some("fe80::1".parse().unwrap()));

        let mut hole = route_msg(AddressFamily::Inet, vec![RouteAttribute::Table(1000)]);
        hole.header.kind = RouteType::BlackHole;
        hole.header.protocol = RouteProtocol::Static;
        let r = parse_route(&hole).unwrap();
        assert_eq!(
            (r.kind, r.protocol),
            (RouteKind::Blackhole, RouteProto::Static)
        );
        assert!(r.next_hops.is_empty());

        let hop = |gw: &str, oif| {
            let mut nh = RouteNextHop::default();
            nh.interface_index = oif;
            nh.attributes = vec![RouteAttribute::Gateway(RouteAddress::Inet(
                gw.parse().unwrap(),
            ))];
            nh
        };
        let ecmp = route_msg(
            AddressFamily::Inet,
            vec![RouteAttribute::MultiPath(vec![
                hop("10.0.0.14", 5),
                hop("10.0.0.18", 6),
            ])],
        );
        let r = parse_route(&ecmp).unwrap();
        let gws: Vec<_> = r
            .next_hops
            .iter()
            .map(|h| (h.gateway.unwrap(), h.oif))
            .collect();
        assert_eq!(
            gws,
            [(v4("10.0.0.14"), Some(5)), (v4("10.0.0.18"), Some(6))]
        );

        assert!(parse_route(&route_msg(AddressFamily::Bridge, vec![])).is_none());
    }

    #[test]
    fn every_kernel_number_survives_the_enums() {
        for v in 0..=u8::MAX {
            assert_eq!(u8::from(RouteKind::from(v)), v);
            assert_eq!(u8::from(RouteProto::from(v)), v);
            assert_eq!(u8::from(RouteScope::from(v)), v);
            // The netlink-packet-route types agree on every number.
            let k = RouteKind::from(v);
            assert_eq!(u8::from(RouteType::from(k)), v);
            assert_eq!(RouteKind::from(RouteType::from(v)), k);
            assert_eq!(u8::from(NlScope::from(RouteScope::from(v))), v);
        }
        assert_eq!(RouteKind::Blackhole.to_string(), "blackhole");
        assert_eq!(RouteKind::Other(42).to_string(), "type 42");
    }

    #[test]
    fn dump_requests_name_the_table_in_rta_table() {
        let m = dump_request(AddressFamily::Inet6, 1000);
        assert_eq!(m.header.address_family, AddressFamily::Inet6);
        assert_eq!(m.header.table, RT_TABLE_UNSPEC);
        assert_eq!(m.attributes, [RouteAttribute::Table(1000)]);
        assert_eq!(dump_request(AddressFamily::Inet, 254).header.table, 254);
    }
}
