//! `show bgp summary | display json` and `show bgp neighbor [A] | display json`.

use serde::Serialize;
use serde_json::Value;

use lsys_fib::render::age_extensive;

use super::{established, rib_totals, to_value, wrap, Age, Options, RibTotals};
use crate::fsm::Notification;
use crate::show::group::type_name;
use crate::show::{with_port, PeerView, SummaryView, TableCounts};

/// A peer's (or a group's) counts in one table: `1/1/1/0`.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct PeerRib<'a> {
    name: &'a str,
    active_prefix_count: u64,
    received_prefix_count: u64,
    accepted_prefix_count: u64,
    suppressed_prefix_count: u64,
}

fn peer_rib(t: &TableCounts) -> PeerRib<'_> {
    PeerRib {
        name: &t.table,
        active_prefix_count: t.active,
        received_prefix_count: t.received,
        accepted_prefix_count: t.accepted,
        suppressed_prefix_count: t.damped,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SummaryPeer<'a> {
    peer_address: String,
    peer_as: u32,
    input_messages: u64,
    output_messages: u64,
    route_queue_count: usize,
    flap_count: u64,
    elapsed_time: Age,
    peer_state: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    bgp_rib: Vec<PeerRib<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SummaryInfo<'a> {
    group_count: usize,
    peer_count: usize,
    down_peer_count: usize,
    bgp_rib: Vec<RibTotals<'a>>,
    bgp_peer: Vec<SummaryPeer<'a>>,
}

/// `show bgp summary | display json`.
pub fn summary_json(view: &SummaryView) -> Value {
    let peers = view
        .peers
        .iter()
        .map(|p| SummaryPeer {
            peer_address: p.address.to_string(),
            peer_as: p.peer_as,
            input_messages: p.status.record.received.total(),
            output_messages: p.status.record.sent.total(),
            route_queue_count: p.status.out_queue,
            flap_count: p.status.record.flaps,
            elapsed_time: Age {
                seconds: p.last_change_age,
                text: age_extensive(p.last_change_age),
            },
            peer_state: p.status.state.junos_name(),
            bgp_rib: if established(p) {
                p.tables.iter().map(peer_rib).collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    let info = SummaryInfo {
        group_count: view.groups,
        peer_count: view.peers.len(),
        down_peer_count: view.peers.iter().filter(|p| !established(p)).count(),
        bgp_rib: rib_totals(&view.tables),
        bgp_peer: peers,
    };
    wrap("bgp-information", to_value(info))
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct BgpError {
    name: &'static str,
    send_count: u64,
    receive_count: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct NeighborRib<'a> {
    name: &'a str,
    rib_bit: usize,
    active_prefix_count: u64,
    received_prefix_count: u64,
    accepted_prefix_count: u64,
    advertised_prefix_count: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct NeighborPeer<'a> {
    peer_address: String,
    peer_as: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_address: Option<String>,
    local_as: u32,
    peer_group: &'a str,
    peer_cfg_rti: &'a str,
    peer_type: &'static str,
    peer_state: &'static str,
    peer_flags: &'static str,
    last_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_event: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: Option<&'static str>,
    bgp_option_information: Options<'a>,
    flap_count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    bgp_error: Vec<BgpError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    active_holdtime: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keepalive_interval: Option<u16>,
    peer_index: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    bgp_rib: Vec<NeighborRib<'a>>,
    input_messages: u64,
    input_updates: u64,
    input_refreshes: u64,
    input_octets: u64,
    output_messages: u64,
    output_updates: u64,
    output_refreshes: u64,
    output_octets: u64,
}

fn neighbor_peer(p: &PeerView, index: usize) -> NeighborPeer<'_> {
    let s = &p.status;
    let up = established(p);
    let local_address = match s.local {
        Some(l) if up => Some(with_port(l.ip(), Some(l))),
        Some(l) => Some(l.ip().to_string()),
        None => None,
    };
    let negotiated = s.negotiated.as_ref().filter(|_| up);
    let r = &s.record;
    NeighborPeer {
        peer_address: if up {
            p.remote()
        } else {
            p.address.to_string()
        },
        peer_as: p.peer_as,
        local_address,
        local_as: p.local_as,
        peer_group: &p.group,
        peer_cfg_rti: &p.instance,
        peer_type: type_name(p.peer_type),
        peer_state: s.state.junos_name(),
        peer_flags: if up { "Sync" } else { "" },
        last_state: r.last_state.junos_name(),
        last_event: r.last_event.map(|e| e.junos_name()),
        last_error: r.last_error.as_ref().map(|e| e.notification.code_name()),
        bgp_option_information: Options {
            export_policy: &p.export,
            import_policy: &p.import,
            bgp_options: p.options.join(" "),
            holdtime: p.hold_time,
            preference: Some(p.preference),
            local_as: Some(p.local_as),
            local_system_as: Some(0),
        },
        flap_count: r.flaps,
        bgp_error: r
            .errors
            .iter()
            .map(|(code, c)| BgpError {
                name: Notification::new(*code, 0, Vec::new()).code_name(),
                send_count: c.sent,
                receive_count: c.received,
            })
            .collect(),
        peer_id: negotiated.map(|n| n.peer_bgp_id.to_string()),
        local_id: up.then(|| p.local_id.to_string()),
        active_holdtime: negotiated.map(|n| n.hold_time),
        keepalive_interval: negotiated.map(|n| n.keepalive),
        peer_index: index,
        bgp_rib: if negotiated.is_some() {
            p.tables
                .iter()
                .map(|t| NeighborRib {
                    name: &t.table,
                    rib_bit: 20000 + index,
                    active_prefix_count: t.active,
                    received_prefix_count: t.received,
                    accepted_prefix_count: t.accepted,
                    advertised_prefix_count: t.advertised,
                })
                .collect()
        } else {
            Vec::new()
        },
        input_messages: r.received.total(),
        input_updates: r.received.update,
        input_refreshes: r.received.route_refresh,
        input_octets: s.in_octets,
        output_messages: r.sent.total(),
        output_updates: r.sent.update,
        output_refreshes: r.sent.route_refresh,
        output_octets: s.out_octets,
    }
}

/// `show bgp neighbor [A] | display json`.
pub fn neighbor_json(peers: &[PeerView]) -> Value {
    let peers: Vec<NeighborPeer<'_>> = peers
        .iter()
        .enumerate()
        .map(|(i, p)| neighbor_peer(p, i))
        .collect();
    wrap("bgp-information", wrap("bgp-peer", to_value(peers)))
}
