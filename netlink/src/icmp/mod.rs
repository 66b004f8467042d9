//! `ping` and `traceroute` engines: blocking (lsysd runs them on a blocking thread), bound to a
//! device — a VRF device such as `vrf1003` puts every socket in that VRF — streaming their
//! output in the FreeBSD layout that Junos prints.
//!
//! ```text
//!  PingSpec ──► ping() ──► socket::raw_icmp (SO_BINDTODEVICE, TTL, DF, source)
//!                  │  packet::echo_request ─► send; recv (≤100 ms steps) ─► packet::classify_*
//!                  ▼                                                               │
//!               out(line) ◄── format::{ping_header, echo_reply, icmp_error, ping_statistics}
//!
//!  TraceSpec ─► traceroute() ─► socket::udp_probe (UDP to 33434+seq, TTL per hop)
//!                  │              + socket::raw_icmp (time exceeded / unreachable quoting it)
//!                  ▼
//!               out(line) ◄── format::{traceroute_header, hop, annotation}
//! ```
//!
//! * [`format`](mod@format) is pure text, golden-tested: every line of both tools and the
//!   statistics, checked against FreeBSD's `sbin/ping/ping.c` (`finish`, `pr_pack`,
//!   `pr_icmph`, `pr_iph`, `pr_retip`), `sbin/ping/ping6.c` (KAME: `PING6(...)`, `hlim=`,
//!   `std-dev`) and `usr.sbin/traceroute/traceroute.c` / `usr.sbin/traceroute6/traceroute6.c`.
//! * `packet` builds echo requests and recognises what comes back (ours or not): replies by
//!   ICMP identifier (unique per call) and sequence, errors by the header they quote.
//! * `socket` is every setsockopt, through safe APIs only (socket2, rustix for
//!   `IP_MTU_DISCOVER`, nix for `recvmsg` with `IPV6_HOPLIMIT`): raw ICMP/ICMPv6 sockets need
//!   CAP_NET_RAW, which lsysd has.
//!
//! **Output contract.** `out(line)` gets whole lines, each ending in `"\n"`; `out` returning
//! `false` means the client is gone: the engine stops at once, without statistics. The one
//! exception to whole lines is `ping rapid`, whose `!` (reply) and `.` (no reply) go out one
//! character at a time as they happen. `interrupted()` returning `true` means Ctrl-C: ping
//! stops sending and prints its statistics (the terminal echoes `^C`, so it is not printed);
//! traceroute prints the hop measured so far and stops. Both poll `interrupted` at least every
//! 100 ms, and every wait is bounded.
//!
//! **Ping** (FreeBSD's main loop): a request every `interval`; after the last one (and one
//! more `interval`), a final wait for late replies: `wait` if given, else FreeBSD's rule —
//! twice the longest round trip in whole seconds (at least 1 s) when something came back,
//! 10 s when nothing did. It ends early once `count` replies are in. A lost request prints
//! nothing (FreeBSD has no "Request timeout" line; that is macOS's ping). An ICMP error that
//! quotes one of our requests (unreachable, time exceeded, ...) prints FreeBSD's block: the
//! description, the quoted header, a blank line. A failed send prints `ping: sendto: <error>`
//! and still counts as transmitted, as FreeBSD. IPv6 (ping6's layout) names its source in the
//! header: the given one, or the kernel's choice for the route (no route: an error, as ping6).
//! `rapid` prints `!`/`.` instead of reply lines (and nothing for errors or failed sends) and
//! sends the next request as soon as the reply is in, but never sooner than
//! `min(interval, 100 ms)` after the previous one, and at most 100 ms after it when no reply
//! comes (that request then gets its `.`; a reply arriving later still counts in the
//! statistics). `size` below 8 bytes leaves no room for the timestamp: no `time=` and no
//! round-trip line, as FreeBSD.
//!
//! **Traceroute**: UDP probes of 12 data bytes (40-byte IPv4 packets) to port 33434 + probe
//! number, `probes` per hop, each waited for up to `wait`; the hop line comes out when the
//! hop is done. IPv4 hops print `address (address)` — what FreeBSD and Junos print when the
//! name lookup finds nothing, and lsys never resolves; IPv6 hops print the address alone (as
//! traceroute6 does). It stops at the hop where the target answers (port unreachable), or on
//! unreachables (FreeBSD: all probes but one; traceroute6: half of them), or at `max_ttl`.
//!
//! Addresses print without an IPv6 scope (`fe80::1`, not `fe80::1%eth1`); a link-local
//! target is sent with the device's index as its scope, which is right for an interface and
//! not for a VRF device.

use std::io;
use std::net::IpAddr;
use std::time::Duration;

pub mod format;
mod packet;
mod ping;
mod socket;
mod traceroute;

pub use ping::ping;
pub use traceroute::traceroute;

/// Default ICMP payload (`size`), FreeBSD's `DEFDATALEN`.
pub const DEFAULT_SIZE: usize = 56;
/// Largest IPv4 payload: 65535 − 20 (IP) − 8 (ICMP).
pub const MAX_SIZE_V4: usize = 65_507;
/// Largest IPv6 payload: 65535 − 8 (ICMPv6); the IPv6 header is not in the payload length.
pub const MAX_SIZE_V6: usize = 65_527;
/// FreeBSD's `MAXWAIT`: the final wait when no reply came back at all.
pub const MAX_WAIT: Duration = Duration::from_secs(10);
/// The longest a rapid request waits for its reply before it gets its `.`.
pub const RAPID_TIMEOUT: Duration = Duration::from_millis(100);
/// First UDP destination port of traceroute (the first probe goes to this + 1).
pub const TRACE_BASE_PORT: u16 = 33434;

/// What `ping` does.
#[derive(Debug, Clone, PartialEq)]
pub struct PingSpec {
    pub target: IpAddr,
    /// Device to bind to (`SO_BINDTODEVICE`): a VRF device puts the socket in that VRF.
    pub device: Option<String>,
    /// Requests to send; `None`: until interrupted.
    pub count: Option<u32>,
    /// ICMP payload bytes (reply lines count 8 more: the ICMP header).
    pub size: usize,
    /// `!` per reply, `.` per lost request, no reply lines (Junos `rapid`).
    pub rapid: bool,
    /// Source address (bound); must be of the target's family.
    pub source: Option<IpAddr>,
    /// IP TTL / IPv6 hop limit of the requests (1–255).
    pub ttl: Option<u8>,
    /// Time between requests (default 1 s).
    pub interval: Duration,
    /// Final wait for replies after the last request; `None`: FreeBSD's rule (see the module).
    pub wait: Option<Duration>,
    /// Set DF (`IP_MTU_DISCOVER`/`IPV6_MTU_DISCOVER` = `PMTUDISC_DO`): too big fails with
    /// "Message too long" instead of fragmenting. Without it requests go out without DF.
    pub dont_fragment: bool,
}

impl PingSpec {
    /// Junos' defaults: until interrupted, 56 bytes, 1 s apart.
    pub fn new(target: IpAddr) -> PingSpec {
        PingSpec {
            target,
            device: None,
            count: None,
            size: DEFAULT_SIZE,
            rapid: false,
            source: None,
            ttl: None,
            interval: Duration::from_secs(1),
            wait: None,
            dont_fragment: false,
        }
    }
}

/// What `traceroute` does.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSpec {
    pub target: IpAddr,
    /// Device to bind both sockets to (a VRF device: trace inside that VRF).
    pub device: Option<String>,
    /// Source address of the probes; must be of the target's family.
    pub source: Option<IpAddr>,
    /// Last TTL / hop limit probed (default 30).
    pub max_ttl: u8,
    /// How long each probe waits for its answer (default 5 s, FreeBSD's `waittime`).
    pub wait: Duration,
    /// Probes per hop (default 3).
    pub probes: u8,
}

impl TraceSpec {
    /// FreeBSD's defaults: 30 hops, 3 probes, 5 s each.
    pub fn new(target: IpAddr) -> TraceSpec {
        TraceSpec {
            target,
            device: None,
            source: None,
            max_ttl: 30,
            wait: Duration::from_secs(5),
            probes: 3,
        }
    }
}

/// Round-trip times in milliseconds, kept as FreeBSD keeps them (min, max, sum, sum of
/// squares) so that a ping running for days holds no growing list. Duplicates count here too.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RttStats {
    pub count: u32,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl RttStats {
    pub fn add(&mut self, ms: f64) {
        if self.count == 0 || ms < self.min {
            self.min = ms;
        }
        if self.count == 0 || ms > self.max {
            self.max = ms;
        }
        self.count += 1;
        self.sum += ms;
        self.sum_sq += ms * ms;
    }

    pub fn avg(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / f64::from(self.count))
    }

    /// FreeBSD's `sqrt(tsumsq / n - avg * avg)` (population standard deviation).
    pub fn stddev(&self) -> Option<f64> {
        let avg = self.avg()?;
        let var = self.sum_sq / f64::from(self.count) - avg * avg;
        Some(var.max(0.0).sqrt())
    }
}

/// The counters of one ping run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PingStats {
    pub transmitted: u32,
    /// Distinct replies (duplicates not included).
    pub received: u32,
    pub duplicates: u32,
    /// Empty when `size` < 8 (no timestamp in the payload).
    pub rtt: RttStats,
}

/// Why a ping or traceroute could not run (or stopped). Messages carry the values involved;
/// OS errors read as `strerror` does ("No such device"), without Rust's "(os error N)".
#[derive(Debug, thiserror::Error)]
pub enum IcmpError {
    #[error("cannot open {what} socket: {msg}", msg = os_message(.source))]
    Socket {
        what: &'static str,
        source: io::Error,
    },
    #[error("cannot bind to {device}: {msg}", msg = os_message(.source))]
    BindDevice { device: String, source: io::Error },
    #[error("cannot bind to source address {address}: {msg}", msg = os_message(.source))]
    BindSource { address: IpAddr, source: io::Error },
    #[error("cannot set {option}: {msg}", msg = os_message(.source))]
    SetOption {
        option: &'static str,
        source: io::Error,
    },
    #[error("cannot reach {target}: {msg}", msg = os_message(.source))]
    Route { target: IpAddr, source: io::Error },
    #[error("receive failed: {msg}", msg = os_message(.source))]
    Receive { source: io::Error },
    #[error("{0}")]
    Invalid(String),
    #[error("{0} is not supported")]
    Unsupported(&'static str),
}

/// `strerror` text of an OS error ("No such device"), other errors as they display.
pub(crate) fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    match (e.raw_os_error(), s.rfind(" (os error ")) {
        (Some(_), Some(i)) => s[..i].to_string(),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stddev_is_freebsds() {
        let mut r = RttStats::default();
        for ms in [0.599, 0.647, 0.891] {
            r.add(ms);
        }
        assert_eq!(r.count, 3);
        assert_eq!(r.min, 0.599);
        assert_eq!(r.max, 0.891);
        let avg = (0.599 + 0.647 + 0.891) / 3.0;
        assert!((r.avg().unwrap() - avg).abs() < 1e-12);
        let var = (0.599f64.powi(2) + 0.647f64.powi(2) + 0.891f64.powi(2)) / 3.0 - avg * avg;
        assert!((r.stddev().unwrap() - var.sqrt()).abs() < 1e-12);
        assert_eq!(format!("{:.3}", r.stddev().unwrap()), "0.128");
        assert_eq!(RttStats::default().avg(), None);
    }

    #[test]
    fn os_errors_read_like_strerror() {
        let e = IcmpError::BindDevice {
            device: "vrf1003".into(),
            source: io::Error::from_raw_os_error(19),
        };
        assert_eq!(e.to_string(), "cannot bind to vrf1003: No such device");
        let other = io::Error::other("boom");
        assert_eq!(os_message(&other), "boom");
    }
}
