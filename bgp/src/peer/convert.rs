//! Between the codec's messages (`packet`) and the state machine's plain values (`fsm`).
//!
//! The two were written apart on purpose (the machine is tested without the codec); this is
//! the only place that knows both.

use crate::fsm;
use crate::packet::{self, Afi, Capability, Safi};

pub(crate) fn family_to_wire(f: fsm::Family) -> packet::Family {
    packet::Family::new(Afi(f.afi), Safi(f.safi))
}

pub(crate) fn family_from_wire(f: packet::Family) -> fsm::Family {
    fsm::Family {
        afi: f.afi.0,
        safi: f.safi.0,
    }
}

/// A decoded OPEN as the machine checks it.
pub(crate) fn peer_open(open: &packet::Open, version: u8) -> fsm::PeerOpen {
    let mut caps = fsm::Capabilities::default();
    for c in &open.capabilities {
        match c {
            Capability::Multiprotocol(f) => caps.families.push(family_from_wire(*f)),
            Capability::RouteRefresh => caps.route_refresh = true,
            Capability::EnhancedRouteRefresh => caps.enhanced_route_refresh = true,
            Capability::FourOctetAs(asn) => caps.four_octet_as = Some(*asn),
            Capability::GracefulRestart(_) => caps.graceful_restart = true,
            // The pre-standard Cisco route refresh (code 128) means the same thing.
            Capability::Unknown { code: 128, .. } => caps.route_refresh = true,
            Capability::AddPath(_) | Capability::Unknown { .. } => {}
        }
    }
    fsm::PeerOpen {
        version,
        my_as: open.my_as,
        hold_time: open.hold_time,
        bgp_id: open.bgp_id,
        capabilities: caps,
    }
}

/// The OPEN we send, as the codec writes it.
pub(crate) fn local_open(open: &fsm::LocalOpen) -> packet::Open {
    let c = &open.capabilities;
    let mut caps: Vec<Capability> = c
        .families
        .iter()
        .map(|f| Capability::Multiprotocol(family_to_wire(*f)))
        .collect();
    if c.route_refresh {
        caps.push(Capability::RouteRefresh);
    }
    if c.enhanced_route_refresh {
        caps.push(Capability::EnhancedRouteRefresh);
    }
    if let Some(asn) = c.four_octet_as {
        caps.push(Capability::FourOctetAs(asn));
    }
    packet::Open {
        my_as: open.my_as,
        hold_time: open.hold_time,
        bgp_id: open.bgp_id,
        capabilities: caps,
    }
}

pub(crate) fn notification_to_wire(n: &fsm::Notification) -> packet::Notification {
    packet::Notification {
        code: n.code,
        subcode: n.subcode,
        data: n.data.clone(),
    }
}

pub(crate) fn notification_from_wire(n: &packet::Notification) -> fsm::Notification {
    fsm::Notification::new(n.code, n.subcode, n.data.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn an_open_goes_out_and_comes_back_the_same() {
        let local = fsm::LocalOpen {
            version: fsm::BGP_VERSION,
            my_as: fsm::AS_TRANS,
            hold_time: 90,
            bgp_id: Ipv4Addr::new(10, 0, 0, 1),
            capabilities: fsm::Capabilities {
                families: vec![fsm::Family::IPV4_UNICAST, fsm::Family::IPV6_UNICAST],
                route_refresh: true,
                enhanced_route_refresh: false,
                four_octet_as: Some(4_200_000_000),
                graceful_restart: false,
            },
        };
        let wire = local_open(&local);
        let bytes = packet::Message::Open(wire)
            .encode(&packet::CodecContext::default())
            .unwrap();
        let packet::Message::Open(back) =
            packet::Message::from_bytes(&bytes, &packet::CodecContext::default()).unwrap()
        else {
            panic!("not an OPEN");
        };
        let peer = peer_open(&back, fsm::BGP_VERSION);
        assert_eq!(peer.peer_as(), 4_200_000_000);
        assert_eq!(peer.capabilities, local.capabilities);
        assert_eq!((peer.hold_time, peer.bgp_id), (90, local.bgp_id));
    }

    #[test]
    fn notifications_keep_code_subcode_and_data() {
        let n = fsm::Notification::hold_timer_expired();
        assert_eq!(notification_from_wire(&notification_to_wire(&n)), n);
    }
}
