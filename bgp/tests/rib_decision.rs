//! The decision process step by step (Junos order), through the whole RIB: each case is
//! decided with the paths arriving in every order, and the deciding step is checked on
//! the pair.

mod rib_support;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use lsys_bgp::packet::{Attrs, Origin, SegmentType};
use lsys_bgp::rib::decision::{compare, compare_pair, select, Med};
use lsys_bgp::rib::{Multipath, PathKey, PeerId, PeerInfo, Rib, Step};
use rib_support::*;

/// All orderings of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut v = rest.clone();
            v.insert(at, n - 1);
            out.push(v);
        }
    }
    out
}

/// Announces one prefix from each path's peer (peer i+1) in every order, both in one
/// batch and processing after each arrival; returns the best's index, checking that all
/// orders agree.
fn winner(paths: &[(PeerInfo, Attrs)]) -> usize {
    let prefix = net("203.0.113.0/24");
    let mut seen = None;
    for order in permutations(paths.len()) {
        for incremental in [false, true] {
            let mut rib = Rib::new();
            for (i, (info, _)) in paths.iter().enumerate() {
                rib.set_peer(PeerId(i as u32 + 1), *info);
            }
            for &i in &order {
                let attrs = Arc::new(paths[i].1.clone());
                rib.update(PeerId(i as u32 + 1), &[], &[(prefix, attrs)], accept)
                    .expect("registered");
                if incremental {
                    rib.process();
                }
            }
            rib.process();
            let best = rib.best(&prefix).expect("a best path").peer.0 as usize - 1;
            assert_eq!(
                *seen.get_or_insert(best),
                best,
                "order {order:?} (incremental {incremental}) picked another best"
            );
        }
    }
    seen.expect("at least one order")
}

fn key(n: u32, info: &PeerInfo, a: &Attrs) -> PathKey {
    PathKey::new(PeerId(n), info, a)
}

/// `a` (from `ia`) beats `b` (from `ib`) at `step`, whatever the arrival order.
fn check(ia: PeerInfo, a: Attrs, ib: PeerInfo, b: Attrs, step: Step) {
    let (ka, kb) = (key(1, &ia, &a), key(2, &ib, &b));
    assert_eq!(compare_pair(&ka, &kb), (std::cmp::Ordering::Less, step));
    assert_eq!(compare_pair(&kb, &ka), (std::cmp::Ordering::Greater, step));
    assert_eq!(winner(&[(ia, a), (ib, b)]), 0, "{step:?}");
}

#[test]
fn lower_route_preference_first() {
    // Junos compares the route preference before anything BGP: a path import gave 160
    // beats one at the default 170 that is better at every BGP step.
    let worse = A {
        lp: Some(50),
        path: vec![1, 2, 3],
        origin: Origin::Incomplete,
        med: Some(50),
        ..A::default()
    };
    let a = Attrs {
        preference: Some(160),
        ..worse.build()
    };
    check(
        ibgp(9),
        a,
        ebgp(1, 64512),
        A::default().build(),
        Step::Preference,
    );
    // 170 given explicitly is the default.
    let explicit = Attrs {
        preference: Some(170),
        ..A::default().build()
    };
    assert_eq!(
        key(1, &ebgp(1, 64512), &explicit).preference,
        key(2, &ebgp(1, 64512), &A::default().build()).preference
    );
}

#[test]
fn higher_local_pref_first() {
    // b is better at every later step.
    let a = A {
        lp: Some(200),
        path: vec![1, 2, 3],
        origin: Origin::Incomplete,
        med: Some(50),
        ..A::default()
    };
    check(
        ibgp(9),
        a.build(),
        ebgp(1, 64512),
        A::default().build(),
        Step::LocalPref,
    );
}

#[test]
fn missing_local_pref_is_100() {
    let low = A {
        lp: Some(99),
        ..A::default()
    };
    check(
        ebgp(9, 64512),
        A::default().build(),
        ebgp(1, 64512),
        low.build(),
        Step::LocalPref,
    );
    // 100 and missing tie: the router id decides.
    let hundred = A {
        lp: Some(100),
        ..A::default()
    };
    check(
        ebgp(1, 64512),
        A::default().build(),
        ebgp(2, 64512),
        hundred.build(),
        Step::RouterId,
    );
}

#[test]
fn shorter_as_path() {
    let a = A {
        origin: Origin::Incomplete,
        med: Some(50),
        ..A::path(&[64512])
    };
    check(
        ibgp(9),
        a.build(),
        ebgp(1, 64512),
        A::path(&[64512, 2]).build(),
        Step::AsPathLength,
    );
}

#[test]
fn as_set_counts_one_and_confederation_segments_none() {
    use SegmentType::*;
    let set = Attrs {
        as_path: Some(segments(&[(Sequence, &[64512]), (Set, &[1, 2, 3, 4])])),
        ..A::default().build()
    };
    let three = A::path(&[64512, 7, 8]).build();
    check(
        ebgp(9, 64512),
        set,
        ebgp(1, 64512),
        three.clone(),
        Step::AsPathLength,
    );
    let confed = Attrs {
        as_path: Some(segments(&[
            (ConfedSequence, &[65001, 65002, 65003]),
            (Sequence, &[64512]),
        ])),
        ..A::default().build()
    };
    let two = A::path(&[64512, 7]).build();
    check(ibgp(9), confed, ibgp(1), two, Step::AsPathLength);
}

#[test]
fn lower_origin() {
    let a = A {
        med: Some(50),
        ..A::default()
    };
    let egp = A {
        origin: Origin::Egp,
        ..A::default()
    };
    check(
        ibgp(9),
        a.build(),
        ebgp(1, 64512),
        egp.build(),
        Step::Origin,
    );
    let incomplete = A {
        origin: Origin::Incomplete,
        ..A::default()
    };
    check(
        ebgp(9, 64512),
        egp.build(),
        ebgp(1, 64512),
        incomplete.build(),
        Step::Origin,
    );
}

#[test]
fn lower_med_within_one_neighboring_as() {
    // Same neighboring AS (64512) via iBGP and eBGP: MED decides before eBGP-over-iBGP.
    let a = A {
        med: Some(5),
        ..A::default()
    };
    let b = A {
        med: Some(10),
        ..A::default()
    };
    check(ibgp(9), a.build(), ebgp(1, 64512), b.build(), Step::Med);
}

#[test]
fn missing_med_is_zero() {
    let b = A {
        med: Some(1),
        ..A::default()
    };
    check(
        ebgp(9, 64512),
        A::default().build(),
        ebgp(1, 64512),
        b.build(),
        Step::Med,
    );
}

#[test]
fn med_is_not_compared_across_neighboring_ases() {
    let a = A {
        med: Some(100),
        ..A::path(&[64512])
    };
    let b = A {
        med: Some(0),
        ..A::path(&[64513])
    };
    check(
        ebgp(1, 64512),
        a.build(),
        ebgp(2, 64513),
        b.build(),
        Step::RouterId,
    );
}

#[test]
fn med_groups_skip_confederation_segments() {
    use SegmentType::*;
    // Both enter from AS 64512 through different confederation members: same group.
    let via = |member: u32, med: u32| Attrs {
        as_path: Some(segments(&[
            (ConfedSequence, &[member]),
            (Sequence, &[64512]),
        ])),
        med: Some(med),
        ..A::default().build()
    };
    check(ibgp(9), via(65001, 1), ibgp(1), via(65002, 2), Step::Med);
}

#[test]
fn ebgp_over_ibgp() {
    check(
        ebgp(9, 64512),
        A::default().build(),
        ibgp(1),
        A::default().build(),
        Step::External,
    );
}

#[test]
fn lower_router_id_then_cluster_list_then_peer_address() {
    let mut a_info = ebgp(9, 64512);
    a_info.router_id = Ipv4Addr::new(1, 1, 1, 1);
    check(
        a_info,
        A::default().build(),
        ebgp(1, 64512),
        A::default().build(),
        Step::RouterId,
    );

    // ORIGINATOR_ID stands in for the router id.
    let reflected = |orig: [u8; 4], clusters: usize| Attrs {
        originator_id: Some(Ipv4Addr::from(orig)),
        cluster_list: vec![Ipv4Addr::new(10, 255, 0, 1); clusters],
        ..A::default().build()
    };
    check(
        ibgp(9),
        reflected([1, 1, 1, 1], 1),
        ibgp(1),
        A::default().build(),
        Step::RouterId,
    );
    check(
        ibgp(9),
        reflected([7, 7, 7, 7], 1),
        ibgp(1),
        reflected([7, 7, 7, 7], 2),
        Step::ClusterListLength,
    );
    check(
        ibgp(1),
        reflected([7, 7, 7, 7], 1),
        ibgp(9),
        reflected([7, 7, 7, 7], 1),
        Step::PeerAddress,
    );
}

#[test]
fn peer_id_breaks_the_last_tie() {
    // Two registrations with one address and router id (a misconfiguration) still order.
    let info = ebgp(1, 64512);
    let (a, b) = (A::default().build(), A::default().build());
    assert_eq!(
        compare_pair(&key(1, &info, &a), &key(2, &info, &b)),
        (std::cmp::Ordering::Less, Step::PeerId)
    );
    assert_eq!(winner(&[(info, a), (info, b)]), 0);
}

/// The non-transitive triangle of the module docs: pairwise B > A (MED), A > C and
/// C > B (router id). Grouping by neighboring AS makes C the best in every order.
#[test]
fn med_triangle_is_decided_by_groups_whatever_the_order() {
    let a_info = PeerInfo {
        router_id: Ipv4Addr::new(1, 0, 0, 1),
        ..ebgp(1, 100)
    };
    let b_info = PeerInfo {
        router_id: Ipv4Addr::new(1, 0, 0, 3),
        ..ebgp(3, 100)
    };
    let c_info = PeerInfo {
        router_id: Ipv4Addr::new(1, 0, 0, 2),
        ..ebgp(2, 200)
    };
    let a = A {
        med: Some(20),
        ..A::path(&[100])
    }
    .build();
    let b = A {
        med: Some(10),
        ..A::path(&[100])
    }
    .build();
    let c = A::path(&[200]).build();
    let (ka, kb, kc) = (
        key(1, &a_info, &a),
        key(3, &b_info, &b),
        key(2, &c_info, &c),
    );
    use std::cmp::Ordering::Less;
    assert_eq!(compare_pair(&kb, &ka), (Less, Step::Med));
    assert_eq!(compare_pair(&ka, &kc), (Less, Step::RouterId));
    assert_eq!(compare_pair(&kc, &kb), (Less, Step::RouterId));
    // Each comparator alone is transitive.
    for med in [Med::Compare, Med::Skip] {
        let mut v = [ka, kb, kc];
        v.sort_by(|x, y| compare(x, y, med).0);
        assert!(compare(&v[0], &v[2], med).0.is_lt());
    }
    assert_eq!(select(&[ka, kb, kc]), Some(2));
    assert_eq!(winner(&[(a_info, a), (b_info, b), (c_info, c)]), 2);
}

#[test]
fn select_of_nothing_and_one() {
    assert_eq!(select(&[]), None);
    let k = key(1, &ebgp(1, 1), &Attrs::default());
    assert_eq!(select(&[k]), Some(0));
}

fn mp_rib(paths: &[(PeerInfo, Attrs)], mode: Option<Multipath>) -> Vec<u32> {
    let prefix = net("198.51.100.0/24");
    let mut rib = Rib::new();
    rib.set_multipath(mode);
    for (i, (info, a)) in paths.iter().enumerate() {
        let id = PeerId(i as u32 + 1);
        rib.set_peer(id, *info);
        rib.update(id, &[], &[(prefix, Arc::new(a.clone()))], accept)
            .expect("registered");
    }
    rib.process();
    rib.multipath(&prefix).iter().map(|p| p.peer.0).collect()
}

#[test]
fn multipath_sets() {
    let same = A::default().build();
    let other_as = A::path(&[64513]).build();
    let worse_med = A {
        med: Some(7),
        ..A::default()
    }
    .build();
    let longer = A::path(&[64512, 1]).build();
    let on = Some(Multipath { multiple_as: false });
    let multiple_as = Some(Multipath { multiple_as: true });
    let paths = vec![
        (ebgp(2, 64512), same.clone()),
        (ebgp(1, 64512), same.clone()),
        (ebgp(3, 64513), other_as.clone()),
        (ebgp(4, 64512), worse_med),
        (ebgp(5, 64512), longer),
        (ibgp(6), same.clone()),
    ];
    // Off: only the best (peer 2's path, router id 192.0.2.1).
    assert_eq!(mp_rib(&paths, None), vec![2]);
    // Same neighboring AS, equal down to the router id: peers 1 and 2, best first.
    assert_eq!(mp_rib(&paths, on), vec![2, 1]);
    // multiple-as adds the path from AS 64513 (equal length, no MED in its own group).
    assert_eq!(mp_rib(&paths, multiple_as), vec![2, 1, 3]);
    // (Peer 6, iBGP, stayed out of the eBGP best's set above.) Equal iBGP paths share too.
    let ibgp_only = vec![(ibgp(1), same.clone()), (ibgp(2), same.clone())];
    assert_eq!(mp_rib(&ibgp_only, on), vec![1, 2]);
}

#[test]
fn multipath_needs_the_best_med_of_its_own_group() {
    // AS 64513 has two paths; the one with MED 9 loses its group to MED 1, so only the
    // MED 1 path joins with multiple-as.
    let a = A::default().build();
    let g1 = A {
        med: Some(1),
        ..A::path(&[64513])
    }
    .build();
    let g9 = A {
        med: Some(9),
        ..A::path(&[64513])
    }
    .build();
    let paths = vec![
        (ebgp(1, 64512), a),
        (ebgp(2, 64513), g9),
        (ebgp(3, 64513), g1),
    ];
    assert_eq!(
        mp_rib(&paths, Some(Multipath { multiple_as: true })),
        vec![1, 3]
    );
}

#[test]
fn key_reads_the_peer() {
    let info = PeerInfo {
        address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 13)),
        ..ebgp(13, 12076)
    };
    let k = key(1, &info, &Attrs::default());
    assert_eq!((k.neighbor_as, k.external), (12076, true));
    assert_eq!(k.address, info.address);
}
