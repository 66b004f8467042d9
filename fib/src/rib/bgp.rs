//! BGP routes: the speaker's selected path(s) per prefix, their shared attributes, admission
//! under `maximum-prefixes`, and the grace period for BGP routes found in the kernel at start.
//!
//! ```text
//!  set_bgp(key, family, [(prefix, Some(BgpRoute) | None)])
//!    sorted by prefix (the last of duplicates wins)
//!    ├─ None: the prefix's Bgp route goes
//!    └─ Some: a new destination is admitted while maximum-prefixes has room (prefix order),
//!             then its Bgp route is replaced unless identical (next hops, preference, and
//!             the same Arc<BgpInfo>): only changed prefixes are marked dirty
//!  bgp_synced(key, family) ─► kernel BGP routes nobody gave again are deleted
//! ```
//!
//! # Shared attributes
//! A route names its [`BgpInfo`] by a 4-byte [`InfoId`] that fits in `Route`'s padding; the
//! family's [`Infos`] holds one `Arc` per distinct info (by pointer: the speaker shares one
//! `Arc` between the routes of one attribute set), counted by the routes in the map.
//! `Dests::modify` keeps the counts (every change of a destination goes through it); a count
//! that reaches zero frees its slot at the next [`Infos::sweep`] (end of `set_bgp`, and of a
//! processing pass), never in the middle of an input, so an id interned for a route not yet in
//! the map stays valid.
//!
//! # BGP routes found in the kernel at start (grace period)
//! When lsysd starts, the kernel still holds the BGP routes (protocol 211) of the last run,
//! while the BGP sessions are not up yet. Deleting them at once and adding them again seconds
//! later would blackhole traffic in between, so a family that has not been told
//! [`super::Rib::bgp_synced`] adopts a kernel BGP route it has no BGP route for as *stale*:
//! kept in the kernel as it is (no op), until the speaker gives a route for the prefix (it is
//! then replaced as usual if it differs), withdraws it (deleted), or calls `bgp_synced` (every
//! stale route left is deleted). A family is "not synced" from its creation until that call;
//! the speaker makes it after its sessions' End-of-RIB or a timeout of its choosing (the
//! daemon also syncs every table itself after a grace period, in case nobody does). Adoption
//! once synced (a resync after lost kernel events) treats BGP routes as statics: what the
//! RIB does not want is deleted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use ipnet::IpNet;

use super::few::Few;
use super::route::{Dest, HopTo, Route, RouteHop, Status, Target};
use super::statics::resolve;
use super::table::{drop_routes, FamilyRib, Table};
use super::Queued;
use crate::{BgpInfo, BgpRoute, Family, Protocol};

/// Notices about refusals per call, past which they are summed up in one.
const NOTICES: usize = 20;

/// An interned [`BgpInfo`] of one table and family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct InfoId(NonZeroU32);

impl InfoId {
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

#[derive(Debug, Default)]
struct InfoSlot {
    info: Option<Arc<BgpInfo>>,
    /// Routes in the destination map naming it.
    refs: u32,
}

/// The [`BgpInfo`]s the BGP routes of a family name, by id.
#[derive(Debug, Default)]
pub(super) struct Infos {
    slots: Vec<InfoSlot>,
    /// `Arc::as_ptr` → id: the speaker shares one `Arc` per attribute set.
    by_ptr: HashMap<usize, InfoId>,
    free: Vec<InfoId>,
    /// Ids whose count reached zero (or that were interned and not used yet): freed by
    /// [`Infos::sweep`] if still unused then.
    zero: Vec<InfoId>,
}

fn key_of(info: &Arc<BgpInfo>) -> usize {
    Arc::as_ptr(info) as usize
}

impl Infos {
    /// The id of `info` (the same for every clone of one `Arc`), interning it if new. It
    /// stays valid until the next [`Infos::sweep`] even if no route takes it.
    pub(super) fn intern(&mut self, info: &Arc<BgpInfo>) -> InfoId {
        if let Some(id) = self.by_ptr.get(&key_of(info)) {
            return *id;
        }
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.slots.push(InfoSlot::default());
                let n = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                InfoId(NonZeroU32::new(n).unwrap_or(NonZeroU32::MAX))
            }
        };
        if let Some(slot) = self.slots.get_mut(id.index()) {
            slot.info = Some(info.clone());
            slot.refs = 0;
        }
        self.by_ptr.insert(key_of(info), id);
        self.zero.push(id);
        id
    }

    pub(super) fn get(&self, id: InfoId) -> Option<&Arc<BgpInfo>> {
        self.slots.get(id.index())?.info.as_ref()
    }

    /// A route naming `id` entered the map.
    pub(super) fn retain(&mut self, id: InfoId) {
        if let Some(slot) = self.slots.get_mut(id.index()) {
            slot.refs += 1;
        }
    }

    /// A route naming `id` left the map.
    pub(super) fn release(&mut self, id: InfoId) {
        if let Some(slot) = self.slots.get_mut(id.index()) {
            slot.refs = slot.refs.saturating_sub(1);
            if slot.refs == 0 {
                self.zero.push(id);
            }
        }
    }

    /// Frees the infos no route names any more.
    pub(super) fn sweep(&mut self) {
        for id in std::mem::take(&mut self.zero) {
            let Some(slot) = self.slots.get_mut(id.index()) else {
                continue;
            };
            if slot.refs > 0 {
                continue;
            }
            if let Some(info) = slot.info.take() {
                self.by_ptr.remove(&key_of(&info));
                self.free.push(id);
            }
        }
    }

    /// Distinct infos held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.by_ptr.len()
    }
}

/// The BGP info a destination's routes name (one BGP route per destination at most).
pub(super) fn info_of(dest: &Dest) -> Option<InfoId> {
    dest.routes.iter().find_map(|r| r.info)
}

/// Whether the destination's kernel route is a stale BGP route (see the module doc).
pub(super) fn is_stale(dest: &Dest) -> bool {
    dest.installed
        .as_ref()
        .is_some_and(|i| i.status == Status::Stale)
}

/// The speaker spoke about the prefix: a stale kernel route is an ordinary installed one
/// again (kept if the new route wants it, deleted if nothing does).
fn unstale(dest: &mut Dest) {
    if let Some(i) = &mut dest.installed {
        if i.status == Status::Stale {
            i.status = Status::Installed;
        }
    }
}

/// The next hops of a BGP route: gateways, sorted and distinct, not resolved yet. `None`
/// when it has none.
fn target_of(next_hops: &[IpAddr]) -> Option<Target> {
    let mut hops: Vec<IpAddr> = next_hops.to_vec();
    hops.sort();
    hops.dedup();
    let hop = |a: IpAddr| RouteHop {
        to: HopTo::Gateway(a),
        via: None,
    };
    match hops.as_slice() {
        [] => None,
        [one] => Some(Target::Hops(Few::One(hop(*one)))),
        _ => Some(Target::Hops(Few::from_vec(
            hops.into_iter().map(hop).collect(),
        ))),
    }
}

/// Facts about a destination before a change, so the map is not borrowed while it changes.
struct Before {
    exists: bool,
    counted: bool,
    bgp: bool,
    stale: bool,
}

fn before(fam: &FamilyRib, prefix: &IpNet) -> Before {
    match fam.dests.map.get(prefix) {
        None => Before {
            exists: false,
            counted: false,
            bgp: false,
            stale: false,
        },
        Some(d) => Before {
            exists: true,
            counted: d.has(Protocol::Bgp) || d.has(Protocol::Static),
            bgp: d.has(Protocol::Bgp),
            stale: is_stale(d),
        },
    }
}

/// Replaces or removes the BGP route of each prefix of `routes` in one family of `table`.
pub(super) fn set_bgp(
    table: &mut Table,
    family: Family,
    routes: Vec<(IpNet, Option<BgpRoute>)>,
    now: i64,
    out: &mut Queued,
) {
    let table_name = family.table_name(&table.settings.name);
    let max = table.settings.max_prefixes;
    let Table {
        links, inet, inet6, ..
    } = table;
    let fam = if family == Family::Inet { inet } else { inet6 };

    let mut routes: Vec<(IpNet, Option<BgpRoute>)> = routes
        .into_iter()
        .filter_map(|(p, r)| {
            if Family::of(&p) != family {
                tracing::warn!(prefix = %p, table = %table_name, "BGP route of the other family, ignored");
                return None;
            }
            Some((p.trunc(), r))
        })
        .collect();
    // Stable: of several changes of one prefix, the last one is kept below.
    routes.sort_by_key(|(p, _)| *p);

    let mut admitted = fam.dests.stats.limited;
    let mut refused = 0usize;
    let mut new: Vec<(IpNet, Dest)> = Vec::new();
    let mut dirty: Vec<IpNet> = Vec::new();
    let mut routes = routes.into_iter().peekable();
    while let Some((prefix, route)) = routes.next() {
        if routes.peek().is_some_and(|(p, _)| *p == prefix) {
            continue;
        }
        let was = before(fam, &prefix);
        let wanted = route.and_then(|r| {
            let target = target_of(&r.next_hops);
            if target.is_none() {
                tracing::warn!(%prefix, table = %table_name, "BGP route without next hops, taken as a withdrawal");
            }
            Some((r, target?))
        });
        let Some((r, target)) = wanted else {
            if was.bgp || was.stale {
                let lost = fam.dests.modify(prefix, |d| {
                    unstale(d);
                    drop_routes(d, |o| o.protocol == Protocol::Bgp)
                });
                fam.note_lost(prefix, lost);
                dirty.push(prefix);
            }
            continue;
        };
        if !was.counted {
            if let Some(max) = max.filter(|m| admitted >= *m as usize) {
                fam.limit.count += 1;
                refused += 1;
                if refused <= NOTICES {
                    let n =
                        format!("{table_name}: maximum-prefixes {max} reached; {prefix} refused");
                    tracing::warn!("{n}");
                    out.notices.push(n);
                }
                if was.stale {
                    fam.dests.modify(prefix, unstale);
                    dirty.push(prefix);
                }
                continue;
            }
            admitted += 1;
        }
        let mut route = Route::new(Protocol::Bgp, r.preference, target, now);
        route.info = Some(fam.dests.infos.intern(&r.info));
        let same = was.bgp
            && fam.dests.map.get(&prefix).is_some_and(|d| {
                d.routes.iter().any(|o| {
                    o.protocol == Protocol::Bgp
                        && o.preference == route.preference
                        && o.info == route.info
                        && o.target.same_config(&route.target)
                })
            });
        if same {
            continue;
        }
        resolve(&mut route, &fam.directs, links);
        if was.exists {
            let lost = fam.dests.modify(prefix, |d| {
                unstale(d);
                let lost = drop_routes(d, |o| o.protocol == Protocol::Bgp);
                d.routes.edit(|v| v.push(route));
                lost
            });
            fam.note_lost(prefix, lost);
        } else {
            new.push((
                prefix,
                Dest {
                    routes: Few::One(route),
                    installed: None,
                },
            ));
        }
        dirty.push(prefix);
    }
    if refused > NOTICES {
        let n = format!(
            "{table_name}: maximum-prefixes {} reached; {} more BGP routes refused",
            max.unwrap_or_default(),
            refused - NOTICES
        );
        tracing::warn!("{n}");
        out.notices.push(n);
    }
    fam.dests.insert_new(new);
    fam.dests.infos.sweep();
    fam.dests.compact();
    fam.mark_dirty(dirty);
}

/// The speaker is in sync for this family: stale kernel BGP routes are marked for deletion.
/// Returns how many.
pub(super) fn synced(table: &mut Table, family: Family) -> usize {
    let fam = table.family_mut(family);
    fam.bgp_synced = true;
    let stale: Vec<IpNet> = fam
        .dests
        .map
        .iter()
        .filter(|(_, d)| is_stale(d))
        .map(|(p, _)| *p)
        .collect();
    for p in &stale {
        // The status counts for nothing in the table's counts or indexes: set in place.
        if let Some(d) = fam.dests.map.get_mut(p) {
            unstale(d);
        }
    }
    let n = stale.len();
    fam.mark_dirty(stale);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(peer_as: u32) -> Arc<BgpInfo> {
        Arc::new(BgpInfo {
            as_path: format!("{peer_as} I"),
            local_pref: Some(100),
            med: None,
            from: "10.0.0.14".parse().unwrap(),
            peer_as,
            local_as: Some(65000),
            router_id: None,
            communities: Vec::new(),
            internal: false,
        })
    }

    #[test]
    fn interned_by_pointer_and_freed_when_unused() {
        let mut infos = Infos::default();
        let a = info(12076);
        let b = info(12076);
        let ia = infos.intern(&a);
        assert_eq!(infos.intern(&a.clone()), ia);
        let ib = infos.intern(&b);
        assert_ne!(ia, ib, "equal content, another Arc: another id");
        infos.retain(ia);
        infos.sweep();
        assert_eq!(infos.len(), 1, "b was never used");
        assert!(infos.get(ib).is_none());
        assert_eq!(infos.get(ia), Some(&a));
        // Released to zero then taken again before the sweep: kept.
        infos.release(ia);
        assert_eq!(infos.intern(&a), ia);
        infos.retain(ia);
        infos.sweep();
        assert_eq!(infos.get(ia), Some(&a));
        infos.release(ia);
        infos.sweep();
        assert_eq!(infos.len(), 0);
        // The slot is reused.
        let c = info(64512);
        assert_eq!(infos.intern(&c), ia);
    }

    /// Many routes name one info; replaced or withdrawn, the RIB lets go of it (through the
    /// bulk insert of many new destinations and the one-by-one path alike).
    #[test]
    fn routes_share_one_info_and_free_it() {
        let mut t = Table::default();
        let mut out = Queued::default();
        let routes = |n: u32, i: &Arc<BgpInfo>| -> Vec<(IpNet, Option<BgpRoute>)> {
            (0..n)
                .map(|k| {
                    let p = format!("10.{}.{}.0/24", 6 + k / 256, k % 256);
                    let r = BgpRoute {
                        next_hops: vec!["10.0.0.14".parse().unwrap()],
                        preference: 170,
                        info: i.clone(),
                    };
                    (p.parse().unwrap(), Some(r))
                })
                .collect()
        };
        for n in [10, 2000] {
            let (a, b) = (info(12076), info(64512));
            set_bgp(&mut t, Family::Inet, routes(n, &a), 1, &mut out);
            assert_eq!(t.inet.dests.infos.len(), 1);
            assert_eq!(t.inet.dests.stats.bgp, n as usize);
            set_bgp(&mut t, Family::Inet, routes(n, &b), 2, &mut out);
            assert_eq!(t.inet.dests.infos.len(), 1);
            assert_eq!(Arc::strong_count(&a), 1, "the RIB let go of a");
            let gone = routes(n, &b).into_iter().map(|(p, _)| (p, None)).collect();
            set_bgp(&mut t, Family::Inet, gone, 3, &mut out);
            assert_eq!(t.inet.dests.infos.len(), 0);
            assert_eq!(Arc::strong_count(&b), 1, "the RIB let go of b");
            assert_eq!(t.inet.dests.stats.bgp, 0);
        }
    }

    #[test]
    fn targets_are_sorted_gateways() {
        let a: IpAddr = "10.0.0.14".parse().unwrap();
        let b: IpAddr = "10.0.0.1".parse().unwrap();
        let Some(Target::Hops(h)) = target_of(&[a, b, a]) else {
            panic!("hops");
        };
        let got: Vec<HopTo> = h.iter().map(|h| h.to).collect();
        assert_eq!(got, [HopTo::Gateway(b), HopTo::Gateway(a)]);
        assert!(target_of(&[]).is_none());
    }
}
