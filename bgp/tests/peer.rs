//! Peer tasks over real sockets, in a throwaway network namespace: two lsys peers with TCP MD5,
//! and an lsys peer against BIRD 2 (when `bird` is installed; CI installs it).
//!
//! Every wait is bounded; the namespace (and BIRD in it) goes away with the test's thread.

mod bird_support;
mod net_support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bird_support::Bird;
use ipnet::IpNet;
use lsys_bgp::fsm::{Cease, DownReason, Family, PeerType, SessionConfig, State};
use lsys_bgp::net::{
    BgpListener, ConnectConfig, Family as SockFamily, ListenerConfig, Md5Key, PeerKey,
};
use lsys_bgp::packet::{AsPath, AttrInterner, Attrs, NextHop, Origin, Segment, SegmentType};
use lsys_bgp::peer::{Command, Event, Peer, PeerConfig};
use net_support::{in_netns, ip};
use tokio::sync::mpsc;
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(20);

fn addr(s: &str) -> IpAddr {
    s.parse().expect("address")
}

fn session(local_as: u32, id: &str, peer: &str, peer_as: u32) -> SessionConfig {
    let mut s = SessionConfig::new(local_as, id.parse().expect("id"), addr(peer), peer_as);
    s.peer_type = if local_as == peer_as {
        PeerType::Internal
    } else {
        PeerType::External
    };
    s.families = vec![Family::IPV4_UNICAST];
    s.idle_hold_min = Duration::from_millis(200);
    s.connect_retry = Duration::from_secs(1);
    s
}

fn connect(peer: &str, port: u16, local: &str, key: Option<&str>) -> ConnectConfig {
    let mut c = ConnectConfig::new(SocketAddr::new(addr(peer), port));
    c.local = Some(addr(local));
    c.key = key.map(Md5Key::new);
    c.ttl = 1;
    c.timeout = Duration::from_secs(2);
    c
}

/// Waits for the next event that `want` accepts, dropping the others.
async fn next<T>(
    events: &mut mpsc::Receiver<(IpAddr, Event)>,
    want: impl Fn(Event) -> Option<T>,
) -> T {
    timeout(BOUND, async {
        loop {
            let (_, ev) = events.recv().await.expect("events open");
            if let Some(t) = want(ev) {
                return t;
            }
        }
    })
    .await
    .expect("event within the bound")
}

fn attrs(next_hop: &str, path: &[u32]) -> Arc<Attrs> {
    Arc::new(Attrs {
        origin: Some(Origin::Igp),
        as_path: Some(AsPath {
            segments: vec![Segment {
                kind: SegmentType::Sequence,
                asns: path.to_vec(),
            }],
        }),
        next_hop: next_hop.parse::<Ipv4Addr>().ok().map(NextHop::V4),
        ..Attrs::default()
    })
}

/// Accepts connections on `listener` and hands each to `peer` (what an instance does).
fn hand_over(listener: BgpListener, peer: mpsc::Sender<Command>) {
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            if peer.send(Command::Incoming(stream)).await.is_err() {
                return;
            }
        }
    });
}

#[test]
fn two_lsys_peers_with_md5_exchange_routes_and_part() {
    in_netns(|| async {
        ip("addr add 127.0.0.2/8 dev lo");
        let (a_tx, mut a_events) = mpsc::channel(16);
        let (b_tx, mut b_events) = mpsc::channel(16);
        // B listens (passive), A connects; both with the same key.
        let listener = BgpListener::bind(
            &ListenerConfig::new(SockFamily::Ipv4)
                .port(1179)
                .key(PeerKey::new(addr("127.0.0.1"), "s3cret")),
        )
        .expect("listener");
        let mut b_session = session(65001, "10.0.0.2", "127.0.0.1", 65000);
        b_session.passive = true;
        let b = Peer::spawn(
            PeerConfig {
                session: b_session,
                connect: connect("127.0.0.1", 1179, "127.0.0.2", Some("s3cret")),
            },
            b_tx,
        )
        .expect("peer b");
        hand_over(listener, b.commands().clone());
        let a = Peer::spawn(
            PeerConfig {
                session: session(65000, "10.0.0.1", "127.0.0.2", 65001),
                connect: connect("127.0.0.2", 1179, "127.0.0.1", Some("s3cret")),
            },
            a_tx,
        )
        .expect("peer a");
        assert!(b.send(Command::Start).await && a.send(Command::Start).await);
        let neg = next(&mut a_events, |e| match e {
            Event::Established { negotiated } => Some(negotiated),
            _ => None,
        })
        .await;
        assert_eq!(
            (neg.peer_as, neg.hold_time, neg.four_octet_as),
            (65001, 90, true)
        );
        next(&mut b_events, |e| {
            matches!(e, Event::Established { .. }).then_some(())
        })
        .await;

        // 300 prefixes with one attribute set: a few full UPDATEs, all of them arrive.
        let prefixes: Vec<IpNet> = (0..300u32)
            .map(|i| IpNet::new(Ipv4Addr::from(0x0a00_0000 + (i << 8)).into(), 24).unwrap())
            .collect();
        a.send(Command::Announce {
            attrs: attrs("127.0.0.1", &[65000]),
            prefixes: prefixes.clone(),
        })
        .await;
        let mut interner = AttrInterner::new();
        let mut got: Vec<IpNet> = Vec::new();
        while got.len() < prefixes.len() {
            let u = next(&mut b_events, |e| match e {
                Event::Update(u) => Some(u),
                _ => None,
            })
            .await;
            let changes = u.into_changes(&mut interner);
            got.extend(changes.announced.iter().map(|(p, _)| *p));
        }
        got.sort();
        assert_eq!(got, prefixes);
        assert_eq!(interner.len(), 1, "one attribute set shared by every route");
        a.send(Command::Withdraw {
            prefixes: prefixes[..10].to_vec(),
        })
        .await;
        let u = next(&mut b_events, |e| match e {
            Event::Update(u) => Some(u),
            _ => None,
        })
        .await;
        assert_eq!(
            u.into_changes(&mut interner).withdrawn,
            prefixes[..10].to_vec()
        );

        // Counters as `show bgp summary` reads them.
        let sb = b.status();
        assert_eq!(sb.state, State::Established);
        assert!(sb.record.received.update >= 2, "{:?}", sb.record.received);
        assert!(sb.in_octets > 300 * 4);

        // A stops: B hears Cease / Administrative Shutdown and goes down.
        a.send(Command::Stop(Cease::AdminShutdown)).await;
        let reason = next(&mut b_events, |e| match e {
            Event::Down { reason } => Some(reason),
            _ => None,
        })
        .await;
        match reason {
            DownReason::Received(n) => assert_eq!((n.code, n.subcode), (6, 2)),
            other => panic!("{other:?}"),
        }
        assert_eq!(a.status().record.flaps, 1);
    });
}

#[test]
fn a_wrong_md5_key_never_establishes() {
    in_netns(|| async {
        ip("addr add 127.0.0.2/8 dev lo");
        let (a_tx, mut a_events) = mpsc::channel(16);
        let (b_tx, _b_events) = mpsc::channel(16);
        let listener = BgpListener::bind(
            &ListenerConfig::new(SockFamily::Ipv4)
                .port(1179)
                .key(PeerKey::new(addr("127.0.0.1"), "right")),
        )
        .expect("listener");
        let mut b_session = session(65001, "10.0.0.2", "127.0.0.1", 65000);
        b_session.passive = true;
        let b = Peer::spawn(
            PeerConfig {
                session: b_session,
                connect: connect("127.0.0.1", 1179, "127.0.0.2", Some("right")),
            },
            b_tx,
        )
        .expect("peer b");
        hand_over(listener, b.commands().clone());
        let a = Peer::spawn(
            PeerConfig {
                session: session(65000, "10.0.0.1", "127.0.0.2", 65001),
                connect: connect("127.0.0.2", 1179, "127.0.0.1", Some("wrong")),
            },
            a_tx,
        )
        .expect("peer a");
        b.send(Command::Start).await;
        a.send(Command::Start).await;
        let r = timeout(Duration::from_secs(4), a_events.recv()).await;
        assert!(r.is_err(), "nothing may happen with a wrong key: {r:?}");
        assert_ne!(a.status().state, State::Established);
        assert_eq!(b.status().state, State::Active);
        // The dropped SYNs are all there is to see; show bgp neighbor names the likely cause.
        assert_eq!(
            a.status().connect_error,
            Some(lsys_bgp::peer::ConnectFailure::NoAnswer {
                authenticated: true
            })
        );
    });
}

/// BIRD 2 (AS 64512, like the AWS side of the seed) announcing 172.31.0.0/16; lsys connects
/// with MD5, learns it, announces 10.6.0.0/16 and BIRD has it.
#[test]
fn interop_with_bird() {
    if !bird_support::available() {
        return;
    }
    in_netns(|| async {
        let bird = Bird::start(
            "router id 10.0.0.1;
             protocol device {}
             protocol static { ipv4; route 172.31.0.0/16 blackhole; }
             protocol bgp lsys {
                 local 10.0.0.1 as 64512;
                 neighbor 10.0.0.0 as 65000;
                 password \"abcdefgh\";
                 passive on;
                 hold time 30;
                 connect delay time 1;
                 ipv4 { import all; export where source = RTS_STATIC; };
             }",
            "v0",
            "10.0.0.0/31",
            "v1",
            "10.0.0.1/31",
        );
        let (tx, mut events) = mpsc::channel(16);
        let mut s = session(65000, "10.0.0.13", "10.0.0.1", 64512);
        s.hold_time = 90;
        let me = Peer::spawn(
            PeerConfig {
                session: s,
                connect: connect("10.0.0.1", 179, "10.0.0.0", Some("abcdefgh")),
            },
            tx,
        )
        .expect("peer");
        let t0 = std::time::Instant::now();
        me.send(Command::Start).await;
        let up = timeout(BOUND, async {
            loop {
                if let Some((_, Event::Established { negotiated })) = events.recv().await {
                    return negotiated;
                }
            }
        });
        let neg = match up.await {
            Ok(n) => n,
            Err(_) => panic!(
                "no session with BIRD: lsys {:?}\nBIRD: {}",
                me.status(),
                bird.birdc(&["show", "protocols", "all", "lsys"])
            ),
        };
        assert_eq!((neg.peer_as, neg.hold_time), (64512, 30));
        eprintln!("established after {:?}", t0.elapsed());
        let mut interner = AttrInterner::new();
        let (prefix, learned) = loop {
            let u = next(&mut events, |e| match e {
                Event::Update(u) => Some(u),
                _ => None,
            })
            .await;
            if let Some(r) = u.into_changes(&mut interner).announced.into_iter().next() {
                break r;
            }
        };
        eprintln!("route after {:?}", t0.elapsed());
        assert_eq!(prefix, "172.31.0.0/16".parse::<IpNet>().unwrap());
        let path = learned.as_path.as_ref().expect("AS path");
        assert_eq!(path.segments[0].asns, vec![64512]);
        me.send(Command::Announce {
            attrs: attrs("10.0.0.0", &[65000]),
            prefixes: vec!["10.6.0.0/16".parse().unwrap()],
        })
        .await;
        let shown = bird
            .route("10.6.0.0/16", "10.6.0.0/16", BOUND)
            .await
            .expect("BIRD learns the route");
        assert!(shown.contains("BGP.as_path: 65000"), "{shown}");
    });
}
