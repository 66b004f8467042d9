//! `show route` (standard form), also for `hidden`, `protocol X`, `A/P` and `table X`.

use super::{
    age, age_of, bgp_from, blocks, brief_hops, table_header, BriefHop, LEGEND, VALIDATION,
};
use crate::view::{DestView, RouteView, TableView};
use crate::FibState;

/// Column of the route line (`*[Static/5] ...`) and width of the prefix field.
const ROUTE_COLUMN: usize = 19;
/// Indent of `> to A via IF` and `> via IF`.
const HOP_INDENT: usize = 20;
/// Indent of `Local via IF`, `Discard`, `Reject`, `Unusable`, `AS path: ...` and
/// `Kernel: refused (...)`.
const TEXT_INDENT: usize = 22;

/// `show route`: one block per table that has destinations in the view:
/// `NAME: N destinations, N routes (N active, N holddown, N hidden)`, the legend, a blank
/// line, the destinations; tables separated by a blank line; nothing when no table has any.
pub fn routes(tables: &[TableView], now: i64) -> String {
    blocks(tables, |t| {
        let mut out = table_header(t);
        out.push_str(LEGEND);
        out.push('\n');
        for d in &t.dests {
            dest(&mut out, d, now);
        }
        out
    })
}

fn dest(out: &mut String, d: &DestView, now: i64) {
    let prefix = d.prefix.to_string();
    for (i, r) in d.routes.iter().enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(ROUTE_COLUMN));
        } else if prefix.len() >= ROUTE_COLUMN {
            out.push_str(&prefix);
            out.push('\n');
            out.push_str(&" ".repeat(ROUTE_COLUMN));
        } else {
            out.push_str(&format!("{prefix:<ROUTE_COLUMN$}"));
        }
        let tag = if r.active { '*' } else { ' ' };
        out.push_str(&format!(
            "{tag}[{}/{}] {}{}\n",
            r.protocol.name(),
            r.preference,
            age(age_of(r, now)),
            bgp_suffix(r)
        ));
        if let Some(b) = &r.bgp {
            out.push_str(&format!(
                "{:TEXT_INDENT$}AS path: {}, validation-state: {VALIDATION}\n",
                "", b.as_path
            ));
        }
        for hop in brief_hops(r) {
            out.push_str(&hop_line(hop));
            out.push('\n');
        }
        if let FibState::Refused(msg) = &r.fib {
            out.push_str(&format!("{:TEXT_INDENT$}Kernel: refused ({msg})\n", ""));
        }
    }
}

/// What a BGP route's line says after its age: `, MED 10, localpref 100, from 10.55.0.2`
/// (each part only when known or, for `from`, when Junos shows it).
fn bgp_suffix(r: &RouteView) -> String {
    let Some(b) = &r.bgp else {
        return String::new();
    };
    let mut out = String::new();
    if let Some(med) = b.med {
        out.push_str(&format!(", MED {med}"));
    }
    if let Some(lp) = b.local_pref {
        out.push_str(&format!(", localpref {lp}"));
    }
    if let Some(from) = bgp_from(r) {
        out.push_str(&format!(", from {from}"));
    }
    out
}

fn hop_line(hop: BriefHop<'_>) -> String {
    let hop_pad = " ".repeat(HOP_INDENT);
    let text_pad = " ".repeat(TEXT_INDENT);
    match hop {
        BriefHop::Gateway {
            address,
            ifname,
            selected,
        } => {
            let mark = if selected { '>' } else { ' ' };
            format!("{hop_pad}{mark} to {address} via {ifname}")
        }
        BriefHop::Interface { ifname, selected } => {
            let mark = if selected { '>' } else { ' ' };
            format!("{hop_pad}{mark} via {ifname}")
        }
        BriefHop::Local(ifname) => format!("{text_pad}Local via {ifname}"),
        BriefHop::Discard => format!("{text_pad}Discard"),
        BriefHop::Reject => format!("{text_pad}Reject"),
        BriefHop::Unusable => format!("{text_pad}Unusable"),
    }
}
