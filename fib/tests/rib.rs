//! The RIB through its public API: connected routes, statics, selection, the FIB difference,
//! the kernel's answers, maximum-prefixes and the query filters.

use std::net::IpAddr;

use ipnet::IpNet;
use lsys_fib::rib::Rib;
use lsys_fib::view::{DestFilter, NextHopView, Query, RouteView, TableView};
use lsys_fib::{
    Connected, Family, FibAction, FibOp, FibRoute, FibState, Hop, NextHop, Protocol, StaticConfig,
    StaticTarget, TableConfig,
};

const KEY: &str = "l2/CUST";
const KT: u32 = 100;

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn itf(name: &str, ifindex: u32, up: bool, addrs: &[&str]) -> Connected {
    Connected {
        ifname: name.into(),
        ifindex,
        up,
        addresses: addrs.iter().map(|a| net(a)).collect(),
    }
}

/// A next hop: an address, or an interface name (anything that is not an address).
fn nh(s: &str) -> NextHop {
    match s.parse() {
        Ok(a) => NextHop::Address(a),
        Err(_) => NextHop::Interface(s.into()),
    }
}

fn st(prefix: &str, gws: &[&str]) -> StaticConfig {
    StaticConfig {
        prefix: net(prefix),
        preference: None,
        target: StaticTarget::NextHops(gws.iter().map(|g| nh(g)).collect()),
        qualified: Vec::new(),
    }
}

fn cfg(statics: Vec<StaticConfig>) -> TableConfig {
    TableConfig {
        name: "CUST".into(),
        kernel_table: KT,
        statics,
        multipath: false,
        max_prefixes: None,
    }
}

fn hop(gw: &str, ifname: &str, ifindex: u32) -> Hop {
    Hop {
        gateway: Some(ip(gw)),
        ifname: ifname.into(),
        ifindex,
    }
}

fn fwd(prefix: &str, hops: Vec<Hop>) -> FibRoute {
    route(prefix, FibAction::Forward(hops))
}

fn route(prefix: &str, action: FibAction) -> FibRoute {
    FibRoute {
        kernel_table: KT,
        prefix: net(prefix),
        protocol: Protocol::Static,
        action,
    }
}

fn all() -> Query {
    Query {
        routes: true,
        ..Query::default()
    }
}

fn view(rib: &Rib, family: Family, q: Query) -> TableView {
    rib.view(KEY, family, &q).expect("table exists")
}

fn routes_of(rib: &Rib, prefix: &str) -> Vec<RouteView> {
    let p = net(prefix);
    let q = Query {
        dest: DestFilter::Exact(p),
        routes: true,
        ..Query::default()
    };
    view(rib, Family::of(&p), q)
        .dests
        .into_iter()
        .flat_map(|d| d.routes)
        .collect()
}

/// Processes and acknowledges every op (as the daemon does after a successful write).
fn process_ok(rib: &mut Rib, now: i64) -> Vec<FibOp> {
    let p = rib.process(now);
    for op in &p.fib {
        rib.fib_result(op, Ok(()));
    }
    assert!(!rib.pending());
    p.fib
}

fn ge0(up: bool) -> Connected {
    itf("ge-0/0/0", 3, up, &["10.0.0.13/30"])
}

fn ge1(up: bool) -> Connected {
    itf("ge-0/0/1", 4, up, &["10.0.1.1/24"])
}

#[test]
fn connected_gives_direct_and_local() {
    let mut rib = Rib::new();
    rib.configure(KEY, cfg(vec![]), 1);
    rib.set_connected(
        KEY,
        vec![
            itf(
                "ge-0/0/0",
                3,
                true,
                &["10.0.0.13/30", "10.0.2.0/31", "10.0.3.1/32"],
            ),
            itf("ge-0/0/1", 4, true, &["2001:db8::1/64"]),
            itf("ge-0/0/2", 5, false, &["10.0.9.1/24"]),
        ],
        1,
    );
    assert!(
        process_ok(&mut rib, 1).is_empty(),
        "Direct/Local are the kernel's"
    );
    let v4 = view(&rib, Family::Inet, all());
    assert_eq!(v4.name, "CUST.inet.0");
    let prefixes: Vec<String> = v4.dests.iter().map(|d| d.prefix.to_string()).collect();
    assert_eq!(
        prefixes,
        [
            "10.0.0.12/30",
            "10.0.0.13/32",
            "10.0.2.0/31",
            "10.0.2.0/32",
            "10.0.3.1/32"
        ]
    );
    assert_eq!(
        (v4.destinations, v4.routes, v4.active, v4.hidden),
        (5, 5, 5, 0)
    );
    let d = &v4.dests[0].routes[0];
    assert_eq!(
        (d.protocol, d.preference, d.active),
        (Protocol::Direct, 0, true)
    );
    assert_eq!(
        d.next_hops,
        vec![NextHopView::Interface {
            ifname: "ge-0/0/0".into(),
            selected: true
        }]
    );
    assert_eq!(
        v4.dests[1].routes[0].next_hops,
        vec![NextHopView::Local {
            ifname: "ge-0/0/0".into()
        }]
    );
    assert_eq!(v4.dests[4].routes[0].protocol, Protocol::Local);
    let v6 = view(&rib, Family::Inet6, all());
    assert_eq!(v6.name, "CUST.inet6.0");
    let prefixes: Vec<String> = v6.dests.iter().map(|d| d.prefix.to_string()).collect();
    assert_eq!(prefixes, ["2001:db8::/64", "2001:db8::1/128"]);
    assert_eq!(v6.protocols.len(), 2);

    // The same interfaces again: nothing to do.
    rib.set_connected(
        KEY,
        vec![
            itf(
                "ge-0/0/0",
                3,
                true,
                &["10.0.0.13/30", "10.0.2.0/31", "10.0.3.1/32"],
            ),
            itf("ge-0/0/1", 4, true, &["2001:db8::1/64"]),
            itf("ge-0/0/2", 5, false, &["10.0.9.1/24"]),
        ],
        2,
    );
    assert!(!rib.pending());
}

#[test]
fn static_via_connected_resolves_and_is_installed_once() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true)], 1);
    rib.configure(KEY, cfg(vec![st("10.9.0.0/16", &["10.0.0.14"])]), 1);
    let p = rib.process(1);
    let want = fwd("10.9.0.0/16", vec![hop("10.0.0.14", "ge-0/0/0", 3)]);
    assert_eq!(p.fib, vec![FibOp::Replace(want.clone())]);
    assert!(p
        .best_changed
        .contains(&(KEY.to_string(), net("10.9.0.0/16"))));
    let r = &routes_of(&rib, "10.9.0.0/16")[0];
    assert_eq!(r.fib, FibState::Pending);
    rib.fib_result(&FibOp::Replace(want), Ok(()));
    let r = &routes_of(&rib, "10.9.0.0/16")[0];
    assert_eq!(
        (r.protocol, r.preference, r.active),
        (Protocol::Static, 5, true)
    );
    assert_eq!(r.fib, FibState::Installed);
    assert_eq!(
        r.next_hops,
        vec![NextHopView::Gateway {
            address: ip("10.0.0.14"),
            ifname: "ge-0/0/0".into(),
            selected: true
        }]
    );
    // Nothing more to do, and the same config again changes nothing.
    assert!(rib.process(2).fib.is_empty());
    rib.configure(KEY, cfg(vec![st("10.9.0.0/16", &["10.0.0.14"])]), 3);
    assert!(!rib.pending());
    assert_eq!(rib.process(3), Default::default());
}

#[test]
fn unresolved_static_is_hidden() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true)], 1);
    rib.configure(KEY, cfg(vec![st("10.9.0.0/16", &["192.0.2.1"])]), 1);
    assert!(rib.process(1).fib.is_empty());
    let v = view(&rib, Family::Inet, all());
    assert_eq!((v.destinations, v.routes, v.active, v.hidden), (3, 3, 2, 1));
    assert!(v.dests.iter().all(|d| d.prefix != net("10.9.0.0/16")));
    let h = view(
        &rib,
        Family::Inet,
        Query {
            hidden: true,
            routes: true,
            ..Query::default()
        },
    );
    assert_eq!(h.dests.len(), 1);
    let r = &h.dests[0].routes[0];
    assert!(r.hidden && !r.active);
    assert_eq!(
        r.next_hops,
        vec![NextHopView::Unresolved {
            address: ip("192.0.2.1")
        }]
    );
    // One gateway resolving makes it eligible; the unresolved one is dropped from its hops.
    rib.configure(
        KEY,
        cfg(vec![st("10.9.0.0/16", &["192.0.2.1", "10.0.0.14"])]),
        2,
    );
    let p = rib.process(2);
    assert_eq!(
        p.fib,
        vec![FibOp::Replace(fwd(
            "10.9.0.0/16",
            vec![hop("10.0.0.14", "ge-0/0/0", 3)]
        ))]
    );
    let r = &routes_of(&rib, "10.9.0.0/16")[0];
    assert_eq!(r.next_hops.len(), 1);
}

#[test]
fn link_down_hides_and_deletes_back_up_replaces() {
    let mut rib = Rib::new();
    rib.configure(KEY, cfg(vec![st("10.9.0.0/16", &["10.0.0.14"])]), 1);
    rib.set_connected(KEY, vec![ge0(true)], 1);
    let want = fwd("10.9.0.0/16", vec![hop("10.0.0.14", "ge-0/0/0", 3)]);
    assert_eq!(process_ok(&mut rib, 1), vec![FibOp::Replace(want.clone())]);

    rib.set_connected(KEY, vec![ge0(false)], 10);
    assert_eq!(process_ok(&mut rib, 10), vec![FibOp::Delete(want.clone())]);
    let v = view(&rib, Family::Inet, all());
    assert_eq!((v.destinations, v.routes, v.hidden), (1, 1, 1));
    assert!(v.dests.is_empty());

    rib.set_connected(KEY, vec![ge0(true)], 20);
    assert_eq!(process_ok(&mut rib, 20), vec![FibOp::Replace(want)]);
    let r = &routes_of(&rib, "10.9.0.0/16")[0];
    assert_eq!(r.since, 20);
}

#[test]
fn floating_static_takes_over_and_gives_back() {
    let mut rib = Rib::new();
    let mut s = st("10.9.0.0/16", &["10.0.0.14"]);
    s.qualified = vec![(nh("10.0.1.2"), Some(7))];
    rib.configure(KEY, cfg(vec![s]), 1);
    rib.set_connected(KEY, vec![ge0(true), ge1(true)], 1);
    let main = fwd("10.9.0.0/16", vec![hop("10.0.0.14", "ge-0/0/0", 3)]);
    let backup = fwd("10.9.0.0/16", vec![hop("10.0.1.2", "ge-0/0/1", 4)]);
    assert_eq!(process_ok(&mut rib, 1), vec![FibOp::Replace(main.clone())]);
    let rs = routes_of(&rib, "10.9.0.0/16");
    assert_eq!(
        rs.iter()
            .map(|r| (r.preference, r.active))
            .collect::<Vec<_>>(),
        [(5, true), (7, false)]
    );
    assert_eq!(
        rs[1].next_hops,
        vec![NextHopView::Gateway {
            address: ip("10.0.1.2"),
            ifname: "ge-0/0/1".into(),
            selected: false
        }]
    );

    rib.set_connected(KEY, vec![ge0(false), ge1(true)], 5);
    assert_eq!(process_ok(&mut rib, 5), vec![FibOp::Replace(backup)]);
    let rs = routes_of(&rib, "10.9.0.0/16");
    assert_eq!(
        rs.iter()
            .map(|r| (r.preference, r.active))
            .collect::<Vec<_>>(),
        [(7, true)]
    );

    rib.set_connected(KEY, vec![ge0(true), ge1(true)], 9);
    assert_eq!(process_ok(&mut rib, 9), vec![FibOp::Replace(main)]);
}

#[test]
fn ecmp_installs_one_hop_or_all_with_multipath() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true), ge1(true)], 1);
    let statics = vec![st("10.9.0.0/16", &["10.0.1.2", "10.0.0.14"])];
    rib.configure(KEY, cfg(statics.clone()), 1);
    let one = fwd("10.9.0.0/16", vec![hop("10.0.0.14", "ge-0/0/0", 3)]);
    assert_eq!(process_ok(&mut rib, 1), vec![FibOp::Replace(one)]);
    let selected = |rib: &Rib| -> Vec<bool> {
        routes_of(rib, "10.9.0.0/16")[0]
            .next_hops
            .iter()
            .map(|h| matches!(h, NextHopView::Gateway { selected: true, .. }))
            .collect()
    };
    assert_eq!(selected(&rib), [true, false]);

    let mut c = cfg(statics);
    c.multipath = true;
    rib.configure(KEY, c, 2);
    let both = fwd(
        "10.9.0.0/16",
        vec![
            hop("10.0.0.14", "ge-0/0/0", 3),
            hop("10.0.1.2", "ge-0/0/1", 4),
        ],
    );
    assert_eq!(process_ok(&mut rib, 2), vec![FibOp::Replace(both)]);
    assert_eq!(selected(&rib), [true, true]);
}

#[test]
fn discard_and_reject() {
    let mut rib = Rib::new();
    let mut d = st("10.8.0.0/16", &[]);
    d.target = StaticTarget::Discard;
    let mut r = st("2001:db8:9::/48", &[]);
    r.target = StaticTarget::Reject;
    rib.configure(KEY, cfg(vec![r, d]), 1);
    assert_eq!(
        process_ok(&mut rib, 1),
        vec![
            FibOp::Replace(route("10.8.0.0/16", FibAction::Blackhole)),
            FibOp::Replace(route("2001:db8:9::/48", FibAction::Unreachable)),
        ]
    );
    assert_eq!(
        routes_of(&rib, "10.8.0.0/16")[0].next_hops,
        vec![NextHopView::Discard]
    );
    assert_eq!(
        routes_of(&rib, "2001:db8:9::/48")[0].next_hops,
        vec![NextHopView::Reject]
    );
}

fn steady() -> (Rib, Vec<FibRoute>) {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true), ge1(true)], 1);
    let mut d = st("10.8.0.0/16", &[]);
    d.target = StaticTarget::Discard;
    rib.configure(KEY, cfg(vec![st("10.9.0.0/16", &["10.0.0.14"]), d]), 1);
    let wanted = vec![
        route("10.8.0.0/16", FibAction::Blackhole),
        fwd("10.9.0.0/16", vec![hop("10.0.0.14", "ge-0/0/0", 3)]),
    ];
    (rib, wanted)
}

#[test]
fn adopt_exactly_the_wanted_routes_sends_nothing() {
    let (mut rib, wanted) = steady();
    rib.adopt_kernel(KT, Family::Inet, wanted);
    rib.adopt_kernel(KT, Family::Inet6, vec![]);
    assert!(rib.process(1).fib.is_empty());
    assert_eq!(routes_of(&rib, "10.9.0.0/16")[0].fib, FibState::Installed);
}

#[test]
fn adopt_an_extra_route_deletes_it_and_sends_what_is_missing() {
    let (mut rib, mut wanted) = steady();
    let extra = fwd("10.7.0.0/16", vec![hop("10.0.1.9", "ge-0/0/1", 4)]);
    wanted.push(extra.clone());
    rib.adopt_kernel(KT, Family::Inet, wanted.clone());
    assert_eq!(rib.process(1).fib, vec![FibOp::Delete(extra)]);

    // A kernel missing one and holding another version of the other.
    let (mut rib, wanted) = steady();
    let other = fwd("10.9.0.0/16", vec![hop("10.0.1.9", "ge-0/0/1", 4)]);
    rib.adopt_kernel(KT, Family::Inet, vec![other]);
    assert_eq!(
        rib.process(1).fib,
        wanted.into_iter().map(FibOp::Replace).collect::<Vec<_>>()
    );
}

#[test]
fn adopt_after_believed_installed_forgets_what_is_not_there() {
    let (mut rib, wanted) = steady();
    assert_eq!(process_ok(&mut rib, 1).len(), 2);
    rib.adopt_kernel(KT, Family::Inet, vec![wanted[1].clone()]);
    assert_eq!(rib.process(2).fib, vec![FibOp::Replace(wanted[0].clone())]);
}

#[test]
fn kernel_deleted_wanted_route_is_sent_again() {
    let (mut rib, wanted) = steady();
    process_ok(&mut rib, 1);
    rib.kernel_deleted(KT, net("10.9.0.0/16"), Protocol::Static);
    assert_eq!(rib.process(2).fib, vec![FibOp::Replace(wanted[1].clone())]);
    // Our own delete (nothing wanted there) is ignored.
    rib.kernel_deleted(KT, net("10.6.0.0/16"), Protocol::Static);
    rib.kernel_deleted(KT + 1, net("10.8.0.0/16"), Protocol::Static);
    assert!(!rib.pending());
}

#[test]
fn refused_route_shows_the_kernel_message() {
    let (mut rib, _) = steady();
    let p = rib.process(1);
    for op in &p.fib {
        rib.fib_result(op, Err("File exists".into()));
    }
    assert_eq!(
        routes_of(&rib, "10.9.0.0/16")[0].fib,
        FibState::Refused("File exists".into())
    );
    // A stale answer (for a route no longer wanted) changes nothing.
    rib.fib_result(
        &FibOp::Replace(fwd("10.9.0.0/16", vec![hop("10.0.1.9", "ge-0/0/1", 4)])),
        Ok(()),
    );
    assert_eq!(
        routes_of(&rib, "10.9.0.0/16")[0].fib,
        FibState::Refused("File exists".into())
    );
}

#[test]
fn maximum_prefixes_refuses_in_prefix_order() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true)], 1);
    let statics: Vec<StaticConfig> = (0..4)
        .rev()
        .map(|i| st(&format!("10.9.{i}.0/24"), &["10.0.0.14"]))
        .collect();
    let mut c = cfg(statics);
    c.max_prefixes = Some(2);
    rib.configure(KEY, c.clone(), 1);
    let p = rib.process(1);
    let installed: Vec<String> = p.fib.iter().map(|o| o.route().prefix.to_string()).collect();
    assert_eq!(installed, ["10.9.0.0/24", "10.9.1.0/24"]);
    assert_eq!(
        p.notices,
        [
            "CUST.inet.0: maximum-prefixes 2 reached; 10.9.2.0/24 refused",
            "CUST.inet.0: maximum-prefixes 2 reached; 10.9.3.0/24 refused"
        ]
    );
    let v = view(&rib, Family::Inet, all());
    let limit = v.limit.expect("limit");
    assert_eq!((limit.max_prefixes, limit.refused), (2, 2));
    assert_eq!(v.destinations, 4, "two connected, two statics");

    // The same commit again: no new refusal, nothing to do.
    rib.configure(KEY, c.clone(), 2);
    assert!(!rib.pending());
    assert_eq!(
        view(&rib, Family::Inet, all()).limit.map(|l| l.refused),
        Some(2)
    );

    // Raising the limit admits them; the count restarts.
    c.max_prefixes = Some(3);
    rib.configure(KEY, c, 3);
    let p = rib.process(3);
    assert_eq!(p.fib.len(), 1);
    assert_eq!(p.fib[0].route().prefix, net("10.9.2.0/24"));
    assert_eq!(p.notices.len(), 1);
    assert_eq!(
        view(&rib, Family::Inet, all()).limit.map(|l| l.refused),
        Some(1)
    );
}

#[test]
fn remove_table_deletes_what_was_installed() {
    let (mut rib, wanted) = steady();
    process_ok(&mut rib, 1);
    rib.remove_table(KEY, 2);
    assert!(rib.pending());
    assert!(rib.keys().is_empty());
    assert!(rib.view(KEY, Family::Inet, &all()).is_none());
    let p = rib.process(2);
    assert_eq!(
        p.fib,
        wanted.into_iter().map(FibOp::Delete).collect::<Vec<_>>()
    );
    assert!(!rib.pending());
}

#[test]
fn static_loses_to_direct_on_the_same_prefix() {
    let mut rib = Rib::new();
    rib.configure(KEY, cfg(vec![st("10.0.1.0/24", &["10.0.0.14"])]), 1);
    rib.set_connected(KEY, vec![ge0(true)], 1);
    let want = fwd("10.0.1.0/24", vec![hop("10.0.0.14", "ge-0/0/0", 3)]);
    assert_eq!(process_ok(&mut rib, 1), vec![FibOp::Replace(want.clone())]);
    rib.set_connected(KEY, vec![ge0(true), ge1(true)], 2);
    assert_eq!(process_ok(&mut rib, 2), vec![FibOp::Delete(want)]);
    let rs = routes_of(&rib, "10.0.1.0/24");
    assert_eq!(
        rs.iter()
            .map(|r| (r.protocol, r.preference, r.active))
            .collect::<Vec<_>>(),
        [(Protocol::Direct, 0, true), (Protocol::Static, 5, false)]
    );
    assert_eq!(rs[1].fib, FibState::None);
}

#[test]
fn query_filters() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true)], 1);
    rib.configure(
        KEY,
        cfg(vec![
            st("10.9.0.0/16", &["10.0.0.14"]),
            st("10.9.1.0/24", &["10.0.0.14"]),
            st("10.9.1.128/25", &["192.0.2.1"]), // hidden
            st("0.0.0.0/0", &["10.0.0.14"]),
        ]),
        1,
    );
    rib.process(1);
    let pick = |dest: DestFilter| -> Vec<String> {
        let q = Query {
            dest,
            routes: true,
            ..Query::default()
        };
        view(&rib, Family::Inet, q)
            .dests
            .iter()
            .map(|d| d.prefix.to_string())
            .collect()
    };
    assert_eq!(pick(DestFilter::Lookup(ip("10.9.1.200"))), ["10.9.1.0/24"]);
    assert_eq!(pick(DestFilter::Lookup(ip("10.9.7.1"))), ["10.9.0.0/16"]);
    assert_eq!(pick(DestFilter::Lookup(ip("10.0.0.13"))), ["10.0.0.13/32"]);
    assert_eq!(pick(DestFilter::Lookup(ip("8.8.8.8"))), ["0.0.0.0/0"]);
    assert!(pick(DestFilter::Lookup(ip("2001:db8::1"))).is_empty());
    assert_eq!(pick(DestFilter::Exact(net("10.9.0.0/16"))), ["10.9.0.0/16"]);
    assert!(pick(DestFilter::Exact(net("10.9.0.0/17"))).is_empty());
    assert_eq!(
        pick(DestFilter::Longer(net("10.9.0.0/16"))),
        ["10.9.1.0/24"]
    );
    assert_eq!(
        pick(DestFilter::OrLonger(net("10.9.0.0/16"))),
        ["10.9.0.0/16", "10.9.1.0/24"]
    );
    assert_eq!(
        pick(DestFilter::OrLonger(net("10.0.0.0/8"))),
        ["10.0.0.12/30", "10.0.0.13/32", "10.9.0.0/16", "10.9.1.0/24"]
    );
    assert!(pick(DestFilter::OrLonger(net("2001:db8::/32"))).is_empty());

    let q = Query {
        protocol: Some(Protocol::Local),
        routes: true,
        ..Query::default()
    };
    let v = view(&rib, Family::Inet, q);
    assert_eq!(v.dests.len(), 1);
    assert_eq!((v.destinations, v.routes, v.hidden), (6, 6, 1));
    let q = Query::default();
    let v = view(&rib, Family::Inet, q);
    assert!(v.dests.is_empty());
    assert_eq!((v.destinations, v.routes, v.active), (6, 6, 5));
    let counts: Vec<(Protocol, usize, usize)> = v
        .protocols
        .iter()
        .map(|p| (p.protocol, p.routes, p.active))
        .collect();
    assert_eq!(
        counts,
        [
            (Protocol::Direct, 1, 1),
            (Protocol::Local, 1, 1),
            (Protocol::Static, 4, 3)
        ]
    );
}

#[test]
fn hundred_thousand_statics_in_one_commit() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![itf("ge-0/0/0", 3, true, &["10.0.0.1/24"])], 1);
    let statics: Vec<StaticConfig> = (0..100_000u32)
        .map(|i| {
            let p = IpNet::new(IpAddr::from((0x1400_0000 + (i << 8)).to_be_bytes()), 24).unwrap();
            StaticConfig {
                prefix: p,
                preference: None,
                target: StaticTarget::NextHops(vec![nh("10.0.0.2")]),
                qualified: Vec::new(),
            }
        })
        .collect();
    rib.configure(KEY, cfg(statics), 1);
    let p = rib.process(1);
    assert_eq!(p.fib.len(), 100_000);
    assert!(p.fib.iter().all(|o| matches!(o, FibOp::Replace(_))));
    let v = view(&rib, Family::Inet, Query::default());
    assert_eq!(v.routes, 100_002);
}

#[test]
fn bulk_and_incremental_commits_agree() {
    let statics: Vec<StaticConfig> = (0..3000u32)
        .map(|i| {
            let gw = ["10.0.0.14", "10.0.1.2", "192.0.2.1"][(i % 3) as usize];
            let p = IpNet::new(IpAddr::from((0x0a00_0000 + (i << 8)).to_be_bytes()), 24).unwrap();
            StaticConfig {
                prefix: p,
                preference: None,
                target: StaticTarget::NextHops(vec![nh(gw)]),
                qualified: Vec::new(),
            }
        })
        .collect();
    let run = |steps: &[usize]| {
        let mut rib = Rib::new();
        rib.set_connected(KEY, vec![ge0(true), ge1(true)], 0);
        let mut kernel = std::collections::BTreeMap::new();
        for n in steps {
            rib.configure(KEY, cfg(statics[..*n].to_vec()), 0);
            for op in rib.process(0).fib {
                match op {
                    FibOp::Replace(r) => kernel.insert(r.prefix, r),
                    FibOp::Delete(r) => kernel.remove(&r.prefix),
                };
            }
        }
        // A link going down afterwards reaches the statics of both kinds of insertion.
        rib.set_connected(KEY, vec![ge0(false), ge1(true)], 1);
        for op in rib.process(1).fib {
            match op {
                FibOp::Replace(r) => kernel.insert(r.prefix, r),
                FibOp::Delete(r) => kernel.remove(&r.prefix),
            };
        }
        (view(&rib, Family::Inet, all()), kernel)
    };
    let (bulk, k1) = run(&[3000]);
    let steps: Vec<usize> = (1..=30).map(|i| i * 100).collect();
    let (incremental, k2) = run(&steps);
    assert_eq!(k1, k2);
    // The statics via ge-0/0/1 stay installed, but for 10.0.1.0/24 (its Direct route wins).
    assert_eq!(k1.len(), 999);
    let strip = |mut v: TableView| {
        for d in &mut v.dests {
            for r in &mut d.routes {
                r.since = 0;
            }
        }
        v
    };
    assert_eq!(strip(bulk), strip(incremental));
}

#[test]
fn a_new_kernel_table_moves_the_routes() {
    let (mut rib, wanted) = steady();
    process_ok(&mut rib, 1);
    let mut c = cfg(vec![st("10.9.0.0/16", &["10.0.0.14"])]);
    c.kernel_table = KT + 1;
    rib.configure(KEY, c, 2);
    let mut moved = wanted[1].clone();
    moved.kernel_table = KT + 1;
    assert_eq!(
        process_ok(&mut rib, 2),
        vec![
            FibOp::Delete(wanted[0].clone()),
            FibOp::Delete(wanted[1].clone()),
            FibOp::Replace(moved),
        ]
    );
    // Results for the new table reach it; the old one is no table's any more.
    assert_eq!(routes_of(&rib, "10.9.0.0/16")[0].fib, FibState::Installed);
    rib.kernel_deleted(KT, net("10.9.0.0/16"), Protocol::Static);
    assert!(!rib.pending());
}

#[test]
fn processing_in_slices_gives_what_one_pass_gives() {
    let statics: Vec<StaticConfig> = (0..10_000u32)
        .map(|i| st(&format!("11.{}.{}.0/24", i / 256, i % 256), &["10.0.0.1"]))
        .collect();
    let build = || {
        let mut rib = Rib::new();
        rib.set_connected(KEY, vec![ge0(true)], 1);
        rib.process(1);
        rib.configure(KEY, cfg(statics.clone()), 2);
        rib
    };
    let mut whole = build();
    let one_pass = whole.process(3).fib;
    let mut sliced = build();
    let mut ops = Vec::new();
    let mut passes = 0;
    while sliced.pending() {
        let p = sliced.process_some(3, 1_000);
        assert!(p.fib.len() <= 1_000);
        ops.extend(p.fib);
        passes += 1;
    }
    assert_eq!(passes, 10);
    assert_eq!(ops, one_pass);
    assert_eq!(
        view(&sliced, Family::Inet, all()),
        view(&whole, Family::Inet, all())
    );
}

// ---------------------------------------------------------------- interface next hops

/// irb.300: an interface of the table with an address of its own (not needed for an interface
/// next hop, but as a tenant's irb has one).
fn irb300(up: bool, ifindex: u32) -> Connected {
    itf("irb.300", ifindex, up, &["10.30.0.1/24"])
}

/// A hop straight out of an interface (no gateway).
fn dev(ifname: &str, ifindex: u32) -> Hop {
    Hop {
        gateway: None,
        ifname: ifname.into(),
        ifindex,
    }
}

fn shown(rib: &Rib, prefix: &str) -> Vec<(u32, bool, Vec<NextHopView>)> {
    routes_of(rib, prefix)
        .into_iter()
        .map(|r| (r.preference, r.active, r.next_hops))
        .collect()
}

fn via(ifname: &str, selected: bool) -> NextHopView {
    NextHopView::Interface {
        ifname: ifname.into(),
        selected,
    }
}

#[test]
fn interface_next_hop_installs_a_device_route_in_both_families() {
    let mut rib = Rib::new();
    // The interface needs no address of the route's family: an IPv6 route out of an
    // IPv4-only irb is a device route too.
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 1);
    rib.configure(
        KEY,
        cfg(vec![
            st("10.9.0.0/16", &["irb.300"]),
            st("2001:db8:9::/48", &["irb.300"]),
        ]),
        1,
    );
    let p = rib.process(1);
    let v4 = fwd("10.9.0.0/16", vec![dev("irb.300", 7)]);
    let v6 = fwd("2001:db8:9::/48", vec![dev("irb.300", 7)]);
    assert_eq!(
        p.fib,
        vec![FibOp::Replace(v4.clone()), FibOp::Replace(v6.clone())]
    );
    for op in &p.fib {
        rib.fib_result(op, Ok(()));
    }
    assert_eq!(
        shown(&rib, "10.9.0.0/16"),
        [(5, true, vec![via("irb.300", true)])]
    );
    let r = &routes_of(&rib, "2001:db8:9::/48")[0];
    assert_eq!(
        (r.protocol, r.fib.clone()),
        (Protocol::Static, FibState::Installed)
    );
    // The same configuration again, and the interface's address changing: nothing to do.
    rib.configure(
        KEY,
        cfg(vec![
            st("10.9.0.0/16", &["irb.300"]),
            st("2001:db8:9::/48", &["irb.300"]),
        ]),
        2,
    );
    rib.set_connected(
        KEY,
        vec![ge0(true), itf("irb.300", 7, true, &["10.31.0.1/24"])],
        2,
    );
    assert!(process_ok(&mut rib, 2)
        .iter()
        .all(|op| op.route().protocol != Protocol::Static));
    // A restart on a kernel that holds both: nothing is written.
    let mut again = Rib::new();
    again.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 3);
    again.configure(
        KEY,
        cfg(vec![
            st("10.9.0.0/16", &["irb.300"]),
            st("2001:db8:9::/48", &["irb.300"]),
        ]),
        3,
    );
    again.adopt_kernel(KT, Family::Inet, vec![v4]);
    again.adopt_kernel(KT, Family::Inet6, vec![v6]);
    assert!(again.process(3).fib.is_empty());
}

#[test]
fn interface_next_hop_not_in_the_table_or_down_is_hidden() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 1);
    rib.configure(
        KEY,
        cfg(vec![
            st("10.9.0.0/16", &["irb.300"]),
            st("10.8.0.0/16", &["irb.999"]),
        ]),
        1,
    );
    let want = fwd("10.9.0.0/16", vec![dev("irb.300", 7)]);
    assert_eq!(process_ok(&mut rib, 1), vec![FibOp::Replace(want.clone())]);
    let hidden = Query {
        hidden: true,
        routes: true,
        ..Query::default()
    };
    let h = view(&rib, Family::Inet, hidden.clone());
    assert_eq!(h.dests.len(), 1);
    assert_eq!(h.dests[0].prefix, net("10.8.0.0/16"));
    assert_eq!(
        h.dests[0].routes[0].next_hops,
        vec![NextHopView::UnresolvedInterface {
            ifname: "irb.999".into()
        }]
    );

    // Down: the route leaves the kernel and is hidden, naming its interface.
    rib.set_connected(KEY, vec![ge0(true), irb300(false, 7)], 10);
    assert_eq!(process_ok(&mut rib, 10), vec![FibOp::Delete(want.clone())]);
    let h = view(&rib, Family::Inet, hidden);
    assert_eq!((h.hidden, h.dests.len()), (2, 2));
    assert_eq!(
        h.dests[1].routes[0].next_hops,
        vec![NextHopView::UnresolvedInterface {
            ifname: "irb.300".into()
        }]
    );
    assert!(routes_of(&rib, "10.9.0.0/16").is_empty());
    // Up again, with another ifindex (the device was recreated): installed on the new one.
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 8)], 20);
    assert_eq!(
        process_ok(&mut rib, 20),
        vec![FibOp::Replace(fwd("10.9.0.0/16", vec![dev("irb.300", 8)]))]
    );
    assert_eq!(routes_of(&rib, "10.9.0.0/16")[0].since, 20);
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 30);
    assert_eq!(process_ok(&mut rib, 30), vec![FibOp::Replace(want)]);
}

/// Only the routes naming an interface are re-selected when it goes up or down: an interface
/// nobody names (and without addresses) marks nothing dirty.
#[test]
fn a_link_event_touches_only_the_routes_naming_it() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 1);
    rib.configure(
        KEY,
        cfg(vec![
            st("10.9.0.0/16", &["irb.300"]),
            st("10.7.0.0/16", &["10.0.0.14"]),
        ]),
        1,
    );
    process_ok(&mut rib, 1);
    let bare = |up| itf("irb.400", 9, up, &[]);
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7), bare(true)], 2);
    assert!(!rib.pending(), "an unnamed interface coming up");
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7), bare(false)], 3);
    assert!(!rib.pending(), "an unnamed interface going down");
    // irb.300 down: only its route changes (the gateway route via ge-0/0/0 stays).
    rib.set_connected(
        KEY,
        vec![ge0(true), itf("irb.300", 7, false, &[]), bare(false)],
        4,
    );
    let p = rib.process(4);
    assert_eq!(
        p.fib,
        vec![FibOp::Delete(fwd("10.9.0.0/16", vec![dev("irb.300", 7)]))]
    );
    // Its route, and its own Direct and Local routes, which went with it.
    assert_eq!(
        p.best_changed,
        [net("10.9.0.0/16"), net("10.30.0.0/24"), net("10.30.0.1/32")]
            .map(|p| (KEY.to_string(), p))
    );
}

/// A route that goes with nothing to replace it is a change of the active route too.
#[test]
fn a_removed_active_route_is_a_best_change() {
    let (mut rib, _) = steady();
    process_ok(&mut rib, 1);
    rib.configure(KEY, cfg(vec![st("10.9.0.0/16", &["10.0.0.14"])]), 2);
    let p = rib.process(2);
    assert_eq!(p.best_changed, vec![(KEY.to_string(), net("10.8.0.0/16"))]);
    // An identical commit changes nothing.
    rib.configure(KEY, cfg(vec![st("10.9.0.0/16", &["10.0.0.14"])]), 3);
    assert!(rib.process(3).best_changed.is_empty());
}

#[test]
fn floating_static_over_an_interface_takes_over_and_gives_back() {
    // A gateway route backed up by an interface at preference 7 ...
    let mut rib = Rib::new();
    let mut s = st("10.9.0.0/16", &["10.0.0.14"]);
    s.qualified = vec![(nh("irb.300"), Some(7))];
    rib.configure(KEY, cfg(vec![s]), 1);
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 1);
    let main = fwd("10.9.0.0/16", vec![hop("10.0.0.14", "ge-0/0/0", 3)]);
    let backup = fwd("10.9.0.0/16", vec![dev("irb.300", 7)]);
    assert_eq!(process_ok(&mut rib, 1), vec![FibOp::Replace(main.clone())]);
    assert_eq!(
        shown(&rib, "10.9.0.0/16")[1],
        (7, false, vec![via("irb.300", false)])
    );
    rib.set_connected(KEY, vec![ge0(false), irb300(true, 7)], 5);
    assert_eq!(
        process_ok(&mut rib, 5),
        vec![FibOp::Replace(backup.clone())]
    );
    assert_eq!(
        shown(&rib, "10.9.0.0/16"),
        [(7, true, vec![via("irb.300", true)])]
    );
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 9);
    assert_eq!(process_ok(&mut rib, 9), vec![FibOp::Replace(main.clone())]);

    // ... and an interface route backed up by a gateway.
    let mut rib = Rib::new();
    let mut s = st("10.9.0.0/16", &["irb.300"]);
    s.qualified = vec![(nh("10.0.0.14"), Some(7))];
    rib.configure(KEY, cfg(vec![s]), 1);
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 1);
    assert_eq!(
        process_ok(&mut rib, 1),
        vec![FibOp::Replace(backup.clone())]
    );
    rib.set_connected(KEY, vec![ge0(true), irb300(false, 7)], 5);
    assert_eq!(process_ok(&mut rib, 5), vec![FibOp::Replace(main)]);
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 9);
    assert_eq!(process_ok(&mut rib, 9), vec![FibOp::Replace(backup)]);
}

#[test]
fn gateways_and_interfaces_mixed_one_hop_or_all_with_multipath() {
    let mut rib = Rib::new();
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 1);
    // Written interface first: a gateway still sorts (and is installed) first.
    let statics = vec![st("10.9.0.0/16", &["irb.300", "10.0.0.14"])];
    rib.configure(KEY, cfg(statics.clone()), 1);
    let gw = hop("10.0.0.14", "ge-0/0/0", 3);
    assert_eq!(
        process_ok(&mut rib, 1),
        vec![FibOp::Replace(fwd("10.9.0.0/16", vec![gw.clone()]))]
    );
    let gw_view = |selected| NextHopView::Gateway {
        address: ip("10.0.0.14"),
        ifname: "ge-0/0/0".into(),
        selected,
    };
    assert_eq!(
        shown(&rib, "10.9.0.0/16"),
        [(5, true, vec![gw_view(true), via("irb.300", false)])]
    );
    // The gateway's subnet gone: the interface is what is left.
    rib.set_connected(KEY, vec![ge0(false), irb300(true, 7)], 2);
    assert_eq!(
        process_ok(&mut rib, 2),
        vec![FibOp::Replace(fwd("10.9.0.0/16", vec![dev("irb.300", 7)]))]
    );
    rib.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 3);
    process_ok(&mut rib, 3);

    let mut c = cfg(statics);
    c.multipath = true;
    rib.configure(KEY, c.clone(), 4);
    let both = fwd("10.9.0.0/16", vec![gw, dev("irb.300", 7)]);
    assert_eq!(process_ok(&mut rib, 4), vec![FibOp::Replace(both.clone())]);
    assert_eq!(
        shown(&rib, "10.9.0.0/16"),
        [(5, true, vec![gw_view(true), via("irb.300", true)])]
    );
    // Read back from the kernel in another order, it is the same route: nothing to write.
    let mut again = Rib::new();
    again.set_connected(KEY, vec![ge0(true), irb300(true, 7)], 5);
    again.configure(KEY, c, 5);
    let mut reversed = both.clone();
    if let FibAction::Forward(h) = &mut reversed.action {
        h.reverse();
    }
    again.adopt_kernel(KT, Family::Inet, vec![reversed]);
    assert!(again.process(5).fib.is_empty());
}

/// Linux refuses an interface-only hop in an IPv6 multipath route: with multipath, an IPv6
/// route installs its gateways (or, with interfaces only, its first interface).
#[test]
fn ipv6_multipath_leaves_out_interface_hops() {
    let mut rib = Rib::new();
    let v6 = itf("ge-0/0/1", 4, true, &["2001:db8::1/64"]);
    rib.set_connected(
        KEY,
        vec![v6.clone(), irb300(true, 7), itf("irb.400", 9, true, &[])],
        1,
    );
    let mut c = cfg(vec![
        st(
            "2001:db8:9::/48",
            &["irb.300", "2001:db8::5", "2001:db8::6"],
        ),
        st("2001:db8:8::/48", &["irb.400", "irb.300"]),
    ]);
    c.multipath = true;
    rib.configure(KEY, c, 1);
    let g = |a: &str| hop(a, "ge-0/0/1", 4);
    assert_eq!(
        process_ok(&mut rib, 1),
        vec![
            FibOp::Replace(fwd("2001:db8:8::/48", vec![dev("irb.300", 7)])),
            FibOp::Replace(fwd(
                "2001:db8:9::/48",
                vec![g("2001:db8::5"), g("2001:db8::6")]
            )),
        ]
    );
    let hops = &routes_of(&rib, "2001:db8:9::/48")[0].next_hops;
    assert_eq!(hops[2], via("irb.300", false));
    // The gateways' subnet gone, the interface is installed alone.
    rib.set_connected(KEY, vec![irb300(true, 7), itf("irb.400", 9, true, &[])], 2);
    let p = process_ok(&mut rib, 2);
    assert!(p.contains(&FibOp::Replace(fwd(
        "2001:db8:9::/48",
        vec![dev("irb.300", 7)]
    ))));
}
