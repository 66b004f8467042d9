//! Arbitrary bytes as the daemon reads them: the length prefix, then the body as a `Request`
//! (decoded and checked at the protocol edge). An error is fine, a panic is a bug; whatever
//! decodes keeps the edge's rules and encodes to a frame that decodes to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsys_protocol::{decode, encode, frame_len, read, Request, MAX_FRAME, MAX_LINE, MAX_TTY};

fuzz_target!(|data: &[u8]| {
    if let Some(header) = data.first_chunk::<4>() {
        if let Ok(len) = frame_len(*header) {
            assert!(len <= MAX_FRAME);
        }
    }
    // The whole input as a body, and as a stream of frames.
    let _ = decode::<Request>(data);
    let mut stream = data;
    while let Ok(req) = read::<Request>(&mut stream) {
        check(&req);
    }
    let Ok(req) = decode::<Request>(data) else {
        return;
    };
    check(&req);
    let frame = encode(&req);
    assert_eq!(decode::<Request>(&frame[4..]).ok().as_ref(), Some(&req));
});

fn check(req: &Request) {
    match req {
        Request::Hello { tty: Some(t), .. } => assert!(t.len() <= MAX_TTY),
        Request::Execute { line, .. } | Request::Complete { line } => {
            assert!(line.len() <= MAX_LINE && !line.chars().any(|c| c.is_control() && c != '\t'))
        }
        Request::Text { error: Some(e), .. } => assert!(!e.chars().any(char::is_control)),
        _ => {}
    }
}
