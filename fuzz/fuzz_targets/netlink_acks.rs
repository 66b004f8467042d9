//! Arbitrary bytes as a received ack datagram of the route batch path: `parse_acks`, then the
//! acks fed to a `Tracker` (as `RouteSocket::apply` does). Errors are fine, panics are bugs;
//! every op ends with exactly one result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsys_netlink::batch::{parse_acks, Route, RouteOp, Tracker, PROTO_STATIC};

fuzz_target!(|data: &[u8]| {
    let Ok(acks) = parse_acks(data) else {
        return;
    };
    let ops: Vec<RouteOp> = (0..4u8)
        .map(|i| {
            let r = Route::via(
                1003,
                format!("10.0.{i}.0/24").parse().unwrap(),
                "10.255.0.2".parse().unwrap(),
                PROTO_STATIC,
            );
            if i % 2 == 0 {
                RouteOp::Add(r)
            } else {
                RouteOp::Delete(r)
            }
        })
        .collect();
    // Sequence numbers near the wrap, as after a long uptime; ops 0 and 2 asked for no ack.
    let mut tracker = Tracker::new(u32::MAX - 1, &ops);
    tracker.sent(0, &[false, true, false, true]);
    for (k, a) in acks.iter().enumerate() {
        tracker.answer(0..ops.len(), a, k % 3 != 2);
    }
    let pending = tracker.pending(0..ops.len());
    assert!(pending <= ops.len());
    assert_eq!(tracker.finish(&ops).len(), ops.len());
});
