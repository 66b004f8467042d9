//! Adj-RIB-In: what each peer sent (pre-policy) and what import made of it
//! (post-policy, or hidden), with the per-peer counters of `show bgp summary`.
//!
//! The entries live in the family tables' destinations (`loc.rs`), one per peer and
//! prefix; this file holds the entry and the changes a peer can cause: announce,
//! withdraw, session down and re-import. Each change that can move the prefix's best
//! marks it dirty *before* touching it, and clears the flags of the entry it changes
//! (so flags and counters only ever describe decisions that were taken).

use std::collections::btree_map::Entry as MapEntry;
use std::sync::Arc;

use ipnet::IpNet;

use crate::packet::Attrs;

use super::loc::{mark_dirty, Paths, Prefix, Table};
use super::{PathRef, PeerId, PeerInfo};

/// Flag: the prefix's best path (Loc-RIB).
pub(crate) const ACTIVE: u8 = 1;
/// Flag: member of the prefix's multipath set other than the best.
pub(crate) const MULTIPATH: u8 = 2;

/// One peer's route for one prefix: 24 bytes.
#[derive(Debug)]
pub(crate) struct Entry {
    /// As the peer sent it.
    pub(crate) received: Arc<Attrs>,
    /// As import accepted it; `None`: rejected by import (hidden).
    pub(crate) accepted: Option<Arc<Attrs>>,
    pub(crate) peer: PeerId,
    /// [`ACTIVE`] | [`MULTIPATH`], as of the last decision over this entry.
    pub(crate) flags: u8,
}

impl Entry {
    pub(crate) fn path_ref(&self) -> Option<PathRef> {
        self.accepted.as_ref().map(|a| PathRef {
            peer: self.peer,
            attrs: a.clone(),
        })
    }

    pub(crate) fn view(&self) -> RouteIn<'_> {
        RouteIn {
            peer: self.peer,
            received: &self.received,
            accepted: self.accepted.as_ref(),
            active: self.flags & ACTIVE != 0,
            multipath: self.flags & MULTIPATH != 0,
        }
    }
}

/// A route as the Adj-RIB-In holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteIn<'a> {
    pub peer: PeerId,
    /// Attributes as received (pre-policy).
    pub received: &'a Arc<Attrs>,
    /// Attributes after import; `None`: hidden (rejected by import).
    pub accepted: Option<&'a Arc<Attrs>>,
    /// The prefix's best path (as of the last `process`).
    pub active: bool,
    /// Shares the traffic with the active route (a member of the multipath set other
    /// than the best; only with multipath on).
    pub multipath: bool,
}

impl RouteIn<'_> {
    pub fn hidden(&self) -> bool {
        self.accepted.is_none()
    }
}

/// `show bgp summary`'s `Active/Received/Accepted/Damped` for one peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PeerCounters {
    /// Routes that are the best of their prefix (as of the last `process`).
    pub active: usize,
    /// Routes in the Adj-RIB-In, hidden ones included.
    pub received: usize,
    /// Routes import accepted.
    pub accepted: usize,
    /// Always 0: there is no route flap damping.
    pub damped: usize,
}

impl std::ops::Add for PeerCounters {
    type Output = PeerCounters;

    fn add(self, o: PeerCounters) -> PeerCounters {
        PeerCounters {
            active: self.active + o.active,
            received: self.received + o.received,
            accepted: self.accepted + o.accepted,
            damped: self.damped + o.damped,
        }
    }
}

#[derive(Debug)]
pub(crate) struct PeerSlot {
    pub(crate) info: PeerInfo,
    /// The neighbor's `multipath` (Junos: only paths learned by a multipath-enabled neighbor
    /// share the traffic).
    pub(crate) multipath: Option<super::Multipath>,
    /// Per family: IPv4 unicast, IPv6 unicast (index [`Prefix::FAMILY`](super::loc::Prefix)).
    pub(crate) counters: [PeerCounters; 2],
}

impl PeerSlot {
    pub(crate) fn new(info: PeerInfo, multipath: Option<super::Multipath>) -> Self {
        Self {
            info,
            multipath,
            counters: [PeerCounters::default(); 2],
        }
    }

    /// Both families together.
    pub(crate) fn total(&self) -> PeerCounters {
        self.counters[0] + self.counters[1]
    }
}

/// Same attributes: the same interned set, or equal ones.
fn same(a: &Arc<Attrs>, b: &Arc<Attrs>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

fn same_opt(a: Option<&Arc<Attrs>>, b: Option<&Arc<Attrs>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Counts an entry that is leaving, or about to be replaced.
fn uncount(e: &Entry, c: &mut PeerCounters) {
    c.received -= 1;
    if e.accepted.is_some() {
        c.accepted -= 1;
    }
    if e.flags & ACTIVE != 0 {
        c.active -= 1;
    }
}

fn count(e: &Entry, c: &mut PeerCounters) {
    c.received += 1;
    if e.accepted.is_some() {
        c.accepted += 1;
    }
}

/// Replaces `e`'s attributes (flags cleared: it has to be decided again).
fn replace(
    e: &mut Entry,
    received: Arc<Attrs>,
    accepted: Option<Arc<Attrs>>,
    c: &mut PeerCounters,
) {
    uncount(e, c);
    e.received = received;
    e.accepted = accepted;
    e.flags = 0;
    count(e, c);
}

impl<P: Prefix> Table<P> {
    pub(crate) fn announce(
        &mut self,
        prefix: P,
        peer: PeerId,
        received: Arc<Attrs>,
        accepted: Option<Arc<Attrs>>,
        c: &mut PeerCounters,
    ) {
        let Self { dests, dirty } = self;
        let entry = Entry {
            received,
            accepted,
            peer,
            flags: 0,
        };
        let paths = match dests.entry(prefix) {
            MapEntry::Vacant(v) => {
                if entry.accepted.is_some() {
                    mark_dirty(dirty, prefix, None);
                }
                count(&entry, c);
                v.insert(Paths::One(entry));
                return;
            }
            MapEntry::Occupied(o) => o.into_mut(),
        };
        match paths.find(peer) {
            Ok(i) => {
                let old = &paths.as_slice()[i];
                if same(&old.received, &entry.received)
                    && same_opt(old.accepted.as_ref(), entry.accepted.as_ref())
                {
                    return;
                }
                if old.accepted.is_some() || entry.accepted.is_some() {
                    mark_dirty(dirty, prefix, Some(paths));
                }
                let e = &mut paths.as_mut_slice()[i];
                replace(e, entry.received, entry.accepted, c);
            }
            Err(at) => {
                if entry.accepted.is_some() {
                    mark_dirty(dirty, prefix, Some(paths));
                }
                count(&entry, c);
                paths.insert(at, entry);
            }
        }
    }

    /// Withdraws `peer`'s route for `prefix`; a prefix it never sent is ignored.
    pub(crate) fn withdraw(&mut self, prefix: P, peer: PeerId, c: &mut PeerCounters) {
        let Self { dests, dirty } = self;
        let Some(paths) = dests.get_mut(&prefix) else {
            return;
        };
        let Ok(i) = paths.find(peer) else {
            return;
        };
        if paths.as_slice()[i].accepted.is_some() {
            mark_dirty(dirty, prefix, Some(paths));
        }
        let gone = match paths {
            Paths::Many(_) => paths.remove_from_many(i),
            Paths::One(_) => match dests.remove(&prefix) {
                Some(Paths::One(e)) => e,
                _ => return, // unreachable: the prefix held this one path
            },
        };
        uncount(&gone, c);
    }

    /// Drops every route of `peer` (its counters are reset by the caller).
    pub(crate) fn drop_peer(&mut self, peer: PeerId) {
        let Self { dests, dirty } = self;
        dests.retain(|prefix, paths| {
            let Ok(i) = paths.find(peer) else {
                return true;
            };
            if paths.as_slice()[i].accepted.is_some() {
                mark_dirty(dirty, *prefix, Some(paths));
            }
            match paths {
                Paths::One(_) => false,
                Paths::Many(_) => {
                    paths.remove_from_many(i);
                    true
                }
            }
        });
    }

    /// Runs `import` again over `peer`'s received routes.
    pub(crate) fn reimport(
        &mut self,
        peer: PeerId,
        import: &mut impl FnMut(&IpNet, &Arc<Attrs>) -> Option<Arc<Attrs>>,
        c: &mut PeerCounters,
    ) {
        let Self { dests, dirty } = self;
        for (prefix, paths) in dests.iter_mut() {
            let Ok(i) = paths.find(peer) else {
                continue;
            };
            let e = &paths.as_slice()[i];
            let net: IpNet = (*prefix).into();
            let accepted = import(&net, &e.received);
            if same_opt(e.accepted.as_ref(), accepted.as_ref()) {
                continue;
            }
            mark_dirty(dirty, *prefix, Some(paths));
            let e = &mut paths.as_mut_slice()[i];
            let received = e.received.clone();
            replace(e, received, accepted, c);
        }
    }
}

/// The registered peers, sorted by id: a binary search over a few dozen ids is cheaper
/// than hashing, and the decision process looks a peer up for every path.
#[derive(Debug, Default)]
pub(crate) struct Peers(Vec<(PeerId, PeerSlot)>);

impl Peers {
    pub(crate) fn get(&self, peer: &PeerId) -> Option<&PeerSlot> {
        let i = self.0.binary_search_by_key(peer, |(p, _)| *p).ok()?;
        Some(&self.0[i].1)
    }

    pub(crate) fn get_mut(&mut self, peer: &PeerId) -> Option<&mut PeerSlot> {
        let i = self.0.binary_search_by_key(peer, |(p, _)| *p).ok()?;
        Some(&mut self.0[i].1)
    }

    pub(crate) fn insert(&mut self, peer: PeerId, slot: PeerSlot) {
        match self.0.binary_search_by_key(&peer, |(p, _)| *p) {
            Ok(i) => self.0[i].1 = slot,
            Err(i) => self.0.insert(i, (peer, slot)),
        }
    }

    pub(crate) fn remove(&mut self, peer: &PeerId) -> Option<PeerSlot> {
        let i = self.0.binary_search_by_key(peer, |(p, _)| *p).ok()?;
        Some(self.0.remove(i).1)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &PeerSlot> {
        self.0.iter().map(|(_, s)| s)
    }

    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut PeerSlot> {
        self.0.iter_mut().map(|(_, s)| s)
    }
}
