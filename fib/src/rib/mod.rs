//! The sans-IO RIB: one table per [`TableKey`], each with an `inet` and an `inet6` family.
//!
//! ```text
//!  configure(key, TableConfig) ─► statics.rs: config → Static routes, max-prefixes, diff ─┐
//!  set_connected(key, [Connected]) ─► table.rs: Direct/Local diff, next-hop tracking ──────┤
//!  set_bgp(key, family, [(P, route)]) ─► bgp.rs: Bgp routes, max-prefixes, shared infos ──┤
//!  adopt_kernel / kernel_deleted ─► kernel.rs: what the kernel holds ─────────────────────┤
//!  bgp_synced(key, family) ─► bgp.rs: stale kernel BGP routes (grace period) go ──────────┤
//!                                                                                         ▼
//!                                   per table and family: dirty prefixes (BTreeSet<IpNet>)
//!                                                                                         │
//!  process(now) ─► select.rs: resolve, select, diff against installed ─► Processed { fib, │
//!                                                   best_changed, notices } ◄─────────────┘
//!  fib_result(op, result) ─► kernel.rs: Pending → Installed / Refused
//!  view(key, family, query) ─► query.rs: TableView for show commands
//!  active_route(key, family, P) ─► query.rs: the active route, for BGP export
//! ```
//!
//! State per family (`table::FamilyRib`): a `BTreeMap<IpNet, Dest>` where a `Dest` holds its
//! routes (one inline, see `few.rs`) and the kernel route lsys installed for it (compact, see
//! `route.rs`); the running counts; the next-hop tracking indexes `(gateway, prefix)` and
//! `(interface name, prefix)`; the connected subnets the gateways resolve over. Per table, the
//! up interfaces by name (what interface next hops such as `next-hop irb.300` resolve to).
//! Interface names are interned per table, and a BGP route's attributes per table and family,
//! so a static or BGP route with one next hop costs about 130-150 bytes (`examples/rib_mem.rs`
//! measures both).
//!
//! Inputs only change routes and mark prefixes dirty; [`Rib::process`] re-selects the dirty
//! prefixes and nothing else. Selection is deterministic: lowest preference, then protocol
//! (Direct < Local < Static < Bgp), then the interface (name, ifindex) or the next hops in
//! [`crate::NextHop`] order (gateway addresses first, lowest first, then interface next hops
//! by name) — never the order inputs arrived in. A route's next hops keep that order too, so
//! without multipath the lowest gateway that resolves is installed, and an interface next hop
//! only when no gateway of the route resolves. `maximum-prefixes` admits a table's statics
//! in prefix order (destinations already holding BGP routes count first), so which statics are
//! refused depends only on the configuration.
//!
//! BGP (later): a BGP actor will add and withdraw `Protocol::Bgp` routes with gateways through
//! an input of its own here (marking the prefix dirty, like `set_statics` in `statics.rs`);
//! selection, the FIB diff, next-hop tracking, counts and views already treat them generically.

mod bgp;
mod few;
mod kernel;
mod query;
mod route;
mod select;
mod statics;
mod table;

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::view::{Query, TableView};
use crate::{
    ActiveRoute, BgpRoute, Connected, Family, FibOp, FibRoute, Protocol, TableConfig, TableKey,
};
use table::Table;

/// What [`Rib::process`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Processed {
    /// The kernel operations, only differences against what is installed: deletes from removed
    /// tables (or a changed kernel table) first, then tables in key order, `inet` before
    /// `inet6`, prefixes in order.
    pub fib: Vec<FibOp>,
    /// Prefixes whose active route changed (appeared, went, changed protocol, preference or
    /// next hops, or, for a BGP route, attributes).
    pub best_changed: Vec<(TableKey, IpNet)>,
    /// Operator-facing notices (`maximum-prefixes` refusals), also logged.
    pub notices: Vec<String>,
}

/// Outputs produced by inputs, handed out by the next [`Rib::process`].
type Queued = Processed;

/// The routing information base of every table.
#[derive(Debug, Default)]
pub struct Rib {
    tables: BTreeMap<TableKey, Table>,
    queued: Queued,
}

impl Rib {
    pub fn new() -> Rib {
        Rib::default()
    }

    /// Sets (replaces) one table's configuration, both families. Marks dirty only the prefixes
    /// whose static routes changed (and every installed/active static prefix if multipath or
    /// the kernel table changed). Creates the table if new.
    pub fn configure(&mut self, key: &str, config: TableConfig, now: i64) {
        let table = self.tables.entry(key.to_string()).or_default();
        statics::configure(table, config, now, &mut self.queued);
    }

    /// Removes a table: every route goes; the next [`Rib::process`] emits a Delete for each
    /// route that was installed.
    pub fn remove_table(&mut self, key: &str, _now: i64) {
        let Some(table) = self.tables.remove(key) else {
            return;
        };
        for family in [Family::Inet, Family::Inet6] {
            for (prefix, d) in &table.family(family).dests.map {
                if let Some(i) = &d.installed {
                    let route = i.to_fib(table.settings.kernel_table, *prefix, &table.ifaces);
                    self.queued.fib.push(FibOp::Delete(route));
                }
                if d.active().is_some() {
                    self.queued.best_changed.push((key.to_string(), *prefix));
                }
            }
        }
    }

    /// Replaces the interfaces of table `key` (creating it if unknown): Direct and Local routes
    /// of the up interfaces' addresses are diffed against the previous set; the changed ones,
    /// and the statics whose gateways fall in a changed subnet, are marked dirty.
    pub fn set_connected(&mut self, key: &str, interfaces: Vec<Connected>, now: i64) {
        let table = self.tables.entry(key.to_string()).or_default();
        table.set_connected(interfaces, now);
    }

    /// Replaces (`Some`) or removes (`None`) the BGP route of each prefix in table `key`,
    /// family `family` (creating the table if unknown, as [`Rib::set_connected`] does): the
    /// speaker's selected path(s) per prefix. A route identical to the one held (same next
    /// hops, preference and `Arc<BgpInfo>`) changes nothing; a route with no next hops is a
    /// withdrawal; of several entries for one prefix the last counts. New destinations past
    /// `maximum-prefixes` are refused in prefix order, with a notice. Only changed prefixes
    /// are marked dirty.
    pub fn set_bgp(
        &mut self,
        key: &str,
        family: Family,
        routes: Vec<(IpNet, Option<BgpRoute>)>,
        now: i64,
    ) {
        let table = self.tables.entry(key.to_string()).or_default();
        bgp::set_bgp(table, family, routes, now, &mut self.queued);
    }

    /// The BGP speaker of table `key` is in sync for `family` (its sessions sent End-of-RIB,
    /// or it gave up waiting): the BGP routes found in the kernel at start that it did not
    /// give again are deleted by the next [`Rib::process`]. Until then they are kept as they
    /// are (see the `bgp` module). Creates the table if unknown; returns how many stale routes
    /// go.
    pub fn bgp_synced(&mut self, key: &str, family: Family) -> usize {
        let table = self.tables.entry(key.to_string()).or_default();
        let n = bgp::synced(table, family);
        if n > 0 {
            tracing::info!(table = %family.table_name(&table.settings.name), stale = n, "BGP in sync: deleting the kernel BGP routes it did not give again");
        }
        n
    }

    /// The lsys routes (Static/Bgp) the kernel table `kernel_table` holds for `family`: the RIB
    /// records them as installed (and forgets anything else it believed installed there), so
    /// the next [`Rib::process`] sends exactly the difference. Routes of a kernel table no
    /// configured table uses are deleted.
    pub fn adopt_kernel(&mut self, kernel_table: u32, family: Family, routes: Vec<FibRoute>) {
        // Deletes still queued for this kernel table were computed against the older belief:
        // what the kernel holds now supersedes them (what is not wanted is deleted below).
        self.queued.fib.retain(|op| {
            let r = op.route();
            !(matches!(op, FibOp::Delete(_))
                && r.kernel_table == kernel_table
                && Family::of(&r.prefix) == family)
        });
        let mut tables: Vec<&mut Table> = by_kernel_table(&mut self.tables, kernel_table).collect();
        if tables.is_empty() {
            for r in routes {
                tracing::info!(prefix = %r.prefix, kernel_table, "lsys route in a kernel table no table uses; deleting it");
                self.queued.fib.push(FibOp::Delete(r));
            }
            return;
        }
        // Several tables on one kernel table is a configuration error; each adopts the same.
        if let Some((last, others)) = tables.split_last_mut() {
            for t in others {
                kernel::adopt(t, family, routes.clone());
            }
            kernel::adopt(last, family, routes);
        }
    }

    /// A route of an lsys protocol was removed from a kernel table: if the RIB has it
    /// installed it sends it again on the next [`Rib::process`]; otherwise (our own delete)
    /// nothing happens.
    pub fn kernel_deleted(&mut self, kernel_table: u32, prefix: IpNet, protocol: Protocol) {
        for t in by_kernel_table(&mut self.tables, kernel_table) {
            kernel::deleted(t, prefix, protocol);
        }
    }

    /// The kernel's answer to an op from [`Rib::process`]: Ok marks a Replace installed (a
    /// Delete is already forgotten); Err marks the route refused with the message (shown by
    /// `show route`). Stale answers (the prefix changed since) are ignored.
    pub fn fib_result(&mut self, op: &FibOp, result: Result<(), String>) {
        let kernel_table = op.route().kernel_table;
        for t in by_kernel_table(&mut self.tables, kernel_table) {
            kernel::result(t, op, &result);
        }
    }

    /// Re-selects the dirty prefixes (only those) and returns the kernel operations (only the
    /// differences against what is installed), the prefixes whose active route changed, and
    /// the notices the inputs since the last call produced.
    pub fn process(&mut self, now: i64) -> Processed {
        self.process_some(now, usize::MAX)
    }

    /// [`Rib::process`] for at most `budget` dirty prefixes (the lowest first; operations
    /// queued by earlier inputs always come out): a caller that writes as it goes can start
    /// on the kernel before a large change is selected in full. Call it until
    /// [`Rib::pending`] is false.
    pub fn process_some(&mut self, now: i64, budget: usize) -> Processed {
        let mut out = std::mem::take(&mut self.queued);
        let mut left = budget;
        for (key, table) in &mut self.tables {
            if left == 0 {
                break;
            }
            let Table {
                ifaces,
                links,
                settings,
                configured,
                inet,
                inet6,
                ..
            } = table;
            // A table not configured yet (made by interfaces or BGP routes that came first)
            // selects but installs nothing: it has no kernel table.
            let install = *configured;
            for fam in [inet, inet6] {
                if fam.dirty.is_empty() {
                    continue;
                }
                if left == 0 {
                    break;
                }
                let mut changes = select::Changes::default();
                let ctx = select::Context {
                    ifaces,
                    links,
                    settings,
                    install,
                };
                left -= select::process_family(fam, &ctx, now, left, &mut changes);
                out.fib.append(&mut changes.fib);
                out.best_changed
                    .extend(changes.best_changed.into_iter().map(|p| (key.clone(), p)));
            }
        }
        out
    }

    /// Whether [`Rib::process`] has anything to do or hand out.
    pub fn pending(&self) -> bool {
        !self.queued.fib.is_empty()
            || !self.queued.notices.is_empty()
            || !self.queued.best_changed.is_empty()
            || self
                .tables
                .values()
                .any(|t| !t.inet.dirty.is_empty() || !t.inet6.dirty.is_empty())
    }

    /// Table keys, sorted.
    pub fn keys(&self) -> Vec<TableKey> {
        self.tables.keys().cloned().collect()
    }

    /// A snapshot of one table and family for show commands: counts of the whole table,
    /// destinations as `query` picks them. None if `key` is unknown.
    pub fn view(&self, key: &str, family: Family, query: &Query) -> Option<TableView> {
        self.tables.get(key).map(|t| query::view(t, family, query))
    }

    /// The active route of exactly `prefix` in table `key` (as of the last
    /// [`Rib::process`]), for the BGP speaker's export policies (`from protocol static`).
    /// None if the table is unknown, `prefix` is not of `family`, or no route is active.
    pub fn active_route(&self, key: &str, family: Family, prefix: IpNet) -> Option<ActiveRoute> {
        if Family::of(&prefix) != family {
            return None;
        }
        query::active_route(self.tables.get(key)?, prefix)
    }

    /// Every active route of table `key` and `family` that is not a BGP route (Direct,
    /// Local, Static), in prefix order: a BGP speaker's first view of what its export
    /// policies may advertise. Empty if the table is unknown.
    pub fn active_non_bgp(&self, key: &str, family: Family) -> Vec<(IpNet, ActiveRoute)> {
        self.tables
            .get(key)
            .map(|t| query::active_non_bgp(t, family))
            .unwrap_or_default()
    }
}

/// The configured tables writing to `kernel_table`.
fn by_kernel_table(
    tables: &mut BTreeMap<TableKey, Table>,
    kernel_table: u32,
) -> impl Iterator<Item = &mut Table> {
    tables
        .values_mut()
        .filter(move |t| t.configured && t.settings.kernel_table == kernel_table)
}
