//! Golden files of `show route receive-protocol bgp A [hidden]` and `show route
//! advertising-protocol bgp A` (text and JSON; tests/golden/NAME.txt, NAME.json;
//! `LSYS_BLESS=1 cargo test -p lsys-bgp --test show_routes` rewrites them — review the diff).

mod show_support;

use lsys_bgp::show::{routes, routes_json, RouteLine, RouteTable};
use show_support::{golden, golden_json, INSTANCE};

fn line(prefix: &str, next_hop: &str, as_path: &str) -> RouteLine {
    RouteLine {
        prefix: prefix.parse().unwrap(),
        active: true,
        hidden: false,
        next_hop: Some(next_hop.parse().unwrap()),
        next_hop_self: false,
        med: None,
        local_pref: None,
        as_path: as_path.into(),
    }
}

fn table(lines: Vec<RouteLine>) -> RouteTable {
    RouteTable {
        name: format!("{INSTANCE}.inet.0"),
        destinations: 7,
        routes: 7,
        active: 7,
        holddown: 0,
        hidden: 0,
        lines,
    }
}

#[test]
fn received_from_azure() {
    let tables = vec![table(vec![
        RouteLine {
            med: Some(0),
            ..line("10.6.0.0/16", "10.0.0.14", "12076 I")
        },
        RouteLine {
            // A static route wins in the table: not the active route.
            active: false,
            ..line("10.7.0.0/16", "10.0.0.14", "12076 I")
        },
    ])];
    let out = routes(&tables);
    assert_eq!(
        out,
        format!(
            "{INSTANCE}.inet.0: 7 destinations, 7 routes (7 active, 0 holddown, 0 hidden)\n  Prefix                  Nexthop              MED     Lclpref    AS path\n* 10.6.0.0/16             10.0.0.14            0                  12076 I\n  10.7.0.0/16             10.0.0.14                               12076 I\n"
        )
    );
    golden("receive-seed.txt", &out);
    golden_json("receive-seed.json", &routes_json(&tables));
}

#[test]
fn hidden_from_azure() {
    let mut t = table(vec![RouteLine {
        active: false,
        hidden: true,
        ..line("10.8.0.0/16", "10.0.0.14", "12076 65000 I")
    }]);
    t.hidden = 1;
    golden("receive-hidden.txt", &routes(&[t]));
}

#[test]
fn advertised_to_aws_and_to_an_internal_peer() {
    let self_line = |prefix: &str, as_path: &str| RouteLine {
        next_hop_self: true,
        ..line(prefix, "10.0.0.0", as_path)
    };
    let mut v6 = table(vec![]);
    v6.name = format!("{INSTANCE}.inet6.0");
    v6.destinations = 1;
    v6.routes = 1;
    v6.active = 1;
    let tables = vec![
        table(vec![
            self_line("10.6.0.0/16", "12076 I"),
            self_line("10.7.0.0/16", "12076 I"),
            self_line("172.16.0.0/16", "I"),
        ]),
        v6,
    ];
    let out = routes(&tables);
    assert!(
        out.contains("* 10.6.0.0/16             Self                                    12076 I\n"),
        "{out}"
    );
    golden("advertising-seed.txt", &out);
    golden_json("advertising-seed.json", &routes_json(&tables));
    // Towards an internal peer: LOCAL_PREF is sent, so it is printed.
    let ibgp = vec![RouteTable {
        name: "inet.0".into(),
        lines: vec![RouteLine {
            local_pref: Some(100),
            med: Some(10),
            ..line("10.6.0.0/16", "10.0.0.14", "12076 I")
        }],
        ..table(vec![])
    }];
    let out = routes(&ibgp);
    assert!(
        out.ends_with(
            "* 10.6.0.0/16             10.0.0.14            10      100        12076 I\n"
        ),
        "{out}"
    );
}
