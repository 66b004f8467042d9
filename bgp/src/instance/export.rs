//! What one peer is sent for one route, and what import keeps (pure functions).

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::LocalRoute;
use crate::packet::{AsPath, AttrInterner, Attrs, NextHop as WireNextHop, Origin};
use crate::policy::{
    Chain, NextHop, PolicyRoute, Protocol, RouteType, BGP_PREFERENCE, MASTER_INSTANCE,
};
use crate::rib::PeerInfo;

/// LOCAL_PREF when none is known (RFC 4271 §5.1.5 leaves it local; Junos uses 100).
pub(super) const DEFAULT_LOCAL_PREF: u32 = 100;

/// One side of a decision: who the peer is and, for export, the session's local address.
#[derive(Debug, Clone, Copy)]
pub(super) struct Side<'a> {
    pub info: &'a PeerInfo,
    pub local_address: Option<IpAddr>,
    pub chain: &'a Chain,
    pub advertise_peer_as: bool,
    /// The neighbor's `preference` (import; 170 when not configured).
    pub preference: u32,
}

fn route_type(info: &PeerInfo) -> RouteType {
    if info.internal {
        RouteType::Internal
    } else {
        RouteType::External
    }
}

/// Import of one received route: hidden when the AS path holds the local AS (a loop), else
/// what the neighbor's import chain returns, with the route preference it set (`then
/// preference`) or the neighbor's. `None`: hidden.
pub(super) fn import(
    prefix: &IpNet,
    attrs: &Arc<Attrs>,
    from: &Side<'_>,
    instance: &str,
    interner: &mut AttrInterner,
) -> Option<Arc<Attrs>> {
    if attrs
        .as_path
        .as_ref()
        .is_some_and(|p| p.contains(from.info.local_as))
    {
        return None;
    }
    let route = PolicyRoute {
        neighbor: Some(from.info.address),
        instance: instance_name(instance),
        route_type: Some(route_type(from.info)),
        ..PolicyRoute::new(*prefix, Protocol::Bgp, attrs)
    };
    let out = from.chain.evaluate(&route);
    if !out.accepted() {
        return None;
    }
    let preference = out.changes.preference.unwrap_or(from.preference);
    let preference = (preference != BGP_PREFERENCE).then_some(preference);
    if out.attrs_changed(attrs) || preference != attrs.preference {
        let mut accepted = (*out.attrs).clone();
        accepted.preference = preference;
        Some(interner.intern(accepted))
    } else {
        Some(attrs.clone())
    }
}

fn instance_name(name: &str) -> &str {
    if name.is_empty() {
        MASTER_INSTANCE
    } else {
        name
    }
}

/// The attributes `to` is sent for the active route (`attrs`, learned from `from`), or `None`
/// when it is not advertised to that peer.
pub(super) fn export(
    prefix: &IpNet,
    attrs: &Arc<Attrs>,
    from: &PeerInfo,
    to: &Side<'_>,
    instance: &str,
    interner: &mut AttrInterner,
) -> Option<Arc<Attrs>> {
    let peer = to.info;
    // Never back to the peer it came from; internal to internal only through a route
    // reflector (not configured here); not into the AS it came from (Junos default).
    if from.address == peer.address || (from.internal && peer.internal) {
        return None;
    }
    let neighbor_as = attrs.as_path.as_ref().and_then(|p| p.first_as());
    if !peer.internal && !to.advertise_peer_as && neighbor_as == Some(peer.peer_as) {
        return None;
    }
    let route = PolicyRoute {
        neighbor: Some(from.address),
        instance: instance_name(instance),
        route_type: Some(route_type(from)),
        ..PolicyRoute::new(*prefix, Protocol::Bgp, attrs)
    };
    let out = to.chain.evaluate(&route);
    if !out.accepted() {
        return None;
    }
    outgoing(&out, attrs, to, Learned::Bgp, interner)
}

/// Where an exported route's attributes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Learned {
    /// A BGP path: towards internal peers the next hop is kept.
    Bgp,
    /// Another protocol's route, originated here: the next hop is always the session's local
    /// address, and its metric (MED) goes to external peers too.
    Local,
}

/// The attributes sent after the export chain accepted the route (`out`) whose attributes
/// were `before`: AS prepended, next-hop self, LOCAL_PREF and MED dropped towards external
/// peers unless policy set them; LOCAL_PREF 100 towards internal ones unless set; then the
/// chain's `next-hop` action. `None` when there is no next hop to send.
fn outgoing(
    out: &crate::policy::Outcome,
    before: &Attrs,
    to: &Side<'_>,
    learned: Learned,
    interner: &mut AttrInterner,
) -> Option<Arc<Attrs>> {
    let peer = to.info;
    let keep_med = out.attrs.med != before.med || learned == Learned::Local;
    let policy_set_lp = out.attrs.local_pref != before.local_pref;
    let mut a: Attrs = (*out.attrs).clone();
    // The route preference stays here: it is not sent.
    a.preference = None;
    let local = to.local_address;
    if peer.internal {
        a.local_pref = Some(a.local_pref.unwrap_or(DEFAULT_LOCAL_PREF));
        if learned == Learned::Local {
            a.next_hop = local.map(next_hop_of);
        }
    } else {
        let mut path = a.as_path.take().unwrap_or_default();
        path.prepend(peer.local_as);
        a.as_path = Some(path);
        // Next hop self towards external peers.
        a.next_hop = local.map(next_hop_of);
        if !policy_set_lp {
            a.local_pref = None;
        }
        if !keep_med {
            a.med = None;
        }
        a.originator_id = None;
        a.cluster_list.clear();
    }
    match out.changes.next_hop {
        Some(NextHop::SelfAddress) => a.next_hop = local.map(next_hop_of),
        Some(NextHop::Address(addr)) => a.next_hop = Some(next_hop_of(addr)),
        // peer-address, discard and reject are import-side directives.
        _ => {}
    }
    a.next_hop.as_ref()?;
    Some(interner.intern(a))
}

/// The attributes `to` is sent for `route`, the active route of `prefix` from another
/// protocol (static, direct, local), or `None` when the export chain does not accept it (the
/// default chain accepts BGP routes only). Origin IGP, an empty AS path (the local AS is
/// prepended towards external peers), the route's metric as MED, next-hop self.
pub(super) fn export_local(
    prefix: &IpNet,
    route: &LocalRoute,
    to: &Side<'_>,
    instance: &str,
    interner: &mut AttrInterner,
) -> Option<Arc<Attrs>> {
    let attrs = Arc::new(Attrs {
        origin: Some(Origin::Igp),
        as_path: Some(AsPath::default()),
        med: route.metric,
        ..Attrs::default()
    });
    let interfaces: Vec<&str> = route.interfaces.iter().map(String::as_str).collect();
    let policy_route = PolicyRoute {
        instance: instance_name(instance),
        interfaces: &interfaces,
        next_hops: &route.next_hops,
        tag: route.tag,
        preference: route.preference,
        metric: route.metric,
        ..PolicyRoute::new(*prefix, route.protocol, &attrs)
    };
    let out = to.chain.evaluate(&policy_route);
    if !out.accepted() {
        return None;
    }
    outgoing(&out, &attrs, to, Learned::Local, interner)
}

fn next_hop_of(addr: IpAddr) -> WireNextHop {
    match addr {
        IpAddr::V4(v4) => WireNextHop::V4(v4),
        IpAddr::V6(v6) => WireNextHop::V6 {
            global: v6,
            link_local: None,
        },
    }
}

/// The forwarding next hop of a received path.
pub(super) fn forwarding_next_hop(attrs: &Attrs) -> Option<IpAddr> {
    match attrs.next_hop? {
        WireNextHop::V4(a) => Some(IpAddr::V4(a)),
        WireNextHop::V6 { global, .. } => Some(IpAddr::V6(global)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{AsPath, Origin};
    use crate::policy::DefaultPolicy;

    fn info(addr: &str, peer_as: u32, internal: bool) -> PeerInfo {
        PeerInfo {
            address: addr.parse().unwrap(),
            router_id: "10.255.0.1".parse().unwrap(),
            peer_as,
            local_as: 65000,
            internal,
        }
    }

    fn learned(path: &[u32]) -> Arc<Attrs> {
        Arc::new(Attrs {
            origin: Some(Origin::Igp),
            as_path: Some(AsPath::from_sequence(path.iter().copied())),
            next_hop: Some(WireNextHop::V4("10.0.0.14".parse().unwrap())),
            med: Some(10),
            local_pref: Some(100),
            ..Attrs::default()
        })
    }

    /// The seed: Azure's 10.6.0.0/16 goes to AWS with AS path `65000 12076`, next hop self.
    #[test]
    fn ebgp_to_ebgp_prepends_and_sets_next_hop_self() {
        let chain = Chain::default_only(DefaultPolicy::BGP_EXPORT);
        let aws = info("10.0.0.1", 64512, false);
        let azure = info("10.0.0.14", 12076, false);
        let to = Side {
            info: &aws,
            local_address: Some("10.0.0.0".parse().unwrap()),
            chain: &chain,
            advertise_peer_as: false,
            preference: BGP_PREFERENCE,
        };
        let mut i = AttrInterner::new();
        let prefix: IpNet = "10.6.0.0/16".parse().unwrap();
        let out = export(&prefix, &learned(&[12076]), &azure, &to, "CUST", &mut i).unwrap();
        assert_eq!(
            out.as_path.as_ref().unwrap().segments[0].asns,
            vec![65000, 12076]
        );
        assert_eq!(
            out.next_hop,
            Some(WireNextHop::V4("10.0.0.0".parse().unwrap()))
        );
        assert_eq!((out.med, out.local_pref), (None, None));
        // Not back to Azure itself, nor to another peer in AS 12076.
        let back = Side { info: &azure, ..to };
        assert!(export(&prefix, &learned(&[12076]), &azure, &back, "CUST", &mut i).is_none());
        let other = info("10.0.0.18", 12076, false);
        let same_as = Side { info: &other, ..to };
        assert!(export(
            &prefix,
            &learned(&[12076]),
            &azure,
            &same_as,
            "CUST",
            &mut i
        )
        .is_none());
        // advertise-peer-as: it may.
        let allowed = Side {
            advertise_peer_as: true,
            preference: BGP_PREFERENCE,
            ..same_as
        };
        assert!(export(
            &prefix,
            &learned(&[12076]),
            &azure,
            &allowed,
            "CUST",
            &mut i
        )
        .is_some());
    }

    /// An advertised subnet: origin IGP, only the local AS in the path, next-hop self; not
    /// taken by the default chain (BGP routes only).
    #[test]
    fn a_static_goes_out_only_through_a_policy() {
        let aws = info("10.0.0.1", 64512, false);
        let default = Chain::default_only(DefaultPolicy::BGP_EXPORT);
        let to = Side {
            info: &aws,
            local_address: Some("10.0.0.0".parse().unwrap()),
            chain: &default,
            advertise_peer_as: false,
            preference: BGP_PREFERENCE,
        };
        let route = LocalRoute {
            protocol: crate::policy::Protocol::Static,
            preference: 5,
            metric: Some(20),
            tag: None,
            next_hops: vec![],
            interfaces: vec![],
        };
        let p: IpNet = "192.168.10.0/24".parse().unwrap();
        let mut i = AttrInterner::new();
        assert!(export_local(&p, &route, &to, "CUST", &mut i).is_none());
        let all = Chain::default_only(DefaultPolicy::Accept);
        let to = Side { chain: &all, ..to };
        let a = export_local(&p, &route, &to, "CUST", &mut i).expect("accepted");
        assert_eq!(a.origin, Some(Origin::Igp));
        assert_eq!(a.as_path.as_ref().unwrap().segments[0].asns, vec![65000]);
        assert_eq!(
            a.next_hop,
            Some(WireNextHop::V4("10.0.0.0".parse().unwrap()))
        );
        assert_eq!(a.med, Some(20), "the route's metric goes out as MED");
    }

    #[test]
    fn a_path_with_the_local_as_is_hidden() {
        let chain = Chain::default_only(DefaultPolicy::BGP_IMPORT);
        let aws = info("10.0.0.1", 64512, false);
        let from = Side {
            info: &aws,
            local_address: None,
            chain: &chain,
            advertise_peer_as: false,
            preference: BGP_PREFERENCE,
        };
        let mut i = AttrInterner::new();
        let p: IpNet = "172.31.0.0/16".parse().unwrap();
        assert!(import(&p, &learned(&[64512]), &from, "CUST", &mut i).is_some());
        assert!(import(&p, &learned(&[64512, 65000]), &from, "CUST", &mut i).is_none());
    }

    /// The route preference import gives a path: the policy's `then preference`, else the
    /// neighbor's `preference`; 170 is kept as `None`, and nothing of it is sent.
    #[test]
    fn import_sets_the_route_preference_and_export_drops_it() {
        let text = "policy-options { policy-statement pref {
            term t { from { route-filter 10.6.0.0/16 exact; } then { preference 160; } } } }";
        let tree = lsys_grammar::text::curly::read(text, lsys_grammar::schema::ROOT).unwrap();
        let options = lsys_grammar::typed::intent(&tree)
            .unwrap()
            .root
            .policy_options;
        let policies = crate::policy::Policies::compile(&options).unwrap();
        let chain = policies
            .chain(&["pref"], DefaultPolicy::BGP_IMPORT)
            .unwrap();
        let azure = info("10.0.0.14", 12076, false);
        let mut side = Side {
            info: &azure,
            local_address: None,
            chain: &chain,
            advertise_peer_as: false,
            preference: BGP_PREFERENCE,
        };
        let mut i = AttrInterner::new();
        let (vnet, other): (IpNet, IpNet) = (
            "10.6.0.0/16".parse().unwrap(),
            "10.7.0.0/16".parse().unwrap(),
        );
        let got = import(&vnet, &learned(&[12076]), &side, "CUST", &mut i).unwrap();
        assert_eq!(got.preference, Some(160));
        let default = learned(&[12076]);
        let got = import(&other, &default, &side, "CUST", &mut i).unwrap();
        assert_eq!(got.preference, None);
        assert!(
            Arc::ptr_eq(&got, &default),
            "an unchanged path is not copied"
        );
        side.preference = 150;
        let got = import(&other, &default, &side, "CUST", &mut i).unwrap();
        assert_eq!(got.preference, Some(150));
        let got = import(&vnet, &default, &side, "CUST", &mut i).unwrap();
        assert_eq!(
            got.preference,
            Some(160),
            "the policy's wins over the neighbor's"
        );

        // Exported, the path carries no preference (it is not an attribute on the wire).
        let aws = info("10.0.0.1", 64512, false);
        let export_chain = Chain::default_only(DefaultPolicy::BGP_EXPORT);
        let to = Side {
            info: &aws,
            local_address: Some("10.0.0.0".parse().unwrap()),
            chain: &export_chain,
            advertise_peer_as: false,
            preference: BGP_PREFERENCE,
        };
        let out = export(&vnet, &got, &azure, &to, "CUST", &mut i).unwrap();
        assert_eq!(out.preference, None);
    }
}
