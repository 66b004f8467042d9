//! ping and traceroute: the text layouts (golden, against FreeBSD's and Junos' samples) and the
//! engines on real sockets.
//!
//! The socket tests run on a thread that `unshare(CLONE_NEWNET)`s (see tests/batch.rs): a
//! throwaway namespace with its own loopback; the routed ones add two named namespaces,
//! deleted on drop (panics included):
//!
//! ```text
//!  test thread's netns          R (router)                      H (host)
//!  lsys0 10.77.0.1/24 ──veth── lsys1 10.77.0.2/24
//!        2001:db8:77::1/64           2001:db8:77::2/64
//!                               lsys2 10.78.0.1/24 ───veth─── lsys3 10.78.0.2/24
//!                                     2001:db8:78::1/64              2001:db8:78::2/64
//!  routes: 10.78/24, 10.79/24,  R: forwarding, no ICMP rate      H: default via R
//!  2001:db8:78::/64 and :79::   limits, `unreachable` routes
//!  via R                        for 10.79.0.0/24, 2001:db8:79::/64
//! ```
//!
//! Every wait is short and bounded; no test sends outside its namespaces. There is no VRF in
//! this kernel: binding to a device is tested with `lo` and veths (a VRF device binds the
//! same way; the qemu lab covers it).

use std::cell::Cell;
use std::net::IpAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use lsys_netlink::icmp::format::{self, Probe};
use lsys_netlink::icmp::{self, IcmpError, PingSpec, PingStats, RttStats, TraceSpec};

// ---------------------------------------------------------------------------------------------
// Golden text.

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn rtt(min: f64, avg: f64, max: f64, dev: f64, n: u32) -> RttStats {
    // Built from the four numbers a sample shows: sum and sum of squares that give them back.
    let f = f64::from(n);
    RttStats {
        count: n,
        min,
        max,
        sum: avg * f,
        sum_sq: f * (dev * dev + avg * avg),
    }
}

#[test]
fn headers() {
    assert_eq!(
        format::ping_header(ip("10.0.0.14"), None, 56),
        "PING 10.0.0.14 (10.0.0.14): 56 data bytes\n"
    );
    assert_eq!(
        format::ping_header(ip("10.0.0.14"), Some(ip("10.0.0.13")), 100),
        "PING 10.0.0.14 (10.0.0.14) from 10.0.0.13: 100 data bytes\n"
    );
    // ping6.c: 40 (IPv6) + 8 (ICMPv6) + payload; FreeBSD's own test: `-s8` gives 56=40+8+8.
    assert_eq!(
        format::ping_header(ip("2001:db8::2"), Some(ip("2001:db8::1")), 56),
        "PING6(104=40+8+56 bytes) 2001:db8::1 --> 2001:db8::2\n"
    );
    assert_eq!(
        format::ping_header(ip("::1"), Some(ip("::1")), 8),
        "PING6(56=40+8+8 bytes) ::1 --> ::1\n"
    );
    assert_eq!(
        format::traceroute_header(ip("10.0.0.14"), None, 30, 40),
        "traceroute to 10.0.0.14 (10.0.0.14), 30 hops max, 40 byte packets\n"
    );
    assert_eq!(
        format::traceroute_header(ip("10.0.0.14"), Some(ip("10.0.0.13")), 5, 40),
        "traceroute to 10.0.0.14 (10.0.0.14) from 10.0.0.13, 5 hops max, 40 byte packets\n"
    );
    assert_eq!(
        format::traceroute_header(ip("2001:db8::2"), Some(ip("2001:db8::1")), 30, 12),
        "traceroute6 to 2001:db8::2 (2001:db8::2) from 2001:db8::1, 30 hops max, 12 byte packets\n"
    );
}

#[test]
fn reply_lines() {
    assert_eq!(
        format::echo_reply(ip("10.0.0.14"), 64, 0, 64, Some(0.647), false),
        "64 bytes from 10.0.0.14: icmp_seq=0 ttl=64 time=0.647 ms\n"
    );
    assert_eq!(
        format::echo_reply(ip("10.0.0.14"), 64, 7, 63, Some(12.3456), true),
        "64 bytes from 10.0.0.14: icmp_seq=7 ttl=63 time=12.346 ms (DUP!)\n"
    );
    assert_eq!(
        format::echo_reply(ip("10.0.0.14"), 12, 1, 64, None, false),
        "12 bytes from 10.0.0.14: icmp_seq=1 ttl=64\n",
        "no timestamp in a payload under 8 bytes: no time="
    );
    assert_eq!(
        format::echo_reply(ip("2001:db8::2"), 16, 0, 64, Some(0.05), false),
        "16 bytes from 2001:db8::2, icmp_seq=0 hlim=64 time=0.050 ms\n"
    );
    assert_eq!(
        format::echo_reply(ip("2001:db8::2"), 16, 0, 64, Some(0.05), true),
        "16 bytes from 2001:db8::2, icmp_seq=0 hlim=64 time=0.050 ms(DUP!)\n"
    );
    assert_eq!(
        format::warning("ping", "sendto", "No route to host"),
        "ping: sendto: No route to host\n"
    );
}

/// junos-cli.md §4 / seed-scenario.md: the `^C` is the terminal's echo; the statistics'
/// first line (a lone "\n", FreeBSD's `finish`) ends it.
#[test]
fn statistics_after_ctrl_c_match_the_junos_sample() {
    let stats = PingStats {
        transmitted: 3,
        received: 3,
        duplicates: 0,
        rtt: rtt(0.599, 0.712, 0.891, 0.126, 3),
    };
    let screen = [
        format::ping_header(ip("10.0.0.14"), None, 56),
        format::echo_reply(ip("10.0.0.14"), 64, 0, 64, Some(0.647), false),
        "^C".to_string(),
        format::ping_statistics(ip("10.0.0.14"), &stats).concat(),
    ]
    .concat();
    assert_eq!(
        screen,
        "PING 10.0.0.14 (10.0.0.14): 56 data bytes
64 bytes from 10.0.0.14: icmp_seq=0 ttl=64 time=0.647 ms
^C
--- 10.0.0.14 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max/stddev = 0.599/0.712/0.891/0.126 ms
"
    );
}

/// routing-notes.md, "ICMP inside a VRF": `ping rapid routing-instance A 12.12.12.2` on a vMX.
#[test]
fn rapid_matches_the_vmx_sample() {
    let stats = PingStats {
        transmitted: 5,
        received: 5,
        duplicates: 0,
        rtt: rtt(1.018, 1.301, 1.502, 0.179, 5),
    };
    let mut screen = format::ping_header(ip("12.12.12.2"), None, 56);
    for _ in 0..5 {
        screen.push_str(format::RAPID_REPLY);
    }
    screen.push_str(&format::ping_statistics(ip("12.12.12.2"), &stats).concat());
    assert_eq!(
        screen,
        "PING 12.12.12.2 (12.12.12.2): 56 data bytes
!!!!!
--- 12.12.12.2 ping statistics ---
5 packets transmitted, 5 packets received, 0% packet loss
round-trip min/avg/max/stddev = 1.018/1.301/1.502/0.179 ms
"
    );
}

#[test]
fn statistics_variants() {
    // Nothing came back: 100%, and no round-trip line (FreeBSD: `if (nreceived && timing)`).
    let lost = PingStats {
        transmitted: 3,
        received: 0,
        ..PingStats::default()
    };
    assert_eq!(
        format::ping_statistics(ip("10.0.0.99"), &lost),
        [
            "\n",
            "--- 10.0.0.99 ping statistics ---\n",
            "3 packets transmitted, 0 packets received, 100% packet loss\n",
        ]
    );
    // Integer loss, truncated as `(int)((tx - rx) * 100 / tx)`.
    let mut rt = RttStats::default();
    rt.add(1.0);
    rt.add(2.0);
    let some = PingStats {
        transmitted: 3,
        received: 2,
        duplicates: 1,
        rtt: rt,
    };
    let v = format::ping_statistics(ip("10.0.0.14"), &some);
    assert_eq!(
        v[2],
        "3 packets transmitted, 2 packets received, +1 duplicates, 33% packet loss\n"
    );
    // stddev = sqrt(sumsq/n - avg^2) = sqrt(5/2 - 2.25) = 0.5
    assert_eq!(
        v[3],
        "round-trip min/avg/max/stddev = 1.000/1.500/2.000/0.500 ms\n"
    );
    // IPv6: ping6's names.
    let v6 = format::ping_statistics(ip("2001:db8::2"), &some);
    assert_eq!(v6[1], "--- 2001:db8::2 ping6 statistics ---\n");
    assert!(v6[3].starts_with("round-trip min/avg/max/std-dev = "));
    // Replies without timestamps: counts only.
    let untimed = PingStats {
        transmitted: 2,
        received: 2,
        ..PingStats::default()
    };
    assert_eq!(format::ping_statistics(ip("10.0.0.14"), &untimed).len(), 3);
    // Nothing sent (interrupted at once): no loss figure.
    assert_eq!(
        format::ping_statistics(ip("10.0.0.14"), &PingStats::default())[2],
        "0 packets transmitted, 0 packets received, \n"
    );
}

fn answer(from: &str, rtt_ms: f64, note: &str) -> Probe {
    Probe::Answer {
        from: ip(from),
        rtt_ms,
        note: note.into(),
    }
}

#[test]
fn hop_lines() {
    assert_eq!(
        format::hop(
            1,
            &[
                answer("10.0.0.1", 0.593, ""),
                answer("10.0.0.1", 0.485, ""),
                answer("10.0.0.1", 0.468, ""),
            ],
            false
        ),
        [" 1  10.0.0.1 (10.0.0.1)  0.593 ms  0.485 ms  0.468 ms\n"]
    );
    assert_eq!(
        format::hop(
            2,
            &[
                answer("10.0.0.14", 0.702, ""),
                Probe::Lost,
                answer("10.0.0.14", 0.65, ""),
            ],
            false
        ),
        [" 2  10.0.0.14 (10.0.0.14)  0.702 ms *  0.650 ms\n"]
    );
    assert_eq!(
        format::hop(3, &[Probe::Lost, Probe::Lost, Probe::Lost], false),
        [" 3  * * *\n"]
    );
    assert_eq!(
        format::hop(
            12,
            &[
                answer("10.0.0.9", 1.5, " !H"),
                answer("10.0.0.9", 1.25, " !H"),
                Probe::Lost,
            ],
            false
        ),
        ["12  10.0.0.9 (10.0.0.9)  1.500 ms !H  1.250 ms !H *\n"]
    );
    // Load balancing: a second address continues on an indented line.
    assert_eq!(
        format::hop(
            4,
            &[
                answer("10.0.1.1", 1.0, ""),
                answer("10.0.2.1", 2.0, ""),
                answer("10.0.2.1", 3.0, " !"),
            ],
            false
        ),
        [
            " 4  10.0.1.1 (10.0.1.1)  1.000 ms\n",
            "    10.0.2.1 (10.0.2.1)  2.000 ms  3.000 ms !\n"
        ]
    );
    // traceroute6: the address alone; a line break before any address after the first probe.
    assert_eq!(
        format::hop(
            1,
            &[
                answer("2001:db8::1", 0.1, ""),
                answer("2001:db8::1", 0.2, " !N")
            ],
            true
        ),
        [" 1  2001:db8::1  0.100 ms  0.200 ms !N\n"]
    );
    assert_eq!(
        format::hop(2, &[Probe::Lost, answer("2001:db8::2", 0.3, "")], true),
        [" 2  *\n", "    2001:db8::2  0.300 ms\n"]
    );
}

// ---------------------------------------------------------------------------------------------
// Real sockets.

fn sh(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ipc(args: &str) {
    sh("ip", &args.split_whitespace().collect::<Vec<_>>());
}

/// Runs `f` on a thread in a fresh network namespace with its loopback up.
fn in_netns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let t = std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare(CLONE_NEWNET)");
        ipc("link set lo up");
        f()
    });
    match t.join() {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// The routed topology of the module doc; the named namespaces go on drop.
struct Lab {
    r: String,
    h: String,
}

impl Lab {
    fn new(case: &str) -> Lab {
        let base = format!("lsys-icmp-{}-{case}", std::process::id());
        let lab = Lab {
            r: format!("{base}-r"),
            h: format!("{base}-h"),
        };
        let (r, h) = (lab.r.as_str(), lab.h.as_str());
        sh("ip", &["netns", "add", r]);
        sh("ip", &["netns", "add", h]);
        let inr = |a: &str| ipc(&format!("-n {r} {a}"));
        let inh = |a: &str| ipc(&format!("-n {h} {a}"));
        let sysctl = |ns: &str, kv: &str| sh("ip", &["netns", "exec", ns, "sysctl", "-qw", kv]);
        // No duplicate address detection: a tentative link-local address holds neighbour
        // discovery (and the first IPv6 packets) back for a second.
        let no_dad = [
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ];
        sh("sysctl", &[&["-qw"][..], &no_dad[..]].concat());
        for ns in [r, h] {
            for kv in no_dad {
                sysctl(ns, kv);
            }
        }
        for kv in [
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
            // No type rate-limited by icmp_send. (Not icmp_ratelimit=0: that empties the
            // per-peer bucket that ip_error — the `unreachable` route — draws on too.)
            "net.ipv4.icmp_ratemask=0",
            "net.ipv6.icmp.ratelimit=0",
        ] {
            sysctl(r, kv);
        }
        ipc(&format!(
            "link add lsys0 type veth peer name lsys1 netns {r}"
        ));
        inr(&format!(
            "link add lsys2 type veth peer name lsys3 netns {h}"
        ));
        ipc("addr add 10.77.0.1/24 dev lsys0");
        ipc("addr add 2001:db8:77::1/64 dev lsys0 nodad");
        ipc("link set lsys0 up");
        for a in [
            "link set lo up",
            "addr add 10.77.0.2/24 dev lsys1",
            "addr add 2001:db8:77::2/64 dev lsys1 nodad",
            "addr add 10.78.0.1/24 dev lsys2",
            "addr add 2001:db8:78::1/64 dev lsys2 nodad",
            "link set lsys1 up",
            "link set lsys2 up",
            "route add unreachable 10.79.0.0/24",
            "route add unreachable 2001:db8:79::/64",
        ] {
            inr(a);
        }
        for a in [
            "link set lo up",
            "addr add 10.78.0.2/24 dev lsys3",
            "addr add 2001:db8:78::2/64 dev lsys3 nodad",
            "link set lsys3 up",
            "route add default via 10.78.0.1",
            "route add default via 2001:db8:78::1",
        ] {
            inh(a);
        }
        for a in [
            "route add 10.78.0.0/24 via 10.77.0.2",
            "route add 10.79.0.0/24 via 10.77.0.2",
            "route add 2001:db8:78::/64 via 2001:db8:77::2",
            "route add 2001:db8:79::/64 via 2001:db8:77::2",
        ] {
            ipc(a);
        }
        // IPv6 joins its groups (solicited-node: neighbour discovery) once the kernel has seen
        // the carrier, up to a second after `up`; a link-local address says it has.
        for (ns, dev) in [("", "lsys0"), (r, "lsys1"), (r, "lsys2"), (h, "lsys3")] {
            wait_link_local(ns, dev);
        }
        lab
    }
}

/// Waits (at most 5 s) for `dev` in `ns` ("": this thread's) to have its link-local address.
fn wait_link_local(ns: &str, dev: &str) {
    let mut args = vec!["-6", "addr", "show", "dev", dev, "scope", "link"];
    if !ns.is_empty() {
        args.splice(0..0, ["-n", ns]);
    }
    let until = Instant::now() + Duration::from_secs(5);
    while !sh("ip", &args).contains("inet6 fe80") {
        assert!(
            Instant::now() < until,
            "{dev} in {ns:?}: no link-local address"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in [&self.r, &self.h] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// Runs `f` in the routed topology.
fn in_lab<T: Send + 'static>(case: &str, f: impl FnOnce(&Lab) -> T + Send + 'static) -> T {
    let case = case.to_string();
    in_netns(move || {
        let lab = Lab::new(&case);
        f(&lab)
    })
}

/// A spec with short waits: requests 20 ms apart, 300 ms for the last replies.
fn quick(target: &str, device: Option<&str>, count: u32) -> PingSpec {
    PingSpec {
        device: device.map(str::to_string),
        count: Some(count),
        interval: Duration::from_millis(20),
        wait: Some(Duration::from_millis(300)),
        ..PingSpec::new(ip(target))
    }
}

fn run_ping(spec: &PingSpec) -> (Vec<String>, Result<PingStats, IcmpError>) {
    let mut lines = Vec::new();
    let r = icmp::ping(
        spec,
        &mut |l| {
            lines.push(l);
            true
        },
        &|| false,
    );
    (lines, r)
}

fn run_trace(spec: &TraceSpec) -> (Vec<String>, Result<(), IcmpError>) {
    let mut lines = Vec::new();
    let r = icmp::traceroute(
        spec,
        &mut |l| {
            lines.push(l);
            true
        },
        &|| false,
    );
    (lines, r)
}

/// Checks a reply line up to its time, and that the time is a number of milliseconds.
fn assert_reply(line: &str, head: &str) {
    let rest = line
        .strip_prefix(head)
        .unwrap_or_else(|| panic!("{line:?} does not start with {head:?}"));
    let ms = rest
        .strip_prefix(" time=")
        .and_then(|r| r.strip_suffix(" ms\n"))
        .unwrap_or_else(|| panic!("{line:?}: no time"));
    let (_, frac) = ms.split_once('.').expect("three decimals");
    assert_eq!(frac.len(), 3, "{line:?}");
    assert!(ms.parse::<f64>().is_ok(), "{line:?}");
}

fn assert_tail_ok(lines: &[String], target: &str, tool: &str, n: u32) {
    let k = lines.len();
    assert_eq!(lines[k - 4], "\n");
    assert_eq!(
        lines[k - 3],
        format!("--- {target} {tool} statistics ---\n")
    );
    assert_eq!(
        lines[k - 2],
        format!("{n} packets transmitted, {n} packets received, 0% packet loss\n")
    );
    let dev = if tool == "ping" { "stddev" } else { "std-dev" };
    assert!(
        lines[k - 1].starts_with(&format!("round-trip min/avg/max/{dev} = ")),
        "{:?}",
        lines[k - 1]
    );
}

#[test]
fn ping_loopback_bound_to_lo() {
    let (lines, r) = in_netns(|| run_ping(&quick("127.0.0.1", Some("lo"), 3)));
    let stats = r.expect("ping");
    assert_eq!(
        (stats.transmitted, stats.received, stats.duplicates),
        (3, 3, 0)
    );
    assert_eq!(stats.rtt.count, 3);
    assert_eq!(lines[0], "PING 127.0.0.1 (127.0.0.1): 56 data bytes\n");
    for (i, l) in lines[1..4].iter().enumerate() {
        assert_reply(l, &format!("64 bytes from 127.0.0.1: icmp_seq={i} ttl=64"));
    }
    assert_eq!(lines.len(), 8, "{lines:?}");
    assert_tail_ok(&lines, "127.0.0.1", "ping", 3);
}

#[test]
fn ping6_loopback_bound_to_lo() {
    let (lines, r) = in_netns(|| run_ping(&quick("::1", Some("lo"), 2)));
    assert_eq!(r.expect("ping6").received, 2);
    assert_eq!(lines[0], "PING6(104=40+8+56 bytes) ::1 --> ::1\n");
    assert_reply(&lines[1], "64 bytes from ::1, icmp_seq=0 hlim=64");
    assert_reply(&lines[2], "64 bytes from ::1, icmp_seq=1 hlim=64");
    assert_tail_ok(&lines, "::1", "ping6", 2);
}

#[test]
fn small_payloads_have_no_times() {
    let spec = PingSpec {
        size: 4,
        ..quick("127.0.0.1", None, 1)
    };
    let (lines, r) = in_netns(move || run_ping(&spec));
    assert_eq!(r.expect("ping").rtt.count, 0);
    assert_eq!(lines[1], "12 bytes from 127.0.0.1: icmp_seq=0 ttl=64\n");
    assert_eq!(
        lines[4], "1 packets transmitted, 1 packets received, 0% packet loss\n",
        "and no round-trip line"
    );
    assert_eq!(lines.len(), 5);
}

#[test]
fn rapid_streams_one_character_per_reply() {
    let spec = PingSpec {
        rapid: true,
        count: Some(5),
        ..PingSpec::new(ip("127.0.0.1"))
    };
    let started = Instant::now();
    let (chunks, r) = in_netns(move || run_ping(&spec));
    assert_eq!(r.expect("ping").received, 5);
    assert_eq!(chunks[0], "PING 127.0.0.1 (127.0.0.1): 56 data bytes\n");
    assert_eq!(chunks[1..6], ["!", "!", "!", "!", "!"]);
    assert_eq!(chunks[6], "\n", "ends the !!!!! line");
    assert_eq!(chunks[7], "--- 127.0.0.1 ping statistics ---\n");
    assert_eq!(chunks.len(), 10);
    // At most one request per min(interval, 100 ms), and no final wait once all are in.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(400), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn concurrent_pings_see_only_their_own_replies() {
    let (a, b) = in_netns(|| {
        let one = std::thread::spawn(|| run_ping(&quick("127.0.0.1", None, 4)));
        let two = std::thread::spawn(|| run_ping(&quick("127.0.0.1", None, 4)));
        (one.join().unwrap(), two.join().unwrap())
    });
    for (lines, r) in [a, b] {
        let s = r.expect("ping");
        assert_eq!((s.received, s.duplicates), (4, 0), "{lines:?}");
        assert_eq!(lines.len(), 9, "{lines:?}");
    }
}

#[test]
fn interrupted_after_two_replies_prints_the_statistics() {
    let (lines, r) = in_netns(|| {
        let replies = Cell::new(0);
        let mut lines = Vec::new();
        let spec = PingSpec {
            interval: Duration::from_millis(50),
            ..PingSpec::new(ip("127.0.0.1"))
        };
        let r = icmp::ping(
            &spec,
            &mut |l: String| {
                if l.starts_with("64 bytes") {
                    replies.set(replies.get() + 1);
                }
                lines.push(l);
                true
            },
            &|| replies.get() >= 2,
        );
        (lines, r)
    });
    let s = r.expect("ping");
    assert_eq!((s.transmitted, s.received), (2, 2));
    assert_eq!(lines.len(), 7, "{lines:?}");
    assert_tail_ok(&lines, "127.0.0.1", "ping", 2);
}

#[test]
fn a_refused_line_stops_at_once_without_statistics() {
    let started = Instant::now();
    let (lines, r) = in_netns(|| {
        let mut lines = Vec::new();
        let spec = PingSpec {
            interval: Duration::from_millis(50),
            ..PingSpec::new(ip("127.0.0.1"))
        };
        let r = icmp::ping(
            &spec,
            &mut |l: String| {
                let header = l.starts_with("PING");
                lines.push(l);
                header
            },
            &|| false,
        );
        (lines, r)
    });
    assert_eq!(r.expect("ping").received, 1);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // Same for traceroute: the header refused, nothing else is tried.
    let (calls, r) = in_netns(|| {
        let mut calls = 0;
        let r = icmp::traceroute(
            &TraceSpec::new(ip("127.0.0.1")),
            &mut |_| {
                calls += 1;
                false
            },
            &|| false,
        );
        (calls, r)
    });
    r.expect("traceroute");
    assert_eq!(calls, 1);
}

#[test]
fn no_route_is_100_percent_loss_in_bounded_time() {
    let started = Instant::now();
    let spec = PingSpec {
        interval: Duration::from_millis(50),
        wait: Some(Duration::from_millis(200)),
        ..quick("10.99.0.1", None, 2)
    };
    let (lines, r) = in_netns(move || run_ping(&spec));
    let s = r.expect("ping runs; the sends fail");
    assert_eq!((s.transmitted, s.received), (2, 0));
    assert_eq!(
        lines,
        [
            "PING 10.99.0.1 (10.99.0.1): 56 data bytes\n",
            "ping: sendto: Network is unreachable\n",
            "ping: sendto: Network is unreachable\n",
            "\n",
            "--- 10.99.0.1 ping statistics ---\n",
            "2 packets transmitted, 0 packets received, 100% packet loss\n",
        ]
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // ping6 and traceroute need the source a route gives: no route, no run.
    let (e6, et) = in_netns(|| {
        (
            run_ping(&quick("2001:db8:99::1", None, 1)).1.unwrap_err(),
            run_trace(&TraceSpec::new(ip("10.99.0.1"))).1.unwrap_err(),
        )
    });
    assert_eq!(
        e6.to_string(),
        "cannot reach 2001:db8:99::1: Network is unreachable"
    );
    assert_eq!(
        et.to_string(),
        "cannot reach 10.99.0.1: Network is unreachable"
    );
}

#[test]
fn unknown_device_is_an_error_naming_it() {
    let (p, t) = in_netns(|| {
        (
            run_ping(&quick("127.0.0.1", Some("nosuch0"), 1))
                .1
                .unwrap_err(),
            run_trace(&TraceSpec {
                device: Some("nosuch0".into()),
                ..TraceSpec::new(ip("127.0.0.1"))
            })
            .1
            .unwrap_err(),
        )
    });
    assert_eq!(p.to_string(), "cannot bind to nosuch0: No such device");
    assert_eq!(t.to_string(), "cannot bind to nosuch0: No such device");
}

#[test]
fn invalid_specs_are_refused_before_any_socket() {
    let big = PingSpec {
        size: 70_000,
        ..PingSpec::new(ip("127.0.0.1"))
    };
    assert_eq!(
        run_ping(&big).1.unwrap_err().to_string(),
        "packet size too large: 70000 > 65507"
    );
    let mixed = PingSpec {
        source: Some(ip("::1")),
        ..PingSpec::new(ip("127.0.0.1"))
    };
    assert_eq!(
        run_ping(&mixed).1.unwrap_err().to_string(),
        "source address ::1 is not an IPv4 address"
    );
    let no_probes = TraceSpec {
        probes: 0,
        ..TraceSpec::new(ip("127.0.0.1"))
    };
    assert!(matches!(
        run_trace(&no_probes).1,
        Err(IcmpError::Invalid(_))
    ));
    let foreign_source = PingSpec {
        source: Some(ip("192.0.2.77")),
        ..PingSpec::new(ip("127.0.0.1"))
    };
    let e = in_netns(move || run_ping(&foreign_source).1.unwrap_err());
    assert_eq!(
        e.to_string(),
        "cannot bind to source address 192.0.2.77: Cannot assign requested address"
    );
}

#[test]
fn traceroute_to_a_local_address_is_one_hop() {
    let spec = TraceSpec {
        device: Some("lo".into()),
        wait: Duration::from_secs(1),
        ..TraceSpec::new(ip("127.0.0.1"))
    };
    let (lines, r) = in_netns(move || run_trace(&spec));
    r.expect("traceroute");
    assert_eq!(
        lines[0],
        "traceroute to 127.0.0.1 (127.0.0.1), 30 hops max, 40 byte packets\n"
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_hop(&lines[1], " 1  127.0.0.1 (127.0.0.1)", 3, "");

    let spec6 = TraceSpec {
        wait: Duration::from_secs(1),
        ..TraceSpec::new(ip("::1"))
    };
    let (lines, r) = in_netns(move || run_trace(&spec6));
    r.expect("traceroute6");
    assert_eq!(
        lines[0],
        "traceroute6 to ::1 (::1) from ::1, 30 hops max, 12 byte packets\n"
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_hop(&lines[1], " 1  ::1", 3, "");
}

/// `head`, then `n` times `  <ms> ms<note>`, then the end of the line.
fn assert_hop(line: &str, head: &str, n: usize, note: &str) {
    let rest = line
        .strip_prefix(head)
        .and_then(|r| r.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{line:?} does not start with {head:?}"));
    let times: Vec<&str> = rest.split(" ms").collect();
    assert_eq!(times.len(), n + 1, "{line:?}");
    for (i, t) in times.iter().enumerate() {
        let t = if i == 0 {
            t
        } else {
            t.strip_prefix(note)
                .unwrap_or_else(|| panic!("{line:?}: no {note:?}"))
        };
        if i == n {
            assert_eq!(t, "", "{line:?}");
        } else {
            let ms = t.strip_prefix("  ").unwrap_or_else(|| panic!("{line:?}"));
            assert!(ms.parse::<f64>().is_ok(), "{line:?}");
        }
    }
}

#[test]
fn routed_lab() {
    in_lab("routed", |lab| {
        // Over a veth, bound to it, from a given source; then one router away (TTL 63).
        let (lines, r) = run_ping(&PingSpec {
            source: Some(ip("10.77.0.1")),
            ..quick("10.77.0.2", Some("lsys0"), 2)
        });
        assert_eq!(r.expect("ping").received, 2, "{lines:?}");
        assert_eq!(
            lines[0],
            "PING 10.77.0.2 (10.77.0.2) from 10.77.0.1: 56 data bytes\n"
        );
        assert_reply(&lines[1], "64 bytes from 10.77.0.2: icmp_seq=0 ttl=64");
        let (lines, r) = run_ping(&quick("10.78.0.2", Some("lsys0"), 1));
        assert_eq!(r.expect("ping").received, 1, "{lines:?}");
        assert_reply(&lines[1], "64 bytes from 10.78.0.2: icmp_seq=0 ttl=63");
        let (lines, r) = run_ping(&quick("2001:db8:78::2", Some("lsys0"), 1));
        assert_eq!(r.expect("ping6").received, 1, "{lines:?}");
        assert_eq!(
            lines[0],
            "PING6(104=40+8+56 bytes) 2001:db8:77::1 --> 2001:db8:78::2\n"
        );
        assert_reply(
            &lines[1],
            "64 bytes from 2001:db8:78::2, icmp_seq=0 hlim=63",
        );

        // TTL 1: the router's time exceeded, with the header it quotes (Linux quotes all
        // 84 bytes: 8 + 84 = 92).
        let (lines, r) = run_ping(&PingSpec {
            ttl: Some(1),
            ..quick("10.78.0.2", Some("lsys0"), 1)
        });
        assert_eq!(r.expect("ping").received, 0);
        assert_eq!(lines[1], "92 bytes from 10.77.0.2: Time to live exceeded\n");
        assert_eq!(
            lines[2],
            "Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst\n"
        );
        assert!(lines[3].starts_with(" 4  5  00 0054 "), "{:?}", lines[3]);
        assert!(
            lines[3].contains("   0 0000  01  01 "),
            "no DF, TTL 1: {:?}",
            lines[3]
        );
        assert!(
            lines[3].ends_with(" 10.77.0.1  10.78.0.2 \n"),
            "{:?}",
            lines[3]
        );
        assert_eq!(lines[4], "\n");
        assert_eq!(
            lines[7],
            "1 packets transmitted, 0 packets received, 100% packet loss\n"
        );
        let (lines, _) = run_ping(&PingSpec {
            ttl: Some(1),
            ..quick("2001:db8:78::2", Some("lsys0"), 1)
        });
        assert_eq!(
            lines[1],
            "112 bytes from 2001:db8:77::2: Time to live exceeded\n"
        );
        assert_eq!(lines[2], "Vr TC  Flow Plen Nxt Hlim\n");
        assert!(lines[3].ends_with(" 0040  3a   01\n"), "{:?}", lines[3]);
        assert_eq!(lines[4], "2001:db8:77::1->2001:db8:78::2\n");
        assert_eq!(lines[5], "ICMP6: type = 128, code = 0\n");
        assert_eq!(lines[6], "\n");

        // The router's `unreachable` route: host unreachable (IPv6: no route).
        let (lines, _) = run_ping(&quick("10.79.0.1", Some("lsys0"), 1));
        assert_eq!(
            lines[1],
            "92 bytes from 10.77.0.2: Destination Host Unreachable\n"
        );
        let (lines, _) = run_ping(&quick("2001:db8:79::1", Some("lsys0"), 1));
        assert_eq!(
            lines[1],
            "112 bytes from 2001:db8:77::2: No Route to Destination\n"
        );

        // Nobody answers (no such neighbour): all lost, in bounded time.
        let started = Instant::now();
        let (lines, r) = run_ping(&quick("10.77.0.99", Some("lsys0"), 2));
        assert_eq!(r.expect("ping").received, 0, "{lines:?}");
        assert_eq!(
            lines.last().unwrap(),
            "2 packets transmitted, 0 packets received, 100% packet loss\n"
        );
        assert!(started.elapsed() < Duration::from_secs(2));

        // Rapid without replies: a `.` per request, 100 ms apart, then the final wait.
        let started = Instant::now();
        let (chunks, r) = run_ping(&PingSpec {
            rapid: true,
            wait: Some(Duration::from_millis(200)),
            ..quick("10.77.0.99", Some("lsys0"), 3)
        });
        assert_eq!(r.expect("ping").transmitted, 3);
        assert_eq!(chunks[1..5], [".", ".", ".", "\n"]);
        assert_eq!(
            chunks[6],
            "3 packets transmitted, 0 packets received, 100% packet loss\n"
        );
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(500), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");

        // Do-not-fragment: too big for a 1400-byte link fails locally; without DF it fragments.
        // (Both ends: a veth drops what is larger than its receiving end's MTU.)
        ipc("link set lsys0 mtu 1400");
        ipc(&format!("-n {} link set lsys1 mtu 1400", lab.r));
        let (lines, r) = run_ping(&PingSpec {
            size: 1472,
            dont_fragment: true,
            ..quick("10.77.0.2", Some("lsys0"), 1)
        });
        assert_eq!(r.expect("ping").received, 0);
        assert_eq!(lines[1], "ping: sendto: Message too long\n");
        let (lines, r) = run_ping(&PingSpec {
            size: 1472,
            ..quick("10.77.0.2", Some("lsys0"), 1)
        });
        assert_eq!(r.expect("ping").received, 1, "{lines:?}");
        assert_reply(&lines[1], "1480 bytes from 10.77.0.2: icmp_seq=0 ttl=64");
        let (lines, r) = run_ping(&PingSpec {
            size: 1452,
            dont_fragment: true,
            ..quick("2001:db8:77::2", Some("lsys0"), 1)
        });
        assert_eq!(r.expect("ping6").received, 0);
        assert_eq!(lines[1], "ping6: sendmsg: Message too long\n");
        let (lines, r) = run_ping(&PingSpec {
            size: 1452,
            ..quick("2001:db8:77::2", Some("lsys0"), 1)
        });
        assert_eq!(r.expect("ping6").received, 1, "{lines:?}");
        assert_reply(
            &lines[1],
            "1460 bytes from 2001:db8:77::2, icmp_seq=0 hlim=64",
        );
        ipc("link set lsys0 mtu 1500");
        ipc(&format!("-n {} link set lsys1 mtu 1500", lab.r));

        // Traceroute: the router, then the host; IPv6 alike.
        let trace = |t: &str| {
            run_trace(&TraceSpec {
                device: Some("lsys0".into()),
                wait: Duration::from_secs(1),
                ..TraceSpec::new(ip(t))
            })
        };
        let (lines, r) = trace("10.78.0.2");
        r.expect("traceroute");
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_hop(&lines[1], " 1  10.77.0.2 (10.77.0.2)", 3, "");
        assert_hop(&lines[2], " 2  10.78.0.2 (10.78.0.2)", 3, "");
        let (lines, r) = trace("2001:db8:78::2");
        r.expect("traceroute6");
        assert_eq!(
            lines[0],
            concat!(
                "traceroute6 to 2001:db8:78::2 (2001:db8:78::2) from 2001:db8:77::1, ",
                "30 hops max, 12 byte packets\n"
            )
        );
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_hop(&lines[1], " 1  2001:db8:77::2", 3, "");
        assert_hop(&lines[2], " 2  2001:db8:78::2", 3, "");
        // Unreachable behind the router: annotated, and the trace stops there.
        let (lines, r) = trace("10.79.0.1");
        r.expect("traceroute");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_hop(&lines[1], " 1  10.77.0.2 (10.77.0.2)", 3, " !H");
        let (lines, _) = trace("2001:db8:79::1");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_hop(&lines[1], " 1  2001:db8:77::2", 3, " !N");
    });
}

#[test]
fn traceroute_interrupted_prints_the_hop_so_far() {
    let (lines, r) = in_lab("trace-int", |_| {
        // 10.77.0.99 never answers; interrupt after 300 ms.
        let started = Instant::now();
        let mut lines = Vec::new();
        let r = icmp::traceroute(
            &TraceSpec {
                device: Some("lsys0".into()),
                wait: Duration::from_millis(200),
                ..TraceSpec::new(ip("10.77.0.99"))
            },
            &mut |l| {
                lines.push(l);
                true
            },
            &|| started.elapsed() > Duration::from_millis(300),
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        (lines, r)
    });
    r.expect("traceroute");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[1], " 1  *\n",
        "one probe timed out, the second was interrupted"
    );
}
