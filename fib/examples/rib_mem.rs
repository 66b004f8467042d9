//! Resident memory of the RIB per static route: N distinct IPv4 /24s from 11.0.0.0 up, one
//! next hop each (10.255.0.2 over one interface), configured in one commit, processed, every
//! op acknowledged — the shape fib-bench uses.
//!
//! Run: `cargo run --release -p lsys-fib --example rib_mem [-- N]` (default 1,000,000).
//!
//! Prints two figures of resident memory (`/proc/self/smaps_rollup`):
//! - `first table`: RSS growth of the whole run for one table, divided by N. It includes what
//!   the allocator keeps after the commit's transients are freed (the caller's `TableConfig`,
//!   the ops), so it is an upper bound;
//! - `second table`: the same again for a second table once the allocator holds those freed
//!   transients: close to what the RIB itself keeps per route.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use ipnet::{IpNet, Ipv4Net};
use lsys_fib::rib::Rib;
use lsys_fib::view::Query;
use lsys_fib::{Connected, Family, StaticConfig, StaticTarget, TableConfig};

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

fn config(n: u32, kernel_table: u32) -> TableConfig {
    let gateway = IpAddr::V4(Ipv4Addr::new(10, 255, 0, 2));
    let statics = (0..n)
        .map(|i| {
            let a = Ipv4Addr::new(
                (11 + i / 65536) as u8,
                (i / 256 % 256) as u8,
                (i % 256) as u8,
                0,
            );
            StaticConfig {
                prefix: IpNet::V4(Ipv4Net::new(a, 24).unwrap_or_default()),
                preference: None,
                target: StaticTarget::NextHops(vec![gateway.into()]),
                qualified: Vec::new(),
            }
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

/// Configures, processes and acknowledges one table of `n` statics; returns the RSS growth.
fn table(rib: &mut Rib, key: &str, n: u32, kernel_table: u32) -> u64 {
    let before = rss();
    let link = Connected {
        ifname: "lsys0".into(),
        ifindex: 7,
        up: true,
        addresses: vec!["10.255.0.1/24".parse().unwrap_or_default()],
    };
    rib.set_connected(key, vec![link], 0);
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
    let grown = rss().saturating_sub(before);
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

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.replace(['_', ','], "").parse().ok())
        .unwrap_or(1_000_000);
    let mut rib = Rib::new();
    let first = table(&mut rib, "first", n, 1234);
    let second = table(&mut rib, "second", n, 1235);
    let per = |b: u64| b as f64 / f64::from(n.max(1));
    println!(
        "figure: rib resident bytes per static route: first table {:.0} (upper bound), second table {:.0}",
        per(first),
        per(second)
    );
    println!(
        "figure: RSS now {:.0} MB, peak {:.0} MB",
        rss() as f64 / 1e6,
        status_bytes("VmHWM") as f64 / 1e6,
    );
}
