//! The FIB's kernel side: the RIB's [`FibOp`]s as batched netlink route requests, and the
//! routes lsys owns in a kernel table read back for the reconcile at start.
//!
//! [`KernelFib`] is the real one (lsys-netlink's [`RouteSocket`]: many requests per
//! `sendmsg`, one result per op); tests inject their own [`Fib`].

use lsys_fib::{FibAction, FibOp, FibRoute, Hop, Protocol};
use lsys_netlink::batch::{self, RouteKind, RouteOp, RouteSocket, PROTO_BGP, PROTO_STATIC};

/// Writes route changes to the kernel and reads back what lsys installed.
pub trait Fib: Send {
    /// One result per op, in order.
    fn write(&mut self, ops: &[FibOp]) -> Vec<Result<(), String>>;
    /// lsys's routes (protocols static and bgp) in kernel table `table`, both families, with
    /// interface names left empty (the caller fills them from the live link state).
    fn owned(&mut self, table: u32) -> Result<Vec<FibRoute>, String>;
}

/// The kernel protocol id of an lsys route: 211 (`PROTO_BGP`) for BGP, 210 (`PROTO_STATIC`)
/// otherwise (only statics and BGP routes are installed; Direct and Local are the kernel's).
fn proto_id(p: Protocol) -> u8 {
    match p {
        Protocol::Bgp => PROTO_BGP,
        Protocol::Static | Protocol::Direct | Protocol::Local => PROTO_STATIC,
    }
}

/// The netlink form of a route the RIB wants.
pub fn to_kernel(r: &FibRoute) -> batch::Route {
    let protocol = proto_id(r.protocol);
    match &r.action {
        FibAction::Blackhole => {
            batch::Route::reject(r.kernel_table, r.prefix, RouteKind::Blackhole, protocol)
        }
        FibAction::Unreachable => {
            batch::Route::reject(r.kernel_table, r.prefix, RouteKind::Unreachable, protocol)
        }
        FibAction::Forward(hops) => batch::Route::multipath(
            r.kernel_table,
            r.prefix,
            hops.iter()
                .map(|h| batch::Hop {
                    gateway: h.gateway,
                    oif: Some(h.ifindex),
                })
                .collect(),
            protocol,
        ),
    }
}

/// A kernel route of lsys's as the RIB describes it (`None`: not one of lsys's protocols, or
/// a kind lsys never installs).
pub fn from_kernel(r: &batch::Route) -> Option<FibRoute> {
    let protocol = match r.protocol {
        PROTO_STATIC => Protocol::Static,
        PROTO_BGP => Protocol::Bgp,
        _ => return None,
    };
    let action = match r.kind {
        RouteKind::Blackhole => FibAction::Blackhole,
        RouteKind::Unreachable => FibAction::Unreachable,
        RouteKind::Unicast => {
            let mut hops: Vec<Hop> = r
                .hops
                .iter()
                .map(|h| Hop {
                    gateway: h.gateway,
                    ifname: String::new(),
                    ifindex: h.oif.unwrap_or(0),
                })
                .collect();
            hops.sort();
            FibAction::Forward(hops)
        }
        _ => return None,
    };
    Some(FibRoute {
        kernel_table: r.table,
        prefix: r.dst,
        protocol,
        action,
    })
}

/// The kernel, through a batched route socket.
pub struct KernelFib {
    socket: RouteSocket,
}

impl KernelFib {
    pub fn open() -> Result<KernelFib, String> {
        Ok(KernelFib {
            socket: RouteSocket::open().map_err(|e| e.to_string())?,
        })
    }
}

impl Fib for KernelFib {
    fn write(&mut self, ops: &[FibOp]) -> Vec<Result<(), String>> {
        let ops: Vec<RouteOp> = ops
            .iter()
            .map(|op| match op {
                FibOp::Replace(r) => RouteOp::Replace(to_kernel(r)),
                FibOp::Delete(r) => RouteOp::Delete(to_kernel(r)),
            })
            .collect();
        self.socket
            .apply(&ops)
            .into_iter()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }

    fn owned(&mut self, table: u32) -> Result<Vec<FibRoute>, String> {
        Ok(self
            .socket
            .routes(table)
            .map_err(|e| e.to_string())?
            .iter()
            .filter_map(from_kernel)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(gateway: Option<&str>, ifname: &str, ifindex: u32) -> Hop {
        Hop {
            gateway: gateway.map(|g| g.parse().unwrap()),
            ifname: ifname.into(),
            ifindex,
        }
    }

    /// A BGP route goes out with protocol 211 and comes back as BGP (what adoption and the
    /// deletion watcher tell apart from statics by).
    #[test]
    fn bgp_routes_are_protocol_211_both_ways() {
        let r = FibRoute {
            kernel_table: 1000,
            prefix: "10.6.0.0/16".parse().unwrap(),
            protocol: Protocol::Bgp,
            action: FibAction::Forward(vec![hop(Some("10.0.0.14"), "", 11)]),
        };
        let k = to_kernel(&r);
        assert_eq!((k.protocol, PROTO_BGP), (211, 211));
        assert_eq!(from_kernel(&k), Some(r.clone()));
        let s = FibRoute {
            protocol: Protocol::Static,
            ..r
        };
        assert_eq!(to_kernel(&s).protocol, PROTO_STATIC);
    }

    /// An interface next hop is a kernel route with only an output interface (scope link,
    /// as `ip route add P dev X` makes it); mixed with gateways it is a multipath route. Read
    /// back (interface names come from the live links), each is the route the RIB sent.
    #[test]
    fn interface_hops_go_out_as_device_routes_and_come_back() {
        let dev = FibRoute {
            kernel_table: 1000,
            prefix: "10.30.0.0/16".parse().unwrap(),
            protocol: Protocol::Static,
            action: FibAction::Forward(vec![hop(None, "", 12)]),
        };
        let k = to_kernel(&dev);
        assert_eq!(
            k,
            batch::Route::dev(1000, dev.prefix, 12, PROTO_STATIC),
            "{k}"
        );
        assert_eq!(from_kernel(&k), Some(dev));

        let mixed = FibRoute {
            kernel_table: 1000,
            prefix: "10.31.0.0/16".parse().unwrap(),
            protocol: Protocol::Static,
            action: FibAction::Forward(vec![hop(Some("10.0.0.14"), "", 11), hop(None, "", 12)]),
        };
        let k = to_kernel(&mixed);
        assert_eq!(k.hops.len(), 2);
        assert!(k.hops.contains(&batch::Hop::dev(12)));
        // The kernel's order (device hop first, as the netlink crate sorts) does not matter.
        assert_eq!(from_kernel(&k), Some(mixed));
    }
}
