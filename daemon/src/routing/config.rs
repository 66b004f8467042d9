//! From the typed intent to the RIB's table configurations.
//!
//! Table keys are the instance keys the link dataplane allocates kernel tables under:
//! `""` for the root's master instance (the kernel main table), `/NAME` for a root routing
//! instance, `LS/master` and `LS/NAME` for a logical system's. A key without an allocated
//! table (a logical system's master instance that holds no interface has no VRF) gets kernel
//! table 0: its routes stay in the RIB and are marked as not installed.
//!
//! An interface next hop (`next-hop irb.300`, `qualified-next-hop ge-0/0/1.100`) reaches the
//! RIB as the Linux device of that unit (the root's `linux-name` maps Junos port names:
//! `ge-0/0/1.100` is `eth1.100`), since the RIB matches it against the kernel's links; a
//! commit check keeps it to a unit of the route's own instance.

use std::collections::BTreeMap;

use lsys_fib::{NextHop, StaticConfig, StaticTarget, TableConfig, TableKey};
use lsys_grammar::typed::{
    exports_load_balance, AddressOrInterface, Intent, PolicyOptions, PortMap, RoutingOptions,
    Scope, StaticAction,
};

/// The kernel's main table: the root's master instance.
pub const MAIN_TABLE: u32 = 254;

/// Destinations from static and BGP routes a logical system's table may hold when the
/// operator set no `maximum-prefixes`: every tenant's RIB and kernel tables are bounded.
pub const DEFAULT_TENANT_MAX_PREFIXES: u32 = 100_000;

/// The key of the root's master instance.
pub const MAIN_KEY: &str = "";

/// Every table the intent configures, keyed as above.
pub fn tables(
    intent: &Intent,
    allocated: &BTreeMap<String, u32>,
) -> BTreeMap<TableKey, TableConfig> {
    let mut out = BTreeMap::new();
    let ports = PortMap::of(intent);
    scope_tables(&mut out, None, &intent.root, allocated, &ports);
    for (ls, scope) in &intent.logical_systems {
        scope_tables(&mut out, Some(ls), scope, allocated, &ports);
    }
    out
}

fn scope_tables(
    out: &mut BTreeMap<TableKey, TableConfig>,
    ls: Option<&str>,
    scope: &Scope,
    allocated: &BTreeMap<String, u32>,
    ports: &PortMap,
) {
    let master_key = match ls {
        None => MAIN_KEY.to_string(),
        Some(ls) => format!("{ls}/master"),
    };
    let master_table = match ls {
        None => MAIN_TABLE,
        Some(_) => allocated.get(&master_key).copied().unwrap_or(0),
    };
    let master_limit = scope
        .routing_options
        .maximum_prefixes
        .or(ls.map(|_| DEFAULT_TENANT_MAX_PREFIXES));
    out.insert(
        master_key,
        table(
            String::new(),
            master_table,
            &scope.routing_options,
            &scope.policy_options,
            None,
            ports,
        ),
    );
    for ri in &scope.routing_instances {
        let key = format!("{}/{}", ls.unwrap_or(""), ri.name);
        let kernel_table = allocated.get(&key).copied().unwrap_or(0);
        out.insert(
            key,
            table(
                ri.name.clone(),
                kernel_table,
                &ri.routing_options,
                &scope.policy_options,
                master_limit,
                ports,
            ),
        );
    }
}

/// One table. An instance without its own `maximum-prefixes` takes its logical system's (a
/// logical system without one: [`DEFAULT_TENANT_MAX_PREFIXES`]; the root's tables: none).
fn table(
    name: String,
    kernel_table: u32,
    ro: &RoutingOptions,
    policies: &PolicyOptions,
    inherited_limit: Option<u32>,
    ports: &PortMap,
) -> TableConfig {
    TableConfig {
        name,
        kernel_table,
        statics: ro
            .static_routes
            .iter()
            .map(|r| static_config(r, ports))
            .collect(),
        multipath: exports_load_balance(policies, &ro.forwarding_export),
        max_prefixes: ro.maximum_prefixes.or(inherited_limit),
    }
}

/// `next-table` is refused at commit (not supported yet): a committed route never has one.
fn static_config(r: &lsys_grammar::typed::StaticRoute, ports: &PortMap) -> StaticConfig {
    let hop = |h: &AddressOrInterface| match h {
        AddressOrInterface::Address(a) => NextHop::Address(*a),
        AddressOrInterface::Interface(u) => {
            NextHop::Interface(ports.device(&u.to_string()).into_owned())
        }
    };
    StaticConfig {
        prefix: r.prefix,
        preference: r.preference,
        target: match &r.action {
            Some(StaticAction::NextHop(hops)) => {
                StaticTarget::NextHops(hops.iter().map(hop).collect())
            }
            Some(StaticAction::Discard) => StaticTarget::Discard,
            Some(StaticAction::Reject) => StaticTarget::Reject,
            Some(StaticAction::NextTable(_)) | None => StaticTarget::None,
        },
        qualified: r
            .qualified_next_hops
            .iter()
            .map(|q| (hop(&q.next_hop), q.preference))
            .collect(),
    }
}

/// The changes that take `old` to `new`: `(key, None)` removes a table.
pub fn diff(
    old: &BTreeMap<TableKey, TableConfig>,
    new: &BTreeMap<TableKey, TableConfig>,
) -> Vec<(TableKey, Option<TableConfig>)> {
    let mut out: Vec<(TableKey, Option<TableConfig>)> = new
        .iter()
        .filter(|(k, c)| old.get(*k) != Some(c))
        .map(|(k, c)| (k.clone(), Some(c.clone())))
        .collect();
    out.extend(
        old.keys()
            .filter(|k| !new.contains_key(*k))
            .map(|k| (k.clone(), None)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsys_grammar::schema::ROOT;
    use lsys_grammar::text::curly;

    /// Interface next hops reach the RIB as Linux devices: an irb unit as itself, a Junos
    /// port's unit through the root's `linux-name`.
    #[test]
    fn interface_next_hops_are_linux_devices() {
        let tree = curly::read(
            "interfaces { ge-0/0/1 { linux-name eth1; unit 100 { vlan-id 100; } } \
             irb { unit 300 { family inet { address 10.30.0.1/24; } } } }
             routing-options { static { route 10.9.0.0/16 { next-hop [ irb.300 10.30.0.9 ]; \
             qualified-next-hop ge-0/0/1.100 { preference 7; } } } }",
            ROOT,
        )
        .unwrap();
        let intent = lsys_grammar::typed::intent(&tree).unwrap();
        let t = tables(&intent, &BTreeMap::new());
        let s = &t[MAIN_KEY].statics[0];
        assert_eq!(
            s.target,
            StaticTarget::NextHops(vec![
                NextHop::Interface("irb.300".into()),
                NextHop::Address("10.30.0.9".parse().unwrap()),
            ])
        );
        assert_eq!(
            s.qualified,
            [(NextHop::Interface("eth1.100".into()), Some(7))]
        );
    }
}
