//! `show bgp summary`.

use std::fmt::Write;

use lsys_fib::render::age_extensive;

use super::{PeerView, SummaryView, TableTotals};
use crate::fsm::State;

const PEER_HEADER: &str = "Peer                     AS      InPkt     OutPkt    OutQ   Flaps Last Up/Dwn State|#Active/Received/Accepted/Damped...";
const TABLE_HEADER: &str =
    "Table          Tot Paths  Act Paths Suppressed    History Damp State    Pending";

/// The whole `show bgp summary`; `None` peers configured prints `BGP is not running`.
pub fn summary(view: &SummaryView) -> String {
    if view.peers.is_empty() {
        return "BGP is not running\n".into();
    }
    let mut out = String::new();
    let down = view
        .peers
        .iter()
        .filter(|p| p.status.state != State::Established)
        .count();
    out.push_str("Threading mode: BGP I/O\n");
    out.push_str("Default eBGP mode: advertise - accept, receive - accept\n");
    let _ = writeln!(
        out,
        "Groups: {} Peers: {} Down peers: {down}",
        view.groups,
        view.peers.len()
    );
    table_block(&mut out, &view.tables);
    let _ = writeln!(out, "{PEER_HEADER}");
    for p in &view.peers {
        peer_line(&mut out, p);
    }
    out
}

/// The `Table` block (nothing without tables), shared with `show bgp group`.
pub(super) fn table_block(out: &mut String, tables: &[TableTotals]) {
    if tables.is_empty() {
        return;
    }
    let _ = writeln!(out, "{TABLE_HEADER}");
    for t in tables {
        let _ = writeln!(out, "{}", t.table);
        let _ = writeln!(
            out,
            "{:>24}{:>11}{:>11}{:>11}{:>11}{:>11}",
            t.paths, t.active, 0, 0, 0, 0
        );
    }
}

fn counts(t: &super::TableCounts) -> String {
    format!("{}/{}/{}/{}", t.active, t.received, t.accepted, t.damped)
}

fn peer_line(out: &mut String, p: &PeerView) {
    let s = &p.status;
    let established = s.state == State::Established;
    let master_only = !p.tables.is_empty() && p.tables.iter().all(|t| t.master);
    let state = if !established {
        s.state.summary_name().to_string()
    } else if master_only {
        p.tables.iter().map(counts).collect::<Vec<_>>().join(" ")
    } else {
        "Establ".to_string()
    };
    let _ = writeln!(
        out,
        "{:<20}{:>7} {:>10} {:>10} {:>7} {:>7} {:>11} {state}",
        p.address.to_string(),
        p.peer_as,
        s.record.received.total(),
        s.record.sent.total(),
        s.out_queue,
        s.record.flaps,
        age_extensive(p.last_change_age),
    );
    if established && !master_only {
        for t in &p.tables {
            let _ = writeln!(out, "  {}: {}", t.table, counts(t));
        }
    }
}
