//! `show bgp summary | neighbor [A] | group [NAME]`, `clear bgp neighbor [A] [soft |
//! soft-inbound]` and `show route receive-protocol bgp A [hidden] | advertising-protocol bgp
//! A`: the speakers of the user's view, rendered by lsys-bgp (text, or `| display json` in
//! the shapes documented in lsys-bgp's `show` module).
//!
//! A tenant sees the speakers of its logical system; the operator those of the root (a
//! logical system's are seen from inside it, `set cli logical-system`), as Junos shows the
//! master's instances unless asked for a logical system. `instance NAME` picks one routing
//! instance (`master` for the master instance); an instance, group or neighbor the view does
//! not have is `not found`, whether it exists elsewhere or not.
//!
//! The route listings take the neighbor's routes from its speaker and, from the routing table
//! the daemon keeps (`core.rib`), the table's counts for the header and which route is active:
//! a received route is marked `*` when it is its prefix's best BGP path and BGP's route is the
//! table's active one (a static can win), an advertised route when its prefix has an active
//! route. A table is listed when it has destinations or the neighbor has routes in it.

use std::net::IpAddr;

use ipnet::IpNet;
use lsys_bgp::instance::{Clear, RouteLine, RouteSide};
use lsys_bgp::show::{self, GroupView, GroupsView, PeerView, RouteTable, SummaryView, TableTotals};
use lsys_fib::view::Query;
use lsys_fib::{Family, Protocol};
use lsys_grammar::cli::Invocation;
use lsys_grammar::typed::{self, Intent};

use super::{json_reply, Display, Reply};
use crate::bgp::Planned;
use crate::core::Core;
use crate::session::Session;

const NO_DATAPLANE: &str = "error: no dataplane: lsysd runs with --no-dataplane";

/// The speakers `s` may see (and `instance NAME` asks for): (planned, peers).
fn seen(
    core: &Core,
    s: &Session,
    inv: &Invocation,
) -> Result<Vec<(Planned, Vec<PeerView>)>, Box<Reply>> {
    let Some(bgp) = &core.bgp else {
        return Err(Box::new(Reply::error(NO_DATAPLANE)));
    };
    let ls = s.view.logical_system().map(str::to_string);
    let instance = inv.arg("instance").map(str::to_string);
    let out: Vec<(Planned, Vec<PeerView>)> = bgp
        .status(|_, p| p.ls == ls && instance.as_ref().is_none_or(|i| *i == p.name))
        .into_iter()
        .map(|(_, p, peers)| (p, peers))
        .collect();
    if let (Some(i), true) = (&instance, out.is_empty()) {
        return Err(Box::new(Reply::error(format!(
            "error: routing instance {i} not found"
        ))));
    }
    Ok(out)
}

/// The `Table` block: the master instances' tables with peers, as Junos's summary lists them.
fn master_tables(speakers: &[(Planned, Vec<PeerView>)]) -> Vec<TableTotals> {
    let mut tables = Vec::new();
    for (p, peers) in speakers {
        if p.name != lsys_bgp::policy::MASTER_INSTANCE || peers.is_empty() {
            continue;
        }
        let (paths, active) = peers
            .iter()
            .flat_map(|v| &v.tables)
            .fold((0, 0), |(a, b), t| (a + t.accepted, b + t.active));
        tables.push(TableTotals {
            table: p.tables.0.clone(),
            paths,
            active,
        });
    }
    tables
}

pub(super) fn summary(core: &Core, s: &Session, inv: &Invocation, display: &Display) -> Reply {
    let speakers = match seen(core, s, inv) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let groups = speakers.iter().map(|(p, _)| p.config.groups).sum();
    let tables = master_tables(&speakers);
    let peers: Vec<PeerView> = speakers.into_iter().flat_map(|(_, v)| v).collect();
    let view = SummaryView {
        groups,
        peers,
        tables,
    };
    match display {
        Display::Json => json_reply(show::summary_json(&view)),
        _ => Reply::ok(show::summary(&view)),
    }
}

fn address(inv: &Invocation, arg: &str) -> Result<Option<IpAddr>, Box<Reply>> {
    match inv.arg(arg).map(str::parse) {
        None => Ok(None),
        Some(Ok(a)) => Ok(Some(a)),
        Some(Err(_)) => Err(Box::new(Reply::error("error: invalid neighbor address"))),
    }
}

pub(super) fn neighbor(core: &Core, s: &Session, inv: &Invocation, display: &Display) -> Reply {
    let speakers = match seen(core, s, inv) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let want = match address(inv, "address") {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let peers: Vec<PeerView> = speakers
        .into_iter()
        .flat_map(|(_, v)| v)
        .filter(|p| want.is_none_or(|a| p.address == a))
        .collect();
    if let (Some(a), true) = (want, peers.is_empty()) {
        return Reply::error(format!("error: BGP neighbor {a} not found"));
    }
    match display {
        Display::Json => json_reply(show::neighbor_json(&peers)),
        _ if peers.is_empty() => Reply::ok("BGP is not running\n"),
        _ => Reply::ok(show::neighbor(&peers)),
    }
}

/// The `protocols bgp` statements a speaker was planned from.
fn typed_bgp<'a>(intent: &'a Intent, p: &Planned) -> Option<&'a typed::Bgp> {
    let scope = match &p.ls {
        None => &intent.root,
        Some(ls) => intent.logical_systems.get(ls)?,
    };
    if p.name == lsys_bgp::policy::MASTER_INSTANCE {
        return Some(&scope.bgp);
    }
    scope
        .routing_instances
        .iter()
        .find(|ri| ri.name == p.name)
        .map(|ri| &ri.bgp)
}

/// One group of a speaker: its settings from the configuration, its neighbors' views in
/// configuration order.
fn group_view(p: &Planned, peers: &[PeerView], index: usize, g: &typed::BgpGroup) -> GroupView {
    let members: Vec<PeerView> = g
        .neighbors
        .iter()
        .filter_map(|n| {
            peers
                .iter()
                .find(|v| v.address == n.address && v.group == g.name)
                .cloned()
        })
        .collect();
    let local_as = g.settings.local_as.unwrap_or(p.config.local_as);
    let peer_type = members.first().map_or_else(
        || match g.settings.effective_type(Some(p.config.local_as)) {
            typed::PeerType::Internal => lsys_bgp::fsm::PeerType::Internal,
            typed::PeerType::External => lsys_bgp::fsm::PeerType::External,
        },
        |m| m.peer_type,
    );
    let internal = peer_type == lsys_bgp::fsm::PeerType::Internal;
    GroupView {
        name: g.name.clone(),
        index,
        peer_type,
        peer_as: g.settings.peer_as.or(internal.then_some(local_as)),
        local_as,
        hold_time: g.settings.hold_time.unwrap_or(0),
        import: g.settings.import.clone(),
        export: g.settings.export.clone(),
        peers: members,
    }
}

pub(super) fn group(core: &Core, s: &Session, inv: &Invocation, display: &Display) -> Reply {
    let speakers = match seen(core, s, inv) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let intent = match super::running_intent(core) {
        Ok(i) => i,
        Err(e) => return Reply::error(e),
    };
    let want = inv.arg("group-name");
    let mut groups = Vec::new();
    for (p, peers) in &speakers {
        let Some(bgp) = typed_bgp(&intent, p) else {
            continue;
        };
        for (index, g) in bgp.groups.iter().enumerate() {
            if want.is_none_or(|w| w == g.name) {
                groups.push(group_view(p, peers, index, g));
            }
        }
    }
    if let (Some(w), true) = (want, groups.is_empty()) {
        return Reply::error(format!("error: BGP group {w} not found"));
    }
    let view = GroupsView {
        groups,
        group_count: speakers.iter().map(|(p, _)| p.config.groups).sum(),
        tables: master_tables(&speakers),
        trailer: want.is_none(),
    };
    match display {
        Display::Json => json_reply(show::groups_json(&view)),
        _ => Reply::ok(show::groups(&view)),
    }
}

pub(super) fn clear(core: &Core, s: &Session, inv: &Invocation) -> Reply {
    let Some(bgp) = &core.bgp else {
        return Reply::error(NO_DATAPLANE);
    };
    let neighbor = match address(inv, "address") {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let how = if inv.has("soft") {
        Clear::Soft
    } else if inv.has("soft-inbound") {
        Clear::SoftInbound
    } else {
        Clear::Hard
    };
    let ls = s.view.logical_system().map(str::to_string);
    let instance = inv.arg("instance").map(str::to_string);
    let n = bgp.clear(
        |_, p| p.ls == ls && instance.as_ref().is_none_or(|i| *i == p.name),
        neighbor,
        how,
    );
    match (n, neighbor) {
        (0, Some(a)) => Reply::error(format!("error: BGP neighbor {a} not found")),
        (0, None) => Reply::error("error: BGP is not running"),
        _ => Reply::ok(""),
    }
}

/// One table of a speaker to list: its RIB key and family, its shown name, the lines.
struct Listed {
    key: String,
    family: Family,
    name: String,
    lines: Vec<RouteLine>,
}

/// Fills in the tables' counts and the lines' `*` from the routing table; leaves out the
/// tables with neither destinations nor lines.
fn with_table_state(
    rib: &lsys_fib::rib::Rib,
    listed: Vec<Listed>,
    side: RouteSide,
) -> Vec<RouteTable> {
    let counts_only = Query::default();
    listed
        .into_iter()
        .filter_map(|t| {
            let v = rib.view(&t.key, t.family, &counts_only);
            let lines: Vec<RouteLine> = t
                .lines
                .into_iter()
                .map(|mut l| {
                    let active = rib.active_route(&t.key, t.family, l.prefix);
                    l.active &= match side {
                        RouteSide::Received { .. } => {
                            active.is_some_and(|a| a.protocol == Protocol::Bgp)
                        }
                        RouteSide::Advertised => active.is_some(),
                    };
                    l
                })
                .collect();
            let destinations = v.as_ref().map_or(0, |v| v.destinations);
            if destinations == 0 && lines.is_empty() {
                return None;
            }
            Some(RouteTable {
                name: t.name,
                destinations,
                routes: v.as_ref().map_or(0, |v| v.routes),
                active: v.as_ref().map_or(0, |v| v.active),
                holddown: v.as_ref().map_or(0, |v| v.holddown),
                hidden: v.as_ref().map_or(0, |v| v.hidden),
                lines,
            })
        })
        .collect()
}

/// `show route receive-protocol bgp A [hidden]` and `show route advertising-protocol bgp A`.
pub(super) fn routes(core: &Core, s: &Session, inv: &Invocation, display: &Display) -> Reply {
    let (Some(bgp), Some(rib)) = (&core.bgp, &core.rib) else {
        return Reply::error(NO_DATAPLANE);
    };
    let neighbor = match address(inv, "neighbor") {
        Ok(Some(a)) => a,
        Ok(None) => return Reply::error("error: missing argument"),
        Err(r) => return *r,
    };
    let side = if inv.name() == "show route advertising-protocol bgp" {
        RouteSide::Advertised
    } else {
        RouteSide::Received {
            hidden: inv.has("hidden"),
        }
    };
    let ls = s.view.logical_system().map(str::to_string);
    let found = bgp.routes(|_, p| p.ls == ls, neighbor, side);
    if found.is_empty() {
        return Reply::error(format!("error: BGP neighbor {neighbor} not found"));
    }
    let mut listed = Vec::new();
    for (key, p, lines) in found {
        let (v4, v6): (Vec<RouteLine>, Vec<RouteLine>) = lines
            .into_iter()
            .partition(|l| matches!(l.prefix, IpNet::V4(_)));
        for (family, name, lines) in [
            (Family::Inet, p.tables.0, v4),
            (Family::Inet6, p.tables.1, v6),
        ] {
            listed.push(Listed {
                key: key.clone(),
                family,
                name,
                lines,
            });
        }
    }
    let tables = match rib.query(move |rib, _| with_table_state(rib, listed, side)) {
        Ok(t) => t,
        Err(e) => return Reply::error(format!("error: {e}")),
    };
    match display {
        Display::Json => json_reply(show::routes_json(&tables)),
        _ => Reply::streamed(show::routes(&tables)),
    }
}
