//! The batched route path against this host's kernel, in a throwaway network namespace.
//!
//! Each test runs on its own thread that `unshare(CLONE_NEWNET)`s: the namespace belongs to that
//! thread alone (and to the `ip` commands it spawns, which inherit it), and the kernel destroys
//! it, with its veth pair and routes, when the thread ends — on success, on a panic, even if
//! the test process is killed. Nothing is left to clean up and the host's tables are never
//! touched. No packet is sent anywhere: only routes are installed and dumped.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::process::Command;

use ipnet::IpNet;
use lsys_netlink::batch::{
    reconcile_ops, Acks, Config, Failure, Hop, Limits, Route, RouteKind, RouteOp, RouteSocket,
    IPV6_DEFAULT_METRIC, PROTO_BGP, PROTO_STATIC,
};

const TABLE: u32 = 1234;
const EEXIST: i32 = 17;
const ENODEV: i32 = 19;

/// Runs `f` on a new thread inside a fresh network namespace holding a veth pair
/// lsys0 (10.255.0.1/24, 2001:db8:ff::1/64) — lsys1, both up; passes lsys0's ifindex.
fn in_netns<T: Send + 'static>(f: impl FnOnce(u32) -> T + Send + 'static) -> T {
    let t = std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare(CLONE_NEWNET)");
        for cmd in [
            "link set lo up",
            "link add lsys0 type veth peer name lsys1",
            "link set lsys0 up",
            "link set lsys1 up",
            "addr add 10.255.0.1/24 dev lsys0",
            "addr add 2001:db8:ff::1/64 dev lsys0 nodad",
        ] {
            ip(cmd);
        }
        let out = ip("-o link show dev lsys0");
        let index = out.split(':').next().and_then(|i| i.trim().parse().ok());
        f(index.expect("ifindex of lsys0"))
    });
    match t.join() {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// A second veth pair in the thread's namespace, lsys2 (10.255.1.1/24, 2001:db8:fe::1/64) —
/// lsys3, both up, for a second next hop; returns lsys2's ifindex.
fn second_link() -> u32 {
    for cmd in [
        "link add lsys2 type veth peer name lsys3",
        "link set lsys2 up",
        "link set lsys3 up",
        "addr add 10.255.1.1/24 dev lsys2",
        "addr add 2001:db8:fe::1/64 dev lsys2 nodad",
    ] {
        ip(cmd);
    }
    let out = ip("-o link show dev lsys2");
    let index = out.split(':').next().and_then(|i| i.trim().parse().ok());
    index.expect("ifindex of lsys2")
}

fn ip(args: &str) -> String {
    let out = Command::new("ip")
        .args(args.split_whitespace())
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "ip {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn net(s: String) -> IpNet {
    s.parse().expect("prefix")
}

/// `n` IPv4 routes: gateway routes (with the device, as the kernel reports them back), every
/// tenth a device route, every fiftieth a blackhole; plus IPv6 gateway routes with a metric.
fn table(n: u32, n6: u32, oif: u32) -> Vec<Route> {
    let gw: IpAddr = "10.255.0.2".parse().expect("gw");
    let gw6: IpAddr = "2001:db8:ff::2".parse().expect("gw6");
    let mut routes: Vec<Route> = (0..n)
        .map(|i| {
            let dst = net(format!("10.{}.{}.0/24", i / 256, i % 256));
            if i % 50 == 0 {
                Route::reject(TABLE, dst, RouteKind::Blackhole, PROTO_BGP)
            } else if i % 10 == 0 {
                Route::dev(TABLE, dst, oif, PROTO_STATIC)
            } else {
                let mut r = Route::via(TABLE, dst, gw, PROTO_BGP);
                r.hops[0].oif = Some(oif);
                r
            }
        })
        .collect();
    routes.extend((0..n6).map(|i| {
        let mut r = Route::via(TABLE, net(format!("2001:db8:{i:x}::/48")), gw6, PROTO_BGP);
        r.hops[0].oif = Some(oif);
        r.metric = Some(100);
        r
    }));
    routes
}

fn add_all(routes: &[Route]) -> Vec<RouteOp> {
    routes.iter().cloned().map(RouteOp::Add).collect()
}

fn dump(sock: &mut RouteSocket) -> BTreeSet<Route> {
    sock.routes(TABLE).expect("dump").into_iter().collect()
}

#[test]
fn ten_thousand_routes_in_few_sendmsgs_then_dump_and_delete() {
    in_netns(|oif| {
        let routes = table(10_000, 1_000, oif);
        let mut sock = RouteSocket::open().expect("socket");
        let res = sock.apply(&add_all(&routes));
        let errors: Vec<String> = res
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|e| e.to_string())
            .take(5)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let c = sock.counters;
        assert_eq!(c.messages, 11_000);
        // 64 KiB datagrams of ~52-byte messages: a handful of round trips, not 11,000.
        assert!(c.sendmsgs <= 20, "{c:?}");

        // A route in another table stays out of the dump.
        let mut other = routes[1].clone();
        other.table = TABLE + 1;
        assert!(sock.apply(&[RouteOp::Add(other)])[0].is_ok());

        let want: BTreeSet<Route> = routes.iter().cloned().collect();
        assert_eq!(dump(&mut sock), want);
        assert!(sock.routes(4242).expect("dump").is_empty(), "no such table");

        let del: Vec<RouteOp> = routes.into_iter().map(RouteOp::Delete).collect();
        assert!(sock.apply(&del).iter().all(|r| r.is_ok()));
        assert!(dump(&mut sock).is_empty());
    });
}

/// A batch with a duplicate add and a route out of a device that does not exist, spread over
/// several chunks: exactly those two fail, everything else is applied.
fn bad_ops_fail_alone(acks: Acks) {
    in_netns(move |oif| {
        let routes = table(20, 0, oif);
        let config = Config {
            acks,
            ..Config::default()
        };
        let mut sock = RouteSocket::with_config(config).expect("socket");
        assert!(sock
            .apply(&add_all(&routes[..10]))
            .iter()
            .all(|r| r.is_ok()));
        sock.set_limits(Limits {
            messages: 3,
            ..sock.limits()
        });
        let before = sock.counters;

        let mut ghost = Route::dev(TABLE, net("10.200.0.0/24".into()), 9999, PROTO_STATIC);
        ghost.metric = Some(5);
        let mut replaced = routes[2].clone();
        replaced.metric = None;
        let ops = vec![
            RouteOp::Add(routes[10].clone()),
            RouteOp::Add(routes[3].clone()), // already there
            RouteOp::Add(routes[11].clone()),
            RouteOp::Add(routes[12].clone()),
            RouteOp::Add(ghost),                 // no such device
            RouteOp::Replace(replaced),          // there: replaced in place
            RouteOp::Delete(routes[19].clone()), // not there: already gone is fine
            RouteOp::Add(routes[13].clone()),
        ];
        let res = sock.apply(&ops);
        let failed: Vec<(usize, Option<i32>)> = res
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().err().map(|e| (i, e.errno())))
            .collect();
        assert_eq!(failed, [(1, Some(EEXIST)), (4, Some(ENODEV))], "{res:?}");
        let dup = res[1].as_ref().unwrap_err();
        assert_eq!(
            dup.to_string(),
            format!("add 10.0.3.0/24 table 1234 via 10.255.0.2 dev #{oif}: File exists")
        );
        assert!(matches!(dup.failure, Failure::Kernel { .. }));
        let c = sock.counters;
        assert_eq!(c.sendmsgs - before.sendmsgs, 3, "8 ops, 3 per chunk");
        // One recvmmsg per chunk either way; the answers differ.
        assert_eq!(c.recvs - before.recvs, 3, "{c:?}");
        let answers = c.answers - before.answers;
        match acks {
            Acks::Each => assert_eq!(answers, 8),
            // EEXIST, ENODEV, the delete's ESRCH, and one closing ack per chunk.
            Acks::Errors => assert_eq!(answers, 6),
        }

        let want: BTreeSet<Route> = routes[..14].iter().cloned().collect();
        assert_eq!(dump(&mut sock), want);
        let del: Vec<RouteOp> = routes.into_iter().map(RouteOp::Delete).collect();
        assert!(sock.apply(&del).iter().all(|r| r.is_ok()));
    });
}

#[test]
fn bad_ops_fail_alone_with_an_ack_per_op() {
    bad_ops_fail_alone(Acks::Each);
}

#[test]
fn bad_ops_fail_alone_with_errors_only_acks() {
    bad_ops_fail_alone(Acks::Errors);
}

#[test]
fn delete_matches_protocol() {
    in_netns(|oif| {
        let mut sock = RouteSocket::open().expect("socket");
        let mine = Route::dev(TABLE, net("10.1.0.0/16".into()), oif, PROTO_STATIC);
        assert!(sock.apply(&[RouteOp::Add(mine.clone())])[0].is_ok());
        // Someone else's protocol id does not match lsys's route: it stays.
        let mut theirs = mine.clone();
        theirs.protocol = PROTO_BGP;
        let res = sock.apply(&[RouteOp::Delete(theirs)]);
        assert!(res[0].is_ok(), "ESRCH counts as gone");
        assert_eq!(dump(&mut sock).len(), 1);
        assert!(sock.apply(&[RouteOp::Delete(mine)])[0].is_ok());
        assert!(dump(&mut sock).is_empty());
    });
}

/// The smallest receive buffer there is (8 KiB after the kernel doubles it) still takes a big
/// batch without losing an ack: chunks shrink to what it can hold.
#[test]
fn a_tiny_receive_buffer_shrinks_chunks_instead_of_losing_acks() {
    in_netns(|oif| {
        let config = Config {
            rcvbuf: 4096,
            ..Config::default()
        };
        let mut sock = RouteSocket::with_config(config).expect("socket");
        let per_chunk = sock.limits().messages;
        assert!(per_chunk <= 8, "{:?}", sock.limits());
        let routes = table(2_000, 0, oif);
        let res = sock.apply(&add_all(&routes));
        assert!(res.iter().all(|r| r.is_ok()));
        assert_eq!(
            sock.counters.sendmsgs as usize,
            2_000usize.div_ceil(per_chunk)
        );

        // Past the bound, acks are dropped: in each chunk, the ops answered before the
        // overrun report ok, the rest "lost" (they were applied all the same); no op is
        // guessed to be ok.
        let more = table(4_000, 0, oif).split_off(2_000);
        sock.set_limits(Limits {
            messages: 2_000,
            ..sock.limits()
        });
        let res = sock.apply(&add_all(&more));
        let ok = res.iter().filter(|r| r.is_ok()).count();
        let lost = res
            .iter()
            .filter(|r| matches!(r, Err(e) if e.failure == Failure::Lost))
            .count();
        assert!(ok > 0 && ok < 100, "{ok} acks fit 8 KiB?");
        assert_eq!(ok + lost, 2_000);
        assert_eq!(sock.routes(TABLE).expect("dump").len(), 4_000);
    });
}

fn addr(s: &str) -> IpAddr {
    s.parse().expect("address")
}

fn hop(gw: &str, oif: u32) -> Hop {
    Hop {
        gateway: Some(addr(gw)),
        oif: Some(oif),
    }
}

/// Applies `ops`, every one of which must succeed.
fn apply_ok(sock: &mut RouteSocket, ops: &[RouteOp]) {
    let res = sock.apply(ops);
    let errors: Vec<String> = res
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// The one route of `table` for `dst` in a dump, failing if there is not exactly one.
fn only(routes: &BTreeSet<Route>, dst: &str) -> Route {
    let dst = net(dst.into());
    let found: Vec<&Route> = routes.iter().filter(|r| r.dst == dst).collect();
    assert_eq!(found.len(), 1, "{dst} in {routes:?}");
    found[0].clone()
}

#[test]
fn multipath_routes_round_trip_replace_to_one_hop_and_delete_by_prefix() {
    in_netns(|oif0| {
        let oif2 = second_link();
        let mut sock = RouteSocket::open().expect("socket");

        // Two gateways on two links, IPv4 and IPv6, hops given out of order.
        let ecmp4 = Route::multipath(
            TABLE,
            net("10.9.0.0/24".into()),
            vec![hop("10.255.1.2", oif2), hop("10.255.0.2", oif0)],
            PROTO_BGP,
        );
        let mut ecmp6 = Route::multipath(
            TABLE,
            net("2001:db8:9::/48".into()),
            vec![hop("2001:db8:fe::2", oif2), hop("2001:db8:ff::2", oif0)],
            PROTO_BGP,
        );
        ecmp6.metric = Some(IPV6_DEFAULT_METRIC);
        apply_ok(
            &mut sock,
            &[RouteOp::Add(ecmp4.clone()), RouteOp::Add(ecmp6.clone())],
        );
        let want: BTreeSet<Route> = [ecmp4.clone(), ecmp6.clone()].into();
        assert_eq!(dump(&mut sock), want);
        // The kernel agrees it is one route of two hops per family.
        let shown = ip("route show table 1234");
        assert_eq!(shown.matches("nexthop via").count(), 2, "{shown}");
        let shown = ip("-6 route show table 1234");
        assert_eq!(shown.matches("nexthop via").count(), 2, "{shown}");

        // Replace with one hop: RTA_GATEWAY/RTA_OIF again, the multipath route gone.
        let mut one4 = ecmp4.clone();
        one4.hops.truncate(1);
        let mut one6 = ecmp6.clone();
        one6.hops.truncate(1);
        apply_ok(
            &mut sock,
            &[
                RouteOp::Replace(one4.clone()),
                RouteOp::Replace(one6.clone()),
            ],
        );
        assert_eq!(dump(&mut sock), [one4.clone(), one6.clone()].into());
        // And back to two (IPv6 replaces a single route by a multipath one too).
        apply_ok(
            &mut sock,
            &[
                RouteOp::Replace(ecmp4.clone()),
                RouteOp::Replace(ecmp6.clone()),
            ],
        );
        assert_eq!(dump(&mut sock), want);

        // A delete sends no next hop: one naming hops the kernel does not have (a belief
        // gone stale), or none at all, still removes the whole multipath route.
        let mut stale = ecmp4.clone();
        stale.hops = vec![hop("10.255.0.77", oif0)];
        let bare6 = Route::multipath(TABLE, ecmp6.dst, vec![], PROTO_BGP);
        apply_ok(&mut sock, &[RouteOp::Delete(stale), RouteOp::Delete(bare6)]);
        assert!(dump(&mut sock).is_empty());

        // A multipath delete by another protocol matches nothing (ESRCH: success) and
        // leaves the route.
        apply_ok(&mut sock, &[RouteOp::Add(ecmp4.clone())]);
        let mut theirs = ecmp4.clone();
        theirs.protocol = PROTO_STATIC;
        apply_ok(&mut sock, &[RouteOp::Delete(theirs)]);
        assert_eq!(dump(&mut sock), [ecmp4].into());
    });
}

#[test]
fn ipv6_hops_come_back_sorted_and_resolved() {
    in_netns(|oif0| {
        let oif2 = second_link();
        let mut sock = RouteSocket::open().expect("socket");
        // Added by iproute2 in the opposite order: IPv6 dumps hops as they were added.
        ip("-6 route add 2001:db8:7::/48 table 1234 proto 211 \
            nexthop via 2001:db8:ff::2 dev lsys0 nexthop via 2001:db8:fe::2 dev lsys2");
        let shown = ip("-6 route show table 1234");
        let (a, b) = (shown.find("ff::2").unwrap(), shown.find("fe::2").unwrap());
        assert!(a < b, "kernel order: {shown}");
        let mut want = Route::multipath(
            TABLE,
            net("2001:db8:7::/48".into()),
            vec![hop("2001:db8:ff::2", oif0), hop("2001:db8:fe::2", oif2)],
            PROTO_BGP,
        );
        want.metric = Some(IPV6_DEFAULT_METRIC);
        let got = only(&dump(&mut sock), "2001:db8:7::/48");
        assert_eq!(got, want);

        // Gateways without devices and no metric: the kernel resolves the devices and sets
        // 1024; the dump is not `==` the request, but matches it.
        let loose = Route::multipath(
            TABLE,
            net("2001:db8:8::/48".into()),
            vec![
                Hop::via(addr("2001:db8:ff::2")),
                Hop::via(addr("2001:db8:fe::2")),
            ],
            PROTO_BGP,
        );
        let single = Route::via(
            TABLE,
            net("2001:db8:6::/48".into()),
            addr("2001:db8:fe::2"),
            PROTO_STATIC,
        );
        apply_ok(
            &mut sock,
            &[RouteOp::Add(loose.clone()), RouteOp::Add(single.clone())],
        );
        let routes = dump(&mut sock);
        for r in [&loose, &single] {
            let got = only(&routes, &r.dst.to_string());
            assert_ne!(&got, r);
            assert!(r.matches(&got), "{r} vs {got}");
        }
        assert_eq!(
            only(&routes, "2001:db8:6::/48").hops,
            [hop("2001:db8:fe::2", oif2)]
        );
    });
}

#[test]
fn reject_routes_round_trip_in_both_families() {
    in_netns(|_| {
        let mut sock = RouteSocket::open().expect("socket");
        let mut routes = vec![];
        for (dst, kind) in [
            ("10.5.0.0/16", RouteKind::Blackhole),
            ("10.6.0.0/16", RouteKind::Unreachable),
            ("10.7.0.0/16", RouteKind::Prohibit),
            ("2001:db8:5::/48", RouteKind::Blackhole),
            ("2001:db8:6::/48", RouteKind::Unreachable),
            ("2001:db8:7::/48", RouteKind::Prohibit),
        ] {
            let mut r = Route::reject(TABLE, net(dst.into()), kind, PROTO_STATIC);
            if r.dst.addr().is_ipv6() {
                r.metric = Some(IPV6_DEFAULT_METRIC);
            }
            routes.push(r);
        }
        apply_ok(&mut sock, &add_all(&routes));
        // IPv6 shows them "dev lo"; the write side reads them back without a hop.
        assert!(ip("-6 route show table 1234").contains("dev lo"));
        assert_eq!(dump(&mut sock), routes.iter().cloned().collect());
        let del: Vec<RouteOp> = routes.into_iter().map(RouteOp::Delete).collect();
        apply_ok(&mut sock, &del);
        assert!(dump(&mut sock).is_empty());
    });
}

/// The FIB's reconcile against a table holding foreign routes: applying the diff removes the
/// stale lsys route, installs the wanted ones, keeps every foreign route (including the one
/// in the slot of a wanted route: a conflict, not a replace), and a second diff writes nothing.
#[test]
fn reconcile_converges_and_leaves_foreign_routes_alone() {
    in_netns(|oif0| {
        let oif2 = second_link();
        let mut sock = RouteSocket::open().expect("socket");
        let ours = [PROTO_STATIC, PROTO_BGP];
        // Foreign: one at a prefix lsys wants at another metric, one in a wanted slot.
        ip("route add 10.7.0.0/24 via 10.255.0.9 proto static table 1234");
        ip("route add 10.8.0.0/24 via 10.255.0.9 proto static table 1234");
        ip("-6 route add 2001:db8:8::/48 via 2001:db8:ff::9 proto static table 1234");
        // lsys's, from an earlier run: one stale, one that will change.
        let stale = Route::via(TABLE, net("10.6.0.0/24".into()), addr("10.255.0.2"), 210);
        let old = Route::via(TABLE, net("10.5.0.0/24".into()), addr("10.255.0.2"), 210);
        apply_ok(
            &mut sock,
            &[RouteOp::Add(stale.clone()), RouteOp::Add(old.clone())],
        );
        let foreign: BTreeSet<Route> = dump(&mut sock)
            .into_iter()
            .filter(|r| !ours.contains(&r.protocol))
            .collect();
        assert_eq!(foreign.len(), 3);

        let gw = |s| Hop::via(addr(s));
        let mut beside = Route::via(TABLE, net("10.7.0.0/24".into()), addr("10.255.1.2"), 211);
        beside.metric = Some(10);
        let wanted = vec![
            Route::multipath(
                TABLE,
                net("10.5.0.0/24".into()),
                vec![gw("10.255.0.2"), gw("10.255.1.2")],
                PROTO_BGP,
            ),
            beside,
            Route::via(TABLE, net("10.8.0.0/24".into()), addr("10.255.1.2"), 210),
            Route::via(
                TABLE,
                net("2001:db8:8::/48".into()),
                addr("2001:db8:fe::2"),
                211,
            ),
            Route::multipath(
                TABLE,
                net("2001:db8:9::/48".into()),
                vec![gw("2001:db8:ff::2"), gw("2001:db8:fe::2")],
                PROTO_STATIC,
            ),
            Route::reject(TABLE, net("10.4.0.0/16".into()), RouteKind::Blackhole, 210),
        ];
        let actual: Vec<Route> = dump(&mut sock).into_iter().collect();
        let diff = reconcile_ops(&wanted, &actual, &ours);
        let conflicts: Vec<String> = diff.conflicts.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            conflicts,
            [
                "10.8.0.0/24 table 1234: a foreign route (protocol 4) holds this prefix",
                "2001:db8:8::/48 table 1234: a foreign route (protocol 4) holds this prefix",
            ]
        );
        assert_eq!(diff.ops[0], RouteOp::Delete(with_oif(&stale, oif0)));
        assert_eq!(diff.ops.len(), 1 + 4, "{:?}", diff.ops);
        apply_ok(&mut sock, &diff.ops);

        let after = dump(&mut sock);
        for f in &foreign {
            assert!(after.contains(f), "foreign {f} kept");
        }
        assert!(!after.iter().any(|r| r.dst == stale.dst), "stale gone");
        let mine: Vec<&Route> = after
            .iter()
            .filter(|r| ours.contains(&r.protocol))
            .collect();
        assert_eq!(mine.len(), 4, "{mine:?}");
        for w in wanted
            .iter()
            .filter(|w| !diff.conflicts.iter().any(|c| &c.wanted == *w))
        {
            assert!(mine.iter().any(|m| w.matches(m)), "{w} installed");
        }
        let ecmp = only(&after, "10.5.0.0/24");
        assert_eq!(
            ecmp.hops,
            [hop("10.255.0.2", oif0), hop("10.255.1.2", oif2)]
        );

        // Converged: zero writes; the conflicts stay reported.
        let again = reconcile_ops(&wanted, &after.into_iter().collect::<Vec<_>>(), &ours);
        assert!(again.ops.is_empty(), "{:?}", again.ops);
        assert_eq!(again.conflicts, diff.conflicts);
    });
}

/// `r` with its one hop's device filled in, as a dump reports it.
fn with_oif(r: &Route, oif: u32) -> Route {
    let mut r = r.clone();
    r.hops[0].oif = Some(oif);
    r
}

/// Interface-only hops (a static route `next-hop irb.300`): a single one is a device route of
/// scope link in either family; IPv4 mixes one with gateways in a multipath route, IPv6 does
/// not (the RIB never asks it to). Each reads back as the route sent, so a restart adopts it.
#[test]
fn device_hops_alone_and_mixed_with_gateways() {
    in_netns(|oif0| {
        let oif2 = second_link();
        let mut sock = RouteSocket::open().expect("socket");
        let dev4 = Route::dev(TABLE, net("10.30.0.0/16".into()), oif2, PROTO_STATIC);
        let mut dev6 = Route::dev(TABLE, net("2001:db8:30::/48".into()), oif2, PROTO_STATIC);
        dev6.metric = Some(IPV6_DEFAULT_METRIC);
        let mixed4 = Route::multipath(
            TABLE,
            net("10.31.0.0/16".into()),
            vec![hop("10.255.0.2", oif0), Hop::dev(oif2)],
            PROTO_STATIC,
        );
        apply_ok(
            &mut sock,
            &[
                RouteOp::Replace(dev4.clone()),
                RouteOp::Replace(dev6.clone()),
                RouteOp::Replace(mixed4.clone()),
            ],
        );
        assert_eq!(
            dump(&mut sock),
            [dev4.clone(), dev6.clone(), mixed4.clone()].into()
        );
        let shown = ip("route show table 1234");
        assert!(
            shown.contains("10.30.0.0/16 dev lsys2 proto 210 scope link"),
            "{shown}"
        );
        assert!(shown.contains("nexthop dev lsys2"), "{shown}");
        let shown = ip("-6 route show table 1234");
        assert!(
            shown.contains("2001:db8:30::/48 dev lsys2 proto 210"),
            "{shown}"
        );

        // IPv6 takes no device-only hop in a multipath route.
        let mut mixed6 = Route::multipath(
            TABLE,
            net("2001:db8:31::/48".into()),
            vec![hop("2001:db8:ff::2", oif0), Hop::dev(oif2)],
            PROTO_STATIC,
        );
        mixed6.metric = Some(IPV6_DEFAULT_METRIC);
        let res = sock.apply(&[RouteOp::Replace(mixed6)]);
        assert!(res[0].is_err(), "{res:?}");

        // Back to a gateway, then gone: replace and delete act on device routes as on others.
        let gw4 = Route::multipath(TABLE, dev4.dst, vec![hop("10.255.0.2", oif0)], PROTO_STATIC);
        apply_ok(
            &mut sock,
            &[
                RouteOp::Replace(gw4.clone()),
                RouteOp::Delete(dev6),
                RouteOp::Delete(mixed4),
            ],
        );
        assert_eq!(dump(&mut sock), [gw4].into());
    });
}
