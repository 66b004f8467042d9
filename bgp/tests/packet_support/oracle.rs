//! The differential oracle: bgpkit-parser, an independent BGP decoder/encoder.
//!
//! `agree` compares our decoded (or to-be-encoded) message with what bgpkit-parser reads
//! from the same bytes, field by field. Shared by tests/packet_oracle.rs and the
//! `bgp_differential` fuzz target (included there by path).
#![allow(dead_code)]

use bgpkit_parser::models as bk;
use bgpkit_parser::parser::bgp::parse_bgp_message;
use ipnet::IpNet;
use lsys_bgp::packet::*;

pub fn asn_len(ctx: &CodecContext) -> bk::AsnLength {
    if ctx.four_octet_as {
        bk::AsnLength::Bits32
    } else {
        bk::AsnLength::Bits16
    }
}

/// bgpkit-parser's reading of one message.
pub fn parse(bytes: &[u8], ctx: &CodecContext) -> Result<bk::BgpMessage, String> {
    let mut b = bytes::Bytes::copy_from_slice(bytes);
    parse_bgp_message(&mut b, false, &asn_len(ctx)).map_err(|e| e.to_string())
}

/// bgpkit-parser's encoding of a message it holds.
pub fn encode(msg: &bk::BgpMessage, ctx: &CodecContext) -> Result<Vec<u8>, String> {
    msg.encode(asn_len(ctx))
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string())
}

macro_rules! same {
    ($what:expr, $ours:expr, $theirs:expr) => {{
        let (o, t) = (&$ours, &$theirs);
        if o != t {
            return Err(format!("{}: ours {:?}, bgpkit {:?}", $what, o, t));
        }
    }};
}

/// Our message and bgpkit-parser's agree on every field both model.
pub fn agree(ours: &Message, theirs: &bk::BgpMessage, ctx: &CodecContext) -> Result<(), String> {
    match (ours, theirs) {
        (Message::Keepalive, bk::BgpMessage::KeepAlive) => Ok(()),
        (Message::Open(o), bk::BgpMessage::Open(t)) => open(o, t),
        (Message::Update(o), bk::BgpMessage::Update(t)) => update(o, t, ctx),
        (Message::Notification(o), bk::BgpMessage::Notification(t)) => {
            same!(
                "notification codes",
                (o.code, o.subcode),
                t.error.get_codes()
            );
            same!("notification data", o.data, t.data);
            Ok(())
        }
        (Message::RouteRefresh(o), bk::BgpMessage::RouteRefresh(t)) => {
            same!(
                "route refresh",
                (o.family.afi.0, u8::from(o.subtype), o.family.safi.0),
                (t.afi, t.subtype, t.safi)
            );
            Ok(())
        }
        (o, t) => Err(format!("different messages: ours {o:?}, bgpkit {t:?}")),
    }
}

/// Code and value bytes of our capability, as our encoder writes them.
fn cap_bytes(c: &Capability) -> (u8, Vec<u8>) {
    let open = Open {
        my_as: 1,
        hold_time: 0,
        bgp_id: [1, 1, 1, 1].into(),
        capabilities: vec![c.clone()],
    };
    let bytes = Message::Open(open)
        .encode(&CodecContext::default())
        .expect("one capability encodes");
    (bytes[31], bytes[33..].to_vec())
}

fn open(o: &Open, t: &bk::BgpOpenMessage) -> Result<(), String> {
    same!("version", 4, t.version);
    same!("my AS", u32::from(o.my_as), u32::from(t.asn));
    same!("hold time", o.hold_time, t.hold_time);
    same!("BGP identifier", o.bgp_id, t.bgp_identifier);
    let mut theirs = Vec::new();
    for p in &t.opt_params {
        same!("parameter type", 2, p.param_type);
        let bk::ParamValue::Capacities(caps) = &p.param_value else {
            return Err(format!("parameter not read as capabilities: {p:?}"));
        };
        theirs.extend(caps.iter());
    }
    same!("capability count", o.capabilities.len(), theirs.len());
    for (c, tc) in o.capabilities.iter().zip(theirs) {
        let (code, value) = cap_bytes(c);
        same!("capability code", code, u8::from(tc.ty));
        use bk::CapabilityValue as V;
        let tv = match &tc.value {
            V::Raw(v) => v.clone(),
            V::MultiprotocolExtensions(m) => {
                let Capability::Multiprotocol(f) = c else {
                    return Err(format!("{c:?} vs {m:?}"));
                };
                same!(
                    "MP family",
                    (f.afi.0, f.safi.0),
                    (m.afi as u16, m.safi as u8)
                );
                m.encode().to_vec()
            }
            V::FourOctetAs(a) => {
                same!("4-octet AS", Capability::FourOctetAs(a.asn), *c);
                a.encode().to_vec()
            }
            V::RouteRefresh(r) => r.encode().to_vec(),
            V::GracefulRestart(g) => {
                let Capability::GracefulRestart(gr) = c else {
                    return Err(format!("{c:?} vs {g:?}"));
                };
                same!(
                    "GR restart bit and time",
                    (gr.flags & 8 != 0, gr.time),
                    (g.restart_state, g.restart_time)
                );
                let fams: Vec<_> = gr
                    .families
                    .iter()
                    .map(|(f, fl)| (f.afi.0, f.safi.0, fl & 0x80 != 0))
                    .collect();
                let tf: Vec<_> = g
                    .address_families
                    .iter()
                    .map(|a| (a.afi as u16, a.safi as u8, a.forwarding_state))
                    .collect();
                same!("GR families", fams, tf);
                // bgpkit keeps only the R and F bits: the typed fields above are the check.
                continue;
            }
            V::AddPath(a) => {
                let Capability::AddPath(ap) = c else {
                    return Err(format!("{c:?} vs {a:?}"));
                };
                let fams: Vec<_> = ap
                    .iter()
                    .map(|x| (x.family.afi.0, x.family.safi.0, x.send_receive))
                    .collect();
                let tf: Vec<_> = a
                    .address_families
                    .iter()
                    .map(|x| (x.afi as u16, x.safi as u8, x.send_receive as u8))
                    .collect();
                same!("add-path families", fams, tf);
                a.encode().to_vec()
            }
            // Capabilities we keep as bytes that bgpkit types (not always losslessly):
            // the code is all both model.
            V::ExtendedNextHop(_) | V::BgpExtendedMessage(_) | V::BgpRole(_) => continue,
        };
        let mut tv = tv;
        if code == 1 && tv.len() == 4 {
            // The Multiprotocol capability's reserved byte: ignored on receipt, 0 on send.
            tv[2] = 0;
        }
        same!(format!("capability {code} value"), value, tv);
    }
    Ok(())
}

/// bgpkit keeps the trailing bits of a prefix's last octet; RFC 4271 calls them
/// irrelevant and we clear them, so compare their prefixes truncated.
fn prefixes(p: &[bk::NetworkPrefix]) -> Vec<IpNet> {
    p.iter().map(|x| x.prefix.trunc()).collect()
}

fn v4(p: &[ipnet::Ipv4Net]) -> Vec<IpNet> {
    p.iter().map(|x| IpNet::V4(*x)).collect()
}

/// Segments as (type, ASNs), bgpkit's way round.
fn segs(p: &AsPath) -> Vec<(u8, Vec<u32>)> {
    p.segments
        .iter()
        .map(|s| (s.kind as u8, s.asns.clone()))
        .collect()
}

fn their_segs(p: &bk::AsPath) -> Vec<(u8, Vec<u32>)> {
    p.segments
        .iter()
        .map(|s| {
            let (t, v) = match s {
                bk::AsPathSegment::AsSet(v) => (1, v),
                bk::AsPathSegment::AsSequence(v) => (2, v),
                bk::AsPathSegment::ConfedSequence(v) => (3, v),
                bk::AsPathSegment::ConfedSet(v) => (4, v),
            };
            (t, v.iter().map(|a| u32::from(*a)).collect())
        })
        .collect()
}

/// Adjacent AS_SEQUENCEs joined (bgpkit's merge joins them; the path is the same).
fn coalesce(segments: Vec<(u8, Vec<u32>)>) -> Vec<(u8, Vec<u32>)> {
    let mut out: Vec<(u8, Vec<u32>)> = Vec::new();
    for (t, v) in segments {
        match out.last_mut() {
            Some((2, prev)) if t == 2 => prev.extend(v),
            _ => out.push((t, v)),
        }
    }
    out
}

fn next_hop(n: &NextHop) -> bk::NextHopAddress {
    match *n {
        NextHop::V4(a) => bk::NextHopAddress::Ipv4(a),
        NextHop::V6 {
            global,
            link_local: None,
        } => bk::NextHopAddress::Ipv6(global),
        NextHop::V6 {
            global,
            link_local: Some(ll),
        } => bk::NextHopAddress::Ipv6LinkLocal(global, ll),
    }
}

fn community(c: &bk::Community) -> u32 {
    match c {
        bk::Community::NoExport => Community::NO_EXPORT.0,
        bk::Community::NoAdvertise => Community::NO_ADVERTISE.0,
        bk::Community::NoExportSubConfed => Community::NO_EXPORT_SUBCONFED.0,
        bk::Community::Custom(asn, v) => (u32::from(*asn) << 16) | u32::from(*v),
    }
}

/// The value bytes of a bgpkit attribute, as bgpkit encodes it.
fn their_value(a: &bk::Attribute, ctx: &CodecContext) -> Result<Vec<u8>, String> {
    let b = a.encode(asn_len(ctx)).map_err(|e| e.to_string())?;
    let header = if b[0] & 0x10 != 0 { 4 } else { 3 };
    Ok(b[header..].to_vec())
}

fn update(o: &Update, t: &bk::BgpUpdateMessage, ctx: &CodecContext) -> Result<(), String> {
    same!(
        "withdrawn",
        v4(&o.withdrawn),
        prefixes(&t.withdrawn_prefixes)
    );
    same!("NLRI", v4(&o.nlri), prefixes(&t.announced_prefixes));
    let a = &o.attrs;
    let mut seen = Vec::new();
    let mut their_as4_path = None;
    let mut their_as_path = None;
    let mut their_as4_agg = None;
    let mut their_agg = None;
    let mut unknown = Vec::new();
    use bk::AttributeValue as V;
    for attr in t.attributes.clone().into_attributes_iter() {
        let code = u8::from(attr.value.attr_type());
        match attr.value.clone() {
            V::Origin(x) => same!("ORIGIN", a.origin.map(|o| o as u8), Some(x as u8)),
            V::AsPath(p) => their_as_path = Some(p.clone()),
            V::As4Path(p) => their_as4_path = Some(p.clone()),
            V::NextHop(n) => same!(
                "NEXT_HOP",
                a.next_hop.map(|n| next_hop(&n)),
                Some(bk::NextHopAddress::from(n))
            ),
            V::MultiExitDiscriminator(m) => same!("MED", a.med, Some(m)),
            V::LocalPreference(l) => same!("LOCAL_PREF", a.local_pref, Some(l)),
            V::AtomicAggregate => same!("ATOMIC_AGGREGATE", a.atomic_aggregate, true),
            V::Aggregator { asn, id } => their_agg = Some((u32::from(asn), id)),
            V::As4Aggregator { asn, id } => their_as4_agg = Some((u32::from(asn), id)),
            V::Communities(c) => {
                same!(
                    "COMMUNITIES",
                    a.communities.iter().map(|c| c.0).collect::<Vec<_>>(),
                    c.iter().map(community).collect::<Vec<_>>()
                )
            }
            V::ExtendedCommunities(_) => {
                let ours: Vec<u8> = a.ext_communities.iter().flat_map(|c| c.0).collect();
                same!("EXTENDED_COMMUNITIES", ours, their_value(&attr, ctx)?);
            }
            V::LargeCommunities(l) => same!(
                "LARGE_COMMUNITY",
                a.large_communities
                    .iter()
                    .map(|c| (c.global, c.local1, c.local2))
                    .collect::<Vec<_>>(),
                l.iter()
                    .map(|c| (c.global_admin, c.local_data[0], c.local_data[1]))
                    .collect::<Vec<_>>()
            ),
            V::OriginatorId(id) => same!("ORIGINATOR_ID", a.originator_id, Some(id)),
            V::Clusters(c) => same!(
                "CLUSTER_LIST",
                a.cluster_list
                    .iter()
                    .map(|x| u32::from(*x))
                    .collect::<Vec<_>>(),
                c
            ),
            V::MpReachNlri(n) => {
                let Some(m) = &o.mp_reach else {
                    return Err(format!("bgpkit read an MP_REACH_NLRI: {n:?}"));
                };
                same!(
                    "MP_REACH family",
                    (m.family.afi.0, m.family.safi.0),
                    (n.afi as u16, n.safi as u8)
                );
                same!("MP_REACH next hop", Some(next_hop(&m.next_hop)), n.next_hop);
                same!("MP_REACH NLRI", m.nlri, prefixes(&n.prefixes));
            }
            V::MpUnreachNlri(n) => {
                let Some(m) = &o.mp_unreach else {
                    return Err(format!("bgpkit read an MP_UNREACH_NLRI: {n:?}"));
                };
                same!(
                    "MP_UNREACH family",
                    (m.family.afi.0, m.family.safi.0),
                    (n.afi as u16, n.safi as u8)
                );
                same!("MP_UNREACH NLRI", m.withdrawn, prefixes(&n.prefixes));
            }
            // Attributes we do not know: kept if transitive, dropped otherwise (RFC 4271
            // §9). bgpkit types some of them (OTC, AIGP, BGP-LS, ...), not always
            // losslessly: for those only code and flags are compared.
            V::Unknown(raw) | V::Deprecated(raw) | V::Raw(raw) if attr.flag.bits() & 0x40 != 0 => {
                unknown.push((
                    attr.flag.bits() & 0xe0 | 0x20,
                    raw.code,
                    Some(raw.bytes.to_vec()),
                ))
            }
            _ if attr.flag.bits() & 0x40 == 0 => continue,
            _ => unknown.push((attr.flag.bits() & 0xe0 | 0x20, code, None)),
        }
        seen.push(code);
    }
    let ours_unknown: Vec<_> = a
        .unknown
        .iter()
        .zip(&unknown)
        .map(|(u, (_, _, v))| (u.flags, u.code, v.as_ref().map(|_| u.value.clone())))
        .collect();
    same!("unknown attribute count", a.unknown.len(), unknown.len());
    same!("unknown attributes", ours_unknown, unknown);
    // Presence: every attribute we hold was read by bgpkit.
    let present = [
        (1, a.origin.is_some()),
        (3, matches!(a.next_hop, Some(NextHop::V4(_)))),
        (4, a.med.is_some()),
        (5, a.local_pref.is_some()),
        (6, a.atomic_aggregate),
        (8, !a.communities.is_empty()),
        (9, a.originator_id.is_some()),
        (10, !a.cluster_list.is_empty()),
        (14, o.mp_reach.is_some()),
        (15, o.mp_unreach.is_some()),
        (16, !a.ext_communities.is_empty()),
        (32, !a.large_communities.is_empty()),
    ];
    for (code, here) in present {
        same!(
            format!("attribute {code} present"),
            here,
            seen.contains(&code)
        );
    }
    // AS_PATH and AGGREGATOR, through AS4_PATH / AS4_AGGREGATOR on a 2-byte session
    // (RFC 6793 §4.2.3): what we hold must be what bgpkit's attributes stand for.
    let their_agg_is_trans = their_agg.is_some_and(|(asn, _)| asn == u32::from(AS_TRANS));
    let use_as4 = !ctx.four_octet_as && (their_agg.is_none() || their_agg_is_trans);
    same!(
        "AS_PATH present",
        a.as_path.is_some(),
        their_as_path.is_some()
    );
    if let (Some(p), Some(tp)) = (&a.as_path, &their_as_path) {
        match (&their_as4_path, use_as4) {
            (Some(t4), true) => {
                // bgpkit's merge drops confederation segments when nothing else is
                // prepended (RFC 6793 §4.2.3 keeps them): put leading ones back, and skip
                // paths with confederation segments further in.
                let t = their_segs(tp);
                let lead = t.iter().take_while(|(k, _)| *k > 2).count();
                if t[lead..].iter().all(|(k, _)| *k <= 2) {
                    let rest = bk::AsPath::from_segments(tp.segments[lead..].to_vec());
                    let mut merged = t[..lead].to_vec();
                    merged.extend(their_segs(&bk::AsPath::merge_aspath_as4path(&rest, t4)));
                    same!("merged AS path", coalesce(segs(p)), coalesce(merged));
                }
            }
            _ => same!("AS_PATH", segs(p), their_segs(tp)),
        }
    }
    let expected_agg = match (their_agg, their_as4_agg) {
        (Some(_), Some(a4)) if use_as4 && their_agg_is_trans => Some(a4),
        (agg, _) => agg,
    };
    same!(
        "AGGREGATOR",
        a.aggregator.map(|g| (g.asn, g.id)),
        expected_agg
    );
    Ok(())
}

/// Whether a pair read from the same (possibly damaged) bytes should agree: our UPDATE
/// is clean, bgpkit has no validation warnings, and neither side read a prefix field
/// where bgpkit's Add-Path guess applies (a zero byte where a prefix starts).
pub fn comparable(ours: &Message, theirs: &bk::BgpMessage) -> bool {
    match (ours, theirs) {
        (Message::Update(o), bk::BgpMessage::Update(t)) => {
            let default = |v: &[IpNet]| v.iter().any(|p| p.prefix_len() == 0);
            o.issues.is_empty()
                && t.attributes.validation_warnings().is_empty()
                && !default(&v4(&o.withdrawn))
                && !default(&v4(&o.nlri))
                && !o.mp_reach.as_ref().is_some_and(|m| default(&m.nlri))
                && !o.mp_unreach.as_ref().is_some_and(|m| default(&m.withdrawn))
        }
        _ => true,
    }
}
