//! Property: whatever the sequence of inputs, the kernel the RIB's ops build equals the kernel
//! a fresh RIB fed only the final inputs builds, and selection does not depend on input order.
//! BGP routes are given to table B only, which has no `maximum-prefixes` (with a limit, which
//! of BGP routes and statics are admitted depends on their order, by design); both RIBs are
//! told the speaker is in sync before they are compared (until then, BGP routes found in the
//! kernel are kept on purpose).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, LazyLock};

use ipnet::IpNet;
use lsys_fib::rib::Rib;
use lsys_fib::view::{Query, TableView};
use lsys_fib::{
    BgpInfo, BgpRoute, Connected, Family, FibOp, FibRoute, NextHop, StaticConfig, StaticTarget,
    TableConfig,
};
use proptest::prelude::*;

const KEYS: [&str; 2] = ["A", "B"];
const PREFIXES: [&str; 8] = [
    "10.9.0.0/16",
    "10.9.1.0/24",
    "10.0.0.12/30",
    "10.0.1.0/24",
    "0.0.0.0/0",
    "10.0.0.13/32",
    "2001:db8:9::/48",
    "2001:db8::/64",
];
/// Next hops: gateways (some on no subnet), and interface next hops: interfaces of the
/// tables (up or down, one changing ifindex) and one that never exists.
const NEXT_HOPS: [&str; 10] = [
    "10.0.0.14",
    "10.0.0.2",
    "10.0.1.2",
    "10.0.2.5",
    "192.0.2.1",
    "2001:db8::5",
    "2001:db8:1::1",
    "ge-0/0/1",
    "ge-0/0/2",
    "irb.9",
];
/// Interfaces (name, ifindex choices, addresses): each input picks up/down, an ifindex and a
/// subset of the addresses.
const IFACES: [(&str, [u32; 2], &[&str]); 3] = [
    ("ge-0/0/0", [3, 3], &["10.0.0.13/30", "10.0.0.1/24"]),
    ("ge-0/0/1", [4, 4], &["10.0.1.1/24", "2001:db8::1/64"]),
    (
        "ge-0/0/2",
        [5, 6],
        &["10.0.2.1/24", "10.0.0.5/24", "2001:db8:1::2/64"],
    ),
];

type Kernel = BTreeMap<(u32, IpNet), FibRoute>;

/// The BGP routes given to a table, by prefix.
type BgpRoutes = BTreeMap<IpNet, BgpRoute>;

/// Attribute sets the speaker shares between routes: two `Arc`s of one content, and another.
static INFOS: LazyLock<Vec<Arc<BgpInfo>>> = LazyLock::new(|| {
    let info = |peer_as: u32, med: Option<u32>| BgpInfo {
        as_path: format!("{peer_as} I"),
        local_pref: Some(100),
        med,
        from: "10.0.0.14".parse().unwrap(),
        peer_as,
        local_as: Some(65000),
        router_id: None,
        communities: Vec::new(),
        internal: false,
    };
    vec![
        Arc::new(info(12076, None)),
        Arc::new(info(12076, None)),
        Arc::new(info(64512, Some(10))),
    ]
});

/// The table the BGP routes go to.
const BGP_KEY: usize = 1;

#[derive(Debug, Clone)]
enum Input {
    Configure(usize, TableConfig),
    Connected(usize, Vec<Connected>),
    Remove(usize),
    Process,
    Resync,
    KernelDelete(usize),
    Bgp(Family, Vec<(IpNet, Option<BgpRoute>)>),
    Synced(usize),
}

fn next_hop() -> impl Strategy<Value = NextHop> {
    (0..NEXT_HOPS.len()).prop_map(|i| match NEXT_HOPS[i].parse() {
        Ok(a) => NextHop::Address(a),
        Err(_) => NextHop::Interface(NEXT_HOPS[i].into()),
    })
}

fn static_route() -> impl Strategy<Value = StaticConfig> {
    let target = prop_oneof![
        proptest::collection::vec(next_hop(), 0..3).prop_map(StaticTarget::NextHops),
        Just(StaticTarget::Discard),
        Just(StaticTarget::Reject),
        Just(StaticTarget::None),
    ];
    let pref = prop_oneof![Just(None), Just(Some(5)), Just(Some(7))];
    let qpref = prop_oneof![Just(None), Just(Some(6)), Just(Some(7)), Just(Some(9))];
    (
        0..PREFIXES.len(),
        pref,
        target,
        proptest::collection::vec((next_hop(), qpref), 0..3),
    )
        .prop_map(|(p, preference, target, qualified)| StaticConfig {
            prefix: PREFIXES[p].parse().unwrap(),
            preference,
            target,
            qualified,
        })
}

/// A BGP route: gateways only (none: a withdrawal), preferences around a static's.
fn bgp_route() -> impl Strategy<Value = (IpNet, Option<BgpRoute>)> {
    let gateways: Vec<IpAddr> = NEXT_HOPS.iter().filter_map(|h| h.parse().ok()).collect();
    let n = gateways.len();
    (
        0..PREFIXES.len(),
        proptest::option::weighted(
            0.8,
            (
                proptest::collection::vec(0..n, 0..3),
                prop_oneof![Just(170u32), Just(4), Just(5), Just(7)],
                0..3usize,
            ),
        ),
    )
        .prop_map(move |(p, r)| {
            let route = r.map(|(hops, preference, info)| BgpRoute {
                next_hops: hops.into_iter().map(|i| gateways[i]).collect(),
                preference,
                info: INFOS[info].clone(),
            });
            (PREFIXES[p].parse().unwrap(), route)
        })
}

fn config(key: usize) -> impl Strategy<Value = TableConfig> {
    (
        proptest::collection::vec(static_route(), 0..6),
        any::<bool>(),
        prop_oneof![Just(None), Just(Some(1)), Just(Some(3))],
        any::<bool>(),
    )
        .prop_map(move |(statics, multipath, max_prefixes, alt)| TableConfig {
            name: KEYS[key].into(),
            kernel_table: if key == 0 { 100 + u32::from(alt) } else { 102 },
            statics,
            multipath,
            max_prefixes: if key == BGP_KEY { None } else { max_prefixes },
        })
}

fn connected() -> impl Strategy<Value = Vec<Connected>> {
    proptest::collection::vec((any::<bool>(), 0..2usize, any::<u8>()), 3).prop_map(|picks| {
        picks
            .into_iter()
            .zip(IFACES)
            .map(|((up, idx, mask), (name, ifindexes, addrs))| Connected {
                ifname: name.into(),
                ifindex: ifindexes[idx],
                up,
                addresses: addrs
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, a)| a.parse().unwrap())
                    .collect(),
            })
            .collect()
    })
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        3 => (0..2usize).prop_flat_map(|k| config(k).prop_map(move |c| Input::Configure(k, c))),
        3 => (0..2usize, connected()).prop_map(|(k, c)| Input::Connected(k, c)),
        1 => (0..2usize).prop_map(Input::Remove),
        2 => Just(Input::Process),
        1 => Just(Input::Resync),
        1 => any::<usize>().prop_map(Input::KernelDelete),
        3 => (
            prop_oneof![Just(Family::Inet), Just(Family::Inet6)],
            proptest::collection::vec(bgp_route(), 0..5)
        )
            .prop_map(|(f, r)| Input::Bgp(f, r)),
        1 => (0..2usize).prop_map(Input::Synced),
    ]
}

/// What `set_bgp` leaves in a table's BGP routes (the model).
fn give(routes: &mut BgpRoutes, family: Family, given: &[(IpNet, Option<BgpRoute>)]) {
    for (p, r) in given {
        if Family::of(p) != family {
            continue;
        }
        match r {
            Some(r) if !r.next_hops.is_empty() => {
                routes.insert(p.trunc(), r.clone());
            }
            _ => {
                routes.remove(&p.trunc());
            }
        }
    }
}

/// Gives a table's BGP routes to `rib`, one call per family (`reverse`: listed backwards);
/// the table exists afterwards even if there are none.
fn set_bgp(rib: &mut Rib, key: usize, routes: &BgpRoutes, reverse: bool) {
    rib.set_bgp(KEYS[key], Family::Inet, Vec::new(), 0);
    for f in [Family::Inet, Family::Inet6] {
        let mut v: Vec<(IpNet, Option<BgpRoute>)> = routes
            .iter()
            .filter(|(p, _)| Family::of(p) == f)
            .map(|(p, r)| (*p, Some(r.clone())))
            .collect();
        if reverse {
            v.reverse();
        }
        if !v.is_empty() {
            rib.set_bgp(KEYS[key], f, v, 0);
        }
    }
}

/// Tells `rib` the speaker is in sync for every table it has.
fn sync_all(rib: &mut Rib) {
    for k in rib.keys() {
        for f in [Family::Inet, Family::Inet6] {
            rib.bgp_synced(&k, f);
        }
    }
}

/// Applies ops to the model kernel (a Delete must name the route as installed) and tells the
/// RIB they succeeded.
fn apply(rib: &mut Rib, kernel: &mut Kernel, ops: &[FibOp]) {
    for op in ops {
        let r = op.route();
        let k = (r.kernel_table, r.prefix);
        match op {
            FibOp::Replace(r) => {
                // What Linux takes: no interface-only hop in an IPv6 multipath route.
                if let (Family::Inet6, lsys_fib::FibAction::Forward(h)) =
                    (Family::of(&r.prefix), &r.action)
                {
                    assert!(
                        h.len() == 1 || h.iter().all(|h| h.gateway.is_some()),
                        "{r:?}"
                    );
                }
                kernel.insert(k, r.clone());
            }
            // Gone already (deleted behind lsys's back) is success, as the daemon treats it.
            FibOp::Delete(r) => {
                if let Some(old) = kernel.remove(&k) {
                    assert_eq!(&old, r, "a delete names the route as installed");
                }
            }
        }
        rib.fib_result(op, Ok(()));
    }
}

fn process(rib: &mut Rib, kernel: &mut Kernel, now: i64) {
    let p = rib.process(now);
    apply(rib, kernel, &p.fib);
}

/// The final inputs of a key: configuration, interfaces, BGP routes (`None`: BGP never spoke
/// about the table since it was last removed; when it did, the table exists).
type Finals = (
    Option<TableConfig>,
    Option<Vec<Connected>>,
    Option<BgpRoutes>,
);

/// The final inputs of each key: configuration first and keys in order, or interfaces first,
/// keys and statics in reverse order.
fn fresh(finals: &[Finals], config_first: bool) -> (Rib, Kernel) {
    let mut rib = Rib::new();
    let mut kernel = Kernel::new();
    let keys: Vec<usize> = if config_first { vec![0, 1] } else { vec![1, 0] };
    for k in keys {
        let (c, i, bgp) = &finals[k];
        if !config_first {
            if let Some(bgp) = bgp {
                set_bgp(&mut rib, k, bgp, true);
            }
        }
        if config_first {
            if let Some(c) = c {
                rib.configure(KEYS[k], c.clone(), 0);
            }
        }
        if let Some(i) = i {
            rib.set_connected(KEYS[k], i.clone(), 0);
        }
        if !config_first {
            if let Some(c) = c {
                // The statics listed the other way round (duplicates keep their order).
                let mut c = c.clone();
                c.statics.sort_by_key(|s| std::cmp::Reverse(s.prefix));
                rib.configure(KEYS[k], c, 0);
            }
        }
        if config_first {
            if let Some(bgp) = bgp {
                set_bgp(&mut rib, k, bgp, false);
            }
        }
    }
    sync_all(&mut rib);
    process(&mut rib, &mut kernel, 0);
    (rib, kernel)
}

/// Every view of a RIB, with ages and the (history-dependent) refusal counter left out.
fn views(rib: &Rib) -> Vec<TableView> {
    let q = Query {
        routes: true,
        ..Query::default()
    };
    let hidden = Query {
        hidden: true,
        routes: true,
        ..Query::default()
    };
    let mut out = Vec::new();
    for k in rib.keys() {
        for f in [Family::Inet, Family::Inet6] {
            for q in [&q, &hidden] {
                if let Some(mut v) = rib.view(&k, f, q) {
                    for d in &mut v.dests {
                        for r in &mut d.routes {
                            r.since = 0;
                        }
                    }
                    if let Some(l) = &mut v.limit {
                        l.refused = 0;
                    }
                    out.push(v);
                }
            }
        }
    }
    out
}

fn resync(rib: &mut Rib, kernel: &Kernel) {
    for kt in [100, 101, 102] {
        for f in [Family::Inet, Family::Inet6] {
            let routes = kernel
                .iter()
                .filter(|((t, p), _)| *t == kt && Family::of(p) == f)
                .map(|(_, r)| r.clone())
                .collect();
            rib.adopt_kernel(kt, f, routes);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_from_scratch(inputs in proptest::collection::vec(input(), 1..40)) {
        let mut rib = Rib::new();
        let mut kernel = Kernel::new();
        let mut finals: Vec<Finals> = vec![Default::default(), Default::default()];
        for (t, i) in inputs.into_iter().enumerate() {
            let now = t as i64 + 1;
            match i {
                Input::Configure(k, c) => {
                    finals[k].0 = Some(c.clone());
                    rib.configure(KEYS[k], c, now);
                }
                Input::Connected(k, c) => {
                    finals[k].1 = Some(c.clone());
                    rib.set_connected(KEYS[k], c, now);
                }
                Input::Remove(k) => {
                    finals[k] = Default::default();
                    rib.remove_table(KEYS[k], now);
                }
                Input::Bgp(f, routes) => {
                    give(finals[BGP_KEY].2.get_or_insert_default(), f, &routes);
                    rib.set_bgp(KEYS[BGP_KEY], f, routes, now);
                }
                Input::Synced(k) => {
                    finals[k].2.get_or_insert_default();
                    for f in [Family::Inet, Family::Inet6] {
                        rib.bgp_synced(KEYS[k], f);
                    }
                }
                Input::Process => process(&mut rib, &mut kernel, now),
                Input::Resync => {
                    let idle = !rib.pending();
                    resync(&mut rib, &kernel);
                    let p = rib.process(now);
                    if idle {
                        prop_assert!(p.fib.is_empty(), "resync of a matching kernel: {:?}", p.fib);
                    }
                    apply(&mut rib, &mut kernel, &p.fib);
                }
                Input::KernelDelete(n) => {
                    if !kernel.is_empty() {
                        let key = *kernel.keys().nth(n % kernel.len()).unwrap();
                        let r = kernel.remove(&key).unwrap();
                        rib.kernel_deleted(key.0, key.1, r.protocol);
                    }
                }
            }
        }
        sync_all(&mut rib);
        process(&mut rib, &mut kernel, 1000);
        prop_assert!(!rib.pending());

        let (a, kernel_a) = fresh(&finals, true);
        let (b, kernel_b) = fresh(&finals, false);
        prop_assert_eq!(&kernel, &kernel_a);
        prop_assert_eq!(&kernel_a, &kernel_b);
        let va = views(&a);
        prop_assert_eq!(&va, &views(&b));
        // Tables made only by interfaces have no name in the views; compare what both know.
        let vi: Vec<TableView> = views(&rib);
        prop_assert_eq!(vi, va);
    }
}
