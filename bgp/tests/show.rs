//! Golden files for `show bgp summary` and `show bgp neighbor` (tests/golden/NAME.txt;
//! `LSYS_BLESS=1 cargo test -p lsys-bgp --test show` rewrites them — review the diff).

mod show_support;

use lsys_bgp::fsm::{Direction, Event, LastError, Notification, Record, State};
use lsys_bgp::peer::Status;
use lsys_bgp::show::{neighbor, summary, PeerView, SummaryView, TableCounts, TableTotals};
use show_support::{golden, peer, seed_peers, up};

/// The seed's Cloud Router as the capture shows it: show_support's AWS and Azure, AWS without
/// policies (neighbor_blocks gives it its own), Azure with its local address as local id and
/// up for 6w0d.
fn seed() -> Vec<PeerView> {
    let (mut aws, mut azure) = seed_peers();
    aws.import = vec![];
    aws.export = vec![];
    azure.local_id = "10.0.0.13".parse().unwrap();
    azure.last_change_age = 6 * 7 * 86400 + 21 * 3600 + 26 * 60 + 31;
    vec![aws, azure]
}

#[test]
fn the_seed_summary() {
    let out = summary(&SummaryView {
        groups: 2,
        peers: seed(),
        tables: vec![],
    });
    // The capture's lines, verbatim.
    assert!(out.contains(
        "10.0.0.1              64512      11492      12391       0       2 3d 21:15:46 Establ\n  d87ed303-8b9d-48a5-9f08-aa42b4b50cd8.inet.0: 1/1/1/0\n"
    ), "{out}");
    assert!(out.contains(
        "10.0.0.14             12076     134743     136730       0       2 6w0d 21:26:31 Establ\n"
    ), "{out}");
    golden("summary-seed.txt", &out);
}

#[test]
fn a_master_instance_summary_with_a_down_peer() {
    let mut core = peer(
        "10.0.12.1",
        "core",
        65001,
        up("10.0.12.1", 65001, "10.0.12.2", 456, 453),
        2,
    );
    core.local_id = "10.0.12.2".parse().unwrap();
    core.last_change_age = 3 * 3600 + 23 * 60 + 12;
    core.instance = "master".into();
    core.tables = vec![
        TableCounts {
            table: "inet.0".into(),
            master: true,
            active: 2,
            received: 2,
            accepted: 2,
            ..TableCounts::default()
        },
        TableCounts {
            table: "inet6.0".into(),
            master: true,
            ..TableCounts::default()
        },
    ];
    let mut down = core.clone();
    down.address = "10.1.1.5".parse().unwrap();
    down.peer_as = 65003;
    down.status = Status {
        state: State::Active,
        ..Status::default()
    };
    down.last_change_age = 25 * 60 + 31;
    let out = summary(&SummaryView {
        groups: 1,
        peers: vec![down, core],
        tables: vec![
            TableTotals {
                table: "inet.0".into(),
                paths: 2,
                active: 2,
            },
            TableTotals {
                table: "inet6.0".into(),
                ..TableTotals::default()
            },
        ],
    });
    assert!(out.contains(
        "10.1.1.5              65003          0          0       0       0       25:31 Active\n"
    ), "{out}");
    golden("summary-master.txt", &out);
    assert_eq!(
        summary(&SummaryView {
            groups: 0,
            peers: vec![],
            tables: vec![]
        }),
        "BGP is not running\n"
    );
}

#[test]
fn neighbor_blocks() {
    let mut peers = seed();
    peers[0].import = vec!["aws-in".into()];
    peers[0].export = vec!["to-aws".into(), "default-out".into()];
    let mut held = peers[1].clone();
    held.status = Status {
        state: State::Idle,
        record: Record {
            last_state: State::Established,
            last_event: Some(Event::HoldTime),
            last_error: Some(LastError {
                direction: Direction::Sent,
                notification: Notification::hold_timer_expired(),
            }),
            flaps: 3,
            errors: [(
                4,
                lsys_bgp::fsm::ErrorCount {
                    sent: 1,
                    received: 0,
                },
            )]
            .into(),
            ..Record::default()
        },
        ..Status::default()
    };
    peers.push(held);
    let out = neighbor(&peers);
    assert!(out.starts_with(
        "Peer: 10.0.0.1+179 AS 64512 Local: 10.0.0.0+57175 AS 65000\n  Group: aws                   Routing-Instance: d87ed303"
    ), "{out}");
    assert!(
        out.contains("  Last Error: Hold Timer Expired Error\n"),
        "{out}"
    );
    golden("neighbor-seed.txt", &out);
}

/// A session kept down by a wrong MD5 key shows only as silence: `show bgp neighbor` says
/// so while the peer is not up, and says nothing of it once it is.
#[test]
fn a_silent_peer_with_a_key_is_explained() {
    use lsys_bgp::peer::ConnectFailure;
    let mut peers = seed();
    let mut down = peers.remove(0);
    down.status = Status {
        state: State::Active,
        connect_error: Some(ConnectFailure::NoAnswer {
            authenticated: true,
        }),
        ..Status::default()
    };
    let out = neighbor(std::slice::from_ref(&down));
    assert!(out.contains(
        "  Last Error: None\n  Last connect error: no answer to connection attempts; the peer may use a different authentication key\n"
    ), "{out}");
    down.status.connect_error = Some(ConnectFailure::Refused);
    assert!(neighbor(std::slice::from_ref(&down))
        .contains("  Last connect error: connection refused by the peer\n"));
    down.status = up("10.0.0.1", 64512, "10.0.0.0", 10, 10);
    down.status.connect_error = Some(ConnectFailure::Refused);
    assert!(!neighbor(&[down]).contains("connect error"));
}
