//! RFC 7606 decisions, one test per rule with the exact bytes: treat-as-withdraw,
//! attribute discard, session reset (with the NOTIFICATION it calls for).

mod packet_support;

use ipnet::IpNet;
use lsys_bgp::packet::*;
use packet_support::*;

const ORIGIN: &str = "40 01 01 00";
const AS_PATH: &str = "40 02 06 02 01 0000fde9";
const NEXT_HOP: &str = "40 03 04 0a000001";
const NLRI: &str = "18 c00002";

/// An UPDATE with no withdrawals, the given attributes (Total Path Attribute Length
/// counted here) and NLRI.
fn update(attrs: &[&str], nlri: &str) -> Vec<u8> {
    let a = hex(&attrs.concat());
    message(
        2,
        &format!("0000 {:04x} {} {nlri}", a.len(), attrs.concat()),
    )
}

fn decode(bytes: &[u8], ctx: &CodecContext) -> Update {
    match Message::from_bytes(bytes, ctx) {
        Ok(Message::Update(u)) => u,
        other => panic!("expected an UPDATE, got {other:?}"),
    }
}

fn reset(bytes: &[u8], ctx: &CodecContext) -> Notification {
    match Message::from_bytes(bytes, ctx) {
        Err(e) => e.notification(),
        Ok(m) => panic!("expected a session reset, got {m:?}"),
    }
}

fn one_issue(u: &Update, code: u8, action: Action, fault: AttrFault) {
    assert_eq!(
        u.issues,
        vec![AttrIssue {
            code,
            action,
            fault
        }]
    );
}

/// The UPDATE is withdrawn: nothing announced, its NLRI withdrawn.
fn withdrawn(u: Update) {
    assert_eq!(u.verdict(), Verdict::TreatAsWithdraw);
    let changes = u.into_changes(&mut AttrInterner::new());
    assert!(changes.announced.is_empty());
    assert_eq!(
        changes.withdrawn,
        vec!["192.0.2.0/24".parse::<IpNet>().unwrap()]
    );
}

// ---- treat-as-withdraw -------------------------------------------------------------

#[test]
fn origin_with_an_undefined_value_or_bad_length() {
    let u = decode(
        &update(&["40 01 01 03", AS_PATH, NEXT_HOP], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 1, Action::TreatAsWithdraw, AttrFault::Value(3));
    assert_eq!(
        u.issues[0].to_string(),
        "ORIGIN: bad value 3 (treat-as-withdraw)"
    );
    withdrawn(u);
    let u = decode(
        &update(&["40 01 02 0000", AS_PATH, NEXT_HOP], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 1, Action::TreatAsWithdraw, AttrFault::Length(2));
    withdrawn(u);
}

#[test]
fn malformed_as_path_segments() {
    for (attr, fault) in [
        ("40 02 02 02 00", AsPathFault::EmptySegment),
        ("40 02 06 07 01 0000fde9", AsPathFault::SegmentType(7)),
        ("40 02 06 02 02 0000fde9", AsPathFault::Overrun),
        ("40 02 07 02 01 0000fde9 02", AsPathFault::Underrun),
    ] {
        let u = decode(&update(&[ORIGIN, attr, NEXT_HOP], NLRI), &NEW_EBGP);
        one_issue(&u, 2, Action::TreatAsWithdraw, AttrFault::AsPath(fault));
        withdrawn(u);
    }
}

#[test]
fn next_hop_med_local_pref_with_bad_lengths() {
    let u = decode(
        &update(&[ORIGIN, AS_PATH, "40 03 05 0a00000100"], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 3, Action::TreatAsWithdraw, AttrFault::Length(5));
    withdrawn(u);
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "80 04 03 000064"], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 4, Action::TreatAsWithdraw, AttrFault::Length(3));
    withdrawn(u);
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "40 05 02 0064"], NLRI),
        &NEW_IBGP,
    );
    one_issue(&u, 5, Action::TreatAsWithdraw, AttrFault::Length(2));
    withdrawn(u);
}

#[test]
fn community_lists_with_bad_lengths() {
    for (attr, code, len) in [
        ("c0 08 03 fde900", 8, 3),
        ("c0 08 00", 8, 0),
        ("c0 10 07 00020000fde900", 16, 7),
        ("c0 20 0b 0000fde9 00000001 000000", 32, 11),
    ] {
        let u = decode(&update(&[ORIGIN, AS_PATH, NEXT_HOP, attr], NLRI), &NEW_EBGP);
        one_issue(&u, code, Action::TreatAsWithdraw, AttrFault::Length(len));
        withdrawn(u);
    }
}

#[test]
fn route_reflection_attributes_from_an_internal_peer_with_bad_lengths() {
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "80 09 03 0a0000"], NLRI),
        &NEW_IBGP,
    );
    one_issue(&u, 9, Action::TreatAsWithdraw, AttrFault::Length(3));
    withdrawn(u);
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "80 0a 05 0a00000101"], NLRI),
        &NEW_IBGP,
    );
    one_issue(&u, 10, Action::TreatAsWithdraw, AttrFault::Length(5));
    withdrawn(u);
}

#[test]
fn optional_and_transitive_bits_in_conflict() {
    // §3.c: ORIGIN sent as optional transitive, MED as well-known.
    let u = decode(
        &update(&["c0 01 01 00", AS_PATH, NEXT_HOP], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 1, Action::TreatAsWithdraw, AttrFault::Flags(0xc0));
    withdrawn(u);
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "40 04 04 00000064"], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 4, Action::TreatAsWithdraw, AttrFault::Flags(0x40));
    withdrawn(u);
    // The Partial bit and the low four bits are not checked.
    let u = decode(
        &update(&["6f 01 01 00", AS_PATH, NEXT_HOP], NLRI),
        &NEW_EBGP,
    );
    assert_eq!(u.verdict(), Verdict::Good);
}

#[test]
fn missing_well_known_attributes_with_nlri() {
    // §3.d: NEXT_HOP missing with body NLRI.
    let u = decode(&update(&[ORIGIN, AS_PATH], NLRI), &NEW_EBGP);
    one_issue(&u, 3, Action::TreatAsWithdraw, AttrFault::Missing);
    withdrawn(u);
    let u = decode(&update(&[ORIGIN, NEXT_HOP], NLRI), &NEW_EBGP);
    one_issue(&u, 2, Action::TreatAsWithdraw, AttrFault::Missing);
    withdrawn(u);
    // MP_REACH_NLRI needs no NEXT_HOP attribute (RFC 4760).
    let mp = "80 0e 0d 0001 01 04 0a000001 00 18 c00002";
    let u = decode(&update(&[mp, ORIGIN, AS_PATH], ""), &NEW_EBGP);
    assert_eq!(u.verdict(), Verdict::Good);
}

#[test]
fn attribute_length_overruns_the_attribute_list() {
    // §4: the last attribute claims 10 bytes, 4 remain; the NLRI is still found through
    // the Total Path Attribute Length and withdrawn.
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "c0 08 0a 0000fde9"], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 8, Action::TreatAsWithdraw, AttrFault::Overrun);
    withdrawn(u);
    // §4: two bytes left, not enough for an attribute header.
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "c0 08"], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 0, Action::TreatAsWithdraw, AttrFault::Overrun);
    withdrawn(u);
}

#[test]
fn the_strongest_action_wins() {
    // §3.h: a discard and a treat-as-withdraw in one UPDATE.
    let u = decode(
        &update(
            &[ORIGIN, AS_PATH, NEXT_HOP, "40 06 01 00", "c0 08 03 000000"],
            NLRI,
        ),
        &NEW_EBGP,
    );
    assert_eq!(u.issues.len(), 2);
    withdrawn(u);
}

// ---- attribute discard ---------------------------------------------------------------

fn discarded(u: &Update) {
    assert_eq!(u.verdict(), Verdict::AttributesDiscarded);
    let changes = u.clone().into_changes(&mut AttrInterner::new());
    assert_eq!(changes.announced.len(), 1);
    assert!(changes.withdrawn.is_empty());
}

#[test]
fn atomic_aggregate_and_aggregator_with_bad_lengths() {
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "40 06 01 00"], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 6, Action::Discard, AttrFault::Length(1));
    assert!(!u.attrs.atomic_aggregate);
    discarded(&u);
    // 6 bytes on a 4-octet session (8 expected).
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "c0 07 06 fde9 0a000001"], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 7, Action::Discard, AttrFault::Length(6));
    assert_eq!(u.attrs.aggregator, None);
    discarded(&u);
}

#[test]
fn ibgp_attributes_from_an_external_peer() {
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "40 05 04 00000064"], NLRI),
        &NEW_EBGP,
    );
    one_issue(&u, 5, Action::Discard, AttrFault::FromExternalPeer);
    assert_eq!(u.attrs.local_pref, None);
    discarded(&u);
    let u = decode(
        &update(
            &[
                ORIGIN,
                AS_PATH,
                NEXT_HOP,
                "80 09 04 0a000002",
                "80 0a 04 0a000003",
            ],
            NLRI,
        ),
        &NEW_EBGP,
    );
    assert_eq!(u.issues.len(), 2);
    assert!(u
        .issues
        .iter()
        .all(|i| i.action == Action::Discard && i.fault == AttrFault::FromExternalPeer));
    discarded(&u);
    // The same from an internal peer is kept.
    let u = decode(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "40 05 04 00000064"], NLRI),
        &NEW_IBGP,
    );
    assert_eq!(
        (u.verdict(), u.attrs.local_pref),
        (Verdict::Good, Some(100))
    );
}

#[test]
fn duplicates_keep_the_first() {
    // §3.g: MED twice: the second is discarded.
    let u = decode(
        &update(
            &[
                ORIGIN,
                AS_PATH,
                NEXT_HOP,
                "80 04 04 00000001",
                "80 04 04 00000002",
            ],
            NLRI,
        ),
        &NEW_EBGP,
    );
    one_issue(&u, 4, Action::Discard, AttrFault::Duplicate);
    assert_eq!(u.attrs.med, Some(1));
    discarded(&u);
}

#[test]
fn malformed_as4_attributes_on_a_two_byte_session() {
    let old_path = "40 02 04 02 01 fde9";
    let u = decode(
        &update(
            &[ORIGIN, old_path, NEXT_HOP, "c0 12 06 fde9 0a000001"],
            NLRI,
        ),
        &OLD_EBGP,
    );
    one_issue(&u, 18, Action::Discard, AttrFault::Length(6));
    discarded(&u);
    let u = decode(
        &update(
            &[ORIGIN, old_path, NEXT_HOP, "c0 11 06 03 01 0000fde9"],
            NLRI,
        ),
        &OLD_EBGP,
    );
    one_issue(
        &u,
        17,
        Action::Discard,
        AttrFault::AsPath(AsPathFault::ConfedInAs4Path),
    );
    discarded(&u);
}

#[test]
fn unknown_optional_attributes() {
    // Non-transitive (code 99): quietly dropped. Transitive (code 100): kept, Partial set.
    let u = decode(
        &update(
            &[ORIGIN, AS_PATH, NEXT_HOP, "80 63 01 aa", "c0 64 02 bbcc"],
            NLRI,
        ),
        &NEW_EBGP,
    );
    assert_eq!(u.verdict(), Verdict::Good);
    assert_eq!(
        u.attrs.unknown,
        vec![RawAttr {
            flags: 0xe0,
            code: 100,
            value: vec![0xbb, 0xcc]
        }]
    );
    let again = Message::Update(u).encode(&NEW_EBGP).unwrap();
    assert!(again.ends_with(&hex("e0 64 02 bbcc 18 c00002")));
}

#[test]
fn mp_reach_of_a_family_not_negotiated() {
    // AFI 1 SAFI 128 (VPNv4): discarded; the body NLRI are fine.
    let mp = "80 0e 05 0001 80 00 00";
    let u = decode(&update(&[mp, ORIGIN, AS_PATH, NEXT_HOP], NLRI), &NEW_EBGP);
    one_issue(
        &u,
        14,
        Action::Discard,
        AttrFault::UnsupportedFamily(Family::new(Afi(1), Safi(128))),
    );
    discarded(&u);
}

#[test]
fn discard_only_errors_without_nlri_are_fine() {
    // §5.2 only escalates errors stronger than attribute discard.
    let bytes = message(2, "0004 18 c00002 0004 40 06 01 00");
    let u = decode(&bytes, &NEW_EBGP);
    one_issue(&u, 6, Action::Discard, AttrFault::Length(1));
}

// ---- session reset ---------------------------------------------------------------------

#[test]
fn mp_reach_twice() {
    let mp = "80 0e 0d 0001 01 04 0a000001 00 18 c00002";
    let n = reset(&update(&[mp, mp, ORIGIN, AS_PATH], ""), &NEW_EBGP);
    assert_eq!(
        n,
        Notification {
            code: 3,
            subcode: 1,
            data: vec![]
        }
    );
    assert_eq!(
        Message::Notification(n).encode(&NEW_EBGP).unwrap(),
        message(3, "03 01")
    );
}

#[test]
fn mp_reach_with_a_bad_next_hop_length_or_nlri() {
    let bad_nh = "80 0e 0d 0002 01 04 0a000001 00 18 c00002";
    let n = reset(&update(&[bad_nh, ORIGIN, AS_PATH], ""), &NEW_EBGP);
    assert_eq!((n.code, n.subcode, n.data.clone()), (3, 9, hex(bad_nh)));
    let bad_len = "80 0e 0a 0001 01 04 0a000001 00 21";
    let n = reset(&update(&[bad_len, ORIGIN, AS_PATH], ""), &NEW_EBGP);
    assert_eq!((n.code, n.subcode), (3, 9));
    let short = "80 0f 02 0002";
    let n = reset(&update(&[short], ""), &NEW_EBGP);
    assert_eq!((n.code, n.subcode, n.data.clone()), (3, 9, hex(short)));
    // MP_UNREACH_NLRI sent as well-known: flags error.
    let flags = "40 0f 03 0002 01";
    let n = reset(&update(&[flags], ""), &NEW_EBGP);
    assert_eq!((n.code, n.subcode, n.data.clone()), (3, 4, hex(flags)));
}

#[test]
fn nlri_that_cannot_be_parsed() {
    let n = reset(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP], "21 c0000201 00"),
        &NEW_EBGP,
    );
    assert_eq!((n.code, n.subcode), (3, 10));
    let n = reset(&update(&[ORIGIN, AS_PATH, NEXT_HOP], "18 c000"), &NEW_EBGP);
    assert_eq!((n.code, n.subcode), (3, 10));
    // Withdrawn routes are checked the same way (§3.i).
    let n = reset(&message(2, "0002 20 0a 0000"), &NEW_EBGP);
    assert_eq!((n.code, n.subcode), (3, 10));
}

#[test]
fn lengths_that_exceed_the_message() {
    // §3.b: Withdrawn Routes Length + Total Attribute Length + 23 > message length.
    let n = reset(&message(2, "0005 18 c00002 0000"), &NEW_EBGP);
    assert_eq!(
        n,
        Notification {
            code: 3,
            subcode: 1,
            data: vec![]
        }
    );
    let n = reset(&message(2, "0000 0008 40 01 01 00"), &NEW_EBGP);
    assert_eq!((n.code, n.subcode), (3, 1));
}

#[test]
fn unrecognized_well_known_attribute() {
    let n = reset(
        &update(&[ORIGIN, AS_PATH, NEXT_HOP, "40 63 01 aa"], NLRI),
        &NEW_EBGP,
    );
    assert_eq!(
        (n.code, n.subcode, n.data.clone()),
        (3, 2, hex("40 63 01 aa"))
    );
}

#[test]
fn attribute_errors_without_reachable_nlri() {
    // §5.2: withdrawals and a bad ORIGIN: reset, Invalid ORIGIN Attribute.
    let bytes = message(2, "0004 18 c00002 0004 40 01 01 03");
    let n = reset(&bytes, &NEW_EBGP);
    assert_eq!(
        (n.code, n.subcode, n.data.clone()),
        (3, 6, hex("40 01 01 03"))
    );
    assert_eq!(
        n.to_string(),
        "Update Message Error: Invalid ORIGIN Attribute"
    );
    // A bad COMMUNITIES length: Attribute Length Error.
    let n = reset(&update(&["c0 08 03 000000"], ""), &NEW_EBGP);
    assert_eq!(
        (n.code, n.subcode, n.data.clone()),
        (3, 5, hex("c0 08 03 000000"))
    );
}

// ---- fine --------------------------------------------------------------------------------

#[test]
fn withdrawals_without_attributes_are_fine() {
    let u = decode(&message(2, "0004 18 c00002 0000"), &NEW_EBGP);
    assert_eq!(u.verdict(), Verdict::Good);
    let changes = u.into_changes(&mut AttrInterner::new());
    assert_eq!(
        changes.withdrawn,
        vec!["192.0.2.0/24".parse::<IpNet>().unwrap()]
    );
}
