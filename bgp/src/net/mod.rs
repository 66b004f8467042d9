//! BGP sockets: a listener per routing instance and address family, outgoing connects, both
//! bound to the instance's VRF device and protected by TCP MD5 keys scoped to that VRF.
//!
//! ```text
//!  socket() ─► SO_BINDTODEVICE vrfN ─► TCP_MD5SIG_EXT keys ─► TTL/TOS/NODELAY ─► bind() ─► listen() / connect()
//!                (None: main table)     (scoped to vrfN's ifindex)
//! ```
//!
//! Order of operations, and why. The device binding comes first because `bind()` already
//! depends on it: the kernel files a socket in a bind bucket keyed by its L3 master device, so
//! only a socket that is bound to its VRF before `bind()` can share port 179 with the main
//! table's and other tenants' listeners; and a `local-address` that lives in a VRF is only a
//! local address when `bind()` looks it up in that VRF's table. The keys come next, before the
//! socket can see a single segment: a listener must check the very first SYN (a connection
//! accepted before its key existed is not protected and keeps that state), and a connecting
//! socket must sign its own SYN, which `connect()` sends at once. Keys are scoped to the
//! ifindex the socket reports it is bound to, so they cannot land in another tenant's VRF.
//! A key the kernel refuses fails the whole operation: nothing listens or connects unsigned.
//! Only then `bind()`, and `listen()` or `connect()`. Accepted sockets inherit the listener's
//! device, keys, TOS and TCP_NODELAY. Keys for neighbors configured later go on the running
//! listener ([`socket::BgpListener::set_key`]); no new listener is needed.
//!
//! `md5` is the only module with unsafe code (the kernel struct libc lacks); `sysctl` checks
//! that `net.ipv4.tcp_l3mdev_accept` is 0, without which per-VRF listeners are not reliable.

pub mod md5;
pub mod socket;
pub mod sysctl;

pub use md5::{KeyOp, KeyScope, Md5Error, MAX_KEY_LEN};
pub use socket::{
    configure_accepted, connect, BgpListener, ConnectConfig, Family, ListenerConfig, Md5Key,
    PeerKey, SocketError, BGP_PORT, TOS_CS6, TTL_EBGP_SINGLE_HOP, TTL_IBGP,
};
pub use sysctl::{check_tcp_l3mdev_accept, L3mdevAcceptError};
