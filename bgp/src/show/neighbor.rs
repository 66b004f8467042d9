//! `show bgp neighbor [A]`: Junos's per-peer block (the key lines of junos-cli.md §4).

use std::fmt::Write;

use super::{with_port, PeerView};
use crate::fsm::{Direction, PeerType, State};

/// The blocks of `peers`, separated by blank lines.
pub fn neighbor(peers: &[PeerView]) -> String {
    let mut out = String::new();
    for (i, p) in peers.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        block(&mut out, p, i);
    }
    out
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!("[ {} ]", names.join(" "))
    }
}

fn block(out: &mut String, p: &PeerView, index: usize) {
    let s = &p.status;
    let established = s.state == State::Established;
    let local = match s.local {
        Some(l) if established => with_port(l.ip(), Some(l)),
        Some(l) => l.ip().to_string(),
        None => "unspecified".to_string(),
    };
    let remote = if established {
        p.remote()
    } else {
        p.address.to_string()
    };
    let _ = writeln!(
        out,
        "Peer: {remote} AS {} Local: {local} AS {}",
        p.peer_as, p.local_as
    );
    let _ = writeln!(
        out,
        "  Group: {:<22}Routing-Instance: {}",
        p.group, p.instance
    );
    let kind = match p.peer_type {
        PeerType::External => "External",
        PeerType::Internal => "Internal",
    };
    let flags = if established { "Sync" } else { "" };
    let _ = writeln!(
        out,
        "  Type: {kind:<12}State: {:<15}Flags: <{flags}>",
        s.state.junos_name()
    );
    let last_event = s.record.last_event.map_or("None", |e| e.junos_name());
    let _ = writeln!(
        out,
        "  Last State: {:<14}Last Event: {last_event}",
        s.record.last_state.junos_name()
    );
    let last_error = s
        .record
        .last_error
        .as_ref()
        .map_or("None", |e| e.notification.code_name());
    let _ = writeln!(out, "  Last Error: {last_error}");
    // Not in Junos's layout: why the last connection attempt failed (a wrong MD5 key shows
    // only as silence), while the session is not up.
    if let (false, Some(e)) = (established, &s.connect_error) {
        let _ = writeln!(out, "  Last connect error: {e}");
    }
    let (export, import) = (list(&p.export), list(&p.import));
    let policies: Vec<String> = [("Export", export), ("Import", import)]
        .into_iter()
        .filter(|(_, l)| !l.is_empty())
        .map(|(w, l)| format!("{w}: {l}"))
        .collect();
    if !policies.is_empty() {
        let _ = writeln!(out, "  {}", policies.join(" "));
    }
    let _ = writeln!(out, "  Options: <{}>", p.options.join(" "));
    let _ = writeln!(
        out,
        "  Holdtime: {} Preference: {} Local AS: {} Local System AS: 0",
        p.hold_time, p.preference, p.local_as
    );
    let _ = writeln!(out, "  Number of flaps: {}", s.record.flaps);
    if let Some(e) = &s.record.last_error {
        let (sent, recv) = s
            .record
            .errors
            .get(&e.notification.code)
            .map_or((0, 0), |c| (c.sent, c.received));
        let dir = match e.direction {
            Direction::Sent => "sent",
            Direction::Received => "received",
        };
        let sub = e.notification.subcode_name().unwrap_or("");
        let _ = writeln!(
            out,
            "  Error: '{}' Sent: {sent} Recv: {recv}",
            e.notification.code_name()
        );
        if !sub.is_empty() {
            let _ = writeln!(out, "  Last error {dir}: {sub}");
        }
    }
    if let (true, Some(n)) = (established, &s.negotiated) {
        let _ = writeln!(
            out,
            "  Peer ID: {:<16}Local ID: {:<18}Active Holdtime: {}",
            n.peer_bgp_id.to_string(),
            p.local_id.to_string(),
            n.hold_time
        );
        let _ = writeln!(
            out,
            "  Keepalive Interval: {:<11}Peer index: {index}",
            n.keepalive
        );
        for t in &p.tables {
            let _ = writeln!(out, "  Table {} Bit: {}", t.table, 20000 + index);
            let _ = writeln!(out, "    Active prefixes:              {}", t.active);
            let _ = writeln!(out, "    Received prefixes:            {}", t.received);
            let _ = writeln!(out, "    Accepted prefixes:            {}", t.accepted);
            let _ = writeln!(out, "    Advertised prefixes:          {}", t.advertised);
        }
    }
    let r = &s.record;
    let _ = writeln!(
        out,
        "  Input messages:  Total {}\tUpdates {}\tRefreshes {}\tOctets {}",
        r.received.total(),
        r.received.update,
        r.received.route_refresh,
        s.in_octets
    );
    let _ = writeln!(
        out,
        "  Output messages: Total {}\tUpdates {}\tRefreshes {}\tOctets {}",
        r.sent.total(),
        r.sent.update,
        r.sent.route_refresh,
        s.out_octets
    );
}
