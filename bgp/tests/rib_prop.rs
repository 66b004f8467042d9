//! Laws of the RIB on random input: the comparators are strict total orders, the best
//! path does not depend on arrival order, the RIB agrees with a model (bests, change
//! stream, multipath sets, counters), and Adj-RIB-Out diffs replayed on a model peer
//! give exactly the export decisions.

mod rib_support;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use ipnet::IpNet;
use lsys_bgp::packet::{Attrs, Origin};
use lsys_bgp::rib::decision::{compare, multipath, select, Med};
use lsys_bgp::rib::{AdjRibOut, Multipath, PathKey, PathRef, PeerId, PeerInfo, Rib};
use proptest::prelude::*;
use rib_support::*;

// ---------- the order ----------

/// Keys from small domains, so that ties at every step are common.
fn key() -> impl Strategy<Value = PathKey> {
    (
        (0u32..4, 99u32..102, 0u32..3, 0u8..3, 0u32..3),
        (64512u32..64515, any::<bool>(), 1u8..4, 0u32..2, 1u8..4),
        169u32..172,
    )
        .prop_map(
            |(
                (peer, local_pref, as_path_len, origin, med),
                (nbr, external, rid, cl, addr),
                preference,
            )| {
                PathKey {
                    peer: PeerId(peer),
                    preference,
                    local_pref,
                    as_path_len,
                    origin: [Origin::Igp, Origin::Egp, Origin::Incomplete][origin as usize],
                    med,
                    neighbor_as: nbr,
                    external,
                    router_id: Ipv4Addr::new(1, 1, 1, rid),
                    cluster_len: cl,
                    address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, addr)),
                }
            },
        )
}

/// Keys with distinct peers (one path per peer, as in a destination).
fn paths(max: usize) -> impl Strategy<Value = Vec<PathKey>> {
    prop::collection::vec(key(), 1..max).prop_map(|mut v| {
        for (i, k) in v.iter_mut().enumerate() {
            k.peer = PeerId(i as u32);
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn comparators_are_strict_total_orders(a in key(), b in key(), c in key()) {
        for med in [Med::Compare, Med::Skip] {
            let ab = compare(&a, &b, med).0;
            let bc = compare(&b, &c, med).0;
            let ac = compare(&a, &c, med).0;
            prop_assert_eq!(compare(&b, &a, med).0, ab.reverse());
            prop_assert_eq!(compare(&a, &a, med).0, Ordering::Equal);
            if a.peer != b.peer {
                prop_assert_ne!(ab, Ordering::Equal);
            }
            if ab.is_le() && bc.is_le() {
                prop_assert!(ac.is_le());
            }
            if ab.is_lt() && bc.is_le() || ab.is_le() && bc.is_lt() {
                prop_assert!(ac.is_lt());
            }
        }
    }
}

/// The best of `paths` as the Junos rule states it, checked directly: nothing in its own
/// neighboring-AS group beats it with MED, and it beats every other group's winner
/// without MED.
fn is_grouped_best(paths: &[PathKey], best: usize) -> bool {
    let b = &paths[best];
    let group_winner = |asn: u32| {
        paths
            .iter()
            .filter(|p| p.neighbor_as == asn)
            .min_by(|x, y| compare(x, y, Med::Compare).0)
    };
    let own_ok = paths
        .iter()
        .filter(|p| p.neighbor_as == b.neighbor_as && p.peer != b.peer)
        .all(|p| compare(b, p, Med::Compare).0.is_lt());
    let others_ok = paths
        .iter()
        .map(|p| p.neighbor_as)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|&asn| asn != b.neighbor_as)
        .filter_map(group_winner)
        .all(|w| compare(b, w, Med::Skip).0.is_lt());
    own_ok && others_ok
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn best_does_not_depend_on_arrival_order(
        (v, shuffled) in paths(9).prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        multiple_as in any::<bool>(),
    ) {
        let b1 = select(&v).expect("non-empty");
        let b2 = select(&shuffled).expect("non-empty");
        prop_assert_eq!(v[b1].peer, shuffled[b2].peer);
        prop_assert!(is_grouped_best(&v, b1));
        let mode = Multipath { multiple_as };
        let m1: BTreeSet<PeerId> = multipath(&v, b1, mode).iter().map(|&i| v[i].peer).collect();
        let m2: BTreeSet<PeerId> =
            multipath(&shuffled, b2, mode).iter().map(|&i| shuffled[i].peer).collect();
        prop_assert_eq!(&m1, &m2);
        prop_assert_eq!(multipath(&v, b1, mode)[0], b1);
        for i in multipath(&v, b1, mode) {
            let (p, b) = (&v[i], &v[b1]);
            prop_assert_eq!(
                (p.local_pref, p.as_path_len, p.origin, p.external),
                (b.local_pref, b.as_path_len, b.origin, b.external)
            );
            prop_assert!(multiple_as || p.neighbor_as == b.neighbor_as);
        }
    }
}

// ---------- the RIB against a model ----------

const PEERS: u32 = 4;
const PREFIXES: u8 = 6;

fn peer_info(n: u32) -> PeerInfo {
    match n {
        1 => ebgp(1, 64512),
        2 => ebgp(2, 64513),
        3 => ibgp(3),
        _ => ebgp(4, 64512),
    }
}

fn prefix(i: u8) -> IpNet {
    match i % 2 {
        0 => IpNet::new(Ipv4Addr::new(10, i, 0, 0).into(), 16).expect("valid"),
        _ => format!("2001:db8:{i}::/48").parse().expect("valid"),
    }
}

/// A few attribute sets that differ at the decision steps (shared, as if interned).
fn pool() -> Vec<Arc<Attrs>> {
    let sets = [
        A::default(),
        A::path(&[64512, 1]),
        A {
            med: Some(5),
            ..A::default()
        },
        A::path(&[64513]),
        A {
            lp: Some(200),
            ..A::path(&[64513, 7])
        },
        A {
            origin: Origin::Egp,
            ..A::default()
        },
        A {
            nh: 9,
            ..A::default()
        },
    ];
    sets.iter().map(A::arc).collect()
}

/// What a re-import policy with `seed` does to a route.
fn policy(seed: u8, net: &IpNet, attrs: &Arc<Attrs>) -> Option<Arc<Attrs>> {
    let h = seed as usize
        + net.prefix_len() as usize
        + attrs.as_path.as_ref().map_or(0, |p| p.path_len());
    match h % 3 {
        0 => None,
        1 => Some(attrs.clone()),
        _ => Some(Arc::new(Attrs {
            local_pref: Some(150),
            ..(**attrs).clone()
        })),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Announce {
        peer: u32,
        prefixes: Vec<(u8, usize, bool)>,
    },
    Withdraw {
        peer: u32,
        prefixes: Vec<u8>,
    },
    Down(u32),
    Reimport {
        peer: u32,
        seed: u8,
    },
    Process,
    ProcessSome(usize),
    SetMultipath(Option<bool>),
}

fn op() -> impl Strategy<Value = Op> {
    let peer = 1..=PEERS;
    prop_oneof![
        6 => (peer.clone(), prop::collection::vec((0..PREFIXES, 0usize..7, prop::bool::weighted(0.8)), 1..4))
            .prop_map(|(peer, prefixes)| Op::Announce { peer, prefixes }),
        3 => (peer.clone(), prop::collection::vec(0..PREFIXES, 1..3))
            .prop_map(|(peer, prefixes)| Op::Withdraw { peer, prefixes }),
        1 => peer.clone().prop_map(Op::Down),
        1 => (peer, any::<u8>()).prop_map(|(peer, seed)| Op::Reimport { peer, seed }),
        2 => Just(Op::Process),
        1 => (0usize..4).prop_map(Op::ProcessSome),
        1 => prop::option::of(any::<bool>()).prop_map(Op::SetMultipath),
    ]
}

/// Per (peer, prefix): received and accepted attributes.
type Model = BTreeMap<(u32, u8), (Arc<Attrs>, Option<Arc<Attrs>>)>;

fn expected(model: &Model, i: u8, mode: Option<Multipath>) -> (Option<PathRef>, BTreeSet<u32>) {
    let cands: Vec<(PathKey, PathRef)> = model
        .iter()
        .filter(|((_, pi), _)| *pi == i)
        .filter_map(|((peer, _), (_, acc))| {
            let acc = acc.as_ref()?;
            let k = PathKey::new(PeerId(*peer), &peer_info(*peer), acc);
            Some((
                k,
                PathRef {
                    peer: PeerId(*peer),
                    attrs: acc.clone(),
                },
            ))
        })
        .collect();
    let keys: Vec<PathKey> = cands.iter().map(|c| c.0).collect();
    let Some(b) = select(&keys) else {
        return (None, BTreeSet::new());
    };
    let set = match mode {
        Some(m) => multipath(&keys, b, m)
            .iter()
            .map(|&k| keys[k].peer.0)
            .collect(),
        None => [keys[b].peer.0].into(),
    };
    (Some(cands[b].1.clone()), set)
}

fn check_counters(rib: &Rib) -> Result<(), TestCaseError> {
    for n in 1..=PEERS {
        let c = rib.counters(PeerId(n)).expect("registered");
        let routes: Vec<_> = rib.received(PeerId(n)).collect();
        prop_assert_eq!(c.received, routes.len());
        prop_assert_eq!(
            c.accepted,
            routes.iter().filter(|(_, r)| !r.hidden()).count()
        );
        prop_assert_eq!(c.active, routes.iter().filter(|(_, r)| r.active).count());
        prop_assert_eq!(c.damped, 0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn rib_agrees_with_a_model(ops in prop::collection::vec(op(), 1..40)) {
        let attrs = pool();
        let mut rib = Rib::new();
        for n in 1..=PEERS {
            rib.set_peer(PeerId(n), peer_info(n));
        }
        let mut model = Model::new();
        let mut installed: HashMap<IpNet, PathRef> = HashMap::new();
        let mut mode = None;
        let mut apply_changes = |rib: &mut Rib, max: Option<usize>| -> Result<(), TestCaseError> {
            let changes = match max {
                Some(n) => rib.process_limited(n),
                None => rib.process(),
            };
            for c in changes {
                prop_assert!(c.best_changed() || c.multipath_changed);
                let old = match c.new.clone() {
                    Some(new) => installed.insert(c.prefix, new),
                    None => installed.remove(&c.prefix),
                };
                prop_assert_eq!(old, c.old);
            }
            Ok(())
        };
        for op in ops {
            match op {
                Op::Announce { peer, prefixes } => {
                    let routes: Vec<(IpNet, Arc<Attrs>)> =
                        prefixes.iter().map(|&(i, a, _)| (prefix(i), attrs[a].clone())).collect();
                    let verdicts: HashMap<IpNet, bool> =
                        prefixes.iter().map(|&(i, _, ok)| (prefix(i), ok)).collect();
                    // Within one UPDATE the last announcement of a prefix stands.
                    for &(i, a, _) in &prefixes {
                        let ok = verdicts[&prefix(i)];
                        model.insert((peer, i), (attrs[a].clone(), ok.then(|| attrs[a].clone())));
                    }
                    rib.update(PeerId(peer), &[], &routes, |n, a| verdicts[n].then(|| a.clone()))
                        .expect("registered");
                }
                Op::Withdraw { peer, prefixes } => {
                    let nets: Vec<IpNet> = prefixes.iter().map(|&i| prefix(i)).collect();
                    for i in prefixes {
                        model.remove(&(peer, i));
                    }
                    rib.update(PeerId(peer), &nets, &[], accept).expect("registered");
                }
                Op::Down(peer) => {
                    model.retain(|(p, _), _| *p != peer);
                    rib.peer_down(PeerId(peer)).expect("registered");
                }
                Op::Reimport { peer, seed } => {
                    for ((p, i), (rcv, acc)) in model.iter_mut() {
                        if *p == peer {
                            *acc = policy(seed, &prefix(*i), rcv);
                        }
                    }
                    rib.reimport(PeerId(peer), |n, a| policy(seed, n, a)).expect("registered");
                }
                Op::Process => apply_changes(&mut rib, None)?,
                Op::ProcessSome(n) => apply_changes(&mut rib, Some(n))?,
                Op::SetMultipath(m) => {
                    mode = m.map(|multiple_as| Multipath { multiple_as });
                    rib.set_multipath(mode);
                }
            }
            check_counters(&rib)?;
            for n in 1..=PEERS {
                prop_assert_eq!(
                    rib.counters(PeerId(n)).map(|c| c.received),
                    Some(model.keys().filter(|(p, _)| *p == n).count())
                );
            }
        }
        apply_changes(&mut rib, None)?;
        check_counters(&rib)?;
        prop_assert_eq!(rib.pending(), 0);
        for i in 0..PREFIXES {
            let (best, set) = expected(&model, i, mode);
            prop_assert_eq!(rib.best(&prefix(i)), best.clone());
            prop_assert_eq!(installed.get(&prefix(i)).cloned(), best);
            let got: BTreeSet<u32> = rib.multipath(&prefix(i)).iter().map(|p| p.peer.0).collect();
            prop_assert_eq!(got, set);
        }

        // The same final state fed in reverse order decides the same bests.
        let mut replay = Rib::new();
        replay.set_multipath(mode);
        for n in 1..=PEERS {
            replay.set_peer(PeerId(n), peer_info(n));
        }
        for ((peer, i), (rcv, acc)) in model.iter().rev() {
            let acc = acc.clone();
            replay
                .update(PeerId(*peer), &[], &[(prefix(*i), rcv.clone())], |_, _| acc.clone())
                .expect("registered");
        }
        replay.process();
        for i in 0..PREFIXES {
            prop_assert_eq!(replay.best(&prefix(i)), rib.best(&prefix(i)));
        }
    }
}

// ---------- Adj-RIB-Out ----------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn adj_rib_out_diffs_replay_to_the_decisions(
        batches in prop::collection::vec(
            prop::collection::vec((0..PREFIXES, prop::option::of(0usize..8)), 0..10),
            1..8,
        ),
    ) {
        let mut attrs = pool();
        // An equal copy of set 0 in its own Arc: must count as "unchanged".
        attrs.push(Arc::new((*attrs[0]).clone()));
        let mut out = AdjRibOut::new();
        let mut peer: BTreeMap<IpNet, Arc<Attrs>> = BTreeMap::new();
        let mut wanted: BTreeMap<IpNet, Arc<Attrs>> = BTreeMap::new();
        for batch in batches {
            let decisions: Vec<(IpNet, Option<Arc<Attrs>>)> = batch
                .iter()
                .map(|&(i, a)| (prefix(i), a.map(|a| attrs[a].clone())))
                .collect();
            for (n, a) in &decisions {
                match a {
                    Some(a) => wanted.insert(*n, a.clone()),
                    None => wanted.remove(n),
                };
            }
            let u = out.apply(decisions);
            let mut seen = BTreeSet::new();
            for (a, nets) in &u.announce {
                prop_assert!(!nets.is_empty());
                for n in nets {
                    prop_assert!(seen.insert(*n), "prefix twice in one update");
                    prop_assert!(peer.get(n).is_none_or(|old| old != a), "announced what the peer had");
                    peer.insert(*n, a.clone());
                }
            }
            for n in &u.withdraw {
                prop_assert!(seen.insert(*n), "prefix twice in one update");
                prop_assert!(peer.remove(n).is_some(), "withdrew what the peer did not have");
            }
            prop_assert_eq!(&peer, &wanted);
            prop_assert_eq!(out.len(), wanted.len());
            // A refresh dump replayed on an empty peer gives the same table.
            let mut fresh = BTreeMap::new();
            for (a, nets) in out.dump().announce {
                for n in nets {
                    fresh.insert(n, a.clone());
                }
            }
            prop_assert_eq!(&fresh, &wanted);
        }
    }
}
