//! Static routes: a table's configuration turned into RIB routes, diffed against the routes
//! already there, with `maximum-prefixes` admission.
//!
//! ```text
//!  StaticConfig ──routes_of──► Static routes, one per distinct preference (interface names
//!                               interned in the table's Ifaces)
//!  sorted by prefix (first of duplicates wins) ──admit (maximum-prefixes, prefix order)──►
//!  merge with the prefixes holding Static routes now ──► only differing prefixes change,
//!  and only those are marked dirty
//! ```
//! The configuration itself is not kept: the routes are what is compared on the next commit.

use std::collections::BTreeSet;

use ipnet::IpNet;

use super::few::Few;
use super::route::{Dest, HopTo, Ifaces, Route, RouteHop, Target};
use super::table::{Directs, FamilyRib, Links, Settings, Table};
use super::Queued;
use crate::{Family, FibOp, FibRoute, NextHop, Protocol, StaticConfig, StaticTarget, TableConfig};

/// Notices about refusals per configure and family, past which they are summed up in one.
const NOTICES: usize = 20;

/// The Static routes one configured route yields, by ascending preference, with next hops
/// sorted ([`NextHop`] order) and not yet resolved; interface names are interned in `ifaces`.
/// A qualified next hop with no preference, or the route's own, joins the main next hops;
/// next hops at the preference of a `discard`/`reject` target are ignored (the target wins).
pub(super) fn routes_of(cfg: &StaticConfig, ifaces: &mut Ifaces, now: i64) -> Few<Route> {
    let main = cfg
        .preference
        .unwrap_or(Protocol::Static.default_preference());
    let fixed = match &cfg.target {
        StaticTarget::Discard => Some(Target::Discard),
        StaticTarget::Reject => Some(Target::Reject),
        StaticTarget::NextHops(_) | StaticTarget::None => None,
    };
    let main_hops: &[NextHop] = match &cfg.target {
        StaticTarget::NextHops(g) => g,
        _ => &[],
    };
    // The common case, one route with one next hop, allocates nothing.
    if cfg.qualified.is_empty() {
        let target = match (fixed, main_hops) {
            (Some(t), _) => t,
            (None, []) => return Few::default(),
            (None, [one]) => Target::Hops(Few::One(RouteHop {
                to: hop_to(one, ifaces),
                via: None,
            })),
            (None, _) => hops_target(main_hops.iter().collect(), ifaces),
        };
        return Few::One(Route::new(Protocol::Static, main, target, now));
    }
    let mut hops: Vec<(u32, &NextHop)> = main_hops.iter().map(|a| (main, a)).collect();
    hops.extend(cfg.qualified.iter().map(|(a, p)| (p.unwrap_or(main), a)));
    hops.sort();
    hops.dedup();
    let mut out = Vec::new();
    if let Some(t) = fixed {
        if hops.iter().any(|(p, _)| *p == main) {
            tracing::warn!(prefix = %cfg.prefix, "qualified next hops at the preference of a discard/reject route are ignored");
            hops.retain(|(p, _)| *p != main);
        }
        out.push(Route::new(Protocol::Static, main, t, now));
    }
    for group in hops.chunk_by(|a, b| a.0 == b.0) {
        let pref = group[0].0;
        let target = hops_target(group.iter().map(|(_, a)| *a).collect(), ifaces);
        out.push(Route::new(Protocol::Static, pref, target, now));
    }
    out.sort_by_key(|r| r.preference);
    Few::from_vec(out)
}

fn hop_to(hop: &NextHop, ifaces: &mut Ifaces) -> HopTo {
    match hop {
        NextHop::Address(a) => HopTo::Gateway(*a),
        NextHop::Interface(name) => HopTo::Interface(ifaces.intern_name(name)),
    }
}

/// Next hops (sorted in [`NextHop`] order, distinct), none resolved yet.
fn hops_target(mut hops: Vec<&NextHop>, ifaces: &mut Ifaces) -> Target {
    hops.sort();
    hops.dedup();
    let hops = hops
        .into_iter()
        .map(|h| RouteHop {
            to: hop_to(h, ifaces),
            via: None,
        })
        .collect();
    Target::Hops(Few::from_vec(hops))
}

/// Resolves the next hops of `route` (gateways over `directs`, interfaces over `links`) and
/// sets `hidden` (no next hop resolves). Returns whether anything changed.
pub(super) fn resolve(route: &mut Route, directs: &Directs, links: &Links) -> bool {
    let Target::Hops(g) = &mut route.target else {
        return false;
    };
    let mut changed = false;
    let mut any = false;
    for h in g.as_mut_slice() {
        let via = match h.to {
            HopTo::Gateway(a) => directs.resolve(a),
            HopTo::Interface(n) => links.resolve(n),
        };
        changed |= via != h.via;
        h.via = via;
        any |= via.is_some();
    }
    changed |= route.hidden == any;
    route.hidden = !any;
    changed
}

/// Applies a table configuration: settings first (kernel table, multipath, limit), then the
/// statics of each family.
pub(super) fn configure(table: &mut Table, config: TableConfig, now: i64, out: &mut Queued) {
    let TableConfig {
        name,
        kernel_table,
        statics,
        multipath,
        max_prefixes,
    } = config;
    let new = Settings {
        name,
        kernel_table,
        multipath,
        max_prefixes,
    };
    let old = std::mem::replace(&mut table.settings, new);
    let first = !table.configured;
    table.configured = true;
    if !first && old.kernel_table != kernel_table {
        // Everything installed is in the old kernel table: delete it there now, and let
        // process() install it in the new one.
        for family in [Family::Inet, Family::Inet6] {
            let deletes: Vec<(IpNet, FibRoute)> = table
                .family(family)
                .dests
                .map
                .iter()
                .filter_map(|(p, d)| {
                    let i = d.installed.as_ref()?;
                    Some((*p, i.to_fib(old.kernel_table, *p, &table.ifaces)))
                })
                .collect();
            let fam = table.family_mut(family);
            for (p, route) in deletes {
                fam.dests.modify(p, |d| d.installed = None);
                fam.fib_errors.remove(&p);
                fam.dirty.insert(p);
                out.fib.push(FibOp::Delete(route));
            }
        }
    } else if first || old.multipath != multipath {
        // Multipath changed: every route lsys installs may change. A table configured for the
        // first time installs the BGP routes it was given before (it had no kernel table).
        for family in [Family::Inet, Family::Inet6] {
            let fam = table.family_mut(family);
            let touched: Vec<IpNet> = fam
                .dests
                .map
                .iter()
                .filter(|(_, d)| {
                    d.installed.is_some() || d.active().is_some_and(|r| !r.protocol.kernel_owned())
                })
                .map(|(p, _)| *p)
                .collect();
            fam.dirty.extend(touched);
        }
    }
    if old.max_prefixes != max_prefixes {
        for family in [Family::Inet, Family::Inet6] {
            let limit = &mut table.family_mut(family).limit;
            limit.count = 0;
            limit.refused.clear();
        }
    }

    let mut by_family: [Vec<(IpNet, Few<Route>)>; 2] = [Vec::new(), Vec::new()];
    for s in &statics {
        let prefix = s.prefix.trunc();
        let routes = routes_of(s, &mut table.ifaces, now);
        if routes.is_empty() {
            continue;
        }
        let i = usize::from(Family::of(&prefix) == Family::Inet6);
        by_family[i].push((prefix, routes));
    }
    drop(statics);
    let [v4, v6] = by_family;
    let name = table.settings.name.clone();
    let limit = max_prefixes;
    let Table {
        links, inet, inet6, ..
    } = table;
    apply(inet, links, &Family::Inet.table_name(&name), limit, v4, out);
    apply(
        inet6,
        links,
        &Family::Inet6.table_name(&name),
        limit,
        v6,
        out,
    );
}

/// Admits and applies the statics of one family.
fn apply(
    fam: &mut FamilyRib,
    links: &Links,
    table_name: &str,
    limit: Option<u32>,
    mut statics: Vec<(IpNet, Few<Route>)>,
    out: &mut Queued,
) {
    statics.sort_by_key(|s| s.0);
    let before = statics.len();
    statics.dedup_by(|later, first| later.0 == first.0);
    if statics.len() < before {
        tracing::warn!(table = %table_name, duplicates = before - statics.len(), "static routes configured twice: the first one is used");
    }
    if let Some(max) = limit {
        admit(fam, table_name, max, &mut statics, out);
    } else {
        fam.limit.refused.clear();
    }

    // Merge with the prefixes that hold Static routes now; prefixes with no destination yet
    // are added together at the end.
    let current: Vec<IpNet> = fam
        .dests
        .map
        .iter()
        .filter(|(_, d)| d.has(Protocol::Static))
        .map(|(p, _)| *p)
        .collect();
    let mut current = current.into_iter().peekable();
    let mut wanted = statics.into_iter().peekable();
    let mut new = Vec::new();
    loop {
        let next = match (current.peek(), wanted.peek()) {
            (None, None) => break,
            (Some(c), Some((w, _))) if c == w => {
                current.next();
                wanted.next()
            }
            (Some(c), Some((w, _))) if c < w => current.next().map(|c| (c, Few::default())),
            (Some(_), None) => current.next().map(|c| (c, Few::default())),
            (_, Some(_)) => wanted.next(),
        };
        let Some((prefix, mut routes)) = next else {
            break;
        };
        if fam.dests.map.contains_key(&prefix) {
            set_statics(fam, links, prefix, routes);
        } else {
            for r in routes.as_mut_slice() {
                resolve(r, &fam.directs, links);
            }
            new.push((
                prefix,
                Dest {
                    routes,
                    installed: None,
                },
            ));
        }
    }
    let dirty: Vec<IpNet> = new.iter().map(|(p, _)| *p).collect();
    fam.dests.insert_new(new);
    fam.dests.compact();
    fam.mark_dirty(dirty);
}

/// `maximum-prefixes`: destinations holding BGP routes count already; statics are admitted in
/// prefix order while there is room, the rest are refused (dropped from `statics`).
fn admit(
    fam: &mut FamilyRib,
    table_name: &str,
    max: u32,
    statics: &mut Vec<(IpNet, Few<Route>)>,
    out: &mut Queued,
) {
    let mut refused = BTreeSet::new();
    let mut count = fam.dests.stats.bgp;
    let mut notices = 0usize;
    statics.retain(|(p, _)| {
        if fam.dests.map.get(p).is_some_and(|d| d.has(Protocol::Bgp)) {
            return true;
        }
        if count < max as usize {
            count += 1;
            return true;
        }
        refused.insert(*p);
        if !fam.limit.refused.contains(p) {
            fam.limit.count += 1;
            notices += 1;
            if notices <= NOTICES {
                let n = format!("{table_name}: maximum-prefixes {max} reached; {p} refused");
                tracing::warn!("{n}");
                out.notices.push(n);
            }
        }
        false
    });
    if notices > NOTICES {
        let n = format!(
            "{table_name}: maximum-prefixes {max} reached; {} more static routes refused",
            notices - NOTICES
        );
        tracing::warn!("{n}");
        out.notices.push(n);
    }
    fam.limit.refused = refused;
}

/// Makes `routes` the Static routes of `prefix`, keeping those that did not change (with their
/// resolution and age). Marks the prefix dirty only if something changed.
fn set_statics(fam: &mut FamilyRib, links: &Links, prefix: IpNet, routes: Few<Route>) {
    let same = |fam: &FamilyRib, routes: &[Route]| {
        let old = fam.dests.map.get(&prefix);
        let old = old
            .iter()
            .flat_map(|d| d.routes.iter())
            .filter(|r| r.protocol == Protocol::Static);
        let mut n = 0;
        for o in old {
            n += 1;
            if !routes
                .iter()
                .any(|r| r.preference == o.preference && r.target.same_config(&o.target))
            {
                return false;
            }
        }
        n == routes.len()
    };
    if same(fam, routes.as_slice()) {
        return;
    }
    let mut routes = routes.into_vec();
    let FamilyRib {
        dests,
        directs,
        dirty,
        lost,
        ..
    } = fam;
    let dropped = dests.modify(prefix, |d| {
        let mut dropped = false;
        d.routes.edit(|v| {
            v.retain(|o| {
                if o.protocol != Protocol::Static {
                    return true;
                }
                // Unchanged: keep the old one (its resolution and age), drop the new one.
                match routes
                    .iter()
                    .position(|r| r.preference == o.preference && r.target.same_config(&o.target))
                {
                    Some(i) => {
                        routes.swap_remove(i);
                        true
                    }
                    None => {
                        dropped |= o.active;
                        false
                    }
                }
            });
            for mut r in routes.drain(..) {
                resolve(&mut r, directs, links);
                v.push(r);
            }
        });
        dropped
    });
    dirty.insert(prefix);
    if dropped {
        lost.insert(prefix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An address, or an interface name (anything that is not an address).
    fn ip(s: &str) -> NextHop {
        match s.parse() {
            Ok(a) => NextHop::Address(a),
            Err(_) => NextHop::Interface(s.into()),
        }
    }

    fn cfg(target: StaticTarget, qualified: Vec<(&str, Option<u32>)>) -> StaticConfig {
        StaticConfig {
            prefix: "10.9.0.0/16".parse().unwrap(),
            preference: None,
            target,
            qualified: qualified.into_iter().map(|(a, p)| (ip(a), p)).collect(),
        }
    }

    /// (preference, next hops or kind) of each route.
    fn shape_in(routes: Few<Route>, ifaces: &Ifaces) -> Vec<(u32, String)> {
        routes
            .iter()
            .map(|r| {
                let t = match &r.target {
                    Target::Hops(g) => g
                        .iter()
                        .map(|g| match g.to {
                            HopTo::Gateway(a) => a.to_string(),
                            HopTo::Interface(n) => ifaces.text(n).to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                    other => format!("{other:?}"),
                };
                (r.preference, t)
            })
            .collect()
    }

    fn shape_of(c: &StaticConfig) -> Vec<(u32, String)> {
        let mut ifaces = Ifaces::default();
        let routes = routes_of(c, &mut ifaces, 0);
        shape_in(routes, &ifaces)
    }

    #[test]
    fn one_route_per_preference() {
        let c = cfg(
            StaticTarget::NextHops(vec![ip("10.0.0.1")]),
            vec![("10.0.0.14", Some(7))],
        );
        assert_eq!(
            shape_of(&c),
            [(5, "10.0.0.1".into()), (7, "10.0.0.14".into())]
        );
        // Without a preference (or with the route's), a qualified next hop joins the main ones.
        let c = cfg(
            StaticTarget::NextHops(vec![ip("10.0.0.9"), ip("10.0.0.1")]),
            vec![
                ("10.0.0.5", None),
                ("10.0.0.6", Some(5)),
                ("10.0.0.1", None),
            ],
        );
        assert_eq!(
            shape_of(&c),
            [(5, "10.0.0.1,10.0.0.5,10.0.0.6,10.0.0.9".into())]
        );
        // Only qualified next hops.
        let c = cfg(StaticTarget::None, vec![("10.0.0.5", Some(9))]);
        assert_eq!(shape_of(&c), [(9, "10.0.0.5".into())]);
        let mut ifaces = Ifaces::default();
        assert!(routes_of(&cfg(StaticTarget::None, vec![]), &mut ifaces, 0).is_empty());
        assert!(routes_of(&cfg(StaticTarget::NextHops(vec![]), vec![]), &mut ifaces, 0).is_empty());
    }

    /// Interface next hops sort after the addresses (by name), join the main next hops or
    /// float at their own preference like addresses do.
    #[test]
    fn interface_next_hops_sort_after_addresses() {
        let c = cfg(
            StaticTarget::NextHops(vec![ip("irb.5"), ip("10.0.0.9"), ip("irb.10")]),
            vec![("irb.5", None), ("irb.300", Some(7)), ("10.0.0.1", Some(7))],
        );
        assert_eq!(
            shape_of(&c),
            [
                (5, "10.0.0.9,irb.10,irb.5".into()),
                (7, "10.0.0.1,irb.300".into())
            ]
        );
        let c = cfg(StaticTarget::NextHops(vec![ip("irb.300")]), vec![]);
        assert_eq!(shape_of(&c), [(5, "irb.300".into())]);
    }

    #[test]
    fn discard_wins_over_next_hops_at_its_preference() {
        let c = cfg(
            StaticTarget::Discard,
            vec![("10.0.0.5", None), ("10.0.0.6", Some(7))],
        );
        assert_eq!(
            shape_of(&c),
            [(5, "Discard".into()), (7, "10.0.0.6".into())]
        );
        let mut c = cfg(StaticTarget::Reject, vec![]);
        c.preference = Some(250);
        assert_eq!(shape_of(&c), [(250, "Reject".into())]);
    }

    #[test]
    fn resolve_sets_hidden_and_reports_changes() {
        let mut ifaces = Ifaces::default();
        for hop in ["10.0.0.1", "irb.300"] {
            let mut r = routes_of(
                &cfg(StaticTarget::NextHops(vec![ip(hop)]), vec![]),
                &mut ifaces,
                0,
            )
            .into_vec()
            .remove(0);
            let (directs, links) = (Directs::default(), Links::default());
            assert!(
                resolve(&mut r, &directs, &links),
                "a new route becomes hidden"
            );
            assert!(r.hidden);
            assert!(!resolve(&mut r, &directs, &links));
        }
    }
}
