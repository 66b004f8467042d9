//! Checks on routing-options that need to know where a statement was written, so they walk the
//! (active) tree: the typed view keeps the static routes of both families in one list.
//!
//! ```text
//!  routing-options                      (master instance: root or a logical system)
//!      static route P ...               P IPv4: the routes of inet.0
//!      rib inet6.0 static route P ...   P IPv6: the routes of inet6.0; no other rib name
//!  routing-instances R routing-options
//!      static route P ...               P IPv4: R.inet.0
//!      rib R.inet6.0 static route P     P IPv6: R.inet6.0; no other rib name
//! ```
//! Every `next-hop` and `qualified-next-hop` of a route is an address of the route's family,
//! or an interface unit of the route's own instance (`next-hop irb.100`: the route points out
//! of that interface; it has no family, so IPv4 and IPv6 routes may both name it). A unit is
//! in a routing instance when the instance lists it (`interface irb.100`), in the master
//! instance when it is configured under `interfaces` and no routing instance lists it.
//! The routes of a rib with a wrong name are not checked further (its name is the error).
//! Until the RIB resolves routes across tables, `next-table` is read but refused here
//! ("... is not supported yet").

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{at, error, CheckError};
use crate::tree::Node;
use crate::typed::UnitRef;
use crate::types::quote;

pub(super) fn check(scope: &Node, prefix: &[String], errs: &mut Vec<CheckError>) {
    let instances: Vec<&Node> = child(scope, "routing-instances")
        .iter()
        .flat_map(|r| r.children.iter())
        .filter(|ri| !ri.inactive)
        .collect();
    let listed = |ri: &Node| -> BTreeSet<UnitRef> {
        ri.list("interface")
            .filter(|i| !i.inactive)
            .filter_map(|i| key(i).parse().ok())
            .collect()
    };
    if let Some(ro) = child(scope, "routing-options") {
        let assigned: BTreeSet<UnitRef> = instances.iter().flat_map(|ri| listed(ri)).collect();
        let units = configured_units(scope)
            .into_iter()
            .filter(|u| !assigned.contains(u))
            .collect();
        options(ro, None, &units, &at(prefix, &["routing-options"]), errs);
    }
    for ri in instances {
        let name = key(ri);
        if let Some(ro) = child(ri, "routing-options") {
            let path = at(
                prefix,
                &["routing-instances", &quote(name), "routing-options"],
            );
            options(ro, Some(name), &listed(ri), &path, errs);
        }
    }
}

/// The units configured (and active) under the scope's `interfaces`.
fn configured_units(scope: &Node) -> BTreeSet<UnitRef> {
    let interfaces = child(scope, "interfaces");
    let mut out = BTreeSet::new();
    for i in interfaces.iter().flat_map(|n| n.children.iter()) {
        if i.inactive {
            continue;
        }
        for u in i.list("unit").filter(|u| !u.inactive) {
            if let Ok(unit) = key(u).parse() {
                out.insert(UnitRef {
                    interface: key(i).to_string(),
                    unit,
                });
            }
        }
    }
    out
}

/// The active container (or flag) child called `word`.
fn child<'a>(n: &'a Node, word: &str) -> Option<&'a Node> {
    n.get(word).filter(|c| !c.inactive)
}

fn key(n: &Node) -> &str {
    n.key.as_deref().unwrap_or_default()
}

/// The routing tables of one instance (`None`: the master instance).
struct Tables<'a> {
    inet: String,
    inet6: String,
    /// Whose tables, for messages.
    owner: String,
    /// The interface units of the instance (what an interface next hop may name).
    units: &'a BTreeSet<UnitRef>,
}

fn options(
    ro: &Node,
    instance: Option<&str>,
    units: &BTreeSet<UnitRef>,
    path: &[String],
    errs: &mut Vec<CheckError>,
) {
    let t = match instance {
        None => Tables {
            inet: "inet.0".into(),
            inet6: "inet6.0".into(),
            owner: "the master instance".into(),
            units,
        },
        Some(r) => Tables {
            inet: format!("{r}.inet.0"),
            inet6: format!("{r}.inet6.0"),
            owner: format!("routing instance {r}"),
            units,
        },
    };
    if let Some(st) = child(ro, "static") {
        routes(st, false, &t, &at(path, &["static"]), errs);
    }
    for rib in ro.list("rib").filter(|r| !r.inactive) {
        let name = key(rib);
        if name != t.inet6 {
            errs.push(error(
                path.to_vec(),
                format!("rib {}", quote(name)),
                format!(
                    "Invalid rib name {name}: expected {} (the IPv6 routing table of {})",
                    t.inet6, t.owner
                ),
            ));
            continue;
        }
        if let Some(st) = child(rib, "static") {
            routes(
                st,
                true,
                &t,
                &at(path, &["rib", &quote(name), "static"]),
                errs,
            );
        }
    }
}

fn family(v6: bool) -> &'static str {
    if v6 {
        "IPv6"
    } else {
        "IPv4"
    }
}

/// The routes of one `static` (`v6`: of a rib) at `path`.
fn routes(st: &Node, v6: bool, t: &Tables, path: &[String], errs: &mut Vec<CheckError>) {
    for r in st.list("route").filter(|r| !r.inactive) {
        // Keys are canonical prefixes; one that does not parse is the typed view's error.
        let Ok(prefix) = key(r).parse::<IpNet>() else {
            continue;
        };
        let route_v6 = matches!(prefix, IpNet::V6(_));
        if route_v6 != v6 {
            let message = if v6 {
                format!(
                    "Invalid route {prefix}: static routes of {} must be IPv6; configure IPv4 \
                     routes under static",
                    t.inet6
                )
            } else {
                format!(
                    "Invalid route {prefix}: static routes of {} must be IPv4; configure IPv6 \
                     routes under rib {} static",
                    t.inet, t.inet6
                )
            };
            errs.push(error(path.to_vec(), format!("route {prefix}"), message));
        }
        let here = at(path, &["route", &prefix.to_string()]);
        let hops: Vec<(&str, &str)> = child(r, "next-hop")
            .map(|n| n.values.iter().map(|v| ("next-hop", v.as_str())).collect())
            .unwrap_or_default();
        let qualified = r
            .list("qualified-next-hop")
            .filter(|q| !q.inactive)
            .map(|q| ("qualified-next-hop", key(q)));
        if let Some(t) = child(r, "next-table").and_then(|n| n.values.first()) {
            errs.push(error(
                here.clone(),
                format!("next-table {}", quote(t)),
                "next-table is not supported yet",
            ));
        }
        for (word, hop) in hops.into_iter().chain(qualified) {
            let Ok(addr) = hop.parse::<IpAddr>() else {
                // Values are canonical: what is not an address is an interface unit.
                let mine = hop.parse::<UnitRef>().is_ok_and(|u| t.units.contains(&u));
                if !mine {
                    errs.push(error(
                        here.clone(),
                        format!("{word} {hop}"),
                        format!("{word} interface {hop} is not in {}", t.owner),
                    ));
                }
                continue;
            };
            if addr.is_ipv6() != route_v6 {
                errs.push(error(
                    here.clone(),
                    format!("{word} {addr}"),
                    format!(
                        "Invalid {word} {addr}: the next hop of an {} route must be an {} address",
                        family(route_v6),
                        family(route_v6)
                    ),
                ));
            }
        }
    }
}
