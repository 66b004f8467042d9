//! route-bench: installing and removing a full table through lsys-netlink's batched route path,
//! against one netlink request per route (same code, chunks of one message).
//!
//! Runs in a network namespace of its own (a thread that unshares it; the kernel removes it with
//! everything in it when the thread ends) with a veth pair as the next hop's link: N IPv4 /24
//! routes via a gateway into table 1234, then a dump, then deletes. Prints wall time, routes/s,
//! `sendmsg` and `recvmsg` counts per mode. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).
//!
//! Run: `cargo run --release -p lsys-bench --bin route-bench [-- --quick | --routes N] [--rounds R]`
//! (default 100,000 routes, `--quick` 10,000; each figure is the median of R rounds, default 3).

use std::net::IpAddr;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, ensure, Context};
use lsys_bench::measure::{ms, once};
use lsys_netlink::batch::{
    Acks, Config, Counters, Limits, OpError, Route, RouteOp, RouteSocket, PROTO_STATIC,
};

const TABLE: u32 = 1234;

fn ip(args: &str) -> anyhow::Result<()> {
    let out = Command::new("ip")
        .args(args.split_whitespace())
        .output()
        .context("running ip")?;
    if !out.status.success() {
        bail!("ip {args}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// `n` distinct /24s from 11.0.0.0 up, via 10.255.0.2.
fn routes(n: u32) -> Vec<Route> {
    let gw: IpAddr = "10.255.0.2".parse().expect("literal");
    (0..n)
        .map(|i| {
            let dst = format!("{}.{}.{}.0/24", 11 + i / 65536, (i / 256) % 256, i % 256);
            Route::via(
                TABLE,
                dst.parse().expect("generated prefix"),
                gw,
                PROTO_STATIC,
            )
        })
        .collect()
}

/// The figures of one pass.
#[derive(Clone, Copy)]
struct Pass {
    wall: Duration,
    /// CPU time of this thread, user + system: the kernel's route work runs inside our
    /// sendmsg, so this is what the pass cost, even on a machine busy with other work.
    cpu: Duration,
    counters: Counters,
}

fn cpu_now() -> Duration {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_THREAD).map_or(Duration::ZERO, |u| {
        let us = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
        };
        us(u.user_time()) + us(u.system_time())
    })
}

/// Times `f`, wall and CPU.
fn timed<T>(f: impl FnOnce() -> T) -> (Duration, Duration, T) {
    let cpu = cpu_now();
    let (wall, out) = once(f);
    (wall, cpu_now().saturating_sub(cpu), out)
}

/// One pass of `ops`; fails on the first op error.
fn run(sock: &mut RouteSocket, ops: &[RouteOp]) -> anyhow::Result<Pass> {
    let before = sock.counters;
    let (wall, cpu, res) = timed(|| sock.apply(ops));
    if let Some(e) = res.into_iter().find_map(Result::err) {
        return Err(anyhow::Error::new::<OpError>(e));
    }
    let after = sock.counters;
    Ok(Pass {
        wall,
        cpu,
        counters: Counters {
            sendmsgs: after.sendmsgs - before.sendmsgs,
            messages: after.messages - before.messages,
            recvs: after.recvs - before.recvs,
            answers: after.answers - before.answers,
            bytes_sent: after.bytes_sent - before.bytes_sent,
        },
    })
}

/// The median pass of `v` by wall time, and the median CPU time.
fn median(mut v: Vec<Pass>) -> Pass {
    let mut cpu: Vec<Duration> = v.iter().map(|p| p.cpu).collect();
    cpu.sort();
    v.sort_by_key(|p| p.wall);
    Pass {
        cpu: cpu[cpu.len() / 2],
        ..v[v.len() / 2]
    }
}

fn row(what: &str, n: usize, p: Pass) {
    let c = p.counters;
    println!(
        "  {what:<6} wall {:>12} {:>8.0} routes/s  cpu {:>12} {:>8.0} routes/s  \
         {:>6} sendmsg {:>6} recv calls",
        ms(p.wall),
        n as f64 / p.wall.as_secs_f64(),
        ms(p.cpu),
        n as f64 / p.cpu.as_secs_f64(),
        c.sendmsgs,
        c.recvs,
    );
}

fn bench(n: u32, rounds: usize) -> anyhow::Result<()> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
        .context("unshare(CLONE_NEWNET): run as root")?;
    for cmd in [
        "link set lo up",
        "link add lsys0 type veth peer name lsys1",
        "link set lsys0 up",
        "link set lsys1 up",
        "addr add 10.255.0.1/24 dev lsys0",
    ] {
        ip(cmd)?;
    }
    let table = routes(n);
    let add: Vec<RouteOp> = table.iter().cloned().map(RouteOp::Add).collect();
    let del: Vec<RouteOp> = table.iter().cloned().map(RouteOp::Delete).collect();
    println!(
        "route-bench: {n} IPv4 routes via a veth gateway into table {TABLE}, own netns; \
         median of {rounds} rounds"
    );

    let modes = [
        ("batched, NLM_F_ACK on every route", Acks::Each, None),
        ("batched, acks for errors + 1/chunk", Acks::Errors, None),
        ("one request per route", Acks::Each, Some(1)),
    ];
    for (name, acks, per_chunk) in modes {
        let config = Config {
            acks,
            ..Config::default()
        };
        let mut sock = RouteSocket::with_config(config)?;
        if let Some(m) = per_chunk {
            sock.set_limits(Limits {
                messages: m,
                ..sock.limits()
            });
        }
        let l = sock.limits();
        println!(
            "{name} (chunks ≤ {} KiB, ≤ {} messages):",
            l.bytes / 1024,
            l.messages
        );
        let mut adds = vec![];
        let mut dumps = vec![];
        let mut dels = vec![];
        for _ in 0..rounds.max(1) {
            adds.push(run(&mut sock, &add)?);
            let before = sock.counters;
            let (wall, cpu, dumped) = timed(|| sock.routes(TABLE));
            let dumped = dumped?.len();
            ensure!(dumped == table.len(), "dump found {dumped} routes");
            let mut counters = sock.counters;
            counters.sendmsgs -= before.sendmsgs;
            counters.recvs -= before.recvs;
            dumps.push(Pass {
                wall,
                cpu,
                counters,
            });
            dels.push(run(&mut sock, &del)?);
        }
        row("add", add.len(), median(adds));
        row("dump", table.len(), median(dumps));
        row("delete", del.len(), median(dels));
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let mut n = if args.iter().any(|a| a == "--quick") {
        10_000
    } else {
        100_000
    };
    if let Some(i) = args.iter().position(|a| a == "--routes") {
        n = args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .context("--routes N")?;
    }
    let rounds = match args.iter().position(|a| a == "--rounds") {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .context("--rounds N")?,
        None => 3,
    };
    // The namespace belongs to this thread only; it dies with it.
    std::thread::spawn(move || bench(n, rounds))
        .join()
        .map_err(|_| anyhow::anyhow!("bench thread panicked"))?
}
