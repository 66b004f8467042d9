//! BGP routes in the RIB through its public API: resolution and hiding, selection against
//! statics, the FIB (protocol Bgp), multipath, maximum-prefixes, the grace period for BGP
//! routes found in the kernel, best changes and the active-route query.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use lsys_fib::rib::Rib;
use lsys_fib::view::{DestFilter, NextHopView, Query, RouteView};
use lsys_fib::{
    ActiveKind, BgpInfo, BgpRoute, Connected, Family, FibAction, FibOp, FibRoute, FibState, Hop,
    NextHop, Protocol, StaticConfig, StaticTarget, TableConfig,
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

/// Azure's circuit (peer 10.0.0.14) and AWS's (peer 10.0.0.1), as in the seed.
fn irb2(up: bool) -> Connected {
    itf("irb.2", 3, up, &["10.0.0.13/30"])
}

fn irb4(up: bool) -> Connected {
    itf("irb.4", 4, up, &["10.0.0.0/31"])
}

fn st(prefix: &str, gw: &str) -> StaticConfig {
    StaticConfig {
        prefix: net(prefix),
        preference: None,
        target: StaticTarget::NextHops(vec![NextHop::Address(ip(gw))]),
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

fn info(peer: &str, peer_as: u32) -> Arc<BgpInfo> {
    Arc::new(BgpInfo {
        as_path: format!("{peer_as} I"),
        local_pref: Some(100),
        med: None,
        from: ip(peer),
        peer_as,
        local_as: Some(65000),
        router_id: None,
        communities: Vec::new(),
        internal: false,
    })
}

fn bgp(info: &Arc<BgpInfo>, hops: &[&str]) -> Option<BgpRoute> {
    Some(BgpRoute {
        next_hops: hops.iter().map(|h| ip(h)).collect(),
        preference: 170,
        info: info.clone(),
    })
}

fn hop(gw: &str, ifname: &str, ifindex: u32) -> Hop {
    Hop {
        gateway: Some(ip(gw)),
        ifname: ifname.into(),
        ifindex,
    }
}

fn fwd(protocol: Protocol, prefix: &str, hops: Vec<Hop>) -> FibRoute {
    FibRoute {
        kernel_table: KT,
        prefix: net(prefix),
        protocol,
        action: FibAction::Forward(hops),
    }
}

fn azure(prefix: &str) -> FibRoute {
    fwd(Protocol::Bgp, prefix, vec![hop("10.0.0.14", "irb.2", 3)])
}

fn routes_of(rib: &Rib, prefix: &str) -> Vec<RouteView> {
    let p = net(prefix);
    let q = Query {
        dest: DestFilter::Exact(p),
        routes: true,
        ..Query::default()
    };
    let mut out: Vec<RouteView> = Vec::new();
    for hidden in [false, true] {
        let q = Query {
            hidden,
            ..q.clone()
        };
        let v = rib.view(KEY, Family::of(&p), &q).expect("table");
        out.extend(v.dests.into_iter().flat_map(|d| d.routes));
    }
    out
}

/// Processes and acknowledges every op.
fn process_ok(rib: &mut Rib, now: i64) -> lsys_fib::rib::Processed {
    let p = rib.process(now);
    for op in &p.fib {
        rib.fib_result(op, Ok(()));
    }
    assert!(!rib.pending());
    p
}

/// The seed tenant's table with both circuits up.
fn seed() -> (Rib, Arc<BgpInfo>) {
    let mut rib = Rib::new();
    rib.configure(KEY, cfg(vec![]), 1);
    rib.set_connected(KEY, vec![irb2(true), irb4(true)], 1);
    process_ok(&mut rib, 1);
    (rib, info("10.0.0.14", 12076))
}

#[test]
fn a_bgp_route_is_installed_as_bgp_and_withdrawn() {
    let (mut rib, az) = seed();
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![(net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"]))],
        2,
    );
    let p = process_ok(&mut rib, 2);
    assert_eq!(p.fib, vec![FibOp::Replace(azure("10.6.0.0/16"))]);
    assert_eq!(p.best_changed, vec![(KEY.to_string(), net("10.6.0.0/16"))]);
    let r = &routes_of(&rib, "10.6.0.0/16")[0];
    assert_eq!(
        (r.protocol, r.preference, r.active),
        (Protocol::Bgp, 170, true)
    );
    assert_eq!(r.fib, FibState::Installed);
    assert_eq!(r.bgp.as_ref(), Some(&az));
    assert_eq!(r.since, 2);

    // The same route again (same Arc) changes nothing; its age stays.
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![(net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"]))],
        3,
    );
    assert!(!rib.pending());

    // New attributes, same next hop: the active route changed, the kernel route did not.
    let mut other = (*az).clone();
    other.communities = vec!["12076:51004".into()];
    let other = Arc::new(other);
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![(net("10.6.0.0/16"), bgp(&other, &["10.0.0.14"]))],
        4,
    );
    let p = process_ok(&mut rib, 4);
    assert!(p.fib.is_empty(), "{:?}", p.fib);
    assert_eq!(p.best_changed, vec![(KEY.to_string(), net("10.6.0.0/16"))]);
    assert_eq!(routes_of(&rib, "10.6.0.0/16")[0].bgp.as_ref(), Some(&other));

    // Of two entries for one prefix the last counts: here a withdrawal.
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![
            (net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"])),
            (net("10.6.0.0/16"), None),
        ],
        5,
    );
    let p = process_ok(&mut rib, 5);
    assert_eq!(p.fib, vec![FibOp::Delete(azure("10.6.0.0/16"))]);
    assert_eq!(p.best_changed, vec![(KEY.to_string(), net("10.6.0.0/16"))]);
    assert!(routes_of(&rib, "10.6.0.0/16").is_empty());
    assert_eq!(
        rib.view(KEY, Family::Inet, &Query::default())
            .unwrap()
            .destinations,
        4
    );
}

#[test]
fn an_unresolved_next_hop_hides_the_route_and_links_move_it() {
    let (mut rib, az) = seed();
    // Next hop on no connected subnet (no multihop resolution): hidden.
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![
            (net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"])),
            (net("10.8.0.0/16"), bgp(&az, &["192.0.2.1"])),
        ],
        2,
    );
    let p = process_ok(&mut rib, 2);
    assert_eq!(p.fib, vec![FibOp::Replace(azure("10.6.0.0/16"))]);
    let r = &routes_of(&rib, "10.8.0.0/16")[0];
    assert!(r.hidden && !r.active);
    assert_eq!(
        r.next_hops,
        vec![NextHopView::Unresolved {
            address: ip("192.0.2.1")
        }]
    );
    // Azure's link goes down: only its route is re-selected (hidden, deleted).
    rib.set_connected(KEY, vec![irb2(false), irb4(true)], 3);
    let p = process_ok(&mut rib, 3);
    assert_eq!(p.fib, vec![FibOp::Delete(azure("10.6.0.0/16"))]);
    assert!(routes_of(&rib, "10.6.0.0/16")[0].hidden);
    rib.set_connected(KEY, vec![irb2(true), irb4(true)], 4);
    let p = process_ok(&mut rib, 4);
    assert_eq!(p.fib, vec![FibOp::Replace(azure("10.6.0.0/16"))]);
}

/// The JD seed: "static routes take precedence over BGP-learned routes for the same prefix
/// (preference 5 vs 170)".
#[test]
fn a_static_is_preferred_over_bgp() {
    let (mut rib, az) = seed();
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![(net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"]))],
        2,
    );
    process_ok(&mut rib, 2);
    // The operator pins 10.6.0.0/16 to AWS with a static: it wins over Azure's BGP route.
    rib.configure(KEY, cfg(vec![st("10.6.0.0/16", "10.0.0.1")]), 3);
    let aws = fwd(
        Protocol::Static,
        "10.6.0.0/16",
        vec![hop("10.0.0.1", "irb.4", 4)],
    );
    let p = process_ok(&mut rib, 3);
    assert_eq!(p.fib, vec![FibOp::Replace(aws)]);
    assert_eq!(p.best_changed, vec![(KEY.to_string(), net("10.6.0.0/16"))]);
    let rs = routes_of(&rib, "10.6.0.0/16");
    let shape: Vec<(Protocol, u32, bool)> = rs
        .iter()
        .map(|r| (r.protocol, r.preference, r.active))
        .collect();
    assert_eq!(
        shape,
        [(Protocol::Static, 5, true), (Protocol::Bgp, 170, false)]
    );
    // An import policy setting preference 4 makes BGP win.
    let mut better = bgp(&az, &["10.0.0.14"]);
    if let Some(b) = &mut better {
        b.preference = 4;
    }
    rib.set_bgp(KEY, Family::Inet, vec![(net("10.6.0.0/16"), better)], 4);
    let p = process_ok(&mut rib, 4);
    assert_eq!(p.fib, vec![FibOp::Replace(azure("10.6.0.0/16"))]);
    // Back to 170, then the static goes: BGP takes over again.
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![(net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"]))],
        5,
    );
    rib.configure(KEY, cfg(vec![st("10.6.0.0/16", "10.0.0.1")]), 5);
    let p = process_ok(&mut rib, 5);
    assert_eq!(
        p.fib,
        vec![FibOp::Replace(fwd(
            Protocol::Static,
            "10.6.0.0/16",
            vec![hop("10.0.0.1", "irb.4", 4)]
        ))]
    );
    rib.configure(KEY, cfg(vec![]), 6);
    let p = process_ok(&mut rib, 6);
    assert_eq!(p.fib, vec![FibOp::Replace(azure("10.6.0.0/16"))]);
}

#[test]
fn bgp_multipath_installs_every_next_hop_only_with_multipath() {
    let (mut rib, az) = seed();
    let route = bgp(&az, &["10.0.0.14", "10.0.0.1"]);
    rib.set_bgp(KEY, Family::Inet, vec![(net("10.6.0.0/16"), route)], 2);
    let one = fwd(
        Protocol::Bgp,
        "10.6.0.0/16",
        vec![hop("10.0.0.1", "irb.4", 4)],
    );
    assert_eq!(process_ok(&mut rib, 2).fib, vec![FibOp::Replace(one)]);
    let mut c = cfg(vec![]);
    c.multipath = true;
    rib.configure(KEY, c, 3);
    let both = fwd(
        Protocol::Bgp,
        "10.6.0.0/16",
        vec![hop("10.0.0.1", "irb.4", 4), hop("10.0.0.14", "irb.2", 3)],
    );
    assert_eq!(process_ok(&mut rib, 3).fib, vec![FibOp::Replace(both)]);
    let r = &routes_of(&rib, "10.6.0.0/16")[0];
    assert!(r
        .next_hops
        .iter()
        .all(|h| matches!(h, NextHopView::Gateway { selected: true, .. })));
}

#[test]
fn maximum_prefixes_counts_bgp_destinations_and_refuses_in_prefix_order() {
    let (mut rib, az) = seed();
    let mut c = cfg(vec![st("10.9.0.0/24", "10.0.0.1")]);
    c.max_prefixes = Some(3);
    rib.configure(KEY, c.clone(), 2);
    process_ok(&mut rib, 2);
    // Given in reverse order, admitted in prefix order; the static's prefix costs nothing more.
    let routes: Vec<(IpNet, Option<BgpRoute>)> = [
        "10.9.0.0/24",
        "10.6.3.0/24",
        "10.6.2.0/24",
        "10.6.1.0/24",
        "10.6.0.0/24",
    ]
    .iter()
    .map(|p| (net(p), bgp(&az, &["10.0.0.14"])))
    .collect();
    rib.set_bgp(KEY, Family::Inet, routes, 3);
    let p = process_ok(&mut rib, 3);
    let installed: Vec<String> = p.fib.iter().map(|o| o.route().prefix.to_string()).collect();
    assert_eq!(installed, ["10.6.0.0/24", "10.6.1.0/24"]);
    assert_eq!(
        p.notices,
        [
            "CUST.inet.0: maximum-prefixes 3 reached; 10.6.2.0/24 refused",
            "CUST.inet.0: maximum-prefixes 3 reached; 10.6.3.0/24 refused"
        ]
    );
    let v = rib.view(KEY, Family::Inet, &Query::default()).unwrap();
    assert_eq!(v.limit.map(|l| (l.max_prefixes, l.refused)), Some((3, 2)));
    assert_eq!(
        routes_of(&rib, "10.9.0.0/24")
            .iter()
            .map(|r| r.protocol)
            .collect::<Vec<_>>(),
        [Protocol::Static, Protocol::Bgp]
    );
    // A refused route is not kept; once there is room it is taken when given again.
    rib.set_bgp(KEY, Family::Inet, vec![(net("10.6.0.0/24"), None)], 4);
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![(net("10.6.3.0/24"), bgp(&az, &["10.0.0.14"]))],
        4,
    );
    let p = process_ok(&mut rib, 4);
    assert!(p.notices.is_empty(), "{:?}", p.notices);
    let changed: Vec<String> = p.fib.iter().map(|o| o.route().prefix.to_string()).collect();
    assert_eq!(changed, ["10.6.0.0/24", "10.6.3.0/24"]);
    // BGP destinations count first when a commit admits statics.
    c.statics.push(st("10.5.0.0/24", "10.0.0.1"));
    rib.configure(KEY, c, 5);
    let p = process_ok(&mut rib, 5);
    assert!(p.fib.is_empty());
    assert_eq!(
        p.notices,
        ["CUST.inet.0: maximum-prefixes 3 reached; 10.5.0.0/24 refused"]
    );
}

/// Past 20 refusals in one call the rest are summed up in one notice.
#[test]
fn many_refusals_are_summed_up() {
    let (mut rib, az) = seed();
    let mut c = cfg(vec![]);
    c.max_prefixes = Some(1);
    rib.configure(KEY, c, 2);
    let routes: Vec<(IpNet, Option<BgpRoute>)> = (0..30)
        .map(|i| (net(&format!("10.6.{i}.0/24")), bgp(&az, &["10.0.0.14"])))
        .collect();
    rib.set_bgp(KEY, Family::Inet, routes, 2);
    let p = process_ok(&mut rib, 2);
    assert_eq!(p.fib.len(), 1);
    assert_eq!(p.notices.len(), 21);
    assert_eq!(
        p.notices[20],
        "CUST.inet.0: maximum-prefixes 1 reached; 9 more BGP routes refused"
    );
}

/// At start the kernel holds last run's BGP routes while no session is up: they are kept
/// until the speaker gives them, withdraws them, or says it is in sync.
#[test]
fn kernel_bgp_routes_are_kept_until_the_speaker_is_in_sync() {
    let (mut rib, az) = seed();
    let kept = ["10.6.0.0/16", "10.7.0.0/16", "10.8.0.0/16", "10.9.0.0/16"];
    let stat = fwd(
        Protocol::Static,
        "10.5.0.0/16",
        vec![hop("10.0.0.14", "irb.2", 3)],
    );
    let mut kernel: Vec<FibRoute> = kept.iter().map(|p| azure(p)).collect();
    kernel.push(stat.clone());
    rib.adopt_kernel(KT, Family::Inet, kernel);
    rib.adopt_kernel(KT, Family::Inet6, vec![]);
    // The unwanted static goes at once; the BGP routes stay.
    let p = process_ok(&mut rib, 2);
    assert_eq!(p.fib, vec![FibOp::Delete(stat)]);
    // The speaker gives 10.6 again (as installed: nothing to write) and 10.7 over AWS now
    // (replaced), and withdraws 10.8 (deleted).
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![
            (net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"])),
            (
                net("10.7.0.0/16"),
                bgp(&info("10.0.0.1", 64512), &["10.0.0.1"]),
            ),
            (net("10.8.0.0/16"), None),
        ],
        3,
    );
    let p = process_ok(&mut rib, 3);
    assert_eq!(
        p.fib,
        vec![
            FibOp::Replace(fwd(
                Protocol::Bgp,
                "10.7.0.0/16",
                vec![hop("10.0.0.1", "irb.4", 4)]
            )),
            FibOp::Delete(azure("10.8.0.0/16")),
        ]
    );
    assert_eq!(routes_of(&rib, "10.6.0.0/16")[0].fib, FibState::Installed);
    // A kept route shows nowhere (the RIB has no route for it) and is not counted.
    assert!(routes_of(&rib, "10.9.0.0/16").is_empty());
    // A resync meanwhile keeps it too.
    rib.adopt_kernel(
        KT,
        Family::Inet,
        vec![
            azure("10.6.0.0/16"),
            fwd(
                Protocol::Bgp,
                "10.7.0.0/16",
                vec![hop("10.0.0.1", "irb.4", 4)],
            ),
            azure("10.9.0.0/16"),
        ],
    );
    assert!(process_ok(&mut rib, 4).fib.is_empty());
    // In sync: what the speaker did not give again goes.
    assert_eq!(rib.bgp_synced(KEY, Family::Inet), 1);
    let p = process_ok(&mut rib, 5);
    assert_eq!(p.fib, vec![FibOp::Delete(azure("10.9.0.0/16"))]);
    assert_eq!(rib.bgp_synced(KEY, Family::Inet), 0);
    // Once in sync, a resync deletes unwanted BGP routes at once, as statics.
    rib.adopt_kernel(
        KT,
        Family::Inet,
        vec![
            azure("10.6.0.0/16"),
            fwd(
                Protocol::Bgp,
                "10.7.0.0/16",
                vec![hop("10.0.0.1", "irb.4", 4)],
            ),
            azure("10.9.0.0/16"),
        ],
    );
    assert_eq!(
        process_ok(&mut rib, 6).fib,
        vec![FibOp::Delete(azure("10.9.0.0/16"))]
    );
}

/// A stale route gives way to a static for its prefix, and goes with its table.
#[test]
fn a_kept_kernel_bgp_route_yields_to_statics_and_table_removal() {
    let (mut rib, _) = seed();
    rib.adopt_kernel(
        KT,
        Family::Inet,
        vec![azure("10.6.0.0/16"), azure("10.7.0.0/16")],
    );
    assert!(process_ok(&mut rib, 2).fib.is_empty());
    rib.configure(KEY, cfg(vec![st("10.6.0.0/16", "10.0.0.1")]), 3);
    let aws = fwd(
        Protocol::Static,
        "10.6.0.0/16",
        vec![hop("10.0.0.1", "irb.4", 4)],
    );
    assert_eq!(
        process_ok(&mut rib, 3).fib,
        vec![FibOp::Replace(aws.clone())]
    );
    rib.remove_table(KEY, 4);
    assert_eq!(
        process_ok(&mut rib, 4).fib,
        vec![FibOp::Delete(aws), FibOp::Delete(azure("10.7.0.0/16"))]
    );
}

#[test]
fn kernel_deleted_bgp_route_is_sent_again() {
    let (mut rib, az) = seed();
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![(net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"]))],
        2,
    );
    process_ok(&mut rib, 2);
    rib.kernel_deleted(KT, net("10.6.0.0/16"), Protocol::Bgp);
    assert_eq!(
        process_ok(&mut rib, 3).fib,
        vec![FibOp::Replace(azure("10.6.0.0/16"))]
    );
}

#[test]
fn the_active_route_for_export() {
    let (mut rib, az) = seed();
    let mut d = st("10.66.0.0/16", "10.0.0.1");
    d.target = StaticTarget::Discard;
    rib.configure(KEY, cfg(vec![st("10.6.0.0/16", "10.0.0.1"), d]), 2);
    let mut med = (*az).clone();
    med.med = Some(10);
    let med = Arc::new(med);
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![
            (net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"])),
            (net("172.31.0.0/16"), bgp(&med, &["10.0.0.1"])),
        ],
        2,
    );
    process_ok(&mut rib, 2);
    let a = rib
        .active_route(KEY, Family::Inet, net("10.6.0.0/16"))
        .expect("static");
    assert_eq!(
        (a.protocol, a.preference, a.kind),
        (Protocol::Static, 5, ActiveKind::Forward)
    );
    assert_eq!(a.next_hops, vec![NextHop::Address(ip("10.0.0.1"))]);
    assert_eq!((a.metric, a.tag, a.bgp), (None, None, None));
    let a = rib
        .active_route(KEY, Family::Inet, net("10.66.0.0/16"))
        .expect("discard");
    assert_eq!((a.kind, a.next_hops.len()), (ActiveKind::Discard, 0));
    let a = rib
        .active_route(KEY, Family::Inet, net("10.0.0.12/30"))
        .expect("direct");
    assert_eq!(a.protocol, Protocol::Direct);
    assert_eq!(a.next_hops, vec![NextHop::Interface("irb.2".into())]);
    let a = rib
        .active_route(KEY, Family::Inet, net("172.31.0.0/16"))
        .expect("bgp");
    assert_eq!((a.protocol, a.metric), (Protocol::Bgp, Some(10)));
    assert_eq!(a.bgp, Some(med));
    // Exactly that prefix, of that family, in a known table.
    assert!(rib
        .active_route(KEY, Family::Inet, net("172.31.0.0/24"))
        .is_none());
    assert!(rib
        .active_route(KEY, Family::Inet6, net("10.6.0.0/16"))
        .is_none());
    assert!(rib
        .active_route("l2/OTHER", Family::Inet, net("10.6.0.0/16"))
        .is_none());
    // The speaker's first view: every active route that is not BGP's, in prefix order.
    let all: Vec<(String, Protocol)> = rib
        .active_non_bgp(KEY, Family::Inet)
        .into_iter()
        .map(|(p, a)| (p.to_string(), a.protocol))
        .collect();
    let want = [
        ("10.0.0.0/31", Protocol::Direct),
        ("10.0.0.0/32", Protocol::Local),
        ("10.0.0.12/30", Protocol::Direct),
        ("10.0.0.13/32", Protocol::Local),
        ("10.6.0.0/16", Protocol::Static),
        ("10.66.0.0/16", Protocol::Static),
    ];
    assert_eq!(all, want.map(|(p, proto)| (p.to_string(), proto)).to_vec());
    assert!(rib.active_non_bgp(KEY, Family::Inet6).is_empty());
    assert!(rib.active_non_bgp("l2/OTHER", Family::Inet).is_empty());
}

#[test]
fn ipv6_bgp_routes_and_counts() {
    let (mut rib, _) = seed();
    rib.set_connected(
        KEY,
        vec![
            irb2(true),
            irb4(true),
            itf("irb.6", 6, true, &["2001:db8:aaaa:bbbb::1/64"]),
        ],
        2,
    );
    let peer = info("2001:db8:aaaa:bbbb::2", 12076);
    rib.set_bgp(
        KEY,
        Family::Inet6,
        vec![
            (
                net("2001:db8:6000::/36"),
                bgp(&peer, &["2001:db8:aaaa:bbbb::2"]),
            ),
            // Of the other family: ignored.
            (net("10.6.0.0/16"), bgp(&peer, &["10.0.0.14"])),
        ],
        2,
    );
    let p = process_ok(&mut rib, 2);
    assert_eq!(
        p.fib,
        vec![FibOp::Replace(fwd(
            Protocol::Bgp,
            "2001:db8:6000::/36",
            vec![hop("2001:db8:aaaa:bbbb::2", "irb.6", 6)]
        ))]
    );
    let v = rib.view(KEY, Family::Inet6, &Query::default()).unwrap();
    let bgp_count = v.protocols.iter().find(|c| c.protocol == Protocol::Bgp);
    assert_eq!(bgp_count.map(|c| (c.routes, c.active)), Some((1, 1)));
    assert!(routes_of(&rib, "10.6.0.0/16").is_empty());
}

/// Routes the speaker gives before the table is configured (no kernel table yet) are selected
/// but installed only once it is.
#[test]
fn bgp_routes_before_the_table_is_configured_wait_for_its_kernel_table() {
    let mut rib = Rib::new();
    let az = info("10.0.0.14", 12076);
    rib.set_connected(KEY, vec![irb2(true)], 1);
    rib.set_bgp(
        KEY,
        Family::Inet,
        vec![(net("10.6.0.0/16"), bgp(&az, &["10.0.0.14"]))],
        1,
    );
    let p = process_ok(&mut rib, 1);
    assert!(p.fib.is_empty(), "{:?}", p.fib);
    assert!(routes_of(&rib, "10.6.0.0/16")[0].active);
    rib.configure(KEY, cfg(vec![]), 2);
    assert_eq!(
        process_ok(&mut rib, 2).fib,
        vec![FibOp::Replace(azure("10.6.0.0/16"))]
    );
}
