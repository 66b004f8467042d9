//! fib-bench: a full table into the kernel four ways, from an empty table each time: `ip -batch`,
//! a minimal packed writer (the floor, `lsys_bench::packed`), lsys-netlink's batched socket
//! with prebuilt ops, and the FIB path as lsysd runs it (lsys-fib's `Rib` → lsysd's
//! `KernelFib`, 4,096 ops per slice, `fib_result` for each).
//!
//! Runs in a network namespace of its own (a thread that unshares it; the kernel removes it
//! with everything in it when the thread ends), with a veth pair as the next hop's link, as
//! route-bench does: N distinct IPv4 /24s from 11.0.0.0 up via 10.255.0.2 into table 1234,
//! protocol 210. After each mode a dump counts the routes; the table is flushed between modes.
//! Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).
//!
//! Run: `cargo run --release -p lsys-bench --bin fib-bench [-- --quick | --routes N] [--rounds R]`
//! (default 1,000,000 routes and 1 round; `--quick` 100,000 routes and 3 rounds; each figure
//! is the median of R rounds). Prints `figure: ...` lines: wall time and routes/s per mode,
//! the FIB path against the packed writer and `ip -batch` (goal: FIB path ≥ 0.8 of packed),
//! where the FIB path's time goes, and the RIB's resident memory per route.

use std::collections::VecDeque;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use ipnet::{IpNet, Ipv4Net};
use lsys_bench::packed::{self, Packed};
use lsys_fib::rib::Rib;
use lsys_fib::{
    Connected, FibAction, FibOp, FibRoute, Hop, Protocol, StaticConfig, StaticTarget, TableConfig,
};
use lsys_netlink::batch::{RouteOp, RouteSocket};
use lsysd::routing::fib::{to_kernel, Fib, KernelFib};

const TABLE: u32 = 1234;
const PROTO: u8 = 210;
const DEV: &str = "lsys0";
const GATEWAY: Ipv4Addr = Ipv4Addr::new(10, 255, 0, 2);
/// Kernel writes per slice, as lsysd's RIB actor does.
const SLICE: usize = 4096;
const KEY: &str = "bench";

fn ip(args: &str) -> anyhow::Result<String> {
    let out = Command::new("ip")
        .args(args.split_whitespace())
        .output()
        .context("running ip")?;
    if !out.status.success() {
        bail!("ip {args}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `n` distinct /24s from 11.0.0.0 up.
fn prefixes(n: u32) -> Vec<Ipv4Net> {
    (0..n)
        .map(|i| {
            let a = Ipv4Addr::new(
                (11 + i / 65536) as u8,
                (i / 256 % 256) as u8,
                (i % 256) as u8,
                0,
            );
            Ipv4Net::new(a, 24).expect("prefix length 24")
        })
        .collect()
}

fn cpu(who: nix::sys::resource::UsageWho) -> Duration {
    nix::sys::resource::getrusage(who).map_or(Duration::ZERO, |u| {
        let d = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
        };
        d(u.user_time()) + d(u.system_time())
    })
}

fn thread_cpu() -> Duration {
    cpu(nix::sys::resource::UsageWho::RUSAGE_THREAD)
}

/// Resident bytes of this process (`/proc/self/statm`, second field, in pages).
fn rss_bytes() -> u64 {
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .map_or(4096, |p| p as u64);
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * page)
}

/// The index of `dev` in this thread's namespace (`/sys` shows the mounting process's).
fn ifindex(dev: &str) -> anyhow::Result<u32> {
    let out = ip(&format!("-o link show dev {dev}"))?;
    out.split(':')
        .next()
        .and_then(|i| i.trim().parse().ok())
        .with_context(|| format!("no ifindex in: {out}"))
}

/// One mode's figures in one round.
#[derive(Debug, Clone, Copy, Default)]
struct Pass {
    wall: Duration,
    cpu: Duration,
}

/// The FIB path's parts in one round.
#[derive(Debug, Clone, Copy, Default)]
struct FibPass {
    /// configure + process.
    rib: Duration,
    /// Queue, drain and the partition clone of the actor, per slice.
    actor: Duration,
    /// `KernelFib::write` (FibOp → RouteOp, encode, sendmsg, acks).
    write: Duration,
    /// `Rib::fib_result` for each op.
    results: Duration,
    /// From configure to the last result.
    total: Duration,
    /// FibOp → RouteOp for every op (lsysd's `to_kernel`), measured apart: the part of
    /// `write` that is conversion (not included in `total`).
    convert: Duration,
    cpu: Duration,
}

/// Memory of one FIB-path round, in bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    before_config: u64,
    before_rib: u64,
    with_ops: u64,
    after: u64,
}

/// The median of one field over the rounds.
fn median<T>(v: &[T], field: impl Fn(&T) -> Duration) -> Duration {
    let mut d: Vec<Duration> = v.iter().map(field).collect();
    d.sort();
    d[d.len() / 2]
}

/// Each field's median over the rounds.
fn median_pass(v: &[Pass]) -> Pass {
    Pass {
        wall: median(v, |p| p.wall),
        cpu: median(v, |p| p.cpu),
    }
}

struct Bench {
    n: usize,
    dsts: Vec<Ipv4Net>,
    oif: u32,
    counter: Packed,
}

impl Bench {
    fn flush(&mut self) -> anyhow::Result<()> {
        // (`ip route flush` fails on a table the kernel has not created yet.)
        if self.counter.count(TABLE, PROTO)? > 0 {
            ip(&format!("route flush table {TABLE}"))?;
        }
        let left = self.counter.count(TABLE, PROTO)?;
        ensure!(
            left == 0,
            "table {TABLE} still holds {left} routes after a flush"
        );
        // A flush leaves the kernel RCU callbacks to run (trie nodes, fib_info): let them run
        // now rather than inside the next mode's measurement.
        std::thread::sleep(Duration::from_secs_f64(
            (self.n as f64 / 500_000.0).max(0.5),
        ));
        Ok(())
    }

    fn verify(&mut self, mode: &str) -> anyhow::Result<()> {
        let found = self.counter.count(TABLE, PROTO)?;
        ensure!(
            found == self.n,
            "{mode}: the dump found {found} routes, expected {}",
            self.n
        );
        Ok(())
    }

    fn ip_batch(&mut self, file: &std::path::Path) -> anyhow::Result<Pass> {
        self.flush()?;
        let children = cpu(nix::sys::resource::UsageWho::RUSAGE_CHILDREN);
        let t = Instant::now();
        let out = Command::new("ip")
            .arg("-batch")
            .arg(file)
            .output()
            .context("running ip -batch")?;
        let wall = t.elapsed();
        if !out.status.success() {
            bail!("ip -batch: {}", String::from_utf8_lossy(&out.stderr));
        }
        let cpu = cpu(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).saturating_sub(children);
        self.verify("ip -batch")?;
        Ok(Pass { wall, cpu })
    }

    fn packed(&mut self) -> anyhow::Result<Pass> {
        self.flush()?;
        let mut sock = Packed::open().context("packed socket")?;
        let c = thread_cpu();
        let t = Instant::now();
        let stats = sock.write(TABLE, &self.dsts, GATEWAY, self.oif, PROTO)?;
        let wall = t.elapsed();
        let cpu = thread_cpu().saturating_sub(c);
        ensure!(
            stats.errors == 0,
            "packed: {} errors, first errno {:?}",
            stats.errors,
            stats.first_errno
        );
        self.verify("packed")?;
        Ok(Pass { wall, cpu })
    }

    /// lsys-netlink's `RouteSocket::apply` with the ops already built (lsysd's `to_kernel`,
    /// untimed), in slices of 4,096: the FIB path's socket without the RIB and the conversion.
    fn netlink(&mut self) -> anyhow::Result<Pass> {
        self.flush()?;
        let built: Vec<RouteOp> = self
            .dsts
            .iter()
            .map(|d| {
                RouteOp::Replace(to_kernel(&FibRoute {
                    kernel_table: TABLE,
                    prefix: IpNet::V4(*d),
                    protocol: Protocol::Static,
                    action: FibAction::Forward(vec![Hop {
                        gateway: Some(IpAddr::V4(GATEWAY)),
                        ifname: DEV.into(),
                        ifindex: self.oif,
                    }]),
                }))
            })
            .collect();
        let mut sock = RouteSocket::open()?;
        let c = thread_cpu();
        let t = Instant::now();
        let mut errors = 0;
        for slice in built.chunks(SLICE) {
            errors += sock.apply(slice).iter().filter(|r| r.is_err()).count();
        }
        let wall = t.elapsed();
        let cpu = thread_cpu().saturating_sub(c);
        ensure!(errors == 0, "lsys-netlink: {errors} errors");
        self.verify("lsys-netlink")?;
        Ok(Pass { wall, cpu })
    }

    /// The FIB path as lsysd runs it: its RIB actor (`lsysd::routing::RibHandle`, the
    /// "lsys-rib" thread selecting slices while "lsys-fib" writes the previous ones) given
    /// the table by `configure`, timed until every route is answered by the kernel. Process
    /// CPU time (both threads).
    fn lsysd_actor(&mut self) -> anyhow::Result<Pass> {
        use lsys_netlink::live::{LiveLink, LiveState};
        self.flush()?;
        let fib = KernelFib::open().map_err(anyhow::Error::msg)?;
        // The link state the kernel watcher would report: the veth in the table's VRF.
        let mut state = LiveState::default();
        state.insert(LiveLink::new(u32::MAX - 1, &format!("vrf{TABLE}"), "vrf"));
        let mut veth = LiveLink::new(self.oif, DEV, "veth");
        veth.master = Some(u32::MAX - 1);
        veth.admin_up = true;
        veth.oper_up = true;
        veth.addresses = vec!["10.255.0.1/24".parse().expect("literal")];
        state.insert(veth);
        let live = lsys_netlink::live::shared();
        live.write()
            .map_err(|_| anyhow::anyhow!("live lock"))?
            .state = state.clone();
        let rib = lsysd::routing::RibHandle::start(
            Box::new(fib),
            live,
            Box::new(move || Ok(state.clone())),
            None,
        )?;
        rib.reconcile().map_err(anyhow::Error::msg)?;
        let config = self.table_config();
        let c = cpu(nix::sys::resource::UsageWho::RUSAGE_SELF);
        let t = Instant::now();
        rib.configure(vec![(KEY.to_string(), Some(config))])?;
        let n = self.n as u64;
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let (writes, refused, left) =
                rib.query(|_, st| (st.writes, st.refused, st.queued > 0 || st.selecting))?;
            ensure!(refused == 0, "the kernel refused {refused} routes");
            if writes >= n && !left {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "the actor wrote {writes} of {n} routes"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let wall = t.elapsed();
        let cpu = cpu(nix::sys::resource::UsageWho::RUSAGE_SELF).saturating_sub(c);
        drop(rib);
        self.verify("lsysd RIB actor")?;
        Ok(Pass { wall, cpu })
    }

    /// The benchmark's table: N statics via the gateway.
    fn table_config(&self) -> TableConfig {
        let gw = IpAddr::V4(GATEWAY);
        TableConfig {
            name: KEY.into(),
            kernel_table: TABLE,
            statics: self
                .dsts
                .iter()
                .map(|d| StaticConfig {
                    prefix: IpNet::V4(*d),
                    preference: None,
                    target: StaticTarget::NextHops(vec![gw.into()]),
                    qualified: vec![],
                })
                .collect(),
            multipath: false,
            max_prefixes: None,
        }
    }

    /// The FIB path: its figures and its memory.
    fn fib_path(&mut self) -> anyhow::Result<(FibPass, Memory)> {
        self.flush()?;
        let mut fib = KernelFib::open().map_err(anyhow::Error::msg)?;
        let now = 1_700_000_000;
        let mut mem = Memory {
            before_config: rss_bytes(),
            ..Memory::default()
        };
        let config = self.table_config();
        mem.before_rib = rss_bytes();
        let mut rib = Rib::new();
        let veth = Connected {
            ifname: DEV.into(),
            ifindex: self.oif,
            up: true,
            addresses: vec!["10.255.0.1/24".parse().expect("literal")],
        };
        rib.set_connected(KEY, vec![veth], now);
        let connected = rib.process(now);
        ensure!(connected.fib.is_empty(), "connected routes gave FIB ops");

        let mut p = FibPass::default();
        let c = thread_cpu();
        let start = Instant::now();
        rib.configure(KEY, config, now);
        let processed = rib.process(now);
        p.rib = start.elapsed();
        ensure!(
            processed.fib.len() == self.n,
            "process gave {} FIB ops for {} statics",
            processed.fib.len(),
            self.n
        );
        mem.with_ops = rss_bytes();
        // Not part of the path: what KernelFib::write's FibOp → RouteOp conversion costs.
        let (cw, cc) = (Instant::now(), thread_cpu());
        let converted: Vec<RouteOp> = processed
            .fib
            .iter()
            .map(|op| RouteOp::Replace(to_kernel(op.route())))
            .collect();
        drop(converted);
        p.convert = cw.elapsed();
        let convert_cpu = thread_cpu().saturating_sub(cc);
        // The actor: queue.extend(p.fib); per slice, drain 4,096 and partition (a clone).
        let t = Instant::now();
        let mut queue: VecDeque<FibOp> = VecDeque::new();
        queue.extend(processed.fib);
        p.actor += t.elapsed();
        let mut refused = 0;
        while !queue.is_empty() {
            let t = Instant::now();
            let n = queue.len().min(SLICE);
            let slice: Vec<FibOp> = queue.drain(..n).collect();
            let (real, none): (Vec<FibOp>, Vec<FibOp>) = slice
                .iter()
                .cloned()
                .partition(|op| op.route().kernel_table != 0);
            ensure!(none.is_empty(), "ops without a kernel table");
            p.actor += t.elapsed();
            let t = Instant::now();
            let results = fib.write(&real);
            p.write += t.elapsed();
            let t = Instant::now();
            for (op, r) in real.iter().zip(results) {
                refused += usize::from(r.is_err());
                rib.fib_result(op, r);
            }
            p.results += t.elapsed();
        }
        p.total = start.elapsed().saturating_sub(p.convert);
        p.cpu = thread_cpu().saturating_sub(c).saturating_sub(convert_cpu);
        drop(queue);
        mem.after = rss_bytes();
        ensure!(refused == 0, "the kernel refused {refused} routes");
        self.verify("FIB path")?;
        drop(rib);
        Ok((p, mem))
    }
}

fn per_s(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
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
    let oif = ifindex(DEV)?;
    let dsts = prefixes(n);
    let mut file = tempfile::NamedTempFile::new().context("batch file")?;
    {
        let mut w = std::io::BufWriter::new(file.as_file_mut());
        for d in &dsts {
            writeln!(w, "route add {d} via {GATEWAY} table {TABLE} proto {PROTO}")?;
        }
        w.flush()?;
    }
    let mut b = Bench {
        n: dsts.len(),
        dsts,
        oif,
        counter: Packed::open().context("dump socket")?,
    };
    println!(
        "fib-bench: {n} IPv4 /24 routes via {GATEWAY} ({DEV}, a veth) into table {TABLE}, own netns; \
         median of {rounds} rounds; packed writer: {} messages per sendmsg, rcvbuf {} KiB",
        packed::BATCH,
        Packed::open()?.rcvbuf()? / 1024
    );

    // A warm-up install (untimed): the first mode measured should not be the one that grows
    // the kernel's slab caches.
    b.packed()?;
    let (mut ipb, mut pk, mut nl, mut fp, mut la) = (vec![], vec![], vec![], vec![], vec![]);
    let mut memory = None;
    for round in 0..rounds {
        // The FIB path first: the first round's memory is that of a fresh process.
        let (f, m) = b.fib_path()?;
        memory.get_or_insert(m);
        fp.push(f);
        la.push(b.lsysd_actor()?);
        nl.push(b.netlink()?);
        pk.push(b.packed()?);
        ipb.push(b.ip_batch(file.path())?);
        eprintln!(
            "round {}: ip -batch {:.3} s, packed {:.3} s, lsys-netlink {:.3} s, FIB path {:.3} s, \
             lsysd RIB actor {:.3} s",
            round + 1,
            ipb[round].wall.as_secs_f64(),
            pk[round].wall.as_secs_f64(),
            nl[round].wall.as_secs_f64(),
            fp[round].total.as_secs_f64(),
            la[round].wall.as_secs_f64()
        );
    }
    b.flush()?;
    let n = b.n;
    let ipb = median_pass(&ipb);
    let pk = median_pass(&pk);
    let nl = median_pass(&nl);
    let la = median_pass(&la);
    let f = FibPass {
        rib: median(&fp, |p| p.rib),
        actor: median(&fp, |p| p.actor),
        write: median(&fp, |p| p.write),
        results: median(&fp, |p| p.results),
        total: median(&fp, |p| p.total),
        convert: median(&fp, |p| p.convert),
        cpu: median(&fp, |p| p.cpu),
    };
    let mode = |name: &str, p: Pass| {
        println!(
            "figure: {name}: {:.3} s wall, {:.0} routes/s (cpu {:.3} s)",
            p.wall.as_secs_f64(),
            per_s(n, p.wall),
            p.cpu.as_secs_f64()
        );
    };
    mode("ip -batch", ipb);
    mode(
        &format!("packed writer ({} per sendmsg, acks each)", packed::BATCH),
        pk,
    );
    mode("lsys-netlink RouteSocket::apply, prebuilt ops", nl);
    mode(
        "lsysd RIB actor (configure → every route answered; RIB and writer threads overlap; \
         cpu of both)",
        la,
    );
    println!(
        "figure: FIB path (Rib + KernelFib): {:.3} s total, {:.0} routes/s (cpu {:.3} s); \
         RIB configure+process {:.3} s, actor queue/clone {:.3} s, KernelFib::write {:.3} s \
         (of which FibOp → RouteOp ≈ {:.3} s, measured apart), fib_result {:.3} s",
        f.total.as_secs_f64(),
        per_s(n, f.total),
        f.cpu.as_secs_f64(),
        f.rib.as_secs_f64(),
        f.actor.as_secs_f64(),
        f.write.as_secs_f64(),
        f.convert.as_secs_f64(),
        f.results.as_secs_f64()
    );
    println!(
        "figure: FIB path write part only (actor + write + fib_result): {:.3} s, {:.0} routes/s",
        (f.actor + f.write + f.results).as_secs_f64(),
        per_s(n, f.actor + f.write + f.results)
    );
    // Ratios of routes/s: time of the reference over time of the measured.
    let ratio = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64();
    println!(
        "figure: wall: lsysd RIB actor / packed = {:.2} (goal ≥ 0.8), lsysd RIB actor / ip -batch = {:.2} \
         (routes/s ratios: the FIB path as lsysd runs it)",
        ratio(la.wall, pk.wall),
        ratio(la.wall, ipb.wall)
    );
    println!(
        "figure: wall: FIB path, one thread / packed = {:.2}, FIB path / ip -batch = {:.2}, \
         lsys-netlink / packed = {:.2} (routes/s ratios)",
        ratio(f.total, pk.wall),
        ratio(f.total, ipb.wall),
        ratio(nl.wall, pk.wall)
    );
    println!(
        "figure: cpu: FIB path / packed = {:.2}, FIB path / ip -batch = {:.2}, \
         lsys-netlink / packed = {:.2} (the same on CPU time: steadier on a busy machine)",
        ratio(f.cpu, pk.cpu),
        ratio(f.cpu, ipb.cpu),
        ratio(nl.cpu, pk.cpu)
    );
    if let Some(m) = memory {
        let per = |a: u64, b: u64| b.saturating_sub(a) as f64 / n as f64;
        println!(
            "figure: RIB resident memory per route: {:.0} B (RSS growth from before the table's \
             TableConfig was built to after configure+process+fib_result, the config consumed \
             and the ops dropped); {:.0} B while the ops vector is held; the TableConfig alone \
             {:.0} B per route",
            per(m.before_config, m.after),
            per(m.before_config, m.with_ops),
            per(m.before_config, m.before_rib)
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let mut n: u32 = if quick { 100_000 } else { 1_000_000 };
    if let Some(i) = args.iter().position(|a| a == "--routes") {
        n = args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .context("--routes N")?;
    }
    ensure!((1..=16_000_000).contains(&n), "--routes: 1 to 16,000,000");
    let rounds = match args.iter().position(|a| a == "--rounds") {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .context("--rounds N")?,
        None if n <= 100_000 => 3,
        None => 1,
    };
    ensure!(rounds >= 1, "--rounds: at least 1");
    // The namespace belongs to this thread only; it dies with it.
    std::thread::spawn(move || bench(n, rounds))
        .join()
        .map_err(|_| anyhow::anyhow!("bench thread panicked"))?
}
