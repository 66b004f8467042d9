//! `BgpListener` with TCP MD5 over loopback: signed connections complete, unsigned and
//! mis-signed ones never do, keys change at run time without a new listener.

mod net_support;

use std::net::IpAddr;

use lsys_bgp::net::{
    connect, BgpListener, Family, ListenerConfig, Md5Error, PeerKey, SocketError, TOS_CS6,
};
use net_support::{
    accept, accepts_nothing, client, exchange, in_netns, md5_drops, v4, v6, BOUND, PORT,
    REFUSED_WITHIN,
};
use socket2::SockRef;

fn listener(family: Family, keys: &[(IpAddr, &str)]) -> BgpListener {
    let mut config = ListenerConfig::new(family).port(PORT);
    for (peer, key) in keys {
        config = config.key(PeerKey::new(*peer, *key));
    }
    BgpListener::bind(&config).expect("listener")
}

fn family(addr: IpAddr) -> Family {
    Family::of(addr)
}

/// The same key on both ends: the connection completes and bytes flow both ways.
async fn same_key(addr: IpAddr) {
    let l = listener(family(addr), &[(addr, "s3cret-aws")]);
    assert_eq!(l.device(), None);
    assert_eq!(l.l3mdev_ifindex(), None);
    let mut c = connect(&client(addr, Some("s3cret-aws"), BOUND))
        .await
        .expect("signed connect");
    let (mut s, from) = accept(&l).await;
    assert_eq!(from.ip(), addr);
    exchange(&mut c, &mut s).await;
    // The accepted socket inherits the listener's CS6 marking.
    let sock = SockRef::from(&s);
    let tos = match family(addr) {
        Family::Ipv4 => sock.tos_v4(),
        Family::Ipv6 => sock.tclass_v6(),
    };
    assert_eq!(tos.expect("tos"), TOS_CS6);
}

#[test]
fn same_key_ipv4() {
    in_netns(|| same_key(v4()))
}

#[test]
fn same_key_ipv6() {
    in_netns(|| same_key(v6()))
}

/// A wrong key, or none, from the client: the listener drops the SYNs, nothing completes.
async fn wrong_or_no_key(addr: IpAddr) {
    let l = listener(family(addr), &[(addr, "right")]);
    for key in [Some("wrong"), None] {
        let before = md5_drops();
        match connect(&client(addr, key, REFUSED_WITHIN)).await {
            Err(SocketError::ConnectTimeout { peer, .. }) => assert_eq!(peer.ip(), addr),
            other => panic!("client key {key:?}: expected a timeout, got {other:?}"),
        }
        accepts_nothing(&l).await;
        // The kernel dropped the SYNs for MD5 reasons, not something else.
        let after = md5_drops();
        match key {
            Some(_) => assert!(after.failure > before.failure, "{before:?} {after:?}"),
            None => assert!(after.not_found > before.not_found, "{before:?} {after:?}"),
        }
    }
}

#[test]
fn wrong_or_no_key_ipv4() {
    in_netns(|| wrong_or_no_key(v4()))
}

#[test]
fn wrong_or_no_key_ipv6() {
    in_netns(|| wrong_or_no_key(v6()))
}

/// A neighbor configured after the listener opened: its key goes on the running listener.
/// Then the key is removed: signed connections stop, unsigned ones are possible again.
async fn keys_change_at_run_time(addr: IpAddr) {
    let other: IpAddr = match addr {
        IpAddr::V4(_) => "192.0.2.1".parse().expect("address"),
        IpAddr::V6(_) => "2001:db8::1".parse().expect("address"),
    };
    let l = listener(family(addr), &[(other, "another-peer")]);

    // No key for `addr` yet: an unsigned connection completes, a signed one does not.
    let mut c = connect(&client(addr, None, BOUND)).await.expect("unsigned");
    let (mut s, _) = accept(&l).await;
    exchange(&mut c, &mut s).await;

    l.set_key(&PeerKey::new(addr, "added-later"))
        .expect("add key");
    let mut c = connect(&client(addr, Some("added-later"), BOUND))
        .await
        .expect("signed after the key was added");
    let (mut s, _) = accept(&l).await;
    exchange(&mut c, &mut s).await;
    assert!(matches!(
        connect(&client(addr, None, REFUSED_WITHIN)).await,
        Err(SocketError::ConnectTimeout { .. })
    ));
    accepts_nothing(&l).await;

    // A changed key replaces the old one.
    l.set_key(&PeerKey::new(addr, "changed"))
        .expect("change key");
    assert!(matches!(
        connect(&client(addr, Some("added-later"), REFUSED_WITHIN)).await,
        Err(SocketError::ConnectTimeout { .. })
    ));
    accepts_nothing(&l).await;
    let mut c = connect(&client(addr, Some("changed"), BOUND))
        .await
        .expect("signed with the changed key");
    let (mut s, _) = accept(&l).await;
    exchange(&mut c, &mut s).await;

    l.delete_key(addr, None).expect("remove key");
    let before = md5_drops();
    assert!(matches!(
        connect(&client(addr, Some("changed"), REFUSED_WITHIN)).await,
        Err(SocketError::ConnectTimeout { .. })
    ));
    accepts_nothing(&l).await;
    assert!(md5_drops().unexpected > before.unexpected);
    let mut c = connect(&client(addr, None, BOUND))
        .await
        .expect("unsigned after removal");
    let (mut s, _) = accept(&l).await;
    exchange(&mut c, &mut s).await;
}

#[test]
fn keys_change_at_run_time_ipv4() {
    in_netns(|| keys_change_at_run_time(v4()))
}

#[test]
fn keys_change_at_run_time_ipv6() {
    in_netns(|| keys_change_at_run_time(v6()))
}

#[test]
fn a_prefix_key_covers_its_range() {
    in_netns(|| async {
        let range: IpAddr = "127.0.0.0".parse().expect("address");
        let config = ListenerConfig::new(Family::Ipv4)
            .port(PORT)
            .key(PeerKey::new(range, "range-key").with_prefix_len(8));
        let l = BgpListener::bind(&config).expect("listener");
        let mut c = connect(&client(v4(), Some("range-key"), BOUND))
            .await
            .expect("signed");
        let (mut s, _) = accept(&l).await;
        exchange(&mut c, &mut s).await;
        assert!(matches!(
            connect(&client(v4(), None, REFUSED_WITHIN)).await,
            Err(SocketError::ConnectTimeout { .. })
        ));
        l.delete_key(range, Some(8)).expect("remove the range key");
    })
}

#[test]
fn a_listener_on_a_missing_device_is_an_error() {
    in_netns(|| async {
        let config = ListenerConfig::new(Family::Ipv4)
            .port(PORT)
            .device("vrf-missing");
        match BgpListener::bind(&config) {
            Err(SocketError::BindDevice { device, source }) => {
                assert_eq!(device, "vrf-missing");
                assert_eq!(source.raw_os_error(), Some(libc::ENODEV));
            }
            other => panic!("expected BindDevice, got {other:?}"),
        }
    })
}

/// Bound to a device that is not a VRF, the listener's keys cannot be scoped to it: the kernel
/// says EINVAL and the listener does not open (rather than listen without MD5).
#[test]
fn a_key_the_kernel_refuses_fails_the_listener() {
    in_netns(|| async {
        for addr in [v4(), v6()] {
            let config = ListenerConfig::new(family(addr))
                .port(PORT)
                .device("lo")
                .key(PeerKey::new(addr, "secret"));
            match BgpListener::bind(&config) {
                Err(SocketError::Md5(Md5Error::Kernel { scope, errno, .. })) => {
                    assert_eq!(errno, libc::EINVAL);
                    assert_eq!(scope.peer, addr);
                    assert_eq!(scope.l3mdev_ifindex, Some(1));
                }
                other => panic!("expected an MD5 EINVAL, got {other:?}"),
            }
            // Nothing listens: a connection is refused outright.
            assert!(matches!(
                connect(&client(addr, None, BOUND)).await,
                Err(SocketError::Connect { .. })
            ));
        }
    })
}

/// The device binding itself (without keys) works and is reported.
#[test]
fn a_listener_bound_to_a_device() {
    in_netns(|| async {
        let config = ListenerConfig::new(Family::Ipv4).port(PORT).device("lo");
        let l = BgpListener::bind(&config).expect("listener on lo");
        assert_eq!(l.device(), Some("lo"));
        assert_eq!(l.l3mdev_ifindex(), Some(1));
        let mut c = connect(&client(v4(), None, BOUND)).await.expect("connect");
        let (mut s, _) = accept(&l).await;
        exchange(&mut c, &mut s).await;
        // A key added at run time to a device-bound listener is scoped to its device, and
        // refused here for the same reason as above.
        let err = l
            .set_key(&PeerKey::new(v4(), "secret"))
            .expect_err("lo is not an L3 master");
        assert_eq!(err.errno(), Some(libc::EINVAL));
    })
}

#[test]
fn the_port_is_configurable_and_179_is_the_default() {
    assert_eq!(ListenerConfig::new(Family::Ipv4).addr.port(), 179);
    assert_eq!(
        ListenerConfig::new(Family::Ipv6).addr,
        "[::]:179".parse().expect("address")
    );
    in_netns(|| async {
        let l = listener(Family::Ipv6, &[]);
        assert_eq!(l.local_addr().expect("local addr").port(), PORT);
    })
}
