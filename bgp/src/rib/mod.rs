//! The BGP routing information base of one speaker (one routing instance), sans-IO:
//! every input is a method call, every output a value.
//!
//! ```text
//!  UPDATE from peer P ──► Rib::update(P, withdrawn, announced, import)
//!                           │ Adj-RIB-In: per prefix, per peer: received attrs (pre-policy)
//!                           │ and accepted attrs (post-policy; None = hidden by import)
//!                           │ marks the prefix dirty (remembering its old best) when an
//!                           ▼ accepted path came, went or changed
//!                         dirty prefixes ──► Rib::process() ──► Vec<BestChange>
//!                           decision.rs: Junos order, MED grouped by neighboring AS   │
//!                           Loc-RIB = the ACTIVE flag on one path per prefix          │
//!                                                                                     ▼
//!                  caller: RIB route (preference 170) + export policy per peer
//!                                                                                     │
//!  AdjRibOut (one per peer) ◄── apply([(prefix, Some(attrs) | None)]) ◄───────────────┘
//!        └──► OutUpdate { announce: [(attrs, [prefix..])], withdraw: [prefix..] } ──► UpdateBuilder
//! ```
//!
//! ## How an instance actor drives it
//! - Session Established: [`Rib::set_peer`] (router id from the OPEN), then a fresh
//!   [`AdjRibOut`] for the peer fed with the export decision for every
//!   [`Rib::active_routes`] entry.
//! - UPDATE: [`Rib::update`] with the import policy as a closure, then [`Rib::process`]
//!   (or [`Rib::process_limited`] in slices, to stay responsive during a full table).
//!   For each [`BestChange`]: install/remove the RIB route; if [`BestChange::best_changed`],
//!   run export for each peer and hand the decisions to that peer's `AdjRibOut::apply`.
//! - Session down: [`Rib::peer_down`], then `process`; the peer's `AdjRibOut::reset`.
//! - Import policy changed: [`Rib::reimport`] (soft inbound: the received attributes are
//!   kept), then `process`. Export policy changed: export over `active_routes` again and
//!   `apply`; only differences go out. Route refresh from the peer: `AdjRibOut::dump`.
//!
//! ## Storage (why it looks like this)
//! One ordered map per address family (`BTreeMap<Ipv4Net, _>` and `<Ipv6Net, _>`): a
//! v4 key is 5 bytes where an `IpNet` is 18, the families never compete for a prefix,
//! and ordered maps give `show route` and table dumps in prefix order without sorting.
//! Each prefix holds its paths, one per peer, sorted by peer: the Adj-RIB-In entry
//! (received and accepted `Arc<Attrs>`, 24 bytes) *is* the Loc-RIB candidate, marked
//! with flags (active, multipath). One path is stored inline; more go in a boxed slice.
//! Attribute sets are shared (interned by the caller). So a route costs one entry plus
//! its share of the prefix's map slot, and there is no second per-peer map; the price is
//! that per-peer work (`peer_down`, `reimport`, `received`) scans the family's table
//! (BIRD's table prune and holo's neighbor flush do the same).
//! Changes only mark a prefix dirty (with a snapshot of its best and multipath set
//! before the first change); `process` re-decides each dirty prefix once and reports it
//! only if its best or multipath set differs from the snapshot.

mod adj_in;
mod adj_out;
pub mod decision;
mod loc;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::net::Family;
use crate::packet::Attrs;

pub use adj_in::{PeerCounters, RouteIn};
pub use adj_out::{AdjRibOut, OutUpdate};
pub use decision::{Multipath, PathKey, Step};

use adj_in::{PeerSlot, Peers};
use loc::{Scratch, Table};

/// A peer, as the caller numbers them (small and stable while the peer is configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(pub u32);

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "peer#{}", self.0)
    }
}

/// What the decision process needs to know about a peer's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerInfo {
    pub address: IpAddr,
    /// BGP identifier from the peer's OPEN.
    pub router_id: Ipv4Addr,
    pub peer_as: u32,
    pub local_as: u32,
    pub internal: bool,
}

/// A path as the Loc-RIB reports it: who sent it and the attributes import accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    pub peer: PeerId,
    pub attrs: Arc<Attrs>,
}

/// A prefix whose best path or multipath set changed in [`Rib::process`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestChange {
    pub prefix: IpNet,
    /// The best before (as of the previous `process`); `None`: there was none.
    pub old: Option<PathRef>,
    /// The best now; `None`: the prefix is gone from the Loc-RIB.
    pub new: Option<PathRef>,
    /// The paths to install ([`Rib::multipath`]: the multipath set, or the best alone
    /// without multipath) changed: the forwarding entry must be rewritten. False when
    /// only the best changed within an unchanged multipath set.
    pub multipath_changed: bool,
}

impl BestChange {
    /// The best path itself changed (peer or attributes): export must look at it.
    pub fn best_changed(&self) -> bool {
        self.old != self.new
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RibError {
    #[error("{0} is not registered with the RIB")]
    UnknownPeer(PeerId),
}

/// Adj-RIBs-In and Loc-RIB for IPv4 and IPv6 unicast. See the module docs.
#[derive(Debug, Default)]
pub struct Rib {
    peers: Peers,
    v4: Table<Ipv4Net>,
    v6: Table<Ipv6Net>,
    multipath: Option<Multipath>,
    scratch: Scratch,
}

impl Rib {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a peer, or updates what is known of it (a new session brings a new
    /// router id). If that changes while it has routes, its accepted paths are decided
    /// again at the next `process`.
    pub fn set_peer(&mut self, peer: PeerId, info: PeerInfo) {
        match self.peers.get_mut(&peer) {
            None => {
                self.peers.insert(peer, PeerSlot::new(info, self.multipath));
            }
            Some(slot) if slot.info == info => {}
            Some(slot) => {
                slot.info = info;
                if slot.total().accepted > 0 {
                    self.v4.touch_peer(peer);
                    self.v6.touch_peer(peer);
                }
            }
        }
    }

    /// Drops the peer's routes (as [`peer_down`](Self::peer_down)) and forgets it.
    pub fn remove_peer(&mut self, peer: PeerId) -> Result<PeerInfo, RibError> {
        self.peer_down(peer)?;
        self.peers
            .remove(&peer)
            .map(|s| s.info)
            .ok_or(RibError::UnknownPeer(peer))
    }

    pub fn peer_info(&self, peer: PeerId) -> Option<&PeerInfo> {
        self.peers.get(&peer).map(|s| &s.info)
    }

    /// `show bgp summary`'s Active/Received/Accepted/Damped over both families, kept up to
    /// date on every change (active as of the last `process`).
    pub fn counters(&self, peer: PeerId) -> Option<PeerCounters> {
        self.peers.get(&peer).map(|s| s.total())
    }

    /// The same for one family (a table line of `show bgp summary`, a family's prefix limit).
    pub fn family_counters(&self, peer: PeerId, family: Family) -> Option<PeerCounters> {
        let i = match family {
            Family::Ipv4 => 0,
            Family::Ipv6 => 1,
        };
        self.peers.get(&peer).map(|s| s.counters[i])
    }

    /// One UPDATE from `peer`: withdrawals first, then announcements (an implicit
    /// withdrawal replaces the peer's previous path). `import` is the import policy's
    /// verdict per announced route: the attributes to use, or `None` to hide it.
    pub fn update(
        &mut self,
        peer: PeerId,
        withdrawn: &[IpNet],
        announced: &[(IpNet, Arc<Attrs>)],
        mut import: impl FnMut(&IpNet, &Arc<Attrs>) -> Option<Arc<Attrs>>,
    ) -> Result<(), RibError> {
        let slot = self
            .peers
            .get_mut(&peer)
            .ok_or(RibError::UnknownPeer(peer))?;
        let [c4, c6] = &mut slot.counters;
        for prefix in withdrawn {
            match prefix.trunc() {
                IpNet::V4(p) => self.v4.withdraw(p, peer, c4),
                IpNet::V6(p) => self.v6.withdraw(p, peer, c6),
            }
        }
        for (prefix, attrs) in announced {
            let prefix = prefix.trunc();
            let accepted = import(&prefix, attrs);
            match prefix {
                IpNet::V4(p) => self.v4.announce(p, peer, attrs.clone(), accepted, c4),
                IpNet::V6(p) => self.v6.announce(p, peer, attrs.clone(), accepted, c6),
            }
        }
        Ok(())
    }

    /// The session went down: every route of the peer goes (the peer stays registered).
    pub fn peer_down(&mut self, peer: PeerId) -> Result<(), RibError> {
        let slot = self
            .peers
            .get_mut(&peer)
            .ok_or(RibError::UnknownPeer(peer))?;
        if slot.total().received > 0 {
            self.v4.drop_peer(peer);
            self.v6.drop_peer(peer);
        }
        slot.counters = [PeerCounters::default(); 2];
        Ok(())
    }

    /// Soft inbound reconfiguration: runs `import` again over everything the peer sent
    /// (hidden routes included), without asking the peer for a refresh.
    pub fn reimport(
        &mut self,
        peer: PeerId,
        mut import: impl FnMut(&IpNet, &Arc<Attrs>) -> Option<Arc<Attrs>>,
    ) -> Result<(), RibError> {
        let slot = self
            .peers
            .get_mut(&peer)
            .ok_or(RibError::UnknownPeer(peer))?;
        let [c4, c6] = &mut slot.counters;
        if c4.received > 0 {
            self.v4.reimport(peer, &mut import, c4);
        }
        if c6.received > 0 {
            self.v6.reimport(peer, &mut import, c6);
        }
        Ok(())
    }

    /// Turns multipath on or off for every peer, and for peers registered later; every
    /// prefix with more than one path is decided again.
    pub fn set_multipath(&mut self, mode: Option<Multipath>) {
        let changed = self.multipath != mode || self.peers.values().any(|s| s.multipath != mode);
        self.multipath = mode;
        for slot in self.peers.values_mut() {
            slot.multipath = mode;
        }
        if changed {
            self.v4.touch_multi();
            self.v6.touch_multi();
        }
    }

    /// Turns multipath on or off for one neighbor (Junos's `multipath` on a group or a
    /// neighbor): a prefix's paths share the traffic only when its best path comes from a
    /// multipath neighbor, and only with the paths of other multipath neighbors.
    pub fn set_peer_multipath(
        &mut self,
        peer: PeerId,
        mode: Option<Multipath>,
    ) -> Result<(), RibError> {
        let slot = self
            .peers
            .get_mut(&peer)
            .ok_or(RibError::UnknownPeer(peer))?;
        if slot.multipath != mode {
            slot.multipath = mode;
            // Only prefixes this peer has a path for can change their set.
            if slot.total().accepted > 0 {
                self.v4.touch_peer(peer);
                self.v6.touch_peer(peer);
            }
        }
        Ok(())
    }

    /// Re-decides every dirty prefix; returns those whose best or multipath set changed,
    /// IPv4 then IPv6, each in prefix order.
    pub fn process(&mut self) -> Vec<BestChange> {
        self.process_limited(usize::MAX)
    }

    /// Like [`process`](Self::process) for at most `max` dirty prefixes (the rest stay
    /// queued), so a full table can be worked through in slices.
    pub fn process_limited(&mut self, max: usize) -> Vec<BestChange> {
        let mut out = Vec::with_capacity(self.pending().min(max).min(1 << 16));
        let mut left = max;
        let n = self
            .v4
            .process(left, &mut self.peers, &mut self.scratch, &mut out);
        left -= n;
        self.v6
            .process(left, &mut self.peers, &mut self.scratch, &mut out);
        out
    }

    /// Dirty prefixes waiting for `process`.
    pub fn pending(&self) -> usize {
        self.v4.dirty.len() + self.v6.dirty.len()
    }

    /// The best path of `prefix`: what the last `process` chose, while that path is
    /// unchanged (a best replaced or withdrawn since is not the best until `process`
    /// decides again).
    pub fn best(&self, prefix: &IpNet) -> Option<PathRef> {
        match prefix.trunc() {
            IpNet::V4(p) => self.v4.best(&p),
            IpNet::V6(p) => self.v6.best(&p),
        }
    }

    /// The paths to install for `prefix`, best first: the multipath set when multipath
    /// is on, else just the best (as of the last `process`).
    pub fn multipath(&self, prefix: &IpNet) -> Vec<PathRef> {
        match prefix.trunc() {
            IpNet::V4(p) => self.v4.multipath(&p),
            IpNet::V6(p) => self.v6.multipath(&p),
        }
    }

    /// Every peer's route for `prefix`, hidden ones included, in peer order.
    pub fn routes(&self, prefix: &IpNet) -> Vec<RouteIn<'_>> {
        match prefix.trunc() {
            IpNet::V4(p) => self.v4.routes(&p),
            IpNet::V6(p) => self.v6.routes(&p),
        }
    }

    /// The peer's Adj-RIB-In in prefix order (IPv4 first), hidden routes included
    /// (`show route receive-protocol bgp A [hidden]`). Scans the tables.
    pub fn received(&self, peer: PeerId) -> impl Iterator<Item = (IpNet, RouteIn<'_>)> + '_ {
        self.v4.received(peer).chain(self.v6.received(peer))
    }

    /// The Loc-RIB: every prefix's best path, in prefix order (IPv4 first): what export
    /// runs over for a new session or an export policy change.
    pub fn active_routes(&self) -> impl Iterator<Item = (IpNet, PathRef)> + '_ {
        self.v4.active().chain(self.v6.active())
    }

    /// Prefixes with at least one path (hidden ones count).
    pub fn prefix_count(&self) -> usize {
        self.v4.dests.len() + self.v6.dests.len()
    }
}
