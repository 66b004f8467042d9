//! Path attributes (RFC 4271 §5 and the RFCs of each attribute): the typed attribute
//! set [`Attrs`], the RFC 7606 notes ([`AttrIssue`]) and the attribute encoder.
//!
//! `Attrs` is what routes share through the interner: it holds every path attribute of
//! an UPDATE except MP_REACH_NLRI/MP_UNREACH_NLRI (those carry prefixes, see
//! [`Update`](super::Update)), with AS_PATH in its 4-byte form whatever the session.
//! The decoder is in `decode.rs`.

mod aspath;
mod community;
pub(crate) mod decode;

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

pub use aspath::{AsPath, AsPathFault, Segment, SegmentType};
pub use community::{Community, ExtCommunity, LargeCommunity};

use super::nlri::Family;
use super::open::AS_TRANS;
use super::wire::{put_u16, put_u32};
use super::CodecContext;

/// Attribute type codes this codec knows.
pub mod code {
    pub const ORIGIN: u8 = 1;
    pub const AS_PATH: u8 = 2;
    pub const NEXT_HOP: u8 = 3;
    pub const MULTI_EXIT_DISC: u8 = 4;
    pub const LOCAL_PREF: u8 = 5;
    pub const ATOMIC_AGGREGATE: u8 = 6;
    pub const AGGREGATOR: u8 = 7;
    pub const COMMUNITIES: u8 = 8;
    pub const ORIGINATOR_ID: u8 = 9;
    pub const CLUSTER_LIST: u8 = 10;
    pub const MP_REACH_NLRI: u8 = 14;
    pub const MP_UNREACH_NLRI: u8 = 15;
    pub const EXTENDED_COMMUNITIES: u8 = 16;
    pub const AS4_PATH: u8 = 17;
    pub const AS4_AGGREGATOR: u8 = 18;
    pub const LARGE_COMMUNITY: u8 = 32;
}

/// Attribute flag bits.
pub mod flag {
    pub const OPTIONAL: u8 = 0x80;
    pub const TRANSITIVE: u8 = 0x40;
    pub const PARTIAL: u8 = 0x20;
    pub const EXTENDED_LENGTH: u8 = 0x10;
}

/// The Optional and Transitive bits a known attribute must carry; `None` if unknown.
pub(crate) fn expected_flags(c: u8) -> Option<u8> {
    use code::*;
    use flag::*;
    Some(match c {
        ORIGIN | AS_PATH | NEXT_HOP | LOCAL_PREF | ATOMIC_AGGREGATE => TRANSITIVE,
        MULTI_EXIT_DISC | ORIGINATOR_ID | CLUSTER_LIST | MP_REACH_NLRI | MP_UNREACH_NLRI => {
            OPTIONAL
        }
        AGGREGATOR | COMMUNITIES | EXTENDED_COMMUNITIES | AS4_PATH | AS4_AGGREGATOR
        | LARGE_COMMUNITY => OPTIONAL | TRANSITIVE,
        _ => return None,
    })
}

/// The attribute's name for logs (`attribute 99` when unknown, `path attributes` for 0,
/// which the notes use for the attribute list as a whole).
pub fn attr_name(c: u8) -> String {
    use code::*;
    let name = match c {
        0 => "path attributes",
        ORIGIN => "ORIGIN",
        AS_PATH => "AS_PATH",
        NEXT_HOP => "NEXT_HOP",
        MULTI_EXIT_DISC => "MULTI_EXIT_DISC",
        LOCAL_PREF => "LOCAL_PREF",
        ATOMIC_AGGREGATE => "ATOMIC_AGGREGATE",
        AGGREGATOR => "AGGREGATOR",
        COMMUNITIES => "COMMUNITIES",
        ORIGINATOR_ID => "ORIGINATOR_ID",
        CLUSTER_LIST => "CLUSTER_LIST",
        MP_REACH_NLRI => "MP_REACH_NLRI",
        MP_UNREACH_NLRI => "MP_UNREACH_NLRI",
        EXTENDED_COMMUNITIES => "EXTENDED_COMMUNITIES",
        AS4_PATH => "AS4_PATH",
        AS4_AGGREGATOR => "AS4_AGGREGATOR",
        LARGE_COMMUNITY => "LARGE_COMMUNITY",
        other => return format!("attribute {other}"),
    };
    name.to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    Igp = 0,
    Egp = 1,
    Incomplete = 2,
}

/// Junos letters: `I`, `E`, `?`.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Igp => "I",
            Self::Egp => "E",
            Self::Incomplete => "?",
        })
    }
}

/// The route's next hop: NEXT_HOP for IPv4 routes in the UPDATE body, the MP_REACH_NLRI
/// next hop for routes in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextHop {
    V4(Ipv4Addr),
    V6 {
        global: Ipv6Addr,
        link_local: Option<Ipv6Addr>,
    },
}

/// AGGREGATOR (with the AS from AS4_AGGREGATOR on a 2-byte session, RFC 6793).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aggregator {
    pub asn: u32,
    pub id: Ipv4Addr,
}

/// An unrecognized optional transitive attribute, kept for propagation. `flags` has the
/// Partial bit set (RFC 4271 §9: set when passing on an attribute we do not know);
/// the Extended Length bit is recomputed on encode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawAttr {
    pub flags: u8,
    pub code: u8,
    pub value: Vec<u8>,
}

/// A set of path attributes. Empty lists mean the attribute is absent (an empty
/// COMMUNITIES, CLUSTER_LIST, ... attribute is malformed, so nothing is lost).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Attrs {
    pub origin: Option<Origin>,
    /// `Some(empty)` is a present, empty AS_PATH (iBGP-originated routes).
    pub as_path: Option<AsPath>,
    /// Only a [`NextHop::V4`] is sent as NEXT_HOP; a `V6` one travels in MP_REACH_NLRI.
    pub next_hop: Option<NextHop>,
    pub med: Option<u32>,
    pub local_pref: Option<u32>,
    pub atomic_aggregate: bool,
    pub aggregator: Option<Aggregator>,
    pub communities: Vec<Community>,
    pub originator_id: Option<Ipv4Addr>,
    pub cluster_list: Vec<Ipv4Addr>,
    pub ext_communities: Vec<ExtCommunity>,
    pub large_communities: Vec<LargeCommunity>,
    pub unknown: Vec<RawAttr>,
    /// Not a path attribute: the route preference import gave the path (`then preference N`,
    /// or the neighbor's `preference N`), `None` for BGP's default, 170. Never encoded, never
    /// decoded; kept here so that it is interned with the attributes it came with and the
    /// Adj-RIB-In entry stays small.
    pub preference: Option<u32>,
}

impl Attrs {
    /// Whether any attribute is present.
    pub fn is_empty(&self) -> bool {
        *self == Attrs::default()
    }

    /// Writes the attributes in type-code order (unknown ones last), for `ctx`'s peer:
    /// on a 2-byte session 4-byte ASNs become AS_TRANS and AS4_PATH / AS4_AGGREGATOR
    /// carry the real values.
    pub(crate) fn encode(&self, ctx: &CodecContext, out: &mut Vec<u8>) {
        use code::*;
        use flag::*;
        let four = ctx.four_octet_as;
        if let Some(o) = self.origin {
            put_attr(out, TRANSITIVE, ORIGIN, |o2| o2.push(o as u8));
        }
        if let Some(p) = &self.as_path {
            put_attr(out, TRANSITIVE, AS_PATH, |o| p.encode(o, four));
        }
        if let Some(NextHop::V4(a)) = self.next_hop {
            put_attr(out, TRANSITIVE, NEXT_HOP, |o| {
                o.extend_from_slice(&a.octets())
            });
        }
        if let Some(m) = self.med {
            put_attr(out, OPTIONAL, MULTI_EXIT_DISC, |o| put_u32(o, m));
        }
        if let Some(l) = self.local_pref {
            put_attr(out, TRANSITIVE, LOCAL_PREF, |o| put_u32(o, l));
        }
        if self.atomic_aggregate {
            put_attr(out, TRANSITIVE, ATOMIC_AGGREGATE, |_| {});
        }
        // To a 2-byte peer: AS4_PATH when the path has 4-byte ASNs, and then (or when the
        // aggregator's AS needs 4 bytes) AGGREGATOR says AS_TRANS and AS4_AGGREGATOR has
        // the AS, since an AGGREGATOR other than AS_TRANS makes a NEW receiver ignore
        // AS4_PATH (RFC 6793 §4.2.3).
        let as4_path = match four {
            true => None,
            false => self.as_path.as_ref().filter(|p| p.has_four_byte_as()),
        };
        let as4_aggregator = self
            .aggregator
            .filter(|a| !four && (a.asn > 0xffff || as4_path.is_some()));
        if let Some(a) = self.aggregator {
            put_attr(out, OPTIONAL | TRANSITIVE, AGGREGATOR, |o| {
                if four {
                    put_u32(o, a.asn);
                } else if as4_aggregator.is_some() {
                    put_u16(o, AS_TRANS);
                } else {
                    put_u16(o, a.asn as u16);
                }
                o.extend_from_slice(&a.id.octets());
            });
        }
        if !self.communities.is_empty() {
            put_attr(out, OPTIONAL | TRANSITIVE, COMMUNITIES, |o| {
                self.communities.iter().for_each(|c| put_u32(o, c.0))
            });
        }
        if let Some(id) = self.originator_id {
            put_attr(out, OPTIONAL, ORIGINATOR_ID, |o| {
                o.extend_from_slice(&id.octets())
            });
        }
        if !self.cluster_list.is_empty() {
            put_attr(out, OPTIONAL, CLUSTER_LIST, |o| {
                self.cluster_list
                    .iter()
                    .for_each(|c| o.extend_from_slice(&c.octets()))
            });
        }
        if !self.ext_communities.is_empty() {
            put_attr(out, OPTIONAL | TRANSITIVE, EXTENDED_COMMUNITIES, |o| {
                self.ext_communities
                    .iter()
                    .for_each(|c| o.extend_from_slice(&c.0))
            });
        }
        if let Some(p) = as4_path {
            put_attr(out, OPTIONAL | TRANSITIVE, AS4_PATH, |o| {
                p.as4_view().encode(o, true)
            });
        }
        if let Some(a) = as4_aggregator {
            put_attr(out, OPTIONAL | TRANSITIVE, AS4_AGGREGATOR, |o| {
                put_u32(o, a.asn);
                o.extend_from_slice(&a.id.octets());
            });
        }
        if !self.large_communities.is_empty() {
            put_attr(out, OPTIONAL | TRANSITIVE, LARGE_COMMUNITY, |o| {
                for c in &self.large_communities {
                    put_u32(o, c.global);
                    put_u32(o, c.local1);
                    put_u32(o, c.local2);
                }
            });
        }
        for raw in &self.unknown {
            put_attr(out, raw.flags & !EXTENDED_LENGTH, raw.code, |o| {
                o.extend_from_slice(&raw.value)
            });
        }
    }
}

/// Writes one attribute: flags, code, length (1 byte, or 2 with the Extended Length
/// flag when the value is longer than 255) and the value `write` appends.
pub(crate) fn put_attr(out: &mut Vec<u8>, flags: u8, c: u8, write: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&[flags | flag::EXTENDED_LENGTH, c, 0, 0]);
    write(out);
    let len = out.len() - start - 4;
    if len > 255 {
        out[start + 2..start + 4]
            .copy_from_slice(&(len.min(usize::from(u16::MAX)) as u16).to_be_bytes());
    } else {
        out[start] = flags & !flag::EXTENDED_LENGTH;
        out[start + 2] = len as u8;
        out.remove(start + 3);
    }
}

/// What RFC 7606 does about a malformed or unwelcome attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// The attribute is dropped; the UPDATE is processed (§2 "attribute discard").
    Discard,
    /// The UPDATE's NLRI are withdrawn instead of announced (§2 "treat-as-withdraw").
    TreatAsWithdraw,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Discard => "attribute discarded",
            Self::TreatAsWithdraw => "treat-as-withdraw",
        })
    }
}

/// What was wrong with an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum AttrFault {
    #[error("flags {0:#04x} conflict with the attribute type")]
    Flags(u8),
    #[error("bad length {0}")]
    Length(usize),
    #[error("bad value {0}")]
    Value(u8),
    #[error("{0}")]
    AsPath(AsPathFault),
    #[error("attribute runs past the path attributes")]
    Overrun,
    #[error("appears more than once")]
    Duplicate,
    #[error("missing")]
    Missing,
    #[error("not accepted from an external peer")]
    FromExternalPeer,
    #[error("not accepted from a 4-octet-AS peer")]
    FromFourOctetPeer,
    #[error("longer than AS_PATH")]
    As4PathLonger,
    #[error("family {0} is not supported")]
    UnsupportedFamily(Family),
}

/// One RFC 7606 decision taken while decoding an UPDATE, to be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttrIssue {
    /// Attribute type code; 0 for the attribute list as a whole.
    pub code: u8,
    pub action: Action,
    pub fault: AttrFault,
}

/// `COMMUNITIES: bad length 3 (treat-as-withdraw)`.
impl fmt::Display for AttrIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({})",
            attr_name(self.code),
            self.fault,
            self.action
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_length_only_past_255() {
        let mut out = Vec::new();
        put_attr(&mut out, flag::OPTIONAL | flag::TRANSITIVE, 8, |o| {
            o.extend_from_slice(&[0; 252])
        });
        assert_eq!(&out[..3], &[0xc0, 8, 252]);
        assert_eq!(out.len(), 255);
        out.clear();
        put_attr(&mut out, flag::OPTIONAL | flag::TRANSITIVE, 8, |o| {
            o.extend_from_slice(&[0; 256])
        });
        assert_eq!(&out[..4], &[0xd0, 8, 1, 0]);
        assert_eq!(out.len(), 260);
    }

    #[test]
    fn issue_text() {
        let i = AttrIssue {
            code: code::COMMUNITIES,
            action: Action::TreatAsWithdraw,
            fault: AttrFault::Length(3),
        };
        assert_eq!(
            i.to_string(),
            "COMMUNITIES: bad length 3 (treat-as-withdraw)"
        );
    }
}
