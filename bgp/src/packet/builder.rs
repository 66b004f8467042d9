//! Packing many prefixes that share one attribute set into as few UPDATEs as fit
//! 4096 bytes each: how the speaker sends a full table.
//!
//! The attributes are encoded once; each message repeats them and is filled with
//! prefixes until the next one would not fit. IPv4 prefixes go in the body NLRI (with
//! NEXT_HOP), IPv6 ones in MP_REACH_NLRI (first attribute, RFC 7606 §5.1). Withdrawals
//! use the body Withdrawn Routes field or MP_UNREACH_NLRI the same way.

use ipnet::IpNet;

use super::attr::code::{MP_REACH_NLRI, MP_UNREACH_NLRI};
use super::attr::{flag, put_attr, Attrs, NextHop};
use super::error::EncodeError;
use super::header::{finish_message, start_message, MessageType, HEADER_LEN, MAX_MESSAGE_LEN};
use super::mp;
use super::nlri::{self, prefix_wire_len, Family};
use super::wire::{len16_placeholder, patch_u16_len, put_u16};
use super::CodecContext;

/// Encodes UPDATEs for one peer (its context decides the AS number width).
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateBuilder {
    ctx: CodecContext,
}

/// Bytes of an attribute header with the Extended Length flag.
const LONG_ATTR_HEADER: usize = 4;

impl UpdateBuilder {
    pub fn new(ctx: CodecContext) -> Self {
        Self { ctx }
    }

    /// Appends to `out` the UPDATEs announcing `prefixes` with `attrs`; returns how many.
    /// IPv4 prefixes need a [`NextHop::V4`] in `attrs`, IPv6 ones a [`NextHop::V6`].
    pub fn announce(
        &self,
        attrs: &Attrs,
        prefixes: &[IpNet],
        out: &mut Vec<u8>,
    ) -> Result<usize, EncodeError> {
        let (v4, v6): (Vec<&IpNet>, Vec<&IpNet>) =
            prefixes.iter().partition(|p| matches!(p, IpNet::V4(_)));
        let mut encoded = Vec::new();
        attrs.encode(&self.ctx, &mut encoded);
        let mut n = 0;
        if let Some(first) = v4.first() {
            if !matches!(attrs.next_hop, Some(NextHop::V4(_))) {
                return Err(EncodeError::NextHop { prefix: **first });
            }
            n += pack(out, &v4, &encoded, None)?;
        }
        if let Some(first) = v6.first() {
            let Some(nh @ NextHop::V6 { .. }) = attrs.next_hop else {
                return Err(EncodeError::NextHop { prefix: **first });
            };
            n += pack(out, &v6, &encoded, Some((Family::IPV6_UNICAST, nh)))?;
        }
        Ok(n)
    }

    /// Appends to `out` the UPDATEs withdrawing `prefixes`; returns how many.
    pub fn withdraw(&self, prefixes: &[IpNet], out: &mut Vec<u8>) -> Result<usize, EncodeError> {
        let mut n = 0;
        let v4: Vec<&IpNet> = prefixes
            .iter()
            .filter(|p| matches!(p, IpNet::V4(_)))
            .collect();
        for batch in batches(&v4, MAX_MESSAGE_LEN - HEADER_LEN - 4) {
            let at = start_message(out, MessageType::Update);
            let w = len16_placeholder(out);
            batch.iter().for_each(|p| nlri::encode_prefix(out, p));
            patch_u16_len(out, w);
            put_u16(out, 0);
            finish_message(out, at)?;
            n += 1;
        }
        let v6: Vec<&IpNet> = prefixes
            .iter()
            .filter(|p| matches!(p, IpNet::V6(_)))
            .collect();
        for batch in batches(&v6, MAX_MESSAGE_LEN - HEADER_LEN - 4 - LONG_ATTR_HEADER - 3) {
            let at = start_message(out, MessageType::Update);
            put_u16(out, 0);
            let a = len16_placeholder(out);
            put_attr(out, flag::OPTIONAL, MP_UNREACH_NLRI, |o| {
                mp::encode_unreach_head(o, Family::IPV6_UNICAST);
                batch.iter().for_each(|p| nlri::encode_prefix(o, p));
            });
            patch_u16_len(out, a);
            finish_message(out, at)?;
            n += 1;
        }
        Ok(n)
    }
}

/// Writes UPDATEs of the `encoded` attributes plus as many prefixes as fit: in an
/// MP_REACH_NLRI (first attribute) when `mp` is given, else in the body NLRI.
fn pack(
    out: &mut Vec<u8>,
    prefixes: &[&IpNet],
    encoded: &[u8],
    mp: Option<(Family, NextHop)>,
) -> Result<usize, EncodeError> {
    let mp_len = mp.map_or(0, |(_, nh)| LONG_ATTR_HEADER + mp::reach_head_len(&nh));
    let fixed = HEADER_LEN + 4 + encoded.len() + mp_len;
    // Room for at least one /128 prefix.
    if fixed + 17 > MAX_MESSAGE_LEN {
        return Err(EncodeError::AttributesTooLong(encoded.len()));
    }
    let mut n = 0;
    for batch in batches(prefixes, MAX_MESSAGE_LEN - fixed) {
        let at = start_message(out, MessageType::Update);
        put_u16(out, 0);
        let a = len16_placeholder(out);
        if let Some((family, nh)) = mp {
            put_attr(out, flag::OPTIONAL, MP_REACH_NLRI, |o| {
                mp::encode_reach_head(o, family, &nh);
                batch.iter().for_each(|p| nlri::encode_prefix(o, p));
            });
        }
        out.extend_from_slice(encoded);
        patch_u16_len(out, a);
        if mp.is_none() {
            batch.iter().for_each(|p| nlri::encode_prefix(out, p));
        }
        finish_message(out, at)?;
        n += 1;
    }
    Ok(n)
}

/// Splits `prefixes` into runs whose encoding fits `room` bytes each.
fn batches<'a, 'b>(
    prefixes: &'b [&'a IpNet],
    room: usize,
) -> impl Iterator<Item = &'b [&'a IpNet]> {
    let mut rest = prefixes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut used = 0;
        let mut n = 0;
        for p in rest {
            let len = prefix_wire_len(p);
            if used + len > room && n > 0 {
                break;
            }
            used += len;
            n += 1;
        }
        let (batch, tail) = rest.split_at(n);
        rest = tail;
        Some(batch)
    })
}
