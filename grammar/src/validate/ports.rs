//! A tenant uses only the ports the operator gave it. Inside a logical system an interface
//! other than `irb` is available when the operator configured it: at the root (`interfaces
//! NAME`), or with an operator-only statement inside that logical system (`description`, `mtu`,
//! `flexible-vlan-tagging` on the interface, `vlan-id`, `vlan-tags`, `encapsulation` on a unit —
//! whatever the schema marks `@operator`).
//!
//! Why: lsysd programs the devices a committed configuration names, so without this check a
//! tenant's `set interfaces ifb0 unit 0 family inet address ...` brought the host's `ifb0` up.
//! The message names only the tenant's own statement, nothing about the root.

use std::collections::HashSet;

use super::{error, ls_prefix, CheckError};
use crate::schema::Schema;
use crate::tree::Node;
use crate::types::quote;

/// The interface every logical system has (its units are the tenant's own).
const IRB: &str = "irb";

fn active(n: &Node) -> impl Iterator<Item = &Node> {
    n.children.iter().filter(|c| !c.inactive)
}

/// The active `interfaces` container of a scope.
fn interfaces(scope: &Node) -> Option<&Node> {
    scope.get("interfaces").filter(|n| !n.inactive)
}

/// True when an active operator-only statement sits below `n`.
fn operator_marked(n: &Node) -> bool {
    let schema = Schema::get();
    active(n).any(|c| schema.node(c.schema).operator_only || operator_marked(c))
}

/// Interfaces configured (and active) at the root.
fn root_ports(root: &Node) -> HashSet<&str> {
    interfaces(root)
        .into_iter()
        .flat_map(active)
        .filter_map(|i| i.key.as_deref())
        .collect()
}

/// Reports the interfaces of logical system `name` (`ls`) that the operator did not configure.
pub(super) fn check(root: &Node, name: &str, ls: &Node, errs: &mut Vec<CheckError>) {
    let Some(ifs) = interfaces(ls) else {
        return;
    };
    let mut ports = None;
    for i in active(ifs) {
        let port = i.key.as_deref().unwrap_or_default();
        if port == IRB || operator_marked(i) {
            continue;
        }
        if ports.get_or_insert_with(|| root_ports(root)).contains(port) {
            continue;
        }
        let message = format!("interface {port} is not available in this logical system");
        let mut path = ls_prefix(name);
        path.push("interfaces".into());
        let unit_id = Schema::get().child_by_word(i.schema, "unit");
        let units: Vec<&Node> = active(i).filter(|u| Some(u.schema) == unit_id).collect();
        if units.is_empty() {
            errs.push(error(path, quote(port), message));
            continue;
        }
        path.push(quote(port));
        for u in units {
            let unit = u.key.as_deref().unwrap_or_default();
            errs.push(error(path.clone(), format!("unit {unit}"), message.clone()));
        }
    }
}
