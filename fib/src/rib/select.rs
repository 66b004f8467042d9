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
//!    installed, and emit a Replace or a Delete only when they differ (a stale BGP route
//!    found in the kernel is kept while nothing else is wanted there: see `bgp.rs`).

use ipnet::IpNet;

use super::bgp::InfoId;
use super::route::{stamp, Ifaces, Installed, Route, Status, Target};
use super::statics::resolve;
use super::table::{FamilyRib, Links, Settings};
use crate::{Family, FibOp, Protocol};

/// What processing one family produced.
#[derive(Debug, Default)]
pub(super) struct Changes {
    pub fib: Vec<FibOp>,
    pub best_changed: Vec<IpNet>,
}

/// What selection reads of the table around a family.
pub(super) struct Context<'a> {
    pub ifaces: &'a Ifaces,
    pub links: &'a Links,
    pub settings: &'a Settings,
    /// Whether the table is configured (has a kernel table): only then is anything installed.
    pub install: bool,
}

/// Re-selects at most `budget` dirty prefixes of `fam`, lowest first; returns how many it
/// took.
pub(super) fn process_family(
    fam: &mut FamilyRib,
    ctx: &Context<'_>,
    now: i64,
    budget: usize,
    out: &mut Changes,
) -> usize {
    let mut done = 0;
    if budget >= fam.dirty.len() {
        let dirty = std::mem::take(&mut fam.dirty);
        done = dirty.len();
        for prefix in dirty {
            process_dest(fam, ctx, prefix, now, out);
        }
    } else {
        while done < budget {
            let Some(prefix) = fam.dirty.pop_first() else {
                break;
            };
            process_dest(fam, ctx, prefix, now, out);
            done += 1;
        }
    }
    if fam.dirty.is_empty() {
        fam.dests.compact();
    }
    done
}

/// The active route as subscribers see it (a BGP route's attributes included).
fn best_of(routes: &[Route]) -> Option<(Protocol, u32, Target, Option<InfoId>)> {
    routes
        .iter()
        .find(|r| r.active)
        .map(|r| (r.protocol, r.preference, r.target.clone(), r.info))
}

fn process_dest(
    fam: &mut FamilyRib,
    ctx: &Context<'_>,
    prefix: IpNet,
    now: i64,
    out: &mut Changes,
) {
    let Context {
        ifaces,
        links,
        settings,
        install,
    } = *ctx;
    let FamilyRib {
        dests,
        directs,
        fib_errors,
        lost,
        ..
    } = fam;
    let lost = lost.remove(&prefix);
    let now = stamp(now);
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
            .filter(|_| install)
            .and_then(|r| r.wanted(settings.multipath, Family::of(&prefix)));
        let op = match (wanted, &mut d.installed) {
            (None, None) => None,
            (None, Some(old)) if old.status == Status::Stale => None,
            (None, Some(old)) => {
                let op = FibOp::Delete(old.to_fib(settings.kernel_table, prefix, ifaces));
                d.installed = None;
                Some(op)
            }
            (Some((protocol, action)), old) => {
                if let Some(o) = old
                    .as_mut()
                    .filter(|o| o.protocol == protocol && o.action == action)
                {
                    if o.status == Status::Stale {
                        o.status = Status::Installed;
                    }
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
        (op, lost || before != best_of(d.routes.as_slice()))
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
            let ctx = Context {
                ifaces,
                links,
                settings,
                install: true,
            };
            process_family(inet, &ctx, 1, usize::MAX, &mut out);
            assert!(out.fib.is_empty());
            let d = &t.family(Family::Inet).dests.map[&"10.0.0.0/24".parse().unwrap()];
            let active = d.active().expect("an active route");
            assert_eq!(active.protocol, Protocol::Direct);
            assert!(matches!(active.target, Target::Interface(id) if t.ifaces.name(id) == "a"));
            assert_eq!(d.routes.iter().filter(|r| r.active).count(), 1);
        }
    }
}
