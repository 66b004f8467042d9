//! Selection of the dirty destinations and the FIB difference.
//!
//! For one dirty destination, in this order:
//! 1. re-resolve the next hops of its routes: gateways over the family's connected subnets,
//!    interface next hops over the table's up interfaces (a route none of whose next hops
//!    resolves is hidden);
//! 2. pick the active route: the eligible (not hidden) one first in [`Route::rank_cmp`] order
//!    (lower preference, then Direct < Local < Static < Bgp, then the interface name / the
//!    next hops, gateways before interfaces), so the result does not depend on the order
//!    inputs came in;
//! 3. compare the kernel route the active route wants (none for Direct/Local) with what is
//!    installed, and emit a Replace or a Delete only when they differ.

use ipnet::IpNet;

use super::route::{Ifaces, Installed, Route, Status, Target};
use super::statics::resolve;
use super::table::{FamilyRib, Links, Settings};
use crate::{Family, FibOp, Protocol};

/// What processing one family produced.
#[derive(Debug, Default)]
pub(super) struct Changes {
    pub fib: Vec<FibOp>,
    pub best_changed: Vec<IpNet>,
}

/// Re-selects every dirty prefix of `fam` (draining the queue).
/// Re-selects at most `budget` dirty prefixes, lowest first; returns how many it took.
pub(super) fn process_family(
    fam: &mut FamilyRib,
    ifaces: &Ifaces,
    links: &Links,
    settings: &Settings,
    now: i64,
    budget: usize,
    out: &mut Changes,
) -> usize {
    let mut done = 0;
    if budget >= fam.dirty.len() {
        let dirty = std::mem::take(&mut fam.dirty);
        done = dirty.len();
        for prefix in dirty {
            process_dest(fam, ifaces, links, settings, prefix, now, out);
        }
    } else {
        while done < budget {
            let Some(prefix) = fam.dirty.pop_first() else {
                break;
            };
            process_dest(fam, ifaces, links, settings, prefix, now, out);
            done += 1;
        }
    }
    if fam.dirty.is_empty() {
        fam.dests.compact();
    }
    done
}

/// The active route as subscribers see it.
fn best_of(routes: &[Route]) -> Option<(Protocol, u32, Target)> {
    routes
        .iter()
        .find(|r| r.active)
        .map(|r| (r.protocol, r.preference, r.target.clone()))
}

fn process_dest(
    fam: &mut FamilyRib,
    ifaces: &Ifaces,
    links: &Links,
    settings: &Settings,
    prefix: IpNet,
    now: i64,
    out: &mut Changes,
) {
    let FamilyRib {
        dests,
        directs,
        fib_errors,
        ..
    } = fam;
    let (op, best_changed) = dests.modify(prefix, |d| {
        let before = best_of(d.routes.as_slice());
        let routes = d.routes.as_mut_slice();
        for r in routes.iter_mut() {
            if resolve(r, directs, links) {
                r.since = now;
            }
        }
        let best = routes
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.hidden)
            .min_by(|(_, a), (_, b)| a.rank_cmp(b, ifaces))
            .map(|(i, _)| i);
        for (i, r) in routes.iter_mut().enumerate() {
            let active = Some(i) == best;
            if r.active != active {
                r.active = active;
                r.since = now;
            }
        }
        let wanted = best
            .and_then(|i| routes.get(i))
            .and_then(|r| r.wanted(settings.multipath, Family::of(&prefix)));
        let op = match (wanted, &d.installed) {
            (None, None) => None,
            (None, Some(old)) => {
                let op = FibOp::Delete(old.to_fib(settings.kernel_table, prefix, ifaces));
                d.installed = None;
                Some(op)
            }
            (Some((protocol, action)), old) => {
                if old
                    .as_ref()
                    .is_some_and(|o| o.protocol == protocol && o.action == action)
                {
                    None
                } else {
                    let new = Installed {
                        protocol,
                        status: Status::Pending,
                        action,
                    };
                    let op = FibOp::Replace(new.to_fib(settings.kernel_table, prefix, ifaces));
                    d.installed = Some(new);
                    Some(op)
                }
            }
        };
        (op, before != best_of(d.routes.as_slice()))
    });
    if let Some(op) = op {
        fib_errors.remove(&prefix);
        out.fib.push(op);
    }
    if best_changed {
        out.best_changed.push(prefix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rib::table::Table;
    use crate::{Connected, Family, Protocol};

    fn itf(name: &str, ifindex: u32) -> Connected {
        Connected {
            ifname: name.into(),
            ifindex,
            up: true,
            addresses: vec![format!("10.0.0.{ifindex}/24").parse().unwrap()],
        }
    }

    /// Two interfaces on one subnet: the Direct route of the lower name is active, whatever
    /// order the interfaces were learnt in.
    #[test]
    fn equal_routes_tie_on_interface_name() {
        for order in [
            vec![itf("b", 2), itf("a", 3)],
            vec![itf("a", 3), itf("b", 2)],
        ] {
            let mut t = Table::default();
            // Intern in the given order first, so interning order differs between runs.
            t.set_connected(order.iter().rev().cloned().collect(), 0);
            t.set_connected(order, 0);
            let mut out = Changes::default();
            let Table {
                ifaces,
                links,
                settings,
                inet,
                ..
            } = &mut t;
            process_family(inet, ifaces, links, settings, 1, usize::MAX, &mut out);
            assert!(out.fib.is_empty());
            let d = &t.family(Family::Inet).dests.map[&"10.0.0.0/24".parse().unwrap()];
            let active = d.active().expect("an active route");
            assert_eq!(active.protocol, Protocol::Direct);
            assert!(matches!(active.target, Target::Interface(id) if t.ifaces.name(id) == "a"));
            assert_eq!(d.routes.iter().filter(|r| r.active).count(), 1);
        }
    }
}
