//! `show route` renderings: pure functions from [`crate::view`] snapshots to the Junos text
//! layouts and to one JSON shape.
//!
//! ```text
//!  [TableView] ──► routes()     show route [A/P] [protocol X] [hidden] [table X]   route.rs
//!              ──► terse()      show route ... terse                               terse.rs
//!              ──► extensive()  show route ... extensive | detail                  extensive.rs
//!              ──► summary()    show route summary                                 summary.rs
//!              ──► routes_json(), summary_json()   ... | display json              json.rs
//!  seconds     ──► age()        00:13:29, 2d 14:23:45, 3w0d 03:10:55                age.rs
//! ```
//!
//! Nothing here reads the RIB or the clock: the caller passes `now` (Unix seconds) and a route's
//! age is `now - since` (negative ages print as zero).
//!
//! # Which tables print
//!
//! `routes`, `terse`, `extensive` and `routes_json` print a table only when the view holds at
//! least one destination of it: Junos prints nothing for a table that `show route A/P` does not
//! match, and a query that matches nothing anywhere renders as the empty string (the daemon says
//! so in its own words). `summary` and `summary_json` print every table they are given.
//! Tables are separated by one blank line.
//!
//! # Layouts and where they were checked
//!
//! * `show route`: the aligned layout of junos-cli.md §4 (the classic one: `> to A via IF` with
//!   `>` at column 20, `Local via`, `Discard`, `Reject` at column 22; newer Junos releases
//!   print `>  to`, text at column 23). Prefix padded to column 19; a prefix of 19 characters or
//!   more takes a line of its own and the route line starts at column 19.
//! * A BGP route (junos-cli.md §4 and the seed's capture; `MED` from vMX captures of iBGP
//!   VPN routes): `*[BGP/170] 22:35:46, MED 10, localpref 100, from 10.55.0.2`, each part
//!   only when known; `from` when the peer is internal or not one of the route's next hops
//!   (captures of eBGP routes from a peer on the subnet leave it out, of iBGP routes print
//!   it); then `AS path: 12076 I, validation-state: unverified` at column 22, then the next
//!   hops as for a static.
//! * Table header: `NAME: N destinations, N routes (N active, N holddown, N hidden)`; a table
//!   with `maximum-prefixes` also prints `Limit/Threshold: M/M destinations` right under it,
//!   as Junos does (EX captures print `Limit/Threshold: 32768/32768 destinations` there in
//!   `show route`, `show route terse` and `show route A/P`); lsys has no separate warning
//!   threshold, so both numbers are the limit.
//! * `show route terse`: columns from real captures (`A V Destination        P Prf   Metric 1
//!   Metric 2  Next hop        AS path`): destination at column 4 (18 wide), protocol letter
//!   at 23, preference right-aligned to column 27, `>` at 51, next hop at 52. Direct `>irb.4`,
//!   Local ` Local`, Discard ` Discard`, Reject ` Reject`; further next hops of a route on
//!   lines of their own at column 51; a second route of a destination leaves `A` and the
//!   destination blank. `V` is always `?` (no origin validation). A BGP route as releases
//!   with the `V` column print it (looking-glass and vMX captures): Metric 1 its local
//!   preference, Metric 2 its MED, the AS path on the row at column 68, and its next hops
//!   under it, the first on a line starting `  unverified` with `>` at column 51.
//! * `show route extensive`: `P/L (N entries, N announced)`, then per route
//!   `        *Static Preference: 5` (protocol padded to 6), and 16-space indented
//!   `Next hop type:`, `Next hop: A via IF, selected`, `State: <...>`, `Inactive reason:`,
//!   `Age:` lines in Junos wording; the extensive age is Junos's `10`, `1:02`, `2:56:14`,
//!   `2d 4:08:38`, `4w5d 12:13:18`. A BGP route adds what Junos prints and lsys knows:
//!   `*BGP    Preference: 170/-101` (the second preference is the one's complement of the
//!   local preference), `Source: PEER` under `Next hop type:`, `Local AS:  LAS Peer AS:
//!   PAS` under `State:`, `Age: A \tMetric: MED` (the MED on the Age line after a tab, as
//!   Junos prints it), then `Validation State: unverified`, `AS path:`, `Communities:`,
//!   `Localpref:`, `Router ID:` (the peer's BGP identifier).
//! * `show route summary`: protocol name right-aligned to 20 columns, counts to 6
//!   (`              Direct:      8 routes,      7 active`).
//!
//! Captures used: networktocode/ntc-templates `tests/juniper_junos/show_route_summary`
//! (summary), lab write-ups of EX `show route protocol static terse` and vMX/vSRX
//! `show route ... terse|detail|extensive` found through the code search (terse columns,
//! `Limit/Threshold`, `Next hop: ... selected`, `State: <Active Int Ext>`,
//! `Inactive reason: Route Preference`, `Next hop type: Unusable`, extensive ages).
//!
//! # Deliberate differences from Junos
//!
//! * Fields lsys cannot fill truthfully are not printed: no `TSI`, `Address: 0x...`,
//!   `Next-hop reference count`, `Next hop index`, `Session Id`, `Task`, `Announcement bits`,
//!   `AS path: I` and `Validation State` for non-BGP routes, BGP's `Accepted` flags line and
//!   `Protocol next hop` / `Indirect next hop` (lsys resolves BGP next hops over connected
//!   subnets only, as a static's).
//! * `validation-state: unverified` (and `V` `?` in terse): lsys does no origin validation,
//!   which Junos shows as `unverified`.
//! * `Kernel: refused (MSG)` (standard form, column 22, under the next hops) and
//!   `Kernel: installed|pending|refused (MSG)` (extensive, the last line of a route) say what
//!   the kernel answered for the route lsys installed; Junos has `KRT in-kernel` in its TSI
//!   instead.
//!   Terse does not show the kernel state.
//! * Unresolved next hops (hidden routes): standard and terse forms print Junos's `Unusable`
//!   once per route (as `show route hidden` does for an unusable next hop); extensive keeps
//!   `Next hop type: Unusable` and adds `Next hop: A (unresolved)` per gateway (and
//!   `Next hop: via IF (unresolved)` per interface next hop whose interface is not up in the
//!   table) so the operator sees which next hop failed. A route with some resolved next hops
//!   lists only those in the standard and terse forms (Junos lists only usable next hops).
//! * An interface next hop (`next-hop irb.300`) prints as a Direct route's does: `> via IF`
//!   (`  via IF` when the route installs another of its next hops), terse `>IF`, extensive
//!   `Next hop: via IF, selected`, JSON `{ "selected-next-hop": true, "via": IF }`.
//! * `State:` carries only flags lsys can justify: `Active` or `Hidden`, then `Int` (Direct,
//!   Local), `Int Ext` (Static, and BGP from an internal peer), `Ext` (BGP from an external
//!   peer), as in the captures.
//!   `Inactive reason: Route Preference` is printed when the active route of the destination
//!   has a lower preference; no other reason is guessed.
//! * `(N entries, K announced)`: K is 1 when the destination has an active route, else 0.
//! * Extensive prints a blank line between destinations and no blank line under the table
//!   header (Junos varies between releases).
//! * A destination too long for the terse column (19 characters or more) takes a line of its
//!   own and the row continues on the next line at column 23 (no capture found; mirrors the
//!   standard form).
//! * Trailing spaces Junos pads some terse cells with are not printed.
//! * `show route summary` lists protocols in the order Direct, Local, BGP, Static (the order
//!   of the Junos sample) and, for a table with `maximum-prefixes`, prints the
//!   `Limit/Threshold:` line under the header as `show route` does, followed by the
//!   lsys-specific `Refused: N destinations (maximum-prefixes reached)` when the limit
//!   refused any.
//!
//! # JSON (`| display json`)
//!
//! One shape for the standard, terse and extensive forms, with Junos's element names but plain
//! values (no `[{"data": ...}]` wrapping); numbers are JSON numbers, optional members are left
//! out rather than `null`:
//!
//! ```text
//! { "route-information": { "route-table": [ {
//!     "table-name": "inet.0", "destination-count": 8, "total-route-count": 8,
//!     "active-route-count": 8, "holddown-route-count": 0, "hidden-route-count": 0,
//!     "limit"?: { "max-prefixes": 100, "refused": 0 },
//!     "rt": [ {
//!       "rt-destination": "10.9.0.0/16", "rt-entry-count": 2, "rt-announced-count": 1,
//!       "rt-entry": [ {
//!         "active-tag": "*" | "",  "protocol-name": "Static", "preference": 5,
//!         "age": { "seconds": 62, "text": "00:01:02" },
//!         "rt-entry-state": "Active Int Ext",  "inactive-reason"?: "Route Preference",
//!         "hidden": false,
//!         "nh-type": "Router" | "Interface" | "Local" | "Discard" | "Reject" | "Unusable",
//!         "nh": [ { "selected-next-hop"?: true, "to"?: "10.0.0.1", "via"?: "irb.4",
//!                   "nh-local-interface"?: "irb.4", "unresolved"?: true } ],
//!         "kernel"?: { "state": "installed" | "pending" | "refused", "message"?: "..." },
//!         BGP routes only: "preference2"?: -101, "learned-from": "10.0.0.14",
//!         "local-as"?: 65000, "peer-as": 12076, "peer-id"?: "10.0.0.14",
//!         "as-path": "12076 I", "validation-state": "unverified",
//!         "local-preference"?: 100, "med"?: 10, "communities"?: [ "12076:5010" ]
//! } ] } ] } ] } }
//!
//! { "route-summary-information": {
//!     "as-number"?: 65000, "router-id"?: "10.0.0.0",
//!     "route-table": [ { "table-name", "destination-count", "total-route-count",
//!       "active-route-count", "holddown-route-count", "hidden-route-count",
//!       "limit"?: { "max-prefixes", "refused" },
//!       "protocols": [ { "protocol-name": "Direct", "protocol-route-count": 8,
//!                        "active-route-count": 7 } ] } ] } }
//! ```
//!
//! `nh` lists every next hop of the route (unresolved ones too, with `"unresolved": true`: a
//! gateway as `{ "to": A, "unresolved": true }`, an interface next hop as
//! `{ "via": IF, "unresolved": true }`); an interface next hop (or a Direct route) has `via`
//! and no `to`. Discard and Reject routes have an empty `nh`.

mod age;
mod extensive;
mod json;
mod route;
mod summary;
mod terse;

use std::net::IpAddr;

pub use age::{age, age_extensive};
pub use extensive::extensive;
pub use json::{routes_json, summary_json};
pub use route::routes;
pub use summary::summary;
pub use terse::terse;

use crate::view::{DestView, NextHopView, RouteView, TableView};
use crate::{BgpInfo, FibState, Protocol};

/// `inet.0: 8 destinations, 8 routes (8 active, 0 holddown, 0 hidden)` and, with a limit,
/// `Limit/Threshold: 100/100 destinations`, each with its newline.
fn table_header(t: &TableView) -> String {
    let mut out = format!(
        "{}: {} destinations, {} routes ({} active, {} holddown, {} hidden)\n",
        t.name, t.destinations, t.routes, t.active, t.holddown, t.hidden
    );
    if let Some(l) = &t.limit {
        out.push_str(&format!(
            "Limit/Threshold: {}/{} destinations\n",
            l.max_prefixes, l.max_prefixes
        ));
    }
    out
}

/// The legend under the header of `show route` and `show route terse`.
const LEGEND: &str = "+ = Active Route, - = Last Active, * = Both\n";

/// Renders the tables that have at least one destination in the view, one blank line between
/// them; nothing at all when none has.
fn blocks(tables: &[TableView], render: impl Fn(&TableView) -> String) -> String {
    tables
        .iter()
        .filter(|t| !t.dests.is_empty())
        .map(render)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Age of a route in seconds at `now` (never negative).
fn age_of(r: &RouteView, now: i64) -> i64 {
    now.saturating_sub(r.since).max(0)
}

/// A next hop as the standard and terse forms show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BriefHop<'a> {
    Gateway {
        address: IpAddr,
        ifname: &'a str,
        selected: bool,
    },
    /// Out of the interface itself (Direct, or an interface next hop), `selected` as above.
    Interface {
        ifname: &'a str,
        selected: bool,
    },
    Local(&'a str),
    Discard,
    Reject,
    /// The route has only unresolved next hops.
    Unusable,
}

/// The usable next hops of a route, or one `Unusable` when it has none but unresolved ones.
fn brief_hops(r: &RouteView) -> Vec<BriefHop<'_>> {
    let mut out: Vec<BriefHop<'_>> = r
        .next_hops
        .iter()
        .filter_map(|h| match h {
            NextHopView::Interface { ifname, selected } => Some(BriefHop::Interface {
                ifname,
                selected: *selected,
            }),
            NextHopView::Local { ifname } => Some(BriefHop::Local(ifname)),
            NextHopView::Gateway {
                address,
                ifname,
                selected,
            } => Some(BriefHop::Gateway {
                address: *address,
                ifname,
                selected: *selected,
            }),
            NextHopView::Discard => Some(BriefHop::Discard),
            NextHopView::Reject => Some(BriefHop::Reject),
            NextHopView::Unresolved { .. } | NextHopView::UnresolvedInterface { .. } => None,
        })
        .collect();
    if out.is_empty() && r.next_hops.iter().any(unresolved) {
        out.push(BriefHop::Unusable);
    }
    out
}

/// Whether a next hop is one that does not resolve.
fn unresolved(h: &NextHopView) -> bool {
    matches!(
        h,
        NextHopView::Unresolved { .. } | NextHopView::UnresolvedInterface { .. }
    )
}

/// Junos `Next hop type:` of a route: from its first usable next hop, `Unusable` when none.
fn nh_type(r: &RouteView) -> &'static str {
    r.next_hops
        .iter()
        .find_map(|h| match h {
            NextHopView::Gateway { .. } => Some("Router"),
            NextHopView::Interface { .. } => Some("Interface"),
            NextHopView::Local { .. } => Some("Local"),
            NextHopView::Discard => Some("Discard"),
            NextHopView::Reject => Some("Reject"),
            NextHopView::Unresolved { .. } | NextHopView::UnresolvedInterface { .. } => None,
        })
        .unwrap_or("Unusable")
}

/// The `State: <...>` flags: `Active`/`Hidden`, then the protocol's class as Junos prints it
/// (a BGP route from an internal peer is `Int Ext`, from an external one `Ext`).
fn state_flags(r: &RouteView) -> String {
    let class = match r.protocol {
        Protocol::Direct | Protocol::Local => "Int",
        Protocol::Static => "Int Ext",
        Protocol::Bgp if r.bgp.as_ref().is_some_and(|b| b.internal) => "Int Ext",
        Protocol::Bgp => "Ext",
    };
    if r.active {
        format!("Active {class}")
    } else if r.hidden {
        format!("Hidden {class}")
    } else {
        class.to_string()
    }
}

/// `Inactive reason:` of a route that lost to the active route of its destination on
/// preference; `None` for the active route, hidden routes, and any other case.
fn inactive_reason(d: &DestView, r: &RouteView) -> Option<&'static str> {
    if r.active || r.hidden {
        return None;
    }
    let best = d.routes.iter().find(|x| x.active)?;
    (best.preference < r.preference).then_some("Route Preference")
}

/// The `from A` of a BGP route's line in `show route`: the peer, when it is internal or is not
/// one of the route's next hops (a multihop session); Junos leaves it out when the peer is the
/// next hop (eBGP on a shared subnet, as in the seed's captures).
fn bgp_from(r: &RouteView) -> Option<IpAddr> {
    let b = r.bgp.as_ref()?;
    let is_hop = r.next_hops.iter().any(|h| match h {
        NextHopView::Gateway { address, .. } | NextHopView::Unresolved { address } => {
            *address == b.from
        }
        _ => false,
    });
    (b.internal || !is_hop).then_some(b.from)
}

/// Junos's second preference of a BGP route: the one's complement of its local preference,
/// printed as a signed 32-bit number (`170/-101` for localpref 100).
fn preference2(b: &BgpInfo) -> Option<i32> {
    b.local_pref
        .map(|lp| i32::from_ne_bytes((!lp).to_ne_bytes()))
}

/// What lsys says of origin validation: it does none (Junos prints `unverified` then).
const VALIDATION: &str = "unverified";

/// Whether the destination has an active route (`K announced`).
fn announced(d: &DestView) -> usize {
    usize::from(d.routes.iter().any(|r| r.active))
}

/// What the kernel said, as the lsys `Kernel:` line shows it (`None`: not a kernel route).
fn kernel_text(fib: &FibState) -> Option<String> {
    match fib {
        FibState::None => None,
        FibState::Pending => Some("pending".to_string()),
        FibState::Installed => Some("installed".to_string()),
        FibState::Refused(msg) => Some(format!("refused ({msg})")),
    }
}
