//! proptest strategies for valid messages: what a well-behaved peer could send.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use lsys_bgp::packet::*;
use proptest::collection::vec;
use proptest::prelude::*;

pub fn v4_prefix() -> impl Strategy<Value = Ipv4Net> {
    (any::<u32>(), 0u8..=32).prop_map(|(a, l)| Ipv4Net::new(Ipv4Addr::from(a), l).unwrap().trunc())
}

pub fn v6_prefix() -> impl Strategy<Value = Ipv6Net> {
    (any::<u128>(), 0u8..=128)
        .prop_map(|(a, l)| Ipv6Net::new(Ipv6Addr::from(a), l).unwrap().trunc())
}

fn ipv4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn family() -> impl Strategy<Value = Family> {
    prop_oneof![
        Just(Family::IPV4_UNICAST),
        Just(Family::IPV6_UNICAST),
        (any::<u16>(), any::<u8>()).prop_map(|(a, s)| Family::new(Afi(a), Safi(s))),
    ]
}

pub fn capability() -> impl Strategy<Value = Capability> {
    prop_oneof![
        family().prop_map(Capability::Multiprotocol),
        Just(Capability::RouteRefresh),
        Just(Capability::EnhancedRouteRefresh),
        any::<u32>().prop_map(Capability::FourOctetAs),
        (0u8..16, 0u16..4096, vec((family(), any::<u8>()), 0..4)).prop_map(
            |(flags, time, families)| Capability::GracefulRestart(GracefulRestart {
                flags,
                time,
                families
            })
        ),
        vec((family(), 1u8..=3), 0..4).prop_map(|f| Capability::AddPath(
            f.into_iter()
                .map(|(family, send_receive)| AddPathFamily {
                    family,
                    send_receive
                })
                .collect()
        )),
        (any::<u8>(), vec(any::<u8>(), 0..12))
            .prop_filter("a typed code", |(c, _)| ![1, 2, 64, 65, 69, 70].contains(c))
            .prop_map(|(code, value)| Capability::Unknown { code, value }),
    ]
}

pub fn open() -> impl Strategy<Value = Open> {
    (
        any::<u16>(),
        prop_oneof![Just(0u16), 3u16..],
        any::<u32>().prop_filter("non-zero", |&i| i != 0),
        vec(capability(), 0..8),
    )
        .prop_map(|(my_as, hold_time, id, capabilities)| Open {
            my_as,
            hold_time,
            bgp_id: Ipv4Addr::from(id),
            capabilities,
        })
}

fn asn(four_octet: bool) -> BoxedStrategy<u32> {
    if four_octet {
        prop_oneof![any::<u16>().prop_map(u32::from), any::<u32>()].boxed()
    } else {
        any::<u16>().prop_map(u32::from).boxed()
    }
}

/// An AS path; with `old_session` the confederation segments lead and hold 2-byte ASNs
/// (what survives the AS_PATH/AS4_PATH split of RFC 6793 exactly).
pub fn as_path(old_session: bool) -> impl Strategy<Value = AsPath> {
    let kind = prop_oneof![Just(SegmentType::Set), Just(SegmentType::Sequence)];
    let confed = prop_oneof![
        Just(SegmentType::ConfedSequence),
        Just(SegmentType::ConfedSet)
    ];
    let plain = vec((kind, vec(asn(true), 1..8)), 0..4);
    let confeds = vec((confed, vec(asn(!old_session), 1..4)), 0..2);
    (confeds, plain).prop_map(|(c, p)| AsPath {
        segments: c
            .into_iter()
            .chain(p)
            .map(|(kind, asns)| Segment { kind, asns })
            .collect(),
    })
}

/// Attributes that decode back without notes on an iBGP session.
pub fn attrs(old_session: bool) -> impl Strategy<Value = Attrs> {
    let origin = prop_oneof![
        Just(Origin::Igp),
        Just(Origin::Egp),
        Just(Origin::Incomplete)
    ];
    let unknown = (
        prop_oneof![11u8..=13, 19u8..=31, 33u8..=255],
        vec(any::<u8>(), 0..10),
    )
        .prop_map(|(code, value)| RawAttr {
            flags: 0xe0,
            code,
            value,
        });
    (
        (
            proptest::option::of(origin),
            proptest::option::of(as_path(old_session)),
            proptest::option::of(ipv4().prop_map(NextHop::V4)),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>()),
            any::<bool>(),
            proptest::option::of(
                (any::<u32>(), ipv4()).prop_map(|(asn, id)| Aggregator { asn, id }),
            ),
        ),
        (
            vec(any::<u32>().prop_map(Community), 0..5),
            proptest::option::of(ipv4()),
            vec(ipv4(), 0..3),
            vec(any::<[u8; 8]>().prop_map(ExtCommunity), 0..3),
            vec(
                (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(global, local1, local2)| {
                    LargeCommunity {
                        global,
                        local1,
                        local2,
                    }
                }),
                0..3,
            ),
            vec(unknown, 0..3),
        ),
    )
        .prop_map(
            move |(
                (origin, as_path, next_hop, med, local_pref, atomic_aggregate, aggregator),
                rest,
            )| {
                let (
                    communities,
                    originator_id,
                    cluster_list,
                    ext_communities,
                    large_communities,
                    mut unknown,
                ) = rest;
                unknown.sort_by_key(|u| u.code);
                unknown.dedup_by_key(|u| u.code);
                Attrs {
                    origin,
                    as_path,
                    next_hop,
                    med,
                    local_pref,
                    atomic_aggregate,
                    aggregator,
                    communities,
                    originator_id,
                    cluster_list,
                    ext_communities,
                    large_communities,
                    unknown,
                    // Not a path attribute: never on the wire, so never round-tripped.
                    preference: None,
                }
            },
        )
}

fn v6_next_hop() -> impl Strategy<Value = NextHop> {
    (any::<u128>(), proptest::option::of(any::<u128>())).prop_map(|(g, ll)| NextHop::V6 {
        global: Ipv6Addr::from(g),
        link_local: ll.map(Ipv6Addr::from),
    })
}

fn mp_reach() -> impl Strategy<Value = MpReach> {
    prop_oneof![
        (v6_next_hop(), vec(v6_prefix().prop_map(IpNet::V6), 0..6)).prop_map(|(next_hop, nlri)| {
            MpReach {
                family: Family::IPV6_UNICAST,
                next_hop,
                nlri,
            }
        }),
        (ipv4(), vec(v4_prefix().prop_map(IpNet::V4), 0..6)).prop_map(|(nh, nlri)| MpReach {
            family: Family::IPV4_UNICAST,
            next_hop: NextHop::V4(nh),
            nlri
        }),
    ]
}

fn mp_unreach() -> impl Strategy<Value = MpUnreach> {
    prop_oneof![
        vec(v6_prefix().prop_map(IpNet::V6), 0..6).prop_map(|withdrawn| MpUnreach {
            family: Family::IPV6_UNICAST,
            withdrawn
        }),
        vec(v4_prefix().prop_map(IpNet::V4), 0..6).prop_map(|withdrawn| MpUnreach {
            family: Family::IPV4_UNICAST,
            withdrawn
        }),
    ]
}

/// A valid UPDATE for an iBGP session (`old_session`: without the 4-octet AS capability).
pub fn update(old_session: bool) -> impl Strategy<Value = Update> {
    (
        vec(v4_prefix(), 0..6),
        attrs(old_session),
        vec(v4_prefix(), 0..6),
        proptest::option::of(mp_reach()),
        proptest::option::of(mp_unreach()),
    )
        .prop_map(|(withdrawn, mut attrs, nlri, mp_reach, mp_unreach)| {
            let reachable =
                !nlri.is_empty() || mp_reach.as_ref().is_some_and(|m| !m.nlri.is_empty());
            if reachable {
                attrs.origin.get_or_insert(Origin::Igp);
                attrs.as_path.get_or_insert_with(AsPath::default);
            }
            if !nlri.is_empty() {
                attrs
                    .next_hop
                    .get_or_insert(NextHop::V4(Ipv4Addr::new(192, 0, 2, 1)));
            }
            Update {
                withdrawn,
                attrs,
                nlri,
                mp_reach,
                mp_unreach,
                issues: vec![],
            }
        })
}

pub fn notification() -> impl Strategy<Value = Notification> {
    (any::<u8>(), any::<u8>(), vec(any::<u8>(), 0..40)).prop_map(|(code, subcode, data)| {
        Notification {
            code,
            subcode,
            data,
        }
    })
}

pub fn route_refresh() -> impl Strategy<Value = RouteRefresh> {
    (family(), any::<u8>()).prop_map(|(f, s)| RouteRefresh::new(f, RefreshSubtype::from(s)))
}

pub fn message(old_session: bool) -> impl Strategy<Value = Message> {
    prop_oneof![
        open().prop_map(Message::Open),
        update(old_session).prop_map(Message::Update),
        notification().prop_map(Message::Notification),
        Just(Message::Keepalive),
        route_refresh().prop_map(Message::RouteRefresh),
    ]
}
