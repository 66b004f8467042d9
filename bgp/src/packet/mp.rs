//! MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3, §4) for the IP families.
//!
//! ```text
//!  MP_REACH:   AFI(2) | SAFI(1) | NH len(1) | next hop | reserved(1) | NLRI...
//!  MP_UNREACH: AFI(2) | SAFI(1) | withdrawn NLRI...
//! ```
//!
//! An IPv4 next hop is 4 bytes; an IPv6 next hop 16 (global) or 32 (global, then
//! link-local). Anything that prevents reading the NLRI is a session reset
//! (RFC 7606 §5.3, §7.11; "AFI/SAFI disable" is not implemented). A family other than
//! IPv4/IPv6 unicast/multicast was not negotiated: the attribute is discarded.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::attr::NextHop;
use super::nlri::{self, Afi, Family, NlriFault, Safi};
use super::wire::{put_u16, Reader};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MpReach {
    pub family: Family,
    pub next_hop: NextHop,
    pub nlri: Vec<IpNet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MpUnreach {
    pub family: Family,
    pub withdrawn: Vec<IpNet>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MpFault {
    #[error("attribute of {0} bytes is too short")]
    TooShort(usize),
    #[error("next hop length {len} does not fit {family}")]
    NextHopLength { family: Family, len: u8 },
    #[error("NLRI: {0}")]
    Nlri(NlriFault),
}

fn family(r: &mut Reader<'_>, min: usize) -> Result<Family, MpFault> {
    let len = r.remaining();
    match (r.u16(), r.u8()) {
        (Some(afi), Some(safi)) if len >= min => Ok(Family::new(Afi(afi), Safi(safi))),
        _ => Err(MpFault::TooShort(len)),
    }
}

/// `Ok(None)`: a family this codec does not read.
pub(crate) fn decode_reach(value: &[u8]) -> Result<Option<MpReach>, MpFault> {
    let mut r = Reader::new(value);
    let family = family(&mut r, 5)?;
    if !family.is_ip() {
        return Ok(None);
    }
    let nh_len = r.u8().ok_or(MpFault::TooShort(value.len()))?;
    let nh = r.take(usize::from(nh_len)).ok_or(MpFault::NextHopLength {
        family,
        len: nh_len,
    })?;
    let next_hop = match (family.afi, nh.len()) {
        (Afi::IPV4, 4) => NextHop::V4(Ipv4Addr::new(nh[0], nh[1], nh[2], nh[3])),
        (Afi::IPV6, 16 | 32) => {
            let mut g = [0u8; 16];
            g.copy_from_slice(&nh[..16]);
            let link_local = nh.get(16..32).map(|ll| {
                let mut b = [0u8; 16];
                b.copy_from_slice(ll);
                Ipv6Addr::from(b)
            });
            NextHop::V6 {
                global: Ipv6Addr::from(g),
                link_local,
            }
        }
        _ => {
            return Err(MpFault::NextHopLength {
                family,
                len: nh_len,
            })
        }
    };
    // Reserved (formerly the SNPA count): ignored.
    r.u8().ok_or(MpFault::TooShort(value.len()))?;
    let nlri = nlri::decode_family(r.rest(), family).map_err(MpFault::Nlri)?;
    Ok(Some(MpReach {
        family,
        next_hop,
        nlri,
    }))
}

/// `Ok(None)`: a family this codec does not read.
pub(crate) fn decode_unreach(value: &[u8]) -> Result<Option<MpUnreach>, MpFault> {
    let mut r = Reader::new(value);
    let family = family(&mut r, 3)?;
    if !family.is_ip() {
        return Ok(None);
    }
    let withdrawn = nlri::decode_family(r.rest(), family).map_err(MpFault::Nlri)?;
    Ok(Some(MpUnreach { family, withdrawn }))
}

/// Writes the MP_REACH_NLRI value up to (not including) the NLRI.
pub(crate) fn encode_reach_head(out: &mut Vec<u8>, family: Family, next_hop: &NextHop) {
    put_u16(out, family.afi.0);
    out.push(family.safi.0);
    match next_hop {
        NextHop::V4(a) => {
            out.push(4);
            out.extend_from_slice(&a.octets());
        }
        NextHop::V6 { global, link_local } => {
            out.push(if link_local.is_some() { 32 } else { 16 });
            out.extend_from_slice(&global.octets());
            if let Some(ll) = link_local {
                out.extend_from_slice(&ll.octets());
            }
        }
    }
    out.push(0);
}

/// Size of [`encode_reach_head`]'s output.
pub(crate) fn reach_head_len(next_hop: &NextHop) -> usize {
    5 + match next_hop {
        NextHop::V4(_) => 4,
        NextHop::V6 {
            link_local: None, ..
        } => 16,
        NextHop::V6 {
            link_local: Some(_),
            ..
        } => 32,
    }
}

pub(crate) fn encode_unreach_head(out: &mut Vec<u8>, family: Family) {
    put_u16(out, family.afi.0);
    out.push(family.safi.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_hop_lengths() {
        // IPv6 unicast, 32-byte next hop, one /32.
        let mut v = vec![0, 2, 1, 32];
        v.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        v.extend_from_slice(&"fe80::1".parse::<Ipv6Addr>().unwrap().octets());
        v.extend_from_slice(&[0, 32, 0x20, 0x01, 0x0d, 0xb8]);
        let got = decode_reach(&v).unwrap().unwrap();
        assert_eq!(
            got.next_hop,
            NextHop::V6 {
                global: "2001:db8::1".parse().unwrap(),
                link_local: Some("fe80::1".parse().unwrap())
            }
        );
        assert_eq!(got.nlri, vec!["2001:db8::/32".parse::<IpNet>().unwrap()]);
        // IPv6 with a 4-byte next hop: the NLRI cannot be located.
        let bad = [0, 2, 1, 4, 1, 2, 3, 4, 0];
        assert_eq!(
            decode_reach(&bad),
            Err(MpFault::NextHopLength {
                family: Family::IPV6_UNICAST,
                len: 4
            })
        );
        // Next hop length past the end.
        assert!(decode_reach(&[0, 1, 1, 40, 1]).is_err());
        assert_eq!(decode_reach(&[0, 1, 1, 0]), Err(MpFault::TooShort(4)));
        // A family not read here.
        assert_eq!(decode_reach(&[0, 1, 128, 0, 0]), Ok(None));
        assert_eq!(decode_unreach(&[0, 1]), Err(MpFault::TooShort(2)));
    }
}
