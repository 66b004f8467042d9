//! The daemon against misbehaving clients: malformed and oversized frames, a client that
//! vanishes mid-stream, a request that panics. Each time the offender gets an error if it can
//! still be reached, and everyone else is served.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

use std::time::Duration;

use common::{Conn, Daemon};
use lsys_protocol::{self as proto, Client, Request, Response};

fn raw(d: &Daemon) -> UnixStream {
    let mut s = UnixStream::connect(&d.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    proto::hello(&mut s, Client::Cli).expect("welcome");
    s
}

/// Commits a prefix list of `n` entries (a configuration whose display spans many frames).
fn big_prefix_list(d: &Daemon, c: &mut Conn, n: usize) {
    let file = d.dir.path().join("big.conf");
    let mut text = String::from("policy-options { prefix-list big {\n");
    for i in 0..n {
        text.push_str(&format!("10.{}.{}.0/24;\n", i / 256 % 256, i % 256));
    }
    text.push_str("} }\n");
    std::fs::write(&file, text).unwrap();
    c.ok("configure");
    c.ok(&format!("load merge {}", file.display()));
    c.ok("commit");
    c.ok("exit");
}

fn execute(s: &mut UnixStream, id: u64, line: &str) {
    proto::write(
        s,
        &Request::Execute {
            id,
            line: line.into(),
        },
    )
    .unwrap();
}

#[test]
fn malformed_frame_gets_an_error_and_the_connection_lives() {
    let d = Daemon::start();
    let mut s = raw(&d);
    let body = b"{\"type\":\"no_such_thing\"}";
    s.write_all(&(body.len() as u32).to_be_bytes()).unwrap();
    s.write_all(body).unwrap();
    match proto::read::<Response>(&mut s).unwrap() {
        Response::Error { message } => {
            assert!(message.starts_with("malformed request"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    proto::write(
        &mut s,
        &Request::Execute {
            id: 1,
            line: "show version".into(),
        },
    )
    .unwrap();
    assert!(matches!(
        proto::read::<Response>(&mut s).unwrap(),
        Response::Output { .. }
    ));
}

#[test]
fn oversized_frame_is_refused_without_reading_it() {
    let d = Daemon::start();
    let mut s = raw(&d);
    s.write_all(&u32::MAX.to_be_bytes()).unwrap();
    match proto::read::<Response>(&mut s).unwrap() {
        Response::Error { message } => assert!(message.contains("exceeds"), "{message}"),
        other => panic!("{other:?}"),
    }
    // That connection is closed; the daemon still serves others.
    let mut c = d.connect();
    assert!(c.ok("show version").contains("Model: lsys"));
}

#[test]
fn garbage_instead_of_hello_and_wrong_version_are_refused() {
    let d = Daemon::start();
    let mut s = UnixStream::connect(&d.socket).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let mut s = UnixStream::connect(&d.socket).unwrap();
    proto::write(
        &mut s,
        &Request::Hello {
            version: 999,
            client: Client::Cli,
            tty: None,
        },
    )
    .unwrap();
    match proto::read::<Response>(&mut s).unwrap() {
        Response::Refused { reason } => assert!(reason.contains("version 999"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(d.connect().ok("show version").contains("lsys"));
}

#[test]
fn client_vanishing_mid_stream() {
    let d = Daemon::start();
    let mut c = d.connect();
    big_prefix_list(&d, &mut c, 3000);
    for _ in 0..5 {
        let mut s = raw(&d);
        execute(&mut s, 1, "show configuration | display json");
        let _ = proto::read::<Response>(&mut s);
        drop(s);
    }
    let mut other = d.connect();
    let out = other.ok("show configuration policy-options | display set");
    assert_eq!(out.lines().count(), 3000);
}

#[test]
fn cancel_stops_a_long_reply() {
    let d = Daemon::start();
    let mut c = d.connect();
    big_prefix_list(&d, &mut c, 20_000);
    let full = c.ok("show configuration | display json").len();
    // Ask for the long display and cancel at once, as Ctrl-C does.
    let mut s = raw(&d);
    execute(&mut s, 1, "show configuration | display json");
    proto::write(&mut s, &Request::Cancel { id: 1 }).unwrap();
    let mut got = 0;
    loop {
        match proto::read::<Response>(&mut s).unwrap() {
            Response::Output { text, .. } => got += text.len(),
            Response::Done { ok, .. } => {
                assert!(ok);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        got < full / 2,
        "streamed {got} of {full} bytes after a cancel"
    );
    // The connection goes on.
    execute(&mut s, 2, "show version");
    assert!(matches!(
        proto::read::<Response>(&mut s).unwrap(),
        Response::Output { id: 2, .. }
    ));
}

fn panicking(
    r: &lsysd::core::Core,
    s: &mut lsysd::session::Session,
    line: &str,
) -> lsysd::exec::Reply {
    if line == "panic please" {
        panic!("asked to panic");
    }
    lsysd::exec::execute(r, s, line)
}

#[test]
fn a_panicking_request_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("s.sock");
    let store = lsys_datastore::Datastore::open(dir.path().join("db")).unwrap();
    let core = lsysd::core::Core::start(store, Default::default()).unwrap();
    let sock = socket.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(lsysd::server::serve(core, &sock, panicking))
            .unwrap();
    });
    let start = std::time::Instant::now();
    while UnixStream::connect(&socket).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut a = Conn::open(&socket, Client::Cli);
    let mut b = Conn::open(&socket, Client::Cli);
    let e = a.err("panic please");
    assert!(e.contains("internal error"), "{e}");
    // Both sessions, including the one that panicked, keep working.
    assert!(a.ok("show version").contains("lsys"));
    b.ok("configure");
    b.ok("set system host-name after-panic");
    assert_eq!(b.ok("commit"), "commit complete\n");
}

/// A load over the size limit gets exactly one answer, with its last frame, and the
/// connection stays in step (finding: a second Done desynchronised the protocol).
#[test]
fn a_load_over_the_limit_is_answered_once() {
    let d = Daemon::start();
    let mut s = raw(&d);
    execute(&mut s, 1, "configure");
    while !matches!(
        proto::read::<Response>(&mut s).unwrap(),
        Response::Done { .. }
    ) {}
    execute(&mut s, 2, "load merge terminal");
    assert!(matches!(
        proto::read::<Response>(&mut s).unwrap(),
        Response::ReadText { id: 2, .. }
    ));
    // 17 MiB in 256 KiB frames: past the 16 MiB limit halfway.
    let chunk = "#".repeat(proto::TEXT_CHUNK / 2);
    let frames = (17 << 20) / chunk.len();
    for i in 0..frames {
        let frame = Request::Text {
            id: 2,
            text: Some(chunk.clone()),
            error: None,
            more: i + 1 < frames,
        };
        proto::write(&mut s, &frame).unwrap();
    }
    match proto::read::<Response>(&mut s).unwrap() {
        Response::Done {
            id: 2,
            ok: false,
            error,
            ..
        } => {
            assert!(error.unwrap_or_default().contains("text longer than"))
        }
        other => panic!("{other:?}"),
    }
    execute(&mut s, 3, "show | compare");
    match proto::read::<Response>(&mut s).unwrap() {
        Response::Done {
            id: 3, ok: true, ..
        } => {}
        other => panic!("out of step: {other:?}"),
    }
}

#[test]
fn ctrl_c_stops_a_ping_and_its_statistics_still_come() {
    // The operator's master instance is the main table: no VRF needed, loopback answers.
    let d = Daemon::start();
    let mut s = raw(&d);
    execute(&mut s, 1, "ping 127.0.0.1 interval 0.2");
    let mut replies = 0;
    let mut tail = String::new();
    let started = std::time::Instant::now();
    loop {
        match proto::read::<Response>(&mut s).unwrap() {
            Response::Output { text, .. } => {
                replies += text.matches("bytes from 127.0.0.1").count();
                if replies == 2 {
                    proto::write(&mut s, &Request::Cancel { id: 1 }).unwrap();
                }
            }
            Response::Tail { text, .. } => tail.push_str(&text),
            Response::Done { ok, .. } => {
                assert!(ok);
                break;
            }
            other => panic!("{other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "ping never stopped"
        );
    }
    assert!(replies >= 2);
    assert!(tail.contains("--- 127.0.0.1 ping statistics ---"), "{tail}");
    assert!(tail.contains("packets received, 0% packet loss"), "{tail}");
    assert!(tail.contains("round-trip min/avg/max/stddev = "), "{tail}");
}
