//! Outgoing connects: TTL, CS6 and TCP_NODELAY on the socket, `local-address`, device binding,
//! and a key the kernel refuses stopping the connect before any SYN.

mod net_support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use lsys_bgp::net::{
    configure_accepted, connect, BgpListener, ConnectConfig, Family, ListenerConfig, Md5Error,
    Md5Key, SocketError, TOS_CS6, TTL_EBGP_SINGLE_HOP, TTL_IBGP,
};
use net_support::{accept, accepts_nothing, client, exchange, in_netns, v4, v6, BOUND, PORT};
use socket2::SockRef;
use tokio::net::TcpStream;

fn listener(addr: IpAddr) -> BgpListener {
    BgpListener::bind(&ListenerConfig::new(Family::of(addr)).port(PORT)).expect("listener")
}

/// (TTL or hop limit, TOS or traffic class, TCP_NODELAY) read back from the socket.
fn marks(stream: &TcpStream) -> (u32, u32, bool) {
    let s = SockRef::from(stream);
    let nodelay = s.tcp_nodelay().expect("nodelay");
    match stream.local_addr().expect("local addr").ip() {
        IpAddr::V4(_) => (s.ttl_v4().expect("ttl"), s.tos_v4().expect("tos"), nodelay),
        IpAddr::V6(_) => (
            s.unicast_hops_v6().expect("hops"),
            s.tclass_v6().expect("tclass"),
            nodelay,
        ),
    }
}

async fn ttl_and_tos(addr: IpAddr) {
    let l = listener(addr);
    for ttl in [TTL_EBGP_SINGLE_HOP, 5, TTL_IBGP] {
        let config = ConnectConfig {
            ttl,
            ..client(addr, None, BOUND)
        };
        let mut c = connect(&config).await.expect("connect");
        assert_eq!(marks(&c), (u32::from(ttl), TOS_CS6, true), "ttl {ttl}");
        let (mut s, _) = accept(&l).await;
        exchange(&mut c, &mut s).await;
        // The accepted side gets the neighbor's TTL from configure_accepted.
        configure_accepted(&s, ttl).expect("configure accepted");
        assert_eq!(
            marks(&s),
            (u32::from(ttl), TOS_CS6, true),
            "accepted, ttl {ttl}"
        );
    }
}

#[test]
fn ttl_tos_and_nodelay_ipv4() {
    in_netns(|| ttl_and_tos(v4()))
}

#[test]
fn ttl_tos_and_nodelay_ipv6() {
    in_netns(|| ttl_and_tos(v6()))
}

#[test]
fn a_key_is_set_before_connect() {
    in_netns(|| async {
        let l = BgpListener::bind(
            &ListenerConfig::new(Family::Ipv4)
                .port(PORT)
                .key(lsys_bgp::net::PeerKey::new(v4(), "k")),
        )
        .expect("listener");
        let mut c = connect(&client(v4(), Some("k"), BOUND))
            .await
            .expect("signed");
        let (mut s, _) = accept(&l).await;
        exchange(&mut c, &mut s).await;
    })
}

#[test]
fn local_address_is_the_source() {
    in_netns(|| async {
        let l = listener(v4());
        let local: IpAddr = "127.0.0.2".parse().expect("address");
        let config = ConnectConfig {
            local: Some(local),
            ..client(v4(), None, BOUND)
        };
        let mut c = connect(&config).await.expect("connect");
        assert_eq!(c.local_addr().expect("local").ip(), local);
        let (mut s, from) = accept(&l).await;
        assert_eq!(from.ip(), local);
        exchange(&mut c, &mut s).await;

        // A local address of the other family is refused before any socket exists.
        let config = ConnectConfig {
            local: Some(v6()),
            ..client(v4(), None, BOUND)
        };
        assert!(matches!(
            connect(&config).await,
            Err(SocketError::FamilyMismatch { .. })
        ));
        // An address that is not local cannot be bound.
        let config = ConnectConfig {
            local: Some("192.0.2.1".parse().expect("address")),
            ..client(v4(), None, BOUND)
        };
        match connect(&config).await {
            Err(SocketError::Bind { source, .. }) => {
                assert_eq!(source.raw_os_error(), Some(libc::EADDRNOTAVAIL))
            }
            other => panic!("expected Bind, got {other:?}"),
        }
    })
}

#[test]
fn a_missing_device_is_an_error() {
    in_netns(|| async {
        let config = ConnectConfig {
            device: Some("vrf-missing".into()),
            ..client(v4(), None, BOUND)
        };
        match connect(&config).await {
            Err(SocketError::BindDevice { device, source }) => {
                assert_eq!(device, "vrf-missing");
                assert_eq!(source.raw_os_error(), Some(libc::ENODEV));
            }
            other => panic!("expected BindDevice, got {other:?}"),
        }
    })
}

/// Bound to lo (not a VRF), the key cannot be scoped: EINVAL, and no SYN leaves — the
/// listener, which has no key and would accept anything, sees nothing.
#[test]
fn a_key_the_kernel_refuses_stops_the_connect() {
    in_netns(|| async {
        for addr in [v4(), v6()] {
            let l = listener(addr);
            let config = ConnectConfig {
                device: Some("lo".into()),
                key: Some(Md5Key::new("secret")),
                ..client(addr, None, BOUND)
            };
            match connect(&config).await {
                Err(SocketError::Md5(Md5Error::Kernel { scope, errno, .. })) => {
                    assert_eq!(errno, libc::EINVAL);
                    assert_eq!(scope.peer, addr);
                    assert_eq!(scope.l3mdev_ifindex, Some(1));
                }
                other => panic!("expected an MD5 EINVAL, got {other:?}"),
            }
            accepts_nothing(&l).await;
            // Without the key the same device-bound connect works.
            let config = ConnectConfig {
                key: None,
                ..config
            };
            let mut c = connect(&config).await.expect("device-bound connect");
            let (mut s, _) = accept(&l).await;
            exchange(&mut c, &mut s).await;
        }
    })
}

#[test]
fn refused_and_timed_out_connects_are_errors() {
    in_netns(|| async {
        // Nothing listens on lo: RST, a Connect error.
        match connect(&client(v4(), None, BOUND)).await {
            Err(SocketError::Connect { peer, source, .. }) => {
                assert_eq!(peer, SocketAddr::new(v4(), PORT));
                assert_eq!(source.raw_os_error(), Some(libc::ECONNREFUSED));
            }
            other => panic!("expected Connect, got {other:?}"),
        }
        // A blackholed destination: the bound holds.
        blackhole();
        let timeout = Duration::from_millis(500);
        let config = ConnectConfig {
            timeout,
            ..ConnectConfig::new("198.51.100.1:179".parse().expect("address"))
        };
        let started = std::time::Instant::now();
        match connect(&config).await {
            Err(SocketError::ConnectTimeout { timeout: t, .. }) => assert_eq!(t, timeout),
            other => panic!("expected ConnectTimeout, got {other:?}"),
        }
        assert!(started.elapsed() < BOUND);
    })
}

/// A route that sends SYNs for 198.51.100.0/24 into lo, where nobody owns the address and
/// they are dropped silently: no error, no answer.
fn blackhole() {
    net_support::ip("route add 198.51.100.0/24 dev lo");
}
