//! From received bytes to the state: one datagram of the event socket (or of a dump) decoded
//! the way the event connection decodes it, then applied. Pure, so fuzzing and tests can feed
//! it bytes the kernel (or anyone) might send.

use rtnetlink::packet_core::{NetlinkBuffer, NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::{Applied, LiveState};

/// The messages of one datagram, as netlink-proto's `NetlinkCodec` (the codec of
/// [`super::watch`]'s connection) decodes them: a message that does not parse is skipped; a
/// length field that does not fit the datagram ends it.
pub fn decode_datagram(datagram: &[u8]) -> Vec<NetlinkMessage<RouteNetlinkMessage>> {
    let mut out = vec![];
    let mut rest = datagram;
    while !rest.is_empty() {
        let Ok(buf) = NetlinkBuffer::new_checked(rest) else {
            break;
        };
        let (msg, tail) = rest.split_at(buf.length() as usize);
        if let Ok(m) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(msg) {
            out.push(m);
        }
        rest = tail;
    }
    out
}

impl LiveState {
    /// Applies every rtnetlink message of one received datagram, in order, as
    /// [`super::watch`] does; returns what each did (control messages — done, error,
    /// overrun — are not applied and not listed).
    pub fn apply_datagram(&mut self, datagram: &[u8]) -> Vec<Applied> {
        decode_datagram(datagram)
            .into_iter()
            .filter_map(|m| match m.payload {
                NetlinkPayload::InnerMessage(m) => Some(self.apply(&m)),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use rtnetlink::packet_core::{NetlinkHeader, NLM_F_MULTIPART};
    use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
    use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
    use rtnetlink::packet_route::AddressFamily;

    use super::*;

    fn bytes(inner: RouteNetlinkMessage) -> Vec<u8> {
        let mut h = NetlinkHeader::default();
        h.flags = NLM_F_MULTIPART;
        let mut m = NetlinkMessage::new(h, NetlinkPayload::InnerMessage(inner));
        m.finalize();
        let mut b = vec![0; m.buffer_len()];
        m.serialize(&mut b);
        b
    }

    fn link(index: u32, name: &str) -> Vec<u8> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.header.flags = LinkFlags::Up | LinkFlags::LowerUp;
        m.attributes.push(LinkAttribute::IfName(name.into()));
        m.attributes.push(LinkAttribute::Mtu(9000));
        bytes(RouteNetlinkMessage::NewLink(m))
    }

    fn address(index: u32, addr: &str, len: u8) -> Vec<u8> {
        let mut m = AddressMessage::default();
        m.header.index = index;
        m.header.family = AddressFamily::Inet;
        m.header.prefix_len = len;
        m.attributes
            .push(AddressAttribute::Address(addr.parse().unwrap()));
        bytes(RouteNetlinkMessage::NewAddress(m))
    }

    /// A dump's datagram: two links and an address.
    fn datagram() -> Vec<u8> {
        let mut d = link(7, "irb.4");
        d.extend(link(8, "eth1.4"));
        d.extend(address(7, "10.0.0.1", 31));
        d
    }

    #[test]
    fn a_datagram_of_links_and_addresses_is_applied_in_order() {
        let mut s = LiveState::default();
        assert_eq!(s.apply_datagram(&datagram()), [Applied::Applied; 3]);
        let br = s.by_name("irb.4").unwrap();
        assert_eq!((br.mtu, br.oper_up), (9000, true));
        assert_eq!(
            br.addresses,
            ["10.0.0.1/31".parse::<ipnet::IpNet>().unwrap()]
        );
        assert_eq!(s.name_of(8), Some("eth1.4"));
    }

    #[test]
    fn a_broken_message_is_skipped_and_a_bad_length_ends_the_datagram() {
        let mut d = link(7, "irb.4");
        let first = d.len();
        d.extend(link(8, "eth1.4"));
        // The second message's payload cut to 2 bytes: it no longer parses, the third does.
        let mut broken = d[..first].to_vec();
        broken.extend(&18u32.to_ne_bytes());
        broken.extend(&d[first + 4..first + 18]);
        broken.extend(address(7, "10.0.0.1", 31));
        let mut s = LiveState::default();
        assert_eq!(s.apply_datagram(&broken), [Applied::Applied; 2]);
        assert!(s.by_name("eth1.4").is_none());
        // A length past the end: what came before it stands.
        let mut cut = datagram();
        cut.truncate(cut.len() - 1);
        assert_eq!(decode_datagram(&cut).len(), 2);
    }

    #[test]
    fn garbage_never_panics() {
        let good = datagram();
        for n in 0..good.len() {
            LiveState::default().apply_datagram(&good[..n]);
        }
        let mut x: u32 = 0x9e37_79b9;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut s = LiveState::default();
        s.apply_datagram(&good);
        for i in 0..20_000 {
            // Mutate a few bytes of a good datagram, or send pure noise.
            let mut d = if i % 4 == 0 {
                (0..next() % 200).map(|_| next() as u8).collect()
            } else {
                good.clone()
            };
            if !d.is_empty() {
                for _ in 0..1 + next() % 4 {
                    let at = next() as usize % d.len();
                    d[at] = next() as u8;
                }
            }
            s.apply_datagram(&d);
        }
    }
}
