//! Adj-RIB-Out: what was advertised to one peer, and the least UPDATE work that brings
//! the peer from there to the caller's new export decisions.
//!
//! The caller keeps one [`AdjRibOut`] per established session (reset when it goes
//! down), runs export policy itself and hands the verdicts to [`AdjRibOut::apply`]:
//! `Some(attrs)` to advertise the prefix with those attributes, `None` not to advertise
//! it. Only differences come back: an announcement when the attributes are new or
//! changed, a withdrawal when something advertised is no longer wanted, nothing when the
//! peer already has it (a prefix announced and then withdrawn within one batch, before
//! the peer ever had it, produces nothing either). Announcements come grouped by
//! attribute set so [`UpdateBuilder::announce`](crate::packet::UpdateBuilder::announce)
//! packs each group into as few UPDATEs as fit; the grouping is by `Arc` identity, so
//! export attributes should be interned to pack well.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::packet::Attrs;

/// What to send a peer: announcements grouped by attribute set, then withdrawals.
/// Groups are in the order of their first prefix; prefixes in prefix order (IPv4 first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutUpdate {
    pub announce: Vec<(Arc<Attrs>, Vec<IpNet>)>,
    pub withdraw: Vec<IpNet>,
}

impl OutUpdate {
    pub fn is_empty(&self) -> bool {
        self.announce.is_empty() && self.withdraw.is_empty()
    }

    /// Prefixes announced, over all groups.
    pub fn announced_len(&self) -> usize {
        self.announce.iter().map(|(_, p)| p.len()).sum()
    }
}

/// Collects announcements into groups keyed by attribute-set identity.
#[derive(Default)]
struct Grouper {
    out: OutUpdate,
    group: HashMap<*const Attrs, usize>,
}

impl Grouper {
    fn announce(&mut self, prefix: IpNet, attrs: &Arc<Attrs>) {
        let key = Arc::as_ptr(attrs);
        let i = *self.group.entry(key).or_insert_with(|| {
            self.out.announce.push((attrs.clone(), Vec::new()));
            self.out.announce.len() - 1
        });
        self.out.announce[i].1.push(prefix);
    }
}

/// What was advertised to one peer: prefix → attributes sent.
#[derive(Debug, Clone, Default)]
pub struct AdjRibOut {
    v4: BTreeMap<Ipv4Net, Arc<Attrs>>,
    v6: BTreeMap<Ipv6Net, Arc<Attrs>>,
}

impl AdjRibOut {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes export decisions (the last one wins for a prefix given twice), records them
    /// as advertised, and returns the UPDATE work that gets the peer there.
    pub fn apply(
        &mut self,
        decisions: impl IntoIterator<Item = (IpNet, Option<Arc<Attrs>>)>,
    ) -> OutUpdate {
        // What each touched prefix had before this batch.
        let mut before: BTreeMap<IpNet, Option<Arc<Attrs>>> = BTreeMap::new();
        for (prefix, attrs) in decisions {
            let prefix = prefix.trunc();
            let old = match (prefix, attrs) {
                (IpNet::V4(p), Some(a)) => self.v4.insert(p, a),
                (IpNet::V4(p), None) => self.v4.remove(&p),
                (IpNet::V6(p), Some(a)) => self.v6.insert(p, a),
                (IpNet::V6(p), None) => self.v6.remove(&p),
            };
            before.entry(prefix).or_insert(old);
        }
        let mut g = Grouper::default();
        for (prefix, old) in before {
            match (old, self.get(&prefix)) {
                (Some(old), Some(new)) if Arc::ptr_eq(&old, new) || old == *new => {}
                (_, Some(new)) => g.announce(prefix, new),
                (Some(_), None) => g.out.withdraw.push(prefix),
                (None, None) => {}
            }
        }
        g.out
    }

    /// Everything advertised, as UPDATE work: for a ROUTE-REFRESH from the peer.
    pub fn dump(&self) -> OutUpdate {
        let mut g = Grouper::default();
        for (prefix, attrs) in self.iter() {
            g.announce(prefix, attrs);
        }
        g.out
    }

    /// The session went down: the peer has nothing any more.
    pub fn reset(&mut self) {
        self.v4.clear();
        self.v6.clear();
    }

    pub fn get(&self, prefix: &IpNet) -> Option<&Arc<Attrs>> {
        match prefix.trunc() {
            IpNet::V4(p) => self.v4.get(&p),
            IpNet::V6(p) => self.v6.get(&p),
        }
    }

    /// Advertised routes in prefix order, IPv4 first (`show route advertising-protocol`).
    pub fn iter(&self) -> impl Iterator<Item = (IpNet, &Arc<Attrs>)> {
        let v4 = self.v4.iter().map(|(p, a)| (IpNet::V4(*p), a));
        let v6 = self.v6.iter().map(|(p, a)| (IpNet::V6(*p), a));
        v4.chain(v6)
    }

    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Prefixes advertised of one family.
    pub fn len_of(&self, family: crate::net::Family) -> usize {
        match family {
            crate::net::Family::Ipv4 => self.v4.len(),
            crate::net::Family::Ipv6 => self.v6.len(),
        }
    }
}
