//! Resident memory of the RIB per static route: N distinct IPv4 /24s from 11.0.0.0 up, one
//! next hop each (10.255.0.2 over one interface), configured in one commit, processed, every
//! op acknowledged — the shape fib-bench uses. Then the same for N BGP routes in a third
//! table, given as the speaker gives them (batches of 4,096, attribute sets shared: 1,000
//! distinct `Arc<BgpInfo>`s).
//!
//! Run: `cargo run --release -p lsys-fib --example rib_mem [-- N]` (default 1,000,000).
//!
//! Prints the live heap bytes each table added (exact, counted by the allocator: what the
//! RIB's structures hold, whatever the allocator keeps around them), and two figures of
//! resident memory (`/proc/self/smaps_rollup`):
//! - `first table`: RSS growth of the whole run for one table, divided by N. It includes what
//!   the allocator keeps after the commit's transients are freed (the caller's `TableConfig`,
//!   the ops), so it is an upper bound;
//! - `second table`: the same again for a second table once the allocator holds those freed
//!   transients: close to what the RIB itself keeps per route;
//! - `BGP table`: the same for the BGP routes (measured after both static tables, so on the
//!   same footing as `second table`), the shared infos included.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Instant;

use ipnet::{IpNet, Ipv4Net};

/// Counts live heap bytes (peak_alloc: a counting wrapper of the system allocator, so this
/// example needs no unsafe code of its own).
#[global_allocator]
static ALLOCATOR: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;
use lsys_fib::rib::Rib;
use lsys_fib::view::Query;
use lsys_fib::{BgpInfo, BgpRoute, Connected, Family, StaticConfig, StaticTarget, TableConfig};

/// A field of `/proc/self/status` in bytes (`VmRSS`, `VmHWM`).
fn status_bytes(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| {
            let rest = l.strip_prefix(field)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// Resident bytes, counted by walking the page tables (`/proc/self/smaps_rollup`); VmRSS in
/// `/proc/self/status` and `statm` are per-CPU counters that may lag behind.
fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    s.lines()
        .find_map(|l| {
            let rest = l.strip_prefix("Rss:")?;
            rest.split_whitespace().next()?.parse::<u64>().ok()
        })
        .map_or_else(|| status_bytes("VmRSS"), |kb| kb * 1024)
}

/// The i-th /24 from 11.0.0.0 up.
fn prefix(i: u32) -> IpNet {
    let a = Ipv4Addr::new(
        (11 + i / 65536) as u8,
        (i / 256 % 256) as u8,
        (i % 256) as u8,
        0,
    );
    IpNet::V4(Ipv4Net::new(a, 24).unwrap_or_default())
}

const GATEWAY: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 255, 0, 2));

fn config(n: u32, kernel_table: u32) -> TableConfig {
    let gateway = GATEWAY;
    let statics = (0..n)
        .map(|i| StaticConfig {
            prefix: prefix(i),
            preference: None,
            target: StaticTarget::NextHops(vec![gateway.into()]),
            qualified: Vec::new(),
        })
        .collect();
    TableConfig {
        name: format!("T{kernel_table}"),
        kernel_table,
        statics,
        multipath: false,
        max_prefixes: None,
    }
}

fn link() -> Connected {
    Connected {
        ifname: "lsys0".into(),
        ifindex: 7,
        up: true,
        addresses: vec!["10.255.0.1/24".parse().unwrap_or_default()],
    }
}

/// What a table added: resident bytes, live heap bytes.
struct Grown {
    rss: u64,
    heap: usize,
}

/// Configures, processes and acknowledges one table of `n` statics.
fn table(rib: &mut Rib, key: &str, n: u32, kernel_table: u32) -> Grown {
    let before = rss();
    let heap = ALLOCATOR.current_usage();
    rib.set_connected(key, vec![link()], 0);
    let c = config(n, kernel_table);
    let t = Instant::now();
    rib.configure(key, c, 0);
    let configure = t.elapsed();
    let t = Instant::now();
    let p = rib.process(0);
    let process = t.elapsed();
    let ops = p.fib.len();
    let t = Instant::now();
    for op in &p.fib {
        rib.fib_result(op, Ok(()));
    }
    let results = t.elapsed();
    drop(p);
    let grown = Grown {
        rss: rss().saturating_sub(before),
        heap: ALLOCATOR.current_usage().saturating_sub(heap),
    };
    let v = rib.view(key, Family::Inet, &Query::default());
    println!(
        "{key}: {n} statics, {ops} ops, {} routes in view; configure {:.0} ms, process {:.0} ms, fib_result {:.0} ms",
        v.map_or(0, |v| v.routes),
        configure.as_secs_f64() * 1e3,
        process.as_secs_f64() * 1e3,
        results.as_secs_f64() * 1e3,
    );
    grown
}

/// Attribute sets the BGP routes share.
const INFOS: u32 = 1000;
/// Routes per `set_bgp` call, as the speaker sends them.
const BATCH: u32 = 4096;

/// A table of `n` BGP routes given in batches, processed in slices as the daemon does, every
/// op acknowledged (the shared infos are dropped by the caller's side: only the RIB holds
/// them).
fn bgp_table(rib: &mut Rib, key: &str, n: u32, kernel_table: u32) -> Grown {
    let before = rss();
    let heap = ALLOCATOR.current_usage();
    let infos: Vec<Arc<BgpInfo>> = (0..INFOS)
        .map(|i| {
            Arc::new(BgpInfo {
                as_path: format!("12076 {} I", 64512 + i),
                local_pref: Some(100),
                med: None,
                from: GATEWAY,
                peer_as: 12076,
                local_as: Some(65000),
                router_id: Some(Ipv4Addr::new(10, 255, 0, 2)),
                communities: vec!["12076:51004".into()],
                internal: false,
            })
        })
        .collect();
    rib.configure(
        key,
        TableConfig {
            name: format!("T{kernel_table}"),
            kernel_table,
            ..TableConfig::default()
        },
        0,
    );
    rib.set_connected(key, vec![link()], 0);
    let t = Instant::now();
    let mut ops = 0;
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let routes = (start..end)
            .map(|i| {
                let r = BgpRoute {
                    next_hops: vec![GATEWAY],
                    preference: 170,
                    info: infos[(i % INFOS) as usize].clone(),
                };
                (prefix(i), Some(r))
            })
            .collect();
        rib.set_bgp(key, Family::Inet, routes, 0);
        while rib.pending() {
            let p = rib.process_some(0, BATCH as usize);
            ops += p.fib.len();
            for op in &p.fib {
                rib.fib_result(op, Ok(()));
            }
        }
        start = end;
    }
    let elapsed = t.elapsed();
    drop(infos);
    let grown = Grown {
        rss: rss().saturating_sub(before),
        heap: ALLOCATOR.current_usage().saturating_sub(heap),
    };
    let v = rib.view(key, Family::Inet, &Query::default());
    println!(
        "{key}: {n} BGP routes ({INFOS} shared attribute sets), {ops} ops, {} routes in view; set_bgp + process + fib_result {:.0} ms",
        v.map_or(0, |v| v.routes),
        elapsed.as_secs_f64() * 1e3,
    );
    grown
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.replace(['_', ','], "").parse().ok())
        .unwrap_or(1_000_000);
    let mut rib = Rib::new();
    let first = table(&mut rib, "first", n, 1234);
    let second = table(&mut rib, "second", n, 1235);
    // Two BGP tables too: the first may reuse memory the static tables' transients freed.
    let bgp1 = bgp_table(&mut rib, "bgp1", n, 1236);
    let bgp2 = bgp_table(&mut rib, "bgp2", n, 1237);
    let per = |b: u64| b as f64 / f64::from(n.max(1));
    let heap = |g: &Grown| g.heap as f64 / f64::from(n.max(1));
    println!(
        "figure: rib resident bytes per static route: first table {:.0} (upper bound), second table {:.0}",
        per(first.rss),
        per(second.rss)
    );
    println!(
        "figure: rib resident bytes per BGP route: first table {:.0}, second table {:.0}",
        per(bgp1.rss),
        per(bgp2.rss)
    );
    println!(
        "figure: rib live heap bytes per route: static {:.0} / {:.0}, BGP {:.0} / {:.0} (shared infos included)",
        heap(&first),
        heap(&second),
        heap(&bgp1),
        heap(&bgp2)
    );
    println!(
        "figure: RSS now {:.0} MB, peak {:.0} MB",
        rss() as f64 / 1e6,
        status_bytes("VmHWM") as f64 / 1e6,
    );
}
