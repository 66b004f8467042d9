//! Byte vectors in both directions for every message kind, checked by hand against the
//! layouts of RFC 4271 §4, RFC 5492, RFC 4760, RFC 6793, RFC 2918/7313, RFC 9003.

mod packet_support;

use std::net::Ipv4Addr;

use ipnet::IpNet;
use lsys_bgp::packet::*;
use packet_support::*;

#[test]
fn keepalive() {
    let bytes = hex("ffffffff ffffffff ffffffff ffffffff 0013 04");
    assert_eq!(both_ways(&bytes, &NEW_EBGP), Message::Keepalive);
}

#[test]
fn open_with_capabilities() {
    // version 4, AS 65001, hold 180, id 10.0.0.1, one Capabilities parameter of 36 bytes:
    // MP inet-unicast, MP inet6-unicast, route refresh, enhanced route refresh,
    // 4-octet AS 65001, graceful restart (R, 120 s, inet-unicast F), add-path inet both.
    let bytes = message(
        1,
        "04 fde9 00b4 0a000001 26
         02 24
            01 04 0001 00 01
            01 04 0002 00 01
            02 00
            46 00
            41 04 0000fde9
            40 06 8078 0001 01 80
            45 04 0001 01 03",
    );
    let expected = Open {
        my_as: 65001,
        hold_time: 180,
        bgp_id: Ipv4Addr::new(10, 0, 0, 1),
        capabilities: vec![
            Capability::Multiprotocol(Family::IPV4_UNICAST),
            Capability::Multiprotocol(Family::IPV6_UNICAST),
            Capability::RouteRefresh,
            Capability::EnhancedRouteRefresh,
            Capability::FourOctetAs(65001),
            Capability::GracefulRestart(GracefulRestart {
                flags: 0x8,
                time: 120,
                families: vec![(Family::IPV4_UNICAST, 0x80)],
            }),
            Capability::AddPath(vec![AddPathFamily {
                family: Family::IPV4_UNICAST,
                send_receive: 3,
            }]),
        ],
    };
    assert_eq!(
        both_ways(&bytes, &NEW_EBGP),
        Message::Open(expected.clone())
    );
    assert_eq!(expected.asn(), 65001);
    assert_eq!(
        expected.families(),
        vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]
    );
}

#[test]
fn open_with_a_four_byte_as_and_an_unknown_capability() {
    // AS_TRANS in My AS, 4-octet AS 4200000000, capability 73 (FQDN) kept as bytes;
    // one parameter per capability, as some speakers send them.
    let bytes = message(
        1,
        "04 5ba0 005a c0000201 10 02 06 41 04 fa56ea00 02 06 49 04 01 61 01 62",
    );
    let Message::Open(open) = Message::from_bytes(&bytes, &NEW_EBGP).unwrap() else {
        panic!()
    };
    assert_eq!(open.asn(), 4_200_000_000);
    assert_eq!(
        open.capabilities[1],
        Capability::Unknown {
            code: 73,
            value: hex("01 61 01 62")
        }
    );
    // We put both capabilities in one parameter.
    assert_eq!(
        Message::Open(open).encode(&NEW_EBGP).unwrap(),
        message(
            1,
            "04 5ba0 005a c0000201 0e 02 0c 41 04 fa56ea00 49 04 01 61 01 62"
        )
    );
}

#[test]
fn update_ipv4_on_a_two_byte_session() {
    let bytes = message(
        2,
        "0000 0026
         40 01 01 00
         40 02 06 02 02 fde9 fdea
         40 03 04 0a000001
         80 04 04 00000064
         c0 08 08 fde90064 ffffff01
         18 c00002 10 0a01",
    );
    let expected = Update {
        attrs: Attrs {
            origin: Some(Origin::Igp),
            as_path: Some(AsPath::from_sequence([65001, 65002])),
            next_hop: Some(NextHop::V4(Ipv4Addr::new(10, 0, 0, 1))),
            med: Some(100),
            communities: vec![Community::new(65001, 100), Community::NO_EXPORT],
            ..Attrs::default()
        },
        nlri: vec![
            "192.0.2.0/24".parse().unwrap(),
            "10.1.0.0/16".parse().unwrap(),
        ],
        ..Update::default()
    };
    let Message::Update(u) = both_ways(&bytes, &OLD_EBGP) else {
        panic!()
    };
    assert_eq!(u, expected);
    assert_eq!(u.verdict(), Verdict::Good);
}

#[test]
fn update_ipv6_mp_reach_on_an_ibgp_session() {
    let bytes = message(
        2,
        "0000 0032
         80 0e 21 0002 01 10 20010db8000000000000000000000001 00
                  20 20010db8
                  30 20010db80001
         40 01 01 00
         40 02 00
         40 05 04 00000064",
    );
    let nh = NextHop::V6 {
        global: "2001:db8::1".parse().unwrap(),
        link_local: None,
    };
    let Message::Update(u) = both_ways(&bytes, &NEW_IBGP) else {
        panic!()
    };
    assert_eq!(
        u.mp_reach,
        Some(MpReach {
            family: Family::IPV6_UNICAST,
            next_hop: nh,
            nlri: vec![
                "2001:db8::/32".parse().unwrap(),
                "2001:db8:1::/48".parse().unwrap()
            ],
        })
    );
    assert_eq!(u.attrs.as_path, Some(AsPath::default()));
    assert_eq!(u.attrs.local_pref, Some(100));
    assert_eq!(u.mp_attrs().unwrap().next_hop, Some(nh));
    let mut interner = AttrInterner::new();
    let changes = u.into_changes(&mut interner);
    assert_eq!(changes.announced.len(), 2);
    assert_eq!(changes.announced[0].1.next_hop, Some(nh));
    assert!(std::sync::Arc::ptr_eq(
        &changes.announced[0].1,
        &changes.announced[1].1
    ));
}

#[test]
fn update_ipv6_link_local_next_hop_and_withdrawals() {
    let reach = message(
        2,
        "0000 003a
         80 0e 2a 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00
                  20 20010db8
         40 01 01 02
         40 02 06 02 01 00000001",
    );
    let Message::Update(u) = both_ways(&reach, &NEW_EBGP) else {
        panic!()
    };
    assert_eq!(
        u.mp_reach.unwrap().next_hop,
        NextHop::V6 {
            global: "2001:db8::1".parse().unwrap(),
            link_local: Some("fe80::1".parse().unwrap())
        }
    );
    let unreach = message(2, "0000 000b 80 0f 08 0002 01 20 20010db8");
    let Message::Update(u) = both_ways(&unreach, &NEW_EBGP) else {
        panic!()
    };
    assert_eq!(
        u.mp_unreach.unwrap().withdrawn,
        vec!["2001:db8::/32".parse::<IpNet>().unwrap()]
    );
    let v4 = message(2, "0007 18 c00002 10 0a01 0000");
    let Message::Update(u) = both_ways(&v4, &NEW_EBGP) else {
        panic!()
    };
    assert_eq!(u.withdrawn.len(), 2);
    assert_eq!(u.verdict(), Verdict::Good);
}

#[test]
fn end_of_rib_markers() {
    let v4 = message(2, "0000 0000");
    assert_eq!(
        Message::Update(Update::end_of_rib(Family::IPV4_UNICAST))
            .encode(&NEW_EBGP)
            .unwrap(),
        v4
    );
    let v6 = message(2, "0000 0006 80 0f 03 0002 01");
    assert_eq!(
        Message::Update(Update::end_of_rib(Family::IPV6_UNICAST))
            .encode(&NEW_EBGP)
            .unwrap(),
        v6
    );
    for (bytes, family) in [(v4, Family::IPV4_UNICAST), (v6, Family::IPV6_UNICAST)] {
        let Message::Update(u) = both_ways(&bytes, &NEW_EBGP) else {
            panic!()
        };
        assert_eq!(u.end_of_rib_family(), Some(family));
    }
}

#[test]
fn four_octet_session_as_path_and_aggregator() {
    let bytes = message(
        2,
        "0000 0027
         40 01 01 00
         40 02 0e 02 03 0000fde9 fa56ea00 00000064
         40 03 04 0a000001
         c0 07 08 fa56ea00 0a000009
         18 c00002",
    );
    let Message::Update(u) = both_ways(&bytes, &NEW_EBGP) else {
        panic!()
    };
    assert_eq!(u.attrs.as_path.unwrap().to_string(), "65001 4200000000 100");
    assert_eq!(
        u.attrs.aggregator,
        Some(Aggregator {
            asn: 4_200_000_000,
            id: Ipv4Addr::new(10, 0, 0, 9)
        })
    );
}

#[test]
fn notification_hold_timer_and_shutdown_communication() {
    let hold = message(3, "04 00");
    let Message::Notification(n) = both_ways(&hold, &NEW_EBGP) else {
        panic!()
    };
    assert_eq!(n.to_string(), "Hold Timer Expired Error");
    assert_eq!(n.kind().code_name(), "Hold Timer Expired Error");

    let shut = message(3, "06 02 03 627965");
    let Message::Notification(n) = both_ways(&shut, &NEW_EBGP) else {
        panic!()
    };
    assert_eq!(
        n,
        Notification::shutdown(CeaseSubcode::AdministrativeShutdown, "bye")
    );
    assert_eq!(n.shutdown_message(), Some("bye"));
    assert_eq!(n.to_string(), "Cease: Administrative Shutdown (\"bye\")");

    let open_err = message(3, "02 02 fde9");
    let Message::Notification(n) = both_ways(&open_err, &NEW_EBGP) else {
        panic!()
    };
    assert_eq!(n.kind(), ErrorKind::OpenMessage(OpenSubcode::BadPeerAs));
    assert_eq!(n.to_string(), "Open Message Error: Bad Peer AS");
}

#[test]
fn route_refresh_subtypes() {
    for (hex_body, family, subtype) in [
        ("0001 00 01", Family::IPV4_UNICAST, RefreshSubtype::Normal),
        (
            "0002 01 01",
            Family::IPV6_UNICAST,
            RefreshSubtype::BeginOfRefresh,
        ),
        (
            "0002 02 01",
            Family::IPV6_UNICAST,
            RefreshSubtype::EndOfRefresh,
        ),
        ("0001 07 01", Family::IPV4_UNICAST, RefreshSubtype::Other(7)),
    ] {
        let bytes = message(5, hex_body);
        assert_eq!(
            both_ways(&bytes, &NEW_EBGP),
            Message::RouteRefresh(RouteRefresh::new(family, subtype))
        );
    }
    // RFC 7313 §5: BoRR/EoRR longer than 4 bytes → Invalid Message Length with the message.
    let long = message(5, "0001 01 01 00");
    let err = Message::from_bytes(&long, &NEW_EBGP).unwrap_err();
    let n = err.notification();
    assert_eq!((n.code, n.subcode), (7, 1));
    assert_eq!(n.data, long);
}

#[test]
fn as4_two_byte_session_merges_as_trans_and_as4_path() {
    // AS_PATH 65001 23456 100, AGGREGATOR AS_TRANS 10.0.0.9,
    // AS4_PATH 65001 4200000000 100, AS4_AGGREGATOR 4200000000 10.0.0.9.
    let bytes = message(
        2,
        "0000 003b
         40 01 01 00
         40 02 08 02 03 fde9 5ba0 0064
         40 03 04 0a000001
         c0 07 06 5ba0 0a000009
         c0 11 0e 02 03 0000fde9 fa56ea00 00000064
         c0 12 08 fa56ea00 0a000009
         18 c00002",
    );
    let Message::Update(u) = both_ways(&bytes, &OLD_EBGP) else {
        panic!()
    };
    assert_eq!(
        u.attrs.as_path.as_ref().unwrap().to_string(),
        "65001 4200000000 100"
    );
    assert_eq!(u.attrs.aggregator.unwrap().asn, 4_200_000_000);
    assert!(u.issues.is_empty());
    // The same attributes to a 4-octet peer: no AS4_* attributes.
    let four = Message::Update(u.clone()).encode(&NEW_EBGP).unwrap();
    assert!(four.len() < bytes.len());
    let Message::Update(back) = Message::from_bytes(&four, &NEW_EBGP).unwrap() else {
        panic!()
    };
    assert_eq!(back, u);
}

#[test]
fn as4_path_shorter_than_as_path_keeps_the_leading_ases() {
    // An OLD speaker prepended 65010 after the path was built: AS_PATH 65010 65001 23456,
    // AS4_PATH 65001 4200000000 → 65010 65001 4200000000.
    let bytes = message(
        2,
        "0000 0023
         40 01 01 00
         40 02 08 02 03 fdf2 fde9 5ba0
         40 03 04 0a000001
         c0 11 0a 02 02 0000fde9 fa56ea00
         18 c00002",
    );
    let Message::Update(u) = Message::from_bytes(&bytes, &OLD_EBGP).unwrap() else {
        panic!()
    };
    assert_eq!(
        u.attrs.as_path.unwrap().to_string(),
        "65010 65001 4200000000"
    );
}

#[test]
fn as4_attributes_from_a_four_octet_peer_are_discarded() {
    let bytes = message(
        2,
        "0000 001d
         40 01 01 00
         40 02 06 02 01 0000fde9
         40 03 04 0a000001
         c0 11 06 02 01 fa56ea00
         18 c00002",
    );
    let Message::Update(u) = Message::from_bytes(&bytes, &NEW_EBGP).unwrap() else {
        panic!()
    };
    assert_eq!(u.attrs.as_path.as_ref().unwrap().to_string(), "65001");
    assert_eq!(u.verdict(), Verdict::AttributesDiscarded);
    assert_eq!(
        u.issues[0].to_string(),
        "AS4_PATH: not accepted from a 4-octet-AS peer (attribute discarded)"
    );
}

#[test]
fn an_aggregator_that_is_not_as_trans_makes_the_as4_attributes_ignored() {
    let bytes = message(
        2,
        "0000 0024
         40 01 01 00
         40 02 04 02 01 5ba0
         40 03 04 0a000001
         c0 07 06 fde9 0a000009
         c0 11 06 02 01 fa56ea00
         18 c00002",
    );
    let Message::Update(u) = Message::from_bytes(&bytes, &OLD_EBGP).unwrap() else {
        panic!()
    };
    assert_eq!(u.attrs.as_path.unwrap().to_string(), "23456");
    assert_eq!(u.attrs.aggregator.unwrap().asn, 65001);
}

#[test]
fn a_two_byte_aggregator_with_a_four_byte_path_goes_as_as_trans() {
    // Sending AGGREGATOR 100 with AS4_PATH would make a NEW receiver ignore AS4_PATH
    // (RFC 6793 §4.2.3), so AGGREGATOR says AS_TRANS and AS4_AGGREGATOR says 100.
    let bytes = message(
        2,
        "0000 002f
         40 01 01 00
         40 02 04 02 01 5ba0
         40 03 04 0a000001
         c0 07 06 5ba0 0a000009
         c0 11 06 02 01 fa56ea00
         c0 12 08 00000064 0a000009
         18 c00002",
    );
    let Message::Update(u) = both_ways(&bytes, &OLD_EBGP) else {
        panic!()
    };
    assert_eq!(u.attrs.as_path.as_ref().unwrap().to_string(), "4200000000");
    assert_eq!(
        u.attrs.aggregator,
        Some(Aggregator {
            asn: 100,
            id: Ipv4Addr::new(10, 0, 0, 9)
        })
    );
    // Without a 4-byte ASN anywhere, a plain 2-byte AGGREGATOR.
    let plain = Update {
        attrs: Attrs {
            aggregator: Some(Aggregator {
                asn: 100,
                id: Ipv4Addr::new(10, 0, 0, 9),
            }),
            ..Attrs::default()
        },
        ..Update::default()
    };
    assert_eq!(
        Message::Update(plain).encode(&OLD_EBGP).unwrap(),
        message(2, "0000 0009 c0 07 06 0064 0a000009")
    );
}
