//! `show bgp group [NAME]`: one block per group, then (for all groups) the totals and the
//! `Table` block of `show bgp summary`. Layout of Junos captures (genieparser's
//! `show bgp group` goldens, a cRPD lab's `show bgp group CLIENTS`):
//!
//! ```text
//! Group Type: Internal    AS: 65000                  Local AS: 65000
//!   Name: CLIENTS         Index: 1                   Flags: <Export Eval>
//!   Holdtime: 0
//!   Total peers: 2        Established: 2
//!   10.0.1.1+58651
//!   10.0.1.2
//!   inet.0: 2/2/2/0
//!
//! Groups: 2  Peers: 3    External: 1    Internal: 2    Down peers: 1   Flaps: 0
//! ```
//! Fields sit at columns 24 and 51 (`AS:`/`Index:`/`Established:`, `Local AS:`/`Flags:`), the
//! totals at 11, 23, 38, 53 and 69; a value that reaches the next column is followed by one
//! space. `AS:` is printed for an internal group and for a group with a group-level `peer-as`
//! (Junos leaves it out of external groups whose neighbors have their own). `Flags:` is
//! always `<Export Eval>` (every group's export is evaluated: the default policy at least).
//! `Holdtime:` is the group's configured `hold-time`, 0 when it has none. The table line sums
//! the group's established peers (none printed while no peer is established). `show bgp group
//! NAME` prints the group's block alone, as Junos does.

use std::fmt::Write;

use super::summary::table_block;
use super::{PeerView, TableCounts, TableTotals};
use crate::fsm::{PeerType, State};

/// One configured group with its neighbors as the show commands see them.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupView {
    pub name: String,
    /// Its position among its instance's groups (`Index:`).
    pub index: usize,
    pub peer_type: PeerType,
    /// `AS:`: the group's `peer-as` (the local AS for an internal group); `None` when its
    /// neighbors set their own.
    pub peer_as: Option<u32>,
    pub local_as: u32,
    /// The group's configured `hold-time`; 0 when it has none.
    pub hold_time: u16,
    pub import: Vec<String>,
    pub export: Vec<String>,
    /// Its neighbors, in configuration order.
    pub peers: Vec<PeerView>,
}

/// Everything `show bgp group` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupsView {
    pub groups: Vec<GroupView>,
    /// Groups configured in the instances shown (`Groups: N`).
    pub group_count: usize,
    /// The `Table` block (master-instance tables, as in `show bgp summary`).
    pub tables: Vec<TableTotals>,
    /// The totals and the `Table` block: printed for all groups, not for `show bgp group NAME`.
    pub trailer: bool,
}

impl GroupsView {
    fn peers(&self) -> impl Iterator<Item = &PeerView> {
        self.groups.iter().flat_map(|g| &g.peers)
    }
}

/// Pads `s` with spaces to `col`, or adds one space if it already reaches it.
fn pad_to(s: &mut String, col: usize) {
    let len = s.chars().count();
    let n = if len < col { col - len } else { 1 };
    s.extend(std::iter::repeat_n(' ', n));
}

/// `Internal` / `External`.
pub(super) fn type_name(t: PeerType) -> &'static str {
    match t {
        PeerType::External => "External",
        PeerType::Internal => "Internal",
    }
}

fn established(p: &PeerView) -> bool {
    p.status.state == State::Established
}

/// The group's per-table counts, summed over its established peers, tables in order of first
/// appearance.
pub(super) fn group_tables(g: &GroupView) -> Vec<TableCounts> {
    let mut out: Vec<TableCounts> = Vec::new();
    for t in g
        .peers
        .iter()
        .filter(|p| established(p))
        .flat_map(|p| &p.tables)
    {
        match out.iter_mut().find(|o| o.table == t.table) {
            Some(o) => {
                o.active += t.active;
                o.received += t.received;
                o.accepted += t.accepted;
                o.damped += t.damped;
                o.advertised += t.advertised;
            }
            None => out.push(t.clone()),
        }
    }
    out
}

fn policies(g: &GroupView) -> Option<String> {
    let list = |w: &str, names: &[String]| {
        (!names.is_empty()).then(|| format!("{w}: [ {} ]", names.join(" ")))
    };
    let parts: Vec<String> = [list("Export", &g.export), list("Import", &g.import)]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn block(out: &mut String, g: &GroupView) {
    let mut s = format!("Group Type: {}", type_name(g.peer_type));
    if let Some(a) = g.peer_as {
        pad_to(&mut s, 24);
        let _ = write!(s, "AS: {a}");
    }
    pad_to(&mut s, 51);
    let _ = writeln!(out, "{s}Local AS: {}", g.local_as);
    let mut s = format!("  Name: {}", g.name);
    pad_to(&mut s, 24);
    let _ = write!(s, "Index: {}", g.index);
    pad_to(&mut s, 51);
    let _ = writeln!(out, "{s}Flags: <Export Eval>");
    if let Some(p) = policies(g) {
        let _ = writeln!(out, "  {p}");
    }
    let _ = writeln!(out, "  Holdtime: {}", g.hold_time);
    let mut s = format!("  Total peers: {}", g.peers.len());
    pad_to(&mut s, 24);
    let up = g.peers.iter().filter(|p| established(p)).count();
    let _ = writeln!(out, "{s}Established: {up}");
    for p in &g.peers {
        let _ = writeln!(out, "  {}", p.remote());
    }
    for t in group_tables(g) {
        let _ = writeln!(
            out,
            "  {}: {}/{}/{}/{}",
            t.table, t.active, t.received, t.accepted, t.damped
        );
    }
    out.push('\n');
}

/// `Groups: 2  Peers: 3    External: 1    Internal: 2    Down peers: 1   Flaps: 0`.
fn totals(view: &GroupsView) -> String {
    let peers: Vec<&PeerView> = view.peers().collect();
    let external = peers
        .iter()
        .filter(|p| p.peer_type == PeerType::External)
        .count();
    let down = peers.iter().filter(|p| !established(p)).count();
    let flaps: u64 = peers.iter().map(|p| p.status.record.flaps).sum();
    let mut s = format!("Groups: {}", view.group_count);
    for (col, text) in [
        (11, format!("Peers: {}", peers.len())),
        (23, format!("External: {external}")),
        (38, format!("Internal: {}", peers.len() - external)),
        (53, format!("Down peers: {down}")),
        (69, format!("Flaps: {flaps}")),
    ] {
        pad_to(&mut s, col);
        s.push_str(&text);
    }
    s
}

/// The whole `show bgp group`; no group at all prints `BGP is not running`.
pub fn groups(view: &GroupsView) -> String {
    if view.groups.is_empty() && view.group_count == 0 {
        return "BGP is not running\n".into();
    }
    let mut out = String::new();
    for g in &view.groups {
        block(&mut out, g);
    }
    if view.trailer {
        let _ = writeln!(out, "{}", totals(view));
        table_block(&mut out, &view.tables);
    }
    out
}
