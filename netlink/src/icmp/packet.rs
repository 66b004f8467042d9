//! Wire formats, sans IO: the echo request we send, and what a received ICMP or ICMPv6
//! message is to us — a reply to our echo, an error quoting our echo or our UDP probe, or
//! someone else's (the raw socket sees every ICMP message of its device).
//!
//! IPv4 raw sockets deliver the IP header in front of the ICMP message; IPv6 raw sockets
//! deliver the ICMPv6 message alone (the hop limit comes as a control message).

use std::net::{Ipv4Addr, Ipv6Addr};

pub(crate) const ICMP_ECHOREPLY: u8 = 0;
pub(crate) const ICMP_UNREACH: u8 = 3;
pub(crate) const ICMP_SOURCEQUENCH: u8 = 4;
pub(crate) const ICMP_REDIRECT: u8 = 5;
pub(crate) const ICMP_ECHO: u8 = 8;
pub(crate) const ICMP_TIMXCEED: u8 = 11;
pub(crate) const ICMP_PARAMPROB: u8 = 12;

pub(crate) const ICMP6_DST_UNREACH: u8 = 1;
pub(crate) const ICMP6_PACKET_TOO_BIG: u8 = 2;
pub(crate) const ICMP6_TIME_EXCEEDED: u8 = 3;
pub(crate) const ICMP6_PARAM_PROB: u8 = 4;
pub(crate) const ICMP6_ECHO_REQUEST: u8 = 128;
pub(crate) const ICMP6_ECHO_REPLY: u8 = 129;

const PROTO_ICMP: u8 = 1;
const PROTO_UDP: u8 = 17;
const PROTO_ICMPV6: u8 = 58;

/// Bytes of the payload that carry the send time (FreeBSD's `struct tv32`).
pub(crate) const STAMP_LEN: usize = 8;

/// The Internet checksum (RFC 1071).
pub(crate) fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request: type, code, checksum, identifier, sequence, then `size` payload bytes —
/// the send time (`stamp_ns`, big endian) in the first 8 when they fit, then FreeBSD's fill
/// (byte i holds i). IPv4 carries our checksum; the kernel computes ICMPv6's.
pub(crate) fn echo_request(v6: bool, ident: u16, seq: u16, size: usize, stamp_ns: u64) -> Vec<u8> {
    let mut p = vec![0u8; 8 + size];
    p[0] = if v6 { ICMP6_ECHO_REQUEST } else { ICMP_ECHO };
    p[4..6].copy_from_slice(&ident.to_be_bytes());
    p[6..8].copy_from_slice(&seq.to_be_bytes());
    let data = &mut p[8..];
    let from = if size >= STAMP_LEN {
        data[..STAMP_LEN].copy_from_slice(&stamp_ns.to_be_bytes());
        STAMP_LEN
    } else {
        0
    };
    for (i, b) in data.iter_mut().enumerate().skip(from) {
        *b = i as u8;
    }
    if !v6 {
        let sum = checksum(&p);
        p[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    p
}

/// An echo reply carrying our identifier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EchoReply {
    pub seq: u16,
    /// The send time we put in the payload, when there is room for it.
    pub stamp_ns: Option<u64>,
}

/// What an ICMP message is to the ping with identifier `ident` towards `target`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Echo {
    Reply(EchoReply),
    /// An error (unreachable, time exceeded, ...) quoting one of our requests.
    Error,
    Other,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// The IPv4 header in front of a raw socket's message: (header length, TTL).
pub(crate) fn ipv4_header(buf: &[u8]) -> Option<(usize, u8)> {
    let hlen = usize::from(*buf.first()? & 0x0f) * 4;
    (hlen >= 20 && buf.len() >= hlen + 8).then(|| (hlen, buf[8]))
}

/// Classifies an ICMP (IPv4) message, `icmp` starting at its type byte.
pub(crate) fn classify_v4(icmp: &[u8], ident: u16, target: Ipv4Addr) -> Echo {
    let Some(&kind) = icmp.first() else {
        return Echo::Other;
    };
    match kind {
        ICMP_ECHOREPLY if icmp.len() >= 8 && be16(icmp, 4) == Some(ident) => {
            Echo::Reply(reply(icmp))
        }
        ICMP_UNREACH | ICMP_SOURCEQUENCH | ICMP_REDIRECT | ICMP_TIMXCEED | ICMP_PARAMPROB => {
            match quoted_v4(icmp) {
                Some((dst, PROTO_ICMP, inner))
                    if dst == target
                        && inner.first() == Some(&ICMP_ECHO)
                        && be16(inner, 4) == Some(ident) =>
                {
                    Echo::Error
                }
                _ => Echo::Other,
            }
        }
        _ => Echo::Other,
    }
}

/// Classifies an ICMPv6 message.
pub(crate) fn classify_v6(icmp: &[u8], ident: u16, target: Ipv6Addr) -> Echo {
    let Some(&kind) = icmp.first() else {
        return Echo::Other;
    };
    match kind {
        ICMP6_ECHO_REPLY if icmp.len() >= 8 && be16(icmp, 4) == Some(ident) => {
            Echo::Reply(reply(icmp))
        }
        ICMP6_DST_UNREACH | ICMP6_PACKET_TOO_BIG | ICMP6_TIME_EXCEEDED | ICMP6_PARAM_PROB => {
            match quoted_v6(icmp) {
                Some((dst, PROTO_ICMPV6, inner))
                    if dst == target
                        && inner.first() == Some(&ICMP6_ECHO_REQUEST)
                        && be16(inner, 4) == Some(ident) =>
                {
                    Echo::Error
                }
                _ => Echo::Other,
            }
        }
        _ => Echo::Other,
    }
}

fn reply(icmp: &[u8]) -> EchoReply {
    let stamp_ns = icmp
        .get(8..8 + STAMP_LEN)
        .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])));
    EchoReply {
        seq: be16(icmp, 6).unwrap_or(0),
        stamp_ns,
    }
}

/// The packet an ICMP error quotes: (destination, protocol, the first 8+ bytes after its IP
/// header). `None` when too short to hold them.
pub(crate) fn quoted_v4(icmp: &[u8]) -> Option<(Ipv4Addr, u8, &[u8])> {
    let ip = icmp.get(8..)?;
    let hlen = usize::from(*ip.first()? & 0x0f) * 4;
    if hlen < 20 || ip.len() < hlen + 8 {
        return None;
    }
    let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
    Some((dst, ip[9], &ip[hlen..]))
}

/// The packet an ICMPv6 error quotes: (destination, upper-layer protocol, its first 8+ bytes),
/// walking extension headers as traceroute6's `get_uphdr` does.
pub(crate) fn quoted_v6(icmp: &[u8]) -> Option<(Ipv6Addr, u8, &[u8])> {
    let ip = icmp.get(8..)?;
    if ip.len() < 40 {
        return None;
    }
    let dst: [u8; 16] = ip[24..40].try_into().ok()?;
    let mut next = ip[6];
    let mut at = 40;
    loop {
        let rest = ip.get(at..)?;
        if rest.len() < 8 {
            return None;
        }
        let len = match next {
            // Hop-by-hop, routing, destination options: (len + 1) * 8.
            0 | 43 | 60 => (usize::from(rest[1]) + 1) * 8,
            // Fragment.
            44 => 8,
            // AH: (len + 2) * 4.
            51 => (usize::from(rest[1]) + 2) * 4,
            proto => return Some((Ipv6Addr::from(dst), proto, rest)),
        };
        next = rest[0];
        at += len;
    }
}

/// A probe of ours that an ICMP error quotes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Quoted {
    pub kind: u8,
    pub code: u8,
    /// Next-hop MTU of "fragmentation needed" / "packet too big".
    pub mtu: u32,
    pub dport: u16,
}

/// An ICMP time exceeded (in transit) or unreachable quoting a UDP datagram from our port.
pub(crate) fn quoted_probe_v4(icmp: &[u8], sport: u16) -> Option<Quoted> {
    let (&kind, &code) = (icmp.first()?, icmp.get(1)?);
    if !(kind == ICMP_TIMXCEED && code == 0 || kind == ICMP_UNREACH) {
        return None;
    }
    let (_, proto, udp) = quoted_v4(icmp)?;
    (proto == PROTO_UDP && be16(udp, 0)? == sport).then(|| Quoted {
        kind,
        code,
        mtu: u32::from(be16(icmp, 6).unwrap_or(0)),
        dport: be16(udp, 2).unwrap_or(0),
    })
}

/// An ICMPv6 time exceeded (in transit) or unreachable quoting a UDP datagram from our port.
pub(crate) fn quoted_probe_v6(icmp: &[u8], sport: u16) -> Option<Quoted> {
    let (&kind, &code) = (icmp.first()?, icmp.get(1)?);
    if !(kind == ICMP6_TIME_EXCEEDED && code == 0 || kind == ICMP6_DST_UNREACH) {
        return None;
    }
    let (_, proto, udp) = quoted_v6(icmp)?;
    (proto == PROTO_UDP && be16(udp, 0)? == sport).then(|| Quoted {
        kind,
        code,
        mtu: 0,
        dport: be16(udp, 2).unwrap_or(0),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An IPv4 header (20 bytes, DF, TTL 64) of `len` total bytes.
    pub(crate) fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: u16) -> Vec<u8> {
        let mut h = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0];
        h[2..4].copy_from_slice(&len.to_be_bytes());
        h.extend_from_slice(&src.octets());
        h.extend_from_slice(&dst.octets());
        let sum = checksum(&h);
        h[10..12].copy_from_slice(&sum.to_be_bytes());
        h
    }

    /// An ICMP error of `kind`/`code` quoting `inner` (an IP packet).
    pub(crate) fn icmp_error(kind: u8, code: u8, rest: [u8; 4], inner: &[u8]) -> Vec<u8> {
        let mut m = vec![kind, code, 0, 0];
        m.extend_from_slice(&rest);
        m.extend_from_slice(inner);
        m
    }

    #[test]
    fn checksum_of_an_echo_request_verifies() {
        let p = echo_request(false, 0x1234, 7, 56, 42);
        assert_eq!(p.len(), 64);
        assert_eq!(checksum(&p), 0, "a packet with its checksum sums to zero");
        assert_eq!(&p[..8], &[8, 0, p[2], p[3], 0x12, 0x34, 0, 7]);
        assert_eq!(&p[8..16], &42u64.to_be_bytes());
        assert_eq!(p[16], 8, "FreeBSD's fill: byte i holds i");
        assert_eq!(p[63], 55);
        let odd = echo_request(false, 1, 1, 3, 0);
        assert_eq!(checksum(&odd), 0);
        assert_eq!(&odd[8..], &[0, 1, 2], "no room for the stamp: all fill");
        let v6 = echo_request(true, 1, 2, 8, 9);
        assert_eq!(v6[0], 128);
        assert_eq!(&v6[2..4], &[0, 0], "the kernel computes ICMPv6 checksums");
    }

    #[test]
    fn replies_are_ours_by_identifier() {
        let mut r = echo_request(false, 0xbeef, 3, 56, 1234);
        r[0] = ICMP_ECHOREPLY;
        let t = Ipv4Addr::new(10, 0, 0, 14);
        assert_eq!(
            classify_v4(&r, 0xbeef, t),
            Echo::Reply(EchoReply {
                seq: 3,
                stamp_ns: Some(1234)
            })
        );
        assert_eq!(classify_v4(&r, 0xbeee, t), Echo::Other);
        let small = {
            let mut s = echo_request(false, 0xbeef, 4, 4, 0);
            s[0] = ICMP_ECHOREPLY;
            s
        };
        assert_eq!(
            classify_v4(&small, 0xbeef, t),
            Echo::Reply(EchoReply {
                seq: 4,
                stamp_ns: None
            })
        );
        // Our own request, seen on the loopback, is not a reply.
        let req = echo_request(false, 0xbeef, 3, 56, 0);
        assert_eq!(classify_v4(&req, 0xbeef, t), Echo::Other);
    }

    #[test]
    fn errors_are_ours_by_the_request_they_quote() {
        let src = Ipv4Addr::new(10, 0, 0, 13);
        let t = Ipv4Addr::new(10, 0, 0, 14);
        let mut inner = ipv4(src, t, 1, 84);
        inner.extend_from_slice(&echo_request(false, 0xbeef, 1, 56, 0)[..8]);
        let e = icmp_error(ICMP_UNREACH, 1, [0; 4], &inner);
        assert_eq!(classify_v4(&e, 0xbeef, t), Echo::Error);
        assert_eq!(classify_v4(&e, 0xbeee, t), Echo::Other, "someone else's");
        assert_eq!(classify_v4(&e, 0xbeef, src), Echo::Other, "another target");
        assert_eq!(classify_v4(&e[..30], 0xbeef, t), Echo::Other, "truncated");
    }

    #[test]
    fn probes_are_recognised_by_their_ports() {
        let src = Ipv4Addr::new(10, 0, 0, 13);
        let t = Ipv4Addr::new(10, 0, 0, 14);
        let mut inner = ipv4(src, t, 17, 40);
        inner.extend_from_slice(&[0x80, 0x01, 0x82, 0x9b, 0, 20, 0, 0]);
        let te = icmp_error(ICMP_TIMXCEED, 0, [0; 4], &inner);
        let q = quoted_probe_v4(&te, 0x8001).unwrap();
        assert_eq!((q.kind, q.code, q.dport), (11, 0, 33435));
        assert_eq!(quoted_probe_v4(&te, 0x8002), None);
        let reass = icmp_error(ICMP_TIMXCEED, 1, [0; 4], &inner);
        assert_eq!(quoted_probe_v4(&reass, 0x8001), None, "only in-transit");
        let frag = icmp_error(ICMP_UNREACH, 4, [0, 0, 0x05, 0xdc], &inner);
        assert_eq!(quoted_probe_v4(&frag, 0x8001).unwrap().mtu, 1500);
    }

    /// An IPv6 header of `plen` payload bytes, then `next`.
    pub(crate) fn ipv6(src: Ipv6Addr, dst: Ipv6Addr, next: u8, plen: u16) -> Vec<u8> {
        let mut h = vec![0x60, 0, 0, 0];
        h.extend_from_slice(&plen.to_be_bytes());
        h.extend_from_slice(&[next, 64]);
        h.extend_from_slice(&src.octets());
        h.extend_from_slice(&dst.octets());
        h
    }

    #[test]
    fn icmpv6_errors_walk_extension_headers() {
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let t: Ipv6Addr = "2001:db8::2".parse().unwrap();
        // A destination-options header (8 bytes) between IPv6 and the echo request.
        let mut inner = ipv6(src, t, 60, 72);
        inner.extend_from_slice(&[58, 0, 1, 4, 0, 0, 0, 0]);
        inner.extend_from_slice(&echo_request(true, 0xbeef, 1, 56, 0)[..8]);
        let e = icmp_error(ICMP6_TIME_EXCEEDED, 0, [0; 4], &inner);
        assert_eq!(classify_v6(&e, 0xbeef, t), Echo::Error);
        assert_eq!(classify_v6(&e, 1, t), Echo::Other);

        let mut udp = ipv6(src, t, 17, 20);
        udp.extend_from_slice(&[0x80, 0x01, 0x82, 0x9b, 0, 20, 0, 0]);
        let pu = icmp_error(ICMP6_DST_UNREACH, 4, [0; 4], &udp);
        let q = quoted_probe_v6(&pu, 0x8001).unwrap();
        assert_eq!((q.kind, q.code, q.dport), (1, 4, 33435));
    }
}
