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
    Acks, Config, Failure, Limits, Route, RouteKind, RouteOp, RouteSocket, PROTO_BGP, PROTO_STATIC,
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
                r.oif = Some(oif);
                r
            }
        })
        .collect();
    routes.extend((0..n6).map(|i| {
        let mut r = Route::via(TABLE, net(format!("2001:db8:{i:x}::/48")), gw6, PROTO_BGP);
        r.oif = Some(oif);
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
