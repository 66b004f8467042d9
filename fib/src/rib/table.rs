//! One table (a [`TableKey`](crate::TableKey)): its settings, interfaces, and a [`FamilyRib`]
//! per address family; the connected (Direct/Local) diff.
//!
//! Every change of a destination goes through [`Dests::modify`], which keeps the table's
//! counts ([`Stats`]), the two next-hop tracking indexes (gateway → static and BGP prefixes,
//! interface name → static prefixes) and the use counts of the BGP infos in step with the
//! routes, so none is ever rebuilt by a scan.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::ops::Bound;

use ipnet::IpNet;

use super::bgp::{info_of, Infos};
use super::route::{Dest, IfId, IfName, Ifaces, Route, Stats, Target};
use crate::{Connected, Family, Protocol};

/// The settings of a table other than its statics (those live in the RIB as routes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Settings {
    pub name: String,
    pub kernel_table: u32,
    pub multipath: bool,
    pub max_prefixes: Option<u32>,
}

/// A Direct or Local route an interface address gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct ConnRoute {
    pub prefix: IpNet,
    pub protocol: Protocol,
    pub via: IfId,
}

#[derive(Debug, Default)]
pub(super) struct Table {
    pub settings: Settings,
    /// Whether [`super::Rib::configure`] ran for it (a table made by `set_connected` alone has
    /// no kernel table and is not found by kernel table id).
    pub configured: bool,
    pub ifaces: Ifaces,
    pub connected: BTreeSet<ConnRoute>,
    /// The up interfaces, by name: what interface next hops resolve to.
    pub links: Links,
    pub inet: FamilyRib,
    pub inet6: FamilyRib,
}

/// The destinations of one family, with their counts and the next-hop tracking index.
#[derive(Debug, Default)]
pub(super) struct Dests {
    pub map: BTreeMap<IpNet, Dest>,
    pub stats: Stats,
    /// Next-hop tracking: (gateway, prefix) for every route with gateways. A connected subnet
    /// that changes is a range of this set: exactly the prefixes to re-resolve.
    pub nh_deps: BTreeSet<(IpAddr, IpNet)>,
    /// The same for interface next hops: (interface name, prefix). An interface that goes up
    /// or down (or changes ifindex) is a range of this set.
    pub if_deps: BTreeSet<(IfName, IpNet)>,
    /// The attributes the BGP routes name.
    pub infos: Infos,
    /// Reused buffers for the gateways of a destination before and after a change.
    scratch: (Vec<IpAddr>, Vec<IpAddr>),
    /// The same for its interface next hops.
    scratch_ifs: (Vec<IfName>, Vec<IfName>),
    /// Entries of `map` and of `nh_deps` inserted one by one since they were last built whole
    /// (see [`Dests::compact`]).
    loose: (usize, usize),
}

/// Past this many new destinations (and a quarter of the table), [`Dests::insert_new`] merges
/// them in with full B-tree nodes instead of inserting one by one (which leaves nodes about
/// half full when prefixes come in order, as a commit's do).
const BULK: usize = 1024;

/// [`Dests::compact`] rebuilds once the entries inserted one by one reach this share (1/N)
/// of all.
const COMPACT_SHARE: usize = 8;

/// The connected subnets of one family (the Direct routes), for gateway resolution.
#[derive(Debug, Default)]
pub(super) struct Directs {
    /// Subnet → interfaces, sorted by (name, ifindex).
    nets: BTreeMap<IpNet, Vec<IfId>>,
    /// Prefix lengths present, longest first.
    lens: Vec<u8>,
}

/// The interfaces of a table that are up, by name (the lowest ifindex if the kernel reported
/// one name twice), for interface next hops: a next hop `irb.300` is usable while an up
/// interface of that name is in the table, whatever its family or addresses.
#[derive(Debug, Default)]
pub(super) struct Links {
    up: BTreeMap<IfName, IfId>,
}

impl Links {
    pub(super) fn resolve(&self, name: IfName) -> Option<IfId> {
        self.up.get(&name).copied()
    }
}

/// `maximum-prefixes` bookkeeping of one family.
#[derive(Debug, Default)]
pub(super) struct Limit {
    /// Static prefixes refused by the last configure.
    pub refused: BTreeSet<IpNet>,
    /// Refusals since the limit was (re)configured.
    pub count: u64,
}

#[derive(Debug, Default)]
pub(super) struct FamilyRib {
    pub dests: Dests,
    pub directs: Directs,
    /// Prefixes an input touched since the last [`super::Rib::process`].
    pub dirty: BTreeSet<IpNet>,
    /// The kernel's message for installed routes it refused.
    pub fib_errors: BTreeMap<IpNet, String>,
    pub limit: Limit,
    /// Prefixes whose active route an input removed since they were last selected: their
    /// active route changed even if none is active after selection (`best_changed`).
    pub lost: BTreeSet<IpNet>,
    /// The BGP speaker said it is in sync (`Rib::bgp_synced`): kernel BGP routes it did not
    /// give are no longer kept (see `bgp.rs`).
    pub bgp_synced: bool,
}

/// Removes the routes of `dest` that `gone` picks; returns whether the active one was among
/// them.
pub(super) fn drop_routes(dest: &mut Dest, gone: impl Fn(&Route) -> bool) -> bool {
    let mut lost = false;
    dest.routes.edit(|v| {
        v.retain(|r| {
            let drop = gone(r);
            lost |= drop && r.active;
            !drop
        })
    });
    lost
}

impl FamilyRib {
    /// An input changed the routes of `prefix` (`lost`: it removed the active one): marks it
    /// dirty.
    pub(super) fn touched(&mut self, prefix: IpNet, lost: bool) {
        self.dirty.insert(prefix);
        self.note_lost(prefix, lost);
    }

    /// Notes that an input removed the active route of `prefix` (when `lost`).
    pub(super) fn note_lost(&mut self, prefix: IpNet, lost: bool) {
        if lost {
            self.lost.insert(prefix);
        }
    }

    /// Marks `prefixes` (sorted) dirty; many at once are merged in whole.
    pub(super) fn mark_dirty(&mut self, prefixes: Vec<IpNet>) {
        if prefixes.len() < BULK || prefixes.len() < self.dirty.len() / 4 {
            self.dirty.extend(prefixes);
        } else {
            let mut more: BTreeSet<IpNet> = prefixes.into_iter().collect();
            self.dirty.append(&mut more);
        }
    }
}

impl Table {
    pub(super) fn family(&self, f: Family) -> &FamilyRib {
        match f {
            Family::Inet => &self.inet,
            Family::Inet6 => &self.inet6,
        }
    }

    pub(super) fn family_mut(&mut self, f: Family) -> &mut FamilyRib {
        match f {
            Family::Inet => &mut self.inet,
            Family::Inet6 => &mut self.inet6,
        }
    }

    /// Replaces the interfaces: adds and removes the Direct/Local routes that differ, and marks
    /// dirty those, the statics whose gateways sit in a changed subnet and the statics whose
    /// interface next hops name an interface that went up or down.
    pub(super) fn set_connected(&mut self, interfaces: Vec<Connected>, now: i64) {
        let mut new = BTreeSet::new();
        let mut links: BTreeMap<IfName, IfId> = BTreeMap::new();
        for itf in interfaces.iter().filter(|i| i.up) {
            let via = self.ifaces.intern(&itf.ifname, itf.ifindex);
            let name = self.ifaces.intern_name(&itf.ifname);
            let ifaces = &self.ifaces;
            links
                .entry(name)
                .and_modify(|v| {
                    if ifaces.key(via) < ifaces.key(*v) {
                        *v = via;
                    }
                })
                .or_insert(via);
            for a in &itf.addresses {
                if let Ok(host) = IpNet::new(a.addr(), a.max_prefix_len()) {
                    new.insert(ConnRoute {
                        prefix: host,
                        protocol: Protocol::Local,
                        via,
                    });
                }
                if a.prefix_len() < a.max_prefix_len() {
                    new.insert(ConnRoute {
                        prefix: a.trunc(),
                        protocol: Protocol::Direct,
                        via,
                    });
                }
            }
        }
        let removed: Vec<ConnRoute> = self.connected.difference(&new).copied().collect();
        let added: Vec<ConnRoute> = new.difference(&self.connected).copied().collect();
        let mut subnets = Vec::new();
        for c in &removed {
            let fam = self.family_mut(Family::of(&c.prefix));
            let lost = fam.dests.modify(c.prefix, |d| {
                drop_routes(d, |r| {
                    r.protocol == c.protocol && r.target == Target::Interface(c.via)
                })
            });
            fam.touched(c.prefix, lost);
            if c.protocol == Protocol::Direct {
                fam.directs.remove(c.prefix, c.via);
                subnets.push(c.prefix);
            }
        }
        for c in &added {
            let family = Family::of(&c.prefix);
            if c.protocol == Protocol::Direct {
                let Table {
                    ifaces,
                    inet,
                    inet6,
                    ..
                } = self;
                let fam = if family == Family::Inet { inet } else { inet6 };
                fam.directs.insert(c.prefix, c.via, ifaces);
                subnets.push(c.prefix);
            }
            let fam = self.family_mut(family);
            let route = Route::new(c.protocol, 0, Target::Interface(c.via), now);
            fam.dests
                .modify(c.prefix, |d| d.routes.edit(|v| v.push(route)));
            fam.dirty.insert(c.prefix);
        }
        for s in subnets {
            let fam = self.family_mut(Family::of(&s));
            let deps: Vec<IpNet> = fam.dests.dependents(s).collect();
            fam.dirty.extend(deps);
        }
        self.connected = new;

        // Interfaces that came up, went down or changed ifindex: only the routes naming them.
        let old = &self.links.up;
        let changed: BTreeSet<IfName> = old
            .iter()
            .filter(|(n, v)| links.get(n) != Some(v))
            .chain(links.iter().filter(|(n, v)| old.get(n) != Some(v)))
            .map(|(n, _)| *n)
            .collect();
        self.links.up = links;
        for name in changed {
            for fam in [&mut self.inet, &mut self.inet6] {
                let deps: Vec<IpNet> = fam.dests.if_dependents(name).collect();
                fam.dirty.extend(deps);
            }
        }
    }
}

impl Dests {
    /// Changes (creating if need be) one destination through `f`, keeping the counts and the
    /// next-hop index right, and drops it when it ends up with no route and nothing installed.
    pub(super) fn modify<R>(&mut self, prefix: IpNet, f: impl FnOnce(&mut Dest) -> R) -> R {
        let Dests {
            map,
            stats,
            nh_deps,
            if_deps,
            infos,
            scratch: (before, after),
            scratch_ifs: (ifs_before, ifs_after),
            loose,
        } = self;
        let len = map.len();
        let dest = map.entry(prefix).or_default();
        stats.account(dest, false);
        gateways(dest, before);
        interfaces(dest, ifs_before);
        let info_before = info_of(dest);
        let r = f(dest);
        stats.account(dest, true);
        gateways(dest, after);
        interfaces(dest, ifs_after);
        let info_after = info_of(dest);
        if info_before != info_after {
            if let Some(id) = info_after {
                infos.retain(id);
            }
            if let Some(id) = info_before {
                infos.release(id);
            }
        }
        if before != after {
            for g in before.iter() {
                nh_deps.remove(&(*g, prefix));
            }
            for g in after.iter() {
                loose.1 += usize::from(nh_deps.insert((*g, prefix)));
            }
        }
        if ifs_before != ifs_after {
            for n in ifs_before.iter() {
                if_deps.remove(&(*n, prefix));
            }
            for n in ifs_after.iter() {
                if_deps.insert((*n, prefix));
            }
        }
        if dest.is_empty() {
            map.remove(&prefix);
        } else if map.len() > len {
            loose.0 += 1;
        }
        r
    }

    /// Rebuilds the map and the next-hop index with full B-tree nodes once the entries
    /// inserted one by one (which leave nodes half to two thirds full) reach an eighth of
    /// them: amortized O(1) per insertion (about eight entries moved per entry inserted), and
    /// a table grown by many small commits or BGP updates ends up within a few percent of the
    /// size of one built in a single commit.
    pub(super) fn compact(&mut self) {
        self.infos.sweep();
        // Each `take` is refilled by the next statement, which cannot fail or panic (a
        // collect of an already sorted iterator).
        if self.loose.0 >= BULK && self.loose.0 >= self.map.len() / COMPACT_SHARE {
            let map = std::mem::take(&mut self.map);
            self.map = rebuilt_map(map);
            self.loose.0 = 0;
        }
        if self.loose.1 >= BULK && self.loose.1 >= self.nh_deps.len() / COMPACT_SHARE {
            let deps = std::mem::take(&mut self.nh_deps);
            self.nh_deps = rebuilt_set(deps);
            self.loose.1 = 0;
        }
    }

    /// Adds destinations that do not exist yet (sorted by prefix, none empty): one by one when
    /// few, else merged in whole so the B-tree nodes end up full.
    pub(super) fn insert_new(&mut self, new: Vec<(IpNet, Dest)>) {
        if new.len() < BULK || new.len() < self.map.len() / 4 {
            for (prefix, d) in new {
                self.modify(prefix, |slot| *slot = d);
            }
            return;
        }
        let mut deps = Vec::new();
        for (prefix, d) in &new {
            self.stats.account(d, true);
            if let Some(id) = info_of(d) {
                self.infos.retain(id);
            }
            gateways(d, &mut self.scratch.0);
            deps.extend(self.scratch.0.iter().map(|g| (*g, *prefix)));
            interfaces(d, &mut self.scratch_ifs.0);
            self.if_deps
                .extend(self.scratch_ifs.0.iter().map(|n| (*n, *prefix)));
        }
        let mut new: BTreeMap<IpNet, Dest> = new.into_iter().collect();
        self.map.append(&mut new);
        let mut deps: BTreeSet<(IpAddr, IpNet)> = deps.into_iter().collect();
        self.nh_deps.append(&mut deps);
    }

    /// The prefixes with a route whose gateway lies in `subnet`.
    pub(super) fn dependents(&self, subnet: IpNet) -> impl Iterator<Item = IpNet> + '_ {
        let (lo, hi) = net_bounds();
        let range = (
            Bound::Included((subnet.network(), lo)),
            Bound::Included((subnet.broadcast(), hi)),
        );
        self.nh_deps.range(range).map(|(_, p)| *p)
    }

    /// The prefixes with a route that has interface `name` as a next hop.
    pub(super) fn if_dependents(&self, name: IfName) -> impl Iterator<Item = IpNet> + '_ {
        let (lo, hi) = net_bounds();
        self.if_deps.range((name, lo)..=(name, hi)).map(|(_, p)| *p)
    }
}

/// `map` with full nodes, in one pass: `append` into a one-entry map merges the two sorted
/// sequences into freshly built nodes (where `collect` would gather a `Vec` and sort it).
fn rebuilt_map<K: Ord + Copy, V>(mut map: BTreeMap<K, V>) -> BTreeMap<K, V> {
    let second = map.keys().nth(1).copied();
    let Some(second) = second else {
        return map;
    };
    let mut rest = map.split_off(&second);
    map.append(&mut rest);
    map
}

/// [`rebuilt_map`] for a set.
fn rebuilt_set<K: Ord + Copy>(mut set: BTreeSet<K>) -> BTreeSet<K> {
    let second = set.iter().nth(1).copied();
    let Some(second) = second else {
        return set;
    };
    let mut rest = set.split_off(&second);
    set.append(&mut rest);
    set
}

/// The smallest and largest [`IpNet`] (IpNet orders V4 before V6, then address, then length).
fn net_bounds() -> (IpNet, IpNet) {
    let lo = IpNet::V4(ipnet::Ipv4Net::default());
    let hi = IpNet::V6(
        ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(u128::MAX), 128).unwrap_or_default(),
    );
    (lo, hi)
}

/// The distinct gateway addresses of a destination's routes, sorted, into `out`.
fn gateways(dest: &Dest, out: &mut Vec<IpAddr>) {
    out.clear();
    out.extend(
        dest.routes
            .iter()
            .flat_map(|r| r.target.hops().iter().filter_map(|h| h.to.gateway())),
    );
    if out.len() > 1 {
        out.sort();
        out.dedup();
    }
}

/// The distinct interface next hops of a destination's routes, sorted by id, into `out`.
fn interfaces(dest: &Dest, out: &mut Vec<IfName>) {
    out.clear();
    out.extend(
        dest.routes
            .iter()
            .flat_map(|r| r.target.hops().iter().filter_map(|h| h.to.interface())),
    );
    if out.len() > 1 {
        out.sort();
        out.dedup();
    }
}

impl Directs {
    fn insert(&mut self, net: IpNet, via: IfId, ifaces: &Ifaces) {
        let ifs = self.nets.entry(net).or_default();
        if !ifs.contains(&via) {
            ifs.push(via);
            ifs.sort_by(|a, b| ifaces.key(*a).cmp(&ifaces.key(*b)));
        }
        self.reindex();
    }

    fn remove(&mut self, net: IpNet, via: IfId) {
        if let Some(ifs) = self.nets.get_mut(&net) {
            ifs.retain(|i| *i != via);
            if ifs.is_empty() {
                self.nets.remove(&net);
            }
        }
        self.reindex();
    }

    fn reindex(&mut self) {
        let mut lens: Vec<u8> = self.nets.keys().map(|n| n.prefix_len()).collect();
        lens.sort_unstable_by(|a, b| b.cmp(a));
        lens.dedup();
        self.lens = lens;
    }

    /// The interface of the longest connected subnet containing `addr` (ties: lowest name,
    /// then ifindex), if any.
    pub(super) fn resolve(&self, addr: IpAddr) -> Option<IfId> {
        self.lens.iter().find_map(|len| {
            let net = IpNet::new(addr, *len).ok()?.trunc();
            self.nets.get(&net)?.first().copied()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn resolve_prefers_longest_then_name() {
        let mut ifaces = Ifaces::default();
        let b = ifaces.intern("b", 2);
        let a = ifaces.intern("a", 1);
        let c = ifaces.intern("c", 3);
        let mut d = Directs::default();
        d.insert(net("10.0.0.0/24"), b, &ifaces);
        d.insert(net("10.0.0.0/24"), a, &ifaces);
        d.insert(net("10.0.0.0/30"), c, &ifaces);
        assert_eq!(d.resolve("10.0.0.2".parse().unwrap()), Some(c));
        assert_eq!(d.resolve("10.0.0.9".parse().unwrap()), Some(a));
        assert_eq!(d.resolve("10.0.1.9".parse().unwrap()), None);
        assert_eq!(d.resolve("2001:db8::1".parse().unwrap()), None);
        d.remove(net("10.0.0.0/24"), a);
        assert_eq!(d.resolve("10.0.0.9".parse().unwrap()), Some(b));
    }

    #[test]
    fn rebuilt_maps_keep_every_entry() {
        for n in [0u32, 1, 2, 3, 100, 5000] {
            let map: BTreeMap<u32, u32> = (0..n).map(|i| (i * 7 % (n + 1), i)).collect();
            assert_eq!(rebuilt_map(map.clone()), map);
            let set: BTreeSet<u32> = map.keys().copied().collect();
            assert_eq!(rebuilt_set(set.clone()), set);
        }
    }

    #[test]
    fn dependents_are_a_range() {
        let mut d = Dests::default();
        d.nh_deps
            .insert(("10.0.0.1".parse().unwrap(), net("10.9.0.0/16")));
        d.nh_deps
            .insert(("10.0.0.14".parse().unwrap(), net("10.8.0.0/16")));
        d.nh_deps
            .insert(("10.0.1.1".parse().unwrap(), net("10.7.0.0/16")));
        let got: Vec<IpNet> = d.dependents(net("10.0.0.12/30")).collect();
        assert_eq!(got, vec![net("10.8.0.0/16")]);
        let got: Vec<IpNet> = d.dependents(net("10.0.0.0/24")).collect();
        assert_eq!(got, vec![net("10.9.0.0/16"), net("10.8.0.0/16")]);
    }
}
