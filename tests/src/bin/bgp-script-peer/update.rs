//! The UPDATEs the script peer sends: a valid one built with lsys-bgp's encoder, and the same
//! bytes with one RFC 7606 treat-as-withdraw fault patched in.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use lsys_bgp::packet::attr::{code, flag};
use lsys_bgp::packet::{AsPath, Attrs, CodecContext, Message, NextHop, Origin, Update, HEADER_LEN};

/// The path attributes of every route we announce.
fn attrs(asn: u32, local: Ipv4Addr) -> Attrs {
    Attrs {
        origin: Some(Origin::Igp),
        as_path: Some(AsPath::from_sequence([asn])),
        next_hop: Some(NextHop::V4(local)),
        ..Attrs::default()
    }
}

/// A valid UPDATE announcing `prefix`: ORIGIN IGP, AS_PATH [asn], NEXT_HOP local.
pub(crate) fn valid_update(
    ctx: &CodecContext,
    asn: u32,
    local: Ipv4Addr,
    prefix: Ipv4Net,
) -> Vec<u8> {
    let update = Update {
        attrs: attrs(asn, local),
        nlri: vec![prefix.trunc()],
        ..Update::default()
    };
    // Three attributes and one prefix always fit in 4096 bytes.
    Message::Update(update)
        .encode(ctx)
        .expect("a one-prefix UPDATE")
}

/// Where the ORIGIN attribute starts in [`valid_update`]'s bytes: after the header, the empty
/// Withdrawn Routes (length 0) and the Total Path Attribute Length; the encoder writes the
/// attributes in type-code order, so ORIGIN (type 1) comes first.
const ORIGIN_AT: usize = HEADER_LEN + 2 + 2;

/// [`valid_update`] with its ORIGIN value patched to 7, the only fault. RFC 7606 §7.1: an
/// ORIGIN whose value is undefined (only 0 IGP, 1 EGP, 2 INCOMPLETE are) is handled by
/// treat-as-withdraw: the receiver withdraws `prefix` and keeps the session up (RFC 4271 would
/// have reset it with UPDATE Message Error / Invalid ORIGIN Attribute, 3/6).
pub(crate) fn malformed_update(
    ctx: &CodecContext,
    asn: u32,
    local: Ipv4Addr,
    prefix: Ipv4Net,
) -> Vec<u8> {
    let mut bytes = valid_update(ctx, asn, local, prefix);
    // flags (well-known transitive), type ORIGIN, length 1, then the value.
    let head = [flag::TRANSITIVE, code::ORIGIN, 1];
    assert_eq!(bytes[ORIGIN_AT..ORIGIN_AT + 3], head, "ORIGIN comes first");
    bytes[ORIGIN_AT + 3] = 7;
    bytes
}

#[cfg(test)]
mod tests {
    use ipnet::IpNet;
    use lsys_bgp::packet::{Action, AttrFault, AttrInterner, Verdict};

    use super::*;

    const LOCAL: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 0);

    fn decode(bytes: &[u8], ctx: &CodecContext) -> Update {
        match Message::from_bytes(bytes, ctx) {
            Ok(Message::Update(u)) => u,
            other => panic!("not an UPDATE: {other:?}"),
        }
    }

    fn prefix() -> Ipv4Net {
        "192.0.2.0/24".parse().unwrap()
    }

    #[test]
    fn the_valid_update_decodes_clean() {
        for four_octet_as in [true, false] {
            let ctx = CodecContext {
                four_octet_as,
                ibgp: false,
            };
            let u = decode(&valid_update(&ctx, 65000, LOCAL, prefix()), &ctx);
            assert_eq!(u.verdict(), Verdict::Good);
            let changes = u.into_changes(&mut AttrInterner::new());
            assert!(changes.withdrawn.is_empty());
            assert_eq!(changes.announced.len(), 1);
            assert_eq!(changes.announced[0].0, IpNet::V4(prefix()));
            assert_eq!(*changes.announced[0].1, attrs(65000, LOCAL));
        }
    }

    #[test]
    fn the_malformed_update_is_treat_as_withdraw_for_its_prefix() {
        for four_octet_as in [true, false] {
            let ctx = CodecContext {
                four_octet_as,
                ibgp: false,
            };
            let good = valid_update(&ctx, 65000, LOCAL, prefix());
            let bad = malformed_update(&ctx, 65000, LOCAL, prefix());
            // One byte differs: the ORIGIN value.
            let diff: Vec<usize> = (0..good.len()).filter(|&i| good[i] != bad[i]).collect();
            assert_eq!((good.len(), diff), (bad.len(), vec![ORIGIN_AT + 3]));
            let u = decode(&bad, &ctx);
            assert_eq!(u.verdict(), Verdict::TreatAsWithdraw);
            assert_eq!(u.issues.len(), 1, "{:?}", u.issues);
            let issue = u.issues[0];
            assert_eq!(
                (issue.code, issue.action, issue.fault),
                (code::ORIGIN, Action::TreatAsWithdraw, AttrFault::Value(7))
            );
            let changes = u.into_changes(&mut AttrInterner::new());
            assert_eq!(changes.withdrawn, vec![IpNet::V4(prefix())]);
            assert!(changes.announced.is_empty());
        }
    }
}
