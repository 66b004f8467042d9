//! TCP MD5 signatures (RFC 2385) on one socket: `setsockopt(IPPROTO_TCP, TCP_MD5SIG_EXT)`.
//!
//! A key covers a [`KeyScope`]: one peer address or a range of them (`TCP_MD5SIG_FLAG_PREFIX`),
//! optionally only inside one L3 master device, i.e. one VRF (`TCP_MD5SIG_FLAG_IFINDEX`, Linux
//! ≥ 5.6; since 5.16 index 0 means "the default VRF only"). A key that the kernel refuses is an
//! error returned to the caller, never a warning: a session must not come up unsigned because a
//! key could not be installed (FRR #22907 shipped exactly that).
//!
//! Kernel rules mirrored here (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c `*_parse_md5_keys`):
//! the address family in the struct must be the socket's (an IPv4 peer on an IPv6 socket is
//! written as a v4-mapped address, and its prefix length stays an IPv4 one); a zero key length
//! deletes the key with the same address, prefix length and VRF scope; keys are at most
//! [`MAX_KEY_LEN`] bytes; an IFINDEX scope naming a device that is not an L3 master is EINVAL.

// Why unsafe is allowed in this one module (the crate denies it elsewhere, see bgp/Cargo.toml):
// libc has the TCP_MD5SIG / TCP_MD5SIG_EXT option numbers but neither `struct tcp_md5sig` nor
// TCP_MD5SIG_FLAG_IFINDEX, and socket2 has no MD5 option, so the struct is mirrored below with
// `#[repr(C)]` and handed to `libc::setsockopt` by pointer. The unsafe blocks are exactly: the
// all-zero initialisation of that plain-data struct, writing a sockaddr_in/sockaddr_in6 into its
// sockaddr_storage, and the setsockopt call.
#![allow(unsafe_code)]

use std::fmt;
use std::io;
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, AsRawFd};

use socket2::{Domain, SockRef};

/// `TCP_MD5SIG_MAXKEYLEN`: the longest key the kernel takes, in bytes.
pub const MAX_KEY_LEN: usize = 80;
/// `TCP_MD5SIG_FLAG_PREFIX` (include/uapi/linux/tcp.h): `tcpm_prefixlen` is valid.
const FLAG_PREFIX: u8 = 0x1;
/// `TCP_MD5SIG_FLAG_IFINDEX`: `tcpm_ifindex` is valid (an L3 master device, or 0).
const FLAG_IFINDEX: u8 = 0x2;

/// `struct tcp_md5sig` from include/uapi/linux/tcp.h (the TCP_MD5SIG_EXT layout).
#[repr(C)]
struct TcpMd5Sig {
    /// `struct __kernel_sockaddr_storage tcpm_addr`: the peer, with its family set.
    addr: libc::sockaddr_storage,
    /// `__u8 tcpm_flags`: FLAG_PREFIX | FLAG_IFINDEX.
    flags: u8,
    /// `__u8 tcpm_prefixlen`.
    prefixlen: u8,
    /// `__u16 tcpm_keylen`: 0 deletes.
    keylen: u16,
    /// `int tcpm_ifindex`: the L3 master device the key is scoped to.
    ifindex: libc::c_int,
    /// `__u8 tcpm_key[TCP_MD5SIG_MAXKEYLEN]`.
    key: [u8; MAX_KEY_LEN],
}

// The kernel copies exactly sizeof(struct tcp_md5sig) = 128 + 1 + 1 + 2 + 4 + 80 bytes.
const _: () = assert!(size_of::<TcpMd5Sig>() == 216);
const _: () = assert!(MAX_KEY_LEN == libc::TCP_MD5SIG_MAXKEYLEN);

/// The connections a key signs and checks: a peer address (or a range with `prefix_len`),
/// optionally only inside one VRF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyScope {
    /// The peer address; with `prefix_len`, the start of the range.
    pub peer: IpAddr,
    /// A range of peers (`TCP_MD5SIG_FLAG_PREFIX`), e.g. for a group's allowed prefixes.
    /// `None`: this address only. For an IPv4 peer at most 32, for IPv6 at most 128.
    pub prefix_len: Option<u8>,
    /// The L3 master device (VRF) the key is limited to (`TCP_MD5SIG_FLAG_IFINDEX`). `None`: no
    /// VRF scope. `Some(0)`: the default VRF only (Linux ≥ 5.16).
    pub l3mdev_ifindex: Option<u32>,
}

impl KeyScope {
    /// One peer address, in no particular VRF.
    pub fn peer(peer: IpAddr) -> Self {
        KeyScope {
            peer,
            prefix_len: None,
            l3mdev_ifindex: None,
        }
    }

    /// Every peer in `peer/prefix_len`.
    pub fn prefix(peer: IpAddr, prefix_len: u8) -> Self {
        KeyScope {
            prefix_len: Some(prefix_len),
            ..KeyScope::peer(peer)
        }
    }

    /// The same peers, only inside the L3 master device with this index.
    pub fn in_l3mdev(self, ifindex: u32) -> Self {
        KeyScope {
            l3mdev_ifindex: Some(ifindex),
            ..self
        }
    }
}

impl fmt::Display for KeyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.peer)?;
        if let Some(len) = self.prefix_len {
            write!(f, "/{len}")?;
        }
        match self.l3mdev_ifindex {
            Some(0) => write!(f, " (default VRF only)"),
            Some(index) => write!(f, " (L3 master device ifindex {index})"),
            None => Ok(()),
        }
    }
}

/// Setting or deleting, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOp {
    Set,
    Delete,
}

impl fmt::Display for KeyOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyOp::Set => "set",
            KeyOp::Delete => "delete",
        })
    }
}

/// Why a key was not installed or removed. None of them carries the key itself.
#[derive(Debug, thiserror::Error)]
pub enum Md5Error {
    #[error("TCP MD5 key for {scope} is {len} bytes; the kernel accepts at most {MAX_KEY_LEN}")]
    KeyTooLong { scope: KeyScope, len: usize },
    /// Deleting is [`delete_key`]; an empty configured key must not silently remove protection.
    #[error("TCP MD5 key for {scope} is empty")]
    EmptyKey { scope: KeyScope },
    #[error("TCP MD5 key for {scope}: prefix length {prefix_len} is too long for the address")]
    PrefixTooLong { scope: KeyScope, prefix_len: u8 },
    #[error("TCP MD5 key for IPv6 peer {scope} cannot go on an IPv4 socket")]
    FamilyMismatch { scope: KeyScope },
    #[error("TCP MD5 key for {scope}: cannot read the socket's address family: {source}")]
    SocketFamily { scope: KeyScope, source: io::Error },
    #[error("cannot {op} TCP MD5 key for {scope}: setsockopt(TCP_MD5SIG_EXT): {}",
        io::Error::from_raw_os_error(*.errno))]
    Kernel {
        op: KeyOp,
        scope: KeyScope,
        errno: i32,
    },
}

impl Md5Error {
    /// The scope (peer) the failed operation was for.
    pub fn scope(&self) -> &KeyScope {
        match self {
            Md5Error::KeyTooLong { scope, .. }
            | Md5Error::EmptyKey { scope }
            | Md5Error::PrefixTooLong { scope, .. }
            | Md5Error::FamilyMismatch { scope }
            | Md5Error::SocketFamily { scope, .. }
            | Md5Error::Kernel { scope, .. } => scope,
        }
    }

    /// The errno the kernel returned, if the kernel was asked at all.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Md5Error::Kernel { errno, .. } => Some(*errno),
            Md5Error::SocketFamily { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

/// Installs (or replaces) the key for `scope` on a TCP socket. On a listening socket it applies
/// to connections accepted afterwards; on a connecting socket it must be set before `connect()`.
/// `key` must be 1 to [`MAX_KEY_LEN`] bytes.
pub fn set_key<S: AsFd>(socket: &S, scope: &KeyScope, key: &[u8]) -> Result<(), Md5Error> {
    if key.is_empty() {
        return Err(Md5Error::EmptyKey { scope: *scope });
    }
    if key.len() > MAX_KEY_LEN {
        return Err(Md5Error::KeyTooLong {
            scope: *scope,
            len: key.len(),
        });
    }
    apply(socket.as_fd(), scope, key, KeyOp::Set)
}

/// Removes the key for exactly `scope` (same address, prefix length and VRF scope as it was
/// set with). A key that is not there counts as removed (the kernel's ENOENT).
pub fn delete_key<S: AsFd>(socket: &S, scope: &KeyScope) -> Result<(), Md5Error> {
    match apply(socket.as_fd(), scope, &[], KeyOp::Delete) {
        Err(Md5Error::Kernel { errno, .. }) if errno == libc::ENOENT => Ok(()),
        other => other,
    }
}

/// Builds the struct for the socket's family and calls setsockopt; an empty key deletes.
fn apply(
    socket: std::os::fd::BorrowedFd<'_>,
    scope: &KeyScope,
    key: &[u8],
    op: KeyOp,
) -> Result<(), Md5Error> {
    let domain = SockRef::from(&socket)
        .domain()
        .map_err(|source| Md5Error::SocketFamily {
            scope: *scope,
            source,
        })?;
    let max_prefix = if scope.peer.is_ipv4() { 32 } else { 128 };
    if let Some(prefix_len) = scope.prefix_len.filter(|&len| len > max_prefix) {
        return Err(Md5Error::PrefixTooLong {
            scope: *scope,
            prefix_len,
        });
    }

    // SAFETY: TcpMd5Sig is plain data (integers and byte arrays); all-zero is a valid value.
    let mut cmd: TcpMd5Sig = unsafe { std::mem::zeroed() };
    if domain == Domain::IPV6 {
        let addr = match scope.peer {
            IpAddr::V4(v4) => v4.to_ipv6_mapped(),
            IpAddr::V6(v6) => v6,
        };
        write_sin6(&mut cmd.addr, addr);
    } else {
        match scope.peer {
            IpAddr::V4(v4) => write_sin(&mut cmd.addr, v4),
            IpAddr::V6(_) => return Err(Md5Error::FamilyMismatch { scope: *scope }),
        }
    }
    if let Some(len) = scope.prefix_len {
        cmd.flags |= FLAG_PREFIX;
        cmd.prefixlen = len;
    }
    if let Some(index) = scope.l3mdev_ifindex {
        cmd.flags |= FLAG_IFINDEX;
        // The kernel's field is a C int; an index beyond i32::MAX cannot name a device.
        cmd.ifindex = libc::c_int::try_from(index).map_err(|_| Md5Error::Kernel {
            op,
            scope: *scope,
            errno: libc::EINVAL,
        })?;
    }
    // Lengths were checked by the callers: 0 (delete) or 1..=80.
    cmd.keylen = key.len() as u16;
    cmd.key[..key.len()].copy_from_slice(key);

    // SAFETY: `cmd` is a live, fully initialised `struct tcp_md5sig` of the size passed; the
    // kernel only reads it. The fd is borrowed for the duration of the call.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_MD5SIG_EXT,
            (&cmd as *const TcpMd5Sig).cast(),
            size_of::<TcpMd5Sig>() as libc::socklen_t,
        )
    };
    let result = if rc == 0 {
        Ok(())
    } else {
        let errno = io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO);
        Err(Md5Error::Kernel {
            op,
            scope: *scope,
            errno,
        })
    };
    cmd.key.fill(0);
    std::hint::black_box(&cmd.key);
    result
}

fn write_sin(storage: &mut libc::sockaddr_storage, addr: Ipv4Addr) {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(addr.octets()),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_storage is larger than and at least as aligned as sockaddr_in; this is
    // how the kernel reads it back (a cast of &tcpm_addr).
    unsafe { std::ptr::write((storage as *mut libc::sockaddr_storage).cast(), sin) };
}

fn write_sin6(storage: &mut libc::sockaddr_storage, addr: Ipv6Addr) {
    let sin6 = libc::sockaddr_in6 {
        sin6_family: libc::AF_INET6 as libc::sa_family_t,
        sin6_port: 0,
        sin6_flowinfo: 0,
        sin6_addr: libc::in6_addr {
            s6_addr: addr.octets(),
        },
        sin6_scope_id: 0,
    };
    // SAFETY: as in write_sin, for sockaddr_in6.
    unsafe { std::ptr::write((storage as *mut libc::sockaddr_storage).cast(), sin6) };
}
