//! The write side of a route ([`Route`], [`RouteOp`]) and its encoding: one netlink message
//! per op, packed into chunks that fit one `sendmsg` and the acks the receive buffer can hold.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLMSG_ALIGNTO, NLM_F_ACK,
    NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST,
};
use netlink_packet_route::route::{RouteAttribute, RouteMessage, RouteProtocol};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::route::{KernelRoute, RouteKind, RouteScope, RT_TABLE_UNSPEC};

/// One kernel route, IPv4 or IPv6 (the family is the destination's).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    /// Kernel table id; ids above 255 travel in `RTA_TABLE`.
    pub table: u32,
    /// Destination prefix (host bits are not sent: the network address is).
    pub dst: IpNet,
    pub kind: RouteKind,
    /// Next hop; with [`RouteKind::Unicast`] and no `oif`, the kernel finds the device.
    pub gateway: Option<IpAddr>,
    /// Output interface index.
    pub oif: Option<u32>,
    /// `rtm_protocol`: who installed it ([`super::PROTO_STATIC`], [`super::PROTO_BGP`], ...).
    pub protocol: u8,
    /// `RTA_PRIORITY` (the metric). IPv6 routes without one get 1024 from the kernel.
    pub metric: Option<u32>,
}

impl Route {
    /// A unicast route in `table` to `dst` via `gateway`, installed as `protocol`.
    pub fn via(table: u32, dst: IpNet, gateway: IpAddr, protocol: u8) -> Route {
        Route {
            gateway: Some(gateway),
            ..Route::reject(table, dst, RouteKind::Unicast, protocol)
        }
    }

    /// A unicast route in `table` to `dst` straight out of device `oif` (scope link).
    pub fn dev(table: u32, dst: IpNet, oif: u32, protocol: u8) -> Route {
        Route {
            oif: Some(oif),
            ..Route::reject(table, dst, RouteKind::Unicast, protocol)
        }
    }

    /// A route of `kind` (blackhole, unreachable, prohibit) without a next hop.
    pub fn reject(table: u32, dst: IpNet, kind: RouteKind, protocol: u8) -> Route {
        Route {
            table,
            dst,
            kind,
            gateway: None,
            oif: None,
            protocol,
            metric: None,
        }
    }

    /// The scope `ip route add` would give it: link for a device route, host for local.
    fn scope(&self) -> RouteScope {
        match self.kind {
            RouteKind::Unicast if self.gateway.is_none() => RouteScope::Link,
            RouteKind::Local => RouteScope::Host,
            RouteKind::Broadcast => RouteScope::Link,
            _ => RouteScope::Universe,
        }
    }
}

/// The op-relevant part of a dumped route. A multipath route (several next hops) comes
/// without gateway and device: [`Route`] does not model ECMP yet.
impl From<KernelRoute> for Route {
    fn from(k: KernelRoute) -> Route {
        let hop = match k.next_hops.as_slice() {
            [one] => Some(one),
            _ => None,
        };
        Route {
            table: k.table,
            dst: k.destination,
            kind: k.kind,
            gateway: hop.and_then(|h| h.gateway),
            oif: hop.and_then(|h| h.oif),
            protocol: k.protocol.into(),
            metric: k.metric,
        }
    }
}

/// A [`Route`] from a dumped message ([`crate::route::parse_route`]); `None` for a family
/// other than IPv4/IPv6.
pub fn parse_route(m: &RouteMessage) -> Option<Route> {
    crate::route::parse_route(m).map(Route::from)
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind != RouteKind::Unicast {
            write!(f, "{} ", self.kind)?;
        }
        write!(f, "{} table {}", self.dst, self.table)?;
        if let Some(g) = self.gateway {
            write!(f, " via {g}")?;
        }
        if let Some(i) = self.oif {
            write!(f, " dev #{i}")?;
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
    /// `NLM_F_CREATE|NLM_F_REPLACE`: creates or overwrites.
    Replace(Route),
    /// Deletes the route matching table, destination, kind, protocol (0 = any) and whichever
    /// of gateway, device and metric are given. Already gone counts as success.
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

/// Which messages ask for an ack; see the module doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    /// `NLM_F_ACK` on every message: one explicit answer per op.
    Each,
    /// `NLM_F_ACK` on each chunk's last message only: errors plus one ack per chunk.
    Errors,
}

/// What one chunk (one `sendmsg`) may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Datagram size.
    pub bytes: usize,
    /// Messages, so that all their acks fit the receive buffer at once.
    pub messages: usize,
}

/// The `RouteMessage` for `op`, before the netlink header.
pub fn route_message(op: &RouteOp) -> RouteNetlinkMessage {
    let r = op.route();
    let mut m = RouteMessage::default();
    m.header.address_family = match r.dst {
        IpNet::V4(_) => AddressFamily::Inet,
        IpNet::V6(_) => AddressFamily::Inet6,
    };
    m.header.destination_prefix_length = r.dst.prefix_len();
    m.header.table = u8::try_from(r.table).unwrap_or(RT_TABLE_UNSPEC);
    m.header.protocol = RouteProtocol::from(r.protocol);
    m.header.kind = r.kind.into();
    // A delete matches any scope (what `ip route del` sends); an add states it.
    m.header.scope = match op {
        RouteOp::Delete(_) => RouteScope::Nowhere,
        _ => r.scope(),
    }
    .into();
    m.attributes.push(RouteAttribute::Table(r.table));
    if r.dst.prefix_len() > 0 {
        m.attributes
            .push(RouteAttribute::Destination(r.dst.network().into()));
    }
    if let Some(g) = r.gateway {
        m.attributes.push(RouteAttribute::Gateway(g.into()));
    }
    if let Some(i) = r.oif {
        m.attributes.push(RouteAttribute::Oif(i));
    }
    if let Some(p) = r.metric {
        m.attributes.push(RouteAttribute::Priority(p));
    }
    match op {
        RouteOp::Delete(_) => RouteNetlinkMessage::DelRoute(m),
        _ => RouteNetlinkMessage::NewRoute(m),
    }
}

/// `nlmsg_flags` for `op`.
pub fn request_flags(op: &RouteOp, ack: bool) -> u16 {
    let f = NLM_F_REQUEST | if ack { NLM_F_ACK } else { 0 };
    match op {
        RouteOp::Add(_) => f | NLM_F_CREATE | NLM_F_EXCL,
        RouteOp::Replace(_) => f | NLM_F_CREATE | NLM_F_REPLACE,
        RouteOp::Delete(_) => f,
    }
}

/// Appends one netlink message (header + `payload`), padded to 4 bytes, to `buf`.
pub(super) fn push_message(buf: &mut Vec<u8>, payload: RouteNetlinkMessage, flags: u16, seq: u32) {
    let mut header = NetlinkHeader::default();
    header.flags = flags;
    header.sequence_number = seq;
    let mut msg = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(payload));
    msg.finalize();
    let start = buf.len();
    let len = msg.buffer_len();
    buf.resize(start + align(len), 0);
    msg.serialize(&mut buf[start..start + len]);
}

/// `len` rounded up to netlink's 4-byte alignment.
pub(super) fn align(len: usize) -> usize {
    let a = usize::from(NLMSG_ALIGNTO);
    len.div_ceil(a) * a
}

/// Encodes ops from the front of `ops` into `buf` (cleared first) with sequence numbers
/// `first_seq, first_seq+1, ...` until a limit would be passed; returns how many it took
/// (at least one, so an oversized op still goes out alone). Also records in `acked` whether
/// each encoded message asked for an ack.
pub fn encode_chunk(
    ops: &[RouteOp],
    first_seq: u32,
    limits: Limits,
    acks: Acks,
    buf: &mut Vec<u8>,
    acked: &mut Vec<bool>,
) -> usize {
    buf.clear();
    acked.clear();
    let mut n = 0;
    let mut last_start = 0;
    for op in ops.iter().take(limits.messages.max(1)) {
        let start = buf.len();
        let seq = first_seq.wrapping_add(n as u32);
        let flags = request_flags(op, acks == Acks::Each);
        push_message(buf, route_message(op), flags, seq);
        if n > 0 && buf.len() > limits.bytes {
            buf.truncate(start);
            break;
        }
        last_start = start;
        acked.push(acks == Acks::Each);
        n += 1;
    }
    if acks == Acks::Errors && n > 0 {
        // Only the last message asks for an ack: its answer closes the chunk.
        let mut nl = NetlinkBuffer::new(&mut buf[last_start..]);
        let f = nl.flags();
        nl.set_flags(f | NLM_F_ACK);
        acked[n - 1] = true;
    }
    n
}

#[cfg(test)]
mod tests {
    use netlink_packet_route::route::RouteScope as NlScope;

    use super::super::acks::messages;
    use super::super::fixtures::{ops, r};
    use super::super::{PROTO_BGP, PROTO_STATIC};
    use super::*;

    const RTM_NEWROUTE: u16 = 24;
    const RTM_DELROUTE: u16 = 25;

    /// Every message in `buf` as (header, route message), decoded by netlink-packet-route.
    fn decode(buf: &[u8]) -> Vec<(NetlinkHeader, RouteMessage)> {
        messages(buf)
            .map(|m| {
                let (h, bytes) = m.unwrap();
                let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(bytes).unwrap();
                match m.payload {
                    NetlinkPayload::InnerMessage(
                        RouteNetlinkMessage::NewRoute(rm) | RouteNetlinkMessage::DelRoute(rm),
                    ) => (h, rm),
                    p => panic!("unexpected {p:?}"),
                }
            })
            .collect()
    }

    fn limits(bytes: usize, messages: usize) -> Limits {
        Limits { bytes, messages }
    }

    #[test]
    fn flags_and_types_per_op() {
        let route = r("10.0.0.0/24");
        let all = [
            RouteOp::Add(route.clone()),
            RouteOp::Replace(route.clone()),
            RouteOp::Delete(route),
        ];
        let (mut buf, mut acked) = (vec![], vec![]);
        let lim = limits(65536, 100);
        assert_eq!(
            encode_chunk(&all, 7, lim, Acks::Each, &mut buf, &mut acked),
            3
        );
        let got = decode(&buf);
        let want = [
            (RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL),
            (RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE),
            (RTM_DELROUTE, 0),
        ];
        for (i, ((h, m), (ty, f))) in got.iter().zip(want).enumerate() {
            assert_eq!(h.message_type, ty);
            assert_eq!(h.flags, NLM_F_REQUEST | NLM_F_ACK | f, "op {i}");
            assert_eq!(h.sequence_number, 7 + i as u32);
            assert_eq!(h.length as usize % 4, 0);
            assert!(m.attributes.contains(&RouteAttribute::Table(1003)));
            // Ids above 255 only fit RTA_TABLE.
            assert_eq!(m.header.table, RT_TABLE_UNSPEC);
            assert_eq!(u8::from(m.header.protocol), PROTO_STATIC);
        }
        assert_eq!(got[0].1.header.scope, NlScope::Universe);
        assert_eq!(got[2].1.header.scope, NlScope::NoWhere);
        assert_eq!(acked, [true; 3]);
    }

    #[test]
    fn routes_survive_encoding() {
        let mut dev6 = Route::dev(254, "2001:db8::/64".parse().unwrap(), 3, PROTO_BGP);
        dev6.metric = Some(20);
        let all = [
            r("10.0.0.0/24"),
            r("0.0.0.0/0"),
            dev6,
            Route::reject(7, "192.0.2.0/24".parse().unwrap(), RouteKind::Blackhole, 4),
            Route::reject(7, "::/0".parse().unwrap(), RouteKind::Unreachable, 4),
        ];
        for route in all {
            let RouteNetlinkMessage::NewRoute(m) = route_message(&RouteOp::Add(route.clone()))
            else {
                panic!("add is RTM_NEWROUTE");
            };
            assert_eq!(parse_route(&m), Some(route.clone()), "{route}");
            let want_scope = if route.oif.is_some() {
                NlScope::Link
            } else {
                NlScope::Universe
            };
            assert_eq!(m.header.scope, want_scope, "{route}");
        }
        let RouteNetlinkMessage::NewRoute(m) = route_message(&RouteOp::Add(Route::dev(
            200,
            "10.0.0.0/8".parse().unwrap(),
            1,
            0,
        ))) else {
            panic!()
        };
        assert_eq!(m.header.table, 200);
    }

    #[test]
    fn chunks_respect_byte_and_message_limits() {
        let all = ops(1000);
        let (mut buf, mut acked) = (vec![], vec![]);
        let one = {
            let lim = limits(0, 1);
            // A limit below one message still sends that message alone.
            assert_eq!(
                encode_chunk(&all, 1, lim, Acks::Each, &mut buf, &mut acked),
                1
            );
            buf.len()
        };
        let lim = limits(10 * one + one / 2, 1000);
        let mut first = 0;
        let mut sizes = vec![];
        while first < all.len() {
            let n = encode_chunk(
                &all[first..],
                1 + first as u32,
                lim,
                Acks::Each,
                &mut buf,
                &mut acked,
            );
            assert!(buf.len() <= lim.bytes);
            let got = decode(&buf);
            assert_eq!(got.len(), n);
            for (k, (h, _)) in got.iter().enumerate() {
                assert_eq!(h.sequence_number, 1 + (first + k) as u32);
            }
            sizes.push(n);
            first += n;
        }
        assert_eq!(sizes, vec![10; 100]);
        let lim = limits(1 << 20, 64);
        assert_eq!(
            encode_chunk(&all, 1, lim, Acks::Each, &mut buf, &mut acked),
            64
        );
    }

    #[test]
    fn errors_mode_acks_only_the_last_message() {
        let all = ops(5);
        let (mut buf, mut acked) = (vec![], vec![]);
        let lim = limits(65536, 100);
        assert_eq!(
            encode_chunk(&all, 1, lim, Acks::Errors, &mut buf, &mut acked),
            5
        );
        let acks: Vec<bool> = decode(&buf)
            .iter()
            .map(|(h, _)| h.flags & NLM_F_ACK != 0)
            .collect();
        assert_eq!(acks, [false, false, false, false, true]);
        assert_eq!(acked, acks);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let all = ops(3);
        let (mut buf, mut acked) = (vec![], vec![]);
        let lim = limits(65536, 100);
        encode_chunk(&all, u32::MAX, lim, Acks::Each, &mut buf, &mut acked);
        let seqs: Vec<u32> = decode(&buf)
            .iter()
            .map(|(h, _)| h.sequence_number)
            .collect();
        assert_eq!(seqs, [u32::MAX, 0, 1]);
    }
}
