//! The path attribute decoder, where RFC 7606 is decided attribute by attribute.
//!
//! Each attribute ends in one of: accepted; a note with [`Action::Discard`] (the
//! attribute is dropped); a note with [`Action::TreatAsWithdraw`] (the UPDATE's NLRI
//! will be withdrawn); or an [`UpdateError`] (session reset). The strongest outcome wins
//! (§3.h); the caller applies §3.d (missing attributes) and §5.2 (no reachable NLRI),
//! which need the NLRI.

use std::net::Ipv4Addr;

use super::code::*;
use super::flag::{EXTENDED_LENGTH, OPTIONAL, PARTIAL, TRANSITIVE};
use super::{
    expected_flags, Action, Aggregator, AsPath, AttrFault, AttrIssue, Attrs, Community,
    ExtCommunity, LargeCommunity, NextHop, Origin, RawAttr,
};
use crate::packet::error::UpdateError;
use crate::packet::mp::{self, MpReach, MpUnreach};
use crate::packet::nlri::{Afi, Family, Safi};
use crate::packet::notification::UpdateSubcode;
use crate::packet::open::AS_TRANS;
use crate::packet::wire::Reader;
use crate::packet::CodecContext;

/// What the attribute list of one UPDATE decoded to.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub attrs: Attrs,
    pub mp_reach: Option<MpReach>,
    pub mp_unreach: Option<MpUnreach>,
    pub issues: Vec<AttrIssue>,
    /// NOTIFICATION subcode and data of the first treat-as-withdraw issue, for §5.2.
    pub escalation: Option<(UpdateSubcode, Vec<u8>)>,
    /// An attribute other than MP_UNREACH_NLRI was present (§5.2).
    pub has_other_attrs: bool,
}

type Verdict = Result<(), (Action, AttrFault)>;

impl Decoded {
    pub(crate) fn note(&mut self, code: u8, action: Action, fault: AttrFault, raw: &[u8]) {
        self.issues.push(AttrIssue {
            code,
            action,
            fault,
        });
        if action == Action::TreatAsWithdraw && self.escalation.is_none() {
            let data = match fault {
                AttrFault::Overrun | AttrFault::AsPath(_) => vec![],
                AttrFault::Missing => vec![code],
                _ => raw.to_vec(),
            };
            self.escalation = Some((subcode_for(code, fault), data));
        }
    }
}

/// The RFC 4271 §6.3 subcode for a fault, used when it must reset the session.
fn subcode_for(code: u8, fault: AttrFault) -> UpdateSubcode {
    match fault {
        AttrFault::Flags(_) => UpdateSubcode::AttributeFlagsError,
        AttrFault::Length(_) => UpdateSubcode::AttributeLengthError,
        AttrFault::Value(_) if code == ORIGIN => UpdateSubcode::InvalidOriginAttribute,
        AttrFault::AsPath(_) => UpdateSubcode::MalformedAsPath,
        AttrFault::Overrun => UpdateSubcode::MalformedAttributeList,
        AttrFault::Missing => UpdateSubcode::MissingWellKnownAttribute,
        _ => UpdateSubcode::OptionalAttributeError,
    }
}

fn u32_at(v: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([v[i], v[i + 1], v[i + 2], v[i + 3]])
}

fn ipv4_at(v: &[u8], i: usize) -> Ipv4Addr {
    Ipv4Addr::from(u32_at(v, i))
}

fn exact(value: &[u8], len: usize, action: Action) -> Verdict {
    if value.len() == len {
        Ok(())
    } else {
        Err((action, AttrFault::Length(value.len())))
    }
}

/// A non-zero multiple of `unit` bytes (communities, cluster list).
fn multiple(value: &[u8], unit: usize) -> Verdict {
    if !value.is_empty() && value.len().is_multiple_of(unit) {
        Ok(())
    } else {
        Err((Action::TreatAsWithdraw, AttrFault::Length(value.len())))
    }
}

fn family_of(value: &[u8]) -> Family {
    let afi = u16::from_be_bytes([value[0], value[1]]);
    Family::new(Afi(afi), Safi(value[2]))
}

/// State for AS4_PATH / AS4_AGGREGATOR until the whole list is read.
#[derive(Default)]
struct As4 {
    path: Option<AsPath>,
    aggregator: Option<Aggregator>,
}

pub(crate) fn decode_attrs(buf: &[u8], ctx: &CodecContext) -> Result<Decoded, UpdateError> {
    let mut d = Decoded::default();
    let mut as4 = As4::default();
    let mut seen = [false; 256];
    let mut r = Reader::new(buf);
    while !r.is_empty() {
        let start = r.pos();
        // §4: fewer than 3 bytes (4 with Extended Length) left for a header.
        let header = if buf[start] & EXTENDED_LENGTH != 0 {
            4
        } else {
            3
        };
        if r.remaining() < header {
            d.note(0, Action::TreatAsWithdraw, AttrFault::Overrun, &[]);
            break;
        }
        let flags = r.u8().unwrap_or_default();
        let code = r.u8().unwrap_or_default();
        let len = if flags & EXTENDED_LENGTH != 0 {
            r.u16()
        } else {
            r.u8().map(u16::from)
        };
        // §4: the attribute runs past the Total Path Attribute Length.
        let Some(value) = r.take(usize::from(len.unwrap_or_default())) else {
            d.note(code, Action::TreatAsWithdraw, AttrFault::Overrun, &[]);
            break;
        };
        let raw = &buf[start..r.pos()];
        let is_mp = code == MP_REACH_NLRI || code == MP_UNREACH_NLRI;
        d.has_other_attrs |= code != MP_UNREACH_NLRI;
        // §3.g: MP_* twice resets; any other attribute after the first is discarded.
        if std::mem::replace(&mut seen[usize::from(code)], true) {
            if is_mp {
                return Err(UpdateError::DuplicateMp { code });
            }
            d.note(code, Action::Discard, AttrFault::Duplicate, raw);
            continue;
        }
        let Some(expected) = expected_flags(code) else {
            unknown(&mut d, flags, code, value, raw)?;
            continue;
        };
        // §3.c: Optional/Transitive bits in conflict with the type; the MP attributes'
        // own rule (§5.3 via RFC 4760) is a reset.
        if flags & (OPTIONAL | TRANSITIVE) != expected {
            if is_mp {
                return Err(UpdateError::MpFlags {
                    code,
                    flags,
                    attr: raw.to_vec(),
                });
            }
            d.note(code, Action::TreatAsWithdraw, AttrFault::Flags(flags), raw);
            continue;
        }
        if let Err((action, fault)) = known(&mut d, &mut as4, ctx, code, value, raw)? {
            d.note(code, action, fault, raw);
        }
    }
    if !ctx.four_octet_as {
        merge_as4(&mut d, as4);
    }
    Ok(d)
}

/// RFC 4271 §9: an unrecognized well-known attribute resets, an optional non-transitive
/// one is quietly ignored, an optional transitive one is kept with the Partial bit.
fn unknown(
    d: &mut Decoded,
    flags: u8,
    code: u8,
    value: &[u8],
    raw: &[u8],
) -> Result<(), UpdateError> {
    if flags & OPTIONAL == 0 {
        return Err(UpdateError::UnrecognizedWellKnown {
            code,
            attr: raw.to_vec(),
        });
    }
    if flags & TRANSITIVE != 0 {
        let flags = (flags & (OPTIONAL | TRANSITIVE | PARTIAL)) | PARTIAL;
        d.attrs.unknown.push(RawAttr {
            flags,
            code,
            value: value.to_vec(),
        });
    }
    Ok(())
}

/// Decodes a known attribute whose flags are right (RFC 7606 §7 for each).
fn known(
    d: &mut Decoded,
    as4: &mut As4,
    ctx: &CodecContext,
    code: u8,
    value: &[u8],
    raw: &[u8],
) -> Result<Verdict, UpdateError> {
    use Action::{Discard, TreatAsWithdraw as Withdraw};
    let a = &mut d.attrs;
    let verdict = match code {
        // §7.1
        ORIGIN => exact(value, 1, Withdraw).and_then(|()| {
            a.origin = Some(match value[0] {
                0 => Origin::Igp,
                1 => Origin::Egp,
                2 => Origin::Incomplete,
                v => return Err((Withdraw, AttrFault::Value(v))),
            });
            Ok(())
        }),
        // §7.2
        AS_PATH => AsPath::decode(value, ctx.four_octet_as, false)
            .map(|p| a.as_path = Some(p))
            .map_err(|f| (Withdraw, AttrFault::AsPath(f))),
        // §7.3
        NEXT_HOP => {
            exact(value, 4, Withdraw).map(|()| a.next_hop = Some(NextHop::V4(ipv4_at(value, 0))))
        }
        // §7.4
        MULTI_EXIT_DISC => exact(value, 4, Withdraw).map(|()| a.med = Some(u32_at(value, 0))),
        // §7.5
        LOCAL_PREF if !ctx.ibgp => Err((Discard, AttrFault::FromExternalPeer)),
        LOCAL_PREF => exact(value, 4, Withdraw).map(|()| a.local_pref = Some(u32_at(value, 0))),
        // §7.6
        ATOMIC_AGGREGATE => exact(value, 0, Discard).map(|()| a.atomic_aggregate = true),
        // §7.7
        AGGREGATOR if ctx.four_octet_as => exact(value, 8, Discard).map(|()| {
            a.aggregator = Some(Aggregator {
                asn: u32_at(value, 0),
                id: ipv4_at(value, 4),
            })
        }),
        AGGREGATOR => exact(value, 6, Discard).map(|()| {
            let asn = u32::from(u16::from_be_bytes([value[0], value[1]]));
            a.aggregator = Some(Aggregator {
                asn,
                id: ipv4_at(value, 2),
            });
        }),
        // §7.8
        COMMUNITIES => multiple(value, 4).map(|()| {
            a.communities = value
                .chunks_exact(4)
                .map(|c| Community(u32_at(c, 0)))
                .collect();
        }),
        // §7.9
        ORIGINATOR_ID if !ctx.ibgp => Err((Discard, AttrFault::FromExternalPeer)),
        ORIGINATOR_ID => {
            exact(value, 4, Withdraw).map(|()| a.originator_id = Some(ipv4_at(value, 0)))
        }
        // §7.10
        CLUSTER_LIST if !ctx.ibgp => Err((Discard, AttrFault::FromExternalPeer)),
        CLUSTER_LIST => multiple(value, 4).map(|()| {
            a.cluster_list = value.chunks_exact(4).map(|c| ipv4_at(c, 0)).collect();
        }),
        // §7.11, §5.3: anything wrong resets.
        MP_REACH_NLRI => match mp::decode_reach(value) {
            Ok(Some(m)) => {
                d.mp_reach = Some(m);
                Ok(())
            }
            Ok(None) => Err((Discard, AttrFault::UnsupportedFamily(family_of(value)))),
            Err(fault) => {
                return Err(UpdateError::Mp {
                    code,
                    fault,
                    attr: raw.to_vec(),
                })
            }
        },
        MP_UNREACH_NLRI => match mp::decode_unreach(value) {
            Ok(Some(m)) => {
                d.mp_unreach = Some(m);
                Ok(())
            }
            Ok(None) => Err((Discard, AttrFault::UnsupportedFamily(family_of(value)))),
            Err(fault) => {
                return Err(UpdateError::Mp {
                    code,
                    fault,
                    attr: raw.to_vec(),
                })
            }
        },
        // §7.14
        EXTENDED_COMMUNITIES => multiple(value, 8).map(|()| {
            a.ext_communities = value
                .chunks_exact(8)
                .map(|c| ExtCommunity(c.try_into().unwrap_or_default()))
                .collect();
        }),
        // RFC 6793 §4.1: not between NEW speakers; §6: malformed ones are discarded.
        AS4_PATH | AS4_AGGREGATOR if ctx.four_octet_as => {
            Err((Discard, AttrFault::FromFourOctetPeer))
        }
        AS4_PATH => AsPath::decode(value, true, true)
            .map(|p| as4.path = Some(p))
            .map_err(|f| (Discard, AttrFault::AsPath(f))),
        AS4_AGGREGATOR => exact(value, 8, Discard).map(|()| {
            as4.aggregator = Some(Aggregator {
                asn: u32_at(value, 0),
                id: ipv4_at(value, 4),
            })
        }),
        // RFC 8092 §5.
        LARGE_COMMUNITY => multiple(value, 12).map(|()| {
            a.large_communities = value
                .chunks_exact(12)
                .map(|c| LargeCommunity {
                    global: u32_at(c, 0),
                    local1: u32_at(c, 4),
                    local2: u32_at(c, 8),
                })
                .collect();
        }),
        _ => Ok(()),
    };
    Ok(verdict)
}

/// RFC 6793 §4.2.3: on a 2-byte session, rebuild AGGREGATOR and AS_PATH.
fn merge_as4(d: &mut Decoded, mut as4: As4) {
    match d.attrs.aggregator.as_mut() {
        // An AGGREGATOR that is not AS_TRANS: both AS4 attributes are ignored.
        Some(agg) if agg.asn != u32::from(AS_TRANS) => return,
        Some(agg) => {
            if let Some(a4) = as4.aggregator {
                *agg = a4;
            }
        }
        None => {}
    }
    if let (Some(p4), Some(p)) = (as4.path.take(), d.attrs.as_path.as_ref()) {
        match p.merge_as4(&p4) {
            Some(merged) => d.attrs.as_path = Some(merged),
            None => d.note(AS4_PATH, Action::Discard, AttrFault::As4PathLonger, &[]),
        }
    }
}
