//! `set cli ...`: Junos's confirmations, settings that belong to one session and travel to the
//! shell with every Done, `show version` in Junos's shape, and `set cli idle-timeout` ending an
//! idle session with `Closed` (a minute made short through `Limits::idle_minute`).

mod common;

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use common::inproc::{Inproc, START};
use lsys_protocol::{self as proto, CliSettings, Client, Request, Response};
use lsysd::core::{Core, Options};
use lsysd::limits::Limits;

#[test]
fn confirmations_are_junos_and_settings_stay_in_the_session() {
    let mut d = Inproc::new(None);
    let mut s = d.root();
    // What netmiko's juniper_junos session preparation sends and waits for.
    assert_eq!(
        d.ok(&mut s, "set cli screen-width 511"),
        "Screen width set to 511\n"
    );
    assert_eq!(
        d.ok(&mut s, "set cli complete-on-space off"),
        "Disabling complete-on-space\n"
    );
    assert_eq!(
        d.ok(&mut s, "set cli screen-length 0"),
        "Screen length set to 0\n"
    );
    assert_eq!(
        d.ok(&mut s, "set cli complete-on-space on"),
        "Enabling complete-on-space\n"
    );
    assert_eq!(
        d.ok(&mut s, "set cli terminal vt100"),
        "Terminal type set to vt100\n"
    );
    assert_eq!(
        d.ok(&mut s, "set cli idle-timeout 5"),
        "Idle timeout set to 5 minutes\n"
    );
    assert_eq!(
        d.ok(&mut s, "set cli idle-timeout"),
        "Idle timeout disabled\n"
    );
    assert_eq!(
        d.ok(&mut s, "set cli idle-timeout 0"),
        "Idle timeout disabled\n"
    );
    // Abbreviated, as typed by people.
    assert_eq!(
        d.ok(&mut s, "set cli screen-l 40"),
        "Screen length set to 40\n"
    );
    assert_eq!(
        s.cli,
        CliSettings {
            screen_length: Some(40),
            screen_width: Some(511),
            complete_on_space: true,
            terminal: Some("vt100".into()),
            timestamp: false,
            idle_timeout: None,
        }
    );
    // Out of Junos's range: refused, nothing changes.
    let e = d.err(&mut s, "set cli screen-width 20");
    assert!(e.contains("0 (never wrap) or 40 through 1024"), "{e}");
    assert_eq!(s.cli.screen_width, Some(511));
    let e = d.err(&mut s, "set cli screen-length -1");
    assert!(e.contains("number expected"), "{e}");
    // Another session of the same user has its own settings.
    let other = d.root();
    assert_eq!(other.cli, CliSettings::default());
    // From configuration mode with `run`, as on Junos.
    d.ok(&mut s, "configure");
    assert_eq!(
        d.ok(&mut s, "run set cli screen-length 30"),
        "Screen length set to 30\n"
    );
    assert_eq!(s.cli.screen_length, Some(30));
    // Not configuration: nothing to commit, nothing shown.
    assert!(!d.ok(&mut s, "show | display set").contains("screen"));
}

#[test]
fn timestamp_prints_the_time_when_it_turns_on() {
    let mut d = Inproc::new(None);
    let mut s = d.root();
    let stamp = proto::timestamp(START);
    assert_eq!(
        d.ok(&mut s, "set cli timestamp"),
        format!("{stamp}\nCLI timestamp set to: %b %d %T\n")
    );
    assert!(s.cli.timestamp);
    // Already on: the shell prints the time line of this command itself.
    assert_eq!(
        d.ok(&mut s, "set cli timestamp"),
        "CLI timestamp set to: %b %d %T\n"
    );
    assert_eq!(
        d.ok(&mut s, "set cli timestamp disable"),
        "CLI timestamp disabled\n"
    );
    assert!(!s.cli.timestamp);
}

#[test]
fn show_version_has_the_junos_shape() {
    let mut d = Inproc::new(None);
    let mut s = d.root();
    d.ok(&mut s, "configure");
    d.ok(&mut s, "set system host-name r1");
    d.ok(&mut s, "commit and-quit");
    assert_eq!(
        d.ok(&mut s, "show version"),
        format!(
            "Hostname: r1\nModel: lsys\nJunos: lsys-{}\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}

/// An lsysd (in this process) whose idle minute lasts `minute`.
fn serve(minute: Duration) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("s.sock");
    let store = lsys_datastore::Datastore::open(dir.path().join("db")).unwrap();
    let options = Options {
        limits: Limits {
            idle_minute: minute,
            ..Limits::default()
        },
        ..Options::default()
    };
    let core = Core::start(store, options).unwrap();
    let sock = socket.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let _ = rt.block_on(lsysd::server::serve(core, &sock, lsysd::exec::execute));
    });
    let start = Instant::now();
    while UnixStream::connect(&socket).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    (dir, socket)
}

/// Runs `line` and returns its Done's settings.
fn run(s: &mut UnixStream, id: u64, line: &str) -> CliSettings {
    let line = line.to_string();
    proto::write(s, &Request::Execute { id, line }).unwrap();
    loop {
        match proto::read::<Response>(s).unwrap() {
            Response::Output { .. } => {}
            Response::Done { ok, cli, error, .. } => {
                assert!(ok, "{error:?}");
                return cli;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn settings_travel_with_done_and_idle_sessions_are_closed() {
    let (_dir, socket) = serve(Duration::from_millis(300));
    let mut s = UnixStream::connect(&socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    proto::hello(&mut s, Client::Ssh).unwrap();
    assert_eq!(run(&mut s, 1, "show version"), CliSettings::default());
    let cli = run(&mut s, 2, "set cli screen-length 0");
    assert_eq!(cli.screen_length, Some(0));
    let cli = run(&mut s, 3, "set cli idle-timeout 1");
    assert_eq!((cli.screen_length, cli.idle_timeout), (Some(0), Some(1)));
    // Requests (a completion too) keep the session alive past the "minute".
    let started = Instant::now();
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(150));
        proto::write(&mut s, &Request::Complete { line: "sh".into() }).unwrap();
        assert!(matches!(
            proto::read::<Response>(&mut s).unwrap(),
            Response::Completions { .. }
        ));
    }
    assert!(started.elapsed() > Duration::from_millis(500));
    // Then silence: lsysd says why and closes.
    let idle = Instant::now();
    match proto::read::<Response>(&mut s).unwrap() {
        Response::Closed { reason } => {
            assert_eq!(reason, "Idle timeout exceeded: closing session")
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    assert!(idle.elapsed() >= Duration::from_millis(250), "{idle:?}");
    assert!(matches!(
        proto::read::<Response>(&mut s),
        Err(proto::FrameError::Closed)
    ));
    // Without a timeout a session waits as long as it likes.
    let mut t = UnixStream::connect(&socket).unwrap();
    t.set_read_timeout(Some(Duration::from_millis(900)))
        .unwrap();
    proto::hello(&mut t, Client::Cli).unwrap();
    assert!(proto::read::<Response>(&mut t).is_err(), "nothing unasked");
    run(&mut t, 1, "show version");
}

#[test]
fn a_session_waiting_for_the_user_is_not_idle() {
    let (_dir, socket) = serve(Duration::from_millis(200));
    let mut s = UnixStream::connect(&socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    proto::hello(&mut s, Client::Cli).unwrap();
    run(&mut s, 1, "set cli idle-timeout 1");
    run(&mut s, 2, "configure");
    let line = "load merge terminal".to_string();
    proto::write(&mut s, &Request::Execute { id: 3, line }).unwrap();
    assert!(matches!(
        proto::read::<Response>(&mut s).unwrap(),
        Response::ReadText { id: 3, file: None }
    ));
    // The user types for longer than the timeout.
    std::thread::sleep(Duration::from_millis(700));
    for frame in proto::text_frames(3, "system { host-name typed; }\n") {
        proto::write(&mut s, &frame).unwrap();
    }
    loop {
        match proto::read::<Response>(&mut s).unwrap() {
            Response::Output { .. } => {}
            Response::Done { ok, error, .. } => {
                assert!(ok, "{error:?}");
                break;
            }
            other => panic!("expected the load's Done, got {other:?}"),
        }
    }
    // Back at the prompt, the timer runs again.
    assert!(matches!(
        proto::read::<Response>(&mut s).unwrap(),
        Response::Closed { .. }
    ));
}
