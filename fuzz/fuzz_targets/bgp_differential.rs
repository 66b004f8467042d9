//! Our BGP decoder against bgpkit-parser (an independent implementation) on the same
//! bytes, as one message on a 4-byte and a 2-byte iBGP session: when both accept it
//! (and neither finds fault with it), every field both model agrees. The comparison is
//! the one the tests use (bgp/tests/packet_support/oracle.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsys_bgp::packet::{CodecContext, Message};

#[path = "../../bgp/tests/packet_support/oracle.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    for ctx in [
        CodecContext {
            four_octet_as: true,
            ibgp: true,
        },
        CodecContext {
            four_octet_as: false,
            ibgp: true,
        },
    ] {
        let Ok(ours) = Message::from_bytes(data, &ctx) else {
            continue;
        };
        let Ok(theirs) = oracle::parse(data, &ctx) else {
            continue;
        };
        if oracle::comparable(&ours, &theirs) {
            if let Err(e) = oracle::agree(&ours, &theirs, &ctx) {
                panic!("{e}\n  ours: {ours:?}\n  bgpkit: {theirs:?}");
            }
        }
    }
});
