//! From the typed intent to the RIB's table configurations.
//!
//! Table keys are the instance keys the link dataplane allocates kernel tables under:
//! `""` for the root's master instance (the kernel main table), `/NAME` for a root routing
//! instance, `LS/master` and `LS/NAME` for a logical system's. A key without an allocated
//! table (a logical system's master instance that holds no interface has no VRF) gets kernel
//! table 0: its routes stay in the RIB and are marked as not installed.

use std::collections::BTreeMap;

use lsys_fib::{StaticConfig, StaticTarget, TableConfig, TableKey};
use lsys_grammar::typed::{
    exports_load_balance, Intent, PolicyOptions, RoutingOptions, Scope, StaticAction,
};

/// The kernel's main table: the root's master instance.
pub const MAIN_TABLE: u32 = 254;

/// Destinations from static (and later BGP) routes a logical system's table may hold when the
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
    scope_tables(&mut out, None, &intent.root, allocated);
    for (ls, scope) in &intent.logical_systems {
        scope_tables(&mut out, Some(ls), scope, allocated);
    }
    out
}

fn scope_tables(
    out: &mut BTreeMap<TableKey, TableConfig>,
    ls: Option<&str>,
    scope: &Scope,
    allocated: &BTreeMap<String, u32>,
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
) -> TableConfig {
    TableConfig {
        name,
        kernel_table,
        statics: ro.static_routes.iter().map(static_config).collect(),
        multipath: exports_load_balance(policies, &ro.forwarding_export),
        max_prefixes: ro.maximum_prefixes.or(inherited_limit),
    }
}

/// Interface next hops and `next-table` are refused at commit (not supported yet), so a
/// committed route has only address next hops; anything else is left out here.
fn static_config(r: &lsys_grammar::typed::StaticRoute) -> StaticConfig {
    StaticConfig {
        prefix: r.prefix,
        preference: r.preference,
        target: match &r.action {
            Some(StaticAction::NextHop(hops)) => {
                StaticTarget::NextHops(hops.iter().filter_map(|h| h.address()).collect())
            }
            Some(StaticAction::Discard) => StaticTarget::Discard,
            Some(StaticAction::Reject) => StaticTarget::Reject,
            Some(StaticAction::NextTable(_)) | None => StaticTarget::None,
        },
        qualified: r
            .qualified_next_hops
            .iter()
            .filter_map(|q| Some((q.next_hop.address()?, q.preference)))
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
