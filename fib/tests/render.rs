//! Golden tests of the `show route` renderings: hand-made views of the seed tenant's tables
//! (tests/golden/NAME.txt and NAME.json). `LSYS_BLESS=1 cargo test -p lsys-fib --test render`
//! rewrites the expected files; review the diff.

use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ipnet::IpNet;
use lsys_fib::render::{age, extensive, routes, routes_json, summary, summary_json, terse};
use lsys_fib::view::{DestView, LimitView, NextHopView, ProtocolCount, RouteView, TableView};
use lsys_fib::{BgpInfo, FibState, Protocol};

/// The clock of every test.
const NOW: i64 = 1_700_000_000;
const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
/// The seed tenant's routing instance.
const INSTANCE: &str = "d87ed303-8b9d-48a5-9f08-aa42b4b50cd8";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn bless() -> bool {
    std::env::var("LSYS_BLESS").is_ok_and(|v| v == "1")
}

/// Compares `actual` with tests/golden/`name` (or rewrites it under LSYS_BLESS=1).
fn assert_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if bless() {
        fs::create_dir_all(golden_dir()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing (LSYS_BLESS=1 to write it)", path.display()));
    assert!(
        expected == actual,
        "{} differs (LSYS_BLESS=1 to rewrite)\n--- expected\n{expected}--- actual\n{actual}",
        path.display()
    );
}

fn assert_golden_json(name: &str, actual: &serde_json::Value) {
    let mut text = serde_json::to_string_pretty(actual).unwrap();
    text.push('\n');
    assert_golden(name, &text);
}

// ---------------------------------------------------------------- fixtures

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn gw(address: &str, ifname: &str, selected: bool) -> NextHopView {
    NextHopView::Gateway {
        address: ip(address),
        ifname: ifname.into(),
        selected,
    }
}

fn route(protocol: Protocol, preference: u32, age: i64, next_hops: Vec<NextHopView>) -> RouteView {
    RouteView {
        protocol,
        preference,
        active: true,
        hidden: false,
        since: NOW - age,
        next_hops,
        fib: FibState::None,
        bgp: None,
    }
}

fn direct(ifname: &str, age: i64) -> RouteView {
    route(
        Protocol::Direct,
        0,
        age,
        vec![NextHopView::Interface {
            ifname: ifname.into(),
            selected: true,
        }],
    )
}

fn local(ifname: &str, age: i64) -> RouteView {
    route(
        Protocol::Local,
        0,
        age,
        vec![NextHopView::Local {
            ifname: ifname.into(),
        }],
    )
}

/// An active static route the kernel installed.
fn installed(preference: u32, age: i64, next_hops: Vec<NextHopView>) -> RouteView {
    RouteView {
        fib: FibState::Installed,
        ..route(Protocol::Static, preference, age, next_hops)
    }
}

fn dest(prefix: &str, routes: Vec<RouteView>) -> DestView {
    DestView {
        prefix: net(prefix),
        routes,
    }
}

/// A table whose counts are those of `dests` (the whole table), all destinations in view.
fn table(name: &str, dests: Vec<DestView>) -> TableView {
    let all = || dests.iter().flat_map(|d| &d.routes);
    let protocols = [
        Protocol::Direct,
        Protocol::Local,
        Protocol::Static,
        Protocol::Bgp,
    ]
    .into_iter()
    .filter_map(|p| {
        let routes = all().filter(|r| r.protocol == p).count();
        let active = all().filter(|r| r.protocol == p && r.active).count();
        (routes > 0).then_some(ProtocolCount {
            protocol: p,
            routes,
            active,
        })
    })
    .collect();
    TableView {
        name: name.into(),
        destinations: dests.len(),
        routes: all().count(),
        active: all().filter(|r| r.active).count(),
        holddown: 0,
        hidden: all().filter(|r| r.hidden).count(),
        protocols,
        limit: None,
        dests,
    }
}

/// The same table with only the destinations (and routes) `keep` picks, counts unchanged.
fn filtered(t: &TableView, keep: impl Fn(&DestView, &RouteView) -> bool) -> TableView {
    let dests = t
        .dests
        .iter()
        .filter_map(|d| {
            let routes: Vec<RouteView> = d.routes.iter().filter(|r| keep(d, r)).cloned().collect();
            (!routes.is_empty()).then_some(DestView {
                prefix: d.prefix,
                routes,
            })
        })
        .collect();
    TableView { dests, ..t.clone() }
}

/// The seed tenant's inet.0 as the RIB holds it: irb.4 10.0.0.0/31 (AWS), irb.2 10.0.0.13/30
/// (Azure), and statics: a discard default, an ECMP pair, a reject (not yet answered by the
/// kernel), one via 10.0.0.1 with a floating one at 7, a hidden one over no subnet, and one
/// the kernel refused.
fn seed_table() -> TableView {
    let connected = 22 * HOUR + 35 * MINUTE + 52;
    let mut floating = route(
        Protocol::Static,
        7,
        62,
        vec![gw("10.0.0.14", "irb.2", false)],
    );
    floating.active = false;
    let mut hidden = route(
        Protocol::Static,
        5,
        13 * MINUTE + 29,
        vec![NextHopView::Unresolved {
            address: ip("10.9.9.9"),
        }],
    );
    hidden.active = false;
    hidden.hidden = true;
    let mut reject = installed(5, 59, vec![NextHopView::Reject]);
    reject.fib = FibState::Pending;
    let mut refused = installed(
        5,
        6 * WEEK + 21 * HOUR + 26 * MINUTE + 31,
        vec![gw("10.0.0.14", "irb.2", true)],
    );
    refused.fib = FibState::Refused("File exists".into());
    table(
        &format!("{INSTANCE}.inet.0"),
        vec![
            dest(
                "0.0.0.0/0",
                vec![installed(
                    5,
                    WEEK + 5 * DAY + 20 * HOUR + 30 * MINUTE + 29,
                    vec![NextHopView::Discard],
                )],
            ),
            dest("10.0.0.0/31", vec![direct("irb.4", connected)]),
            dest("10.0.0.0/32", vec![local("irb.4", connected)]),
            dest("10.0.0.12/30", vec![direct("irb.2", connected)]),
            dest("10.0.0.13/32", vec![local("irb.2", connected)]),
            dest(
                "10.7.0.0/16",
                vec![installed(
                    5,
                    3 * DAY + 21 * HOUR + 15 * MINUTE + 46,
                    vec![
                        gw("10.0.0.1", "irb.4", true),
                        gw("10.0.0.14", "irb.2", false),
                    ],
                )],
            ),
            dest("10.8.0.0/16", vec![reject]),
            dest(
                "10.9.0.0/16",
                vec![
                    installed(5, 62, vec![gw("10.0.0.1", "irb.4", true)]),
                    floating,
                ],
            ),
            dest("10.99.0.0/16", vec![hidden]),
            dest("192.168.0.0/16", vec![refused]),
        ],
    )
}

/// `show route`: hidden routes left out.
fn seed_view() -> TableView {
    filtered(&seed_table(), |_, r| !r.hidden)
}

/// `show route hidden`: only hidden routes.
fn hidden_view() -> TableView {
    filtered(&seed_table(), |_, r| r.hidden)
}

/// The seed tenant's inet6.0, with prefixes too long for the prefix column.
fn inet6_table() -> TableView {
    let age = 2 * DAY + 14 * HOUR + 23 * MINUTE + 45;
    table(
        &format!("{INSTANCE}.inet6.0"),
        vec![
            dest(
                "2001:db8::/32",
                vec![installed(5, age, vec![NextHopView::Discard])],
            ),
            dest("2001:db8:aaaa:bbbb::/64", vec![direct("irb.4", age)]),
            dest("2001:db8:aaaa:bbbb::1/128", vec![local("irb.4", age)]),
            dest(
                "2001:db8:cccc::/48",
                vec![installed(
                    5,
                    3 * WEEK + 3 * HOUR + 10 * MINUTE + 55,
                    vec![gw("2001:db8:aaaa:bbbb::2", "irb.4", true)],
                )],
            ),
        ],
    )
}

/// The master instance's inet.0 with nothing the query picked.
fn empty_master() -> TableView {
    let mut t = table(
        "inet.0",
        vec![dest("10.55.0.1/32", vec![local("lo0.0", 5)])],
    );
    t.dests.clear();
    t
}

/// The seed table with `maximum-prefixes 12` that refused 3 destinations.
fn limited_seed() -> TableView {
    TableView {
        limit: Some(LimitView {
            max_prefixes: 12,
            refused: 3,
        }),
        ..seed_view()
    }
}

/// Counts only (as `show route summary` asks), with BGP routes to check the protocol order.
fn summary_tables() -> Vec<TableView> {
    let mut seed = limited_seed();
    seed.dests.clear();
    seed.destinations += 2;
    seed.routes += 2;
    seed.active += 2;
    seed.protocols.push(ProtocolCount {
        protocol: Protocol::Bgp,
        routes: 2,
        active: 2,
    });
    let mut inet6 = inet6_table();
    inet6.dests.clear();
    let mut master = empty_master();
    master.limit = Some(LimitView {
        max_prefixes: 1000,
        refused: 0,
    });
    vec![master, seed, inet6]
}

/// Static routes with interface next hops in the seed tenant's inet.0: one out of irb.2, one
/// mixing a gateway and an interface (one hop installed), the same with multipath (both), a
/// floating interface route at 7, and a hidden one whose interface is down.
fn interface_table() -> TableView {
    let connected = 22 * HOUR + 35 * MINUTE + 52;
    let via = |ifname: &str, selected| NextHopView::Interface {
        ifname: ifname.into(),
        selected,
    };
    let mut floating = route(Protocol::Static, 7, 62, vec![via("irb.2", false)]);
    floating.active = false;
    let mut hidden = route(
        Protocol::Static,
        5,
        13 * MINUTE + 29,
        vec![
            NextHopView::Unresolved {
                address: ip("10.9.9.9"),
            },
            NextHopView::UnresolvedInterface {
                ifname: "irb.300".into(),
            },
        ],
    );
    hidden.active = false;
    hidden.hidden = true;
    table(
        &format!("{INSTANCE}.inet.0"),
        vec![
            dest("10.0.0.12/30", vec![direct("irb.2", connected)]),
            dest("10.0.0.13/32", vec![local("irb.2", connected)]),
            dest(
                "10.30.0.0/16",
                vec![installed(5, 3 * DAY, vec![via("irb.2", true)])],
            ),
            dest(
                "10.31.0.0/16",
                vec![installed(
                    5,
                    HOUR,
                    vec![gw("10.0.0.14", "irb.2", true), via("irb.4", false)],
                )],
            ),
            dest(
                "10.32.0.0/16",
                vec![installed(
                    5,
                    HOUR,
                    vec![gw("10.0.0.14", "irb.2", true), via("irb.4", true)],
                )],
            ),
            dest(
                "10.33.0.0/16",
                vec![
                    installed(5, 62, vec![gw("10.0.0.1", "irb.4", true)]),
                    floating,
                ],
            ),
            dest("10.34.0.0/16", vec![hidden]),
        ],
    )
}

// ---------------------------------------------------------------- age

#[test]
fn age_edges() {
    assert_eq!(age(0), "00:00:00");
    assert_eq!(age(59), "00:00:59");
    assert_eq!(age(60), "00:01:00");
    assert_eq!(age(3599), "00:59:59");
    assert_eq!(age(3600), "01:00:00");
    assert_eq!(age(13 * MINUTE + 29), "00:13:29");
    assert_eq!(age(86_399), "23:59:59");
    assert_eq!(age(86_400), "1d 00:00:00");
    assert_eq!(age(2 * DAY + 14 * HOUR + 23 * MINUTE + 45), "2d 14:23:45");
    assert_eq!(age(WEEK - 1), "6d 23:59:59");
    assert_eq!(age(604_800), "1w0d 00:00:00");
    assert_eq!(age(1_110_629), "1w5d 20:30:29");
    assert_eq!(
        age(WEEK + 5 * DAY + 20 * HOUR + 30 * MINUTE + 29),
        "1w5d 20:30:29"
    );
    assert_eq!(age(3 * WEEK + 3 * HOUR + 10 * MINUTE + 55), "3w0d 03:10:55");
    assert_eq!(age(-1), "00:00:00");
    assert_eq!(age(i64::MIN), "00:00:00");
}

// ---------------------------------------------------------------- show route

#[test]
fn routes_seed() {
    assert_golden(
        "routes-seed.txt",
        &routes(&[seed_view(), empty_master(), inet6_table()], NOW),
    );
}

#[test]
fn routes_hidden() {
    assert_golden("routes-hidden.txt", &routes(&[hidden_view()], NOW));
}

/// `show route 10.9.0.0/16` in a table with a prefix limit.
#[test]
fn routes_one_prefix_with_limit() {
    let view = filtered(&limited_seed(), |d, _| d.prefix == net("10.9.0.0/16"));
    assert_golden("routes-limit.txt", &routes(&[view], NOW));
}

#[test]
fn nothing_matched_prints_nothing() {
    for render in [routes, terse, extensive] {
        assert_eq!(render(&[], NOW), "");
        assert_eq!(render(&[empty_master()], NOW), "");
        assert_eq!(render(&[empty_master(), empty_master()], NOW), "");
    }
    assert_eq!(
        routes_json(&[empty_master()], NOW),
        serde_json::json!({ "route-information": { "route-table": [] } })
    );
}

/// The aligned layout: route lines at column 19, next hops at 20 or 22, no trailing spaces.
#[test]
fn route_columns() {
    let out = routes(&[seed_view(), inet6_table()], NOW);
    for line in out.lines() {
        assert_eq!(line, line.trim_end(), "trailing space: {line:?}");
        if line.contains("*[") || line.contains(" [") {
            let col = line.find('[').unwrap();
            assert_eq!(col, 20, "{line:?}");
        }
        let text = line.trim_start();
        if text.starts_with("> ") || text.starts_with("to ") {
            assert!(line.starts_with(&" ".repeat(20)), "{line:?}");
            assert!(matches!(&line[20..22], "> " | "  "), "{line:?}");
        }
        for text in ["Local via", "Discard", "Reject", "Kernel:"] {
            if line.trim_start().starts_with(text) {
                assert_eq!(line.find(text), Some(22), "{line:?}");
            }
        }
    }
    // A long prefix takes its own line; its route line starts at column 19.
    assert!(
        out.contains("\n2001:db8:aaaa:bbbb::1/128\n                   *[Local/0] 2d 14:23:45\n")
    );
}

// ---------------------------------------------------------------- terse

#[test]
fn terse_seed() {
    assert_golden(
        "terse-seed.txt",
        &terse(&[seed_view(), empty_master(), inet6_table()], NOW),
    );
}

#[test]
fn terse_hidden() {
    assert_golden("terse-hidden.txt", &terse(&[hidden_view()], NOW));
}

/// Terse columns as in the Junos captures: P at 23, preference ending at 27, `>` at 51.
#[test]
fn terse_columns() {
    let out = terse(&[seed_view()], NOW);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.len() > 23 && matches!(&l[..4], "* ? " | "  ? "))
        .collect();
    assert!(rows.len() >= 10, "{out}");
    for row in rows {
        assert!(matches!(&row[23..24], "D" | "L" | "S" | "B"), "{row:?}");
        assert_ne!(&row[27..28], " ", "{row:?}");
        assert!(matches!(&row[51..52], ">" | " "), "{row:?}");
        assert_ne!(&row[52..53], " ", "{row:?}");
    }
}

// ---------------------------------------------------------------- extensive

#[test]
fn extensive_seed() {
    assert_golden(
        "extensive-seed.txt",
        &extensive(&[seed_view(), empty_master(), inet6_table()], NOW),
    );
}

#[test]
fn extensive_hidden() {
    assert_golden("extensive-hidden.txt", &extensive(&[hidden_view()], NOW));
}

/// `show route 10.9.0.0/16 extensive`.
#[test]
fn extensive_one_prefix() {
    let view = filtered(&seed_table(), |d, r| {
        d.prefix == net("10.9.0.0/16") && !r.hidden
    });
    assert_golden("extensive-one.txt", &extensive(&[view], NOW));
}

// ---------------------------------------------------------------- summary

#[test]
fn summary_with_limit_and_refused() {
    assert_golden(
        "summary.txt",
        &summary(
            Some(65000),
            Some(Ipv4Addr::new(10, 0, 0, 13)),
            &summary_tables(),
        ),
    );
}

#[test]
fn summary_without_router_lines() {
    assert_golden("summary-bare.txt", &summary(None, None, &summary_tables()));
    let out = summary(None, Some(Ipv4Addr::new(10, 0, 0, 13)), &summary_tables());
    assert!(out.starts_with("Router ID: 10.0.0.13\n\ninet.0: "), "{out}");
    assert_eq!(summary(None, None, &[]), "");
    assert_eq!(
        summary(Some(65000), None, &[]),
        "Autonomous system number: 65000\n"
    );
}

/// Protocol names right-aligned to 20 columns, counts to 6, in the order Direct, Local, BGP,
/// Static.
#[test]
fn summary_columns() {
    let out = summary(None, None, &summary_tables());
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.ends_with(" active") && l.contains(" routes, "))
        .collect();
    // lines[0] is the master table's Local line.
    assert_eq!(
        &lines[1..5],
        [
            "              Direct:      2 routes,      2 active",
            "               Local:      2 routes,      2 active",
            "                 BGP:      2 routes,      2 active",
            "              Static:      7 routes,      5 active",
        ]
    );
}

// ---------------------------------------------------------------- JSON

#[test]
fn json_routes() {
    assert_golden_json(
        "routes.json",
        &routes_json(&[seed_view(), empty_master(), inet6_table()], NOW),
    );
}

#[test]
fn json_hidden() {
    assert_golden_json("routes-hidden.json", &routes_json(&[hidden_view()], NOW));
}

#[test]
fn json_summary() {
    assert_golden_json(
        "summary.json",
        &summary_json(
            Some(65000),
            Some(Ipv4Addr::new(10, 0, 0, 13)),
            &summary_tables(),
        ),
    );
    let bare = summary_json(None, None, &[]);
    assert_eq!(
        bare,
        serde_json::json!({ "route-summary-information": { "route-table": [] } })
    );
}

/// The JSON carries what the text shows: every destination, route and count.
#[test]
fn json_matches_views() {
    let tables = [seed_view(), inet6_table()];
    let v = routes_json(&tables, NOW);
    let rts = v["route-information"]["route-table"].as_array().unwrap();
    assert_eq!(rts.len(), 2);
    for (t, j) in tables.iter().zip(rts) {
        assert_eq!(j["table-name"], t.name.as_str());
        assert_eq!(j["destination-count"], t.destinations);
        assert_eq!(j["hidden-route-count"], t.hidden);
        let rt = j["rt"].as_array().unwrap();
        assert_eq!(rt.len(), t.dests.len());
        for (d, jd) in t.dests.iter().zip(rt) {
            assert_eq!(jd["rt-destination"], d.prefix.to_string());
            let entries = jd["rt-entry"].as_array().unwrap();
            assert_eq!(entries.len(), d.routes.len());
            for (r, e) in d.routes.iter().zip(entries) {
                assert_eq!(e["preference"], r.preference);
                assert_eq!(e["age"]["seconds"], NOW - r.since);
                assert_eq!(e["active-tag"], if r.active { "*" } else { "" });
            }
        }
    }
}

// ---------------------------------------------------------------- interface next hops

/// `show route` prints an interface next hop as a Direct route's (`> via IF`), unmarked when
/// another next hop of the route is the one installed; hidden ones name the interface in the
/// extensive and JSON forms.
#[test]
fn interface_next_hops() {
    let shown = [filtered(&interface_table(), |_, r| !r.hidden)];
    let hidden = [filtered(&interface_table(), |_, r| r.hidden)];
    let text = routes(&shown, NOW);
    assert!(
        text.contains(
            "10.30.0.0/16       *[Static/5] 3d 00:00:00\n                    > via irb.2\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "                    > to 10.0.0.14 via irb.2\n                      via irb.4\n"
        ),
        "{text}"
    );
    assert_golden("routes-interface.txt", &text);
    assert_golden("routes-interface-hidden.txt", &routes(&hidden, NOW));
    assert_golden("terse-interface.txt", &terse(&shown, NOW));
    assert_golden(
        "extensive-interface.txt",
        &extensive(&[interface_table()], NOW),
    );
    assert_golden_json(
        "routes-interface.json",
        &routes_json(&[interface_table()], NOW),
    );
}

// ---------------------------------------------------------------- BGP

/// What an eBGP peer of the seed tenant sends: its AS path, localpref 100 (set on import).
fn ebgp(peer: &str, peer_as: u32) -> BgpInfo {
    BgpInfo {
        as_path: format!("{peer_as} I"),
        local_pref: Some(100),
        med: None,
        from: ip(peer),
        peer_as,
        local_as: Some(65000),
        router_id: None,
        communities: Vec::new(),
        internal: false,
    }
}

/// An active BGP route the kernel installed.
fn bgp(info: BgpInfo, age: i64, next_hops: Vec<NextHopView>) -> RouteView {
    RouteView {
        fib: FibState::Installed,
        bgp: Some(Arc::new(info)),
        ..route(Protocol::Bgp, 170, age, next_hops)
    }
}

/// The seed tenant's table exactly as its published capture shows it once both circuits are
/// up (seed-scenario.md), with Azure's second prefix (10.7.0.0/16) the capture cut.
fn seed_capture() -> TableView {
    let connected = 22 * HOUR + 35 * MINUTE + 52;
    table(
        &format!("{INSTANCE}.inet.0"),
        vec![
            dest("10.0.0.0/31", vec![direct("irb.4", connected)]),
            dest("10.0.0.0/32", vec![local("irb.4", connected)]),
            dest("10.0.0.12/30", vec![direct("irb.2", connected)]),
            dest("10.0.0.13/32", vec![local("irb.2", connected)]),
            dest(
                "10.6.0.0/16",
                vec![bgp(
                    ebgp("10.0.0.14", 12076),
                    22 * HOUR + 35 * MINUTE + 46,
                    vec![gw("10.0.0.14", "irb.2", true)],
                )],
            ),
            dest(
                "10.7.0.0/16",
                vec![bgp(
                    ebgp("10.0.0.14", 12076),
                    22 * HOUR + 35 * MINUTE + 46,
                    vec![gw("10.0.0.14", "irb.2", true)],
                )],
            ),
            dest(
                "172.31.0.0/16",
                vec![bgp(
                    ebgp("10.0.0.1", 64512),
                    13 * MINUTE + 39,
                    vec![gw("10.0.0.1", "irb.4", true)],
                )],
            ),
        ],
    )
}

/// BGP next to the others: a static preferred over BGP (5 vs 170), an iBGP route with a MED,
/// communities and a router id, a multipath route (both next hops installed), an AS set, a
/// hidden route whose next hop is on no subnet, and an IPv6 route too long for the column.
fn bgp_tables() -> Vec<TableView> {
    let mut losing = bgp(
        ebgp("10.0.0.14", 12076),
        3 * DAY,
        vec![gw("10.0.0.14", "irb.2", false)],
    );
    losing.active = false;
    losing.fib = FibState::None;
    let mut ibgp = ebgp("10.55.0.2", 65000);
    ibgp.as_path = "64512 65001 ?".into();
    ibgp.med = Some(10);
    ibgp.internal = true;
    ibgp.router_id = Some(Ipv4Addr::new(10, 55, 0, 2));
    ibgp.communities = vec!["65000:100".into(), "no-export".into()];
    let mut set = ebgp("10.0.0.1", 64512);
    set.as_path = "64512 {65001 65002} I".into();
    set.med = Some(0);
    set.router_id = Some(Ipv4Addr::new(172, 31, 255, 1));
    let mut hidden = bgp(
        ebgp("10.0.0.1", 64512),
        5 * MINUTE,
        vec![NextHopView::Unresolved {
            address: ip("10.9.9.9"),
        }],
    );
    hidden.active = false;
    hidden.hidden = true;
    hidden.fib = FibState::None;
    let mut v6 = ebgp("2001:db8:aaaa:bbbb::2", 12076);
    v6.as_path = "12076 8075 I".into();
    let v4 = table(
        &format!("{INSTANCE}.inet.0"),
        vec![
            dest(
                "10.6.0.0/16",
                vec![bgp(
                    ebgp("10.0.0.14", 12076),
                    22 * HOUR + 35 * MINUTE + 46,
                    vec![gw("10.0.0.14", "irb.2", true)],
                )],
            ),
            dest(
                "10.9.0.0/16",
                vec![
                    installed(5, HOUR, vec![gw("10.0.0.1", "irb.4", true)]),
                    losing,
                ],
            ),
            dest(
                "10.55.8.0/24",
                vec![bgp(ibgp, 2 * WEEK, vec![gw("10.0.0.14", "irb.2", true)])],
            ),
            dest(
                "172.31.0.0/16",
                vec![bgp(
                    set,
                    13 * MINUTE + 39,
                    vec![
                        gw("10.0.0.1", "irb.4", true),
                        gw("10.0.0.14", "irb.2", true),
                    ],
                )],
            ),
            dest("192.0.2.0/24", vec![hidden]),
        ],
    );
    let v6 = table(
        &format!("{INSTANCE}.inet6.0"),
        vec![dest(
            "2001:db8:6000::/36",
            vec![bgp(
                v6,
                2 * DAY,
                vec![gw("2001:db8:aaaa:bbbb::2", "irb.2", true)],
            )],
        )],
    );
    vec![v4, v6]
}

fn shown_bgp() -> Vec<TableView> {
    bgp_tables()
        .iter()
        .map(|t| filtered(t, |_, r| !r.hidden))
        .collect()
}

/// `show route` of the seed once both circuits are up: the capture of seed-scenario.md,
/// aligned (the copy lost its columns), with the second Azure prefix it cut.
#[test]
fn bgp_routes_of_the_seed_capture() {
    let text = routes(&[seed_capture()], NOW);
    let expected = format!(
        "{INSTANCE}.inet.0: 7 destinations, 7 routes (7 active, 0 holddown, 0 hidden)
+ = Active Route, - = Last Active, * = Both

10.0.0.0/31        *[Direct/0] 22:35:52
                    > via irb.4
10.0.0.0/32        *[Local/0] 22:35:52
                      Local via irb.4
10.0.0.12/30       *[Direct/0] 22:35:52
                    > via irb.2
10.0.0.13/32       *[Local/0] 22:35:52
                      Local via irb.2
10.6.0.0/16        *[BGP/170] 22:35:46, localpref 100
                      AS path: 12076 I, validation-state: unverified
                    > to 10.0.0.14 via irb.2
10.7.0.0/16        *[BGP/170] 22:35:46, localpref 100
                      AS path: 12076 I, validation-state: unverified
                    > to 10.0.0.14 via irb.2
172.31.0.0/16      *[BGP/170] 00:13:39, localpref 100
                      AS path: 64512 I, validation-state: unverified
                    > to 10.0.0.1 via irb.4
"
    );
    assert_eq!(text, expected);
    assert_golden("routes-bgp-seed.txt", &text);
}

/// Every form with BGP routes; `from` only for the internal peer (and the MED before the
/// localpref), the static preferred over BGP, multipath next hops, the AS path column.
#[test]
fn bgp_routes_in_every_form() {
    let shown = shown_bgp();
    let hidden: Vec<TableView> = bgp_tables()
        .iter()
        .map(|t| filtered(t, |_, r| r.hidden))
        .collect();
    let text = routes(&shown, NOW);
    assert!(
        text.contains("*[BGP/170] 2w0d 00:00:00, MED 10, localpref 100, from 10.55.0.2\n"),
        "{text}"
    );
    assert!(
        text.contains("10.9.0.0/16        *[Static/5] 01:00:00\n                    > to 10.0.0.1 via irb.4\n                    [BGP/170] 3d 00:00:00, localpref 100\n"),
        "{text}"
    );
    assert!(!text.contains("from 10.0.0.14"), "{text}");
    assert_golden("routes-bgp.txt", &text);
    assert_golden("routes-bgp-hidden.txt", &routes(&hidden, NOW));
    let terse_text = terse(&shown, NOW);
    assert!(
        terse_text.contains(
            "* ? 10.6.0.0/16        B 170        100                             12076 I\n  unverified                                       >10.0.0.14\n"
        ),
        "{terse_text}"
    );
    assert_golden("terse-bgp.txt", &terse_text);
    let ext = extensive(&bgp_tables(), NOW);
    assert!(
        ext.contains("        *BGP    Preference: 170/-101\n"),
        "{ext}"
    );
    assert!(ext.contains("State: <Active Int Ext>"), "{ext}");
    assert!(ext.contains("Local AS: 65000 Peer AS: 12076\n"), "{ext}");
    assert!(ext.contains("Age: 2w0d 0:00:00 \tMetric: 10\n"), "{ext}");
    assert_golden("extensive-bgp.txt", &ext);
    assert_golden_json("routes-bgp.json", &routes_json(&bgp_tables(), NOW));
}

/// Terse BGP rows keep the columns of the captures: Metric 1 (localpref) ending at 38,
/// Metric 2 (MED) at 49, the AS path at 68, the next hop's `>` at 51 on the next line.
#[test]
fn terse_bgp_columns() {
    let out = terse(&shown_bgp(), NOW);
    let lines: Vec<&str> = out.lines().collect();
    let mut rows = 0;
    for (i, row) in lines.iter().enumerate() {
        if row.len() > 23 && &row[23..24] == "B" {
            rows += 1;
            assert_eq!(&row[36..39], "100", "{row:?}");
            assert_eq!(&row[66..68], "  ", "{row:?}");
            assert_ne!(&row[68..69], " ", "{row:?}");
            let next = lines[i + 1];
            assert!(next.starts_with("  unverified "), "{next:?}");
            assert!(matches!(&next[51..52], ">" | " "), "{next:?}");
        }
    }
    assert_eq!(rows, 5, "{out}");
    assert!(
        out.contains("B 170        100          0                  64512 {65001 65002} I\n"),
        "{out}"
    );
}
