//! What the kernel tells the RIB: the routes it holds (adoption at start or after a resync),
//! routes removed behind lsys's back, and the results of the ops lsys sent.
//!
//! The RIB keeps, per destination, the route it believes installed ([`Installed`]). Adoption
//! overwrites that belief with what the kernel holds and marks the prefixes dirty, so the next
//! `process()` sends exactly the difference — except for the BGP routes the speaker has not
//! given yet while a family awaits it (stale, kept: see `bgp.rs`).

use std::collections::BTreeSet;

use ipnet::IpNet;

use super::route::{Installed, Status};
use super::table::Table;
use crate::{Family, FibOp, FibRoute, Protocol};

/// Records `routes` (the lsys routes of this table's kernel table, one family) as installed,
/// and forgets what the RIB believed installed elsewhere in that family.
pub(super) fn adopt(table: &mut Table, family: Family, routes: Vec<FibRoute>) {
    let Table {
        ifaces,
        inet,
        inet6,
        ..
    } = table;
    let fam = if family == Family::Inet { inet } else { inet6 };
    let mut seen = BTreeSet::new();
    for r in routes {
        if Family::of(&r.prefix) != family || r.protocol.kernel_owned() {
            tracing::warn!(prefix = %r.prefix, protocol = %r.protocol, "kernel route not adoptable (family or protocol), ignored");
            continue;
        }
        let prefix = r.prefix.trunc();
        if !seen.insert(prefix) {
            tracing::warn!(%prefix, "kernel table holds several lsys routes for one prefix; the last one is adopted");
        }
        let mut installed = Installed::from_fib(&r, ifaces, Status::Installed);
        let awaited = r.protocol == Protocol::Bgp && !fam.bgp_synced;
        fam.dests.modify(prefix, |d| {
            if awaited && !d.has(Protocol::Bgp) {
                installed.status = Status::Stale;
            }
            d.installed = Some(installed);
        });
        fam.fib_errors.remove(&prefix);
        fam.dirty.insert(prefix);
    }
    let gone: Vec<IpNet> = fam
        .dests
        .map
        .iter()
        .filter(|(p, d)| d.installed.is_some() && !seen.contains(*p))
        .map(|(p, _)| *p)
        .collect();
    for p in gone {
        fam.dests.modify(p, |d| d.installed = None);
        fam.fib_errors.remove(&p);
        fam.dirty.insert(p);
    }
}

/// The kernel deleted `prefix` (an lsys protocol): if the RIB has it installed, it is not any
/// more, and the next `process()` sends it again.
pub(super) fn deleted(table: &mut Table, prefix: IpNet, protocol: Protocol) {
    let fam = table.family_mut(Family::of(&prefix));
    let wanted = fam
        .dests
        .map
        .get(&prefix)
        .and_then(|d| d.installed.as_ref())
        .is_some_and(|i| i.protocol == protocol);
    if wanted {
        tracing::info!(%prefix, %protocol, "route removed from the kernel behind lsys's back; sending it again");
        fam.dests.modify(prefix, |d| d.installed = None);
        fam.fib_errors.remove(&prefix);
        fam.dirty.insert(prefix);
    }
}

/// The kernel's answer to `op`. Ignored unless the route is still the one the RIB believes
/// installed (a later op for the same prefix makes an earlier answer stale).
pub(super) fn result(table: &mut Table, op: &FibOp, result: &Result<(), String>) {
    let route = op.route();
    let Table {
        ifaces,
        settings,
        inet,
        inet6,
        ..
    } = table;
    let fam = if Family::of(&route.prefix) == Family::Inet {
        inet
    } else {
        inet6
    };
    match op {
        FibOp::Replace(_) => {
            let current = fam
                .dests
                .map
                .get(&route.prefix)
                .and_then(|d| d.installed.as_ref())
                .is_some_and(|i| i.is(route, settings.kernel_table, ifaces));
            if !current {
                return;
            }
            let status = match result {
                Ok(()) => {
                    fam.fib_errors.remove(&route.prefix);
                    Status::Installed
                }
                Err(e) => {
                    tracing::warn!(table = %settings.name, prefix = %route.prefix, error = %e, "kernel refused a route");
                    fam.fib_errors.insert(route.prefix, e.clone());
                    Status::Refused
                }
            };
            // The status counts for nothing in the table's counts or indexes: set in place.
            if let Some(i) = fam
                .dests
                .map
                .get_mut(&route.prefix)
                .and_then(|d| d.installed.as_mut())
            {
                i.status = status;
            }
        }
        FibOp::Delete(_) => {
            if let Err(e) = result {
                tracing::warn!(table = %settings.name, prefix = %route.prefix, error = %e, "kernel refused to delete a route");
            }
        }
    }
}
