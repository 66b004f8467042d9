//! `show bgp summary`, `show bgp neighbor [A]` and `clear bgp neighbor [A] [soft |
//! soft-inbound]`: the speakers of the user's view, rendered by lsys-bgp.
//!
//! A tenant sees the speakers of its logical system; the operator those of the root (a
//! logical system's are seen from inside it, `set cli logical-system`), as Junos shows the
//! master's instances unless asked for a logical system. `instance NAME` picks one routing
//! instance (`master` for the master instance); an instance the view does not have is `not
//! found`, whether it exists elsewhere or not.

use std::net::IpAddr;

use lsys_bgp::instance::Clear;
use lsys_bgp::show::{self, PeerView, SummaryView, TableTotals};
use lsys_grammar::cli::Invocation;

use super::Reply;
use crate::bgp::Planned;
use crate::core::Core;
use crate::session::Session;

/// The speakers `s` may see (and `instance NAME` asks for): (planned, peers).
fn seen(
    core: &Core,
    s: &Session,
    inv: &Invocation,
) -> Result<Vec<(Planned, Vec<PeerView>)>, Box<Reply>> {
    let Some(bgp) = &core.bgp else {
        return Err(Box::new(Reply::error(
            "error: no dataplane: lsysd runs with --no-dataplane",
        )));
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

pub(super) fn summary(core: &Core, s: &Session, inv: &Invocation) -> Reply {
    let speakers = match seen(core, s, inv) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let groups = speakers.iter().map(|(p, _)| p.config.groups).sum();
    let mut tables = Vec::new();
    for (p, peers) in &speakers {
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
    let peers: Vec<PeerView> = speakers.into_iter().flat_map(|(_, v)| v).collect();
    Reply::ok(show::summary(&SummaryView {
        groups,
        peers,
        tables,
    }))
}

pub(super) fn neighbor(core: &Core, s: &Session, inv: &Invocation) -> Reply {
    let speakers = match seen(core, s, inv) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let want: Option<IpAddr> = match inv.arg("address").map(str::parse) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => return Reply::error("error: invalid neighbor address"),
    };
    let peers: Vec<PeerView> = speakers
        .into_iter()
        .flat_map(|(_, v)| v)
        .filter(|p| want.is_none_or(|a| p.address == a))
        .collect();
    if let (Some(a), true) = (want, peers.is_empty()) {
        return Reply::error(format!("error: BGP neighbor {a} not found"));
    }
    if peers.is_empty() {
        return Reply::ok("BGP is not running\n");
    }
    Reply::ok(show::neighbor(&peers))
}

pub(super) fn clear(core: &Core, s: &Session, inv: &Invocation) -> Reply {
    let Some(bgp) = &core.bgp else {
        return Reply::error("error: no dataplane: lsysd runs with --no-dataplane");
    };
    let neighbor: Option<IpAddr> = match inv.arg("address").map(str::parse) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => return Reply::error("error: invalid neighbor address"),
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
