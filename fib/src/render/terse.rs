//! `show route terse`.

use super::{blocks, brief_hops, table_header, BriefHop, LEGEND, VALIDATION};
use crate::view::{DestView, RouteView, TableView};
use crate::Protocol;

const COLUMNS: &str =
    "A V Destination        P Prf   Metric 1   Metric 2  Next hop        AS path\n";
/// Width of the destination column (followed by one space).
const DEST_WIDTH: usize = 18;
/// Column of the `>` of a further next hop of a route.
const HOP_COLUMN: usize = 51;
/// Blanks between the end of Metric 2 (column 49) and the AS path (column 68).
const AS_PATH_GAP: usize = 18;
/// Width of the validation state at the start of a BGP route's next-hop line (from column 2
/// to the `>` at [`HOP_COLUMN`]).
const VALIDATION_WIDTH: usize = HOP_COLUMN - 2;

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
    let p = letter(r.protocol);
    let pref = r.preference;
    let mut rest = hops.iter();
    if let Some(b) = &r.bgp {
        // As Junos releases with the V column print a BGP route: Metric 1 the local
        // preference, Metric 2 the MED, the AS path on the row (column 68) and the next hops
        // under it, the first on a line that starts with the validation state.
        let text = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
        let (m1, m2) = (text(b.local_pref), text(b.med));
        out.push_str(&format!(
            "{a} {v} {dest:<DEST_WIDTH$} {p} {pref:>3} {m1:>10} {m2:>10}{:AS_PATH_GAP$}{}\n",
            "", b.as_path
        ));
        let (sel, nh) = rest.next().cloned().unwrap_or((' ', String::new()));
        let line = format!("  {VALIDATION:<VALIDATION_WIDTH$}{sel}{nh}");
        out.push_str(line.trim_end());
        out.push('\n');
    } else {
        let (sel, nh) = rest.next().cloned().unwrap_or((' ', String::new()));
        let line = format!(
            "{a} {v} {dest:<DEST_WIDTH$} {p} {pref:>3} {:>10} {:>10} {sel}{nh}",
            "", "",
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for (sel, nh) in rest {
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
