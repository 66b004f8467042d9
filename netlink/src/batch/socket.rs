//! [`RouteSocket`]: the blocking netlink socket that moves the encoded chunks and their acks,
//! every wait bounded by a deadline, and reads a table back with a dump.

use std::io;
use std::io::IoSliceMut;
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use netlink_packet_core::{
    NetlinkMessage, NetlinkPayload, NLMSG_DONE, NLMSG_ERROR, NLM_F_DUMP, NLM_F_DUMP_INTR,
    NLM_F_REQUEST,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    getsockopt, recvmmsg, setsockopt, sockopt, MsgFlags, MultiHeaders, NetlinkAddr,
};

use super::acks::{messages, parse_acks, Ack, Failure, OpError, Tracker};
use super::encode::{encode_chunk, parse_route, push_message, Acks, Limits};
use super::ops::{Route, RouteOp};
use super::ACK_TRUESIZE;
use crate::route::{dump_request, ENOENT};

const ENOBUFS: i32 = 105;
const RECV_BUF: usize = 64 * 1024;
/// `recvmmsg` slots: an ack is 36 bytes plus its extended-ack TLVs (the request is not
/// echoed: `NETLINK_CAP_ACK`), so 1 KiB holds any; 256 of them take 256 acks per syscall.
const ACK_SLOT: usize = 1024;
const ACK_SLOTS: usize = 256;

/// Socket-level failures (opening it, dumping).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot open a netlink route socket: {0}")]
    Socket(#[source] io::Error),
    #[error("netlink {what} failed: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("route dump of table {table}: {failure}")]
    Dump { table: u32, failure: Failure },
    #[error("route dump of table {table}: undecodable answer: {error}")]
    Decode { table: u32, error: String },
    #[error("route dump of table {0} kept being interrupted by concurrent changes")]
    DumpInterrupted(u32),
}

/// Tunables of a [`RouteSocket`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest datagram sent; capped below the socket's send buffer (`EMSGSIZE` otherwise).
    pub chunk_bytes: usize,
    /// Receive buffer asked for (the kernel doubles it; without `CAP_NET_ADMIN` it is capped
    /// at `net.core.rmem_max`). It bounds the messages per chunk: see [`ACK_TRUESIZE`].
    pub rcvbuf: usize,
    /// Longest wait for one chunk's answers, and for each datagram of a dump.
    pub timeout: Duration,
    /// [`Acks::Each`] by default: every op confirmed explicitly.
    pub acks: Acks,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            chunk_bytes: 64 * 1024,
            rcvbuf: 4 * 1024 * 1024,
            timeout: Duration::from_secs(5),
            acks: Acks::Each,
        }
    }
}

/// What a [`RouteSocket`] has cost so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// `sendmsg` calls: the round trips.
    pub sendmsgs: u64,
    /// Netlink messages sent in them.
    pub messages: u64,
    /// `recvmsg`/`recvmmsg` calls that returned data.
    pub recvs: u64,
    /// Acks and errors received for batched ops.
    pub answers: u64,
    pub bytes_sent: u64,
}

/// A netlink route socket in the current network namespace that sends ops in batches.
pub struct RouteSocket {
    sock: Socket,
    config: Config,
    limits: Limits,
    seq: u32,
    rbuf: Vec<u8>,
    /// `ACK_SLOTS` × `ACK_SLOT` bytes for `recvmmsg`.
    slots: Vec<u8>,
    /// What the socket has cost so far.
    pub counters: Counters,
}

impl RouteSocket {
    /// Opens a socket with [`Config::default`].
    pub fn open() -> Result<RouteSocket, BatchError> {
        RouteSocket::with_config(Config::default())
    }

    /// Opens a socket in the calling thread's network namespace.
    pub fn with_config(config: Config) -> Result<RouteSocket, BatchError> {
        let mut sock = Socket::new(NETLINK_ROUTE).map_err(BatchError::Socket)?;
        sock.bind_auto().map_err(BatchError::Socket)?;
        // Errors echo only the request's header, not the whole request; keep the kernel's
        // message text; let dumps be filtered by table in the kernel.
        sock.set_cap_ack(true).map_err(BatchError::Socket)?;
        sock.set_ext_ack(true).map_err(BatchError::Socket)?;
        sock.set_netlink_get_strict_chk(true)
            .map_err(BatchError::Socket)?;
        // SO_RCVBUFFORCE (root) is not capped by net.core.rmem_max (often 208 KiB), so the
        // chunk size does not depend on a sysctl; without the capability, take what we get.
        let want = i32::try_from(config.rcvbuf).unwrap_or(i32::MAX);
        let want_usize = usize::try_from(want).unwrap_or(0);
        if setsockopt(&sock, sockopt::RcvBufForce, &want_usize).is_err() {
            sock.set_rx_buf_sz(want).map_err(BatchError::Socket)?;
        }
        let rcvbuf = sock.get_rx_buf_sz().map_err(BatchError::Socket)?;
        // netlink_sendmsg refuses a datagram longer than the send buffer minus 32 bytes.
        let sndbuf =
            getsockopt(&sock, sockopt::SndBuf).map_err(|e| BatchError::Socket(e.into()))?;
        let limits = Limits {
            bytes: config.chunk_bytes.min(sndbuf.saturating_sub(64)),
            messages: (rcvbuf / ACK_TRUESIZE).max(1),
        };
        tracing::debug!(rcvbuf, sndbuf, ?limits, "route socket open");
        Ok(RouteSocket {
            sock,
            config,
            limits,
            seq: 1,
            rbuf: Vec::with_capacity(RECV_BUF),
            slots: vec![0; ACK_SLOTS * ACK_SLOT],
            counters: Counters::default(),
        })
    }

    /// The per-chunk limits in force (messages follow from the receive buffer granted).
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Overrides the per-chunk limits, e.g. `messages: 1` for one round trip per op.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Applies `ops` in order, chunked; one result per op, in op order. Never stops early on
    /// an op's error; stops sending (the rest report `not sent`) only when the kernel stops
    /// answering or the socket fails.
    pub fn apply(&mut self, ops: &[RouteOp]) -> Vec<Result<(), OpError>> {
        let span = tracing::debug_span!("route_batch", ops = ops.len());
        let _g = span.enter();
        let base = self.seq;
        self.seq = self.seq.wrapping_add(ops.len() as u32);
        let mut tracker = Tracker::new(base, ops);
        let mut buf = Vec::with_capacity(self.limits.bytes + 4096);
        let mut acked = vec![];
        let mut first = 0;
        while first < ops.len() {
            let seq = base.wrapping_add(first as u32);
            let n = encode_chunk(
                &ops[first..],
                seq,
                self.limits,
                self.config.acks,
                &mut buf,
                &mut acked,
            );
            let window = first..first + n;
            tracker.sent(first, &acked);
            if let Err(e) = self.sock.send_to(&buf, &SocketAddr::new(0, 0), 0) {
                tracing::warn!(error = %e, "route batch sendmsg failed");
                tracker.fail(window, &Failure::NotSent(format!("sendmsg: {e}")));
                break;
            }
            self.counters.sendmsgs += 1;
            self.counters.messages += n as u64;
            self.counters.bytes_sent += buf.len() as u64;
            let answered = self.collect(&mut tracker, window.clone());
            if let Err(f) = answered {
                let pending = tracker.pending(window.clone());
                tracing::warn!(failure = %f, pending, "route batch");
                let stop = !matches!(f, Failure::Lost);
                tracker.fail(window, &f);
                if stop {
                    break;
                }
            }
            first += n;
        }
        tracker.finish(ops)
    }

    /// Reads acks until every op in `window` is settled or the deadline passes.
    fn collect(
        &mut self,
        tracker: &mut Tracker,
        window: std::ops::Range<usize>,
    ) -> Result<(), Failure> {
        let mut deadline = Instant::now() + self.config.timeout;
        let mut overrun = false;
        let mut acks = vec![];
        while tracker.pending(window.clone()) > 0 {
            acks.clear();
            let want = tracker.pending(window.clone());
            match self.recv_acks(deadline, want, &mut acks) {
                Ok(true) => {}
                Ok(false) if overrun => return Err(Failure::Lost),
                Ok(false) => return Err(Failure::Timeout(self.config.timeout)),
                Err(e) if e.raw_os_error() == Some(ENOBUFS) => {
                    // Reported before the queue: the acks still queued are good. The kernel
                    // finished the chunk inside sendmsg, so they are all there already.
                    overrun = true;
                    deadline = Instant::now();
                    continue;
                }
                Err(e) => return Err(Failure::Receive(format!("recvmmsg: {e}"))),
            }
            self.counters.answers += acks.len() as u64;
            for a in &acks {
                if !tracker.answer(window.clone(), a, !overrun) {
                    tracing::debug!(seq = a.seq, "stale netlink ack ignored");
                }
            }
        }
        Ok(())
    }

    /// Receives up to `want` (at most [`ACK_SLOTS`]) datagrams with one `recvmmsg` and
    /// appends their acks to `acks`; `Ok(false)` when the deadline passed first.
    fn recv_acks(
        &mut self,
        deadline: Instant,
        want: usize,
        acks: &mut Vec<Ack>,
    ) -> io::Result<bool> {
        let fd = self.sock.as_raw_fd();
        let want = want.clamp(1, ACK_SLOTS);
        loop {
            let got: Vec<usize> = {
                let mut hdrs = MultiHeaders::<NetlinkAddr>::preallocate(want, None);
                let mut iovs: Vec<[IoSliceMut; 1]> = self
                    .slots
                    .chunks_mut(ACK_SLOT)
                    .take(want)
                    .map(|c| [IoSliceMut::new(c)])
                    .collect();
                match recvmmsg(fd, &mut hdrs, &mut iovs, MsgFlags::MSG_DONTWAIT, None) {
                    Ok(res) => res.map(|m| m.bytes).collect(),
                    Err(Errno::EAGAIN) => vec![],
                    Err(Errno::EINTR) => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            if got.is_empty() {
                if !self.wait(deadline)? {
                    return Ok(false);
                }
                continue;
            }
            self.counters.recvs += 1;
            for (slot, len) in self.slots.chunks(ACK_SLOT).zip(got) {
                // A datagram longer than its slot (never seen: acks are capped) still yields
                // its sequence number and errno; only the message text is cut.
                match parse_acks(&slot[..len]) {
                    Ok(a) => acks.extend(a),
                    Err(e) => tracing::warn!(error = %e, "undecodable netlink datagram skipped"),
                }
            }
            return Ok(true);
        }
    }

    /// Receives one datagram into `rbuf`; `Ok(false)` when the deadline passed first.
    fn recv(&mut self, deadline: Instant) -> io::Result<bool> {
        loop {
            self.rbuf.clear();
            match self
                .sock
                .recv(&mut self.rbuf, libc::MSG_DONTWAIT | libc::MSG_TRUNC)
            {
                Ok(n) if n > self.rbuf.len() => {
                    return Err(io::Error::other(format!(
                        "datagram of {n} bytes truncated to {}",
                        self.rbuf.len()
                    )))
                }
                Ok(_) => {
                    self.counters.recvs += 1;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.wait(deadline)? {
                        return Ok(false);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits until the socket is readable; `Ok(false)` once `deadline` has passed.
    fn wait(&self, deadline: Instant) -> io::Result<bool> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        let ms = u16::try_from(left.as_millis().max(1)).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(self.sock.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(_) | Err(Errno::EINTR) => Ok(true),
            Err(e) => Err(e.into()),
        }
    }

    /// Every route of `table` (IPv4 then IPv6), read with an `RTM_GETROUTE` dump that the
    /// kernel filters by `RTA_TABLE` (strict checking); filtered here again for kernels
    /// that ignore the filter. A table that does not exist is empty.
    pub fn routes(&mut self, table: u32) -> Result<Vec<Route>, BatchError> {
        let _g = tracing::debug_span!("route_dump", table).entered();
        let mut out = vec![];
        for family in [AddressFamily::Inet, AddressFamily::Inet6] {
            let mut tries = 0;
            loop {
                match self.dump(table, family, &mut out)? {
                    true => break,
                    false if tries < 3 => tries += 1,
                    false => return Err(BatchError::DumpInterrupted(table)),
                }
            }
        }
        Ok(out)
    }

    /// One family's dump appended to `out`; `Ok(false)` if it was interrupted (and dropped).
    fn dump(
        &mut self,
        table: u32,
        family: AddressFamily,
        out: &mut Vec<Route>,
    ) -> Result<bool, BatchError> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let mut buf = vec![];
        let req = RouteNetlinkMessage::GetRoute(dump_request(family, table));
        push_message(&mut buf, req, NLM_F_REQUEST | NLM_F_DUMP, seq);
        let io = |what| move |source| BatchError::Io { what, source };
        self.sock
            .send_to(&buf, &SocketAddr::new(0, 0), 0)
            .map_err(io("dump request"))?;
        self.counters.sendmsgs += 1;
        self.counters.messages += 1;
        let start = out.len();
        let mut interrupted = false;
        loop {
            let deadline = Instant::now() + self.config.timeout;
            if !self.recv(deadline).map_err(io("dump receive"))? {
                let failure = Failure::Timeout(self.config.timeout);
                return Err(BatchError::Dump { table, failure });
            }
            if read_dump(&self.rbuf, seq, table, out, &mut interrupted)? {
                if interrupted {
                    out.truncate(start);
                }
                return Ok(!interrupted);
            }
        }
    }
}

/// Reads one datagram of the answer to dump `seq` of `table` (pure: no socket): appends the
/// table's routes to `out` and notes whether the kernel flagged the dump `NLM_F_DUMP_INTR`.
/// `Ok(true)` once the dump is complete; a table that does not exist (`ENOENT`) is empty.
fn read_dump(
    datagram: &[u8],
    seq: u32,
    table: u32,
    out: &mut Vec<Route>,
    interrupted: &mut bool,
) -> Result<bool, BatchError> {
    let decode = |error| BatchError::Decode { table, error };
    for msg in messages(datagram) {
        let (h, bytes) = msg.map_err(decode)?;
        if h.sequence_number != seq {
            continue;
        }
        *interrupted |= h.flags & NLM_F_DUMP_INTR != 0;
        if matches!(h.message_type, NLMSG_DONE | NLMSG_ERROR) {
            let code = bytes
                .get(16..20)
                .map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
                .unwrap_or(0)
                .saturating_abs();
            if code != 0 && code != ENOENT {
                let failure = Failure::Kernel {
                    errno: code,
                    message: None,
                };
                return Err(BatchError::Dump { table, failure });
            }
            return Ok(true);
        }
        let parsed = NetlinkMessage::<RouteNetlinkMessage>::deserialize(bytes)
            .map_err(|e| decode(e.to_string()))?;
        if let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewRoute(rm)) = parsed.payload {
            match parse_route(&rm) {
                Some(r) if r.table == table => out.push(r),
                _ => {}
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::NLM_F_MULTIPART;

    use super::super::encode::route_message;
    use super::super::fixtures::r;
    use super::*;

    const EOPNOTSUPP: i32 = 95;

    /// A dump entry for `route`, as the kernel sends it.
    fn entry(buf: &mut Vec<u8>, route: &Route, seq: u32, flags: u16) {
        let m = route_message(&RouteOp::Add(route.clone()));
        push_message(buf, m, NLM_F_MULTIPART | flags, seq);
    }

    /// `NLMSG_DONE` (or `NLMSG_ERROR`) closing dump `seq` with `-errno`.
    fn done(buf: &mut Vec<u8>, message_type: u16, seq: u32, errno: i32) {
        buf.extend(20u32.to_ne_bytes());
        buf.extend(message_type.to_ne_bytes());
        buf.extend(NLM_F_MULTIPART.to_ne_bytes());
        buf.extend(seq.to_ne_bytes());
        buf.extend(0u32.to_ne_bytes());
        buf.extend((-errno).to_ne_bytes());
    }

    #[test]
    fn a_dump_takes_its_table_over_several_datagrams() {
        let (a, b) = (r("10.0.0.0/24"), r("10.0.1.0/24"));
        let mut elsewhere = r("10.0.2.0/24");
        elsewhere.table = 1004;
        let (mut first, mut last) = (vec![], vec![]);
        entry(&mut first, &a, 9, 0);
        entry(&mut first, &elsewhere, 9, 0); // a kernel that ignored the filter
        entry(&mut first, &r("10.0.3.0/24"), 8, 0); // an older request's answer
        entry(&mut last, &b, 9, 0);
        done(&mut last, NLMSG_DONE, 9, 0);
        let (mut out, mut interrupted) = (vec![], false);
        assert!(!read_dump(&first, 9, 1003, &mut out, &mut interrupted).unwrap());
        assert!(read_dump(&last, 9, 1003, &mut out, &mut interrupted).unwrap());
        assert_eq!(out, [a, b]);
        assert!(!interrupted);
    }

    #[test]
    fn dump_ends_interruptions_and_errors() {
        let mut buf = vec![];
        entry(&mut buf, &r("10.0.0.0/24"), 3, NLM_F_DUMP_INTR);
        done(&mut buf, NLMSG_DONE, 3, ENOENT);
        let (mut out, mut interrupted) = (vec![], false);
        assert!(read_dump(&buf, 3, 1003, &mut out, &mut interrupted).unwrap());
        assert!(interrupted && out.len() == 1);

        let mut buf = vec![];
        done(&mut buf, NLMSG_ERROR, 4, EOPNOTSUPP);
        let err = read_dump(&buf, 4, 1003, &mut vec![], &mut false).unwrap_err();
        assert!(
            matches!(err, BatchError::Dump { table: 1003, failure: Failure::Kernel { errno, .. } }
                if errno == EOPNOTSUPP),
            "{err}"
        );
        let cut = read_dump(&buf[..10], 4, 1003, &mut vec![], &mut false);
        assert!(matches!(cut, Err(BatchError::Decode { .. })));
    }
}
