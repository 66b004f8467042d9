//! `show route summary`.

use std::net::Ipv4Addr;

use super::table_header;
use crate::view::{ProtocolCount, TableView};
use crate::Protocol;

/// The order of the protocol lines: Direct, Local, then BGP and Static as in the Junos sample.
pub(super) const PROTOCOL_ORDER: [Protocol; 4] = [
    Protocol::Direct,
    Protocol::Local,
    Protocol::Bgp,
    Protocol::Static,
];

/// The protocol counts of a table in [`PROTOCOL_ORDER`].
pub(super) fn ordered(t: &TableView) -> impl Iterator<Item = &ProtocolCount> {
    PROTOCOL_ORDER
        .iter()
        .flat_map(move |p| t.protocols.iter().filter(move |c| c.protocol == *p))
}

/// `show route summary`: `Autonomous system number: N` and `Router ID: A` (each omitted when
/// `None`, the blank line after them too when both are), then per table its header,
/// `Limit/Threshold:` and the lsys `Refused:` line when it has a limit, and one line per
/// protocol (`              Direct:      8 routes,      7 active`); tables separated by a
/// blank line.
pub fn summary(
    autonomous_system: Option<u32>,
    router_id: Option<Ipv4Addr>,
    tables: &[TableView],
) -> String {
    let mut out = String::new();
    if let Some(asn) = autonomous_system {
        out.push_str(&format!("Autonomous system number: {asn}\n"));
    }
    if let Some(id) = router_id {
        out.push_str(&format!("Router ID: {id}\n"));
    }
    if !out.is_empty() && !tables.is_empty() {
        out.push('\n');
    }
    let blocks: Vec<String> = tables.iter().map(table).collect();
    out.push_str(&blocks.join("\n"));
    out
}

fn table(t: &TableView) -> String {
    let mut out = table_header(t);
    if let Some(l) = t.limit.filter(|l| l.refused > 0) {
        out.push_str(&format!(
            "Refused: {} destinations (maximum-prefixes reached)\n",
            l.refused
        ));
    }
    for c in ordered(t) {
        out.push_str(&format!(
            "{:>20}: {:>6} routes, {:>6} active\n",
            c.protocol.name(),
            c.routes,
            c.active
        ));
    }
    out
}
