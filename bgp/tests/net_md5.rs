//! `net::md5` on plain sockets: what the kernel accepts and what it refuses, as typed errors.

mod net_support;

use std::net::IpAddr;

use lsys_bgp::net::md5::{delete_key, set_key, KeyOp, KeyScope, Md5Error, MAX_KEY_LEN};
use net_support::{in_netns, v4, v6};
use socket2::{Domain, Protocol, Socket, Type};

fn tcp(domain: Domain) -> Socket {
    Socket::new(domain, Type::STREAM, Some(Protocol::TCP)).expect("socket")
}

#[test]
fn keys_up_to_80_bytes_are_set_and_81_are_refused() {
    in_netns(|| async {
        let s = tcp(Domain::IPV4);
        let scope = KeyScope::peer(v4());
        set_key(&s, &scope, &[b'k'; MAX_KEY_LEN]).expect("an 80-byte key");
        set_key(&s, &scope, b"x").expect("a 1-byte key replaces it");
        match set_key(&s, &scope, &[b'k'; 81]) {
            Err(Md5Error::KeyTooLong { scope: e, len: 81 }) => assert_eq!(e.peer, v4()),
            other => panic!("expected KeyTooLong, got {other:?}"),
        }
        match set_key(&s, &scope, b"") {
            Err(Md5Error::EmptyKey { scope: e }) => assert_eq!(e, scope),
            other => panic!("expected EmptyKey, got {other:?}"),
        }
    })
}

#[test]
fn an_ifindex_that_is_not_an_l3_master_is_einval() {
    in_netns(|| async {
        // lo is ifindex 1 in every namespace, and not a VRF.
        for (domain, peer) in [(Domain::IPV4, v4()), (Domain::IPV6, v6())] {
            let s = tcp(domain);
            let scope = KeyScope::peer(peer).in_l3mdev(1);
            let err = set_key(&s, &scope, b"secret").expect_err("lo is not an L3 master");
            match &err {
                Md5Error::Kernel {
                    op: KeyOp::Set,
                    scope: e,
                    errno,
                } => {
                    assert_eq!(*errno, libc::EINVAL);
                    assert_eq!(*e, scope);
                }
                other => panic!("expected Kernel EINVAL, got {other:?}"),
            }
            assert_eq!(err.errno(), Some(libc::EINVAL));
            assert_eq!(err.scope().peer, peer);
            let text = err.to_string();
            assert!(text.contains(&peer.to_string()), "{text}");
            assert!(text.contains("ifindex 1"), "{text}");
            assert!(text.contains("Invalid argument"), "{text}");
        }
    })
}

#[test]
fn the_default_vrf_scope_is_accepted() {
    // IFINDEX with index 0 = "default VRF only" (Linux >= 5.16); this host is newer.
    in_netns(|| async {
        let s = tcp(Domain::IPV4);
        set_key(&s, &KeyScope::peer(v4()).in_l3mdev(0), b"secret").expect("ifindex 0");
        delete_key(&s, &KeyScope::peer(v4()).in_l3mdev(0)).expect("delete");
    })
}

#[test]
fn address_families_follow_the_socket() {
    in_netns(|| async {
        // An IPv4 peer on an IPv6 socket goes in as a v4-mapped address.
        let s6 = tcp(Domain::IPV6);
        set_key(&s6, &KeyScope::peer(v4()), b"secret").expect("v4 peer on v6 socket");
        set_key(&s6, &KeyScope::peer(v6()), b"secret").expect("v6 peer on v6 socket");
        // An IPv6 peer cannot go on an IPv4 socket.
        let s4 = tcp(Domain::IPV4);
        match set_key(&s4, &KeyScope::peer(v6()), b"secret") {
            Err(Md5Error::FamilyMismatch { scope }) => assert_eq!(scope.peer, v6()),
            other => panic!("expected FamilyMismatch, got {other:?}"),
        }
    })
}

#[test]
fn prefix_keys() {
    in_netns(|| async {
        let net4: IpAddr = "10.0.0.0".parse().expect("address");
        let net6: IpAddr = "2001:db8::".parse().expect("address");
        let s4 = tcp(Domain::IPV4);
        set_key(&s4, &KeyScope::prefix(net4, 24), b"secret").expect("/24");
        delete_key(&s4, &KeyScope::prefix(net4, 24)).expect("delete /24");
        match set_key(&s4, &KeyScope::prefix(net4, 33), b"secret") {
            Err(Md5Error::PrefixTooLong { prefix_len: 33, .. }) => {}
            other => panic!("expected PrefixTooLong, got {other:?}"),
        }
        let s6 = tcp(Domain::IPV6);
        set_key(&s6, &KeyScope::prefix(net6, 64), b"secret").expect("/64");
        set_key(&s6, &KeyScope::prefix(net4, 24), b"secret").expect("v4 /24 on v6 socket");
        match set_key(&s6, &KeyScope::prefix(net6, 129), b"secret") {
            Err(Md5Error::PrefixTooLong {
                prefix_len: 129, ..
            }) => {}
            other => panic!("expected PrefixTooLong, got {other:?}"),
        }
    })
}

#[test]
fn deleting_a_key_that_is_not_there_succeeds() {
    in_netns(|| async {
        let s = tcp(Domain::IPV4);
        delete_key(&s, &KeyScope::peer(v4())).expect("nothing to delete");
        set_key(&s, &KeyScope::peer(v4()), b"secret").expect("set");
        delete_key(&s, &KeyScope::peer(v4())).expect("delete");
        delete_key(&s, &KeyScope::peer(v4())).expect("delete again");
    })
}

#[test]
fn an_error_never_shows_the_key() {
    let err = Md5Error::KeyTooLong {
        scope: KeyScope::peer(v4()),
        len: 81,
    };
    assert_eq!(
        err.to_string(),
        "TCP MD5 key for 127.0.0.1 is 81 bytes; the kernel accepts at most 80"
    );
    let key = lsys_bgp::net::Md5Key::new("hunter2");
    assert!(!format!("{key:?}").contains("hunter2"));
}
