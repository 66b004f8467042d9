//! Golden files for `show bgp summary` and `show bgp neighbor` (tests/golden/NAME.txt;
//! `LSYS_BLESS=1 cargo test -p lsys-bgp --test show` rewrites them — review the diff).

use std::fs;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use lsys_bgp::fsm::{
    Direction, Event, Family, LastError, MessageCounts, Negotiated, Notification, PeerType, Record,
    State,
};
use lsys_bgp::peer::Status;
use lsys_bgp::show::{neighbor, summary, PeerView, SummaryView, TableCounts, TableTotals};

const INSTANCE: &str = "d87ed303-8b9d-48a5-9f08-aa42b4b50cd8";

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var("LSYS_BLESS").is_ok_and(|v| v == "1") {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing (LSYS_BLESS=1 to write it)", path.display()));
    assert_eq!(
        actual,
        expected,
        "{} differs (LSYS_BLESS=1 to rewrite)",
        path.display()
    );
}

fn counts(received: u64, sent: u64, updates: u64) -> (MessageCounts, MessageCounts) {
    let r = MessageCounts {
        open: 1,
        update: updates,
        keepalive: received - 1 - updates,
        ..MessageCounts::default()
    };
    let s = MessageCounts {
        open: 1,
        update: 1,
        keepalive: sent - 2,
        ..MessageCounts::default()
    };
    (r, s)
}

fn established(peer: &str, peer_as: u32, local: &str, inpkt: u64, outpkt: u64) -> Status {
    let (received, sent) = counts(inpkt, outpkt, 2);
    Status {
        state: State::Established,
        record: Record {
            last_state: State::OpenConfirm,
            last_event: Some(Event::RecvKeepAlive),
            last_error: Some(LastError {
                direction: Direction::Received,
                notification: Notification::new(6, 2, vec![]),
            }),
            flaps: 2,
            received,
            sent,
            errors: [(
                6,
                lsys_bgp::fsm::ErrorCount {
                    sent: 0,
                    received: 2,
                },
            )]
            .into(),
        },
        negotiated: Some(Negotiated {
            hold_time: 90,
            keepalive: 30,
            peer_as,
            peer_bgp_id: peer.parse().unwrap(),
            four_octet_as: true,
            families: vec![Family::IPV4_UNICAST],
            route_refresh: true,
            enhanced_route_refresh: false,
            peer_graceful_restart: false,
        }),
        in_octets: inpkt * 19 + 200,
        out_octets: outpkt * 19 + 120,
        out_queue: 0,
        last_change: None,
        local: Some(SocketAddr::new(local.parse().unwrap(), 57175)),
        remote: Some(SocketAddr::new(peer.parse().unwrap(), 179)),
        connect_error: None,
    }
}

fn seed_peer(
    address: &str,
    group: &str,
    peer_as: u32,
    local: &str,
    status: Status,
    age: i64,
    n: u64,
) -> PeerView {
    PeerView {
        address: address.parse::<IpAddr>().unwrap(),
        group: group.into(),
        instance: INSTANCE.into(),
        peer_type: PeerType::External,
        peer_as,
        local_as: 65000,
        local_id: local.parse().unwrap(),
        hold_time: 90,
        import: vec![],
        export: vec![],
        options: vec!["Preference", "AuthKey", "PeerAS", "Refresh"],
        status,
        last_change_age: age,
        tables: vec![TableCounts {
            table: format!("{INSTANCE}.inet.0"),
            master: false,
            active: n,
            received: n,
            accepted: n,
            damped: 0,
            advertised: 1,
        }],
    }
}

/// The seed's Cloud Router: AWS and Azure peers in the tenant's VRF (the capture's counters).
fn seed() -> Vec<PeerView> {
    vec![
        seed_peer(
            "10.0.0.1",
            "aws",
            64512,
            "10.0.0.0",
            established("10.0.0.1", 64512, "10.0.0.0", 11492, 12391),
            3 * 86400 + 21 * 3600 + 15 * 60 + 46,
            1,
        ),
        seed_peer(
            "10.0.0.14",
            "azure",
            12076,
            "10.0.0.13",
            established("10.0.0.14", 12076, "10.0.0.13", 134743, 136730),
            6 * 7 * 86400 + 21 * 3600 + 26 * 60 + 31,
            2,
        ),
    ]
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
    golden("summary-seed", &out);
}

#[test]
fn a_master_instance_summary_with_a_down_peer() {
    let mut up = seed_peer(
        "10.0.12.1",
        "core",
        65001,
        "10.0.12.2",
        established("10.0.12.1", 65001, "10.0.12.2", 456, 453),
        3 * 3600 + 23 * 60 + 12,
        2,
    );
    up.instance = "master".into();
    up.tables = vec![
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
    let mut down = up.clone();
    down.address = "10.1.1.5".parse().unwrap();
    down.peer_as = 65003;
    down.status = Status {
        state: State::Active,
        ..Status::default()
    };
    down.last_change_age = 25 * 60 + 31;
    let out = summary(&SummaryView {
        groups: 1,
        peers: vec![down, up],
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
    golden("summary-master", &out);
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
    golden("neighbor-seed", &out);
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
    down.status = established("10.0.0.1", 64512, "10.0.0.0", 10, 10);
    down.status.connect_error = Some(ConnectFailure::Refused);
    assert!(!neighbor(&[down]).contains("connect error"));
}
