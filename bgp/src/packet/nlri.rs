//! Address families (AFI/SAFI) and the prefix encoding shared by the UPDATE body,
//! MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4271 §4.3, RFC 4760 §5).
//!
//! A prefix is a length octet and the fewest octets that hold that many bits. RFC 4271
//! says the trailing bits of the last octet are irrelevant, so they are cleared on
//! decode: every decoded `IpNet` has its host bits zero. A length larger than the
//! family allows, or one that runs past the field, makes the field syntactically
//! incorrect (RFC 7606 §5.3): the caller resets the session.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::wire::Reader;

/// Address Family Identifier (IANA "Address Family Numbers"); any value is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Afi(pub u16);

impl Afi {
    pub const IPV4: Afi = Afi(1);
    pub const IPV6: Afi = Afi(2);
}

/// Subsequent Address Family Identifier; any value is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Safi(pub u8);

impl Safi {
    pub const UNICAST: Safi = Safi(1);
    pub const MULTICAST: Safi = Safi(2);
}

/// An AFI/SAFI pair, as in the Multiprotocol capability, MP_REACH_NLRI and ROUTE-REFRESH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Family {
    pub afi: Afi,
    pub safi: Safi,
}

impl Family {
    pub const IPV4_UNICAST: Family = Family::new(Afi::IPV4, Safi::UNICAST);
    pub const IPV6_UNICAST: Family = Family::new(Afi::IPV6, Safi::UNICAST);
    pub const IPV4_MULTICAST: Family = Family::new(Afi::IPV4, Safi::MULTICAST);
    pub const IPV6_MULTICAST: Family = Family::new(Afi::IPV6, Safi::MULTICAST);

    pub const fn new(afi: Afi, safi: Safi) -> Self {
        Self { afi, safi }
    }

    /// The family of a prefix in unicast routing.
    pub fn unicast_of(prefix: &IpNet) -> Family {
        match prefix {
            IpNet::V4(_) => Family::IPV4_UNICAST,
            IpNet::V6(_) => Family::IPV6_UNICAST,
        }
    }

    /// Whether this codec can read the NLRI and next hop of the family
    /// (IPv4 and IPv6, unicast and multicast: the same prefix encoding).
    pub fn is_ip(self) -> bool {
        matches!(self.afi, Afi::IPV4 | Afi::IPV6)
            && matches!(self.safi, Safi::UNICAST | Safi::MULTICAST)
    }

    /// Longest prefix of the family's addresses.
    pub(crate) fn max_prefix_len(self) -> u8 {
        if self.afi == Afi::IPV6 {
            128
        } else {
            32
        }
    }
}

/// Junos names the families `inet-unicast`, `inet6-unicast`, ...; others print as numbers.
impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let afi = match self.afi {
            Afi::IPV4 => "inet",
            Afi::IPV6 => "inet6",
            Afi(n) => return write!(f, "afi-{n}-safi-{}", self.safi.0),
        };
        match self.safi {
            Safi::UNICAST => write!(f, "{afi}-unicast"),
            Safi::MULTICAST => write!(f, "{afi}-multicast"),
            Safi(n) => write!(f, "{afi}-safi-{n}"),
        }
    }
}

/// Why a prefix field could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NlriFault {
    #[error("prefix length {len} exceeds {max}")]
    LengthTooLong { len: u8, max: u8 },
    #[error("prefix of length {len} runs past the end of the field")]
    Truncated { len: u8 },
}

/// Bytes a prefix takes on the wire (length octet included).
pub fn prefix_wire_len(prefix: &IpNet) -> usize {
    1 + usize::from(prefix.prefix_len()).div_ceil(8)
}

/// Reads one prefix of at most `max` bits into a 16-byte buffer; returns length and bytes.
fn read_prefix(r: &mut Reader<'_>, max: u8) -> Result<(u8, [u8; 16]), NlriFault> {
    let len = r.u8().ok_or(NlriFault::Truncated { len: 0 })?;
    if len > max {
        return Err(NlriFault::LengthTooLong { len, max });
    }
    let bytes = r
        .take(usize::from(len).div_ceil(8))
        .ok_or(NlriFault::Truncated { len })?;
    let mut addr = [0u8; 16];
    addr[..bytes.len()].copy_from_slice(bytes);
    // Clear the trailing bits of the last octet (RFC 4271: "irrelevant").
    if len % 8 != 0 {
        let last = bytes.len() - 1;
        addr[last] &= 0xffu8 << (8 - len % 8);
    }
    Ok((len, addr))
}

fn v4(len: u8, addr: [u8; 16]) -> Ipv4Net {
    let a = Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]);
    // `len` was checked against 32 by `read_prefix`.
    Ipv4Net::new(a, len).unwrap_or_default()
}

fn v6(len: u8, addr: [u8; 16]) -> Ipv6Net {
    Ipv6Net::new(Ipv6Addr::from(addr), len).unwrap_or_default()
}

/// Decodes a field of IPv4 prefixes (UPDATE body Withdrawn Routes or NLRI).
pub(crate) fn decode_v4(buf: &[u8]) -> Result<Vec<Ipv4Net>, NlriFault> {
    let mut r = Reader::new(buf);
    // A prefix takes at least one byte: the count is bounded by the field.
    let mut out = Vec::with_capacity(buf.len().min(1024));
    while !r.is_empty() {
        let (len, addr) = read_prefix(&mut r, 32)?;
        out.push(v4(len, addr));
    }
    Ok(out)
}

/// Decodes a field of prefixes of an IP family (MP_REACH/MP_UNREACH NLRI).
pub(crate) fn decode_family(buf: &[u8], family: Family) -> Result<Vec<IpNet>, NlriFault> {
    let mut r = Reader::new(buf);
    let max = family.max_prefix_len();
    let mut out = Vec::with_capacity(buf.len().min(1024));
    while !r.is_empty() {
        let (len, addr) = read_prefix(&mut r, max)?;
        out.push(if family.afi == Afi::IPV6 {
            IpNet::V6(v6(len, addr))
        } else {
            IpNet::V4(v4(len, addr))
        });
    }
    Ok(out)
}

/// Appends one prefix: length octet, then the network bits rounded up to whole octets.
pub(crate) fn encode_prefix(out: &mut Vec<u8>, prefix: &IpNet) {
    let len = prefix.prefix_len();
    out.push(len);
    let n = usize::from(len).div_ceil(8);
    match prefix.network() {
        std::net::IpAddr::V4(a) => out.extend_from_slice(&a.octets()[..n]),
        std::net::IpAddr::V6(a) => out.extend_from_slice(&a.octets()[..n]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_bits_are_cleared_and_lengths_checked() {
        // 10.1.2.0/23 sent with the last bit of the third octet set.
        let got = decode_v4(&[23, 10, 1, 3]).unwrap();
        assert_eq!(got, vec!["10.1.2.0/23".parse::<Ipv4Net>().unwrap()]);
        assert_eq!(
            decode_v4(&[33, 1, 2, 3, 4, 5]),
            Err(NlriFault::LengthTooLong { len: 33, max: 32 })
        );
        assert_eq!(
            decode_v4(&[24, 10, 1]),
            Err(NlriFault::Truncated { len: 24 })
        );
        assert_eq!(decode_v4(&[0]).unwrap(), vec![Ipv4Net::default()]);
        let six = decode_family(&[129], Family::IPV6_UNICAST);
        assert_eq!(six, Err(NlriFault::LengthTooLong { len: 129, max: 128 }));
    }

    #[test]
    fn encode_writes_only_the_network_octets() {
        let mut out = Vec::new();
        encode_prefix(&mut out, &"2001:db8::/33".parse().unwrap());
        assert_eq!(out, [33, 0x20, 0x01, 0x0d, 0xb8, 0]);
        assert_eq!(prefix_wire_len(&"2001:db8::/33".parse().unwrap()), 6);
    }

    #[test]
    fn family_names() {
        assert_eq!(Family::IPV6_UNICAST.to_string(), "inet6-unicast");
        assert_eq!(Family::new(Afi(25), Safi(70)).to_string(), "afi-25-safi-70");
    }
}
