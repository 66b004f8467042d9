//! Snapshots for show commands: a [`TableView`] of one family, its counts taken from the
//! running [`Stats`](super::route::Stats) (no scan), its destinations picked by the query with
//! a range of the ordered destination map (never the whole table unless `DestFilter::All`).

use std::net::IpAddr;
use std::ops::Bound;

use ipnet::IpNet;

use super::route::{protocol_index, Dest, HopTo, Ifaces, Route, Status, Target, PROTOCOLS};
use super::table::{FamilyRib, Table};
use crate::view::{
    DestFilter, DestView, LimitView, NextHopView, ProtocolCount, Query, RouteView, TableView,
};
use crate::{ActiveKind, ActiveRoute, Family, FibState, NextHop, Protocol};

pub(super) fn view(table: &Table, family: Family, query: &Query) -> TableView {
    let fam = table.family(family);
    let s = &fam.dests.stats;
    let protocols = PROTOCOLS
        .iter()
        .filter_map(|p| {
            let i = protocol_index(*p);
            (s.routes[i] > 0).then_some(ProtocolCount {
                protocol: *p,
                routes: s.routes[i],
                active: s.active[i],
            })
        })
        .collect();
    let dests = if query.routes {
        pick(fam, family, query.dest)
            .filter_map(|(p, d)| dest_view(table, fam, *p, d, query))
            .collect()
    } else {
        Vec::new()
    };
    TableView {
        name: family.table_name(&table.settings.name),
        destinations: s.dests,
        routes: s.routes.iter().sum(),
        active: s.active.iter().sum(),
        holddown: 0,
        hidden: s.hidden,
        protocols,
        limit: table.settings.max_prefixes.map(|max_prefixes| LimitView {
            max_prefixes,
            refused: fam.limit.count,
        }),
        dests,
    }
}

type Picked<'a> = Box<dyn Iterator<Item = (&'a IpNet, &'a Dest)> + 'a>;

/// The destinations (with routes) the filter picks, in table order.
fn pick(fam: &FamilyRib, family: Family, filter: DestFilter) -> Picked<'_> {
    let map = &fam.dests.map;
    let with_routes = |(_, d): &(&IpNet, &Dest)| !d.routes.is_empty();
    match filter {
        DestFilter::All => Box::new(map.iter().filter(with_routes)),
        DestFilter::Exact(p) => Box::new(
            map.get_key_value(&p.trunc())
                .into_iter()
                .filter(with_routes),
        ),
        DestFilter::Longer(p) | DestFilter::OrLonger(p) => {
            if Family::of(&p) != family {
                return Box::new(std::iter::empty());
            }
            let p = p.trunc();
            let strict = matches!(filter, DestFilter::Longer(_));
            let lo = Bound::Included(p);
            let hi = match IpNet::new(p.broadcast(), p.max_prefix_len()) {
                Ok(h) => Bound::Included(h),
                Err(_) => Bound::Unbounded,
            };
            Box::new(
                map.range((lo, hi))
                    .filter(move |(q, _)| p.contains(*q) && !(strict && **q == p))
                    .filter(with_routes),
            )
        }
        DestFilter::Lookup(addr) => Box::new(lookup(fam, addr).into_iter()),
    }
}

/// The longest prefix containing `addr` with an eligible route.
fn lookup(fam: &FamilyRib, addr: IpAddr) -> Option<(&IpNet, &Dest)> {
    let max = match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    (0..=max).rev().find_map(|len| {
        let net = IpNet::new(addr, len).ok()?.trunc();
        let (p, d) = fam.dests.map.get_key_value(&net)?;
        d.routes.iter().any(|r| !r.hidden).then_some((p, d))
    })
}

fn dest_view(
    table: &Table,
    fam: &FamilyRib,
    prefix: IpNet,
    d: &Dest,
    q: &Query,
) -> Option<DestView> {
    let mut routes: Vec<&Route> = d
        .routes
        .iter()
        .filter(|r| r.hidden == q.hidden && q.protocol.is_none_or(|p| p == r.protocol))
        .collect();
    if routes.is_empty() {
        return None;
    }
    routes.sort_by(|a, b| b.active.cmp(&a.active).then(a.rank_cmp(b, &table.ifaces)));
    let routes = routes
        .into_iter()
        .map(|r| route_view(table, fam, prefix, d, r))
        .collect();
    Some(DestView { prefix, routes })
}

fn route_view(table: &Table, fam: &FamilyRib, prefix: IpNet, d: &Dest, r: &Route) -> RouteView {
    let ifaces: &Ifaces = &table.ifaces;
    let name = |id| ifaces.name(id).to_string();
    // The hops the kernel gets from the active route (all resolved ones when multipath).
    let mut selected = if r.active {
        r.wanted(table.settings.multipath, Family::of(&prefix))
            .map(|(_, a)| a)
            .into_iter()
            .flat_map(|a| match a {
                super::route::Action::Forward(h) => h.into_vec(),
                _ => Vec::new(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let next_hops = match &r.target {
        Target::Interface(id) if r.protocol == crate::Protocol::Local => {
            vec![NextHopView::Local { ifname: name(*id) }]
        }
        Target::Interface(id) => vec![NextHopView::Interface {
            ifname: name(*id),
            selected: true,
        }],
        Target::Hops(g) => g
            .iter()
            .filter_map(|g| match (g.via, g.to) {
                (Some(via), to) => {
                    let pos = selected
                        .iter()
                        .position(|h| h.gateway == to.gateway() && h.via == via);
                    if let Some(i) = pos {
                        selected.swap_remove(i);
                    }
                    let selected = pos.is_some();
                    Some(match to {
                        HopTo::Gateway(address) => NextHopView::Gateway {
                            address,
                            ifname: name(via),
                            selected,
                        },
                        HopTo::Interface(_) => NextHopView::Interface {
                            ifname: name(via),
                            selected,
                        },
                    })
                }
                (None, HopTo::Gateway(address)) if r.hidden => {
                    Some(NextHopView::Unresolved { address })
                }
                (None, HopTo::Interface(n)) if r.hidden => Some(NextHopView::UnresolvedInterface {
                    ifname: ifaces.text(n).to_string(),
                }),
                (None, _) => None,
            })
            .collect(),
        Target::Discard => vec![NextHopView::Discard],
        Target::Reject => vec![NextHopView::Reject],
    };
    let fib = match (&d.installed, r.active) {
        (Some(i), true) if i.protocol == r.protocol => match i.status {
            Status::Pending => FibState::Pending,
            Status::Installed | Status::Stale => FibState::Installed,
            Status::Refused => FibState::Refused(
                fam.fib_errors
                    .get(&prefix)
                    .cloned()
                    .unwrap_or_else(|| "refused".to_string()),
            ),
        },
        _ => FibState::None,
    };
    RouteView {
        protocol: r.protocol,
        preference: r.preference,
        active: r.active,
        hidden: r.hidden,
        since: i64::from(r.since),
        next_hops,
        fib,
        bgp: r.info.and_then(|id| fam.dests.infos.get(id)).cloned(),
    }
}

/// The active routes of `family` that are not BGP's, in prefix order: what a BGP speaker's
/// export policies may take from the table besides its own routes.
pub(super) fn active_non_bgp(table: &Table, family: Family) -> Vec<(IpNet, ActiveRoute)> {
    table
        .family(family)
        .dests
        .map
        .iter()
        .filter(|(_, d)| d.active().is_some_and(|r| r.protocol != Protocol::Bgp))
        .filter_map(|(p, _)| Some((*p, active_route(table, *p)?)))
        .collect()
}

/// The active route of `prefix` (exactly), for the BGP speaker's export.
pub(super) fn active_route(table: &Table, prefix: IpNet) -> Option<ActiveRoute> {
    let prefix = prefix.trunc();
    let fam = table.family(Family::of(&prefix));
    let r = fam.dests.map.get(&prefix)?.active()?;
    let ifaces = &table.ifaces;
    let (kind, next_hops) = match &r.target {
        Target::Interface(id) => (
            ActiveKind::Forward,
            vec![NextHop::Interface(ifaces.name(*id).to_string())],
        ),
        Target::Hops(g) => (
            ActiveKind::Forward,
            g.iter()
                .filter(|h| h.via.is_some())
                .map(|h| match h.to {
                    HopTo::Gateway(a) => NextHop::Address(a),
                    HopTo::Interface(n) => NextHop::Interface(ifaces.text(n).to_string()),
                })
                .collect(),
        ),
        Target::Discard => (ActiveKind::Discard, Vec::new()),
        Target::Reject => (ActiveKind::Reject, Vec::new()),
    };
    let bgp = r.info.and_then(|id| fam.dests.infos.get(id)).cloned();
    Some(ActiveRoute {
        protocol: r.protocol,
        preference: r.preference,
        kind,
        next_hops,
        metric: bgp.as_ref().and_then(|b| b.med),
        tag: None,
        bgp,
    })
}
