//! `show route receive-protocol bgp A [hidden]` and `show route advertising-protocol bgp A`:
//! one block per table, Junos's brief layout (junos-cli.md §4):
//!
//! ```text
//! d87ed303-8b9d-48a5-9f08-aa42b4b50cd8.inet.0: 7 destinations, 7 routes (7 active, 0 holddown, 0 hidden)
//!   Prefix                  Nexthop              MED     Lclpref    AS path
//! * 10.6.0.0/16             10.0.0.14            0                  12076 I
//! ```
//! Columns as captures of both commands print them: the `*` (or two spaces) at 0, prefix at
//! 2, next hop at 26, MED at 47, local preference at 55, AS path at 66, each value left-aligned;
//! a value that runs into the next column is followed by one space. A prefix of 24 characters
//! or more takes a line of its own and the route continues on the next line at column 26 (as
//! Junos prints flow routes). The column header is printed only under a table with routes.

use std::fmt::Write;
use std::net::IpAddr;

use ipnet::IpNet;

/// One route of a neighbor as the two commands list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteLine {
    pub prefix: IpNet,
    /// `*`: the route is the active route of its table.
    pub active: bool,
    /// Received, but rejected by import or hidden by the AS-loop check (`hidden` listings).
    pub hidden: bool,
    pub next_hop: Option<IpAddr>,
    /// Advertised with the session's own address as next hop: `Self`.
    pub next_hop_self: bool,
    pub med: Option<u32>,
    /// Printed only when the route carries LOCAL_PREF (iBGP).
    pub local_pref: Option<u32>,
    /// `12076 I`: the AS path, then the origin letter (`I` alone for an empty path).
    pub as_path: String,
}

/// One table: the counts of the whole table (as `show route` prints them) and the neighbor's
/// routes in it, in prefix order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteTable {
    /// `inet.0`, `CUST.inet.0`, `CUST.inet6.0`.
    pub name: String,
    pub destinations: usize,
    pub routes: usize,
    pub active: usize,
    pub holddown: usize,
    pub hidden: usize,
    pub lines: Vec<RouteLine>,
}

const COLUMNS: &str = "  Prefix                  Nexthop              MED     Lclpref    AS path";
const NEXT_HOP: usize = 26;
const MED: usize = 47;
const LOCAL_PREF: usize = 55;
const AS_PATH: usize = 66;

/// The tables given, separated by one blank line.
pub fn routes(tables: &[RouteTable]) -> String {
    tables.iter().map(table).collect::<Vec<_>>().join("\n")
}

fn table(t: &RouteTable) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} destinations, {} routes ({} active, {} holddown, {} hidden)",
        t.name, t.destinations, t.routes, t.active, t.holddown, t.hidden
    );
    if !t.lines.is_empty() {
        let _ = writeln!(out, "{COLUMNS}");
    }
    for l in &t.lines {
        line(&mut out, l);
    }
    out
}

/// The `Nexthop` column's text.
pub(super) fn next_hop_text(l: &RouteLine) -> String {
    match (l.next_hop_self, l.next_hop) {
        (true, _) => "Self".to_string(),
        (false, Some(a)) => a.to_string(),
        (false, None) => String::new(),
    }
}

/// Pads `s` with spaces to `col`, or adds one space if it already reaches it.
fn pad_to(s: &mut String, col: usize) {
    let len = s.chars().count();
    let n = if len < col { col - len } else { 1 };
    s.extend(std::iter::repeat_n(' ', n));
}

fn line(out: &mut String, l: &RouteLine) {
    let mark = if l.active { "* " } else { "  " };
    let prefix = l.prefix.to_string();
    let mut s = String::new();
    if 2 + prefix.len() >= NEXT_HOP {
        let _ = writeln!(out, "  {prefix}");
        s.push_str(mark);
    } else {
        s.push_str(mark);
        s.push_str(&prefix);
    }
    pad_to(&mut s, NEXT_HOP);
    s.push_str(&next_hop_text(l));
    pad_to(&mut s, MED);
    if let Some(m) = l.med {
        let _ = write!(s, "{m}");
    }
    pad_to(&mut s, LOCAL_PREF);
    if let Some(lp) = l.local_pref {
        let _ = write!(s, "{lp}");
    }
    pad_to(&mut s, AS_PATH);
    s.push_str(&l.as_path);
    let _ = writeln!(out, "{s}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(prefix: &str, next_hop: &str) -> RouteLine {
        RouteLine {
            prefix: prefix.parse().unwrap(),
            active: true,
            hidden: false,
            next_hop: Some(next_hop.parse().unwrap()),
            next_hop_self: false,
            med: None,
            local_pref: None,
            as_path: "65001 I".into(),
        }
    }

    /// The columns of the captures (an eBGP route, an IPv6 next hop that fills its column).
    #[test]
    fn columns_as_the_captures_print_them() {
        let mut out = String::new();
        line(
            &mut out,
            &RouteLine {
                med: Some(0),
                as_path: "12076 I".into(),
                ..l("10.6.0.0/16", "10.0.0.14")
            },
        );
        assert_eq!(
            out,
            "* 10.6.0.0/16             10.0.0.14            0                  12076 I\n"
        );
        let mut out = String::new();
        line(&mut out, &l("10.1.1.2/32", "fe80::e20:51ff:fed2:1"));
        assert_eq!(
            out,
            "* 10.1.1.2/32             fe80::e20:51ff:fed2:1                   65001 I\n"
        );
    }

    #[test]
    fn a_long_prefix_takes_its_own_line() {
        let mut out = String::new();
        let mut r = l("2001:db8:1234:5678:9abc::/80", "2001:db8::1");
        r.active = false;
        r.next_hop_self = true;
        line(&mut out, &r);
        assert_eq!(
            out,
            "  2001:db8:1234:5678:9abc::/80\n                          Self                                    65001 I\n"
        );
    }
}
