//! Socket setup and IO for ping and traceroute, through safe APIs only: socket2 for the
//! sockets and most options, rustix for `IP_MTU_DISCOVER`/`IPV6_MTU_DISCOVER` (DF), nix for
//! `recvmsg` (the hop limit of an ICMPv6 message comes as an `IPV6_HOPLIMIT` control message).
//!
//! `SO_BINDTODEVICE` to a VRF device puts a socket in that VRF: its route lookups use the
//! VRF's table, and a raw socket bound so only sees packets that arrived in the VRF.

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, SocketAddr, SocketAddrV6};
use std::os::fd::AsRawFd;
use std::time::Duration;

use nix031::errno::Errno;
use nix031::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, SockaddrStorage};
use rustix::net::sockopt::{
    set_ip_mtu_discover, set_ipv6_mtu_discover, Ipv4PathMtuDiscovery, Ipv6PathMtuDiscovery,
};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::IcmpError;

/// The port a route lookup "connects" to (ping6's `DUMMY_PORT`); nothing is sent.
const DUMMY_PORT: u16 = 10101;

/// Options common to the sockets of one run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Setup<'a> {
    pub device: Option<&'a str>,
    pub source: Option<IpAddr>,
    pub ttl: Option<u8>,
    /// `Some(true)`: DF (IPv6: no fragmenting at all); `Some(false)`: IPv4 without DF
    /// (FreeBSD's default; IPv6 keeps the kernel's path-MTU fragmenting); `None`: the kernel's.
    pub dont_fragment: Option<bool>,
}

fn option(name: &'static str) -> impl FnOnce(io::Error) -> IcmpError {
    move |source| IcmpError::SetOption {
        option: name,
        source,
    }
}

fn domain(v6: bool) -> Domain {
    if v6 {
        Domain::IPV6
    } else {
        Domain::IPV4
    }
}

/// A raw ICMP (ICMPv6) socket, bound and set up as `setup` says.
pub(crate) fn raw_icmp(v6: bool, setup: &Setup<'_>) -> Result<Socket, IcmpError> {
    let (proto, what) = if v6 {
        (Protocol::ICMPV6, "raw ICMPv6")
    } else {
        (Protocol::ICMPV4, "raw ICMP")
    };
    let sock = Socket::new(domain(v6), Type::RAW, Some(proto))
        .map_err(|source| IcmpError::Socket { what, source })?;
    apply(&sock, v6, setup)?;
    if v6 {
        sock.set_recv_hoplimit_v6(true)
            .map_err(option("IPV6_RECVHOPLIMIT"))?;
    }
    // Room for bursts of replies (FreeBSD: IP_MAXPACKET + 128); best effort.
    let _ = sock.set_recv_buffer_size(256 * 1024);
    Ok(sock)
}

/// A UDP socket for traceroute's probes, bound to `device` and `source` (port chosen by the
/// kernel: it identifies our probes in the errors that quote them). Returns it and the port.
pub(crate) fn udp_probe(
    v6: bool,
    device: Option<&str>,
    source: IpAddr,
) -> Result<(Socket, u16), IcmpError> {
    let sock = Socket::new(domain(v6), Type::DGRAM, Some(Protocol::UDP)).map_err(|source| {
        IcmpError::Socket {
            what: "UDP",
            source,
        }
    })?;
    let setup = Setup {
        device,
        source: Some(source),
        // Probes go out without DF, as FreeBSD's.
        dont_fragment: Some(false),
        ..Setup::default()
    };
    apply(&sock, v6, &setup)?;
    let port = sock
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .map(|a| a.port())
        .ok_or_else(|| IcmpError::BindSource {
            address: source,
            source: io::Error::other("no local port"),
        })?;
    Ok((sock, port))
}

fn apply(sock: &Socket, v6: bool, setup: &Setup<'_>) -> Result<(), IcmpError> {
    if let Some(dev) = setup.device {
        if dev.is_empty() {
            return Err(IcmpError::Invalid("empty device name".into()));
        }
        sock.bind_device(Some(dev.as_bytes()))
            .map_err(|source| IcmpError::BindDevice {
                device: dev.to_string(),
                source,
            })?;
    }
    if let Some(src) = setup.source {
        sock.bind(&SockAddr::from(SocketAddr::new(src, 0)))
            .map_err(|source| IcmpError::BindSource {
                address: src,
                source,
            })?;
    }
    if let Some(ttl) = setup.ttl {
        set_ttl(sock, v6, ttl)?;
    }
    match (v6, setup.dont_fragment) {
        (false, Some(df)) => {
            let mode = if df {
                Ipv4PathMtuDiscovery::DO
            } else {
                Ipv4PathMtuDiscovery::DONT
            };
            set_ip_mtu_discover(sock, mode).map_err(|e| option("IP_MTU_DISCOVER")(e.into()))?;
        }
        (true, Some(true)) => {
            set_ipv6_mtu_discover(sock, Ipv6PathMtuDiscovery::DO)
                .map_err(|e| option("IPV6_MTU_DISCOVER")(e.into()))?;
        }
        // IPv6 has no DF bit: routers never fragment, and the kernel's default already
        // fragments to the path MTU it learns (PMTUDISC_DONT would ignore it).
        (true, Some(false)) | (_, None) => {}
    }
    Ok(())
}

/// TTL (IPv4) or unicast hop limit (IPv6) of what the socket sends next.
pub(crate) fn set_ttl(sock: &Socket, v6: bool, ttl: u8) -> Result<(), IcmpError> {
    if v6 {
        sock.set_unicast_hops_v6(ttl.into())
            .map_err(option("IPV6_UNICAST_HOPS"))
    } else {
        sock.set_ttl_v4(ttl.into()).map_err(option("IP_TTL"))
    }
}

/// The source address the kernel picks towards `target` (in `device`'s VRF): a UDP socket's
/// `connect` does the route lookup, and sends nothing. Fails when there is no route.
pub(crate) fn route_source(target: IpAddr, device: Option<&str>) -> Result<IpAddr, IcmpError> {
    let v6 = target.is_ipv6();
    let sock = Socket::new(domain(v6), Type::DGRAM, Some(Protocol::UDP)).map_err(|source| {
        IcmpError::Socket {
            what: "UDP",
            source,
        }
    })?;
    apply(
        &sock,
        v6,
        &Setup {
            device,
            ..Setup::default()
        },
    )?;
    sock.connect(&destination(target, DUMMY_PORT, device))
        .map_err(|source| IcmpError::Route { target, source })?;
    sock.local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .map(|a| a.ip())
        .ok_or_else(|| IcmpError::Route {
            target,
            source: io::Error::other("no local address"),
        })
}

/// The socket address of `target`: an IPv6 link-local target gets `device`'s index as its
/// scope (the device is the link).
pub(crate) fn destination(target: IpAddr, port: u16, device: Option<&str>) -> SockAddr {
    match target {
        IpAddr::V6(t) if t.is_unicast_link_local() => {
            let scope = device
                .and_then(|d| nix031::net::if_::if_nametoindex(d).ok())
                .unwrap_or(0);
            SockAddr::from(SocketAddrV6::new(t, port, 0, scope))
        }
        t => SockAddr::from(SocketAddr::new(t, port)),
    }
}

/// One received datagram.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Received {
    pub len: usize,
    pub from: IpAddr,
    /// IPv6: the hop limit it arrived with (IPv4 has it in the header).
    pub hop_limit: Option<u8>,
}

/// Receives one datagram into `buf`, waiting at most `timeout` (at least 1 ms); `None` when
/// nothing came.
pub(crate) fn recv(
    sock: &Socket,
    buf: &mut [u8],
    timeout: Duration,
) -> Result<Option<Received>, IcmpError> {
    sock.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
        .map_err(option("SO_RCVTIMEO"))?;
    let mut cmsg = nix031::cmsg_space!(libc::c_int);
    let mut iov = [IoSliceMut::new(buf)];
    let msg = match recvmsg::<SockaddrStorage>(
        sock.as_raw_fd(),
        &mut iov,
        Some(&mut cmsg),
        MsgFlags::empty(),
    ) {
        Ok(m) => m,
        Err(Errno::EAGAIN | Errno::EINTR) => return Ok(None),
        Err(e) => {
            return Err(IcmpError::Receive {
                source: io::Error::from(e),
            })
        }
    };
    let from = msg.address.as_ref().and_then(|a| {
        a.as_sockaddr_in()
            .map(|s| IpAddr::V4(s.ip()))
            .or_else(|| a.as_sockaddr_in6().map(|s| IpAddr::V6(s.ip())))
    });
    let mut hop_limit = None;
    if let Ok(cmsgs) = msg.cmsgs() {
        for c in cmsgs {
            if let ControlMessageOwned::Ipv6HopLimit(h) = c {
                hop_limit = u8::try_from(h).ok();
            }
        }
    }
    let len = msg.bytes;
    match from {
        Some(from) => Ok(Some(Received {
            len,
            from,
            hop_limit,
        })),
        // Not an IP peer (cannot happen on these sockets): nothing for us.
        None => Ok(None),
    }
}
