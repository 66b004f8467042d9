//! `show bgp group [NAME] | display json`.

use serde::Serialize;
use serde_json::Value;

use super::{established, rib_totals, to_value, wrap, Options, RibTotals};
use crate::show::group::{group_tables, type_name};
use crate::show::{GroupsView, PeerView};

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Group<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    peer_as: Option<u32>,
    local_as: u32,
    name: &'a str,
    group_index: usize,
    group_flags: &'static str,
    bgp_option_information: Options<'a>,
    peer_count: usize,
    established_count: usize,
    peer_address: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    bgp_rib: Vec<GroupRib>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct GroupRib {
    name: String,
    active_prefix_count: u64,
    received_prefix_count: u64,
    accepted_prefix_count: u64,
    suppressed_prefix_count: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct GroupTotals<'a> {
    group_count: usize,
    peer_count: usize,
    external_peer_count: usize,
    internal_peer_count: usize,
    down_peer_count: usize,
    flap_count: u64,
    bgp_rib: Vec<RibTotals<'a>>,
}

/// `show bgp group [NAME] | display json`.
pub fn groups_json(view: &GroupsView) -> Value {
    let groups: Vec<Group<'_>> = view
        .groups
        .iter()
        .map(|g| Group {
            kind: type_name(g.peer_type),
            peer_as: g.peer_as,
            local_as: g.local_as,
            name: &g.name,
            group_index: g.index,
            group_flags: "Export Eval",
            bgp_option_information: Options {
                export_policy: &g.export,
                import_policy: &g.import,
                bgp_options: String::new(),
                holdtime: g.hold_time,
                preference: None,
                local_as: None,
                local_system_as: None,
            },
            peer_count: g.peers.len(),
            established_count: g.peers.iter().filter(|p| established(p)).count(),
            peer_address: g.peers.iter().map(PeerView::remote).collect(),
            bgp_rib: group_tables(g)
                .into_iter()
                .map(|t| GroupRib {
                    name: t.table,
                    active_prefix_count: t.active,
                    received_prefix_count: t.received,
                    accepted_prefix_count: t.accepted,
                    suppressed_prefix_count: t.damped,
                })
                .collect(),
        })
        .collect();
    let mut info = serde_json::Map::new();
    info.insert("bgp-group".into(), to_value(groups));
    if view.trailer {
        let peers: Vec<&PeerView> = view.groups.iter().flat_map(|g| &g.peers).collect();
        let external = peers
            .iter()
            .filter(|p| p.peer_type == crate::fsm::PeerType::External)
            .count();
        info.insert(
            "bgp-information".into(),
            to_value(GroupTotals {
                group_count: view.group_count,
                peer_count: peers.len(),
                external_peer_count: external,
                internal_peer_count: peers.len() - external,
                down_peer_count: peers.iter().filter(|p| !established(p)).count(),
                flap_count: peers.iter().map(|p| p.status.record.flaps).sum(),
                bgp_rib: rib_totals(&view.tables),
            }),
        );
    }
    wrap("bgp-group-information", Value::Object(info))
}
