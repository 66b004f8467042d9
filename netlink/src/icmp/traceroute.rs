//! The traceroute engine: UDP probes with a growing TTL (hop limit) from a socket bound to the
//! device and source; the answers — time exceeded from routers, port unreachable from the
//! target — arrive on a raw ICMP (ICMPv6) socket bound to the same device and are matched by
//! the UDP ports they quote (our port, 33434 + probe number).

use std::net::IpAddr;
use std::time::Instant;

use socket2::Socket;

use super::format::{self, Probe, Verdict};
use super::packet::{self, Quoted};
use super::ping::{check_source, POLL};
use super::socket::{self, Setup};
use super::{os_message, IcmpError, TraceSpec, TRACE_BASE_PORT};

/// UDP data bytes of a probe: FreeBSD's 40-byte packets less 20 (IP) and 8 (UDP);
/// traceroute6's `struct opacket` is as long.
const PROBE_DATA: usize = 12;

fn validate(spec: &TraceSpec) -> Result<(), IcmpError> {
    if spec.max_ttl == 0 {
        return Err(IcmpError::Invalid("invalid max TTL: 0".into()));
    }
    if spec.probes == 0 {
        return Err(IcmpError::Invalid("probes must be > 0".into()));
    }
    if spec.wait.is_zero() {
        return Err(IcmpError::Invalid("wait must be > 0".into()));
    }
    check_source(spec.target, spec.source)
}

/// Traces the path to `spec.target`, one line per hop as each hop completes; see the module
/// documentation for the layout and the `out`/`interrupted` contract.
pub fn traceroute(
    spec: &TraceSpec,
    out: &mut dyn FnMut(String) -> bool,
    interrupted: &dyn Fn() -> bool,
) -> Result<(), IcmpError> {
    validate(spec)?;
    let target = spec.target;
    let v6 = target.is_ipv6();
    let device = spec.device.as_deref();
    let source = match spec.source {
        Some(s) => s,
        None => socket::route_source(target, device)?,
    };
    let rx = socket::raw_icmp(
        v6,
        &Setup {
            device,
            ..Setup::default()
        },
    )?;
    let (tx, sport) = socket::udp_probe(v6, device, source)?;
    let header = if v6 {
        format::traceroute_header(target, Some(source), spec.max_ttl, PROBE_DATA)
    } else {
        format::traceroute_header(target, spec.source, spec.max_ttl, 20 + 8 + PROBE_DATA)
    };
    tracing::debug!(target_addr = %target, device = ?device, %source, sport, "traceroute");
    if !out(header) {
        return Ok(());
    }
    let tool = if v6 { "traceroute6" } else { "traceroute" };
    let start = Instant::now();
    let mut buf = vec![0u8; 1 << 16];
    let mut seq: u16 = 0;
    for ttl in 1..=spec.max_ttl {
        socket::set_ttl(&tx, v6, ttl)?;
        let mut probes = Vec::with_capacity(usize::from(spec.probes));
        let (mut arrived, mut unreachable) = (false, 0u32);
        for _ in 0..spec.probes {
            seq = seq.wrapping_add(1);
            let dport = TRACE_BASE_PORT.wrapping_add(seq);
            let t1 = Instant::now();
            let mut data = [0u8; PROBE_DATA];
            data[0] = seq as u8;
            data[1] = ttl;
            let stamp = t1.duration_since(start).as_nanos() as u64;
            data[4..].copy_from_slice(&stamp.to_be_bytes());
            if let Err(e) = tx.send_to(&data, &socket::destination(target, dport, device)) {
                if !out(format::warning(tool, "sendto", &os_message(&e))) {
                    return Ok(());
                }
                probes.push(Probe::Lost);
                continue;
            }
            let waiter = Waiter {
                rx: &rx,
                v6,
                sport,
                dport,
                sent: t1,
                deadline: t1 + spec.wait,
            };
            let Some(answer) = waiter.wait(&mut buf, interrupted)? else {
                // Interrupted: what this hop measured, then stop.
                emit(out, format::hop(ttl, &probes, v6));
                return Ok(());
            };
            let Some((from, rtt_ms, q, reply_ttl)) = answer else {
                probes.push(Probe::Lost);
                continue;
            };
            let (note, verdict) = format::annotation(v6, q.kind, q.code, reply_ttl, q.mtu);
            match verdict {
                Verdict::Arrived => arrived = true,
                Verdict::Unreachable => unreachable += 1,
                Verdict::Transit => {}
            }
            probes.push(Probe::Answer { from, rtt_ms, note });
        }
        if !emit(out, format::hop(ttl, &probes, v6)) {
            return Ok(());
        }
        if format::trace_done(v6, spec.probes, arrived, unreachable) {
            break;
        }
    }
    Ok(())
}

/// Sends lines until `out` refuses one.
fn emit(out: &mut dyn FnMut(String) -> bool, lines: Vec<String>) -> bool {
    lines.into_iter().all(out)
}

/// (answering address, round trip in ms, what it quoted, its TTL or hop limit).
type Answer = (IpAddr, f64, Quoted, Option<u8>);

/// Waits for the answer to one probe.
struct Waiter<'a> {
    rx: &'a Socket,
    v6: bool,
    sport: u16,
    dport: u16,
    sent: Instant,
    deadline: Instant,
}

impl Waiter<'_> {
    /// `None`: interrupted; `Some(None)`: no answer before the deadline. Messages that are
    /// not about this probe (other traffic, late answers to earlier probes) are skipped.
    fn wait(
        &self,
        buf: &mut [u8],
        interrupted: &dyn Fn() -> bool,
    ) -> Result<Option<Option<Answer>>, IcmpError> {
        loop {
            if interrupted() {
                return Ok(None);
            }
            let now = Instant::now();
            if now >= self.deadline {
                return Ok(Some(None));
            }
            let step = (self.deadline - now).min(POLL);
            let Some(r) = socket::recv(self.rx, buf, step)? else {
                continue;
            };
            let rtt_ms = self.sent.elapsed().as_secs_f64() * 1000.0;
            let data = &buf[..r.len];
            let (quoted, reply_ttl) = if self.v6 {
                (packet::quoted_probe_v6(data, self.sport), r.hop_limit)
            } else {
                match packet::ipv4_header(data) {
                    Some((hlen, ttl)) => (
                        packet::quoted_probe_v4(&data[hlen..], self.sport),
                        Some(ttl),
                    ),
                    None => continue,
                }
            };
            if let Some(q) = quoted.filter(|q| q.dport == self.dport) {
                return Ok(Some(Some((r.from, rtt_ms, q, reply_ttl))));
            }
        }
    }
}
