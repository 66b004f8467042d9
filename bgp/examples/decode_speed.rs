//! How fast the codec reads a full table, and what the decoded routes cost in memory.
//!
//! Builds ~1,000,000 IPv4 prefixes into UPDATEs with our encoder (1–5 prefixes per UPDATE,
//! like a real table dump, over a few thousand distinct attribute sets), then frames and
//! decodes them all, interning the attribute sets, and prints the figures.
//!
//! ```sh
//! cargo run --release -p lsys-bgp --example decode_speed [prefixes]
//! ```

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Instant;

use ipnet::{IpNet, Ipv4Net};
use lsys_bgp::packet::{
    AsPath, AttrInterner, Attrs, CodecContext, Community, Framer, Message, NextHop, Origin,
    UpdateBuilder,
};

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn attr_sets(rng: &mut Rng, n: usize) -> Vec<Attrs> {
    let upstreams = [174u32, 1299, 3356, 6939, 2914, 4_200_000_001];
    (0..n)
        .map(|i| {
            let len = 1 + rng.below(5) as usize;
            let mut path = vec![upstreams[i % upstreams.len()]];
            path.extend((0..len).map(|_| 1 + rng.below(400_000) as u32));
            let communities = (0..rng.below(4))
                .map(|_| Community::new(65000, rng.below(1000) as u16))
                .collect();
            Attrs {
                origin: Some(if rng.below(10) == 0 {
                    Origin::Incomplete
                } else {
                    Origin::Igp
                }),
                as_path: Some(AsPath::from_sequence(path)),
                next_hop: Some(NextHop::V4(Ipv4Addr::new(192, 0, 2, 1 + (i % 8) as u8))),
                med: (rng.below(3) == 0).then(|| rng.below(1000) as u32),
                communities,
                ..Attrs::default()
            }
        })
        .collect()
}

/// Resident set size in bytes (Linux), 0 elsewhere.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let ctx = CodecContext {
        four_octet_as: true,
        ibgp: false,
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let sets = attr_sets(&mut rng, 4000);

    // Encode: runs of 1–5 consecutive /24s per UPDATE, each run with a random set.
    let prefixes: Vec<IpNet> = (0..n)
        .map(|i| IpNet::V4(Ipv4Net::new(Ipv4Addr::from((1 << 24) + (i << 8)), 24).unwrap()))
        .collect();
    let builder = UpdateBuilder::new(ctx);
    let mut wire = Vec::with_capacity(prefixes.len() * 40);
    let mut messages = 0;
    let t = Instant::now();
    let mut rest = &prefixes[..];
    while !rest.is_empty() {
        let (run, tail) = rest.split_at((1 + rng.below(5) as usize).min(rest.len()));
        messages +=
            builder.announce(&sets[rng.below(sets.len() as u64) as usize], run, &mut wire)?;
        rest = tail;
    }
    let encode_s = t.elapsed().as_secs_f64();

    // Decode only: frame and decode every message, 64 KiB reads.
    let t = Instant::now();
    let mut framer = Framer::new();
    let mut decoded = 0usize;
    for chunk in wire.chunks(64 * 1024) {
        framer.feed(chunk);
        while let Some(msg) = framer.next_message(&ctx)? {
            if let Message::Update(u) = msg {
                decoded += u.nlri.len();
            }
        }
    }
    let decode_s = t.elapsed().as_secs_f64();
    assert_eq!(decoded, prefixes.len());

    // Decode, intern and keep every route, as an Adj-RIB-In would.
    let before = rss();
    let t = Instant::now();
    let mut interner = AttrInterner::new();
    let mut routes: Vec<(IpNet, Arc<Attrs>)> = Vec::with_capacity(prefixes.len());
    let mut framer = Framer::new();
    for chunk in wire.chunks(64 * 1024) {
        framer.feed(chunk);
        while let Some(msg) = framer.next_message(&ctx)? {
            if let Message::Update(u) = msg {
                routes.extend(u.into_changes(&mut interner).announced);
            }
        }
    }
    let intern_s = t.elapsed().as_secs_f64();
    let after = rss();
    assert_eq!(routes.len(), prefixes.len());

    let mb = wire.len() as f64 / 1e6;
    println!("prefixes               {}", prefixes.len());
    println!("attribute sets built   {}", sets.len());
    println!("UPDATE messages        {messages}");
    println!(
        "bytes                  {} ({mb:.1} MB, {:.1} bytes/message)",
        wire.len(),
        wire.len() as f64 / messages as f64
    );
    println!("encode                 {encode_s:.3} s");
    println!(
        "decode (frame+decode)  {decode_s:.3} s  {:.2} M prefixes/s  {:.0} MB/s  {:.2} M messages/s",
        decoded as f64 / decode_s / 1e6,
        mb / decode_s,
        messages as f64 / decode_s / 1e6
    );
    println!(
        "decode+intern+store   {intern_s:.3} s  {:.2} M prefixes/s",
        routes.len() as f64 / intern_s / 1e6
    );
    println!("distinct interned sets {}", interner.len());
    println!(
        "memory per route       {} bytes/route entry (IpNet + Arc<Attrs>); RSS grew {:.1} MB = {:.0} bytes/route",
        std::mem::size_of::<(IpNet, Arc<Attrs>)>(),
        after.saturating_sub(before) as f64 / 1e6,
        after.saturating_sub(before) as f64 / routes.len() as f64
    );
    Ok(())
}
