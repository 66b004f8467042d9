//! The Loc-RIB side of a family's table: per-prefix destinations (every peer's path,
//! flagged active/multipath), the dirty queue, and re-deciding dirty prefixes.

use std::collections::btree_map::Entry as MapEntry;
use std::collections::BTreeMap;
use std::fmt::Debug;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::adj_in::{Entry, Peers, RouteIn, ACTIVE, MULTIPATH};
use super::decision::{self, PathKey};
use super::{BestChange, PathRef, PeerId};

/// A family's prefix type.
pub(crate) trait Prefix: Copy + Ord + Debug + Into<IpNet> {
    /// The family's index in a peer's counters: 0 IPv4, 1 IPv6.
    const FAMILY: usize;
}
impl Prefix for Ipv4Net {
    const FAMILY: usize = 0;
}
impl Prefix for Ipv6Net {
    const FAMILY: usize = 1;
}

/// One family: destinations and the prefixes waiting to be decided again.
#[derive(Debug)]
pub(crate) struct Table<P> {
    pub(crate) dests: BTreeMap<P, Paths>,
    pub(crate) dirty: BTreeMap<P, Snapshot>,
}

impl<P> Default for Table<P> {
    fn default() -> Self {
        Self {
            dests: BTreeMap::new(),
            dirty: BTreeMap::new(),
        }
    }
}

/// A prefix's paths, one per peer, sorted by peer. Never empty: a prefix without paths
/// is removed from the table. One path is stored inline (a table from a single upstream
/// allocates nothing per prefix); more in a boxed slice (16 bytes, no spare capacity).
#[derive(Debug)]
pub(crate) enum Paths {
    One(Entry),
    Many(Box<[Entry]>),
}

impl Paths {
    pub(crate) fn as_slice(&self) -> &[Entry] {
        match self {
            Self::One(e) => std::slice::from_ref(e),
            Self::Many(v) => v,
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [Entry] {
        match self {
            Self::One(e) => std::slice::from_mut(e),
            Self::Many(v) => v,
        }
    }

    pub(crate) fn find(&self, peer: PeerId) -> Result<usize, usize> {
        self.as_slice().binary_search_by_key(&peer, |e| e.peer)
    }

    /// Inserts `e` at `at` (from a failed [`find`](Self::find)).
    pub(crate) fn insert(&mut self, at: usize, e: Entry) {
        // Reshapes in place; nothing between taking the old value and storing the new
        // one can fail.
        let old = std::mem::replace(self, Self::Many(Box::default()));
        let mut v = match old {
            Self::One(first) => {
                let mut v = Vec::with_capacity(2);
                v.push(first);
                v
            }
            Self::Many(b) => {
                let mut v = b.into_vec();
                v.reserve_exact(1);
                v
            }
        };
        v.insert(at, e);
        *self = Self::Many(v.into_boxed_slice());
    }

    /// Removes the entry at `i` (from a successful [`find`](Self::find)) from a prefix
    /// with more than one path; the last one left goes back inline.
    pub(crate) fn remove_from_many(&mut self, i: usize) -> Entry {
        // As in `insert`: nothing between the two assignments can fail.
        let old = std::mem::replace(self, Self::Many(Box::default()));
        let mut v = match old {
            Self::One(e) => vec![e],
            Self::Many(b) => b.into_vec(),
        };
        let e = v.remove(i);
        *self = match v.len() {
            1 => Self::One(v.remove(0)),
            _ => Self::Many(v.into_boxed_slice()),
        };
        e
    }

    fn flagged(&self, flag: u8) -> impl Iterator<Item = &Entry> {
        self.as_slice().iter().filter(move |e| e.flags & flag != 0)
    }
}

/// A dirty prefix's Loc-RIB state before its first change since the last `process`.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    best: Option<PathRef>,
    /// The other members of the multipath set.
    others: Box<[PathRef]>,
}

impl Snapshot {
    fn of(paths: Option<&Paths>) -> Self {
        let Some(paths) = paths else {
            return Self::default();
        };
        Self {
            best: paths.flagged(ACTIVE).find_map(Entry::path_ref),
            others: paths
                .flagged(MULTIPATH)
                .filter_map(Entry::path_ref)
                .collect(),
        }
    }
}

/// The multipath set: the best first, then the other members in peer order. Just the
/// best when multipath is off.
fn multipath_of(paths: &Paths) -> Vec<PathRef> {
    paths
        .flagged(ACTIVE)
        .chain(paths.flagged(MULTIPATH))
        .filter_map(Entry::path_ref)
        .collect()
}

/// Whether two multipath sets (best, others) hold different paths.
fn sets_differ(a: (&Option<PathRef>, &[PathRef]), b: (&Option<PathRef>, &[PathRef])) -> bool {
    if a.1.is_empty() && b.1.is_empty() {
        return a.0 != b.0; // the common case, without allocating
    }
    sorted_set(a.0, a.1) != sorted_set(b.0, b.1)
}

fn sorted_set<'a>(best: &'a Option<PathRef>, others: &'a [PathRef]) -> Vec<&'a PathRef> {
    let mut v: Vec<&PathRef> = best.iter().chain(others).collect();
    v.sort_by_key(|p| p.peer);
    v
}

/// Buffers reused across prefixes while processing.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    keys: Vec<PathKey>,
    index: Vec<usize>,
}

/// Queues `prefix` for `process`, remembering its state before this first change.
/// Call before changing its paths.
pub(crate) fn mark_dirty<P: Prefix>(
    dirty: &mut BTreeMap<P, Snapshot>,
    prefix: P,
    paths: Option<&Paths>,
) {
    if let MapEntry::Vacant(v) = dirty.entry(prefix) {
        v.insert(Snapshot::of(paths));
    }
}

impl<P: Prefix> Table<P> {
    /// Marks dirty every prefix where `peer` has an accepted path.
    pub(crate) fn touch_peer(&mut self, peer: PeerId) {
        let Self { dests, dirty } = self;
        for (p, paths) in dests.iter() {
            if let Ok(i) = paths.find(peer) {
                if paths.as_slice()[i].accepted.is_some() {
                    mark_dirty(dirty, *p, Some(paths));
                }
            }
        }
    }

    /// Marks dirty every prefix with more than one path.
    pub(crate) fn touch_multi(&mut self) {
        let Self { dests, dirty } = self;
        for (p, paths) in dests.iter() {
            if matches!(paths, Paths::Many(_)) {
                mark_dirty(dirty, *p, Some(paths));
            }
        }
    }

    /// Decides up to `max` dirty prefixes, appending the changes to `out`; returns how
    /// many prefixes it took from the queue.
    pub(crate) fn process(
        &mut self,
        max: usize,
        peers: &mut Peers,
        scratch: &mut Scratch,
        out: &mut Vec<BestChange>,
    ) -> usize {
        let mut n = 0;
        while n < max {
            let Some((prefix, snap)) = self.dirty.pop_first() else {
                break;
            };
            n += 1;
            let (best, others) = match self.dests.get_mut(&prefix) {
                Some(paths) => decide::<P>(paths, peers, scratch),
                None => (None, Vec::new()),
            };
            let multipath_changed = sets_differ((&snap.best, &snap.others), (&best, &others));
            if snap.best != best || multipath_changed {
                out.push(BestChange {
                    prefix: prefix.into(),
                    old: snap.best,
                    new: best,
                    multipath_changed,
                });
            }
        }
        n
    }

    pub(crate) fn best(&self, prefix: &P) -> Option<PathRef> {
        let paths = self.dests.get(prefix)?;
        paths.flagged(ACTIVE).find_map(Entry::path_ref)
    }

    pub(crate) fn multipath(&self, prefix: &P) -> Vec<PathRef> {
        self.dests.get(prefix).map(multipath_of).unwrap_or_default()
    }

    pub(crate) fn routes(&self, prefix: &P) -> Vec<RouteIn<'_>> {
        self.dests
            .get(prefix)
            .map(|paths| paths.as_slice().iter().map(Entry::view).collect())
            .unwrap_or_default()
    }

    pub(crate) fn received(&self, peer: PeerId) -> impl Iterator<Item = (IpNet, RouteIn<'_>)> {
        self.dests.iter().filter_map(move |(p, paths)| {
            let i = paths.find(peer).ok()?;
            Some(((*p).into(), paths.as_slice()[i].view()))
        })
    }

    pub(crate) fn active(&self) -> impl Iterator<Item = (IpNet, PathRef)> + '_ {
        self.dests.iter().filter_map(|(p, paths)| {
            let best = paths.flagged(ACTIVE).find_map(Entry::path_ref)?;
            Some(((*p).into(), best))
        })
    }
}

/// Runs the decision process over one prefix's accepted paths, sets the flags (and the
/// peers' active counters) to match, and returns the best and the other members of the
/// multipath set.
fn decide<P: Prefix>(
    paths: &mut Paths,
    peers: &mut Peers,
    scratch: &mut Scratch,
) -> (Option<PathRef>, Vec<PathRef>) {
    let Scratch { keys, index } = scratch;
    keys.clear();
    index.clear();
    for (i, e) in paths.as_slice().iter().enumerate() {
        if let (Some(attrs), Some(slot)) = (&e.accepted, peers.get(&e.peer)) {
            keys.push(PathKey::new(e.peer, &slot.info, attrs));
            index.push(i);
        }
    }
    let best = decision::select(keys);
    // Junos: the paths learned by multipath neighbors share the traffic, when the best is one
    // of them, in the best's neighbor's mode.
    let multipath_of = |k: &PathKey| peers.get(&k.peer).and_then(|s| s.multipath);
    let members = match best.map(|b| (b, multipath_of(&keys[b]))) {
        Some((b, Some(m))) if keys.len() > 1 => {
            let candidates: Vec<usize> = (0..keys.len())
                .filter(|&i| i == b || multipath_of(&keys[i]).is_some())
                .collect();
            let subset: Vec<PathKey> = candidates.iter().map(|&i| keys[i]).collect();
            let at = candidates.iter().position(|&i| i == b).unwrap_or(0);
            decision::multipath(&subset, at, m)
                .into_iter()
                .map(|k| candidates[k])
                .collect()
        }
        _ => Vec::new(),
    };
    let best_entry = best.map(|b| index[b]);
    for (i, e) in paths.as_mut_slice().iter_mut().enumerate() {
        let flags = match best_entry == Some(i) {
            true => ACTIVE,
            false if members.iter().any(|&k| index[k] == i) => MULTIPATH,
            false => 0,
        };
        let was = e.flags & ACTIVE != 0;
        let is = flags & ACTIVE != 0;
        if was != is {
            if let Some(slot) = peers.get_mut(&e.peer) {
                match is {
                    true => slot.counters[P::FAMILY].active += 1,
                    false => slot.counters[P::FAMILY].active -= 1,
                }
            }
        }
        e.flags = flags;
    }
    let best = best_entry.and_then(|i| paths.as_slice()[i].path_ref());
    let others = paths
        .flagged(MULTIPATH)
        .filter_map(Entry::path_ref)
        .collect();
    (best, others)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::packet::Attrs;

    fn entry(peer: u32) -> Entry {
        Entry {
            received: Arc::new(Attrs::default()),
            accepted: None,
            peer: PeerId(peer),
            flags: 0,
        }
    }

    fn peers(p: &Paths) -> Vec<u32> {
        p.as_slice().iter().map(|e| e.peer.0).collect()
    }

    #[test]
    fn a_route_stays_small() {
        assert_eq!(std::mem::size_of::<Entry>(), 24);
        assert_eq!(std::mem::size_of::<Paths>(), 24);
    }

    #[test]
    fn paths_stay_sorted_and_go_back_inline() {
        let mut p = Paths::One(entry(5));
        for n in [9, 1, 7] {
            let at = p.find(PeerId(n)).unwrap_err();
            p.insert(at, entry(n));
        }
        assert_eq!(peers(&p), vec![1, 5, 7, 9]);
        assert_eq!(p.find(PeerId(7)), Ok(2));
        assert_eq!(p.remove_from_many(0).peer, PeerId(1));
        assert_eq!(p.remove_from_many(2).peer, PeerId(9));
        assert!(matches!(p, Paths::Many(_)));
        assert_eq!(p.remove_from_many(0).peer, PeerId(5));
        assert!(matches!(p, Paths::One(_)));
        assert_eq!(peers(&p), vec![7]);
    }
}
