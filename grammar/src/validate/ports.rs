//! A tenant uses only the ports the operator gave it. Inside a logical system an interface
//! other than `irb` is available when the operator configured it: at the root (`interfaces
//! NAME`), or with an operator-only statement inside that logical system (`description`, `mtu`,
//! `flexible-vlan-tagging` on the interface, `vlan-id`, `vlan-tags`, `encapsulation` on a unit —
//! whatever the schema marks `@operator`).
//!
//! Why: lsysd programs the devices a committed configuration names, so without this check a
//! tenant's `set interfaces ifb0 unit 0 family inet address ...` brought the host's `ifb0` up.
//! The message names only the tenant's own statement, nothing about the root.
//!
//! Junos port names (`ge-0/0/1`) reach a Linux device only through the root's `linux-name`
//! ([`crate::typed::PortMap`]): [`check_root`] makes every such name mapped, each device
//! claimed once, and keeps `linux-name` at the root; [`check`] refuses a logical system's
//! port that has no device.

use std::collections::HashSet;

use super::{error, ls_prefix, CheckError};
use crate::schema::Schema;
use crate::tree::Node;
use crate::types::{is_junos_port, quote};

/// The `linux-name` statement.
const LINUX_NAME: &str = "linux-name";

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
        if let Some(l) = i.get(LINUX_NAME).filter(|l| !l.inactive) {
            let mut path = ls_prefix(name);
            path.extend(["interfaces".into(), quote(port)]);
            let message =
                format!("{LINUX_NAME} is set at the root: interfaces {port} {LINUX_NAME}");
            errs.push(error(
                path,
                format!(
                    "{LINUX_NAME} {}",
                    l.values.first().map_or("", String::as_str)
                ),
                message,
            ));
        }
        let unmapped = is_junos_port(port) && !mapped(root, port);
        if port == IRB || (operator_marked(i) && !unmapped) {
            continue;
        }
        let unmapped = is_junos_port(port) && !mapped(root, port);
        if ports.get_or_insert_with(|| root_ports(root)).contains(port) && !unmapped {
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

/// Whether the root maps Junos port `port` to a Linux device.
fn mapped(root: &Node, port: &str) -> bool {
    interfaces(root)
        .and_then(|ifs| active(ifs).find(|i| i.key.as_deref() == Some(port)))
        .is_some_and(|i| i.get(LINUX_NAME).is_some_and(|l| !l.inactive))
}

/// The root's port map: every Junos port name has a `linux-name`; no Linux device is the
/// device of two interfaces (two `linux-name`s, or one and an interface of that name, here or
/// in a logical system); `irb` is no port's device.
pub(super) fn check_root(root: &Node, errs: &mut Vec<CheckError>) {
    let Some(ifs) = interfaces(root) else {
        return;
    };
    let path = vec!["interfaces".to_string()];
    let mut claimed: Vec<(&str, &str)> = Vec::new();
    for i in active(ifs) {
        let port = i.key.as_deref().unwrap_or_default();
        match i.get(LINUX_NAME).filter(|l| !l.inactive) {
            None if is_junos_port(port) => errs.push(error(
                path.clone(),
                quote(port),
                format!(
                    "interface {port} has no {LINUX_NAME}: name the Linux device that carries \
                     it (set interfaces {port} {LINUX_NAME} DEVICE)"
                ),
            )),
            None => {}
            Some(l) => claimed.push((l.values.first().map_or("", String::as_str), port)),
        }
    }
    let mut names: HashSet<&str> = active(ifs).filter_map(|i| i.key.as_deref()).collect();
    if let Some(lss) = root.get("logical-systems").filter(|n| !n.inactive) {
        for ls in active(lss) {
            names.extend(
                interfaces(ls)
                    .into_iter()
                    .flat_map(active)
                    .filter_map(|i| i.key.as_deref()),
            );
        }
    }
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (dev, port) in claimed {
        let mut at = path.clone();
        at.push(quote(port));
        let statement = format!("{LINUX_NAME} {dev}");
        let message = if dev == IRB {
            Some(format!("{IRB} is not a port"))
        } else if let Some((_, first)) = seen.iter().find(|(d, _)| *d == dev) {
            Some(format!("device {dev} already carries interface {first}"))
        } else if dev != port && names.contains(dev) {
            Some(format!(
                "device {dev} is also configured as interface {dev}"
            ))
        } else {
            None
        };
        if let Some(message) = message {
            errs.push(error(at, statement, message));
        }
        seen.push((dev, port));
    }
}
