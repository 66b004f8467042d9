//! `show route terse`.

use super::{blocks, brief_hops, table_header, BriefHop, LEGEND};
use crate::view::{DestView, RouteView, TableView};
use crate::Protocol;

const COLUMNS: &str =
    "A V Destination        P Prf   Metric 1   Metric 2  Next hop        AS path\n";
/// Width of the destination column (followed by one space).
const DEST_WIDTH: usize = 18;
/// Column of the `>` of a further next hop of a route.
const HOP_COLUMN: usize = 51;

/// `show route terse`: per table with destinations, the header, the legend, a blank line, the
/// column titles and one row per route (further next hops on lines of their own).
pub fn terse(tables: &[TableView], _now: i64) -> String {
    blocks(tables, |t| {
        let mut out = table_header(t);
        out.push_str(LEGEND);
        out.push('\n');
        out.push_str(COLUMNS);
        for d in &t.dests {
            dest(&mut out, d);
        }
        out
    })
}

/// The protocol letter of the `P` column.
fn letter(p: Protocol) -> char {
    match p {
        Protocol::Direct => 'D',
        Protocol::Local => 'L',
        Protocol::Static => 'S',
        Protocol::Bgp => 'B',
    }
}

fn dest(out: &mut String, d: &DestView) {
    let prefix = d.prefix.to_string();
    for (i, r) in d.routes.iter().enumerate() {
        let a = if r.active { '*' } else { ' ' };
        let mut dest = "";
        if i == 0 {
            if prefix.len() > DEST_WIDTH {
                out.push_str(&format!("{a} ? {prefix}\n"));
                row(out, ' ', ' ', "", r);
                continue;
            }
            dest = &prefix;
        }
        row(out, a, '?', dest, r);
    }
}

/// One route: its row, then its further next hops.
fn row(out: &mut String, a: char, v: char, dest: &str, r: &RouteView) {
    let hops: Vec<(char, String)> = brief_hops(r).into_iter().map(hop).collect();
    let (sel, nh) = hops.first().cloned().unwrap_or((' ', String::new()));
    let line = format!(
        "{a} {v} {dest:<DEST_WIDTH$} {} {:>3} {:>10} {:>10} {sel}{nh}",
        letter(r.protocol),
        r.preference,
        "",
        "",
    );
    out.push_str(line.trim_end());
    out.push('\n');
    for (sel, nh) in hops.iter().skip(1) {
        out.push_str(&format!("{:HOP_COLUMN$}{sel}{nh}\n", ""));
    }
}

/// The selection mark and the text of the `Next hop` column.
fn hop(h: BriefHop<'_>) -> (char, String) {
    match h {
        BriefHop::Gateway {
            address, selected, ..
        } => (if selected { '>' } else { ' ' }, address.to_string()),
        BriefHop::Interface { ifname, selected } => {
            (if selected { '>' } else { ' ' }, ifname.to_string())
        }
        BriefHop::Local(_) => (' ', "Local".to_string()),
        BriefHop::Discard => (' ', "Discard".to_string()),
        BriefHop::Reject => (' ', "Reject".to_string()),
        BriefHop::Unusable => (' ', "Unusable".to_string()),
    }
}
