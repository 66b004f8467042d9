//! The BGP listener of one routing instance and address family, and outgoing connects.
//!
//! Both build a socket2 socket, apply the options in the order the module doc of
//! [`crate::net`] explains, and hand a nonblocking socket to tokio. Keys installed here are
//! scoped to the device the socket is bound to, read back from the socket itself
//! (`SO_BINDTOIFINDEX`), so a key can never be scoped to another VRF than its socket's.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, Type};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tracing::debug;

use super::md5::{self, KeyScope, Md5Error};

/// The BGP port (RFC 4271 §8.2.1).
pub const BGP_PORT: u16 = 179;
/// IP precedence 6, "internetwork control" (DSCP CS6), which routers put on BGP.
pub const TOS_CS6: u32 = 0xc0;
/// The IP TTL of an iBGP session (and the kernel's usual default).
pub const TTL_IBGP: u8 = 64;
/// The IP TTL of a single-hop eBGP session.
pub const TTL_EBGP_SINGLE_HOP: u8 = 1;
/// Listen backlog: BGP peers are few and configured.
const BACKLOG: i32 = 64;

/// An address family of a listener or a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn of(addr: IpAddr) -> Self {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    fn unspecified(self) -> IpAddr {
        match self {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }

    fn domain(self) -> Domain {
        match self {
            Family::Ipv4 => Domain::IPV4,
            Family::Ipv6 => Domain::IPV6,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        })
    }
}

/// A TCP MD5 secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Md5Key(Vec<u8>);

impl Md5Key {
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        Md5Key(key.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Md5Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Md5Key(<{} bytes>)", self.0.len())
    }
}

/// The key for one configured neighbor (or, with `prefix_len`, a range of them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerKey {
    pub peer: IpAddr,
    pub prefix_len: Option<u8>,
    pub key: Md5Key,
}

impl PeerKey {
    pub fn new(peer: IpAddr, key: impl Into<Vec<u8>>) -> Self {
        PeerKey {
            peer,
            prefix_len: None,
            key: Md5Key::new(key),
        }
    }

    pub fn with_prefix_len(self, prefix_len: u8) -> Self {
        PeerKey {
            prefix_len: Some(prefix_len),
            ..self
        }
    }
}

/// Why a listener or a connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("cannot create an {family} TCP socket: {source}")]
    Create { family: Family, source: io::Error },
    #[error("cannot bind the socket to device {device:?}: {source}")]
    BindDevice { device: String, source: io::Error },
    #[error("cannot read the index of device {device:?} the socket is bound to: {source}")]
    DeviceIndex { device: String, source: io::Error },
    #[error("cannot set {option}{}: {source}", on(.device))]
    SetOption {
        option: &'static str,
        device: Option<String>,
        source: io::Error,
    },
    #[error(transparent)]
    Md5(#[from] Md5Error),
    #[error("cannot bind {addr}{}: {source}", on(.device))]
    Bind {
        addr: SocketAddr,
        device: Option<String>,
        source: io::Error,
    },
    #[error("cannot listen on {addr}{}: {source}", on(.device))]
    Listen {
        addr: SocketAddr,
        device: Option<String>,
        source: io::Error,
    },
    #[error("local address {local} and peer {peer} are not of the same address family")]
    FamilyMismatch { local: IpAddr, peer: SocketAddr },
    #[error("connection to {peer}{} timed out after {timeout:?}", on(.device))]
    ConnectTimeout {
        peer: SocketAddr,
        device: Option<String>,
        timeout: Duration,
    },
    #[error("cannot connect to {peer}{}: {source}", on(.device))]
    Connect {
        peer: SocketAddr,
        device: Option<String>,
        source: io::Error,
    },
    #[error("cannot hand the socket to the tokio runtime: {source}")]
    Runtime { source: io::Error },
}

fn on(device: &Option<String>) -> String {
    match device {
        Some(d) => format!(" in device {d}"),
        None => String::new(),
    }
}

/// What one listener needs: one routing instance (device), one address family.
#[derive(Clone, Debug)]
pub struct ListenerConfig {
    /// The instance's VRF device (`vrf1003`); `None` for the main table (no binding).
    pub device: Option<String>,
    /// Address and port; by default the family's unspecified address and [`BGP_PORT`].
    pub addr: SocketAddr,
    /// One key per configured neighbor that has one.
    pub keys: Vec<PeerKey>,
}

impl ListenerConfig {
    /// `0.0.0.0:179` or `[::]:179` in the main table, no keys.
    pub fn new(family: Family) -> Self {
        ListenerConfig {
            device: None,
            addr: SocketAddr::new(family.unspecified(), BGP_PORT),
            keys: Vec::new(),
        }
    }

    pub fn device(mut self, device: impl Into<String>) -> Self {
        self.device = Some(device.into());
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    pub fn key(mut self, key: PeerKey) -> Self {
        self.keys.push(key);
        self
    }
}

/// A listening socket of one instance and family, with the keys of its neighbors.
#[derive(Debug)]
pub struct BgpListener {
    listener: TcpListener,
    device: Option<String>,
    /// The ifindex of `device`, which every key on this listener is scoped to.
    l3mdev: Option<u32>,
}

impl BgpListener {
    /// Opens the listener: device binding, keys, address binding, listen — in that order. Any
    /// key the kernel refuses fails the whole listener. Must be called inside a tokio runtime
    /// (tokio's `TcpListener::from_std` requires one).
    pub fn bind(config: &ListenerConfig) -> Result<Self, SocketError> {
        let family = Family::of(config.addr.ip());
        let device = config.device.clone();
        let socket = new_socket(family)?;
        let set = |option, r: io::Result<()>| {
            r.map_err(|source| SocketError::SetOption {
                option,
                device: device.clone(),
                source,
            })
        };
        set("SO_REUSEADDR", socket.set_reuse_address(true))?;
        if family == Family::Ipv6 {
            set("IPV6_V6ONLY", socket.set_only_v6(true))?;
        }
        let l3mdev = bind_device(&socket, family, device.as_deref())?;
        for key in &config.keys {
            md5::set_key(
                &socket,
                &scope(key.peer, key.prefix_len, l3mdev),
                key.key.as_bytes(),
            )?;
        }
        // Inherited by accepted sockets.
        set_tos(&socket, family, device.as_ref())?;
        set("TCP_NODELAY", socket.set_tcp_nodelay(true))?;
        socket
            .bind(&config.addr.into())
            .map_err(|source| SocketError::Bind {
                addr: config.addr,
                device: device.clone(),
                source,
            })?;
        socket
            .listen(BACKLOG)
            .map_err(|source| SocketError::Listen {
                addr: config.addr,
                device: device.clone(),
                source,
            })?;
        set("O_NONBLOCK", socket.set_nonblocking(true))?;
        let listener = TcpListener::from_std(socket.into())
            .map_err(|source| SocketError::Runtime { source })?;
        debug!(
            device = device.as_deref().unwrap_or("(main table)"),
            addr = %config.addr,
            keys = config.keys.len(),
            "BGP listener open"
        );
        Ok(BgpListener {
            listener,
            device,
            l3mdev,
        })
    }

    /// Installs or replaces a neighbor's key at run time (neighbor added, key changed); it
    /// applies to connections that arrive afterwards.
    pub fn set_key(&self, key: &PeerKey) -> Result<(), Md5Error> {
        md5::set_key(
            &self.listener,
            &scope(key.peer, key.prefix_len, self.l3mdev),
            key.key.as_bytes(),
        )
    }

    /// Removes a neighbor's key (neighbor deleted or its key removed). Absent counts as removed.
    pub fn delete_key(&self, peer: IpAddr, prefix_len: Option<u8>) -> Result<(), Md5Error> {
        md5::delete_key(&self.listener, &scope(peer, prefix_len, self.l3mdev))
    }

    /// The next connection; its socket inherits the device binding, keys, TOS and TCP_NODELAY.
    /// Call [`configure_accepted`] to give it the neighbor's TTL.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        self.listener.accept().await
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The VRF device the listener is bound to; `None` for the main table.
    pub fn device(&self) -> Option<&str> {
        self.device.as_deref()
    }

    /// The ifindex of [`Self::device`], the VRF scope of every key on this listener.
    pub fn l3mdev_ifindex(&self) -> Option<u32> {
        self.l3mdev
    }

    /// The tokio listener, for callers that select over it.
    pub fn as_tokio(&self) -> &TcpListener {
        &self.listener
    }
}

/// What one outgoing connection needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectConfig {
    /// The peer's address and port ([`BGP_PORT`] normally).
    pub peer: SocketAddr,
    /// The instance's VRF device; `None` for the main table.
    pub device: Option<String>,
    /// `local-address`; `None` lets the kernel choose from the route to the peer.
    pub local: Option<IpAddr>,
    /// The neighbor's `authentication-key`.
    pub key: Option<Md5Key>,
    /// IP TTL / IPv6 hop limit: [`TTL_EBGP_SINGLE_HOP`], `multihop ttl N`, or [`TTL_IBGP`].
    pub ttl: u8,
    /// How long the TCP handshake may take.
    pub timeout: Duration,
}

impl ConnectConfig {
    /// A main-table connection without key, iBGP TTL, a 5 s timeout.
    pub fn new(peer: SocketAddr) -> Self {
        ConnectConfig {
            peer,
            device: None,
            local: None,
            key: None,
            ttl: TTL_IBGP,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Opens a session's TCP connection: device binding, key, TTL/TOS/NODELAY, local address,
/// then `connect()` bounded by `config.timeout`. A key the kernel refuses is an error and no
/// SYN is sent.
pub async fn connect(config: &ConnectConfig) -> Result<TcpStream, SocketError> {
    let family = Family::of(config.peer.ip());
    if let Some(local) = config.local.filter(|l| Family::of(*l) != family) {
        return Err(SocketError::FamilyMismatch {
            local,
            peer: config.peer,
        });
    }
    let device = config.device.clone();
    let socket = new_socket(family)?;
    let l3mdev = bind_device(&socket, family, device.as_deref())?;
    if let Some(key) = &config.key {
        md5::set_key(
            &socket,
            &scope(config.peer.ip(), None, l3mdev),
            key.as_bytes(),
        )?;
    }
    set_ttl(&socket, family, config.ttl, device.as_ref())?;
    set_tos(&socket, family, device.as_ref())?;
    socket
        .set_tcp_nodelay(true)
        .and_then(|()| socket.set_nonblocking(true))
        .map_err(|source| SocketError::SetOption {
            option: "TCP_NODELAY/O_NONBLOCK",
            device: device.clone(),
            source,
        })?;
    if let Some(local) = config.local {
        let addr = SocketAddr::new(local, 0);
        socket
            .bind(&addr.into())
            .map_err(|source| SocketError::Bind {
                addr,
                device: device.clone(),
                source,
            })?;
    }
    let socket = TcpSocket::from_std_stream(socket.into());
    let stream = match tokio::time::timeout(config.timeout, socket.connect(config.peer)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(source)) => {
            return Err(SocketError::Connect {
                peer: config.peer,
                device,
                source,
            })
        }
        Err(_) => {
            return Err(SocketError::ConnectTimeout {
                peer: config.peer,
                device,
                timeout: config.timeout,
            })
        }
    };
    debug!(
        device = device.as_deref().unwrap_or("(main table)"),
        peer = %config.peer,
        md5 = config.key.is_some(),
        "BGP connection open"
    );
    Ok(stream)
}

/// Gives an accepted session the neighbor's TTL (the listener cannot know it) and, again,
/// CS6 and TCP_NODELAY.
pub fn configure_accepted(stream: &TcpStream, ttl: u8) -> Result<(), SocketError> {
    let socket = SockRef::from(stream);
    let family = match stream.local_addr() {
        Ok(addr) => Family::of(addr.ip()),
        Err(source) => {
            return Err(SocketError::SetOption {
                option: "IP_TTL (getsockname)",
                device: None,
                source,
            })
        }
    };
    set_ttl(&socket, family, ttl, None)?;
    set_tos(&socket, family, None)?;
    socket
        .set_tcp_nodelay(true)
        .map_err(|source| SocketError::SetOption {
            option: "TCP_NODELAY",
            device: None,
            source,
        })
}

fn new_socket(family: Family) -> Result<Socket, SocketError> {
    Socket::new(family.domain(), Type::STREAM, Some(Protocol::TCP))
        .map_err(|source| SocketError::Create { family, source })
}

/// `SO_BINDTODEVICE`, then the ifindex the socket is now bound to (the keys' VRF scope).
fn bind_device(
    socket: &Socket,
    family: Family,
    device: Option<&str>,
) -> Result<Option<u32>, SocketError> {
    let Some(device) = device else {
        return Ok(None);
    };
    socket
        .bind_device(Some(device.as_bytes()))
        .map_err(|source| SocketError::BindDevice {
            device: device.to_owned(),
            source,
        })?;
    let index = match family {
        Family::Ipv4 => socket.device_index_v4(),
        Family::Ipv6 => socket.device_index_v6(),
    };
    match index {
        Ok(Some(index)) => Ok(Some(index.get())),
        Ok(None) => Err(SocketError::DeviceIndex {
            device: device.to_owned(),
            source: io::Error::other("the socket is not bound to a device"),
        }),
        Err(source) => Err(SocketError::DeviceIndex {
            device: device.to_owned(),
            source,
        }),
    }
}

fn scope(peer: IpAddr, prefix_len: Option<u8>, l3mdev: Option<u32>) -> KeyScope {
    KeyScope {
        peer,
        prefix_len,
        l3mdev_ifindex: l3mdev,
    }
}

fn set_ttl(
    socket: &Socket,
    family: Family,
    ttl: u8,
    device: Option<&String>,
) -> Result<(), SocketError> {
    let (option, r) = match family {
        Family::Ipv4 => ("IP_TTL", socket.set_ttl_v4(ttl.into())),
        Family::Ipv6 => ("IPV6_UNICAST_HOPS", socket.set_unicast_hops_v6(ttl.into())),
    };
    r.map_err(|source| SocketError::SetOption {
        option,
        device: device.cloned(),
        source,
    })
}

fn set_tos(socket: &Socket, family: Family, device: Option<&String>) -> Result<(), SocketError> {
    let (option, r) = match family {
        Family::Ipv4 => ("IP_TOS", socket.set_tos_v4(TOS_CS6)),
        Family::Ipv6 => ("IPV6_TCLASS", socket.set_tclass_v6(TOS_CS6)),
    };
    r.map_err(|source| SocketError::SetOption {
        option,
        device: device.cloned(),
        source,
    })
}
