//! Golden tests of the live show commands: each `tests/golden/show/NN-name.txt` is a transcript
//! (prompt line, output) of commands run against the seed configuration
//! (grammar/tests/fixtures/seed.conf, plus a second tenant `l3`) and a synthetic kernel state
//! shaped like what lsys realizes for it. `LSYS_BLESS=1 cargo test -p lsysd --test show_golden`
//! rewrites the expected files; review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::typed::{intent, Intent};
use lsys_netlink::live::{
    KernelRoute, LiveLink, LiveState, Neighbor, NextHop, RouteKind, RouteProto, RouteScope,
};
use lsysd::show::{self, visible, TableRef};

const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");
const VRF: &str = "d87ed303-8b9d-48a5-9f08-aa42b4b50cd8";

/// A second tenant whose names must never show in `l2`'s view.
const L3: &str = "
    l3 {
        interfaces {
            eth2 {
                unit 7 {
                    encapsulation vlan-bridge;
                    vlan-id 7;
                }
            }
            irb {
                unit 7 {
                    family inet {
                        address 192.0.2.1/24;
                    }
                    family inet6 {
                        address 2001:db8:7::1/64;
                    }
                }
            }
        }
        routing-instances {
            blue {
                instance-type vrf;
                interface irb.7;
            }
        }
        bridge-domains {
            bd7 {
                vlan-id 7;
                interface eth2.7;
                routing-interface irb.7;
            }
        }
    }
";

fn config() -> Intent {
    let text = SEED.replacen(
        "logical-systems {\n",
        &format!("logical-systems {{\n{L3}"),
        1,
    );
    let tree = curly::read(&text, ROOT).expect("config parses");
    intent(&tree).expect("typed view")
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn link(
    index: u32,
    name: &str,
    kind: &str,
    master: Option<u32>,
    parent: Option<u32>,
    addrs: &[&str],
) -> LiveLink {
    let mut l = LiveLink::new(index, name, kind);
    l.admin_up = true;
    l.oper_up = true;
    l.master = master;
    l.parent = parent;
    l.addresses = addrs.iter().map(|a| net(a)).collect();
    l
}

/// The kernel of the seed scenario with both circuits up, plus `l3`'s lonely irb.7 (its port
/// eth2 is not in this box) and an unconfigured management port.
fn kernel() -> LiveState {
    let mut s = LiveState::default();
    let mut lo = link(1, "lo", "device", None, None, &["127.0.0.1/8", "::1/128"]);
    lo.mtu = 65536;
    s.insert(lo);
    s.insert(link(2, "eth0", "device", None, None, &["192.168.1.10/24"]));
    let mut eth1 = link(3, "eth1", "device", None, None, &[]);
    eth1.mtu = 9000;
    s.insert(eth1);
    s.insert(link(10, "vrf1000", "vrf", None, None, &[]));
    s.insert(link(11, "eth1.1000", "vlan", None, Some(3), &[]));
    s.insert(link(12, "eth1.4", "vlan", Some(15), Some(3), &[]));
    s.insert(link(13, "eth1.2", "vlan", Some(14), Some(11), &[]));
    s.insert(link(
        14,
        "irb.2",
        "bridge",
        Some(10),
        None,
        &["10.0.0.13/30", "fe80::2c0:ffff:fe00:2/64"],
    ));
    s.insert(link(
        15,
        "irb.4",
        "bridge",
        Some(10),
        None,
        &["10.0.0.0/31", "fe80::2c0:ffff:fe00:4/64"],
    ));
    s.insert(link(20, "vrf1001", "vrf", None, None, &[]));
    let mut irb7 = link(
        21,
        "irb.7",
        "bridge",
        Some(20),
        None,
        &[
            "192.0.2.1/24",
            "2001:db8:7::1/64",
            "fe80::2c0:ffff:fe00:7/64",
        ],
    );
    irb7.oper_up = false; // no member: no carrier
    s.insert(irb7);
    s
}

fn route(dst: &str, kind: RouteKind, protocol: RouteProto, hops: &[(&str, &str)]) -> KernelRoute {
    KernelRoute {
        table: 1000,
        destination: net(dst),
        kind,
        protocol,
        scope: match (protocol, kind) {
            (_, RouteKind::Local) => RouteScope::Host,
            (RouteProto::Kernel, _) => RouteScope::Link,
            _ => RouteScope::Universe,
        },
        preferred_source: None,
        metric: None,
        next_hops: hops
            .iter()
            .map(|(gw, dev)| NextHop {
                gateway: (!gw.is_empty()).then(|| gw.parse().unwrap()),
                oif: Some(1),
                dev: Some(dev.to_string()),
            })
            .collect(),
    }
}

/// Table 1000 (the tenant's VRF) as Linux fills it for the seed, with a few user routes of
/// every kind, listed out of order.
fn vrf_routes() -> Vec<KernelRoute> {
    use RouteKind::*;
    use RouteProto::*;
    let mut unreachable = route("0.0.0.0/0", Unreachable, Boot, &[]);
    unreachable.metric = Some(4278198272);
    vec![
        route("172.31.0.0/16", Unicast, Bgp, &[("10.0.0.1", "irb.4")]),
        route("10.0.0.0/31", Unicast, Kernel, &[("", "irb.4")]),
        route("10.0.0.0/32", Local, Kernel, &[("", "irb.4")]),
        route("10.0.0.12/30", Unicast, Kernel, &[("", "irb.2")]),
        route("10.0.0.13/32", Local, Kernel, &[("", "irb.2")]),
        route("10.0.0.15/32", Broadcast, Kernel, &[("", "irb.2")]),
        route("10.6.0.0/16", Unicast, Bgp, &[("10.0.0.14", "irb.2")]),
        route(
            "10.9.0.0/16",
            Unicast,
            Static,
            &[("10.0.0.14", "irb.2"), ("10.0.0.1", "irb.4")],
        ),
        route("192.168.0.0/16", Blackhole, Static, &[]),
        route("198.18.0.0/15", Prohibit, Static, &[]),
        unreachable,
        route("fe80::/64", Unicast, Kernel, &[("", "irb.4")]),
        route("fe80::/64", Unicast, Kernel, &[("", "irb.2")]),
        route("fe80::2c0:ffff:fe00:4/128", Local, Kernel, &[("", "irb.4")]),
        route("fe80::2c0:ffff:fe00:2/128", Local, Kernel, &[("", "irb.2")]),
        route("ff00::/8", Multicast, Kernel, &[("", "irb.4")]),
        route(
            "2001:db8:ffff:1::/64",
            Unicast,
            Bgp,
            &[("fe80::2c0:ffff:fe00:1", "irb.4")],
        ),
    ]
}

/// The main table (operator's `default`): a management network and its default route.
fn main_routes() -> Vec<KernelRoute> {
    vec![
        route(
            "0.0.0.0/0",
            RouteKind::Unicast,
            RouteProto::Other(16),
            &[("192.168.1.1", "eth0")],
        ),
        route(
            "192.168.1.0/24",
            RouteKind::Unicast,
            RouteProto::Kernel,
            &[("", "eth0")],
        ),
    ]
}

fn routes_of(t: &TableRef) -> Vec<KernelRoute> {
    match t {
        TableRef::Main => main_routes(),
        TableRef::Instance(k) if *k == format!("l2/{VRF}") => vrf_routes(),
        TableRef::Instance(_) => vec![],
    }
}

/// The kernel's ARP table for [`kernel`]: both clouds' routers, a permanent entry on irb.2,
/// l3's neighbor on irb.7 and the management gateway on eth0, out of order.
fn neighbors() -> Vec<Neighbor> {
    let n = |index, address: &str, last: u8, permanent| Neighbor {
        index,
        address: address.parse().unwrap(),
        mac: [0x52, 0x54, 0x00, 0x4e, 0xa2, last],
        permanent,
    };
    vec![
        n(21, "192.0.2.9", 0x09, false),
        n(14, "10.0.0.14", 0x0e, false),
        n(2, "192.168.1.1", 0xfe, false),
        n(15, "10.0.0.1", 0x01, false),
        n(14, "10.0.0.12", 0x0c, true),
    ]
}

/// Runs one command line the way the daemon does: view filtering, table selection, render.
fn run(intent: &Intent, live: &LiveState, ls: Option<&str>, line: &str) -> String {
    let (cmd, json) = match line.strip_suffix(" | display json") {
        Some(c) => (c, true),
        None => (line, false),
    };
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let result = match words.as_slice() {
        ["show", "interfaces", "terse", rest @ ..] => {
            let view = visible::interfaces(intent, ls);
            let name = rest.first().copied();
            if json {
                show::terse_json(&view, live, name).map(|v| pretty(&v))
            } else {
                show::terse(&view, live, name)
            }
        }
        ["show", "arp", rest @ ..] => {
            let view = visible::interfaces(intent, ls);
            let resolve = !rest.contains(&"no-resolve");
            let interface = rest
                .iter()
                .position(|w| *w == "interface")
                .map(|i| rest[i + 1]);
            show::arp::arp(&view, live, &neighbors(), interface, resolve)
        }
        ["show", "system", "uptime", rest @ ..] => {
            // 2026-11-29 16:57:03 UTC; booted 9 days 6:57 before; lsysd up 42 minutes; the
            // last commit 25 minutes ago; /proc unreadable with `no-proc`.
            let now = 1_795_971_423;
            let proc = rest.is_empty();
            Ok(show::uptime::render(&show::uptime::Uptime {
                now,
                booted: proc.then_some(now - (9 * 86_400 + 6 * 3600 + 57 * 60)),
                started: now - (42 * 60 + 2),
                last_commit: proc.then(|| (now - (25 * 60 + 12), "jvetter".to_string())),
                users: if ls.is_some() { 1 } else { 2 },
                load: proc.then_some([0.0, 0.01, 0.05]),
            }))
        }
        ["show", "route", "forwarding-table", rest @ ..] => {
            let filter = match rest {
                ["table", name] => Some(*name),
                [] => None,
                other => panic!("bad test command {other:?}"),
            };
            let visible = visible::tables(intent, ls);
            show::forwarding::select(&visible, filter).and_then(|chosen| {
                let tables: Vec<(String, Vec<KernelRoute>)> = chosen
                    .iter()
                    .map(|(t, _)| (t.name.clone(), routes_of(&t.table)))
                    .collect();
                if json {
                    show::forwarding_table_json(&tables, filter).map(|v| pretty(&v))
                } else {
                    show::forwarding_table(&tables, filter)
                }
            })
        }
        other => panic!("bad test command {other:?}"),
    };
    result.unwrap_or_else(|e| format!("error: {e}\n"))
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

const TENANT: Option<&str> = Some("l2");
const OPERATOR: Option<&str> = None;

/// A transcript: each (view, command) with its prompt, outputs separated by blank lines.
fn transcript(live: &LiveState, steps: &[(Option<&str>, &str)]) -> String {
    let intent = config();
    let mut out = String::new();
    for (i, (ls, line)) in steps.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let prompt = match ls {
            Some(ls) => format!("jvetter@nxp-fra-01:{ls}> "),
            None => "root@nxp-fra-01> ".to_string(),
        };
        out.push_str(&format!("{prompt}{line}\n"));
        out.push_str(&run(&intent, live, *ls, line));
    }
    out
}

fn cases() -> Vec<(&'static str, String)> {
    let up = kernel();
    // The Azure circuit's S-VLAN lost carrier: the kernel takes the inner VLAN and the bridge
    // of irb.2 down with it.
    let mut azure_down = kernel();
    for name in ["eth1.1000", "eth1.2", "irb.2"] {
        let mut l = azure_down.by_name(name).unwrap().clone();
        l.oper_up = false;
        azure_down.insert(l);
    }
    // The AWS circuit's devices vanished behind lsys's back.
    let mut aws_gone = kernel();
    for name in ["eth1.4", "irb.4"] {
        let i = aws_gone.by_name(name).unwrap().index;
        aws_gone.remove(i);
    }
    // Someone set the port down by hand: every VLAN device on it and both bridges follow.
    let mut port_down = kernel();
    for name in ["eth1", "eth1.1000", "eth1.2", "eth1.4", "irb.2", "irb.4"] {
        let mut l = port_down.by_name(name).unwrap().clone();
        l.admin_up = name != "eth1";
        l.oper_up = false;
        port_down.insert(l);
    }
    let vrf_inet = format!("show route forwarding-table table {VRF}.inet");
    vec![
        (
            "01-tenant-terse",
            transcript(&up, &[(TENANT, "show interfaces terse")]),
        ),
        (
            "02-operator-terse",
            transcript(&up, &[(OPERATOR, "show interfaces terse")]),
        ),
        (
            "03-circuit-down",
            transcript(&azure_down, &[(TENANT, "show interfaces terse")]),
        ),
        (
            "04-missing-devices",
            transcript(
                &aws_gone,
                &[
                    (TENANT, "show interfaces terse"),
                    (TENANT, "show interfaces terse irb.4"),
                ],
            ),
        ),
        (
            "05-port-down",
            transcript(
                &port_down,
                &[
                    (OPERATOR, "show interfaces terse eth1"),
                    (TENANT, "show interfaces terse eth1"),
                ],
            ),
        ),
        (
            "06-name-filter",
            transcript(
                &up,
                &[
                    (TENANT, "show interfaces terse irb"),
                    (TENANT, "show interfaces terse irb.4"),
                    (TENANT, "show interfaces terse eth1.2"),
                    (OPERATOR, "show interfaces terse irb.7"),
                ],
            ),
        ),
        (
            "07-not-visible",
            transcript(
                &up,
                &[
                    (TENANT, "show interfaces terse irb.7"),
                    (TENANT, "show interfaces terse eth2.7"),
                    (TENANT, "show interfaces terse eth2"),
                    (TENANT, "show interfaces terse eth0"),
                    (TENANT, "show interfaces terse irb.99"),
                    (OPERATOR, "show interfaces terse eth2"),
                    (OPERATOR, "show interfaces terse eth2.7"),
                    (OPERATOR, "show interfaces terse eth0"),
                    (TENANT, "show route forwarding-table table blue"),
                    (TENANT, "show route forwarding-table table l3/blue"),
                    (TENANT, "show route forwarding-table table green.inet"),
                ],
            ),
        ),
        (
            "08-terse-json",
            transcript(
                &azure_down,
                &[
                    (TENANT, "show interfaces terse | display json"),
                    (TENANT, "show interfaces terse irb.4 | display json"),
                    (OPERATOR, "show interfaces terse eth1 | display json"),
                ],
            ),
        ),
        (
            "09-forwarding-tenant",
            transcript(&up, &[(TENANT, "show route forwarding-table")]),
        ),
        (
            "10-forwarding-filter",
            transcript(
                &up,
                &[
                    (TENANT, &vrf_inet),
                    (TENANT, "show route forwarding-table table default.inet6"),
                ],
            ),
        ),
        (
            "11-forwarding-operator",
            transcript(
                &up,
                &[
                    (OPERATOR, "show route forwarding-table table default"),
                    (OPERATOR, "show route forwarding-table table l3/blue"),
                    (OPERATOR, "show route forwarding-table table blue"),
                ],
            ),
        ),
        (
            "12-forwarding-json",
            transcript(&up, &[(TENANT, &format!("{vrf_inet} | display json"))]),
        ),
        (
            "14-uptime",
            transcript(
                &up,
                &[
                    (TENANT, "show system uptime"),
                    (OPERATOR, "show system uptime"),
                    (OPERATOR, "show system uptime no-proc"),
                ],
            ),
        ),
        (
            "13-arp",
            transcript(
                &up,
                &[
                    (TENANT, "show arp no-resolve"),
                    (TENANT, "show arp"),
                    (TENANT, "show arp no-resolve interface irb.4"),
                    (TENANT, "show arp interface irb.7"),
                    (TENANT, "show arp interface eth0"),
                    (Some("l3"), "show arp no-resolve"),
                    (OPERATOR, "show arp no-resolve"),
                ],
            ),
        ),
    ]
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/show")
}

fn bless() -> bool {
    std::env::var("LSYS_BLESS").is_ok_and(|v| v == "1")
}

#[test]
fn golden_show() {
    let dir = golden_dir();
    if bless() {
        fs::create_dir_all(&dir).unwrap();
    }
    let mut failures = Vec::new();
    for (name, actual) in cases() {
        let path = dir.join(format!("{name}.txt"));
        if bless() {
            fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{}: differs (LSYS_BLESS=1 to rewrite)\n--- expected\n{expected}\n--- actual\n{actual}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The tenant's `show interfaces terse` with both circuits up matches the published capture of
/// seed-scenario.md in every irb row (lsys adds the tenant's own VLAN units above them).
#[test]
fn seed_capture_rows() {
    let out = run(&config(), &kernel(), TENANT, "show interfaces terse");
    let capture = "\
Interface               Admin Link Proto    Local                 Remote
irb
irb.2                   up    up   inet     10.0.0.13/30
                                   multiservice
irb.4                   up    up   inet     10.0.0.0/31
                                   multiservice
";
    let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with("eth1")).collect();
    assert_eq!(lines, capture.lines().collect::<Vec<_>>());
}

/// No name from another tenant appears anywhere in a tenant's output.
#[test]
fn tenant_output_never_names_other_tenants() {
    let intent = config();
    let live = kernel();
    for line in [
        "show interfaces terse",
        "show interfaces terse | display json",
        "show route forwarding-table",
        "show route forwarding-table | display json",
        "show arp",
    ] {
        let out = run(&intent, &live, TENANT, line);
        for secret in ["irb.7", "eth2", "blue", "l3", "192.0.2.1", "eth0", "vrf10"] {
            assert!(!out.contains(secret), "{line}: {secret} leaked:\n{out}");
        }
    }
}
