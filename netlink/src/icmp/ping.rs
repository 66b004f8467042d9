//! The ping engine: FreeBSD's main loop (send every interval, print replies and errors as they
//! come, a final wait after the last request, statistics), on a raw socket bound to a device.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use socket2::{SockAddr, Socket};

use super::format::{self, RAPID_LOST, RAPID_REPLY};
use super::packet::{self, Echo};
use super::socket::{self, Received, Setup};
use super::{
    os_message, IcmpError, PingSpec, PingStats, MAX_SIZE_V4, MAX_SIZE_V6, MAX_WAIT, RAPID_TIMEOUT,
};

/// The longest any wait goes without asking `interrupted()`.
pub(crate) const POLL: Duration = Duration::from_millis(100);

/// An ICMP identifier no other ping of this process uses at the same time (65,536 of them
/// before one comes back), starting at a value that differs between processes.
pub(crate) fn next_ident() -> u16 {
    static SEED: OnceLock<u16> = OnceLock::new();
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let seed = *SEED.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        (std::process::id() as u16) ^ (nanos as u16) ^ ((nanos >> 16) as u16)
    });
    seed.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Checks a spec before any socket opens; the messages are FreeBSD's where it has one.
pub(crate) fn validate(spec: &PingSpec) -> Result<(), IcmpError> {
    let v6 = spec.target.is_ipv6();
    let max = if v6 { MAX_SIZE_V6 } else { MAX_SIZE_V4 };
    if spec.size > max {
        return Err(IcmpError::Invalid(format!(
            "packet size too large: {} > {max}",
            spec.size
        )));
    }
    if spec.count == Some(0) {
        return Err(IcmpError::Invalid(
            "invalid count of packets to transmit: 0".into(),
        ));
    }
    if spec.ttl == Some(0) {
        return Err(IcmpError::Invalid("invalid TTL: 0".into()));
    }
    check_source(spec.target, spec.source)
}

/// The source must be of the target's family.
pub(crate) fn check_source(
    target: std::net::IpAddr,
    source: Option<std::net::IpAddr>,
) -> Result<(), IcmpError> {
    match source {
        Some(s) if s.is_ipv6() != target.is_ipv6() => Err(IcmpError::Invalid(format!(
            "source address {s} is not an {} address",
            if target.is_ipv6() { "IPv6" } else { "IPv4" }
        ))),
        _ => Ok(()),
    }
}

/// Sends echo requests to `spec.target` and streams what comes back; see the module
/// documentation for the layout, the timing and the `out`/`interrupted` contract. Returns
/// the counters (also when `out` refused a line: then without printing the statistics).
pub fn ping(
    spec: &PingSpec,
    out: &mut dyn FnMut(String) -> bool,
    interrupted: &dyn Fn() -> bool,
) -> Result<PingStats, IcmpError> {
    validate(spec)?;
    let v6 = spec.target.is_ipv6();
    let device = spec.device.as_deref();
    let sock = socket::raw_icmp(
        v6,
        &Setup {
            device,
            source: spec.source,
            ttl: spec.ttl,
            dont_fragment: Some(spec.dont_fragment),
        },
    )?;
    let header = if v6 {
        // ping6 names the source the requests leave from.
        let source = match spec.source {
            Some(s) => s,
            None => socket::route_source(spec.target, device)?,
        };
        format::ping_header(spec.target, Some(source), spec.size)
    } else {
        format::ping_header(spec.target, spec.source, spec.size)
    };
    let mut run = Run {
        spec,
        v6,
        ident: next_ident(),
        start: Instant::now(),
        dest: socket::destination(spec.target, 0, device),
        stats: PingStats::default(),
        seen: vec![0; 1 << 10],
        pending: None,
        last_sent: Instant::now(),
    };
    tracing::debug!(target_addr = %spec.target, device = ?device, ident = run.ident, "ping");
    if !out(header) {
        return Ok(run.stats);
    }
    if run.run(&sock, out, interrupted)? == Flow::Gone {
        return Ok(run.stats);
    }
    for line in format::ping_statistics(spec.target, &run.stats) {
        if !out(line) {
            break;
        }
    }
    Ok(run.stats)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// Count reached, final wait over, or interrupted: print the statistics.
    Done,
    /// `out` refused a line: the client is gone.
    Gone,
}

struct Run<'a> {
    spec: &'a PingSpec,
    v6: bool,
    ident: u16,
    /// The send stamps in the payloads count from here.
    start: Instant,
    dest: SockAddr,
    stats: PingStats,
    /// Sequence numbers answered (FreeBSD's `rcvd_tbl`, all 65,536 of them).
    seen: Vec<u64>,
    /// Rapid: the request still waiting for its `!` or `.`.
    pending: Option<u16>,
    last_sent: Instant,
}

impl Run<'_> {
    fn run(
        &mut self,
        sock: &Socket,
        out: &mut dyn FnMut(String) -> bool,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<Flow, IcmpError> {
        let spec = self.spec;
        let mut next_send = Instant::now();
        let mut deadline: Option<Instant> = None;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            if interrupted() {
                return Ok(Flow::Done);
            }
            if spec.count.is_some_and(|c| self.stats.received >= c) {
                return Ok(Flow::Done);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Ok(Flow::Done);
            }
            if deadline.is_none() && now >= next_send {
                if spec.rapid && self.pending.take().is_some() && !out(RAPID_LOST.into()) {
                    return Ok(Flow::Gone);
                }
                if spec.count.is_none_or(|c| self.stats.transmitted < c) {
                    if !self.send(sock, out) {
                        return Ok(Flow::Gone);
                    }
                    let wait = if spec.rapid {
                        RAPID_TIMEOUT
                    } else {
                        spec.interval
                    };
                    next_send = self.last_sent + wait;
                } else {
                    deadline = Some(now + self.final_wait());
                    continue;
                }
            }
            let until = deadline.unwrap_or(next_send);
            let step = until.saturating_duration_since(Instant::now()).min(POLL);
            if let Some(r) = socket::recv(sock, &mut buf, step)? {
                match self.receive(&buf[..r.len], r, out) {
                    Event::Gone => return Ok(Flow::Gone),
                    // Rapid: the reply is in; the next request goes out once the gap passed.
                    Event::Answered => {
                        next_send = self.last_sent + spec.interval.min(RAPID_TIMEOUT)
                    }
                    Event::None => {}
                }
            }
        }
    }

    /// FreeBSD: after the last request, `-W`-like `wait` if given, else twice the longest
    /// round trip in whole seconds (at least 1 s) when a reply came, `MAXWAIT` when none did.
    fn final_wait(&self) -> Duration {
        self.spec.wait.unwrap_or_else(|| {
            if self.stats.received > 0 {
                let secs = (2.0 * self.stats.rtt.max / 1000.0) as u64;
                Duration::from_secs(secs.max(1))
            } else {
                MAX_WAIT
            }
        })
    }

    /// Sends the next request; a failure prints FreeBSD's warning and still counts as sent.
    /// `false` when `out` refused the warning.
    fn send(&mut self, sock: &Socket, out: &mut dyn FnMut(String) -> bool) -> bool {
        let seq = self.stats.transmitted as u16;
        let now = Instant::now();
        let stamp = now.duration_since(self.start).as_nanos() as u64;
        let pkt = packet::echo_request(self.v6, self.ident, seq, self.spec.size, stamp);
        self.seen[usize::from(seq) / 64] &= !(1u64 << (seq % 64));
        self.stats.transmitted += 1;
        self.last_sent = now;
        if self.spec.rapid {
            self.pending = Some(seq);
        }
        if let Err(e) = sock.send_to(&pkt, &self.dest) {
            // Rapid: the request gets its `.` when its time is up.
            if !self.spec.rapid {
                let (tool, call) = if self.v6 {
                    ("ping6", "sendmsg")
                } else {
                    ("ping", "sendto")
                };
                return out(format::warning(tool, call, &os_message(&e)));
            }
        }
        true
    }

    /// Handles one received message: replies and errors that are ours print (or count, in
    /// rapid mode); everything else is someone else's.
    fn receive(&mut self, data: &[u8], r: Received, out: &mut dyn FnMut(String) -> bool) -> Event {
        let target = self.spec.target;
        let (icmp, ttl, echo) = match target {
            std::net::IpAddr::V4(t) => {
                let Some((hlen, ttl)) = packet::ipv4_header(data) else {
                    return Event::None;
                };
                let icmp = &data[hlen..];
                (icmp, ttl, packet::classify_v4(icmp, self.ident, t))
            }
            std::net::IpAddr::V6(t) => (
                data,
                r.hop_limit.unwrap_or(0),
                packet::classify_v6(data, self.ident, t),
            ),
        };
        match echo {
            Echo::Other => Event::None,
            Echo::Error => {
                if !self.spec.rapid {
                    for line in format::icmp_error(r.from, icmp) {
                        if !out(line) {
                            return Event::Gone;
                        }
                    }
                }
                Event::None
            }
            Echo::Reply(reply) => {
                let seq = reply.seq;
                let timing = self.spec.size >= packet::STAMP_LEN;
                let rtt = reply.stamp_ns.filter(|_| timing).and_then(|sent| {
                    let now = Instant::now().duration_since(self.start).as_nanos() as u64;
                    now.checked_sub(sent).map(|ns| ns as f64 / 1e6)
                });
                if let Some(ms) = rtt {
                    self.stats.rtt.add(ms);
                }
                let (word, bit) = (usize::from(seq) / 64, 1u64 << (seq % 64));
                let dup = self.seen[word] & bit != 0;
                self.seen[word] |= bit;
                if dup {
                    self.stats.duplicates += 1;
                } else {
                    self.stats.received += 1;
                }
                if self.spec.rapid {
                    if !dup && self.pending == Some(seq) {
                        self.pending = None;
                        if !out(RAPID_REPLY.into()) {
                            return Event::Gone;
                        }
                        return Event::Answered;
                    }
                    return Event::None;
                }
                let line = format::echo_reply(r.from, icmp.len(), seq, ttl, rtt, dup);
                if out(line) {
                    Event::None
                } else {
                    Event::Gone
                }
            }
        }
    }
}

enum Event {
    None,
    /// Rapid: the pending request got its reply.
    Answered,
    Gone,
}
