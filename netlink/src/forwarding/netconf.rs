//! Forwarding changes as the kernel announces them: how lsysd learns that forwarding was turned
//! off behind its back (`sysctl -w net.ipv4.conf.irb/4.forwarding=0`, or
//! `net.ipv4.ip_forward=0`, which writes every device) and turns it on again.
//!
//! ```text
//!  netlink socket (RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF), blocking
//!     │ RTM_NEWNETCONF {family, NETCONFA_IFINDEX, NETCONFA_FORWARDING}, one per device changed
//!     ▼
//!  watch(on) ── parse_netconf(datagram) ── on(NetconfEvent::Forwarding{family, ifindex, on})
//!            └─ on(NetconfEvent::Overrun) when events were lost (ENOBUFS)
//! ```
//! The kernel sends one for every write of a forwarding sysctl that changes the value,
//! lsys's own writes included. netlink-packet-route does not decode netconf messages, so
//! [`parse_netconf`] reads the few fields itself: `nlmsghdr`, `struct netconfmsg` (one byte of
//! family, padded to 4), then `NETCONFA_*` attributes.

use std::io;

use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

use super::Family;

pub const RTM_NEWNETCONF: u16 = 80;
const NETCONFA_IFINDEX: u16 = 1;
const NETCONFA_FORWARDING: u16 = 2;
/// Attribute type bits (without NLA_F_NESTED / NLA_F_NET_BYTEORDER).
const NLA_TYPE_MASK: u16 = 0x3fff;
const NLMSG_HDRLEN: usize = 16;
/// `NLMSG_ALIGN(sizeof(struct netconfmsg))`.
const NETCONFMSG_LEN: usize = 4;
const AF_INET: u8 = libc::AF_INET as u8;
const AF_INET6: u8 = libc::AF_INET6 as u8;

/// Receive buffer of the event socket: `ip_forward=0` sends one event per device at once.
const EVENT_RCVBUF: usize = 1 << 20;

/// What the kernel announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetconfEvent {
    /// Forwarding of `family` is now `on` on device `ifindex` (> 0), or on `all` (-1,
    /// `NETCONFA_IFINDEX_ALL`) or `default` (-2).
    Forwarding {
        family: Family,
        ifindex: i32,
        on: bool,
    },
    /// Events were lost (ENOBUFS): compare again.
    Overrun,
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The forwarding events of one datagram, in order. Other messages, other netconf values
/// (rp_filter, ...) and other families are skipped; a length that does not fit ends the
/// datagram (as netlink-proto's codec does).
pub fn parse_netconf(datagram: &[u8]) -> Vec<NetconfEvent> {
    let mut out = Vec::new();
    let mut rest = datagram;
    while rest.len() >= NLMSG_HDRLEN {
        let len = i32_at(rest, 0).map_or(0, |l| l as u32 as usize);
        if len < NLMSG_HDRLEN || len > rest.len() {
            break;
        }
        let (msg, tail) = rest.split_at(len);
        rest = tail.get(align4(len) - len..).unwrap_or_default();
        if u16_at(msg, 4) != Some(RTM_NEWNETCONF) {
            continue;
        }
        let payload = &msg[NLMSG_HDRLEN..];
        let family = match payload.first() {
            Some(&AF_INET) => Family::V4,
            Some(&AF_INET6) => Family::V6,
            _ => continue,
        };
        let (mut ifindex, mut forwarding) = (None, None);
        let mut attrs = payload.get(NETCONFMSG_LEN..).unwrap_or_default();
        while let (Some(alen), Some(kind)) = (u16_at(attrs, 0), u16_at(attrs, 2)) {
            let alen = usize::from(alen);
            if alen < 4 || alen > attrs.len() {
                break;
            }
            match kind & NLA_TYPE_MASK {
                NETCONFA_IFINDEX => ifindex = i32_at(&attrs[..alen], 4),
                NETCONFA_FORWARDING => forwarding = i32_at(&attrs[..alen], 4),
                _ => {}
            }
            attrs = attrs.get(align4(alen)..).unwrap_or_default();
        }
        if let (Some(ifindex), Some(value)) = (ifindex, forwarding) {
            out.push(NetconfEvent::Forwarding {
                family,
                ifindex,
                on: value != 0,
            });
        }
    }
    out
}

/// Reports forwarding changes (IPv4 and IPv6) until the socket fails or `on` returns false.
/// Blocking: run it on a thread of its own. It returns only when an event arrives, so a
/// caller that wants it to stop makes `on` return false at the next one.
pub fn watch(mut on: impl FnMut(NetconfEvent) -> bool) -> io::Result<()> {
    let mut socket = Socket::new(NETLINK_ROUTE)?;
    socket.bind(&SocketAddr::new(0, 0))?;
    socket.add_membership(libc::RTNLGRP_IPV4_NETCONF)?;
    socket.add_membership(libc::RTNLGRP_IPV6_NETCONF)?;
    socket.set_rx_buf_sz(EVENT_RCVBUF)?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    loop {
        buf.clear();
        let events = match socket.recv(&mut buf, 0) {
            Ok(_) => parse_netconf(&buf),
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => vec![NetconfEvent::Overrun],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for e in events {
            if !on(e) {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One netlink message: header, `struct netconfmsg`, the given (type, i32) attributes.
    fn message(kind: u16, family: u8, attrs: &[(u16, i32)]) -> Vec<u8> {
        let mut body = vec![family, 0, 0, 0];
        for (t, v) in attrs {
            body.extend(8u16.to_ne_bytes());
            body.extend(t.to_ne_bytes());
            body.extend(v.to_ne_bytes());
        }
        let mut m = Vec::new();
        m.extend(((NLMSG_HDRLEN + body.len()) as u32).to_ne_bytes());
        m.extend(kind.to_ne_bytes());
        m.extend([0u8; 10]);
        m.extend(body);
        m
    }

    #[test]
    fn forwarding_changes_are_read_per_family_and_device() {
        let mut d = message(RTM_NEWNETCONF, AF_INET, &[(1, 7), (2, 0)]);
        d.extend(message(RTM_NEWNETCONF, AF_INET6, &[(1, -1), (2, 1)]));
        assert_eq!(
            parse_netconf(&d),
            [
                NetconfEvent::Forwarding {
                    family: Family::V4,
                    ifindex: 7,
                    on: false
                },
                NetconfEvent::Forwarding {
                    family: Family::V6,
                    ifindex: -1,
                    on: true
                },
            ]
        );
    }

    #[test]
    fn other_messages_values_and_families_are_skipped() {
        // rp_filter (NETCONFA_RP_FILTER = 3) only; an RTM_NEWLINK; AF_MPLS; then a real one.
        let mut d = message(RTM_NEWNETCONF, AF_INET, &[(1, 7), (3, 0)]);
        d.extend(message(16, AF_INET, &[(1, 7), (2, 0)]));
        d.extend(message(RTM_NEWNETCONF, 28, &[(1, 7), (2, 0)]));
        d.extend(message(RTM_NEWNETCONF, AF_INET, &[(2, 0), (1, 9)]));
        assert_eq!(
            parse_netconf(&d),
            [NetconfEvent::Forwarding {
                family: Family::V4,
                ifindex: 9,
                on: false
            }]
        );
    }

    #[test]
    fn truncated_or_lying_lengths_end_the_datagram() {
        let good = message(RTM_NEWNETCONF, AF_INET, &[(1, 7), (2, 0)]);
        for cut in 0..good.len() {
            assert!(parse_netconf(&good[..cut]).is_empty(), "cut at {cut}");
        }
        // A message claiming more than the datagram holds.
        let mut long = good.clone();
        long[0] = 200;
        assert!(parse_netconf(&long).is_empty());
        // An attribute claiming more than its message holds: the message has no event.
        let mut bad_attr = good.clone();
        bad_attr[NLMSG_HDRLEN + 4] = 60;
        assert!(parse_netconf(&bad_attr).is_empty());
        // Garbage never panics.
        for seed in 0u8..=255 {
            let junk: Vec<u8> = (0..64)
                .map(|i: u8| i.wrapping_mul(seed).rotate_left(3))
                .collect();
            let _ = parse_netconf(&junk);
        }
    }
}
