//! Builders shared by the RIB tests.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use ipnet::IpNet;
use lsys_bgp::packet::{AsPath, Attrs, NextHop, Origin, Segment, SegmentType};
use lsys_bgp::rib::{PeerId, PeerInfo};

pub const LOCAL_AS: u32 = 65000;

/// An eBGP peer `n`: address 10.0.0.n, router id 192.0.2.n, AS `asn`.
pub fn ebgp(n: u8, asn: u32) -> PeerInfo {
    PeerInfo {
        address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, n)),
        router_id: Ipv4Addr::new(192, 0, 2, n),
        peer_as: asn,
        local_as: LOCAL_AS,
        internal: false,
    }
}

/// An iBGP peer `n`.
pub fn ibgp(n: u8) -> PeerInfo {
    PeerInfo {
        internal: true,
        peer_as: LOCAL_AS,
        ..ebgp(n, LOCAL_AS)
    }
}

pub fn net(s: &str) -> IpNet {
    s.parse().expect("test prefix")
}

/// A path attribute set with the decision-relevant attributes.
#[derive(Debug, Clone)]
pub struct A {
    pub lp: Option<u32>,
    pub path: Vec<u32>,
    pub origin: Origin,
    pub med: Option<u32>,
    pub nh: u8,
}

impl Default for A {
    fn default() -> Self {
        Self {
            lp: None,
            path: vec![64512],
            origin: Origin::Igp,
            med: None,
            nh: 1,
        }
    }
}

impl A {
    pub fn path(asns: &[u32]) -> Self {
        Self {
            path: asns.to_vec(),
            ..Self::default()
        }
    }

    pub fn build(&self) -> Attrs {
        Attrs {
            origin: Some(self.origin),
            as_path: Some(AsPath::from_sequence(self.path.iter().copied())),
            next_hop: Some(NextHop::V4(Ipv4Addr::new(10, 0, 0, self.nh))),
            med: self.med,
            local_pref: self.lp,
            ..Attrs::default()
        }
    }

    pub fn arc(&self) -> Arc<Attrs> {
        Arc::new(self.build())
    }
}

pub fn segments(parts: &[(SegmentType, &[u32])]) -> AsPath {
    AsPath {
        segments: parts
            .iter()
            .map(|(kind, asns)| Segment {
                kind: *kind,
                asns: asns.to_vec(),
            })
            .collect(),
    }
}

/// Import policy "accept all, unchanged".
pub fn accept(_: &IpNet, a: &Arc<Attrs>) -> Option<Arc<Attrs>> {
    Some(a.clone())
}

/// Import policy "reject all".
pub fn reject(_: &IpNet, _: &Arc<Attrs>) -> Option<Arc<Attrs>> {
    None
}

pub fn p(n: u32) -> PeerId {
    PeerId(n)
}
