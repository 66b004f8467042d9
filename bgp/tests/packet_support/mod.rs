//! Helpers shared by the packet tests: hex vectors, message framing, contexts.
#![allow(dead_code)]

pub mod oracle;
pub mod strategy;

use lsys_bgp::packet::{CodecContext, Message};

/// Bytes from hex with any whitespace in between.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(
        digits.len().is_multiple_of(2),
        "odd number of hex digits in {s:?}"
    );
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// A complete message: marker, length, `kind`, then the body given in hex.
pub fn message(kind: u8, body_hex: &str) -> Vec<u8> {
    let body = hex(body_hex);
    let mut out = vec![0xff; 16];
    out.extend_from_slice(&((19 + body.len()) as u16).to_be_bytes());
    out.push(kind);
    out.extend_from_slice(&body);
    out
}

pub const OLD_EBGP: CodecContext = CodecContext {
    four_octet_as: false,
    ibgp: false,
};
pub const NEW_EBGP: CodecContext = CodecContext {
    four_octet_as: true,
    ibgp: false,
};
pub const NEW_IBGP: CodecContext = CodecContext {
    four_octet_as: true,
    ibgp: true,
};
pub const OLD_IBGP: CodecContext = CodecContext {
    four_octet_as: false,
    ibgp: true,
};

/// Decodes `bytes` and checks that encoding the result gives `bytes` back.
pub fn both_ways(bytes: &[u8], ctx: &CodecContext) -> Message {
    let msg = Message::from_bytes(bytes, ctx).unwrap_or_else(|e| panic!("decode: {e}"));
    assert_eq!(msg.encode(ctx).unwrap(), bytes, "re-encoding {msg:?}");
    msg
}
