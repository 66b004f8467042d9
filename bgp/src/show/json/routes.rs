//! `show route receive-protocol | advertising-protocol bgp A | display json`.

use serde::Serialize;
use serde_json::Value;

use super::{is_false, to_value, wrap};
use crate::show::RouteTable;

#[derive(Serialize)]
struct Nh {
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(rename = "self", skip_serializing_if = "is_false")]
    is_self: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RtEntry {
    active_tag: &'static str,
    protocol_name: &'static str,
    hidden: bool,
    nh: Vec<Nh>,
    #[serde(skip_serializing_if = "Option::is_none")]
    med: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_preference: Option<u32>,
    as_path: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Rt {
    rt_destination: String,
    rt_entry: Vec<RtEntry>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Table<'a> {
    table_name: &'a str,
    destination_count: usize,
    total_route_count: usize,
    active_route_count: usize,
    holddown_route_count: usize,
    hidden_route_count: usize,
    rt: Vec<Rt>,
}

/// `show route receive-protocol|advertising-protocol bgp A | display json`: the shape of
/// `show route | display json` with the fields these commands print.
pub fn routes_json(tables: &[RouteTable]) -> Value {
    let tables: Vec<Table<'_>> = tables
        .iter()
        .map(|t| Table {
            table_name: &t.name,
            destination_count: t.destinations,
            total_route_count: t.routes,
            active_route_count: t.active,
            holddown_route_count: t.holddown,
            hidden_route_count: t.hidden,
            rt: t
                .lines
                .iter()
                .map(|l| Rt {
                    rt_destination: l.prefix.to_string(),
                    rt_entry: vec![RtEntry {
                        active_tag: if l.active { "*" } else { "" },
                        protocol_name: "BGP",
                        hidden: l.hidden,
                        nh: if l.next_hop.is_some() || l.next_hop_self {
                            vec![Nh {
                                to: l.next_hop.map(|a| a.to_string()),
                                is_self: l.next_hop_self,
                            }]
                        } else {
                            Vec::new()
                        },
                        med: l.med,
                        local_preference: l.local_pref,
                        as_path: l.as_path.clone(),
                    }],
                })
                .collect(),
        })
        .collect();
    wrap("route-information", wrap("route-table", to_value(tables)))
}
