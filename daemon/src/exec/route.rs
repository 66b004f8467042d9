//! `show route [DEST [exact|longer|orlonger]] [table T] [protocol P] [hidden] [terse|extensive]`
//! and `show route summary`: the RIB's tables a view may see, rendered by lsys-fib.
//!
//! Table names: a tenant sees its master instance as `inet.0`/`inet6.0` and each of its
//! routing instances as `NAME.inet.0`; the operator sees the root's the same way and a logical
//! system's prefixed `LS/` (`l2/inet.0`, `l2/CUST.inet.0`), as Junos names logical-system
//! tables. `table T` picks the tables whose names start with T (Junos prefix-matches); a name
//! the view cannot see is `routing table T not found`, whether it exists elsewhere or not.

use ipnet::IpNet;
use lsys_fib::render;
use lsys_fib::view::{DestFilter, Query, TableView};
use lsys_fib::{Family, Protocol};
use lsys_grammar::cli::Invocation;
use lsys_grammar::typed::{Intent, PortMap};

use super::{json_reply as json, Display, Reply};
use crate::core::Core;
use crate::session::Session;
use crate::show::{visible, TableRef};

/// One table (family) a view may see: the RIB key and the name it is shown under.
struct Seen {
    key: String,
    family: Family,
    name: String,
}

/// The RIB key of a visible table.
fn key_of(t: &TableRef) -> String {
    match t {
        TableRef::Main => crate::routing::config::MAIN_KEY.to_string(),
        TableRef::Instance(k) => k.clone(),
    }
}

/// `inet.0`, `CUST.inet.0`, `l2/inet.0`, `l2/CUST.inet.0` from the visible name (`default`,
/// `CUST`, `l2/default`, `l2/CUST`).
fn shown_name(visible: &str, family: Family) -> String {
    let (prefix, base) = match visible.split_once('/') {
        Some((ls, base)) => (format!("{ls}/"), base),
        None => (String::new(), visible),
    };
    let base = if base == "default" { "" } else { base };
    format!("{prefix}{}", family.table_name(base))
}

fn seen_tables(intent: &Intent, s: &Session) -> Vec<Seen> {
    let mut out = Vec::new();
    for family in [Family::Inet, Family::Inet6] {
        for t in visible::tables(intent, s.view.logical_system()) {
            out.push(Seen {
                key: key_of(&t.table),
                family,
                name: shown_name(&t.name, family),
            });
        }
    }
    out.sort_by_key(|t| table_order(&t.name));
    out
}

/// Junos order: each instance's inet.0 and inet6.0 side by side, the master first; a logical
/// system's tables (`l2/inet.0`, `l2/CUST.inet.0`) after the root's, in the same order.
fn table_order(name: &str) -> (String, bool) {
    let base = name
        .strip_suffix("inet.0")
        .or_else(|| name.strip_suffix("inet6.0"))
        .unwrap_or(name);
    (base.to_string(), name.ends_with("inet6.0"))
}

fn protocol(word: &str) -> Option<Protocol> {
    Some(match word {
        "direct" => Protocol::Direct,
        "local" => Protocol::Local,
        "static" => Protocol::Static,
        "bgp" => Protocol::Bgp,
        _ => return None,
    })
}

/// The destination filter of the command line, and the family it restricts to. The command
/// parser gives a bare address as a host prefix (`10.0.0.1/32`); what was typed tells a
/// longest-match lookup (`show route 10.0.0.1`) from a prefix (`show route 10.0.0.1/32`).
fn dest_filter(inv: &Invocation, line: &str) -> Result<(DestFilter, Option<Family>), String> {
    let Some(d) = inv.arg("destination") else {
        return Ok((DestFilter::All, None));
    };
    if let Ok(p) = d.parse::<IpNet>() {
        let typed_bare = p.prefix_len() == p.max_prefix_len()
            && line.split_whitespace().any(|w| w.parse() == Ok(p.addr()));
        if typed_bare && !inv.has("exact") && !inv.has("longer") && !inv.has("orlonger") {
            return Ok((DestFilter::Lookup(p.addr()), Some(Family::of(&p))));
        }
        let f = if inv.has("exact") {
            DestFilter::Exact(p)
        } else if inv.has("longer") {
            DestFilter::Longer(p)
        } else {
            DestFilter::OrLonger(p)
        };
        return Ok((f, Some(Family::of(&p))));
    }
    match d.parse::<std::net::IpAddr>() {
        Ok(a) => Ok((DestFilter::Lookup(a), Some(Family::of(&IpNet::from(a))))),
        Err(_) => Err(format!("error: invalid destination '{d}'")),
    }
}

/// `show route ...`.
pub(super) fn show_route(
    core: &Core,
    s: &Session,
    inv: &Invocation,
    display: &Display,
    line: &str,
) -> Reply {
    let Some(rib) = &core.rib else {
        return Reply::error("error: no dataplane: lsysd runs with --no-dataplane");
    };
    let intent = match super::running_intent(core) {
        Ok(i) => i,
        Err(e) => return Reply::error(e),
    };
    let mut seen = seen_tables(&intent, s);
    if let Some(t) = inv.arg("table") {
        seen.retain(|x| x.name.starts_with(t));
        if seen.is_empty() {
            return Reply::error(format!("error: routing table {t} not found"));
        }
    }
    let summary = inv.has("summary");
    let (dest, family) = match dest_filter(inv, line) {
        Ok(d) => d,
        Err(e) => return Reply::error(e),
    };
    if let Some(f) = family {
        seen.retain(|x| x.family == f);
    }
    let query = Query {
        dest,
        protocol: inv.arg("protocol").and_then(protocol),
        hidden: inv.has("hidden"),
        routes: !summary,
    };
    // The RIB knows Linux devices; the user sees Junos port names where the root maps them.
    let ports = PortMap::of(&intent);
    let views = rib.query(move |rib, _| {
        seen.iter()
            .filter_map(|t| {
                let mut v = rib.view(&t.key, t.family, &query)?;
                v.name = t.name.clone();
                if !ports.is_empty() {
                    v.rename_interfaces(|dev| Some(ports.junos(dev).into_owned()));
                }
                Some(v)
            })
            .collect::<Vec<TableView>>()
    });
    let views = match views {
        Ok(v) => v,
        Err(e) => return Reply::error(format!("error: {e}")),
    };
    let now = core.now();
    if summary {
        let ro = match s.view.logical_system() {
            Some(ls) => intent.logical_systems.get(ls).map(|sc| &sc.routing_options),
            None => Some(&intent.root.routing_options),
        };
        let (asn, rid) = ro.map_or((None, None), |r| (r.autonomous_system, r.router_id));
        return match display {
            Display::Json => json(render::summary_json(asn, rid, &views)),
            _ => Reply::ok(render::summary(asn, rid, &views)),
        };
    }
    // Junos prints only the tables with a matching destination. Every tenant table has a
    // limit (a default one when the operator set none): it is shown by `show route summary`
    // only, so the route listings keep the layout of the seed's capture.
    let views: Vec<TableView> = views
        .into_iter()
        .filter(|v| !v.dests.is_empty())
        .map(|v| TableView { limit: None, ..v })
        .collect();
    // A large table goes out in chunks as the client takes them (and stops on Ctrl-C).
    match display {
        Display::Json => json(render::routes_json(&views, now)),
        _ if inv.has("terse") => Reply::streamed(render::terse(&views, now)),
        _ if inv.has("extensive") => Reply::streamed(render::extensive(&views, now)),
        _ => Reply::streamed(render::routes(&views, now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_in_junos_order() {
        let mut names = vec![
            "l2/CUST.inet.0",
            "l2/inet6.0",
            "CUST.inet6.0",
            "l2/inet.0",
            "inet6.0",
            "CUST.inet.0",
            "inet.0",
        ];
        names.sort_by_key(|n| table_order(n));
        assert_eq!(
            names,
            [
                "inet.0",
                "inet6.0",
                "CUST.inet.0",
                "CUST.inet6.0",
                "l2/inet.0",
                "l2/inet6.0",
                "l2/CUST.inet.0"
            ]
        );
    }

    #[test]
    fn table_names_as_junos_prints_them() {
        assert_eq!(shown_name("default", Family::Inet), "inet.0");
        assert_eq!(shown_name("CUST", Family::Inet6), "CUST.inet6.0");
        assert_eq!(shown_name("l2/default", Family::Inet), "l2/inet.0");
        assert_eq!(shown_name("l2/CUST", Family::Inet), "l2/CUST.inet.0");
    }
}
