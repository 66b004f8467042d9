//! Every line ping and traceroute print, as FreeBSD prints them (Junos runs FreeBSD's tools).
//! Pure functions: values in, text out; each line ends in `"\n"`.
//!
//! Sources (freebsd-src): `sbin/ping/ping.c` — the `PING` header (`main`), reply lines and
//! ICMP errors (`pr_pack`, `pr_icmph`, `pr_iph`, `pr_retip`), statistics (`finish`: a blank
//! line first, `%d%% packet loss` in the FreeBSD that Junos shows, `stddev`);
//! `sbin/ping/ping6.c` (KAME) — `PING6(%lu=40+8+%lu bytes) src --> dst`, `, icmp_seq=`,
//! ` hlim=`, `ping6 statistics`, `std-dev`, and its `pr_icmph`/`pr_iph`/`pr_retip`;
//! `usr.sbin/traceroute/traceroute.c` and `usr.sbin/traceroute6/traceroute6.c` — the header,
//! `%2d ` hop numbers, `  %.3f ms`, ` *`, the `!` annotations and the continuation line
//! (`"\n   "`) when a hop answers from a second address.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::packet;
use super::PingStats;

/// Rapid mode: a reply.
pub const RAPID_REPLY: &str = "!";
/// Rapid mode: a request without reply.
pub const RAPID_LOST: &str = ".";

/// `PING 10.0.0.14 (10.0.0.14): 56 data bytes` (`from SRC` when a source is given), or
/// ping6's header for an IPv6 target (`source` is then the address the packets leave from).
pub fn ping_header(target: IpAddr, source: Option<IpAddr>, size: usize) -> String {
    match (target, source) {
        (IpAddr::V6(t), Some(IpAddr::V6(s))) => ping6_header(s, t, size),
        (IpAddr::V6(t), _) => ping6_header(Ipv6Addr::UNSPECIFIED, t, size),
        (t, Some(s)) => format!("PING {t} ({t}) from {s}: {size} data bytes\n"),
        (t, None) => format!("PING {t} ({t}): {size} data bytes\n"),
    }
}

/// `PING6(104=40+8+56 bytes) 2001:db8::1 --> 2001:db8::2`: IPv6 + ICMPv6 headers + payload.
pub fn ping6_header(source: Ipv6Addr, target: Ipv6Addr, size: usize) -> String {
    format!(
        "PING6({}=40+8+{size} bytes) {source} --> {target}\n",
        40 + 8 + size
    )
}

/// A reply line. IPv4: `64 bytes from 10.0.0.14: icmp_seq=0 ttl=64 time=0.647 ms`; IPv6:
/// `64 bytes from 2001:db8::2, icmp_seq=0 hlim=64 time=0.647 ms`. `bytes` is the ICMP
/// message's length (payload + 8); `ttl` the reply's TTL or hop limit; no `time=` without a
/// timestamp (payload under 8 bytes); ` (DUP!)` (ping6: `(DUP!)`) for a duplicate.
pub fn echo_reply(
    from: IpAddr,
    bytes: usize,
    seq: u16,
    ttl: u8,
    rtt_ms: Option<f64>,
    dup: bool,
) -> String {
    let mut s = match from {
        IpAddr::V4(a) => format!("{bytes} bytes from {a}: icmp_seq={seq} ttl={ttl}"),
        IpAddr::V6(a) => format!("{bytes} bytes from {a}, icmp_seq={seq} hlim={ttl}"),
    };
    if let Some(ms) = rtt_ms {
        let _ = write!(s, " time={ms:.3} ms");
    }
    if dup {
        s.push_str(if from.is_ipv4() { " (DUP!)" } else { "(DUP!)" });
    }
    s.push('\n');
    s
}

/// A warning as FreeBSD's `warn()` writes it: `ping: sendto: No route to host`.
pub fn warning(tool: &str, call: &str, message: &str) -> String {
    format!("{tool}: {call}: {message}\n")
}

/// The lines for an ICMP error that quotes one of our requests: `36 bytes from 10.0.0.13:
/// Destination Host Unreachable`, the quoted IP header (`Vr HL TOS ...`), and the blank line
/// `pr_pack` ends with. `icmp` is the ICMP (or ICMPv6) message, from its type byte; `from`'s
/// family says which.
pub fn icmp_error(from: IpAddr, icmp: &[u8]) -> Vec<String> {
    let mut s = format!("{} bytes from {from}: ", icmp.len());
    if from.is_ipv4() {
        icmph_v4(&mut s, icmp);
    } else {
        icmph_v6(&mut s, icmp);
    }
    s.push('\n');
    lines(&s)
}

/// Splits text into lines that keep their `"\n"`.
fn lines(s: &str) -> Vec<String> {
    s.split_inclusive('\n').map(str::to_string).collect()
}

fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([byte(b, at), byte(b, at + 1)])
}

/// ping.c `pr_icmph` for the errors ping prints.
fn icmph_v4(s: &mut String, icmp: &[u8]) {
    let (kind, code) = (byte(icmp, 0), byte(icmp, 1));
    let quoted = icmp.get(8..).unwrap_or_default();
    match kind {
        packet::ICMP_UNREACH => {
            let text = match code {
                0 => "Destination Net Unreachable".to_string(),
                1 => "Destination Host Unreachable".to_string(),
                2 => "Destination Protocol Unreachable".to_string(),
                3 => "Destination Port Unreachable".to_string(),
                4 => format!("frag needed and DF set (MTU {})", be16(icmp, 6)),
                5 => "Source Route Failed".to_string(),
                13 => "Communication prohibited by filter".to_string(),
                c => format!("Dest Unreachable, Bad Code: {c}"),
            };
            s.push_str(&text);
            s.push('\n');
            retip_v4(s, quoted);
        }
        packet::ICMP_SOURCEQUENCH => {
            s.push_str("Source Quench\n");
            retip_v4(s, quoted);
        }
        packet::ICMP_REDIRECT => {
            let text = match code {
                0 => "Redirect Network".to_string(),
                1 => "Redirect Host".to_string(),
                2 => "Redirect Type of Service and Network".to_string(),
                3 => "Redirect Type of Service and Host".to_string(),
                c => format!("Redirect, Bad Code: {c}"),
            };
            let gw = Ipv4Addr::new(byte(icmp, 4), byte(icmp, 5), byte(icmp, 6), byte(icmp, 7));
            let _ = writeln!(s, "{text}(New addr: {gw})");
            retip_v4(s, quoted);
        }
        packet::ICMP_TIMXCEED => {
            let text = match code {
                0 => "Time to live exceeded".to_string(),
                1 => "Frag reassembly time exceeded".to_string(),
                c => format!("Time exceeded, Bad Code: {c}"),
            };
            s.push_str(&text);
            s.push('\n');
            retip_v4(s, quoted);
        }
        packet::ICMP_PARAMPROB => {
            let _ = writeln!(s, "Parameter problem: pointer = 0x{:02x}", byte(icmp, 4));
            retip_v4(s, quoted);
        }
        k => {
            let _ = writeln!(s, "Bad ICMP type: {k}");
        }
    }
}

/// ping.c `pr_retip`: the quoted IP header (`pr_iph`), then the ports of a quoted TCP/UDP.
fn retip_v4(s: &mut String, ip: &[u8]) {
    if ip.len() < 20 {
        return;
    }
    let hlen = usize::from(ip[0] & 0x0f) * 4;
    s.push_str("Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst\n");
    let off = be16(ip, 6);
    let _ = write!(
        s,
        " {:1x}  {:1x}  {:02x} {:04x} {:04x}   {:1x} {:04x}  {:02x}  {:02x} {:04x} {}  {} ",
        ip[0] >> 4,
        ip[0] & 0x0f,
        ip[1],
        be16(ip, 2),
        be16(ip, 4),
        (off & 0xe000) >> 13,
        off & 0x1fff,
        ip[8],
        ip[9],
        be16(ip, 10),
        Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]),
        Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]),
    );
    for b in ip.get(20..hlen.max(20)).unwrap_or_default() {
        let _ = write!(s, "{b:02x}");
    }
    s.push('\n');
    let l4 = ip.get(hlen..).unwrap_or_default();
    if l4.len() >= 4 {
        let name = match ip[9] {
            6 => "TCP",
            17 => "UDP",
            _ => return,
        };
        let _ = writeln!(
            s,
            "{name}: from port {}, to port {} (decimal)",
            be16(l4, 0),
            be16(l4, 2)
        );
    }
}

/// ping6.c `pr_icmph` for the errors ping prints.
fn icmph_v6(s: &mut String, icmp: &[u8]) {
    let (kind, code) = (byte(icmp, 0), byte(icmp, 1));
    let quoted = icmp.get(8..).unwrap_or_default();
    let text = match kind {
        packet::ICMP6_DST_UNREACH => match code {
            0 => "No Route to Destination".to_string(),
            1 => "Destination Administratively Unreachable".to_string(),
            2 => "Destination Unreachable Beyond Scope".to_string(),
            3 => "Destination Host Unreachable".to_string(),
            4 => "Destination Port Unreachable".to_string(),
            c => format!("Destination Unreachable, Bad Code: {c}"),
        },
        packet::ICMP6_PACKET_TOO_BIG => {
            let mtu =
                u32::from_be_bytes([byte(icmp, 4), byte(icmp, 5), byte(icmp, 6), byte(icmp, 7)]);
            format!("Packet too big mtu = {mtu}")
        }
        packet::ICMP6_TIME_EXCEEDED => match code {
            0 => "Time to live exceeded".to_string(),
            1 => "Frag reassembly time exceeded".to_string(),
            c => format!("Time exceeded, Bad Code: {c}"),
        },
        packet::ICMP6_PARAM_PROB => {
            let what = match code {
                0 => "Erroneous Header ".to_string(),
                1 => "Unknown Nextheader ".to_string(),
                2 => "Unrecognized Option ".to_string(),
                c => format!("Bad code({c}) "),
            };
            let ptr =
                u32::from_be_bytes([byte(icmp, 4), byte(icmp, 5), byte(icmp, 6), byte(icmp, 7)]);
            format!("Parameter problem: {what}pointer = 0x{ptr:02x}")
        }
        k => {
            let _ = write!(s, "Bad ICMP type: {k}");
            return;
        }
    };
    s.push_str(&text);
    s.push('\n');
    retip_v6(s, quoted);
}

/// ping6.c `pr_retip`: the quoted IPv6 header (`pr_iph`), its extension headers, and the
/// upper-layer header; `...` when the quote ends first.
fn retip_v6(s: &mut String, ip: &[u8]) {
    if ip.len() < 40 {
        s.push_str("IP6...\n");
        return;
    }
    let tc = ((ip[1] >> 4) & 0x0f) | (ip[0] << 4);
    let flow = u32::from_be_bytes([ip[0], ip[1], ip[2], ip[3]]) & 0x000f_ffff;
    let src: [u8; 16] = ip[8..24].try_into().unwrap_or([0; 16]);
    let dst: [u8; 16] = ip[24..40].try_into().unwrap_or([0; 16]);
    s.push_str("Vr TC  Flow Plen Nxt Hlim\n");
    let _ = writeln!(
        s,
        " {:1x} {:02x} {:05x} {:04x}  {:02x}   {:02x}",
        ip[0] >> 4,
        tc,
        flow,
        be16(ip, 4),
        ip[6],
        ip[7]
    );
    let _ = writeln!(s, "{}->{}", Ipv6Addr::from(src), Ipv6Addr::from(dst));
    let mut next = ip[6];
    let mut at = 40;
    while ip.len().saturating_sub(at) >= 8 {
        let cp = &ip[at..];
        let hlen = match next {
            0 => {
                s.push_str("HBH ");
                (usize::from(cp[1]) + 1) << 3
            }
            60 => {
                s.push_str("DSTOPT ");
                (usize::from(cp[1]) + 1) << 3
            }
            44 => {
                s.push_str("FRAG ");
                8
            }
            43 => {
                s.push_str("RTHDR ");
                (usize::from(cp[1]) + 1) << 3
            }
            51 => {
                s.push_str("AH ");
                (usize::from(cp[1]) + 2) << 2
            }
            58 => {
                let _ = writeln!(s, "ICMP6: type = {}, code = {}", cp[0], cp[1]);
                return;
            }
            50 => {
                s.push_str("ESP\n");
                return;
            }
            6 | 17 => {
                let name = if next == 6 { "TCP" } else { "UDP" };
                let _ = writeln!(
                    s,
                    "{name}: from port {}, to port {} (decimal)",
                    be16(cp, 0),
                    be16(cp, 2)
                );
                return;
            }
            nh => {
                let _ = writeln!(s, "Unknown Header({nh})");
                return;
            }
        };
        next = cp[0];
        at += hlen;
    }
    s.push_str("...\n");
}

/// FreeBSD's `finish` (ping6's `summary`): a blank line — it also ends a rapid `!!!!!` line
/// and the `^C` the terminal echoed — then the counts, then the round trips when a timed
/// reply came back.
pub fn ping_statistics(target: IpAddr, stats: &PingStats) -> Vec<String> {
    let tool = if target.is_ipv4() { "ping" } else { "ping6" };
    let mut v = vec![
        "\n".to_string(),
        format!("--- {target} {tool} statistics ---\n"),
    ];
    let mut s = format!(
        "{} packets transmitted, {} packets received, ",
        stats.transmitted, stats.received
    );
    if stats.duplicates > 0 {
        let _ = write!(s, "+{} duplicates, ", stats.duplicates);
    }
    if stats.transmitted > 0 {
        if stats.received > stats.transmitted {
            s.push_str("-- somebody's printing up packets!");
        } else {
            let lost = u64::from(stats.transmitted - stats.received);
            let _ = write!(
                s,
                "{}% packet loss",
                lost * 100 / u64::from(stats.transmitted)
            );
        }
    }
    s.push('\n');
    v.push(s);
    if stats.received > 0 {
        if let (Some(avg), Some(dev)) = (stats.rtt.avg(), stats.rtt.stddev()) {
            let name = if target.is_ipv4() {
                "stddev"
            } else {
                "std-dev"
            };
            v.push(format!(
                "round-trip min/avg/max/{name} = {:.3}/{avg:.3}/{:.3}/{dev:.3} ms\n",
                stats.rtt.min, stats.rtt.max
            ));
        }
    }
    v
}

/// `traceroute to 10.0.0.14 (10.0.0.14), 30 hops max, 40 byte packets` (` from SRC` when a
/// source is given); `traceroute6 to T (T) from SRC, 30 hops max, 12 byte packets` (IPv6
/// always names the source it sends from).
pub fn traceroute_header(
    target: IpAddr,
    source: Option<IpAddr>,
    max_ttl: u8,
    packet_bytes: usize,
) -> String {
    let tool = if target.is_ipv4() {
        "traceroute"
    } else {
        "traceroute6"
    };
    let from = source.map(|s| format!(" from {s}")).unwrap_or_default();
    format!(
        "{tool} to {target} ({target}){from}, {max_ttl} hops max, {packet_bytes} byte packets\n"
    )
}

/// One probe of a hop.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// No answer within the wait: ` *`.
    Lost,
    /// An answer: the address, the round trip, and its annotation (` !H`, ...; may be empty).
    Answer {
        from: IpAddr,
        rtt_ms: f64,
        note: String,
    },
}

/// What an answer means for the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A router on the way (time exceeded), or an answer traceroute6 does not annotate.
    Transit,
    /// The target answered (port unreachable; IPv4 protocol unreachable too).
    Arrived,
    /// Counts towards giving up (`!H`, `!N`, ...).
    Unreachable,
}

/// The annotation of an answer and its verdict. `kind`/`code` of the ICMP (IPv4) or ICMPv6
/// message; `reply_ttl` the answer's own TTL or hop limit (a target answering with TTL ≤ 1
/// gets FreeBSD's ` !`); `mtu` for "fragmentation needed" (` !F-1500`).
pub fn annotation(
    v6: bool,
    kind: u8,
    code: u8,
    reply_ttl: Option<u8>,
    mtu: u32,
) -> (String, Verdict) {
    let low_ttl = if reply_ttl.is_some_and(|t| t <= 1) {
        " !"
    } else {
        ""
    };
    let unreach = |s: &str| (s.to_string(), Verdict::Unreachable);
    if v6 {
        if kind != packet::ICMP6_DST_UNREACH {
            return (String::new(), Verdict::Transit);
        }
        return match code {
            0 => unreach(" !N"),
            1 => unreach(" !P"),
            2 => unreach(" !S"),
            3 => unreach(" !A"),
            4 => (low_ttl.to_string(), Verdict::Arrived),
            _ => (String::new(), Verdict::Transit),
        };
    }
    if kind != packet::ICMP_UNREACH {
        return (String::new(), Verdict::Transit);
    }
    match code {
        3 => (low_ttl.to_string(), Verdict::Arrived),
        0 => unreach(" !N"),
        1 => unreach(" !H"),
        2 => (" !P".to_string(), Verdict::Arrived),
        4 => unreach(&format!(" !F-{mtu}")),
        5 => unreach(" !S"),
        6 => unreach(" !U"),
        7 => unreach(" !W"),
        8 => unreach(" !I"),
        9 => unreach(" !A"),
        10 => unreach(" !Z"),
        11 => unreach(" !Q"),
        12 => unreach(" !T"),
        13 => unreach(" !X"),
        14 => unreach(" !V"),
        15 => unreach(" !C"),
        c => unreach(&format!(" !<{c}>")),
    }
}

/// Whether the trace stops after this hop: the target answered, or enough probes were
/// unreachable (traceroute.c: all but one; traceroute6.c: at least half).
pub fn trace_done(v6: bool, probes: u8, arrived: bool, unreachable: u32) -> bool {
    let enough = if v6 {
        u32::from(probes).div_ceil(2)
    } else {
        u32::from(probes).saturating_sub(1)
    };
    arrived || (unreachable > 0 && unreachable >= enough)
}

/// A hop's lines: ` 1  10.0.0.1 (10.0.0.1)  0.593 ms  *  0.468 ms !H`. A second answering
/// address continues on a new line indented by three spaces (FreeBSD prints the address each
/// time it changes; traceroute6 breaks the line before any address after the first probe).
/// IPv4 prints `address (address)` — FreeBSD's form when the name lookup finds nothing —
/// IPv6 the address alone (traceroute6 without `-l`).
pub fn hop(ttl: u8, probes: &[Probe], v6: bool) -> Vec<String> {
    let mut s = format!("{ttl:2} ");
    let mut last: Option<IpAddr> = None;
    for (i, p) in probes.iter().enumerate() {
        match p {
            Probe::Lost => s.push_str(" *"),
            Probe::Answer { from, rtt_ms, note } => {
                if last != Some(*from) {
                    let break_line = if v6 { i > 0 } else { last.is_some() };
                    if break_line {
                        s.push_str("\n   ");
                    }
                    if v6 {
                        let _ = write!(s, " {from}");
                    } else {
                        let _ = write!(s, " {from} ({from})");
                    }
                    last = Some(*from);
                }
                let _ = write!(s, "  {rtt_ms:.3} ms{note}");
            }
        }
    }
    s.push('\n');
    lines(&s)
}

#[cfg(test)]
mod tests {
    use super::super::packet::tests::{icmp_error as error, ipv4, ipv6};
    use super::super::packet::{echo_request, ICMP6_DST_UNREACH, ICMP_TIMXCEED, ICMP_UNREACH};
    use super::*;

    fn joined(v: &[String]) -> String {
        v.concat()
    }

    /// FreeBSD's own test (sbin/ping/tests/test_ping.py, `_3_1_flags_DF`): an unreachable
    /// quoting a 56-byte request with DF, from 192.0.2.2.
    #[test]
    fn unreachable_dump_matches_freebsds_test_suite() {
        let src = Ipv4Addr::new(192, 0, 2, 1);
        let dst = Ipv4Addr::new(192, 0, 2, 2);
        let mut inner = ipv4(src, dst, 1, 84);
        inner.extend_from_slice(&echo_request(false, 7, 0, 56, 0));
        let e = error(ICMP_UNREACH, 1, [0; 4], &inner);
        assert_eq!(
            joined(&icmp_error(IpAddr::V4(dst), &e)),
            "92 bytes from 192.0.2.2: Destination Host Unreachable\n\
             Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst\n \
             4  5  00 0054 0001   2 0000  40  01 b6a4 192.0.2.1  192.0.2.2 \n\
             \n"
        );
    }

    #[test]
    fn time_exceeded_from_a_router_quoting_eight_bytes() {
        let src = Ipv4Addr::new(10, 0, 0, 13);
        let dst = Ipv4Addr::new(10, 0, 0, 14);
        let mut inner = ipv4(src, dst, 1, 84);
        inner[8] = 1; // the TTL it expired with
        inner.extend_from_slice(&echo_request(false, 7, 0, 56, 0)[..8]);
        let e = error(ICMP_TIMXCEED, 0, [0; 4], &inner);
        let v = icmp_error(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)), &e);
        assert_eq!(v[0], "36 bytes from 10.0.0.9: Time to live exceeded\n");
        assert_eq!(
            v[2],
            " 4  5  00 0054 0001   2 0000  01  01 268e 10.0.0.13  10.0.0.14 \n"
        );
        assert_eq!(v[3], "\n");
        assert_eq!(v.len(), 4);
    }

    #[test]
    fn quoted_udp_and_options_print_as_freebsd() {
        let src = Ipv4Addr::new(10, 0, 0, 13);
        let dst = Ipv4Addr::new(10, 0, 0, 14);
        let mut inner = ipv4(src, dst, 17, 40);
        inner[0] = 0x46; // one option word
        inner.splice(20..20, [1, 1, 1, 1]);
        inner.extend_from_slice(&[0x80, 0x01, 0x82, 0x9b, 0, 20, 0, 0]);
        let e = error(ICMP_UNREACH, 4, [0, 0, 0x05, 0xdc], &inner);
        let v = icmp_error(IpAddr::V4(dst), &e);
        assert_eq!(
            v[0],
            "40 bytes from 10.0.0.14: frag needed and DF set (MTU 1500)\n"
        );
        assert!(
            v[2].ends_with("10.0.0.13  10.0.0.14 01010101\n"),
            "{}",
            v[2]
        );
        assert_eq!(v[3], "UDP: from port 32769, to port 33435 (decimal)\n");
    }

    #[test]
    fn icmpv6_errors_print_as_ping6() {
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8::2".parse().unwrap();
        let mut inner = ipv6(src, dst, 58, 64);
        inner.extend_from_slice(&echo_request(true, 7, 0, 56, 0));
        let e = error(ICMP6_DST_UNREACH, 3, [0; 4], &inner);
        assert_eq!(
            joined(&icmp_error("2001:db8::9".parse().unwrap(), &e)),
            "112 bytes from 2001:db8::9: Destination Host Unreachable\n\
             Vr TC  Flow Plen Nxt Hlim\n \
             6 00 00000 0040  3a   40\n\
             2001:db8::1->2001:db8::2\n\
             ICMP6: type = 128, code = 0\n\
             \n"
        );
        let short = &e[..8 + 40 + 4];
        let v = icmp_error("2001:db8::9".parse().unwrap(), short);
        assert_eq!(v[4], "...\n", "quote ends before the upper layer");
    }

    #[test]
    fn annotations_and_stop_rules() {
        assert_eq!(
            annotation(false, ICMP_UNREACH, 1, Some(64), 0),
            (" !H".into(), Verdict::Unreachable)
        );
        assert_eq!(
            annotation(false, ICMP_UNREACH, 3, Some(64), 0),
            ("".into(), Verdict::Arrived)
        );
        assert_eq!(
            annotation(false, ICMP_UNREACH, 3, Some(1), 0),
            (" !".into(), Verdict::Arrived)
        );
        assert_eq!(annotation(false, ICMP_UNREACH, 4, None, 1400).0, " !F-1400");
        assert_eq!(annotation(false, ICMP_UNREACH, 13, None, 0).0, " !X");
        assert_eq!(annotation(false, ICMP_UNREACH, 99, None, 0).0, " !<99>");
        assert_eq!(
            annotation(false, ICMP_TIMXCEED, 0, Some(64), 0),
            ("".into(), Verdict::Transit)
        );
        assert_eq!(
            annotation(true, ICMP6_DST_UNREACH, 3, Some(64), 0),
            (" !A".into(), Verdict::Unreachable)
        );
        assert_eq!(
            annotation(true, ICMP6_DST_UNREACH, 4, Some(64), 0).1,
            Verdict::Arrived
        );
        assert!(trace_done(false, 3, false, 2));
        assert!(!trace_done(false, 3, false, 1));
        assert!(trace_done(true, 3, false, 2));
        assert!(!trace_done(true, 4, false, 1));
        assert!(trace_done(false, 1, false, 1));
        assert!(trace_done(true, 3, true, 0));
    }
}
