//! A minimal packed route writer: the floor the FIB path is measured against.
//!
//! Written independently of lsys-netlink on purpose (messages built byte by byte here, acks
//! parsed here), so that what fib-bench reports is what the kernel allows, not lsys-netlink
//! measured against itself.
//!
//! ```text
//!  [Ipv4Net] ─► 512 × RTM_NEWROUTE (NLM_F_ACK|CREATE|REPLACE, 60 bytes each) in one buffer
//!           ─► one sendmsg (the kernel handles every message inside the call and queues
//!              one ack each) ─► recvmmsg until 512 acks are read ─► next datagram
//! ```
//! The socket asks for a 4 MiB receive buffer (`SO_RCVBUFFORCE`: one queued ack costs ~830
//! bytes of `truesize`, so 512 need ~420 KiB) and `NETLINK_CAP_ACK` (an error echoes only the
//! request's header). A receive timeout bounds every wait: lost acks are an error, not a hang.

use std::io::{self, IoSliceMut};
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;

use ipnet::Ipv4Net;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket};
use nix::sys::socket::{recvmmsg, setsockopt, sockopt, MsgFlags, MultiHeaders};
use nix::sys::time::{TimeVal, TimeValLike};

/// Messages per datagram.
pub const BATCH: usize = 512;

const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_CREATE: u16 = 0x400;
const AF_INET: u8 = 2;
const RT_TABLE_UNSPEC: u8 = 0;
const RTN_UNICAST: u8 = 1;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_TABLE: u16 = 15;
/// nlmsghdr (16) + rtmsg (12) + RTA_TABLE, RTA_DST, RTA_GATEWAY, RTA_OIF (8 each).
pub const MESSAGE_LEN: usize = 60;
/// `recvmmsg` slots: a capped ack is 36 bytes, an error with its extended-ack text < 1 KiB.
const SLOT: usize = 1024;
const SLOTS: usize = 256;

/// What one [`Packed::write`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub sendmsgs: u64,
    pub recv_calls: u64,
    pub acks: u64,
    pub errors: u64,
    /// The first error's errno (positive), if any.
    pub first_errno: Option<i32>,
}

/// A route socket in the calling thread's network namespace.
pub struct Packed {
    sock: Socket,
    seq: u32,
    out: Vec<u8>,
    slots: Vec<u8>,
    dump: Vec<u8>,
}

fn put_attr(buf: &mut Vec<u8>, kind: u16, value: &[u8]) {
    let len = 4 + value.len();
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(value);
    buf.resize(buf.len() + (len.next_multiple_of(4) - len), 0);
}

fn put_header(buf: &mut Vec<u8>, len: usize, kind: u16, flags: u16, seq: u32) {
    buf.extend_from_slice(&(len as u32).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(&flags.to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes());
}

/// Appends one `RTM_NEWROUTE` (create or replace, with ack) of `dst` via `gw` on `oif` in
/// `table`, protocol `proto`.
pub fn encode_route(
    buf: &mut Vec<u8>,
    seq: u32,
    table: u32,
    dst: Ipv4Net,
    gw: Ipv4Addr,
    oif: u32,
    proto: u8,
) {
    let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    put_header(buf, MESSAGE_LEN, RTM_NEWROUTE, flags, seq);
    // rtmsg: family, dst_len, src_len, tos, table, protocol, scope (universe), type, flags.
    buf.extend_from_slice(&[
        AF_INET,
        dst.prefix_len(),
        0,
        0,
        RT_TABLE_UNSPEC,
        proto,
        0,
        RTN_UNICAST,
    ]);
    buf.extend_from_slice(&0u32.to_ne_bytes());
    put_attr(buf, RTA_TABLE, &table.to_ne_bytes());
    put_attr(buf, RTA_DST, &dst.network().octets());
    put_attr(buf, RTA_GATEWAY, &gw.octets());
    put_attr(buf, RTA_OIF, &oif.to_ne_bytes());
}

/// The netlink messages of one datagram: `(type, seq, payload)`.
fn messages(mut d: &[u8]) -> impl Iterator<Item = (u16, u32, &[u8])> {
    std::iter::from_fn(move || {
        if d.len() < 16 {
            return None;
        }
        let len = u32::from_ne_bytes(d[0..4].try_into().ok()?) as usize;
        if len < 16 || len > d.len() {
            return None;
        }
        let kind = u16::from_ne_bytes(d[4..6].try_into().ok()?);
        let seq = u32::from_ne_bytes(d[8..12].try_into().ok()?);
        let payload = &d[16..len];
        d = &d[len.next_multiple_of(4).min(d.len())..];
        Some((kind, seq, payload))
    })
}

/// The errno of an `NLMSG_ERROR` payload (0: an ack).
fn ack_errno(payload: &[u8]) -> Option<i32> {
    Some(-i32::from_ne_bytes(payload.get(0..4)?.try_into().ok()?))
}

/// The `RTA_TABLE` of a route message's payload (rtmsg + attributes), else its `rtm_table`.
fn route_table(payload: &[u8]) -> Option<u32> {
    let mut a = payload.get(12..)?;
    while a.len() >= 4 {
        let len = u16::from_ne_bytes(a[0..2].try_into().ok()?) as usize;
        let kind = u16::from_ne_bytes(a[2..4].try_into().ok()?) & 0x3fff;
        if len < 4 || len > a.len() {
            break;
        }
        if kind == RTA_TABLE && len >= 8 {
            return Some(u32::from_ne_bytes(a[4..8].try_into().ok()?));
        }
        a = &a[len.next_multiple_of(4).min(a.len())..];
    }
    payload.get(4).map(|t| u32::from(*t))
}

impl Packed {
    /// Opens and binds the socket (needs CAP_NET_ADMIN for the routes, root for the forced
    /// receive buffer).
    pub fn open() -> io::Result<Packed> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind_auto()?;
        sock.set_cap_ack(true)?;
        let rcvbuf = 4 * 1024 * 1024;
        if setsockopt(&sock, sockopt::RcvBufForce, &rcvbuf).is_err() {
            sock.set_rx_buf_sz(rcvbuf)?;
        }
        setsockopt(&sock, sockopt::ReceiveTimeout, &TimeVal::seconds(10))?;
        Ok(Packed {
            sock,
            seq: 1,
            out: Vec::with_capacity(BATCH * MESSAGE_LEN),
            slots: vec![0; SLOT * SLOTS],
            dump: Vec::with_capacity(1 << 20),
        })
    }

    /// The receive buffer the kernel granted (doubled, as `getsockopt` reports it).
    pub fn rcvbuf(&self) -> io::Result<usize> {
        self.sock.get_rx_buf_sz()
    }

    /// Installs (creates or replaces) `dsts` via `gw` on `oif` in `table`, [`BATCH`] messages
    /// per `sendmsg`, reading that datagram's acks before the next. Fails on a socket error
    /// or a lost ack; route errors are counted in [`Stats`].
    pub fn write(
        &mut self,
        table: u32,
        dsts: &[Ipv4Net],
        gw: Ipv4Addr,
        oif: u32,
        proto: u8,
    ) -> io::Result<Stats> {
        let mut stats = Stats::default();
        for chunk in dsts.chunks(BATCH) {
            self.out.clear();
            let first = self.seq;
            for dst in chunk {
                encode_route(&mut self.out, self.seq, table, *dst, gw, oif, proto);
                self.seq = self.seq.wrapping_add(1);
            }
            let sent = self.sock.send(&self.out, 0)?;
            if sent != self.out.len() {
                return Err(io::Error::other(format!(
                    "sendmsg took {sent} of {} bytes",
                    self.out.len()
                )));
            }
            stats.sendmsgs += 1;
            let mut left = chunk.len();
            while left > 0 {
                let got = self.recv_acks(left)?;
                stats.recv_calls += 1;
                for (i, len) in got {
                    let datagram = &self.slots[i * SLOT..i * SLOT + len.min(SLOT)];
                    for (kind, seq, payload) in messages(datagram) {
                        if kind != NLMSG_ERROR || seq.wrapping_sub(first) as usize >= chunk.len() {
                            continue;
                        }
                        left = left.saturating_sub(1);
                        stats.acks += 1;
                        let errno = ack_errno(payload).unwrap_or(libc_eproto());
                        if errno != 0 {
                            stats.errors += 1;
                            stats.first_errno.get_or_insert(errno);
                        }
                    }
                }
            }
        }
        Ok(stats)
    }

    /// One `recvmmsg` (blocking for the first datagram, then taking what is queued): the
    /// `(slot, length)` of each datagram read.
    fn recv_acks(&mut self, want: usize) -> io::Result<Vec<(usize, usize)>> {
        let fd = self.sock.as_raw_fd();
        let want = want.clamp(1, SLOTS);
        loop {
            let mut hdrs = MultiHeaders::<()>::preallocate(want, None);
            let mut iovs: Vec<[IoSliceMut; 1]> = self
                .slots
                .chunks_mut(SLOT)
                .take(want)
                .map(|c| [IoSliceMut::new(c)])
                .collect();
            match recvmmsg(fd, &mut hdrs, &mut iovs, MsgFlags::MSG_WAITFORONE, None) {
                Ok(res) => return Ok(res.map(|m| m.bytes).enumerate().collect()),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EAGAIN) => {
                    return Err(io::Error::other("acks lost: none arrived within 10 s"))
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Counts the IPv4 routes of protocol `proto` in kernel table `table` with a full dump.
    pub fn count(&mut self, table: u32, proto: u8) -> io::Result<usize> {
        let mut req = Vec::with_capacity(28);
        put_header(
            &mut req,
            28,
            RTM_GETROUTE,
            NLM_F_REQUEST | NLM_F_DUMP,
            self.seq,
        );
        self.seq = self.seq.wrapping_add(1);
        req.extend_from_slice(&[AF_INET, 0, 0, 0, 0, 0, 0, 0]);
        req.extend_from_slice(&0u32.to_ne_bytes());
        self.sock.send(&req, 0)?;
        let mut n = 0;
        loop {
            self.dump.clear();
            let got = self.sock.recv(&mut self.dump, 0)?;
            if got > self.dump.len() {
                return Err(io::Error::other("dump datagram truncated"));
            }
            for (kind, _, payload) in messages(&self.dump) {
                match kind {
                    NLMSG_DONE => return Ok(n),
                    NLMSG_ERROR => {
                        let e = ack_errno(payload).unwrap_or(libc_eproto());
                        return Err(io::Error::from_raw_os_error(e));
                    }
                    RTM_NEWROUTE
                        if payload.get(5) == Some(&proto)
                            && route_table(payload) == Some(table) =>
                    {
                        n += 1
                    }
                    _ => {}
                }
            }
        }
    }
}

/// EPROTO, for an answer too short to carry an errno.
fn libc_eproto() -> i32 {
    71
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_route_message() {
        let mut b = vec![];
        let dst: Ipv4Net = "11.1.2.0/24".parse().unwrap();
        encode_route(&mut b, 7, 1234, dst, Ipv4Addr::new(10, 255, 0, 2), 3, 210);
        assert_eq!(b.len(), MESSAGE_LEN);
        let m: Vec<_> = messages(&b).collect();
        assert_eq!(m.len(), 1);
        let (kind, seq, payload) = m[0];
        assert_eq!((kind, seq), (RTM_NEWROUTE, 7));
        assert_eq!(&payload[..8], &[2, 24, 0, 0, 0, 210, 0, 1]);
        assert_eq!(route_table(payload), Some(1234));
        assert_eq!(&payload[24..28], &[11, 1, 2, 0]);
        assert_eq!(&payload[32..36], &[10, 255, 0, 2]);
    }

    #[test]
    fn acks_and_errors() {
        let mut b = vec![];
        put_header(&mut b, 36, NLMSG_ERROR, 0, 5);
        b.extend_from_slice(&0i32.to_ne_bytes());
        b.extend_from_slice(&[0; 16]);
        put_header(&mut b, 36, NLMSG_ERROR, 0, 6);
        b.extend_from_slice(&(-17i32).to_ne_bytes());
        b.extend_from_slice(&[0; 16]);
        let e: Vec<_> = messages(&b)
            .map(|(_, s, p)| (s, ack_errno(p).unwrap()))
            .collect();
        assert_eq!(e, vec![(5, 0), (6, 17)]);
    }
}
