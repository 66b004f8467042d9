//! The BGP decision process: which of a prefix's paths is best, and which paths are
//! equal enough to share the traffic (multipath). Pure functions over [`PathKey`]s, so
//! the laws of the order can be tested and fuzzed on their own.
//!
//! Order (Junos "How the active route is determined", BGP steps; RFC 4271 §9.1.2.2):
//!
//! | step | prefer | source |
//! |---|---|---|
//! | [`Step::Preference`] | lower route preference (170 unless import set another: `then preference`, the neighbor's `preference`) | Junos, its first step for every protocol |
//! | [`Step::LocalPref`] | higher LOCAL_PREF, missing = 100 | RFC 4271 §9.1.1, Junos default |
//! | [`Step::AsPathLength`] | shorter AS_PATH (AS_SET = 1, confederation segments = 0) | RFC 4271 §9.1.2.2 a, RFC 5065 §5.3 |
//! | [`Step::Origin`] | lower ORIGIN: IGP < EGP < Incomplete (missing = Incomplete) | RFC 4271 §9.1.2.2 b |
//! | [`Step::Med`] | lower MED, missing = 0, only between paths from the same neighboring AS | RFC 4271 §9.1.2.2 c, Junos `path-selection` default |
//! | [`Step::External`] | eBGP over iBGP | RFC 4271 §9.1.2.2 d |
//! | — | lower IGP metric to the next hop: **skipped** (next hops are not resolved here; every path counts as metric 0) | RFC 4271 §9.1.2.2 e |
//! | [`Step::RouterId`] | lower router id; ORIGINATOR_ID stands in for it when present | RFC 4456 §9, Junos |
//! | [`Step::ClusterListLength`] | shorter CLUSTER_LIST | RFC 4456 §9, Junos |
//! | [`Step::PeerAddress`] | lower peer address | RFC 4271 §9.1.2.2 g, Junos |
//! | [`Step::PeerId`] | lower [`PeerId`] (only two peers registered with one address get here) | this crate |
//!
//! Two Junos steps are left out on purpose: "both paths external: prefer the currently
//! active one" (it makes the result depend on arrival order; leaving it out is Junos with
//! `path-selection external-router-id`) and "AIGP", which we do not carry.
//!
//! ## MED and determinism
//! Comparing MED only within one neighboring AS is not transitive: with A (AS 100,
//! MED 20, router id 1), B (AS 100, MED 10, router id 3) and C (AS 200, router id 2),
//! pairwise B beats A (MED), A beats C (router id) and C beats B (router id). Which one
//! wins a pairwise scan depends on the order the paths arrived in. Junos (unless
//! `cisco-non-deterministic`) groups the paths by neighboring AS instead: the best of
//! each group is chosen with MED, then the group winners are compared without it
//! (above: B wins AS 100, then C beats B, so C is best whatever the order). [`select`]
//! does exactly that, with two comparators that are each a strict total order on paths
//! from distinct peers: [`compare`] with [`Med::Compare`] (used inside a group, where it
//! is the RFC comparison) and with [`Med::Skip`] (used between groups, where the RFC
//! would not compare MED either).

use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr};

use crate::packet::{AsPath, Attrs, Origin, SegmentType};

use super::{PeerId, PeerInfo};

/// LOCAL_PREF of a path that carries none (RFC 4271 §5.1.5 leaves it to the speaker;
/// Junos and everyone else use 100).
pub const DEFAULT_LOCAL_PREF: u32 = 100;

/// Everything the decision process looks at in one path, computed once per path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PathKey {
    pub peer: PeerId,
    /// The route preference (lower wins), [`Attrs::preference`] or 170.
    pub preference: u32,
    pub local_pref: u32,
    pub as_path_len: u32,
    pub origin: Origin,
    pub med: u32,
    /// The AS the path entered ours from; MED is compared only between paths with the
    /// same one.
    pub neighbor_as: u32,
    pub external: bool,
    /// The peer's BGP identifier, or the path's ORIGINATOR_ID when it has one.
    pub router_id: Ipv4Addr,
    pub cluster_len: u32,
    pub address: IpAddr,
}

impl PathKey {
    pub fn new(peer: PeerId, info: &PeerInfo, attrs: &Attrs) -> Self {
        Self {
            peer,
            preference: attrs.preference.unwrap_or(crate::policy::BGP_PREFERENCE),
            local_pref: attrs.local_pref.unwrap_or(DEFAULT_LOCAL_PREF),
            as_path_len: attrs
                .as_path
                .as_ref()
                .map_or(0, |p| u32::try_from(p.path_len()).unwrap_or(u32::MAX)),
            origin: attrs.origin.unwrap_or(Origin::Incomplete),
            med: attrs.med.unwrap_or(0),
            neighbor_as: neighbor_as(attrs.as_path.as_ref(), info),
            external: !info.internal,
            router_id: attrs.originator_id.unwrap_or(info.router_id),
            cluster_len: u32::try_from(attrs.cluster_list.len()).unwrap_or(u32::MAX),
            address: info.address,
        }
    }
}

/// The neighboring AS of a path (RFC 4271 §9.1.2.2 c; confederation segments are
/// skipped, as Junos does): the first AS of the leading AS_SEQUENCE. A path that has
/// none (empty, or starting with an AS_SET) was originated or aggregated by the sender:
/// its neighboring AS is the peer's own AS for an external peer and ours for an internal
/// one.
pub fn neighbor_as(path: Option<&AsPath>, info: &PeerInfo) -> u32 {
    let first = path.and_then(|p| p.segments.iter().find(|s| !s.kind.is_confed()));
    match first {
        Some(s) if s.kind == SegmentType::Sequence && !s.asns.is_empty() => s.asns[0],
        _ if info.internal => info.local_as,
        _ => info.peer_as,
    }
}

/// Whether [`compare`] looks at MED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Med {
    /// Between paths of one neighboring AS (or with `always-compare-med`).
    Compare,
    /// Between paths of different neighboring ASes.
    Skip,
}

/// The step that decided a comparison (for `show route detail`'s inactive reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Preference,
    LocalPref,
    AsPathLength,
    Origin,
    Med,
    External,
    RouterId,
    ClusterListLength,
    PeerAddress,
    PeerId,
}

/// Compares two paths: `Less` means `a` is preferred (sorting ascending puts the best
/// first). `Equal` only for paths from the same peer that tie on every step. Also says
/// which step decided.
pub fn compare(a: &PathKey, b: &PathKey, med: Med) -> (Ordering, Step) {
    let steps = [
        (Step::Preference, a.preference.cmp(&b.preference)),
        (Step::LocalPref, b.local_pref.cmp(&a.local_pref)),
        (Step::AsPathLength, a.as_path_len.cmp(&b.as_path_len)),
        (Step::Origin, a.origin.cmp(&b.origin)),
        (
            Step::Med,
            match med {
                Med::Compare => a.med.cmp(&b.med),
                Med::Skip => Ordering::Equal,
            },
        ),
        (Step::External, b.external.cmp(&a.external)),
        (Step::RouterId, a.router_id.cmp(&b.router_id)),
        (Step::ClusterListLength, a.cluster_len.cmp(&b.cluster_len)),
        (Step::PeerAddress, a.address.cmp(&b.address)),
        (Step::PeerId, a.peer.cmp(&b.peer)),
    ];
    steps
        .into_iter()
        .find(|(_, o)| o.is_ne())
        .map_or((Ordering::Equal, Step::PeerId), |(s, o)| (o, s))
}

/// `compare(a, b, Med::Compare)` when both come from one neighboring AS, else with
/// `Med::Skip`: RFC 4271's pairwise rule. Not transitive (see the module docs); use it
/// only to explain one comparison, never to pick a best by scanning.
pub fn compare_pair(a: &PathKey, b: &PathKey) -> (Ordering, Step) {
    let med = match a.neighbor_as == b.neighbor_as {
        true => Med::Compare,
        false => Med::Skip,
    };
    compare(a, b, med)
}

/// Index of the best path: the best of each neighboring-AS group by
/// [`compare`]`(.., Med::Compare)`, then the best of those by `Med::Skip`. A function of
/// the set of paths, not of their order.
pub fn select(paths: &[PathKey]) -> Option<usize> {
    match paths {
        [] => None,
        [_] => Some(0),
        [a, b] => Some(match compare_pair(a, b).0 {
            Ordering::Greater => 1,
            _ => 0,
        }),
        _ => {
            let mut order: Vec<usize> = (0..paths.len()).collect();
            order.sort_unstable_by(|&i, &j| {
                let (a, b) = (&paths[i], &paths[j]);
                a.neighbor_as
                    .cmp(&b.neighbor_as)
                    .then_with(|| compare(a, b, Med::Compare).0)
            });
            let mut best: Option<usize> = None;
            let mut group = None;
            for i in order {
                if group == Some(paths[i].neighbor_as) {
                    continue; // not the best of its group
                }
                group = Some(paths[i].neighbor_as);
                best = match best {
                    Some(b) if compare(&paths[b], &paths[i], Med::Skip).0.is_le() => Some(b),
                    _ => Some(i),
                };
            }
            best
        }
    }
}

/// Junos `multipath` (and `multipath multiple-as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Multipath {
    /// Paths from different neighboring ASes may share the traffic.
    pub multiple_as: bool,
}

/// The paths that share the traffic with `best` (which [`select`] chose; it comes
/// first, the others follow in [`Med::Skip`] order): those equal to it down to, not
/// including, the router-id step. That is: same preference, LOCAL_PREF, AS_PATH length, ORIGIN and
/// eBGP/iBGP kind; the best MED of their own neighboring AS (no path of that AS with the
/// same LOCAL_PREF, length and ORIGIN has a lower one); and the best's neighboring AS
/// unless `multiple_as`.
pub fn multipath(paths: &[PathKey], best: usize, mode: Multipath) -> Vec<usize> {
    let Some(b) = paths.get(best) else {
        return Vec::new();
    };
    let head = |p: &PathKey| (p.preference, p.local_pref, p.as_path_len, p.origin);
    let tied: Vec<&PathKey> = paths.iter().filter(|p| head(p) == head(b)).collect();
    let best_med = |asn: u32| {
        tied.iter()
            .filter(|p| p.neighbor_as == asn)
            .map(|p| p.med)
            .min()
    };
    let mut set: Vec<usize> = (0..paths.len())
        .filter(|&i| {
            let p = &paths[i];
            i == best
                || (head(p) == head(b)
                    && p.external == b.external
                    && (mode.multiple_as || p.neighbor_as == b.neighbor_as)
                    && best_med(p.neighbor_as) == Some(p.med))
        })
        .collect();
    set.sort_by(|&i, &j| {
        (j == best)
            .cmp(&(i == best))
            .then_with(|| compare(&paths[i], &paths[j], Med::Skip).0)
    });
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Segment;

    fn info(internal: bool) -> PeerInfo {
        PeerInfo {
            address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            router_id: Ipv4Addr::new(1, 1, 1, 1),
            peer_as: 64512,
            local_as: 65000,
            internal,
        }
    }

    fn path(segments: Vec<(SegmentType, Vec<u32>)>) -> AsPath {
        AsPath {
            segments: segments
                .into_iter()
                .map(|(kind, asns)| Segment { kind, asns })
                .collect(),
        }
    }

    #[test]
    fn neighbor_as_skips_confederations_and_falls_back() {
        use SegmentType::*;
        let p = path(vec![
            (ConfedSequence, vec![65001]),
            (Sequence, vec![174, 3]),
        ]);
        assert_eq!(neighbor_as(Some(&p), &info(true)), 174);
        let set_first = path(vec![(Set, vec![1, 2])]);
        assert_eq!(neighbor_as(Some(&set_first), &info(true)), 65000);
        assert_eq!(neighbor_as(Some(&set_first), &info(false)), 64512);
        assert_eq!(neighbor_as(None, &info(true)), 65000);
        assert_eq!(neighbor_as(Some(&AsPath::default()), &info(false)), 64512);
    }

    #[test]
    fn key_defaults() {
        let k = PathKey::new(PeerId(1), &info(false), &Attrs::default());
        assert_eq!(k.preference, 170);
        assert_eq!(k.local_pref, 100);
        assert_eq!(k.med, 0);
        assert_eq!(k.origin, Origin::Incomplete);
        assert_eq!(k.as_path_len, 0);
        assert!(k.external);
        let a = Attrs {
            originator_id: Some(Ipv4Addr::new(9, 9, 9, 9)),
            cluster_list: vec![Ipv4Addr::new(1, 2, 3, 4); 2],
            ..Attrs::default()
        };
        let k = PathKey::new(PeerId(1), &info(true), &a);
        assert_eq!(k.router_id, Ipv4Addr::new(9, 9, 9, 9));
        assert_eq!(k.cluster_len, 2);
    }
}
