//! The pure diff behind the FIB's reconcile: the routes lsys wants in some kernel tables
//! against what a dump of those tables found, as the [`RouteOp`]s that make the kernel match,
//! without touching any route lsys does not own.
//!
//! ```text
//!  wanted [Route] ──┐                        ┌─► ops: Delete (stale lsys routes), then
//!                   ├─ reconcile_ops(protos) ┤        Replace (missing or different)
//!  dump   [Route] ──┘                        └─► conflicts: wanted routes a foreign route
//!   (whole tables)                                holds the kernel's slot of
//! ```
//!
//! Ownership is the protocol id: a dumped route whose `rtm_protocol` is in `protocols` is
//! lsys's; any other (the kernel's connected and local routes in a VRF table, an operator's
//! `ip route add`, another daemon's) is foreign and is never deleted or replaced.
//!
//! The catch is `NLM_F_REPLACE`. The kernel files a route under (table, prefix, metric) —
//! plus TOS for IPv4 and source prefix for IPv6, which lsys never sets — and a replace
//! overwrites the route in that slot whatever its protocol: `ip route add 10.9.0.0/24 proto
//! static` followed by lsys's replace of 10.9.0.0/24 at the same metric leaves only lsys's
//! route. So a wanted route whose slot a foreign route holds is not written: it is returned
//! as a [`Conflict`] for the caller to report ("a foreign route holds this prefix"), and the
//! foreign route keeps forwarding. The same prefix at another metric is no conflict: both
//! routes coexist, the lower metric wins. (A foreign route with a TOS or source prefix is
//! counted as a conflict too: lsys does not read those, and errs on the side of not writing.)
//!
//! What is in sync is decided by [`Route::matches`]: next hops in any order, a wanted hop
//! without a device matching its gateway on the device the kernel resolved, an IPv6 route
//! without a metric matching the 1024 the kernel gave it. A converged kernel yields no op.

use std::collections::{HashMap, HashSet};
use std::fmt;

use ipnet::IpNet;

use super::ops::{Route, RouteOp};

/// What [`reconcile_ops`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Deletes first, then replaces (see [`reconcile_ops`]).
    pub ops: Vec<RouteOp>,
    /// Wanted routes left out because a foreign route holds their kernel slot.
    pub conflicts: Vec<Conflict>,
}

impl Diff {
    /// No write and no conflict: the kernel is as wanted.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.conflicts.is_empty()
    }
}

/// A wanted route that was not written: installing it would overwrite `foreign`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub wanted: Route,
    /// The route (of another protocol) in the kernel's slot for it.
    pub foreign: Route,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} table {}: a foreign route (protocol {}) holds this prefix",
            self.wanted.dst, self.wanted.table, self.foreign.protocol
        )
    }
}

/// Where the kernel files a route: a replace overwrites whatever sits there.
type Slot = (u32, IpNet, u32);

fn slot(r: &Route) -> Slot {
    (r.table, r.dst.trunc(), r.kernel_metric())
}

/// The ops that turn `actual` (dumps of the tables concerned, every route in them) into
/// `wanted` for the routes lsys owns, those whose protocol is in `protocols`; see the module
/// doc for ownership and conflicts. Order does not matter in either input.
///
/// * A wanted route that an owned route [matches](Route::matches): nothing to do.
/// * Else, if a foreign route holds its slot: a [`Conflict`], no op.
/// * Else a [`RouteOp::Replace`]. It overwrites the owned route in the same slot, if there is
///   one (a changed next hop, kind or protocol), so that route gets no delete.
/// * Every other owned route: a [`RouteOp::Delete`].
///
/// Deletes come before replaces. A delete names its metric only when the route has one,
/// and an IPv4 route of metric 0 has none, so the kernel takes the first route of ours
/// under that prefix at any metric. Were the replace of the same prefix at another metric
/// already done, and the metric-0 route gone meanwhile, the delete would remove the route
/// just written; first, it removes at worst a route the replace then writes again.
///
/// `wanted` should hold one route per slot (table, prefix, metric) and carry protocols
/// from `protocols` (one that does not would be written but never owned); of two wanted
/// routes for one slot, the first is taken, since writing both would have the second
/// overwrite the first on every pass.
pub fn reconcile_ops(wanted: &[Route], actual: &[Route], protocols: &[u8]) -> Diff {
    let mut ours: Vec<&Route> = vec![];
    let mut ours_at: HashMap<Slot, Vec<usize>> = HashMap::new();
    let mut foreign_at: HashMap<Slot, &Route> = HashMap::new();
    for r in actual {
        if protocols.contains(&r.protocol) {
            ours_at.entry(slot(r)).or_default().push(ours.len());
            ours.push(r);
        } else {
            foreign_at.entry(slot(r)).or_insert(r);
        }
    }
    let mut kept = vec![false; ours.len()];
    let mut seen: HashSet<Slot> = HashSet::new();
    let mut replaces = vec![];
    let mut conflicts = vec![];
    for w in wanted {
        let s = slot(w);
        if !seen.insert(s) {
            continue;
        }
        let mine = ours_at.get(&s).map(Vec::as_slice).unwrap_or_default();
        if let Some(&i) = mine.iter().find(|&&i| !kept[i] && w.matches(ours[i])) {
            kept[i] = true;
            continue;
        }
        if let Some(f) = foreign_at.get(&s) {
            conflicts.push(Conflict {
                wanted: w.clone(),
                foreign: (*f).clone(),
            });
            continue;
        }
        if let Some(&i) = mine.iter().find(|&&i| !kept[i]) {
            kept[i] = true;
        }
        replaces.push(RouteOp::Replace(w.clone()));
    }
    let deletes = ours
        .iter()
        .zip(&kept)
        .filter(|(_, &k)| !k)
        .map(|(r, _)| RouteOp::Delete((*r).clone()));
    Diff {
        ops: deletes.chain(replaces).collect(),
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::slice::from_ref;

    use super::super::ops::Hop;
    use super::super::{RouteKind, PROTO_BGP, PROTO_STATIC};
    use super::*;

    const OURS: &[u8] = &[PROTO_STATIC, PROTO_BGP];
    const RTPROT_STATIC: u8 = 4;
    const RTPROT_KERNEL: u8 = 2;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn via(dst: &str, gws: &[&str]) -> Route {
        let hops = gws.iter().map(|g| Hop::via(ip(g))).collect();
        Route::multipath(1234, dst.parse().unwrap(), hops, PROTO_STATIC)
    }

    /// `r` as a dump reports it: devices resolved, hops in the kernel's order.
    fn dumped(r: &Route) -> Route {
        let mut d = r.clone();
        for (i, h) in d.hops.iter_mut().enumerate() {
            h.oif.get_or_insert(10 + i as u32);
        }
        d.hops.reverse();
        d
    }

    fn with(mut r: Route, f: impl FnOnce(&mut Route)) -> Route {
        f(&mut r);
        r
    }

    #[test]
    fn a_converged_kernel_needs_no_op_in_any_order() {
        let wanted = vec![
            via("10.1.0.0/24", &["10.255.0.2"]),
            via("10.2.0.0/24", &["10.255.0.2", "10.255.1.2"]),
            Route::reject(
                1234,
                "10.3.0.0/24".parse().unwrap(),
                RouteKind::Blackhole,
                211,
            ),
            via("2001:db8::/32", &["fe80::1", "fe80::2"]),
            // Host bits are not the kernel's business.
            via("10.4.0.1/24", &["10.255.0.2"]),
        ];
        let mut actual: Vec<Route> = wanted.iter().map(dumped).collect();
        actual[3].metric = Some(1024);
        actual[4].dst = "10.4.0.0/24".parse().unwrap();
        actual.reverse();
        let foreign = with(via("10.1.0.0/24", &["10.255.0.9"]), |r| {
            r.protocol = RTPROT_KERNEL;
            r.metric = Some(100);
        });
        actual.push(foreign);
        assert_eq!(reconcile_ops(&wanted, &actual, OURS), Diff::default());
        assert!(reconcile_ops(&[], &[], OURS).is_empty());
    }

    #[test]
    fn missing_and_changed_routes_are_replaced_and_stale_ones_deleted_first() {
        let a = via("10.1.0.0/24", &["10.255.0.2"]);
        let b = via("10.2.0.0/24", &["10.255.0.2", "10.255.1.2"]);
        let stale = via("10.9.0.0/24", &["10.255.0.2"]);
        let changed = via("10.2.0.0/24", &["10.255.0.2"]);
        let actual = [dumped(&changed), dumped(&stale)];
        let diff = reconcile_ops(&[a.clone(), b.clone()], &actual, OURS);
        assert_eq!(
            diff.ops,
            [
                RouteOp::Delete(dumped(&stale)),
                RouteOp::Replace(a),
                // Overwrites the one-hop route in its slot: no delete for that one.
                RouteOp::Replace(b),
            ]
        );
        assert!(diff.conflicts.is_empty());

        // Static becomes BGP: one replace, in place.
        let bgp = with(changed.clone(), |r| r.protocol = PROTO_BGP);
        let diff = reconcile_ops(from_ref(&bgp), &[dumped(&changed)], OURS);
        assert_eq!(diff.ops, [RouteOp::Replace(bgp)]);

        // Another metric is another slot: the old route goes, the new one comes.
        let m5 = with(changed.clone(), |r| r.metric = Some(5));
        let diff = reconcile_ops(from_ref(&m5), &[dumped(&changed)], OURS);
        assert_eq!(
            diff.ops,
            [RouteOp::Delete(dumped(&changed)), RouteOp::Replace(m5)]
        );
    }

    #[test]
    fn foreign_routes_are_never_touched() {
        let theirs = with(via("10.1.0.0/24", &["10.255.0.7"]), |r| {
            r.protocol = RTPROT_STATIC;
        });
        let stale = via("10.9.0.0/24", &["10.255.0.2"]);
        let diff = reconcile_ops(&[], &[theirs.clone(), stale.clone()], OURS);
        assert_eq!(diff.ops, [RouteOp::Delete(stale)]);

        // The same prefix at another metric: both live, ours is installed.
        let ours = with(via("10.1.0.0/24", &["10.255.0.2"]), |r| r.metric = Some(50));
        let diff = reconcile_ops(from_ref(&ours), from_ref(&theirs), OURS);
        assert_eq!(diff.ops, [RouteOp::Replace(ours)]);
        assert!(diff.conflicts.is_empty());
    }

    #[test]
    fn a_foreign_route_in_the_same_slot_is_a_conflict_not_a_replace() {
        let theirs = with(via("10.1.0.0/24", &["10.255.0.7"]), |r| {
            r.protocol = RTPROT_STATIC;
        });
        let ours = via("10.1.0.0/24", &["10.255.0.2"]);
        let diff = reconcile_ops(from_ref(&ours), from_ref(&theirs), OURS);
        assert!(diff.ops.is_empty());
        assert_eq!(
            diff.conflicts,
            [Conflict {
                wanted: ours.clone(),
                foreign: theirs.clone(),
            }]
        );
        assert_eq!(
            diff.conflicts[0].to_string(),
            "10.1.0.0/24 table 1234: a foreign route (protocol 4) holds this prefix"
        );

        // A stale route of ours in that slot (next to the foreign one) still goes: ours
        // cannot be written there, and its delete names our protocol.
        let old = via("10.1.0.0/24", &["10.255.0.3"]);
        let diff = reconcile_ops(from_ref(&ours), &[theirs.clone(), old.clone()], OURS);
        assert_eq!(diff.ops, [RouteOp::Delete(old)]);
        assert_eq!(diff.conflicts.len(), 1);

        // Ours already installed beside it: in sync, nothing to write or report.
        let diff = reconcile_ops(from_ref(&ours), &[theirs.clone(), dumped(&ours)], OURS);
        assert!(diff.is_empty());

        // IPv6: a route without a metric is in the slot of the kernel's 1024.
        let theirs6 = with(via("2001:db8::/32", &["fe80::7"]), |r| {
            r.protocol = RTPROT_STATIC;
            r.metric = Some(1024);
        });
        let ours6 = via("2001:db8::/32", &["fe80::1"]);
        let diff = reconcile_ops(&[ours6], &[theirs6], OURS);
        assert_eq!((diff.ops.len(), diff.conflicts.len()), (0, 1));
    }

    #[test]
    fn of_two_wanted_routes_for_one_slot_the_first_is_taken() {
        let first = via("10.1.0.0/24", &["10.255.0.2"]);
        let second = with(via("10.1.0.0/24", &["10.255.0.3"]), |r| {
            r.protocol = PROTO_BGP;
        });
        let diff = reconcile_ops(&[first.clone(), second.clone()], &[], OURS);
        assert_eq!(diff.ops, [RouteOp::Replace(first.clone())]);
        let diff = reconcile_ops(&[first.clone(), second], &[dumped(&first)], OURS);
        assert!(diff.is_empty());
    }
}
