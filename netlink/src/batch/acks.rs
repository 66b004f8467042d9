//! What comes back: acks parsed from received datagrams, and the [`Tracker`] that matches them
//! to their ops by sequence number and settles every op with one result.

use std::time::Duration;

use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NlasIterator, NLMSG_ERROR, NLM_F_ACK_TLVS, NLM_F_CAPPED,
};

use super::encode::align;
use super::ops::RouteOp;

const ESRCH: i32 = 3;
/// `NLMSGERR_ATTR_MSG`: the extended ack's human-readable message.
const NLMSGERR_ATTR_MSG: u16 = 1;

/// Why one op failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The kernel refused it: errno plus the extended-ack message when it sent one.
    #[error("{}{}", nix::errno::Errno::from_raw(*.errno).desc(),
        .message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Kernel { errno: i32, message: Option<String> },
    #[error("no answer from the kernel within {0:?}")]
    Timeout(Duration),
    /// The ack was dropped because the receive buffer overflowed; the op may have been applied.
    #[error("answer lost (netlink receive buffer overflow); state unknown")]
    Lost,
    /// Receiving failed; the op may have been applied.
    #[error("no answer received ({0}); state unknown")]
    Receive(String),
    #[error("not sent: {0}")]
    NotSent(String),
}

/// A failed op, named: `add 10.0.0.0/24 table 1003 via 10.0.0.1: File exists`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{op}: {failure}")]
pub struct OpError {
    pub op: RouteOp,
    pub failure: Failure,
}

impl OpError {
    /// The kernel's errno, if the kernel answered with one.
    pub fn errno(&self) -> Option<i32> {
        match self.failure {
            Failure::Kernel { errno, .. } => Some(errno),
            _ => None,
        }
    }
}

/// One `NLMSG_ERROR` (ack) as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub seq: u32,
    /// 0 for success, else a positive errno.
    pub errno: i32,
    /// The extended ack's message, when the kernel attached one.
    pub message: Option<String>,
}

/// Each netlink message in a datagram, as (header, whole message bytes).
pub(super) fn messages(
    datagram: &[u8],
) -> impl Iterator<Item = Result<(NetlinkHeader, &[u8]), String>> {
    let mut off = 0;
    std::iter::from_fn(move || {
        if off >= datagram.len() {
            return None;
        }
        let rest = &datagram[off..];
        if rest.len() < 16 {
            off = datagram.len();
            return Some(Err(format!("netlink header cut at {} bytes", rest.len())));
        }
        let nl = NetlinkBuffer::new(rest);
        let claimed = nl.length() as usize;
        if claimed < 16 {
            off = datagram.len();
            return Some(Err(format!("netlink message length {claimed}")));
        }
        // A message longer than what arrived was truncated by the receiver: hand out what
        // there is (parsers check their own lengths).
        let len = claimed.min(rest.len());
        let mut h = NetlinkHeader::default();
        h.length = claimed as u32;
        h.message_type = nl.message_type();
        h.flags = nl.flags();
        h.sequence_number = nl.sequence_number();
        h.port_number = nl.port_number();
        off += align(claimed);
        Some(Ok((h, &rest[..len])))
    })
}

/// The acks in one received datagram; other messages are skipped.
pub fn parse_acks(datagram: &[u8]) -> Result<Vec<Ack>, String> {
    let mut acks = vec![];
    for m in messages(datagram) {
        let (h, bytes) = m?;
        if h.message_type != NLMSG_ERROR {
            continue;
        }
        acks.push(parse_error(&h, &bytes[16..])?);
    }
    Ok(acks)
}

/// An `NLMSG_ERROR` body: i32 code, the request's header (whole request unless capped), then
/// extended-ack TLVs when `NLM_F_ACK_TLVS` is set.
fn parse_error(h: &NetlinkHeader, body: &[u8]) -> Result<Ack, String> {
    if body.len() < 4 + 16 {
        return Err(format!("NLMSG_ERROR of {} bytes", body.len()));
    }
    let code = i32::from_ne_bytes([body[0], body[1], body[2], body[3]]);
    let mut message = None;
    if h.flags & NLM_F_ACK_TLVS != 0 {
        let orig = &body[4..];
        let orig_len = u32::from_ne_bytes([orig[0], orig[1], orig[2], orig[3]]) as usize;
        let skip = if h.flags & NLM_F_CAPPED != 0 {
            16
        } else {
            align(orig_len)
        };
        for nla in NlasIterator::new(orig.get(skip..).unwrap_or(&[])).flatten() {
            if nla.kind() == NLMSGERR_ATTR_MSG {
                let v = nla.value();
                let v = v.split(|b| *b == 0).next().unwrap_or(v);
                message = Some(String::from_utf8_lossy(v).into_owned());
            }
        }
    }
    Ok(Ack {
        seq: h.sequence_number,
        errno: code.saturating_abs(),
        message,
    })
}

/// Results of one batch by op index, filled in as acks arrive (pure: no socket).
#[derive(Debug)]
pub struct Tracker {
    base: u32,
    results: Vec<Option<Result<(), Failure>>>,
    /// Whether op i's message asked for an ack (an op that did not is settled implicitly).
    acked: Vec<bool>,
    deletes: Vec<bool>,
}

impl Tracker {
    /// A tracker for `ops` sent with sequence numbers `base, base+1, ...`.
    pub fn new(base: u32, ops: &[RouteOp]) -> Tracker {
        Tracker {
            base,
            results: vec![None; ops.len()],
            acked: vec![true; ops.len()],
            deletes: ops
                .iter()
                .map(|o| matches!(o, RouteOp::Delete(_)))
                .collect(),
        }
    }

    /// Records which ops of the chunk starting at `first` asked for an ack.
    pub fn sent(&mut self, first: usize, acked: &[bool]) {
        self.acked[first..first + acked.len()].copy_from_slice(acked);
    }

    /// Applies `ack` to the op it answers, if that op lies in `window` (the ops in flight) and
    /// is unsettled. With `implicit`, every earlier unsettled op in `window` that did not ask
    /// for an ack is then known to have succeeded: the kernel answers in order. (Not after an
    /// overrun: their error acks may be the ones dropped.) Returns whether it matched.
    pub fn answer(&mut self, window: std::ops::Range<usize>, ack: &Ack, implicit: bool) -> bool {
        let i = ack.seq.wrapping_sub(self.base) as usize;
        if !window.contains(&i) || self.results[i].is_some() {
            return false;
        }
        self.results[i] = Some(match ack.errno {
            0 => Ok(()),
            ESRCH if self.deletes[i] => Ok(()),
            errno => Err(Failure::Kernel {
                errno,
                message: ack.message.clone(),
            }),
        });
        for j in window.start..i {
            if implicit && !self.acked[j] && self.results[j].is_none() {
                self.results[j] = Some(Ok(()));
            }
        }
        true
    }

    /// How many ops in `window` still wait for an answer.
    pub fn pending(&self, window: std::ops::Range<usize>) -> usize {
        self.results[window].iter().filter(|r| r.is_none()).count()
    }

    /// Settles every unanswered op in `window` with `failure`.
    pub fn fail(&mut self, window: std::ops::Range<usize>, failure: &Failure) {
        for r in &mut self.results[window] {
            if r.is_none() {
                *r = Some(Err(failure.clone()));
            }
        }
    }

    /// One result per op, in op order; an op never settled reports `not sent`.
    pub fn finish(self, ops: &[RouteOp]) -> Vec<Result<(), OpError>> {
        self.results
            .into_iter()
            .zip(ops)
            .map(|(r, op)| {
                r.unwrap_or_else(|| Err(Failure::NotSent("an earlier chunk failed".into())))
                    .map_err(|failure| OpError {
                        op: op.clone(),
                        failure,
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::{ErrorMessage, NetlinkMessage, NetlinkPayload};
    use netlink_packet_route::RouteNetlinkMessage;

    use super::super::encode::{encode_chunk, Acks, Limits};
    use super::super::fixtures::{ops, r};
    use super::*;

    const EEXIST: i32 = 17;
    const ENODEV: i32 = 19;

    /// An ack as the kernel sends it, emitted by netlink-packet-core (not by our code).
    fn ack(seq: u32, errno: i32) -> Vec<u8> {
        let mut e = ErrorMessage::default();
        e.code = std::num::NonZeroI32::new(-errno);
        e.header = vec![0; 16];
        let mut h = NetlinkHeader::default();
        h.sequence_number = seq;
        h.flags = NLM_F_CAPPED;
        let mut m = NetlinkMessage::<RouteNetlinkMessage>::new(h, NetlinkPayload::Error(e));
        m.finalize();
        let mut b = vec![0; m.buffer_len()];
        m.serialize(&mut b);
        b
    }

    fn answer(t: &mut Tracker, n: usize, seq: u32, errno: i32) -> bool {
        let a = Ack {
            seq,
            errno,
            message: None,
        };
        t.answer(0..n, &a, true)
    }

    #[test]
    fn tracker_sequence_numbers_wrap() {
        let all = ops(3);
        let mut t = Tracker::new(u32::MAX, &all);
        assert!(answer(&mut t, 3, 1, 0));
        assert!(answer(&mut t, 3, u32::MAX, 0));
        assert!(answer(&mut t, 3, 0, EEXIST));
        let res = t.finish(&all);
        assert!(res[0].is_ok() && res[2].is_ok());
        assert_eq!(res[1].as_ref().unwrap_err().errno(), Some(EEXIST));
    }

    #[test]
    fn acks_parse_from_one_datagram() {
        let mut dgram = ack(5, 0);
        dgram.extend(ack(6, EEXIST));
        let acks = parse_acks(&dgram).unwrap();
        assert_eq!(
            acks,
            [
                Ack {
                    seq: 5,
                    errno: 0,
                    message: None
                },
                Ack {
                    seq: 6,
                    errno: EEXIST,
                    message: None
                }
            ]
        );
        assert!(parse_acks(&dgram[..dgram.len() - 3]).is_err());
    }

    #[test]
    fn extended_ack_message_is_kept() {
        // NLMSG_ERROR, capped, with NLMSGERR_ATTR_MSG "Nexthop has invalid gateway".
        let text = b"Nexthop has invalid gateway\0";
        let nla_len = 4 + text.len();
        let body_len = 4 + 16 + align(nla_len);
        let mut b = vec![];
        b.extend(((16 + body_len) as u32).to_ne_bytes());
        b.extend(NLMSG_ERROR.to_ne_bytes());
        b.extend((NLM_F_CAPPED | NLM_F_ACK_TLVS).to_ne_bytes());
        b.extend(9u32.to_ne_bytes());
        b.extend(0u32.to_ne_bytes());
        b.extend((-101i32).to_ne_bytes());
        b.extend(52u32.to_ne_bytes()); // the request's length: ignored when capped
        b.extend([0; 12]);
        b.extend((nla_len as u16).to_ne_bytes());
        b.extend(NLMSGERR_ATTR_MSG.to_ne_bytes());
        b.extend(text);
        b.resize(16 + body_len, 0);
        let a = &parse_acks(&b).unwrap()[0];
        assert_eq!((a.seq, a.errno), (9, 101));
        // Cut short by a small receive slot: the answer survives, the text does not.
        let cut = &parse_acks(&b[..40]).unwrap()[0];
        assert_eq!((cut.seq, cut.errno, cut.message.as_deref()), (9, 101, None));
        assert_eq!(a.message.as_deref(), Some("Nexthop has invalid gateway"));
        let e = OpError {
            op: RouteOp::Add(r("10.0.0.0/24")),
            failure: Failure::Kernel {
                errno: a.errno,
                message: a.message.clone(),
            },
        };
        assert_eq!(
            e.to_string(),
            "add 10.0.0.0/24 table 1003 via 10.255.0.2: Network is unreachable \
             (Nexthop has invalid gateway)"
        );
    }

    #[test]
    fn acks_match_out_of_order_with_partial_errors() {
        let mut all = ops(6);
        all[4] = RouteOp::Delete(r("10.9.9.0/24"));
        all[5] = RouteOp::Delete(r("10.9.8.0/24"));
        let mut t = Tracker::new(100, &all);
        for (seq, errno) in [(103, 0), (100, 0), (102, EEXIST), (104, ESRCH), (101, 0)] {
            assert!(answer(&mut t, 6, seq, errno), "seq {seq}");
        }
        // A duplicate, one from an older batch, one from the future: ignored.
        assert!(!answer(&mut t, 6, 103, EEXIST));
        assert!(!answer(&mut t, 6, 99, 0));
        assert!(!answer(&mut t, 6, 106, 0));
        assert_eq!(t.pending(0..6), 1);
        t.fail(0..6, &Failure::Timeout(Duration::from_secs(5)));
        let res = t.finish(&all);
        assert!(res[0].is_ok() && res[1].is_ok() && res[3].is_ok());
        assert!(res[4].is_ok(), "deleting what is gone succeeds");
        assert_eq!(
            res[2].as_ref().unwrap_err().to_string(),
            "add 10.0.2.0/24 table 1003 via 10.255.0.2: File exists"
        );
        let late = res[5].as_ref().unwrap_err();
        assert_eq!(late.failure, Failure::Timeout(Duration::from_secs(5)));
        assert_eq!(late.errno(), None);
    }

    #[test]
    fn only_the_window_in_flight_is_answered() {
        let all = ops(4);
        let mut t = Tracker::new(1, &all);
        let a = Ack {
            seq: 4,
            errno: 0,
            message: None,
        };
        assert!(!t.answer(0..2, &a, true), "op 3 is not in flight yet");
        assert!(t.answer(2..4, &a, true));
        let res = t.finish(&all);
        assert!(matches!(&res[0], Err(e) if matches!(e.failure, Failure::NotSent(_))));
        assert!(res[3].is_ok());
    }

    #[test]
    fn errors_mode_settles_silent_ops_in_order() {
        let all = ops(5);
        let mut t = Tracker::new(1, &all);
        t.sent(0, &[false, false, false, false, true]);
        assert!(answer(&mut t, 5, 2, ENODEV));
        assert_eq!(t.pending(0..5), 3, "op 0 is settled by op 1's answer");
        assert!(answer(&mut t, 5, 5, 0));
        assert_eq!(t.pending(0..5), 0);
        let errs: Vec<bool> = t.finish(&all).iter().map(|r| r.is_err()).collect();
        assert_eq!(errs, [false, true, false, false, false]);
    }

    #[test]
    fn after_an_overrun_silence_proves_nothing() {
        let all = ops(3);
        let mut t = Tracker::new(1, &all);
        t.sent(0, &[false, false, true]);
        let last = Ack {
            seq: 3,
            errno: 0,
            message: None,
        };
        assert!(t.answer(0..3, &last, false));
        assert_eq!(t.pending(0..3), 2);
        t.fail(0..3, &Failure::Lost);
        let res = t.finish(&all);
        assert_eq!(res[0].as_ref().unwrap_err().failure, Failure::Lost);
        assert!(res[2].is_ok());
    }

    #[test]
    fn decoders_never_panic_on_garbage() {
        let mut dgram = ack(5, 0);
        dgram.extend(ack(6, EEXIST));
        let mut buf = vec![];
        encode_chunk(
            &ops(3),
            1,
            Limits {
                bytes: 65536,
                messages: 10,
            },
            Acks::Each,
            &mut buf,
            &mut vec![],
        );
        dgram.extend(buf);
        for n in 0..dgram.len() {
            let _ = parse_acks(&dgram[..n]);
        }
        let mut x: u32 = 0x2545_f491;
        for len in 0..2000 {
            let junk: Vec<u8> = (0..len % 97)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let mut framed = dgram[..16].to_vec();
            framed.extend(&junk);
            let n = framed.len() as u32;
            framed[..4].copy_from_slice(&n.to_ne_bytes());
            let _ = parse_acks(&junk);
            let _ = parse_acks(&framed);
        }
    }
}
