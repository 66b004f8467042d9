//! Checks across scopes, on one index built per call: a logical interface (`X unit N`, irb
//! units included) is configured in at most one logical system (or the root), and a VLAN
//! (port + `vlan-id`, or port + `vlan-tags outer/inner`) is claimed by at most one unit anywhere.
//!
//! For one scope the index only keeps that scope's claims: the scope is read first, then every
//! other scope is scanned once and only matching claims are added (linear, no allocation for
//! claims that cannot collide).

use std::collections::HashMap;
use std::fmt;

use super::{error, ls_prefix, CheckError};
use crate::schema::Schema;
use crate::tree::Node;
use crate::types::quote;

/// Which scope: `None` is the root.
type ScopeName<'a> = Option<&'a str>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum VlanKey<'a> {
    Id(&'a str),
    Tags(Option<&'a str>, Option<&'a str>),
}

impl fmt::Display for VlanKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VlanKey::Id(v) => write!(f, "vlan-id {v}"),
            VlanKey::Tags(o, i) => {
                write!(f, "vlan-tags")?;
                if let Some(o) = o {
                    write!(f, " outer {o}")?;
                }
                if let Some(i) = i {
                    write!(f, " inner {i}")?;
                }
                Ok(())
            }
        }
    }
}

/// A unit that claims something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Owner<'a> {
    scope: ScopeName<'a>,
    interface: &'a str,
    unit: &'a str,
}

#[derive(Default)]
struct Claims<'a> {
    units: HashMap<(&'a str, &'a str), Vec<Owner<'a>>>,
    vlans: HashMap<(&'a str, VlanKey<'a>), Vec<Owner<'a>>>,
}

fn active(n: &Node) -> impl Iterator<Item = &Node> {
    n.children.iter().filter(|c| !c.inactive)
}

/// Calls `f` for every active unit of `scope`'s interfaces with its VLAN claim.
fn units<'a>(scope: &'a Node, mut f: impl FnMut(&'a str, &'a str, Option<VlanKey<'a>>)) {
    let schema = Schema::get();
    let Some(ifs) = schema
        .child_by_word(scope.schema, "interfaces")
        .and_then(|id| scope.child(id, None))
        .filter(|n| !n.inactive)
    else {
        return;
    };
    for i in active(ifs) {
        let Some(unit_id) = schema.child_by_word(i.schema, "unit") else {
            continue;
        };
        for u in active(i).filter(|u| u.schema == unit_id) {
            let leaf = |n: &'a Node, w: &str| {
                schema
                    .child_by_word(n.schema, w)
                    .and_then(|id| n.child(id, None))
                    .filter(|c| !c.inactive)
            };
            let vlan = match leaf(u, "vlan-id") {
                Some(v) => v.values.first().map(|v| VlanKey::Id(v)),
                None => leaf(u, "vlan-tags").map(|t| {
                    let v = |w| {
                        leaf(t, w)
                            .and_then(|n| n.values.first())
                            .map(String::as_str)
                    };
                    VlanKey::Tags(v("outer"), v("inner"))
                }),
            };
            f(
                i.key.as_deref().unwrap_or_default(),
                u.key.as_deref().unwrap_or_default(),
                vlan,
            );
        }
    }
}

/// All scopes: the root first, then active logical systems.
fn scopes(root: &Node) -> impl Iterator<Item = (ScopeName<'_>, &Node)> {
    std::iter::once((None, root)).chain(super::logical_systems(root).map(|(n, s)| (Some(n), s)))
}

impl<'a> Claims<'a> {
    /// Records `scope`'s claims; with `existing_only`, only those colliding with known ones.
    fn add(&mut self, name: ScopeName<'a>, scope: &'a Node, existing_only: bool) {
        units(scope, |interface, unit, vlan| {
            let o = Owner {
                scope: name,
                interface,
                unit,
            };
            if existing_only {
                if let Some(v) = self.units.get_mut(&(interface, unit)) {
                    v.push(o);
                }
                if let Some(v) = vlan.and_then(|v| self.vlans.get_mut(&(interface, v))) {
                    v.push(o);
                }
            } else {
                self.units.entry((interface, unit)).or_default().push(o);
                if let Some(v) = vlan {
                    self.vlans.entry((interface, v)).or_default().push(o);
                }
            }
        });
    }
}

/// `only`: `None` checks every scope; `Some(s)` reports only scope `s`'s units.
pub(super) fn check(root: &Node, only: Option<ScopeName<'_>>, errs: &mut Vec<CheckError>) {
    let mut claims = Claims::default();
    match only {
        None => {
            for (name, s) in scopes(root) {
                claims.add(name, s, false);
            }
        }
        Some(target) => {
            let Some((_, s)) = scopes(root).find(|(n, _)| *n == target) else {
                return;
            };
            claims.add(target, s, false);
            for (name, s) in scopes(root).filter(|(n, _)| *n != target) {
                claims.add(name, s, true);
            }
        }
    }
    report(&claims, only, errs);
}

fn path(o: &Owner<'_>) -> Vec<String> {
    let mut p = o.scope.map(ls_prefix).unwrap_or_default();
    p.push("interfaces".into());
    p.push(quote(o.interface));
    p
}

/// Where another claimant lives, as seen from `o` (other tenants are not named).
fn elsewhere(o: &Owner<'_>, other: &Owner<'_>) -> String {
    match other.scope {
        s if s == o.scope => format!("{}.{}", other.interface, other.unit),
        None => "a unit at the root level".into(),
        Some(_) => "a unit in another logical system".into(),
    }
}

fn report(claims: &Claims<'_>, only: Option<ScopeName<'_>>, errs: &mut Vec<CheckError>) {
    let wanted = |o: &Owner<'_>| only.is_none_or(|s| s == o.scope);
    for owners in claims.units.values().filter(|v| v.len() > 1) {
        for o in owners.iter().filter(|o| wanted(o)) {
            let other = owners.iter().find(|x| x.scope != o.scope).unwrap_or(o);
            let place = match other.scope {
                None => "at the root level",
                Some(_) => "in another logical system",
            };
            let mut e = error(
                path(o),
                format!("unit {}", o.unit),
                format!(
                    "Logical interface {}.{} is also configured {place}",
                    o.interface, o.unit
                ),
            );
            // A tenant learns only that the unit is not available to it.
            e.tenant_message = Some(format!(
                "Logical interface {}.{} is not available in this logical system",
                o.interface, o.unit
            ));
            errs.push(e);
        }
    }
    for ((interface, vlan), owners) in claims.vlans.iter().filter(|(_, v)| v.len() > 1) {
        for o in owners.iter().filter(|o| wanted(o)) {
            let Some(other) = owners.iter().find(|x| *x != o) else {
                continue;
            };
            let mut e = error(
                path(o),
                format!("unit {}", o.unit),
                format!(
                    "{vlan} on {interface} is also used by {}",
                    elsewhere(o, other)
                ),
            );
            if other.scope != o.scope {
                e.tenant_message = Some(format!(
                    "{vlan} on {interface} is not available in this logical system"
                ));
            }
            errs.push(e);
        }
    }
}
