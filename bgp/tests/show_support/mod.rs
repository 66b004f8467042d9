//! Shared by the golden tests of the BGP show layouts (show.rs, show_group.rs, show_routes.rs):
//! the golden-file helpers and the seed's peers (tests/golden/NAME.txt and NAME.json;
//! `LSYS_BLESS=1 cargo test -p lsys-bgp --test show --test show_group --test show_routes`
//! rewrites them — review the diff).
#![allow(dead_code)] // each test binary uses a different part

use std::fs;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use lsys_bgp::fsm::{
    Direction, ErrorCount, Event, Family, LastError, MessageCounts, Negotiated, Notification,
    PeerType, Record, State,
};
use lsys_bgp::peer::Status;
use lsys_bgp::show::{PeerView, TableCounts};
use serde_json::Value;

pub const INSTANCE: &str = "d87ed303-8b9d-48a5-9f08-aa42b4b50cd8";

pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
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

pub fn golden_json(name: &str, v: &Value) {
    golden(
        name,
        &format!("{}\n", serde_json::to_string_pretty(v).unwrap()),
    );
}

pub fn up(peer: &str, peer_as: u32, local: &str, inpkt: u64, outpkt: u64) -> Status {
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
            received: MessageCounts {
                open: 1,
                update: 2,
                keepalive: inpkt - 3,
                ..MessageCounts::default()
            },
            sent: MessageCounts {
                open: 1,
                update: 1,
                keepalive: outpkt - 2,
                ..MessageCounts::default()
            },
            errors: [(
                6,
                ErrorCount {
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
            // An IPv6 peer's router id: a documentation address.
            peer_bgp_id: peer.parse().unwrap_or([192, 0, 2, 1].into()),
            four_octet_as: true,
            families: vec![Family::IPV4_UNICAST],
            route_refresh: true,
            enhanced_route_refresh: false,
            peer_graceful_restart: false,
        }),
        in_octets: inpkt * 19 + 200,
        out_octets: outpkt * 19 + 120,
        local: Some(SocketAddr::new(local.parse().unwrap(), 57175)),
        remote: Some(SocketAddr::new(peer.parse().unwrap(), 179)),
        ..Status::default()
    }
}

pub fn peer(address: &str, group: &str, peer_as: u32, status: Status, n: u64) -> PeerView {
    PeerView {
        address: address.parse::<IpAddr>().unwrap(),
        group: group.into(),
        instance: INSTANCE.into(),
        peer_type: PeerType::External,
        peer_as,
        local_as: 65000,
        local_id: "10.0.0.0".parse().unwrap(),
        hold_time: 90,
        preference: 170,
        import: vec![],
        export: vec![],
        options: vec!["Preference", "AuthKey", "PeerAS", "Refresh"],
        status,
        last_change_age: 3 * 86400 + 21 * 3600 + 15 * 60 + 46,
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

/// The seed's Cloud Router: AWS and Azure, each in a group of its own, in the tenant's VRF.
pub fn seed_peers() -> (PeerView, PeerView) {
    let mut aws = peer(
        "10.0.0.1",
        "aws",
        64512,
        up("10.0.0.1", 64512, "10.0.0.0", 11492, 12391),
        1,
    );
    aws.import = vec!["aws-in".into()];
    aws.export = vec!["to-aws".into()];
    let azure = peer(
        "10.0.0.14",
        "azure",
        12076,
        up("10.0.0.14", 12076, "10.0.0.13", 134743, 136730),
        2,
    );
    (aws, azure)
}
