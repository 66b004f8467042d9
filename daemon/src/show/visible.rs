//! What one view may see, computed from the typed intent alone (no kernel).
//!
//! A view is the operator at the root (`None`) or a logical system (`Some(ls)`).
//!
//! * Interfaces: a tenant sees the bare `irb` row and its irb units (configured under
//!   `interfaces irb unit N` or named as a bridge domain's `routing-interface`), exactly as the
//!   seed capture shows; the physical units of its circuits are operator-only statements and
//!   stay the operator's to show (the irb's Link column tells whether they carry). The operator
//!   sees every port configured anywhere with its state, every unit of it in any logical
//!   system, `irb` and every irb unit.
//! * Tables: a tenant sees its master instance as `default` and each of its routing instances
//!   by name. The operator sees the root's (`default` is the main table) and every logical
//!   system's, the latter prefixed `LS/` as Junos names logical-system tables.
//!
//! lsys names every kernel device after the Junos interface (netlink::desired): the bridge of
//! `irb.4` is `irb.4`, the VLAN device of `eth1.4` is `eth1.4`, the port `eth1` is `eth1` — or,
//! for a Junos port name, after the root's `linux-name` ([`PortMap`]): `ge-0/0/1.4` is `eth1.4`.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use lsys_grammar::typed::{Intent, PortMap, Scope, Unit};

/// The Junos name of the irb pseudo-device.
pub const IRB: &str = "irb";

/// One protocol row of a logical interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Proto {
    Inet,
    Inet6,
    /// A `vlan-bridge` unit (a bridge domain member).
    Bridge,
    /// Every irb unit carries it (Junos prints it under the irb's families).
    Multiservice,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Inet => "inet",
            Proto::Inet6 => "inet6",
            Proto::Bridge => "bridge",
            Proto::Multiservice => "multiservice",
        }
    }
}

/// A logical interface (unit) a view may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleUnit {
    /// Junos name: `irb.4`, `eth1.4`, `ge-0/0/1.4`.
    pub name: String,
    /// The kernel device: the name itself, or the unit of the port's `linux-name` (`eth1.4`).
    pub device: String,
    pub unit: u32,
    /// Configured families, in display order.
    pub protos: Vec<Proto>,
}

/// What a physical row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhysicalKind {
    /// A port: its kernel device has the same name, and without it nothing of it is listed.
    Port,
    /// The irb pseudo-device: no kernel device of its own (each unit is a bridge).
    Irb,
}

/// A physical interface row with the units under it that the view may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisiblePhysical {
    pub name: String,
    /// The kernel device (see [`VisibleUnit::device`]).
    pub device: String,
    pub kind: PhysicalKind,
    /// Whether the row shows Admin/Link (the operator's ports); otherwise a bare header row.
    pub status: bool,
    /// Sorted by unit number.
    pub units: Vec<VisibleUnit>,
}

/// Where a table's routes live: the daemon maps this to a kernel table id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableRef {
    /// The root's master instance: the kernel main table.
    Main,
    /// An instance key as netlink::desired uses it: `LS/INSTANCE` or `LS/master` (the root's
    /// routing instances have an empty LS: `/INSTANCE`).
    Instance(String),
}

/// A routing table a view may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleTable {
    /// Display name without the family suffix: `default`, `NAME`, or `LS/NAME` for the operator.
    pub name: String,
    pub table: TableRef,
}

/// Natural order of interface names: digit runs compare as numbers (`eth2` < `eth10`).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let b = s.as_bytes();
        for i in 1..=b.len() {
            if i == b.len() || b[i].is_ascii_digit() != b[start].is_ascii_digit() {
                out.push((b[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(cb.iter()) {
        let o = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// The scopes a view covers, with their logical-system names (`None` for the root).
fn scopes<'a>(intent: &'a Intent, ls: Option<&str>) -> Vec<(Option<&'a str>, &'a Scope)> {
    match ls {
        Some(ls) => intent
            .logical_systems
            .get_key_value(ls)
            .map(|(k, s)| (Some(k.as_str()), s))
            .into_iter()
            .collect(),
        None => std::iter::once((None, &intent.root))
            .chain(
                intent
                    .logical_systems
                    .iter()
                    .map(|(k, s)| (Some(k.as_str()), s)),
            )
            .collect(),
    }
}

fn unit_protos(u: &Unit, irb: bool) -> Vec<Proto> {
    let mut p = Vec::new();
    if !irb && u.encapsulation.as_deref() == Some("vlan-bridge") {
        p.push(Proto::Bridge);
    }
    if !u.inet.is_empty() {
        p.push(Proto::Inet);
    }
    if !u.inet6.is_empty() {
        p.push(Proto::Inet6);
    }
    if irb {
        p.push(Proto::Multiservice);
    }
    p
}

/// The interfaces `ls` (or the operator, for `None`) may see, in Junos order.
pub fn interfaces(intent: &Intent, ls: Option<&str>) -> Vec<VisiblePhysical> {
    let operator = ls.is_none();
    let ports = PortMap::of(intent);
    // name -> (kind, unit number -> unit); the first claim of a unit wins.
    let mut phys: BTreeMap<String, (PhysicalKind, BTreeMap<u32, VisibleUnit>)> = BTreeMap::new();
    for (_, scope) in scopes(intent, ls) {
        for i in &scope.interfaces {
            let irb = i.name == IRB;
            // A tenant's circuits are the operator's business (the physical units in its
            // logical system are operator-only statements): it sees its irb units, whose Link
            // column already says whether the circuit carries traffic — as in the seed capture.
            if !irb && !operator {
                continue;
            }
            let kind = if irb {
                PhysicalKind::Irb
            } else {
                PhysicalKind::Port
            };
            let (_, units) = phys
                .entry(i.name.clone())
                .or_insert_with(|| (kind, BTreeMap::new()));
            for u in &i.units {
                units.entry(u.number).or_insert_with(|| {
                    let name = format!("{}.{}", i.name, u.number);
                    VisibleUnit {
                        device: ports.device(&name).into_owned(),
                        name,
                        unit: u.number,
                        protos: unit_protos(u, irb),
                    }
                });
            }
        }
        // An irb named by a bridge domain exists even without `interfaces irb unit N`.
        for r in scope
            .bridge_domains
            .iter()
            .filter_map(|bd| bd.routing_interface.as_ref())
            .filter(|r| r.interface == IRB)
        {
            let (_, units) = phys
                .entry(IRB.to_string())
                .or_insert_with(|| (PhysicalKind::Irb, BTreeMap::new()));
            units.entry(r.unit).or_insert_with(|| VisibleUnit {
                name: r.to_string(),
                device: r.to_string(),
                unit: r.unit,
                protos: vec![Proto::Multiservice],
            });
        }
    }
    let mut out: Vec<VisiblePhysical> = phys
        .into_iter()
        .filter(|(_, (kind, units))| *kind == PhysicalKind::Port || !units.is_empty())
        .map(|(name, (kind, units))| VisiblePhysical {
            status: operator && kind == PhysicalKind::Port,
            device: ports.device(&name).into_owned(),
            name,
            kind,
            units: units.into_values().collect(),
        })
        .collect();
    out.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    out
}

/// The routing tables `ls` (or the operator, for `None`) may see, in display order: for each
/// scope its master instance (`default`) then its routing instances by name.
pub fn tables(intent: &Intent, ls: Option<&str>) -> Vec<VisibleTable> {
    let mut out = Vec::new();
    for (scope_ls, scope) in scopes(intent, ls) {
        // The operator sees logical-system tables as `LS/NAME`.
        let prefix = match (ls, scope_ls) {
            (None, Some(l)) => format!("{l}/"),
            _ => String::new(),
        };
        let key_ls = scope_ls.unwrap_or("");
        out.push(VisibleTable {
            name: format!("{prefix}default"),
            table: match scope_ls {
                None => TableRef::Main,
                Some(l) => TableRef::Instance(format!("{l}/master")),
            },
        });
        let mut names: Vec<&str> = scope
            .routing_instances
            .iter()
            .map(|ri| ri.name.as_str())
            .collect();
        names.sort_unstable();
        for n in names {
            out.push(VisibleTable {
                name: format!("{prefix}{n}"),
                table: TableRef::Instance(format!("{key_ls}/{n}")),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec![
            "irb.10",
            "eth10",
            "irb",
            "eth2",
            "irb.2",
            "ge-0/0/10",
            "ge-0/0/9",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            [
                "eth2",
                "eth10",
                "ge-0/0/9",
                "ge-0/0/10",
                "irb",
                "irb.2",
                "irb.10"
            ]
        );
        assert_eq!(natural_cmp("eth01", "eth1"), Ordering::Less);
    }
}
