//! The `net.ipv4.tcp_l3mdev_accept` check lsysd runs before it opens BGP sockets.
//!
//! lsys binds one listener per VRF, so the sysctl must stay 0. With 1, a socket in the default
//! VRF may accept a tenant's connection, and which listener gets a connection is unspecified
//! (Linux Documentation/networking/vrf.rst), so a VRF listener's MD5 keys would not apply; a
//! default-VRF and a VRF listener on the same port would also share one bind bucket.
//!
//! There is no IPv6 counterpart: TCP over IPv6 reads the same `net->ipv4` value (the socket
//! lookup's `inet_sk_bound_dev_eq` serves both families), so this one file covers both. The
//! value belongs to the network namespace of the reader. The file exists only in kernels built
//! with L3 master device support (`CONFIG_NET_L3_MASTER_DEV`); without it there are no VRFs.

use std::io;
use std::path::{Path, PathBuf};

/// Where the kernel exposes the setting.
pub const TCP_L3MDEV_ACCEPT: &str = "/proc/sys/net/ipv4/tcp_l3mdev_accept";

/// Why BGP sockets in VRFs cannot be trusted on this host.
#[derive(Debug, thiserror::Error)]
pub enum L3mdevAcceptError {
    #[error("net.ipv4.tcp_l3mdev_accept is {value}; it must be 0: with tcp_l3mdev_accept=1 a socket in the default VRF may accept a tenant's connection, and which listener gets a connection is unspecified — MD5 keys would not apply")]
    Enabled { value: u64 },
    #[error("{} does not exist: this kernel has no L3 master device (VRF) support", .path.display())]
    NoL3mdevSupport { path: PathBuf },
    #[error("net.ipv4.tcp_l3mdev_accept reads {text:?}, not a number")]
    Unparsable { text: String },
    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },
}

/// Checks the running kernel's (this network namespace's) setting.
pub fn check_tcp_l3mdev_accept() -> Result<(), L3mdevAcceptError> {
    check_tcp_l3mdev_accept_at(Path::new(TCP_L3MDEV_ACCEPT))
}

/// Checks the setting read from `path` (the real file is [`TCP_L3MDEV_ACCEPT`]).
pub fn check_tcp_l3mdev_accept_at(path: &Path) -> Result<(), L3mdevAcceptError> {
    match std::fs::read_to_string(path) {
        Ok(text) => check_tcp_l3mdev_accept_text(&text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(L3mdevAcceptError::NoL3mdevSupport {
            path: path.to_owned(),
        }),
        Err(source) => Err(L3mdevAcceptError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Checks the file's text: `"0\n"` is fine, any other number is [`L3mdevAcceptError::Enabled`]
/// (the kernel treats every non-zero value as on), anything else is unparsable.
pub fn check_tcp_l3mdev_accept_text(text: &str) -> Result<(), L3mdevAcceptError> {
    match text.trim().parse::<u64>() {
        Ok(0) => Ok(()),
        Ok(value) => Err(L3mdevAcceptError::Enabled { value }),
        Err(_) => Err(L3mdevAcceptError::Unparsable {
            text: text.to_owned(),
        }),
    }
}
