//! UPDATE (RFC 4271 §4.3, RFC 4760): decode with the RFC 7606 outcome, encode, and the
//! route changes an UPDATE stands for.
//!
//! ```text
//!  withdrawn len(2) | withdrawn IPv4 prefixes | attr len(2) | attributes | IPv4 NLRI
//! ```

use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net};

use super::attr::decode::decode_attrs;
use super::attr::{code, flag, put_attr, Action, AttrFault, AttrIssue, Attrs};
use super::error::{NlriField, UpdateError};
use super::intern::AttrInterner;
use super::mp::{self, MpReach, MpUnreach};
use super::nlri::{self, Family};
use super::wire::{len16_placeholder, patch_u16_len, Reader};
use super::CodecContext;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Update {
    /// IPv4 unicast prefixes withdrawn in the body.
    pub withdrawn: Vec<Ipv4Net>,
    /// Path attributes; `attrs.next_hop` is the NEXT_HOP attribute (see [`Update::mp_attrs`]).
    pub attrs: Attrs,
    /// IPv4 unicast prefixes announced in the body.
    pub nlri: Vec<Ipv4Net>,
    pub mp_reach: Option<MpReach>,
    pub mp_unreach: Option<MpUnreach>,
    /// RFC 7606 decisions taken while decoding (empty for a clean UPDATE; ignored when
    /// encoding). Each is worth a log line.
    pub issues: Vec<AttrIssue>,
}

/// How the receiver must treat a decoded UPDATE (RFC 7606 §2); a session reset is a
/// decode error instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Announce and withdraw as the message says.
    Good,
    /// Some attributes were dropped (see `issues`); otherwise as `Good`.
    AttributesDiscarded,
    /// Every prefix announced in the message is to be withdrawn instead.
    TreatAsWithdraw,
}

/// The effect of an UPDATE on the Adj-RIB-In, with interned attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteChanges {
    pub withdrawn: Vec<IpNet>,
    pub announced: Vec<(IpNet, Arc<Attrs>)>,
}

impl Update {
    pub fn verdict(&self) -> Verdict {
        if self
            .issues
            .iter()
            .any(|i| i.action == Action::TreatAsWithdraw)
        {
            Verdict::TreatAsWithdraw
        } else if self.issues.is_empty() {
            Verdict::Good
        } else {
            Verdict::AttributesDiscarded
        }
    }

    /// The End-of-RIB marker of RFC 4724 §2: an empty UPDATE for IPv4 unicast, an
    /// empty MP_UNREACH_NLRI for other families.
    pub fn end_of_rib(family: Family) -> Self {
        if family == Family::IPV4_UNICAST {
            return Self::default();
        }
        Self {
            mp_unreach: Some(MpUnreach {
                family,
                withdrawn: vec![],
            }),
            ..Self::default()
        }
    }

    /// The family this UPDATE marks the End-of-RIB of, if it is such a marker.
    pub fn end_of_rib_family(&self) -> Option<Family> {
        if !self.withdrawn.is_empty()
            || !self.nlri.is_empty()
            || self.mp_reach.is_some()
            || !self.attrs.is_empty()
        {
            return None;
        }
        match &self.mp_unreach {
            None => Some(Family::IPV4_UNICAST),
            Some(u) if u.withdrawn.is_empty() => Some(u.family),
            Some(_) => None,
        }
    }

    /// The attributes of the routes in MP_REACH_NLRI: `attrs` with its next hop.
    pub fn mp_attrs(&self) -> Option<Attrs> {
        self.mp_reach.as_ref().map(|m| Attrs {
            next_hop: Some(m.next_hop),
            ..self.attrs.clone()
        })
    }

    /// Withdrawals and announcements, treat-as-withdraw applied; attribute sets interned.
    pub fn into_changes(self, interner: &mut AttrInterner) -> RouteChanges {
        let taw = self.verdict() == Verdict::TreatAsWithdraw;
        let mut withdrawn: Vec<IpNet> = self.withdrawn.into_iter().map(IpNet::V4).collect();
        if let Some(u) = self.mp_unreach {
            withdrawn.extend(u.withdrawn);
        }
        let mut announced = Vec::new();
        if taw {
            withdrawn.extend(self.nlri.into_iter().map(IpNet::V4));
            withdrawn.extend(self.mp_reach.into_iter().flat_map(|m| m.nlri));
            return RouteChanges {
                withdrawn,
                announced,
            };
        }
        announced.reserve(self.nlri.len() + self.mp_reach.as_ref().map_or(0, |m| m.nlri.len()));
        let mut attrs = Some(self.attrs);
        if let Some(m) = self.mp_reach {
            let base = if self.nlri.is_empty() {
                attrs.take()
            } else {
                attrs.clone()
            };
            let mp = Attrs {
                next_hop: Some(m.next_hop),
                ..base.unwrap_or_default()
            };
            let shared = interner.intern(mp);
            announced.extend(m.nlri.into_iter().map(|p| (p, shared.clone())));
        }
        if let (false, Some(a)) = (self.nlri.is_empty(), attrs) {
            let shared = interner.intern(a);
            announced.extend(
                self.nlri
                    .into_iter()
                    .map(|p| (IpNet::V4(p), shared.clone())),
            );
        }
        RouteChanges {
            withdrawn,
            announced,
        }
    }

    pub(crate) fn decode(body: &[u8], ctx: &CodecContext) -> Result<Self, UpdateError> {
        let mut r = Reader::new(body);
        let lengths = |withdrawn: usize, attrs: usize| UpdateError::Lengths {
            withdrawn,
            attrs,
            body: body.len(),
        };
        // The header check guarantees 4 bytes.
        let wlen = usize::from(r.u16().unwrap_or_default());
        let withdrawn_raw = r.take(wlen).ok_or(lengths(wlen, 0))?;
        let alen = usize::from(r.u16().ok_or(lengths(wlen, 0))?);
        let attrs_raw = r.take(alen).ok_or(lengths(wlen, alen))?;
        let nlri_raw = r.rest();
        // §3.i, §3.j, §5.3: the prefix fields must parse, or nothing else can be trusted.
        let field = |field| move |fault| UpdateError::InvalidNetworkField { field, fault };
        let withdrawn = nlri::decode_v4(withdrawn_raw).map_err(field(NlriField::Withdrawn))?;
        let nlri = nlri::decode_v4(nlri_raw).map_err(field(NlriField::Nlri))?;
        let mut d = decode_attrs(attrs_raw, ctx)?;

        let reachable = !nlri.is_empty() || d.mp_reach.as_ref().is_some_and(|m| !m.nlri.is_empty());
        if reachable {
            // §3.d: missing well-known mandatory attributes (NEXT_HOP only for body NLRI,
            // RFC 4760 §3).
            let a = &d.attrs;
            let missing = [
                (code::ORIGIN, a.origin.is_none()),
                (code::AS_PATH, a.as_path.is_none()),
                (code::NEXT_HOP, a.next_hop.is_none() && !nlri.is_empty()),
            ];
            for (c, absent) in missing {
                if absent && !d.issues.iter().any(|i| i.code == c) {
                    d.note(c, Action::TreatAsWithdraw, AttrFault::Missing, &[]);
                }
            }
        } else if d.has_other_attrs {
            // §5.2: attributes but no reachable NLRI: anything beyond discard resets.
            if let (Some(issue), Some((subcode, data))) = (
                d.issues
                    .iter()
                    .find(|i| i.action == Action::TreatAsWithdraw),
                d.escalation.take(),
            ) {
                return Err(UpdateError::NoReachableNlri {
                    code: issue.code,
                    fault: issue.fault,
                    subcode,
                    data,
                });
            }
        }
        Ok(Self {
            withdrawn,
            attrs: d.attrs,
            nlri,
            mp_reach: d.mp_reach,
            mp_unreach: d.mp_unreach,
            issues: d.issues,
        })
    }

    /// The body; MP_UNREACH_NLRI and MP_REACH_NLRI come first (RFC 7606 §5.1).
    pub(crate) fn encode_body(&self, ctx: &CodecContext, out: &mut Vec<u8>) {
        let at = len16_placeholder(out);
        for p in &self.withdrawn {
            nlri::encode_prefix(out, &IpNet::V4(*p));
        }
        patch_u16_len(out, at);
        let at = len16_placeholder(out);
        if let Some(u) = &self.mp_unreach {
            put_attr(out, flag::OPTIONAL, code::MP_UNREACH_NLRI, |o| {
                mp::encode_unreach_head(o, u.family);
                u.withdrawn.iter().for_each(|p| nlri::encode_prefix(o, p));
            });
        }
        if let Some(m) = &self.mp_reach {
            put_attr(out, flag::OPTIONAL, code::MP_REACH_NLRI, |o| {
                mp::encode_reach_head(o, m.family, &m.next_hop);
                m.nlri.iter().for_each(|p| nlri::encode_prefix(o, p));
            });
        }
        self.attrs.encode(ctx, out);
        patch_u16_len(out, at);
        for p in &self.nlri {
            nlri::encode_prefix(out, &IpNet::V4(*p));
        }
    }
}
