//! The encoding of [`RouteOp`]s: one netlink message per op, packed into chunks that fit one
//! `sendmsg` and the acks the receive buffer can hold.

use std::net::IpAddr;

use ipnet::IpNet;
use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLMSG_ALIGNTO, NLM_F_ACK,
    NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteNextHop, RouteProtocol, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use super::ops::{Hop, Route, RouteOp};
use crate::route::{RouteScope, RT_TABLE_UNSPEC};

/// A [`Route`] from a dumped message ([`crate::route::parse_route`]); `None` for a family
/// other than IPv4/IPv6.
pub fn parse_route(m: &RouteMessage) -> Option<Route> {
    crate::route::parse_route(m).map(Route::from)
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
///
/// An add or replace states kind, scope and next hops: one hop as `RTA_GATEWAY`/`RTA_OIF`,
/// two or more as `RTA_MULTIPATH` (`rtnexthop`s of weight 1). A delete names only table,
/// prefix, protocol and metric, with `rtm_type` and scope left open (`RTN_UNSPEC`,
/// `RT_SCOPE_NOWHERE`, as `ip route del` sends them): see [`RouteOp::Delete`].
pub fn route_message(op: &RouteOp) -> RouteNetlinkMessage {
    let r = op.route();
    let delete = matches!(op, RouteOp::Delete(_));
    let mut m = RouteMessage::default();
    m.header.address_family = match r.dst {
        IpNet::V4(_) => AddressFamily::Inet,
        IpNet::V6(_) => AddressFamily::Inet6,
    };
    m.header.destination_prefix_length = r.dst.prefix_len();
    m.header.table = u8::try_from(r.table).unwrap_or(RT_TABLE_UNSPEC);
    m.header.protocol = RouteProtocol::from(r.protocol);
    m.header.kind = match delete {
        true => RouteType::Unspec,
        false => r.kind.into(),
    };
    m.header.scope = match delete {
        true => RouteScope::Nowhere,
        false => r.scope(),
    }
    .into();
    m.attributes.push(RouteAttribute::Table(r.table));
    if r.dst.prefix_len() > 0 {
        m.attributes
            .push(RouteAttribute::Destination(r.dst.network().into()));
    }
    if !delete {
        match r.hops.as_slice() {
            [] => {}
            [one] => {
                if let Some(g) = one.gateway {
                    m.attributes.push(RouteAttribute::Gateway(address(g)));
                }
                if let Some(i) = one.oif {
                    m.attributes.push(RouteAttribute::Oif(i));
                }
            }
            many => m.attributes.push(RouteAttribute::MultiPath(
                many.iter().map(next_hop).collect(),
            )),
        }
    }
    if let Some(p) = r.metric {
        m.attributes.push(RouteAttribute::Priority(p));
    }
    match delete {
        true => RouteNetlinkMessage::DelRoute(m),
        false => RouteNetlinkMessage::NewRoute(m),
    }
}

fn address(ip: IpAddr) -> RouteAddress {
    match ip {
        IpAddr::V4(a) => RouteAddress::Inet(a),
        IpAddr::V6(a) => RouteAddress::Inet6(a),
    }
}

/// One `rtnexthop` of `RTA_MULTIPATH`: the device in its header (0: the kernel finds it),
/// the gateway as its `RTA_GATEWAY`, weight 1 (`rtnh_hops` 0).
fn next_hop(h: &Hop) -> RouteNextHop {
    let mut nh = RouteNextHop::default();
    nh.interface_index = h.oif.unwrap_or(0);
    nh.attributes = h
        .gateway
        .map(|g| RouteAttribute::Gateway(address(g)))
        .into_iter()
        .collect();
    nh
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
    use super::super::{RouteKind, PROTO_BGP, PROTO_STATIC};
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn new_route(op: &RouteOp) -> RouteMessage {
        match route_message(op) {
            RouteNetlinkMessage::NewRoute(m) | RouteNetlinkMessage::DelRoute(m) => m,
            m => panic!("unexpected {m:?}"),
        }
    }

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
            Route::via(
                9,
                "2001:db8::/32".parse().unwrap(),
                ip("fe80::1"),
                PROTO_BGP,
            ),
        ];
        for route in all {
            let RouteNetlinkMessage::NewRoute(m) = route_message(&RouteOp::Add(route.clone()))
            else {
                panic!("add is RTM_NEWROUTE");
            };
            assert_eq!(parse_route(&m), Some(route.clone()), "{route}");
            let device = matches!(route.hops.as_slice(), [h] if h.gateway.is_none());
            let want_scope = if device {
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
    fn two_hops_or_more_travel_as_rta_multipath() {
        let hop = |gw: &str, oif| Hop {
            gateway: Some(ip(gw)),
            oif,
        };
        let v4 = Route::multipath(
            1234,
            "10.9.0.0/24".parse().unwrap(),
            vec![hop("10.2.0.2", Some(5)), hop("10.1.0.2", None)],
            PROTO_BGP,
        );
        let mut v6 = Route::multipath(
            1234,
            "2001:db8:9::/48".parse().unwrap(),
            vec![hop("2001:db8:1::2", Some(4)), hop("fe80::1", Some(5))],
            PROTO_STATIC,
        );
        v6.metric = Some(1024);
        for route in [v4, v6] {
            let m = new_route(&RouteOp::Replace(route.clone()));
            assert_eq!(m.header.scope, NlScope::Universe);
            let Some(RouteAttribute::MultiPath(nhs)) = m
                .attributes
                .iter()
                .find(|a| matches!(a, RouteAttribute::MultiPath(_)))
            else {
                panic!("no RTA_MULTIPATH in {m:?}");
            };
            assert_eq!(nhs.len(), 2);
            assert!(nhs.iter().all(|nh| nh.hops == 0), "weight 1");
            // No top-level next hop beside it.
            assert!(!m
                .attributes
                .iter()
                .any(|a| matches!(a, RouteAttribute::Gateway(_) | RouteAttribute::Oif(_))));
            // Through bytes and back: the same route.
            let mut buf = vec![];
            push_message(&mut buf, route_message(&RouteOp::Add(route.clone())), 0, 1);
            let (_, m) = decode(&buf).pop().unwrap();
            assert_eq!(parse_route(&m), Some(route.clone()), "{route}");
        }
    }

    #[test]
    fn deletes_name_table_prefix_protocol_and_metric_only() {
        let mut ecmp = Route::multipath(
            1234,
            "10.9.0.0/24".parse().unwrap(),
            vec![Hop::via(ip("10.1.0.2")), Hop::via(ip("10.2.0.2"))],
            PROTO_BGP,
        );
        let m = new_route(&RouteOp::Delete(ecmp.clone()));
        assert_eq!(
            m.attributes,
            [
                RouteAttribute::Table(1234),
                RouteAttribute::Destination(RouteAddress::Inet("10.9.0.0".parse().unwrap())),
            ]
        );
        assert_eq!(m.header.kind, RouteType::Unspec);
        assert_eq!(m.header.scope, NlScope::NoWhere);
        assert_eq!(u8::from(m.header.protocol), PROTO_BGP);
        ecmp.metric = Some(20);
        ecmp.kind = RouteKind::Blackhole;
        let m = new_route(&RouteOp::Delete(ecmp));
        assert_eq!(m.attributes.last(), Some(&RouteAttribute::Priority(20)));
        assert_eq!(m.header.kind, RouteType::Unspec);
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
