//! `| display json`: the shape documented in the module doc of [`crate::render`].

use std::net::Ipv4Addr;

use serde_json::{json, Map, Value};

use super::summary::ordered;
use super::{
    age, age_of, announced, inactive_reason, nh_type, preference2, state_flags, VALIDATION,
};
use crate::view::{DestView, NextHopView, RouteView, TableView};
use crate::FibState;

/// `show route [terse|extensive] | display json`: the tables that have destinations in the
/// view (as the text forms print them), every field of the extensive form.
pub fn routes_json(tables: &[TableView], now: i64) -> Value {
    let tables: Vec<Value> = tables
        .iter()
        .filter(|t| !t.dests.is_empty())
        .map(|t| {
            let mut v = counts(t);
            let rts: Vec<Value> = t.dests.iter().map(|d| dest(d, now)).collect();
            v.insert("rt".into(), Value::Array(rts));
            Value::Object(v)
        })
        .collect();
    json!({ "route-information": { "route-table": tables } })
}

/// `show route summary | display json`.
pub fn summary_json(
    autonomous_system: Option<u32>,
    router_id: Option<Ipv4Addr>,
    tables: &[TableView],
) -> Value {
    let mut info = Map::new();
    if let Some(asn) = autonomous_system {
        info.insert("as-number".into(), asn.into());
    }
    if let Some(id) = router_id {
        info.insert("router-id".into(), id.to_string().into());
    }
    let tables: Vec<Value> = tables
        .iter()
        .map(|t| {
            let mut v = counts(t);
            let protocols: Vec<Value> = ordered(t)
                .map(|c| {
                    json!({
                        "protocol-name": c.protocol.name(),
                        "protocol-route-count": c.routes,
                        "active-route-count": c.active,
                    })
                })
                .collect();
            v.insert("protocols".into(), Value::Array(protocols));
            Value::Object(v)
        })
        .collect();
    info.insert("route-table".into(), Value::Array(tables));
    json!({ "route-summary-information": info })
}

/// The table name, its counts and its limit.
fn counts(t: &TableView) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("table-name".into(), t.name.clone().into());
    v.insert("destination-count".into(), t.destinations.into());
    v.insert("total-route-count".into(), t.routes.into());
    v.insert("active-route-count".into(), t.active.into());
    v.insert("holddown-route-count".into(), t.holddown.into());
    v.insert("hidden-route-count".into(), t.hidden.into());
    if let Some(l) = &t.limit {
        v.insert(
            "limit".into(),
            json!({ "max-prefixes": l.max_prefixes, "refused": l.refused }),
        );
    }
    v
}

fn dest(d: &DestView, now: i64) -> Value {
    let entries: Vec<Value> = d.routes.iter().map(|r| entry(d, r, now)).collect();
    json!({
        "rt-destination": d.prefix.to_string(),
        "rt-entry-count": d.routes.len(),
        "rt-announced-count": announced(d),
        "rt-entry": entries,
    })
}

fn entry(d: &DestView, r: &RouteView, now: i64) -> Value {
    let seconds = age_of(r, now);
    let mut v = Map::new();
    v.insert("active-tag".into(), if r.active { "*" } else { "" }.into());
    v.insert("protocol-name".into(), r.protocol.name().into());
    v.insert("preference".into(), r.preference.into());
    if let Some(p) = r.bgp.as_deref().and_then(preference2) {
        v.insert("preference2".into(), p.into());
    }
    v.insert(
        "age".into(),
        json!({ "seconds": seconds, "text": age(seconds) }),
    );
    v.insert("rt-entry-state".into(), state_flags(r).into());
    if let Some(reason) = inactive_reason(d, r) {
        v.insert("inactive-reason".into(), reason.into());
    }
    v.insert("hidden".into(), r.hidden.into());
    v.insert("nh-type".into(), nh_type(r).into());
    let nhs: Vec<Value> = r.next_hops.iter().filter_map(nh).collect();
    v.insert("nh".into(), Value::Array(nhs));
    if let Some(b) = &r.bgp {
        v.insert("learned-from".into(), b.from.to_string().into());
        if let Some(a) = b.local_as {
            v.insert("local-as".into(), a.into());
        }
        v.insert("peer-as".into(), b.peer_as.into());
        if let Some(id) = b.router_id {
            v.insert("peer-id".into(), id.to_string().into());
        }
        v.insert("as-path".into(), b.as_path.clone().into());
        v.insert("validation-state".into(), VALIDATION.into());
        if let Some(lp) = b.local_pref {
            v.insert("local-preference".into(), lp.into());
        }
        if let Some(med) = b.med {
            v.insert("med".into(), med.into());
        }
        if !b.communities.is_empty() {
            v.insert("communities".into(), b.communities.clone().into());
        }
    }
    match &r.fib {
        FibState::None => {}
        FibState::Pending => {
            v.insert("kernel".into(), json!({ "state": "pending" }));
        }
        FibState::Installed => {
            v.insert("kernel".into(), json!({ "state": "installed" }));
        }
        FibState::Refused(msg) => {
            v.insert(
                "kernel".into(),
                json!({ "state": "refused", "message": msg }),
            );
        }
    }
    Value::Object(v)
}

/// One `nh` element; Discard and Reject have none.
fn nh(h: &NextHopView) -> Option<Value> {
    Some(match h {
        NextHopView::Gateway {
            address,
            ifname,
            selected,
        } => {
            let mut v = Map::new();
            if *selected {
                v.insert("selected-next-hop".into(), true.into());
            }
            v.insert("to".into(), address.to_string().into());
            v.insert("via".into(), ifname.clone().into());
            Value::Object(v)
        }
        NextHopView::Interface { ifname, selected } => {
            let mut v = Map::new();
            if *selected {
                v.insert("selected-next-hop".into(), true.into());
            }
            v.insert("via".into(), ifname.clone().into());
            Value::Object(v)
        }
        NextHopView::Local { ifname } => json!({ "nh-local-interface": ifname }),
        NextHopView::Unresolved { address } => {
            json!({ "to": address.to_string(), "unresolved": true })
        }
        NextHopView::UnresolvedInterface { ifname } => {
            json!({ "via": ifname, "unresolved": true })
        }
        NextHopView::Discard | NextHopView::Reject => return None,
    })
}
