//! `show route A/P extensive` (and `detail`): one block per destination, only the lines lsys
//! can fill truthfully.

use super::age::age_extensive;
use super::{
    age_of, announced, blocks, inactive_reason, kernel_text, nh_type, preference2, state_flags,
    table_header, VALIDATION,
};
use crate::view::{DestView, NextHopView, RouteView, TableView};

/// Indent of the protocol line (`*Static Preference: 5`, the `*` included).
const ROUTE_INDENT: &str = "        ";
/// Indent of the lines under it.
const FIELD_INDENT: &str = "                ";

/// `show route ... extensive`: per table with destinations, the header, then each destination
/// (`P/L (N entries, K announced)`) with one block per route; a blank line between
/// destinations and between tables.
pub fn extensive(tables: &[TableView], now: i64) -> String {
    blocks(tables, |t| {
        let mut out = table_header(t);
        let dests: Vec<String> = t.dests.iter().map(|d| dest(d, now)).collect();
        out.push_str(&dests.join("\n"));
        out
    })
}

fn dest(d: &DestView, now: i64) -> String {
    let n = d.routes.len();
    let mut out = format!(
        "{} ({n} {}, {} announced)\n",
        d.prefix,
        if n == 1 { "entry" } else { "entries" },
        announced(d)
    );
    for r in &d.routes {
        route(&mut out, d, r, now);
    }
    out
}

fn route(out: &mut String, d: &DestView, r: &RouteView, now: i64) {
    let tag = if r.active { '*' } else { ' ' };
    let bgp = r.bgp.as_deref();
    let pref2 = bgp
        .and_then(preference2)
        .map(|p| format!("/{p}"))
        .unwrap_or_default();
    out.push_str(&format!(
        "{ROUTE_INDENT}{tag}{:<6} Preference: {}{pref2}\n",
        r.protocol.name(),
        r.preference
    ));
    let mut field = |text: String| {
        out.push_str(FIELD_INDENT);
        out.push_str(&text);
        out.push('\n');
    };
    field(format!("Next hop type: {}", nh_type(r)));
    if let Some(b) = bgp {
        field(format!("Source: {}", b.from));
    }
    for h in &r.next_hops {
        match h {
            NextHopView::Gateway {
                address,
                ifname,
                selected,
            } => field(format!(
                "Next hop: {address} via {ifname}{}",
                if *selected { ", selected" } else { "" }
            )),
            NextHopView::Interface { ifname, selected } => field(format!(
                "Next hop: via {ifname}{}",
                if *selected { ", selected" } else { "" }
            )),
            NextHopView::Local { ifname } => field(format!("Interface: {ifname}")),
            NextHopView::Unresolved { address } => {
                field(format!("Next hop: {address} (unresolved)"))
            }
            NextHopView::UnresolvedInterface { ifname } => {
                field(format!("Next hop: via {ifname} (unresolved)"))
            }
            NextHopView::Discard | NextHopView::Reject => {}
        }
    }
    field(format!("State: <{}>", state_flags(r)));
    if let Some(reason) = inactive_reason(d, r) {
        field(format!("Inactive reason: {reason}"));
    }
    if let Some(b) = bgp {
        let local = b
            .local_as
            .map(|a| format!("Local AS: {a:>5} "))
            .unwrap_or_default();
        field(format!("{local}Peer AS: {:>5}", b.peer_as));
    }
    let age = age_extensive(age_of(r, now));
    match bgp.and_then(|b| b.med) {
        // Junos puts the metric on the Age line, after a tab.
        Some(med) => field(format!("Age: {age} \tMetric: {med}")),
        None => field(format!("Age: {age}")),
    }
    if let Some(b) = bgp {
        field(format!("Validation State: {VALIDATION}"));
        field(format!("AS path: {}", b.as_path));
        if !b.communities.is_empty() {
            field(format!("Communities: {}", b.communities.join(" ")));
        }
        if let Some(lp) = b.local_pref {
            field(format!("Localpref: {lp}"));
        }
        if let Some(id) = b.router_id {
            field(format!("Router ID: {id}"));
        }
    }
    if let Some(k) = kernel_text(&r.fib) {
        field(format!("Kernel: {k}"));
    }
}
