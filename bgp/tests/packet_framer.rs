//! The stream framer: any split of the byte stream gives the same messages; header
//! errors give the Message Header Error NOTIFICATION of RFC 4271 §6.1.

mod packet_support;

use lsys_bgp::packet::*;
use packet_support::*;
use proptest::prelude::*;

fn stream() -> (Vec<u8>, Vec<Message>) {
    let parts = [
        message(1, "04 fde9 00b4 0a000001 08 02 06 41 04 0000fde9"),
        message(4, ""),
        message(
            2,
            "0000 0014 40 01 01 00 40 02 06 02 01 0000fde9 40 03 04 0a000001 18 c00002",
        ),
        message(5, "0002 00 01"),
        message(2, "0000 0000"),
        message(3, "06 02 03 627965"),
    ];
    let msgs = parts
        .iter()
        .map(|p| Message::from_bytes(p, &NEW_EBGP).unwrap())
        .collect();
    (parts.concat(), msgs)
}

fn drain(framer: &mut Framer, out: &mut Vec<Message>) {
    while let Some(m) = framer.next_message(&NEW_EBGP).unwrap() {
        out.push(m);
    }
}

#[test]
fn every_split_point_gives_the_same_messages() {
    let (bytes, expected) = stream();
    for i in 0..=bytes.len() {
        let mut framer = Framer::new();
        let mut got = Vec::new();
        framer.feed(&bytes[..i]);
        drain(&mut framer, &mut got);
        framer.feed(&bytes[i..]);
        drain(&mut framer, &mut got);
        assert_eq!(got, expected, "split at {i}");
        assert_eq!(framer.buffered(), 0);
    }
}

#[test]
fn byte_by_byte() {
    let (bytes, expected) = stream();
    let mut framer = Framer::new();
    let mut got = Vec::new();
    for b in &bytes {
        framer.feed(std::slice::from_ref(b));
        drain(&mut framer, &mut got);
        assert!(framer.buffered() < MAX_MESSAGE_LEN);
    }
    assert_eq!(got, expected);
}

proptest! {
    #[test]
    fn any_chunking_gives_the_same_messages(cuts in proptest::collection::vec(0usize..200, 0..20)) {
        let (bytes, expected) = stream();
        let mut framer = Framer::new();
        let mut got = Vec::new();
        let mut rest = &bytes[..];
        for c in cuts {
            let (a, b) = rest.split_at(c.min(rest.len()));
            framer.feed(a);
            drain(&mut framer, &mut got);
            rest = b;
        }
        framer.feed(rest);
        drain(&mut framer, &mut got);
        prop_assert_eq!(got, expected);
    }
}

fn header_error(bytes: &[u8]) -> Vec<u8> {
    let mut framer = Framer::new();
    framer.feed(bytes);
    let err = framer.next_frame().unwrap_err();
    // Poisoned: the same error again, even after more input.
    framer.feed(&message(4, ""));
    assert_eq!(framer.next_frame().unwrap_err(), err);
    Message::Notification(err.notification())
        .encode(&NEW_EBGP)
        .unwrap()
}

#[test]
fn bad_marker_is_connection_not_synchronized() {
    let mut bytes = message(4, "");
    bytes[7] = 0xfe;
    assert_eq!(header_error(&bytes), message(3, "01 01"));
}

#[test]
fn bad_length_carries_the_length() {
    let mut bytes = message(4, "");
    bytes[16..18].copy_from_slice(&4097u16.to_be_bytes());
    assert_eq!(header_error(&bytes), message(3, "01 02 1001"));
    bytes[16..18].copy_from_slice(&18u16.to_be_bytes());
    assert_eq!(header_error(&bytes), message(3, "01 02 0012"));
    // A KEEPALIVE must be exactly 19, an OPEN at least 29.
    assert_eq!(header_error(&message(4, "00")), message(3, "01 02 0014"));
    assert_eq!(
        header_error(&message(1, "04 fde9 00b4 0a0000")),
        message(3, "01 02 001b")
    );
}

#[test]
fn bad_type_carries_the_type() {
    assert_eq!(header_error(&message(9, "")), message(3, "01 03 09"));
}

#[test]
fn a_bad_message_after_good_ones() {
    let (mut bytes, expected) = stream();
    bytes.extend_from_slice(&message(0, ""));
    let mut framer = Framer::new();
    framer.feed(&bytes);
    let mut got = Vec::new();
    let err = loop {
        match framer.next_message(&NEW_EBGP) {
            Ok(Some(m)) => got.push(m),
            Ok(None) => panic!("the bad message was not seen"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, expected);
    assert_eq!(err, DecodeError::BadType(0));
}

#[test]
fn open_errors() {
    let cases = [
        ("03 fde9 00b4 0a000001 00", "02 01 0004"),
        ("04 fde9 0002 0a000001 00", "02 06"),
        ("04 fde9 00b4 00000000 00", "02 03"),
        ("04 fde9 00b4 0a000001 04 01 02 0000", "02 04"),
        ("04 fde9 00b4 0a000001 06 02 04 41 02 0000", "02 00"),
    ];
    for (body, notification) in cases {
        let err = Message::from_bytes(&message(1, body), &NEW_EBGP).unwrap_err();
        assert_eq!(
            Message::Notification(err.notification())
                .encode(&NEW_EBGP)
                .unwrap(),
            message(3, notification)
        );
    }
}
