//! Batched route requests: many `RTM_NEWROUTE`/`RTM_DELROUTE` per `sendmsg`, acks matched to
//! their op by sequence number, one result per op.
//!
//! ```text
//!  [RouteOp] ─encode_chunk()─► ≤64 KiB datagram (seq s..s+k) ─► sendmsg ─► kernel (in order)
//!                                                                         │ one NLMSG_ERROR
//!  Vec<Result<(), OpError>> ◄─ Tracker::answer(seq) ◄─ parse_acks() ◄─ recvmmsg ◄┘ per op
//! ```
//!
//! Why this shape:
//! * The kernel handles a netlink datagram synchronously inside our `sendmsg`: it walks the
//!   messages in order and queues an ack (or error) for each onto our socket before the call
//!   returns. So a full table costs one `sendmsg` per chunk, not one round trip per route;
//!   [`Tracker`] matches answers by sequence number (a stale ack from an earlier, timed-out
//!   batch is never taken for a current one), and a failed op does not stop the others.
//! * Blocking std socket, not tokio: since the kernel does the work inside `sendmsg`, an async
//!   socket would buy no overlap, only a future and a wakeup per datagram. The FIB calls this
//!   from a blocking context (its own thread or `spawn_blocking`). Every wait is bounded with
//!   `poll(2)` against a deadline ([`Config::timeout`]), so a silent kernel yields
//!   [`Failure::Timeout`] results instead of a hang.
//! * Acks must fit the receive buffer: each one is its own skb (~830 bytes of `truesize`),
//!   and the kernel drops acks (`ENOBUFS`) once the socket's `SO_RCVBUF` is full. The socket
//!   asks for 4 MiB and a chunk never carries more messages than the buffer can ack
//!   ([`ACK_TRUESIZE`]). If acks are lost anyway, the ops without an answer report
//!   [`Failure::Lost`] rather than a guess.
//! * Each ack is its own datagram, so acks are read with `recvmmsg`, up to 256 per syscall:
//!   for 100,000 routes that took the CPU time from ~650 ms (one `recvmsg` per ack) to ~490.
//! * [`Acks::Errors`] (opt-in) sets `NLM_F_ACK` only on each chunk's last message: the kernel
//!   answers only failures plus that message, and an op before it without an error is known
//!   to have succeeded (in-order processing). The kernel then builds no ack skb per route:
//!   ~320 ms for the same table. It is not the default because success is inferred, not
//!   stated: the kernel sends no answer at all for a message whose handler returns `EINTR`,
//!   which this mode would count as done. route-bench measures both.
//! * A delete of a route that is already gone (`ESRCH`) is a success, as in [`crate::kernel`].
//!   A delete names only table, prefix, protocol and metric, so a route of ours is never
//!   "gone" just because its next hops differ from what we believe ([`RouteOp::Delete`]).
//! * Routes are ECMP-capable: a [`Route`] carries its [`Hop`]s, one sent as
//!   `RTA_GATEWAY`/`RTA_OIF`, several as `RTA_MULTIPATH`, read back from a dump the same way
//!   (IPv4 and IPv6 alike: kernels since 4.11, checked on 6.18, dump an IPv6 multipath route
//!   as one message with `RTA_MULTIPATH`, hops in the order they were added, so hops are
//!   kept sorted).
//! * [`reconcile_ops`] (`diff.rs`) is the FIB's reconcile: wanted routes against a dump, as
//!   deletes and replaces of lsys's own routes only (by protocol id), and conflicts where a
//!   replace would overwrite a foreign route.
//!
//! The encoder, ack parser and [`Tracker`] are pure functions of bytes and sequence numbers,
//! tested without a socket; [`RouteSocket`] only moves bytes.
//!
//! Layout: [`Route`], [`Hop`] and [`RouteOp`] in `ops.rs`; their encoding into chunks in
//! `encode.rs`; acks, their parsing and the [`Tracker`] in `acks.rs`; [`RouteSocket`]
//! (apply, dump) in `socket.rs`; [`reconcile_ops`] in `diff.rs`. [`RouteKind`] and the parser
//! of dumped routes are the crate's shared model ([`crate::route`]): a dump is read as a
//! [`crate::route::KernelRoute`] and turned into a [`Route`], so the batch path and
//! `show route forwarding-table` read routes one way.

mod acks;
mod diff;
mod encode;
mod ops;
mod socket;

pub use crate::route::RouteKind;
pub use acks::{parse_acks, Ack, Failure, OpError, Tracker};
pub use diff::{reconcile_ops, Conflict, Diff};
pub use encode::{encode_chunk, parse_route, request_flags, route_message, Acks, Limits};
pub use ops::{Hop, Route, RouteOp, IPV6_DEFAULT_METRIC};
pub use socket::{BatchError, Config, Counters, RouteSocket};

/// Protocol id of the static routes lsys installs (`rtm_protocol`). lsys picks its own ids
/// rather than the kernel's `static` (4) or `bgp` (186): a restart's reconcile scan deletes
/// routes by protocol, and must never touch what an operator or another daemon (FRR uses
/// 186–198, BIRD 12) put there. 210/211 are outside iproute2's `rt_protos` list and FRR's range;
/// `ip route show proto 210` lists them.
pub const PROTO_STATIC: u8 = 210;
/// Protocol id of the BGP routes lsys installs; see [`PROTO_STATIC`].
pub const PROTO_BGP: u8 = 211;

/// Bytes of receive buffer one queued ack costs: the skb's `truesize`, not its 36 bytes of
/// payload. Measured on 6.18 by overrunning buffers of 128 and 416 KiB with one chunk of 2,500
/// adds: ~832 per ack, the same for an ok ack and for an error carrying an extended-ack
/// message. 1024 leaves headroom for other kernels.
pub const ACK_TRUESIZE: usize = 1024;

/// Ops and acks shared by the unit tests of the submodules.
#[cfg(test)]
mod fixtures {
    use super::{Route, RouteOp, PROTO_STATIC};

    /// A route in table 1003 via 10.255.0.2.
    pub fn r(dst: &str) -> Route {
        Route::via(
            1003,
            dst.parse().unwrap(),
            "10.255.0.2".parse().unwrap(),
            PROTO_STATIC,
        )
    }

    /// `n` adds of distinct /24s.
    pub fn ops(n: u32) -> Vec<RouteOp> {
        (0..n)
            .map(|i| RouteOp::Add(r(&format!("10.{}.{}.0/24", i / 256, i % 256))))
            .collect()
    }
}
