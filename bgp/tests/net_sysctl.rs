//! The `net.ipv4.tcp_l3mdev_accept` check.

mod net_support;

use std::path::Path;

use lsys_bgp::net::sysctl::{
    check_tcp_l3mdev_accept, check_tcp_l3mdev_accept_at, check_tcp_l3mdev_accept_text,
    L3mdevAcceptError, TCP_L3MDEV_ACCEPT,
};
use net_support::in_netns;

#[test]
fn zero_is_fine() {
    check_tcp_l3mdev_accept_text("0\n").expect("0");
    check_tcp_l3mdev_accept_text("0").expect("0 without newline");
}

#[test]
fn one_is_refused_and_says_why() {
    let err = check_tcp_l3mdev_accept_text("1\n").expect_err("1");
    assert!(matches!(err, L3mdevAcceptError::Enabled { value: 1 }));
    let text = err.to_string();
    assert!(text.contains("must be 0"), "{text}");
    assert!(text.contains("MD5 keys would not apply"), "{text}");
    assert!(matches!(
        check_tcp_l3mdev_accept_text("2\n"),
        Err(L3mdevAcceptError::Enabled { value: 2 })
    ));
}

#[test]
fn garbage_is_unparsable() {
    for text in ["", "\n", "yes\n", "-1\n", "0 1\n", "0x0\n"] {
        match check_tcp_l3mdev_accept_text(text) {
            Err(L3mdevAcceptError::Unparsable { text: t }) => assert_eq!(t, text),
            other => panic!("{text:?}: expected Unparsable, got {other:?}"),
        }
    }
}

#[test]
fn a_missing_file_means_no_l3mdev_support() {
    let path = Path::new("/proc/sys/net/ipv4/does-not-exist");
    match check_tcp_l3mdev_accept_at(path) {
        Err(L3mdevAcceptError::NoL3mdevSupport { path: p }) => assert_eq!(p, path),
        other => panic!("expected NoL3mdevSupport, got {other:?}"),
    }
}

/// The real file, in a fresh namespace (where the kernel's default, 0, applies).
#[test]
fn the_real_file() {
    in_netns(|| async {
        let exists = Path::new(TCP_L3MDEV_ACCEPT).exists();
        match check_tcp_l3mdev_accept() {
            Ok(()) => assert!(exists),
            Err(L3mdevAcceptError::NoL3mdevSupport { .. }) => assert!(!exists),
            Err(e) => panic!("a fresh namespace: {e}"),
        }
    })
}
