//! The UPDATE builder packs a table into as few 4096-byte UPDATEs as fit.

mod packet_support;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use lsys_bgp::packet::*;
use packet_support::*;

fn attrs(next_hop: NextHop) -> Attrs {
    Attrs {
        origin: Some(Origin::Igp),
        as_path: Some(AsPath::from_sequence([65001, 4_200_000_000, 3])),
        next_hop: Some(next_hop),
        communities: vec![Community::new(65001, 1)],
        ..Attrs::default()
    }
}

fn v4_table(n: u32) -> Vec<IpNet> {
    (0..n)
        .map(|i| IpNet::V4(Ipv4Net::new(Ipv4Addr::from((10 << 24) | (i << 8)), 24).unwrap()))
        .collect()
}

fn v6_table(n: u128) -> Vec<IpNet> {
    (0..n)
        .map(|i| {
            IpNet::V6(
                Ipv6Net::new(Ipv6Addr::from((0x2001_0db8u128 << 96) | (i << 64)), 64).unwrap(),
            )
        })
        .collect()
}

/// Frames and decodes `bytes`; checks every message is within 4096 bytes.
fn read_all(bytes: &[u8], ctx: &CodecContext) -> Vec<Update> {
    let mut framer = Framer::new();
    framer.feed(bytes);
    let mut out = Vec::new();
    while let Some(frame) = framer.next_frame().unwrap() {
        assert!(frame.body.len() + HEADER_LEN <= MAX_MESSAGE_LEN);
        let Message::Update(u) = decode(frame, ctx).unwrap() else {
            panic!()
        };
        assert_eq!(u.verdict(), Verdict::Good);
        out.push(u);
    }
    assert_eq!(framer.buffered(), 0);
    out
}

#[test]
fn ipv4_table_fills_each_message() {
    for ctx in [NEW_EBGP, OLD_EBGP] {
        let table = v4_table(10_000);
        let a = attrs(NextHop::V4(Ipv4Addr::new(192, 0, 2, 1)));
        let mut out = Vec::new();
        let n = UpdateBuilder::new(ctx)
            .announce(&a, &table, &mut out)
            .unwrap();
        let updates = read_all(&out, &ctx);
        assert_eq!(updates.len(), n);
        let mut attr_len = Vec::new();
        Message::Update(Update {
            attrs: a.clone(),
            ..Update::default()
        })
        .encode_into(&ctx, &mut attr_len)
        .unwrap();
        // Each /24 takes 4 bytes: messages hold floor(room / 4) prefixes.
        let room = MAX_MESSAGE_LEN - attr_len.len();
        assert_eq!(n, 10_000usize.div_ceil(room / 4));
        let got: Vec<IpNet> = updates
            .iter()
            .flat_map(|u| u.nlri.iter().map(|p| IpNet::V4(*p)))
            .collect();
        assert_eq!(got, table);
        assert!(updates.iter().all(|u| u.attrs == a));
    }
}

#[test]
fn ipv6_table_goes_in_mp_reach() {
    let table = v6_table(3000);
    let nh = NextHop::V6 {
        global: "2001:db8::1".parse().unwrap(),
        link_local: Some("fe80::1".parse().unwrap()),
    };
    let a = attrs(nh);
    let mut out = Vec::new();
    let n = UpdateBuilder::new(NEW_IBGP)
        .announce(&a, &table, &mut out)
        .unwrap();
    let updates = read_all(&out, &NEW_IBGP);
    assert_eq!(updates.len(), n);
    // 9 bytes per /64; a message has ~4000 bytes of room.
    assert!(n <= 3000usize.div_ceil(440), "{n} messages");
    let got: Vec<IpNet> = updates
        .iter()
        .flat_map(|u| u.mp_reach.clone().unwrap().nlri)
        .collect();
    assert_eq!(got, table);
    assert!(updates
        .iter()
        .all(|u| u.mp_attrs().unwrap() == a && u.attrs.next_hop.is_none()));
}

#[test]
fn withdrawals_of_both_families() {
    let mut table = v4_table(5000);
    table.extend(v6_table(2000));
    let mut out = Vec::new();
    let n = UpdateBuilder::new(NEW_EBGP)
        .withdraw(&table, &mut out)
        .unwrap();
    let updates = read_all(&out, &NEW_EBGP);
    assert_eq!(updates.len(), n);
    assert_eq!(
        n,
        5000usize.div_ceil((MAX_MESSAGE_LEN - 23) / 4)
            + 2000usize.div_ceil((MAX_MESSAGE_LEN - 30) / 9)
    );
    let mut interner = AttrInterner::new();
    let got: BTreeSet<IpNet> = updates
        .into_iter()
        .flat_map(|u| u.into_changes(&mut interner).withdrawn)
        .collect();
    assert_eq!(got, table.into_iter().collect());
}

#[test]
fn mixed_prefix_lengths_and_the_default_route() {
    let table: Vec<IpNet> = [
        "0.0.0.0/0",
        "10.0.0.0/8",
        "192.0.2.128/25",
        "198.51.100.7/32",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let mut out = Vec::new();
    let a = attrs(NextHop::V4(Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(
        UpdateBuilder::new(NEW_EBGP)
            .announce(&a, &table, &mut out)
            .unwrap(),
        1
    );
    let updates = read_all(&out, &NEW_EBGP);
    assert_eq!(
        updates[0]
            .nlri
            .iter()
            .map(|p| IpNet::V4(*p))
            .collect::<Vec<_>>(),
        table
    );
}

#[test]
fn errors() {
    let b = UpdateBuilder::new(NEW_EBGP);
    let v6 = attrs(NextHop::V6 {
        global: Ipv6Addr::LOCALHOST,
        link_local: None,
    });
    let mut out = Vec::new();
    let p4: IpNet = "10.0.0.0/8".parse().unwrap();
    assert_eq!(
        b.announce(&v6, &[p4], &mut out),
        Err(EncodeError::NextHop { prefix: p4 })
    );
    let big = Attrs {
        communities: vec![Community(1); 1100],
        ..attrs(NextHop::V4(Ipv4Addr::LOCALHOST))
    };
    assert!(matches!(
        b.announce(&big, &[p4], &mut out),
        Err(EncodeError::AttributesTooLong(_))
    ));
    assert!(out.is_empty());
    // A too-long UPDATE through Message::encode is refused and leaves nothing behind.
    let huge = Update {
        nlri: vec!["10.0.0.0/24".parse().unwrap(); 1100],
        ..Update::default()
    };
    assert_eq!(
        Message::Update(huge).encode_into(&NEW_EBGP, &mut out),
        Err(EncodeError::TooLong(4423))
    );
    assert!(out.is_empty());
}
