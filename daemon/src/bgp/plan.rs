//! From the typed intent to one BGP speaker per instance that configures BGP.
//!
//! Keys are the instance keys of the routing tables (routing/config.rs): `""` the root's
//! master instance (main table, no VRF), `/NAME` a root routing instance, `LS/master` and
//! `LS/NAME` a logical system's. A speaker's sockets bind to its instance's VRF device
//! (`vrf<table>`, netlink::desired's name). Its AS is the instance's `autonomous-system`, else
//! its logical system's (Junos: a routing instance takes the master's); its router id likewise,
//! else the lowest IPv4 address of the instance's interfaces (Junos derives one from an
//! interface address too). A speaker that cannot run (no AS, no peer-as, no router id, a policy
//! that does not compile) refuses the commit with a message in the user's words.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use lsys_bgp::config::{self, InstanceConfig};
use lsys_bgp::policy::Policies;
use lsys_grammar::typed::{Intent, PolicyOptions, RoutingOptions, Scope};

use crate::routing::config::MAIN_KEY;

/// One speaker as the configuration asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The logical system (`None`: the root).
    pub ls: Option<String>,
    /// `master` or the routing instance's name (`Routing-Instance:` in show output).
    pub name: String,
    /// The instance's tables as show commands name them (IPv4, IPv6).
    pub tables: (String, String),
    pub config: InstanceConfig,
    pub policies: Arc<PolicyOptions>,
}

/// Every speaker of `intent`; `allocated` maps instance keys to kernel table ids.
pub fn plan(
    intent: &Intent,
    allocated: &BTreeMap<String, u32>,
    port: u16,
) -> Result<BTreeMap<String, Planned>, String> {
    let mut out = BTreeMap::new();
    scope(&mut out, None, &intent.root, allocated, port)?;
    for (ls, s) in &intent.logical_systems {
        scope(&mut out, Some(ls), s, allocated, port)?;
    }
    Ok(out)
}

fn scope(
    out: &mut BTreeMap<String, Planned>,
    ls: Option<&str>,
    s: &Scope,
    allocated: &BTreeMap<String, u32>,
    port: u16,
) -> Result<(), String> {
    let policies = Arc::new(s.policy_options.clone());
    let master_key = match ls {
        None => MAIN_KEY.to_string(),
        Some(ls) => format!("{ls}/master"),
    };
    let any = !s.bgp.groups.is_empty()
        || s.routing_instances
            .iter()
            .any(|ri| !ri.bgp.groups.is_empty());
    if !any {
        return Ok(());
    }
    Policies::compile(&policies).map_err(|e| format!("policy-options: {e}"))?;
    let master_ro = &s.routing_options;
    let scope_addrs = lowest_v4(s, None);
    if !s.bgp.groups.is_empty() {
        let device = match ls {
            None => None,
            Some(_) => allocated.get(&master_key).map(|t| format!("vrf{t}")),
        };
        let planned = speaker(
            ls,
            "master",
            ("inet.0".into(), "inet6.0".into()),
            &s.bgp,
            master_ro,
            None,
            scope_addrs,
            device,
            policies.clone(),
            port,
        )?;
        out.insert(master_key, planned);
    }
    for ri in &s.routing_instances {
        if ri.bgp.groups.is_empty() {
            continue;
        }
        let key = format!("{}/{}", ls.unwrap_or(""), ri.name);
        let device = allocated.get(&key).map(|t| format!("vrf{t}"));
        let tables = (
            format!("{}.inet.0", ri.name),
            format!("{}.inet6.0", ri.name),
        );
        let planned = speaker(
            ls,
            &ri.name,
            tables,
            &ri.bgp,
            &ri.routing_options,
            Some(master_ro),
            lowest_v4(s, Some(&ri.interfaces)).or(scope_addrs),
            device,
            policies.clone(),
            port,
        )?;
        out.insert(key, planned);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn speaker(
    ls: Option<&str>,
    name: &str,
    tables: (String, String),
    bgp: &lsys_grammar::typed::Bgp,
    ro: &RoutingOptions,
    master: Option<&RoutingOptions>,
    derived_id: Option<Ipv4Addr>,
    device: Option<String>,
    policies: Arc<PolicyOptions>,
    port: u16,
) -> Result<Planned, String> {
    let system_as = ro
        .autonomous_system
        .or(master.and_then(|m| m.autonomous_system));
    let router_id = ro
        .router_id
        .or(master.and_then(|m| m.router_id))
        .or(derived_id)
        .ok_or_else(|| {
            format!(
                "BGP in routing instance {name} needs a router-id (or an IPv4 interface address)"
            )
        })?;
    let config = config::instance(bgp, system_as, router_id, device.as_deref(), port)
        .map_err(|e| format!("BGP in routing instance {name}: {e}"))?;
    Ok(Planned {
        ls: ls.map(str::to_string),
        name: name.to_string(),
        tables,
        config,
        policies,
    })
}

/// The lowest IPv4 interface address of the scope (`units`: only these interface units).
fn lowest_v4(s: &Scope, units: Option<&[lsys_grammar::typed::UnitRef]>) -> Option<Ipv4Addr> {
    s.interfaces
        .iter()
        .flat_map(|i| i.units.iter().map(move |u| (i, u)))
        .filter(|(i, u)| {
            units.is_none_or(|us| {
                us.iter()
                    .any(|r| r.interface == i.name && r.unit == u.number)
            })
        })
        .flat_map(|(_, u)| u.inet.iter().map(|n| n.addr()))
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsys_grammar::schema::ROOT;
    use lsys_grammar::text::curly;

    const SEED: &str = include_str!("../../../grammar/tests/fixtures/seed.conf");

    #[test]
    fn the_seed_has_one_speaker_in_the_tenant_vrf() {
        let tree = curly::read(SEED, ROOT).unwrap();
        let intent = lsys_grammar::typed::intent(&tree).unwrap();
        let key = "l2/d87ed303-8b9d-48a5-9f08-aa42b4b50cd8";
        let allocated = BTreeMap::from([(key.to_string(), 1000)]);
        let p = plan(&intent, &allocated, config::PORT).unwrap();
        let s = &p[key];
        assert_eq!(s.ls.as_deref(), Some("l2"));
        assert_eq!(s.config.device.as_deref(), Some("vrf1000"));
        assert_eq!(s.config.local_as, 65000);
        assert_eq!(s.config.neighbors.len(), 2);
        assert_eq!(
            s.tables.0,
            "d87ed303-8b9d-48a5-9f08-aa42b4b50cd8.inet.0".to_string()
        );
        // No router-id configured: the lowest address of the instance's interfaces.
        assert_eq!(s.config.router_id, "10.0.0.0".parse::<Ipv4Addr>().unwrap());
    }
}
