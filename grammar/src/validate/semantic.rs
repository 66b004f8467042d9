//! Checks on the typed view of one scope: routing instances, bridge domains, BGP and interface
//! addresses. Each routing instance, and the master instance (interfaces not assigned to any
//! routing instance, the scope's own BGP), is checked on its own.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::{at, error, CheckError};
use crate::typed::{
    AuthenticationAlgorithm, Bgp, InstanceType, PeerType, PolicyOptions, RoutingInstance, Scope,
    Unit, UnitRef,
};
use crate::types::quote;

pub(super) fn check(scope: &Scope, prefix: &[String], errs: &mut Vec<CheckError>) {
    let units: HashMap<(&str, u32), &Unit> = scope
        .interfaces
        .iter()
        .flat_map(|i| {
            i.units
                .iter()
                .map(move |u| ((i.name.as_str(), u.number), u))
        })
        .collect();
    instance_membership(scope, prefix, errs);
    routing_interfaces(scope, prefix, errs);
    bridge_domain_vlans(scope, prefix, errs);

    // The master instance.
    let assigned: HashSet<&UnitRef> = scope
        .routing_instances
        .iter()
        .flat_map(|ri| ri.interfaces.iter())
        .collect();
    let master: Vec<UnitRef> = scope
        .interfaces
        .iter()
        .flat_map(|i| {
            i.units.iter().map(|u| UnitRef {
                interface: i.name.clone(),
                unit: u.number,
            })
        })
        .filter(|r| !assigned.contains(r))
        .collect();
    let master = Instance {
        path: prefix.to_vec(),
        interfaces: &master,
        autonomous_system: scope.routing_options.autonomous_system,
        bgp: &scope.bgp,
        policies: &scope.policy_options,
    };
    master.check(&units, prefix, errs);

    for ri in &scope.routing_instances {
        let path = at(prefix, &["routing-instances", &quote(&ri.name)]);
        instance_type(ri, &path, prefix, errs);
        let inst = Instance {
            path,
            interfaces: &ri.interfaces,
            autonomous_system: ri
                .routing_options
                .autonomous_system
                .or(scope.routing_options.autonomous_system),
            bgp: &ri.bgp,
            policies: &scope.policy_options,
        };
        inst.check(&units, prefix, errs);
    }
}

/// Only vrf and virtual-router instances are realized; a vrf needs a route distinguisher and
/// targets (or policies) for both directions.
fn instance_type(
    ri: &RoutingInstance,
    path: &[String],
    prefix: &[String],
    errs: &mut Vec<CheckError>,
) {
    match ri.instance_type {
        None | Some(InstanceType::VirtualRouter) => {}
        Some(InstanceType::Vrf) => {
            let both = ri.vrf_target.is_some() || ri.vrf_target_auto;
            let import = both || ri.vrf_target_import.is_some() || !ri.vrf_import.is_empty();
            let export = both || ri.vrf_target_export.is_some() || !ri.vrf_export.is_empty();
            let mut missing = Vec::new();
            if ri.route_distinguisher.is_none() {
                missing.push("'route-distinguisher'");
            }
            match (import, export) {
                (false, false) => missing.push("'vrf-target'"),
                (false, true) => missing.push("'vrf-target import' or 'vrf-import'"),
                (true, false) => missing.push("'vrf-target export' or 'vrf-export'"),
                (true, true) => {}
            }
            for word in missing {
                errs.push(error(
                    at(prefix, &["routing-instances"]),
                    quote(&ri.name),
                    format!("Missing mandatory statement: {word} (instance-type vrf)"),
                ));
            }
        }
        Some(other) => errs.push(error(
            path.to_vec(),
            format!("instance-type {}", other.word()),
            format!("instance-type {} is not supported yet", other.word()),
        )),
    }
}

/// `vlan-id all` (one domain per VLAN) is not realized.
fn bridge_domain_vlans(scope: &Scope, prefix: &[String], errs: &mut Vec<CheckError>) {
    for bd in scope.bridge_domains.iter().filter(|bd| bd.vlan_id_all) {
        errs.push(error(
            at(prefix, &["bridge-domains", &quote(&bd.name)]),
            "vlan-id all",
            "vlan-id all is not supported yet",
        ));
    }
}

/// An interface belongs to at most one routing instance.
fn instance_membership(scope: &Scope, prefix: &[String], errs: &mut Vec<CheckError>) {
    let mut owners: HashMap<&UnitRef, Vec<&str>> = HashMap::new();
    for ri in &scope.routing_instances {
        for i in &ri.interfaces {
            owners.entry(i).or_default().push(&ri.name);
        }
    }
    for ri in &scope.routing_instances {
        for i in &ri.interfaces {
            let others: Vec<&str> = owners[i]
                .iter()
                .copied()
                .filter(|o| *o != ri.name)
                .collect();
            if !others.is_empty() {
                errs.push(error(
                    at(prefix, &["routing-instances", &quote(&ri.name)]),
                    format!("interface {i}"),
                    format!(
                        "Interface {i} is also assigned to routing instance {}",
                        others.join(", ")
                    ),
                ));
            }
        }
    }
}

/// An irb unit is the routing-interface of at most one bridge domain.
fn routing_interfaces(scope: &Scope, prefix: &[String], errs: &mut Vec<CheckError>) {
    let mut owners: HashMap<&UnitRef, Vec<&str>> = HashMap::new();
    for bd in &scope.bridge_domains {
        if let Some(r) = &bd.routing_interface {
            owners.entry(r).or_default().push(&bd.name);
        }
    }
    for bd in &scope.bridge_domains {
        let Some(r) = &bd.routing_interface else {
            continue;
        };
        let others: Vec<&str> = owners[r]
            .iter()
            .copied()
            .filter(|o| *o != bd.name)
            .collect();
        if !others.is_empty() {
            errs.push(error(
                at(prefix, &["bridge-domains", &quote(&bd.name)]),
                format!("routing-interface {r}"),
                format!(
                    "{r} is also the routing-interface of bridge domain {}",
                    others.join(", ")
                ),
            ));
        }
    }
}

/// A routing instance (or the master instance) as the checks see it.
struct Instance<'a> {
    /// Edit path of the instance (the scope prefix for the master instance).
    path: Vec<String>,
    interfaces: &'a [UnitRef],
    autonomous_system: Option<u32>,
    bgp: &'a Bgp,
    /// The scope's policy-options (for what BGP import can do with a policy).
    policies: &'a PolicyOptions,
}

impl Instance<'_> {
    fn check(
        &self,
        units: &HashMap<(&str, u32), &Unit>,
        prefix: &[String],
        errs: &mut Vec<CheckError>,
    ) {
        // Addresses of the instance's interfaces, in configuration order.
        let mut addrs: Vec<(&UnitRef, IpNet)> = Vec::new();
        for r in self.interfaces {
            if let Some(u) = units.get(&(r.interface.as_str(), r.unit)) {
                addrs.extend(u.inet.iter().map(|a| (r, IpNet::V4(*a))));
                addrs.extend(u.inet6.iter().map(|a| (r, IpNet::V6(*a))));
            }
        }
        overlaps(&addrs, prefix, errs);
        self.check_bgp(&addrs, errs);
    }

    /// BGP as Junos checks it: `type` may be left out (a peer whose peer-as is the local AS is
    /// internal, any other external), an external peer needs peer-as, and only an external
    /// peer without multihop must sit on a connected subnet (internal sessions are multihop by
    /// nature). `autonomous-system` may be left out when every session has a local-as.
    fn check_bgp(&self, addrs: &[(&UnitRef, IpNet)], errs: &mut Vec<CheckError>) {
        if self.bgp.groups.is_empty() {
            return;
        }
        let protocols = at(&self.path, &["protocols"]);
        let local_as_everywhere = self.bgp.groups.iter().all(|g| {
            g.settings.local_as.is_some()
                || (!g.neighbors.is_empty()
                    && g.neighbors.iter().all(|n| n.settings.local_as.is_some()))
        });
        if self.autonomous_system.is_none() && !local_as_everywhere {
            errs.push(error(
                protocols.clone(),
                "bgp",
                "Missing mandatory statement: 'routing-options autonomous-system' (BGP is configured)",
            ));
        }
        let bgp = at(&protocols, &["bgp"]);
        for g in &self.bgp.groups {
            let name = quote(&g.name);
            let group = at(&bgp, &["group", &name]);
            for n in &g.neighbors {
                let s = &n.settings;
                let fail = |what: String| {
                    error(
                        group.clone(),
                        format!("neighbor {}", n.address),
                        format!("Error in neighbor {} of group {name}:\n{what}", n.address),
                    )
                };
                let kind = s.effective_type(self.autonomous_system);
                match (kind, s.peer_as) {
                    (PeerType::External, None) => {
                        errs.push(fail("external peer requires peer-as".into()));
                    }
                    (PeerType::Internal, Some(peer)) => {
                        if let Some(local) = s.local_as.or(self.autonomous_system) {
                            if peer != local {
                                errs.push(fail(format!(
                                    "internal peer has peer-as {peer}, not the local AS {local}"
                                )));
                            }
                        }
                    }
                    _ => {}
                }
                if let Some(alg) = s
                    .authentication_algorithm
                    .filter(|a| *a != AuthenticationAlgorithm::Md5)
                {
                    errs.push(fail(format!(
                        "authentication-algorithm {} is not supported yet",
                        alg.keyword()
                    )));
                }
                for what in s
                    .import
                    .iter()
                    .filter_map(|name| import_unsupported(self.policies, name))
                {
                    errs.push(fail(what));
                }
                if s.graceful_restart.is_some_and(|g| !g.disable) {
                    errs.push(fail(
                        "graceful-restart is not supported yet (graceful-restart disable is)"
                            .into(),
                    ));
                }
                let direct = kind == PeerType::External && s.multihop.is_none();
                if direct && !connected(addrs, n.address) {
                    errs.push(fail(
                        "peer is not on a directly connected subnet of this instance (configure multihop)"
                            .into(),
                    ));
                }
            }
        }
    }
}

/// What BGP import would silently ignore in policy `name`: its actions that change the route
/// outside the BGP attributes, other than `preference` (import applies that one).
fn import_unsupported(policies: &PolicyOptions, name: &str) -> Option<String> {
    let p = policies.policy_statements.iter().find(|p| p.name == name)?;
    let actions = p.terms.iter().map(|t| &t.then).chain([&p.then]);
    for a in actions {
        let what = match (&a.next_hop, a.tag) {
            (Some(_), _) => "then next-hop",
            (None, Some(_)) => "then tag",
            (None, None) => continue,
        };
        return Some(format!(
            "{what} in an import policy is not supported yet (policy-statement {name})"
        ));
    }
    None
}

fn connected(addrs: &[(&UnitRef, IpNet)], peer: IpAddr) -> bool {
    addrs.iter().any(|(_, a)| a.contains(&peer))
}

/// No two units of one instance have overlapping addresses; every overlapping address is
/// reported (naming the first address it overlaps).
fn overlaps(addrs: &[(&UnitRef, IpNet)], prefix: &[String], errs: &mut Vec<CheckError>) {
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, (ri, a)) in addrs.iter().enumerate() {
        for (j, (rj, b)) in addrs.iter().enumerate() {
            if i != j && ri != rj && (a.contains(&b.network()) || b.contains(&a.network())) {
                seen.entry(i).or_insert(j);
            }
        }
    }
    for (i, j) in seen {
        let (r, a) = addrs[i];
        let (other, b) = addrs[j];
        let family = if matches!(a, IpNet::V4(_)) {
            "inet"
        } else {
            "inet6"
        };
        errs.push(error(
            at(
                prefix,
                &[
                    "interfaces",
                    &quote(&r.interface),
                    "unit",
                    &r.unit.to_string(),
                    "family",
                    family,
                ],
            ),
            format!("address {a}"),
            format!("Address {a} overlaps with {b} of {other} in the same routing instance"),
        ));
    }
}
