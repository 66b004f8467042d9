//! What `show route receive-protocol bgp A [hidden]` and `show route advertising-protocol bgp
//! A` list, taken from the RIB and a peer's Adj-RIB-Out (pure functions; the actor answers
//! [`super::Command::Routes`] with them).
//!
//! Received routes are shown with the attributes the neighbor sent (Junos: "the attributes
//! with which they were received", before import policy): the accepted ones, or with `hidden`
//! only those import rejected or the AS-loop check hid. Advertised routes are shown as sent,
//! except that towards an external peer the local AS export prepended is left out of the AS
//! path (exactly one leading local AS, as Junos prints it), and a next hop that is the
//! session's own address shows as `Self`.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use crate::packet::{AsPath, Attrs, NextHop, SegmentType};
use crate::rib::{AdjRibOut, PeerId, Rib};
use crate::show::RouteLine;

/// Which routes of a neighbor are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteSide {
    /// `receive-protocol bgp A`: the accepted routes; `hidden`: only the hidden ones.
    Received { hidden: bool },
    /// `advertising-protocol bgp A`: what the neighbor was sent.
    Advertised,
}

/// The session an advertisement went out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Towards {
    pub local_as: u32,
    pub external: bool,
    /// The session's own address (a next hop equal to it shows as `Self`).
    pub local_address: Option<IpAddr>,
}

/// `12076 I`: the path, then the origin letter (`I` alone for an empty path, `?` when the
/// route has no ORIGIN), as `show route` prints it.
pub fn as_path_text(attrs: &Attrs, path: Option<&AsPath>) -> String {
    let origin = attrs.origin.map_or("?".to_string(), |o| o.to_string());
    match path {
        Some(p) if !p.is_empty() => format!("{p} {origin}"),
        _ => origin,
    }
}

/// The path without one leading `local_as` (the one export prepended towards an external
/// peer); unchanged when it does not start with it.
pub fn without_local_as(path: &AsPath, local_as: u32) -> AsPath {
    let mut p = path.clone();
    if let Some(first) = p.segments.first_mut() {
        if first.kind == SegmentType::Sequence && first.asns.first() == Some(&local_as) {
            first.asns.remove(0);
            if first.asns.is_empty() {
                p.segments.remove(0);
            }
        }
    }
    p
}

fn next_hop(attrs: &Attrs) -> Option<IpAddr> {
    match attrs.next_hop? {
        NextHop::V4(a) => Some(IpAddr::V4(a)),
        NextHop::V6 { global, .. } => Some(IpAddr::V6(global)),
    }
}

fn line(prefix: IpNet, attrs: &Arc<Attrs>, active: bool, hidden: bool) -> RouteLine {
    RouteLine {
        prefix,
        active,
        hidden,
        next_hop: next_hop(attrs),
        next_hop_self: false,
        med: attrs.med,
        local_pref: attrs.local_pref,
        as_path: as_path_text(attrs, attrs.as_path.as_ref()),
    }
}

/// The routes `peer` sent, in prefix order (IPv4 first), with the attributes it sent: the
/// accepted ones (`active`: the prefix's best path), or with `hidden` only the hidden ones.
pub fn received(rib: &Rib, peer: PeerId, hidden: bool) -> Vec<RouteLine> {
    rib.received(peer)
        .filter(|(_, r)| r.hidden() == hidden)
        .map(|(p, r)| line(p, r.received, r.active, r.hidden()))
        .collect()
}

/// What the peer was sent, in prefix order (IPv4 first). Every advertised route is marked
/// active: export sends the active route of each prefix (the caller may know better, from the
/// routing table).
pub fn advertised(out: &AdjRibOut, to: &Towards) -> Vec<RouteLine> {
    out.iter()
        .map(|(p, attrs)| {
            let mut l = line(p, attrs, true, false);
            if to.external {
                let path = attrs
                    .as_path
                    .as_ref()
                    .map(|a| without_local_as(a, to.local_as));
                l.as_path = as_path_text(attrs, path.as_ref());
            }
            l.next_hop_self = l.next_hop.is_some() && l.next_hop == to.local_address;
            l
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::packet::Origin;
    use crate::rib::PeerInfo;

    const AZURE: PeerId = PeerId(2);

    fn attrs(path: &[u32], next_hop: &str, med: Option<u32>) -> Arc<Attrs> {
        Arc::new(Attrs {
            origin: Some(Origin::Igp),
            as_path: Some(AsPath::from_sequence(path.iter().copied())),
            next_hop: Some(NextHop::V4(next_hop.parse().unwrap())),
            med,
            ..Attrs::default()
        })
    }

    fn net(p: &str) -> IpNet {
        p.parse().unwrap()
    }

    /// Azure sends 10.6/16 (MED 0), 10.7/16 and a looped 10.8/16; import rejects 10.7/16.
    fn rib() -> Rib {
        let mut rib = Rib::new();
        rib.set_peer(
            AZURE,
            PeerInfo {
                address: "10.0.0.14".parse().unwrap(),
                router_id: Ipv4Addr::new(10, 0, 0, 14),
                peer_as: 12076,
                local_as: 65000,
                internal: false,
            },
        );
        let announced = vec![
            (net("10.6.0.0/16"), attrs(&[12076], "10.0.0.14", Some(0))),
            (net("10.7.0.0/16"), attrs(&[12076], "10.0.0.14", None)),
            (
                net("10.8.0.0/16"),
                attrs(&[12076, 65000], "10.0.0.14", None),
            ),
        ];
        rib.update(AZURE, &[], &announced, |p, a| {
            let looped = a.as_path.as_ref().is_some_and(|x| x.contains(65000));
            // Import policy: set LOCAL_PREF 200 on what it accepts.
            (!looped && *p != net("10.7.0.0/16")).then(|| {
                Arc::new(Attrs {
                    local_pref: Some(200),
                    ..(**a).clone()
                })
            })
        })
        .unwrap();
        rib.process();
        rib
    }

    #[test]
    fn received_routes_are_shown_as_received() {
        let rib = rib();
        let got = received(&rib, AZURE, false);
        assert_eq!(
            got,
            vec![RouteLine {
                prefix: net("10.6.0.0/16"),
                active: true,
                hidden: false,
                next_hop: Some("10.0.0.14".parse().unwrap()),
                next_hop_self: false,
                med: Some(0),
                // What the import policy set is not shown: the attributes as received.
                local_pref: None,
                as_path: "12076 I".into(),
            }]
        );
    }

    #[test]
    fn hidden_lists_what_import_rejected_and_the_loops() {
        let rib = rib();
        let got: Vec<(String, bool, bool, String)> = received(&rib, AZURE, true)
            .into_iter()
            .map(|l| (l.prefix.to_string(), l.active, l.hidden, l.as_path))
            .collect();
        assert_eq!(
            got,
            vec![
                ("10.7.0.0/16".into(), false, true, "12076 I".into()),
                ("10.8.0.0/16".into(), false, true, "12076 65000 I".into()),
            ]
        );
        // A peer the RIB does not know has nothing.
        assert!(received(&rib, PeerId(9), false).is_empty());
    }

    #[test]
    fn advertised_towards_an_external_peer() {
        let mut out = AdjRibOut::new();
        out.apply([
            // Azure's route, prepended and next-hop self.
            (
                net("10.6.0.0/16"),
                Some(attrs(&[65000, 12076], "10.0.0.0", None)),
            ),
            // A local route: the local AS alone.
            (
                net("172.16.0.0/16"),
                Some(attrs(&[65000], "10.0.0.0", None)),
            ),
            // A path that (by policy) starts with the local AS twice: one is left out.
            (
                net("172.17.0.0/16"),
                Some(attrs(&[65000, 65000], "10.0.0.9", Some(5))),
            ),
        ]);
        let to = Towards {
            local_as: 65000,
            external: true,
            local_address: Some("10.0.0.0".parse().unwrap()),
        };
        let got: Vec<(String, bool, Option<u32>, String)> = advertised(&out, &to)
            .into_iter()
            .map(|l| (l.prefix.to_string(), l.next_hop_self, l.med, l.as_path))
            .collect();
        assert_eq!(
            got,
            vec![
                ("10.6.0.0/16".into(), true, None, "12076 I".into()),
                ("172.16.0.0/16".into(), true, None, "I".into()),
                ("172.17.0.0/16".into(), false, Some(5), "65000 I".into()),
            ]
        );
    }

    #[test]
    fn advertised_towards_an_internal_peer_keeps_path_and_local_pref() {
        let mut out = AdjRibOut::new();
        let a = Arc::new(Attrs {
            local_pref: Some(100),
            ..(*attrs(&[12076], "10.0.0.14", None)).clone()
        });
        out.apply([(net("10.6.0.0/16"), Some(a))]);
        let to = Towards {
            local_as: 65000,
            external: false,
            local_address: Some("10.1.0.1".parse().unwrap()),
        };
        let got = advertised(&out, &to);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (
                got[0].local_pref,
                got[0].next_hop_self,
                got[0].as_path.as_str()
            ),
            (Some(100), false, "12076 I")
        );
    }

    #[test]
    fn as_path_texts() {
        let mut a = (*attrs(&[], "10.0.0.1", None)).clone();
        assert_eq!(as_path_text(&a, a.as_path.as_ref()), "I");
        a.origin = None;
        assert_eq!(as_path_text(&a, None), "?");
        let confed = AsPath {
            segments: vec![crate::packet::Segment {
                kind: SegmentType::ConfedSequence,
                asns: vec![65000],
            }],
        };
        // Only a leading AS_SEQUENCE is stripped.
        assert_eq!(without_local_as(&confed, 65000), confed);
    }
}
