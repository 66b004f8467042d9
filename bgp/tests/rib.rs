//! The RIB as an instance actor drives it: UPDATEs with import verdicts, hidden routes,
//! soft inbound re-import, session down, counters, the change queue, and Adj-RIB-Out.

mod rib_support;

use std::net::Ipv4Addr;
use std::sync::Arc;

use ipnet::IpNet;
use lsys_bgp::packet::{AttrInterner, Attrs};
use lsys_bgp::rib::{AdjRibOut, BestChange, Multipath, PathRef, PeerCounters, Rib, RibError};
use rib_support::*;

/// The seed scenario: AWS (AS 64512) and Azure (AS 12076) eBGP peers.
fn two_peers() -> Rib {
    let mut rib = Rib::new();
    rib.set_peer(p(1), ebgp(1, 64512));
    rib.set_peer(p(2), ebgp(13, 12076));
    rib
}

fn counters(active: usize, received: usize, accepted: usize) -> PeerCounters {
    PeerCounters {
        active,
        received,
        accepted,
        damped: 0,
    }
}

fn path(peer: u32, attrs: &Arc<Attrs>) -> Option<PathRef> {
    Some(PathRef {
        peer: p(peer),
        attrs: attrs.clone(),
    })
}

/// Each family keeps its own counts (a table line of `show bgp summary`, a family's prefix
/// limit); `counters` is their sum.
#[test]
fn counters_per_family() {
    use lsys_bgp::net::Family;
    let mut rib = two_peers();
    let aws = A::path(&[64512]).arc();
    let routes = [
        (net("172.31.0.0/16"), aws.clone()),
        (net("2001:db8:100::/48"), aws.clone()),
        (net("2001:db8:101::/48"), aws.clone()),
    ];
    let hide_one = |p: &IpNet, a: &Arc<Attrs>| (*p != net("2001:db8:101::/48")).then(|| a.clone());
    rib.update(p(1), &[], &routes, hide_one).unwrap();
    rib.process();
    assert_eq!(
        rib.family_counters(p(1), Family::Ipv4),
        Some(counters(1, 1, 1))
    );
    assert_eq!(
        rib.family_counters(p(1), Family::Ipv6),
        Some(counters(1, 2, 1))
    );
    assert_eq!(rib.counters(p(1)), Some(counters(2, 3, 2)));
    rib.update(p(1), &[net("2001:db8:100::/48")], &[], accept)
        .unwrap();
    rib.process();
    assert_eq!(
        rib.family_counters(p(1), Family::Ipv6),
        Some(counters(0, 1, 0))
    );
    rib.peer_down(p(1)).unwrap();
    assert_eq!(
        rib.family_counters(p(1), Family::Ipv4),
        Some(counters(0, 0, 0))
    );
    assert_eq!(rib.family_counters(p(9), Family::Ipv4), None);
}

#[test]
fn seed_scenario_each_prefix_from_its_cloud() {
    let mut rib = two_peers();
    let aws = A::path(&[64512]).arc();
    let azure = A::path(&[12076]).arc();
    rib.update(p(1), &[], &[(net("172.31.0.0/16"), aws.clone())], accept)
        .unwrap();
    rib.update(p(2), &[], &[(net("10.6.0.0/16"), azure.clone())], accept)
        .unwrap();
    assert_eq!(rib.pending(), 2);
    let changes = rib.process();
    assert_eq!(
        changes,
        vec![
            BestChange {
                prefix: net("10.6.0.0/16"),
                old: None,
                new: path(2, &azure),
                multipath_changed: true,
            },
            BestChange {
                prefix: net("172.31.0.0/16"),
                old: None,
                new: path(1, &aws),
                multipath_changed: true,
            },
        ]
    );
    assert!(changes.iter().all(BestChange::best_changed));
    assert_eq!(rib.counters(p(1)), Some(counters(1, 1, 1)));
    assert_eq!(rib.counters(p(2)), Some(counters(1, 1, 1)));
    assert!(rib.process().is_empty());
    let active: Vec<IpNet> = rib.active_routes().map(|(n, _)| n).collect();
    assert_eq!(active, vec![net("10.6.0.0/16"), net("172.31.0.0/16")]);
}

#[test]
fn unknown_peer_is_an_error() {
    let mut rib = Rib::new();
    let a = A::default().arc();
    assert_eq!(
        rib.update(p(7), &[], &[(net("10.0.0.0/8"), a)], accept),
        Err(RibError::UnknownPeer(p(7)))
    );
    assert_eq!(rib.peer_down(p(7)), Err(RibError::UnknownPeer(p(7))));
    assert_eq!(rib.reimport(p(7), accept), Err(RibError::UnknownPeer(p(7))));
    assert!(rib.remove_peer(p(7)).is_err());
    assert_eq!(rib.counters(p(7)), None);
}

#[test]
fn hidden_routes_are_kept_and_soft_reimport_accepts_them() {
    let mut rib = two_peers();
    let a = A::path(&[64512]).arc();
    let prefix = net("192.0.2.0/24");
    rib.update(p(1), &[], &[(prefix, a.clone())], reject)
        .unwrap();
    assert_eq!(rib.pending(), 0, "a hidden route cannot change the best");
    assert!(rib.process().is_empty());
    assert_eq!(rib.counters(p(1)), Some(counters(0, 1, 0)));
    let received: Vec<_> = rib.received(p(1)).collect();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, prefix);
    assert!(received[0].1.hidden());
    assert!(Arc::ptr_eq(received[0].1.received, &a));
    assert_eq!(rib.routes(&prefix).len(), 1);
    assert_eq!(rib.best(&prefix), None);

    // Policy changed to "accept, local-preference 200": no refresh needed.
    let lp200 = Arc::new(Attrs {
        local_pref: Some(200),
        ..(*a).clone()
    });
    let l = lp200.clone();
    rib.reimport(p(1), move |_, _| Some(l.clone())).unwrap();
    let changes = rib.process();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].new, path(1, &lp200));
    assert_eq!(rib.counters(p(1)), Some(counters(1, 1, 1)));
    // The Adj-RIB-In still has the attributes as received.
    let r = rib.routes(&prefix);
    assert!(Arc::ptr_eq(r[0].received, &a));
    assert_eq!(r[0].accepted, Some(&lp200));
    assert!(r[0].active);

    // Re-import with the same verdict changes nothing.
    let l = lp200.clone();
    rib.reimport(p(1), move |_, _| Some(l.clone())).unwrap();
    assert_eq!(rib.pending(), 0);

    // Rejecting it again hides it and withdraws the best.
    rib.reimport(p(1), reject).unwrap();
    let changes = rib.process();
    assert_eq!(changes[0].old, path(1, &lp200));
    assert_eq!(changes[0].new, None);
    assert_eq!(rib.counters(p(1)), Some(counters(0, 1, 0)));
}

#[test]
fn import_sees_the_prefix_and_received_attributes() {
    let mut rib = two_peers();
    let a = A::default().arc();
    let mut seen = Vec::new();
    rib.update(
        p(1),
        &[],
        &[
            (net("10.1.0.0/16"), a.clone()),
            (net("10.2.0.0/16"), a.clone()),
        ],
        |n, attrs| {
            seen.push(*n);
            (n.prefix_len() == 16 && n.addr() == "10.1.0.0".parse::<std::net::IpAddr>().unwrap())
                .then(|| attrs.clone())
        },
    )
    .unwrap();
    assert_eq!(seen, vec![net("10.1.0.0/16"), net("10.2.0.0/16")]);
    assert_eq!(rib.counters(p(1)), Some(counters(0, 2, 1)));
    rib.process();
    assert_eq!(rib.counters(p(1)), Some(counters(1, 2, 1)));
}

#[test]
fn withdraw_implicit_withdraw_and_unknown_prefixes() {
    let mut rib = two_peers();
    let (a1, a2) = (A::default().arc(), A::path(&[64512, 9]).arc());
    let prefix = net("198.51.100.0/24");
    rib.update(p(1), &[net("203.0.113.0/24")], &[], accept)
        .unwrap();
    assert_eq!(
        rib.pending(),
        0,
        "withdrawing what was never sent is ignored"
    );
    rib.update(p(1), &[], &[(prefix, a1.clone())], accept)
        .unwrap();
    rib.process();
    // Same attributes again: nothing to do.
    rib.update(p(1), &[], &[(prefix, a1.clone())], accept)
        .unwrap();
    assert_eq!(rib.pending(), 0);
    // Equal but not the same Arc: nothing either.
    rib.update(p(1), &[], &[(prefix, A::default().arc())], accept)
        .unwrap();
    assert_eq!(rib.pending(), 0);
    // New attributes replace the old ones.
    rib.update(p(1), &[], &[(prefix, a2.clone())], accept)
        .unwrap();
    assert_eq!(
        rib.process(),
        vec![BestChange {
            prefix,
            old: path(1, &a1),
            new: path(1, &a2),
            multipath_changed: true,
        }]
    );
    assert_eq!(rib.counters(p(1)), Some(counters(1, 1, 1)));
    // Withdrawn and announced in one UPDATE: the announcement stands.
    rib.update(p(1), &[prefix], &[(prefix, a2.clone())], accept)
        .unwrap();
    assert!(rib.process().is_empty());
    // Withdrawn then re-announced before processing: no change to report.
    rib.update(p(1), &[prefix], &[], accept).unwrap();
    rib.update(p(1), &[], &[(prefix, a2.clone())], accept)
        .unwrap();
    assert_eq!(rib.pending(), 1);
    assert!(rib.process().is_empty());
    assert_eq!(rib.counters(p(1)), Some(counters(1, 1, 1)));
    rib.update(p(1), &[prefix], &[], accept).unwrap();
    assert_eq!(rib.counters(p(1)), Some(counters(0, 0, 0)));
    assert_eq!(rib.process()[0].new, None);
    assert_eq!(rib.prefix_count(), 0);
}

#[test]
fn host_bits_are_ignored() {
    let mut rib = two_peers();
    let a = A::default().arc();
    rib.update(p(1), &[], &[(net("10.1.2.3/16"), a)], accept)
        .unwrap();
    assert_eq!(rib.process()[0].prefix, net("10.1.0.0/16"));
    assert!(rib.best(&net("10.1.0.0/16")).is_some());
    rib.update(p(1), &[net("10.1.255.255/16")], &[], accept)
        .unwrap();
    assert_eq!(rib.process()[0].new, None);
}

#[test]
fn better_path_takes_over_and_session_down_falls_back() {
    let mut rib = two_peers();
    let prefix = net("203.0.113.0/24");
    let long = A::path(&[64512, 1, 2]).arc();
    let short = A::path(&[12076]).arc();
    rib.update(p(1), &[], &[(prefix, long.clone())], accept)
        .unwrap();
    rib.process();
    rib.update(p(2), &[], &[(prefix, short.clone())], accept)
        .unwrap();
    let c = rib.process();
    assert_eq!(
        (c[0].old.clone(), c[0].new.clone()),
        (path(1, &long), path(2, &short))
    );
    assert_eq!(rib.counters(p(1)), Some(counters(0, 1, 1)));
    assert_eq!(rib.counters(p(2)), Some(counters(1, 1, 1)));
    // A worse path arriving or leaving is not reported.
    rib.update(p(1), &[prefix], &[], accept).unwrap();
    assert!(rib.process().is_empty());
    rib.update(p(1), &[], &[(prefix, long.clone())], accept)
        .unwrap();
    assert!(rib.process().is_empty());

    rib.peer_down(p(2)).unwrap();
    assert_eq!(rib.counters(p(2)), Some(counters(0, 0, 0)));
    let c = rib.process();
    assert_eq!(
        (c[0].old.clone(), c[0].new.clone()),
        (path(2, &short), path(1, &long))
    );
    assert_eq!(rib.counters(p(1)), Some(counters(1, 1, 1)));
    assert!(rib.peer_info(p(2)).is_some(), "down, not removed");

    assert_eq!(rib.remove_peer(p(1)), Ok(ebgp(1, 64512)));
    assert_eq!(rib.process()[0].new, None);
    assert_eq!(rib.prefix_count(), 0);
}

#[test]
fn new_router_id_is_decided_again() {
    let mut rib = two_peers();
    rib.set_peer(p(2), ebgp(2, 64512));
    let prefix = net("203.0.113.0/24");
    let a = A::default().arc();
    rib.update(p(1), &[], &[(prefix, a.clone())], accept)
        .unwrap();
    rib.update(p(2), &[], &[(prefix, a.clone())], accept)
        .unwrap();
    rib.process();
    assert_eq!(rib.best(&prefix).unwrap().peer, p(1));
    // Same info again: nothing queued.
    rib.set_peer(p(2), ebgp(2, 64512));
    assert_eq!(rib.pending(), 0);
    // Peer 2 reconnects with a lower router id.
    let mut info = ebgp(2, 64512);
    info.router_id = Ipv4Addr::new(1, 1, 1, 1);
    rib.set_peer(p(2), info);
    let c = rib.process();
    assert_eq!(c[0].new.as_ref().unwrap().peer, p(2));
}

#[test]
fn families_are_separate_and_ordered() {
    let mut rib = two_peers();
    let a = A::default().arc();
    rib.update(
        p(1),
        &[],
        &[
            (net("2001:db8::/32"), a.clone()),
            (net("10.0.0.0/8"), a.clone()),
            (net("2001:db8:1::/48"), a.clone()),
            (net("9.0.0.0/8"), a.clone()),
        ],
        accept,
    )
    .unwrap();
    let order: Vec<IpNet> = rib.process().iter().map(|c| c.prefix).collect();
    let want = vec![
        net("9.0.0.0/8"),
        net("10.0.0.0/8"),
        net("2001:db8::/32"),
        net("2001:db8:1::/48"),
    ];
    assert_eq!(order, want);
    let received: Vec<IpNet> = rib.received(p(1)).map(|(n, _)| n).collect();
    assert_eq!(received, want);
    assert_eq!(rib.counters(p(1)), Some(counters(4, 4, 4)));
}

#[test]
fn process_in_slices() {
    let mut rib = two_peers();
    let a = A::default().arc();
    let routes: Vec<(IpNet, Arc<Attrs>)> = (0..10u8)
        .map(|i| {
            (
                IpNet::new(Ipv4Addr::new(10, i, 0, 0).into(), 16).unwrap(),
                a.clone(),
            )
        })
        .collect();
    rib.update(p(1), &[], &routes, accept).unwrap();
    assert_eq!(rib.process_limited(4).len(), 4);
    assert_eq!(rib.pending(), 6);
    assert_eq!(rib.counters(p(1)).unwrap().active, 4);
    assert_eq!(rib.process_limited(0).len(), 0);
    assert_eq!(rib.process_limited(100).len(), 6);
    assert_eq!(rib.pending(), 0);
}

#[test]
fn multipath_changes_are_reported_without_a_best_change() {
    let mut rib = Rib::new();
    rib.set_multipath(Some(Multipath::default()));
    rib.set_peer(p(1), ebgp(1, 64512));
    rib.set_peer(p(2), ebgp(2, 64512));
    let prefix = net("203.0.113.0/24");
    let (a1, a2) = (
        A::default().arc(),
        A {
            nh: 2,
            ..A::default()
        }
        .arc(),
    );
    rib.update(p(1), &[], &[(prefix, a1.clone())], accept)
        .unwrap();
    rib.process();
    rib.update(p(2), &[], &[(prefix, a2.clone())], accept)
        .unwrap();
    let c = rib.process();
    assert_eq!(c.len(), 1);
    assert!(c[0].multipath_changed && !c[0].best_changed());
    let set: Vec<u32> = rib.multipath(&prefix).iter().map(|p| p.peer.0).collect();
    assert_eq!(set, vec![1, 2]);
    let routes = rib.routes(&prefix);
    assert!(routes[0].active && !routes[0].multipath);
    assert!(!routes[1].active && routes[1].multipath);
    // The second member's next hop changes: the set changes, the best does not.
    let a3 = A {
        nh: 3,
        ..A::default()
    }
    .arc();
    rib.update(p(2), &[], &[(prefix, a3)], accept).unwrap();
    let c = rib.process();
    assert!(c[0].multipath_changed && !c[0].best_changed());
    // Multipath off: back to one path.
    rib.set_multipath(None);
    let c = rib.process();
    assert!(c[0].multipath_changed && !c[0].best_changed());
    assert_eq!(rib.multipath(&prefix).len(), 1);
    assert!(!rib.routes(&prefix)[1].multipath);
}

/// Junos: "all paths with the same neighboring AS, learned by a multipath-enabled BGP
/// neighbor, are considered" -- multipath is a neighbor's (or group's) statement.
#[test]
fn multipath_is_the_neighbors() {
    let mut rib = Rib::new();
    for n in 1..=3 {
        rib.set_peer(p(n), ebgp(n as u8, 64512));
    }
    let prefix = net("203.0.113.0/24");
    for n in 1..=3u8 {
        let a = A {
            nh: n,
            ..A::default()
        }
        .arc();
        rib.update(p(u32::from(n)), &[], &[(prefix, a)], accept)
            .unwrap();
    }
    rib.process();
    let set = |rib: &Rib| -> Vec<u32> { rib.multipath(&prefix).iter().map(|p| p.peer.0).collect() };
    // Peer 1 has the best path (lowest router id); nobody has multipath.
    assert_eq!(set(&rib), [1]);
    // Multipath on peers 1 and 3: their paths share, peer 2's does not.
    rib.set_peer_multipath(p(1), Some(Multipath::default()))
        .unwrap();
    rib.set_peer_multipath(p(3), Some(Multipath::default()))
        .unwrap();
    let c = rib.process();
    assert!(c[0].multipath_changed && !c[0].best_changed());
    assert_eq!(set(&rib), [1, 3]);
    // The best's neighbor without multipath: the best alone, whatever the others have.
    rib.set_peer_multipath(p(1), None).unwrap();
    rib.process();
    assert_eq!(set(&rib), [1]);
    assert_eq!(
        rib.set_peer_multipath(p(9), None),
        Err(RibError::UnknownPeer(p(9)))
    );
}

#[test]
fn adj_rib_out_sends_only_differences_grouped_by_attributes() {
    let mut interner = AttrInterner::new();
    let x = interner.intern(A::path(&[65000]).build());
    let y = interner.intern(A::path(&[65000, 65000]).build());
    let (n1, n2, n3, n6) = (
        net("10.1.0.0/16"),
        net("10.2.0.0/16"),
        net("10.3.0.0/16"),
        net("2001:db8::/32"),
    );
    let mut out = AdjRibOut::new();
    let u = out.apply([
        (n3, Some(x.clone())),
        (n6, Some(y.clone())),
        (n1, Some(x.clone())),
        (n2, Some(y.clone())),
        (net("10.9.0.0/16"), None),
    ]);
    assert_eq!(
        u.announce,
        vec![(x.clone(), vec![n1, n3]), (y.clone(), vec![n2, n6])]
    );
    assert!(u.withdraw.is_empty());
    assert_eq!((u.announced_len(), out.len()), (4, 4));

    // The same decisions again: nothing to send.
    assert!(out
        .apply([(n1, Some(x.clone())), (n2, Some(y.clone()))])
        .is_empty());
    // Equal attributes in another Arc: still nothing.
    let x2 = Arc::new((*x).clone());
    assert!(out.apply([(n1, Some(x2))]).is_empty());
    // A change, a withdrawal, a flap of something the peer never had, a last-wins pair.
    let u = out.apply([
        (n1, Some(y.clone())),
        (n2, None),
        (net("10.7.0.0/16"), Some(x.clone())),
        (net("10.7.0.0/16"), None),
        (n3, None),
        (n3, Some(x.clone())),
    ]);
    assert_eq!(u.announce, vec![(y.clone(), vec![n1])]);
    assert_eq!(u.withdraw, vec![n2]);
    assert_eq!(out.get(&n1), Some(&y));
    assert_eq!(out.get(&n2), None);

    // Route refresh: everything advertised, grouped.
    let d = out.dump();
    assert_eq!(
        d.announce,
        vec![(y.clone(), vec![n1, n6]), (x.clone(), vec![n3])]
    );
    assert!(d.withdraw.is_empty());
    let listed: Vec<IpNet> = out.iter().map(|(n, _)| n).collect();
    assert_eq!(listed, vec![n1, n3, n6]);

    out.reset();
    assert!(out.is_empty() && out.dump().is_empty());
    // After a reset everything is new again.
    assert_eq!(out.apply([(n1, Some(y.clone()))]).announced_len(), 1);
}

#[test]
fn export_after_process_for_a_new_session() {
    // How the actor brings up a session: export over the Loc-RIB into a fresh AdjRibOut.
    let mut rib = two_peers();
    let a = A::path(&[64512]).arc();
    rib.update(p(1), &[], &[(net("172.31.0.0/16"), a.clone())], accept)
        .unwrap();
    rib.process();
    let mut out = AdjRibOut::new();
    // Default eBGP export: active BGP routes, not back to the peer they came from.
    let u = out.apply(
        rib.active_routes()
            .map(|(n, best)| (n, (best.peer != p(2)).then_some(best.attrs))),
    );
    assert_eq!(u.announce, vec![(a, vec![net("172.31.0.0/16")])]);
    let to_sender = AdjRibOut::new().apply(
        rib.active_routes()
            .map(|(n, best)| (n, (best.peer != p(1)).then_some(best.attrs))),
    );
    assert!(to_sender.is_empty());
}
