//! Which scopes a plan may touch, and what deleting a kernel device would take with it.
//!
//! A scoped plan ([`crate::reconcile::plan_for`]) must leave every device of another scope as it
//! is. Deleting a device also deletes the VLANs on it (transitively) and releases the devices
//! enslaved to it or to those VLANs: the owners of those are the ones a delete disturbs.

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::{Desired, Kind, Link};
use crate::reconcile::{is_ours, PlanError, Step};

/// The scopes a plan covers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owners<'a> {
    /// The whole kernel (reconcile at start): every lsys device, whatever its owner.
    All,
    /// Only the devices of these scopes ([`crate::desired::ROOT_LS`] for the root).
    Only(&'a BTreeSet<String>),
}

impl Owners<'_> {
    /// Whether a device with this owner is covered.
    pub(crate) fn has(self, owner: Option<&str>) -> bool {
        match self {
            Owners::All => true,
            Owners::Only(set) => owner.is_some_and(|o| set.contains(o)),
        }
    }

    /// The covered members of `owners`.
    pub(crate) fn within(self, owners: &BTreeSet<String>) -> BTreeSet<String> {
        match self {
            Owners::All => owners.clone(),
            Owners::Only(set) => owners.intersection(set).cloned().collect(),
        }
    }

    /// Whether any of `owners` is covered (always, for the whole kernel).
    pub(crate) fn any(self, owners: &BTreeSet<String>) -> bool {
        match self {
            Owners::All => true,
            Owners::Only(set) => !owners.is_disjoint(set),
        }
    }
}

/// Wanted devices of other scopes that covered VLANs ride on (a shared QinQ outer device), by
/// name: a covered device cannot exist without them.
pub(crate) fn needed(want: &Desired, scope: Owners<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for w in want.links.iter().filter(|w| scope.has(w.owner())) {
        let mut link = w;
        // Bounded: a hand-made Desired could hold a cycle.
        for _ in 0..want.links.len() {
            let Kind::Vlan { parent, .. } = &link.kind else {
                break;
            };
            let Some(p) = want.link(parent) else {
                break;
            };
            if !scope.has(p.owner()) {
                out.insert(p.name.clone());
            }
            link = p;
        }
    }
    out
}

/// The kernel's links by name, with the VLANs on and the slaves of each, and the desired state.
pub(crate) struct Graph<'a> {
    by_name: BTreeMap<&'a str, &'a Link>,
    vlans: BTreeMap<&'a str, Vec<&'a Link>>,
    slaves: BTreeMap<&'a str, Vec<&'a Link>>,
    want: &'a Desired,
}

impl<'a> Graph<'a> {
    pub(crate) fn new(actual: &'a [Link], want: &'a Desired) -> Graph<'a> {
        let mut g = Graph {
            by_name: BTreeMap::new(),
            vlans: BTreeMap::new(),
            slaves: BTreeMap::new(),
            want,
        };
        for l in actual {
            g.by_name.insert(&l.name, l);
            if let Kind::Vlan { parent, .. } = &l.kind {
                g.vlans.entry(parent).or_default().push(l);
            }
            if let Some(m) = &l.master {
                g.slaves.entry(m).or_default().push(l);
            }
        }
        g
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a Link> {
        self.by_name.get(name).copied()
    }

    /// `a` and the VLANs on it, transitively: what deleting `a` removes from the kernel.
    pub(crate) fn doomed(&self, a: &'a Link) -> Vec<&'a Link> {
        let mut seen = BTreeSet::from([a.name.as_str()]);
        let mut out = vec![a];
        let mut i = 0;
        while let Some(&l) = out.get(i) {
            i += 1;
            for v in self.vlans.get(l.name.as_str()).into_iter().flatten() {
                if seen.insert(&v.name) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// The uncovered scopes whose devices deleting `a` would delete or release (`a` included):
    /// those the kernel labels for them, and those standing as the configuration wants them
    /// for them. Empty when the delete disturbs no other scope.
    pub(crate) fn blockers(&self, a: &'a Link, scope: Owners<'_>) -> BTreeSet<String> {
        let doomed = self.doomed(a);
        let released = doomed
            .iter()
            .flat_map(|d| self.slaves.get(d.name.as_str()).into_iter().flatten());
        let mut out = BTreeSet::new();
        for d in doomed.iter().chain(released).filter(|d| is_ours(d)) {
            let wanted = self.want.link(&d.name).filter(|w| w.kind == d.kind);
            for owner in [d.owner(), wanted.and_then(Link::owner)] {
                if let Some(o) = owner.filter(|o| !scope.has(Some(o))) {
                    out.insert(o.to_string());
                }
            }
        }
        out
    }
}

/// A VLAN to create whose tag (parent, id, protocol) a surviving device of another scope holds,
/// or one held back for another scope's sake, would be refused by the kernel.
pub(crate) fn check_tags(
    actual: &[Link],
    creates: &[Step],
    del: &Deletes<'_>,
    scope: Owners<'_>,
) -> Result<(), PlanError> {
    for w in creates.iter().filter_map(|s| match s {
        Step::Create { link } if matches!(link.kind, Kind::Vlan { .. }) => Some(link),
        _ => None,
    }) {
        for s in actual.iter().filter(|s| {
            s.name != w.name
                && s.kind == w.kind
                && is_ours(s)
                && !del.gone.contains(s.name.as_str())
        }) {
            let owners = match s.owner() {
                Some(o) if !scope.has(Some(o)) => BTreeSet::from([o.to_string()]),
                _ => del.held.get(s.name.as_str()).cloned().unwrap_or_default(),
            };
            if !owners.is_empty() {
                let name = w.name.clone();
                return Err(PlanError::InUse { name, owners });
            }
        }
    }
    Ok(())
}

/// The deletions decided so far and what they take with them.
#[derive(Default)]
pub(crate) struct Deletes<'a> {
    pub(crate) links: Vec<&'a Link>,
    /// Names gone once the deletions ran: the deleted devices and the VLANs on them.
    pub(crate) gone: BTreeSet<&'a str>,
    /// Devices of covered scopes not wanted as they are but left in place, because deleting
    /// them would disturb devices of these other scopes.
    pub(crate) held: BTreeMap<&'a str, BTreeSet<String>>,
}

impl<'a> Deletes<'a> {
    pub(crate) fn delete(&mut self, kernel: &Graph<'a>, a: &'a Link) {
        self.gone
            .extend(kernel.doomed(a).into_iter().map(|l| l.name.as_str()));
        self.links.push(a);
    }

    pub(crate) fn delete_unless_held(
        &mut self,
        kernel: &Graph<'a>,
        a: &'a Link,
        scope: Owners<'_>,
    ) {
        let owners = kernel.blockers(a, scope);
        if owners.is_empty() {
            self.delete(kernel, a);
        } else {
            self.held.insert(&a.name, owners);
        }
    }
}
