//! Laws of BGP best-path ordering (`lsys_bgp::rib::decision`) on fuzzer-chosen paths, in
//! the manner of routecore's `path_selection` target:
//! - each comparator (`Med::Compare`, `Med::Skip`) is antisymmetric and transitive on
//!   every triple, and never calls paths from different peers equal;
//! - `select` and `multipath` give the same answer whatever order the paths come in.
//!
//! Keys are built either directly (small value ranges, so ties at every step are common)
//! or through `PathKey::new` from a fuzzed AS_PATH, attributes and peer, which exercises
//! the path length and neighboring-AS rules (sets, confederation segments, empty paths).
#![no_main]

use std::cmp::Ordering::{self, *};
use std::net::{IpAddr, Ipv4Addr};

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use lsys_bgp::packet::{AsPath, Attrs, Origin, Segment, SegmentType};
use lsys_bgp::rib::decision::{compare, multipath, select, Med};
use lsys_bgp::rib::{Multipath, PathKey, PeerId, PeerInfo};

fn small(u: &mut Unstructured, n: u8) -> Result<u8> {
    Ok(u.arbitrary::<u8>()? % n)
}

fn origin(u: &mut Unstructured) -> Result<Origin> {
    Ok([Origin::Igp, Origin::Egp, Origin::Incomplete][small(u, 3)? as usize])
}

fn direct(u: &mut Unstructured, peer: u32) -> Result<PathKey> {
    Ok(PathKey {
        peer: PeerId(peer),
        preference: 169 + u32::from(small(u, 3)?),
        local_pref: 99 + u32::from(small(u, 3)?),
        as_path_len: u32::from(small(u, 3)?),
        origin: origin(u)?,
        med: u32::from(small(u, 3)?),
        neighbor_as: 64512 + u32::from(small(u, 3)?),
        external: u.arbitrary()?,
        router_id: Ipv4Addr::new(1, 1, 1, small(u, 3)?),
        cluster_len: u32::from(small(u, 2)?),
        address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, small(u, 3)?)),
    })
}

fn built(u: &mut Unstructured, peer: u32) -> Result<PathKey> {
    let kinds = [
        SegmentType::Set,
        SegmentType::Sequence,
        SegmentType::ConfedSequence,
        SegmentType::ConfedSet,
    ];
    let mut segments = Vec::new();
    for _ in 0..small(u, 4)? {
        let kind = kinds[small(u, 4)? as usize];
        let asns = (0..1 + small(u, 3)?)
            .map(|_| Ok(64512 + u32::from(small(u, 4)?)))
            .collect::<Result<Vec<u32>>>()?;
        segments.push(Segment { kind, asns });
    }
    let attrs = Attrs {
        origin: if u.arbitrary()? {
            Some(origin(u)?)
        } else {
            None
        },
        as_path: if u.arbitrary()? {
            Some(AsPath { segments })
        } else {
            None
        },
        med: if u.arbitrary()? {
            Some(u32::from(small(u, 3)?))
        } else {
            None
        },
        local_pref: if u.arbitrary()? {
            Some(99 + u32::from(small(u, 3)?))
        } else {
            None
        },
        originator_id: if u.arbitrary()? {
            Some(Ipv4Addr::new(1, 1, 1, small(u, 3)?))
        } else {
            None
        },
        cluster_list: vec![Ipv4Addr::new(10, 255, 0, 1); small(u, 2)? as usize],
        ..Attrs::default()
    };
    let internal: bool = u.arbitrary()?;
    let info = PeerInfo {
        address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, small(u, 3)?)),
        router_id: Ipv4Addr::new(1, 1, 1, small(u, 3)?),
        peer_as: if internal {
            65000
        } else {
            64512 + u32::from(small(u, 4)?)
        },
        local_as: 65000,
        internal,
    };
    Ok(PathKey::new(PeerId(peer), &info, &attrs))
}

fn key(u: &mut Unstructured, peer: u32) -> Result<PathKey> {
    match u.arbitrary::<bool>()? {
        true => built(u, peer),
        false => direct(u, peer),
    }
}

/// A key from one of three peers (so triples share peers now and then).
fn any_peer(u: &mut Unstructured) -> Result<PathKey> {
    let peer = u32::from(small(u, 3)?);
    key(u, peer)
}

/// Antisymmetry and transitivity over one triple.
fn verify_ord(a: &PathKey, b: &PathKey, c: &PathKey, med: Med) {
    let cmp = |x: &PathKey, y: &PathKey| -> Ordering { compare(x, y, med).0 };
    for (x, y) in [(a, b), (b, c), (a, c)] {
        assert_eq!(cmp(y, x), cmp(x, y).reverse(), "antisymmetry");
        if x.peer != y.peer {
            assert_ne!(cmp(x, y), Equal, "distinct peers compare equal");
        }
    }
    let ac = cmp(a, c);
    match (cmp(a, b), cmp(b, c)) {
        (Less, Less) | (Less, Equal) | (Equal, Less) => assert_eq!(ac, Less),
        (Equal, Equal) => assert_eq!(ac, Equal),
        (Greater, Greater) | (Greater, Equal) | (Equal, Greater) => assert_eq!(ac, Greater),
        (Less, Greater) | (Greater, Less) => {}
    }
}

/// The best peer and the multipath peers (sorted) of `paths`.
fn decide(paths: &[PathKey], mode: Multipath) -> (PeerId, Vec<PeerId>) {
    let best = select(paths).expect("non-empty");
    let mut set: Vec<PeerId> = multipath(paths, best, mode)
        .iter()
        .map(|&i| paths[i].peer)
        .collect();
    set.sort();
    (paths[best].peer, set)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    // A triple whose peers may coincide.
    let triple = (|| -> Result<[PathKey; 3]> {
        Ok([any_peer(&mut u)?, any_peer(&mut u)?, any_peer(&mut u)?])
    })();
    let Ok([a, b, c]) = triple else {
        return;
    };
    for med in [Med::Compare, Med::Skip] {
        verify_ord(&a, &b, &c, med);
    }

    // Up to 8 paths from distinct peers, in the given order and in every rotation and
    // its reverse: the same best and multipath set each time.
    let mut paths = Vec::new();
    while paths.len() < 8 {
        match key(&mut u, paths.len() as u32) {
            Ok(k) => paths.push(k),
            Err(_) => break,
        }
    }
    if paths.is_empty() {
        return;
    }
    let mode = Multipath {
        multiple_as: paths.len() % 2 == 0,
    };
    let want = decide(&paths, mode);
    for r in 0..paths.len() {
        let mut v = paths.clone();
        v.rotate_left(r);
        assert_eq!(decide(&v, mode), want, "rotation {r}");
        v.reverse();
        assert_eq!(decide(&v, mode), want, "reversed rotation {r}");
    }
});
