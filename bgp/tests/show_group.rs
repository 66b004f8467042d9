//! Golden files of `show bgp group` (text and JSON) and of the JSON of `show bgp summary` and
//! `show bgp neighbor` (tests/golden/NAME.txt, NAME.json; `LSYS_BLESS=1 cargo test -p lsys-bgp
//! --test show_group` rewrites them — review the diff).

mod show_support;

use lsys_bgp::fsm::{PeerType, Record, State};
use lsys_bgp::peer::Status;
use lsys_bgp::show::{
    groups, groups_json, neighbor_json, summary_json, GroupView, GroupsView, PeerView, SummaryView,
    TableCounts, TableTotals,
};
use show_support::{golden, golden_json, peer, seed_peers, up};

fn group(name: &str, index: usize, peer_as: u32, peers: Vec<PeerView>) -> GroupView {
    GroupView {
        name: name.into(),
        index,
        peer_type: PeerType::External,
        peer_as: Some(peer_as),
        local_as: 65000,
        hold_time: 0,
        import: vec![],
        export: vec![],
        peers,
    }
}

fn seed_groups() -> GroupsView {
    let (aws, azure) = seed_peers();
    let mut g_aws = group("aws", 0, 64512, vec![aws]);
    g_aws.import = vec!["aws-in".into()];
    g_aws.export = vec!["to-aws".into()];
    GroupsView {
        groups: vec![g_aws, group("azure", 1, 12076, vec![azure])],
        group_count: 2,
        tables: vec![],
        trailer: true,
    }
}

#[test]
fn the_seed_groups() {
    let out = groups(&seed_groups());
    assert!(
        out.starts_with(
            "Group Type: External    AS: 64512                  Local AS: 65000\n  Name: aws             Index: 0                   Flags: <Export Eval>\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("  Total peers: 1        Established: 1\n  10.0.0.1+179\n"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "\nGroups: 2  Peers: 2    External: 2    Internal: 0    Down peers: 0   Flaps: 4\n"
        ),
        "{out}"
    );
    golden("group-seed.txt", &out);
    golden_json("group-seed.json", &groups_json(&seed_groups()));

    // `show bgp group azure`: the block alone.
    let mut one = seed_groups();
    one.groups.remove(0);
    one.trailer = false;
    let out = groups(&one);
    assert!(
        out.starts_with("Group Type: External    AS: 12076"),
        "{out}"
    );
    assert!(!out.contains("Groups:"), "{out}");
    let v = groups_json(&one);
    assert!(v["bgp-group-information"].get("bgp-information").is_none());
    assert_eq!(v["bgp-group-information"]["bgp-group"][0]["name"], "azure");
}

/// A master instance: an internal group with a peer down and a peer up in two tables, an
/// external group whose neighbors have their own AS, and a group without neighbors.
#[test]
fn master_instance_groups() {
    let mut rr = peer(
        "10.255.0.2",
        "ibgp",
        65000,
        up("10.255.0.2", 65000, "10.255.0.1", 456, 453),
        3,
    );
    rr.peer_type = PeerType::Internal;
    rr.instance = "master".into();
    rr.tables = vec![
        TableCounts {
            table: "inet.0".into(),
            master: true,
            active: 2,
            received: 3,
            accepted: 3,
            ..TableCounts::default()
        },
        TableCounts {
            table: "inet6.0".into(),
            master: true,
            ..TableCounts::default()
        },
    ];
    let mut down = rr.clone();
    down.address = "10.255.0.3".parse().unwrap();
    down.status = Status {
        state: State::Active,
        record: Record {
            flaps: 1,
            ..Record::default()
        },
        ..Status::default()
    };
    let mut ix = peer(
        "2001:db8:ffff:1234:5678::1",
        "transit",
        174,
        up("2001:db8:ffff:1234:5678::1", 174, "2001:db8::1", 20, 20),
        0,
    );
    ix.instance = "master".into();
    ix.tables = vec![];
    let view = GroupsView {
        groups: vec![
            GroupView {
                peer_type: PeerType::Internal,
                hold_time: 30,
                export: vec!["nhs".into()],
                ..group("ibgp", 0, 65000, vec![rr, down])
            },
            GroupView {
                peer_as: None,
                ..group("transit", 1, 0, vec![ix])
            },
            group("spare", 2, 65099, vec![]),
        ],
        group_count: 3,
        tables: vec![
            TableTotals {
                table: "inet.0".into(),
                paths: 3,
                active: 2,
            },
            TableTotals {
                table: "inet6.0".into(),
                ..TableTotals::default()
            },
        ],
        trailer: true,
    };
    let out = groups(&view);
    assert!(
        out.contains("Group Type: External                               Local AS: 65000\n"),
        "{out}"
    );
    assert!(
        out.contains("  10.255.0.2+179\n  10.255.0.3\n  inet.0: 2/3/3/0\n  inet6.0: 0/0/0/0\n"),
        "{out}"
    );
    golden("group-master.txt", &out);
    golden_json("group-master.json", &groups_json(&view));
    assert_eq!(
        groups(&GroupsView {
            groups: vec![],
            group_count: 0,
            tables: vec![],
            trailer: true
        }),
        "BGP is not running\n"
    );
}

#[test]
fn summary_and_neighbor_json() {
    let (aws, azure) = seed_peers();
    let mut down = azure.clone();
    down.address = "10.0.0.18".parse().unwrap();
    down.status = Status {
        state: State::Active,
        ..Status::default()
    };
    let view = SummaryView {
        groups: 2,
        peers: vec![aws.clone(), azure.clone(), down.clone()],
        tables: vec![],
    };
    let v = summary_json(&view);
    let info = &v["bgp-information"];
    assert_eq!(info["down-peer-count"], 1);
    assert_eq!(
        info["bgp-peer"][1]["bgp-rib"][0]["received-prefix-count"],
        2
    );
    // A peer that is down lists no tables.
    assert!(info["bgp-peer"][2].get("bgp-rib").is_none());
    golden_json("summary-seed.json", &v);

    let v = neighbor_json(&[aws, down]);
    let peers = &v["bgp-information"]["bgp-peer"];
    assert_eq!(peers[0]["peer-address"], "10.0.0.1+179");
    assert_eq!(
        peers[0]["bgp-option-information"]["import-policy"][0],
        "aws-in"
    );
    assert_eq!(peers[0]["bgp-rib"][0]["rib-bit"], 20000);
    assert!(peers[1].get("peer-id").is_none() && peers[1].get("bgp-rib").is_none());
    golden_json("neighbor-seed.json", &v);
}
