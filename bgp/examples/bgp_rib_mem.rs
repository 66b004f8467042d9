//! What a full table costs in the RIB: 1,000,000 IPv4 prefixes from each of two eBGP
//! peers (2,000,000 routes over a few thousand interned attribute sets), loaded through
//! `Rib::update` in UPDATE-sized batches and decided with `Rib::process`.
//!
//! Memory is counted by a global allocator that adds up the bytes live in the heap
//! (requested sizes, so malloc's own per-chunk overhead is not included), measured after
//! the input is built, so the figure is what the RIB itself keeps. For comparison: BIRD
//! ~56 B per route entry plus its network entry, FRR 96 B per prefix (`bgp_dest`) plus
//! its paths.
//!
//! ```sh
//! cargo run --release -p lsys-bgp --example bgp_rib_mem [prefixes]
//! ```

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Instant;

use ipnet::{IpNet, Ipv4Net};
use lsys_bgp::packet::{AsPath, AttrInterner, Attrs, Community, NextHop, Origin};
use lsys_bgp::rib::{AdjRibOut, PeerId, PeerInfo, Rib};

/// Counts live heap bytes and their peak (peak_alloc: a counting wrapper of the system
/// allocator, so this example needs no unsafe code of its own).
#[global_allocator]
static ALLOCATOR: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

fn live() -> usize {
    ALLOCATOR.current_usage()
}

/// Starts a new peak measurement from what is live now.
fn reset_peak() {
    ALLOCATOR.reset_peak_usage();
}

fn peak_usage() -> usize {
    ALLOCATOR.peak_usage()
}

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// `n` attribute sets as `upstream` would send them, interned.
fn attr_sets(
    rng: &mut Rng,
    interner: &mut AttrInterner,
    upstream: u32,
    n: usize,
) -> Vec<Arc<Attrs>> {
    (0..n)
        .map(|_| {
            let mut path = vec![upstream];
            path.extend((0..1 + rng.below(5)).map(|_| 1 + rng.below(400_000) as u32));
            let communities = (0..rng.below(4))
                .map(|_| Community::new(65000, rng.below(1000) as u16))
                .collect();
            interner.intern(Attrs {
                origin: Some(match rng.below(10) {
                    0 => Origin::Incomplete,
                    _ => Origin::Igp,
                }),
                as_path: Some(AsPath::from_sequence(path)),
                next_hop: Some(NextHop::V4(Ipv4Addr::new(10, 0, 0, (upstream % 200) as u8))),
                med: (rng.below(3) == 0).then(|| rng.below(1000) as u32),
                communities,
                ..Attrs::default()
            })
        })
        .collect()
}

/// One UPDATE's worth of announcements from one peer.
type Update = (PeerId, Vec<(IpNet, Arc<Attrs>)>);

fn peer(n: u8, asn: u32) -> PeerInfo {
    PeerInfo {
        address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, n)),
        router_id: Ipv4Addr::new(192, 0, 2, n),
        peer_as: asn,
        local_as: 65000,
        internal: false,
    }
}

/// Resident set size in bytes (Linux), 0 elsewhere: includes malloc's per-chunk
/// overhead, which the counting allocator does not see.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut interner = AttrInterner::new();
    let upstreams = [(PeerId(1), 64512u32), (PeerId(2), 12076)];
    let sets: Vec<Vec<Arc<Attrs>>> = upstreams
        .iter()
        .map(|&(_, asn)| attr_sets(&mut rng, &mut interner, asn, 2000))
        .collect();
    let prefixes: Vec<IpNet> = (0..n)
        .map(|i| IpNet::V4(Ipv4Net::new(Ipv4Addr::from((1 << 24) + (i << 8)), 24).expect("/24")))
        .collect();
    // Each peer's table as UPDATEs: runs of 1–5 prefixes sharing one attribute set.
    let updates: Vec<Update> = sets
        .iter()
        .zip(upstreams)
        .flat_map(|(sets, (id, _))| {
            let mut out = Vec::new();
            let mut rest = &prefixes[..];
            while !rest.is_empty() {
                let (run, tail) = rest.split_at((1 + rng.below(5) as usize).min(rest.len()));
                let a = &sets[rng.below(sets.len() as u64) as usize];
                out.push((id, run.iter().map(|p| (*p, a.clone())).collect()));
                rest = tail;
            }
            out
        })
        .collect();

    let base = live();
    let rss_base = rss();
    let mut rib = Rib::new();
    for (i, &(id, asn)) in upstreams.iter().enumerate() {
        rib.set_peer(id, peer(i as u8 + 1, asn));
    }
    reset_peak();
    let t = Instant::now();
    for (id, u) in &updates {
        rib.update(*id, &[], u, |_, a| Some(a.clone()))?;
    }
    let update_s = t.elapsed().as_secs_f64();
    let queued = live() - base;
    let t = Instant::now();
    let changes = rib.process();
    let process_s = t.elapsed().as_secs_f64();
    let changed = changes.len();
    drop(changes);
    let peak = peak_usage() - base;
    let kept = live() - base;
    let rss_kept = rss().saturating_sub(rss_base);
    let routes = rib.counters(PeerId(1)).map_or(0, |c| c.received)
        + rib.counters(PeerId(2)).map_or(0, |c| c.received);

    // Per-peer scans and the Adj-RIB-Out of one peer holding the full table.
    let t = Instant::now();
    rib.reimport(PeerId(1), |_, a| Some(a.clone()))?;
    let reimport_s = t.elapsed().as_secs_f64();
    let before_out = live();
    let t = Instant::now();
    let mut out = AdjRibOut::new();
    let work = out.apply(rib.active_routes().map(|(p, best)| (p, Some(best.attrs))));
    let export_s = t.elapsed().as_secs_f64();
    let groups = work.announce.len();
    drop(work);
    let out_bytes = live() - before_out;
    let t = Instant::now();
    rib.peer_down(PeerId(2))?;
    let moved = rib.process().len();
    let down_s = t.elapsed().as_secs_f64();

    println!("prefixes                {n}");
    println!("routes                  {routes} (two peers)");
    println!("attribute sets          {}", interner.len());
    println!("UPDATE batches          {}", updates.len());
    println!(
        "update                  {update_s:.3} s  ({:.2} M routes/s)",
        routes as f64 / update_s / 1e6
    );
    println!(
        "process                 {process_s:.3} s  ({changed} best-path changes, {:.2} M prefixes/s)",
        n as f64 / process_s / 1e6
    );
    println!(
        "update + process        {:.3} s  ({:.2} M routes/s)",
        update_s + process_s,
        routes as f64 / (update_s + process_s) / 1e6
    );
    println!(
        "RIB memory              {:.1} MB = {:.1} bytes/route, {:.1} bytes/prefix",
        mb(kept),
        kept as f64 / routes as f64,
        kept as f64 / n as f64
    );
    println!(
        "  RSS grew              {:.1} MB = {:.1} bytes/route (malloc overhead and freed queue pages included)",
        mb(rss_kept),
        rss_kept as f64 / routes as f64
    );
    println!(
        "  with the dirty queue  {:.1} MB before process; peak {:.1} MB (with the change list)",
        mb(queued),
        mb(peak)
    );
    println!(
        "reimport (no change)    {:.1} ms for one peer's {} routes (table scan)",
        reimport_s * 1e3,
        routes / 2
    );
    println!(
        "Adj-RIB-Out, one peer   {:.1} MB = {:.1} bytes/prefix; export of the table {:.3} s, {groups} attribute groups",
        mb(out_bytes),
        out_bytes as f64 / n as f64,
        export_s
    );
    println!(
        "peer down + process     {:.3} s ({moved} prefixes moved to the other peer)",
        down_s
    );

    // As an actor would run it: decide after every 100 UPDATEs, so the queue stays short.
    drop((rib, out));
    let base = live();
    let mut rib = Rib::new();
    for (i, &(id, asn)) in upstreams.iter().enumerate() {
        rib.set_peer(id, peer(i as u8 + 1, asn));
    }
    reset_peak();
    let t = Instant::now();
    let mut changed = 0;
    for batch in updates.chunks(100) {
        for (id, u) in batch {
            rib.update(*id, &[], u, |_, a| Some(a.clone()))?;
        }
        changed += rib.process().len();
    }
    println!(
        "interleaved load        {:.3} s, process after every 100 UPDATEs ({changed} changes); peak {:.1} MB over the {:.1} MB kept",
        t.elapsed().as_secs_f64(),
        mb(peak_usage() - base),
        mb(live() - base)
    );
    Ok(())
}
