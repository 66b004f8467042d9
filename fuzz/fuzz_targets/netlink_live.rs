//! Arbitrary bytes as datagrams of the live-state event socket: decoded with
//! netlink-packet-route as the event connection decodes them, then applied to the live state
//! (`LiveState::apply_datagram`). The input is split at 0xff 0xff 0xff 0xff into several
//! datagrams applied in turn, so later events meet the links earlier ones made. No panic; the
//! name index only names links that carry that name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsys_netlink::live::{decode_datagram, LiveState};

fuzz_target!(|data: &[u8]| {
    let mut state = LiveState::default();
    for datagram in split(data) {
        let _ = decode_datagram(datagram);
        state.apply_datagram(datagram);
    }
    for link in state.links() {
        assert_eq!(state.get(link.index), Some(link));
        if let Some(named) = state.by_name(&link.name) {
            assert_eq!(named.name, link.name);
        }
        assert!(
            link.addresses.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
    }
});

fn split(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let d = rest?;
        match d.windows(4).position(|w| w == [0xff; 4]) {
            Some(at) => {
                rest = Some(&d[at + 4..]);
                Some(&d[..at])
            }
            None => {
                rest = None;
                Some(d)
            }
        }
    })
}
