//! Operational commands answered from the live kernel: `show interfaces [NAME] [terse]` (the
//! `| display json` shape is the terse one for both), `show arp` and
//! `show route forwarding-table [table NAME]`. What a view may see comes from the running
//! configuration (crate::show::visible); the state comes from the kernel: links and addresses
//! from the event-fed live state, routes from a dump of each table asked for.

use lsys_grammar::cli::Invocation;
use lsys_grammar::typed;
use lsys_netlink::live::KernelRoute;

use super::json_reply as json;
use super::{Display, Reply};
use crate::core::Core;
use crate::routing::config::MAIN_TABLE;
use crate::session::Session;
use crate::show::{self, forwarding, visible, TableRef};

fn intent(core: &Core) -> Result<std::sync::Arc<typed::Intent>, Box<Reply>> {
    super::running_intent(core).map_err(|e| Box::new(Reply::error(e)))
}

/// `show interfaces [NAME] terse`.
pub(super) fn interfaces(core: &Core, s: &Session, inv: &Invocation, display: &Display) -> Reply {
    let Some(kernel) = &core.kernel else {
        return Reply::error("error: no dataplane: lsysd runs with --no-dataplane");
    };
    let live = &kernel.live;
    let intent = match intent(core) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let view = visible::interfaces(&intent, s.view.logical_system());
    let name = inv.arg("interface-name");
    if !inv.has("terse") && *display != Display::Json {
        // Counters change with every packet: read them now rather than keep them live.
        let counters = match kernel.runtime.block_on(lsys_netlink::live::counters_now()) {
            Ok(c) => c,
            Err(e) => return Reply::error(format!("error: kernel: {e}")),
        };
        let live = live.read().unwrap_or_else(|e| e.into_inner());
        return show::detail::detail(&view, &live.state, &counters, name, inv.has("extensive"))
            .map(Reply::ok)
            .unwrap_or_else(|e| Reply::error(format!("error: {e}")));
    }
    let live = live.read().unwrap_or_else(|e| e.into_inner());
    let r = match display {
        Display::Json => show::terse_json(&view, &live.state, name).map(json),
        _ => show::terse(&view, &live.state, name).map(Reply::ok),
    };
    r.unwrap_or_else(|e| Reply::error(format!("error: {e}")))
}

/// `show arp [no-resolve] [interface NAME]`: the ARP table, read now.
pub(super) fn arp(core: &Core, s: &Session, inv: &Invocation) -> Reply {
    let Some(kernel) = &core.kernel else {
        return Reply::error("error: no dataplane: lsysd runs with --no-dataplane");
    };
    let intent = match intent(core) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let view = visible::interfaces(&intent, s.view.logical_system());
    let neighbors = match kernel.runtime.block_on(lsys_netlink::live::neighbors_now()) {
        Ok(n) => n,
        Err(e) => return Reply::error(format!("error: kernel: {e}")),
    };
    let live = kernel.live.read().unwrap_or_else(|e| e.into_inner());
    show::arp::arp(
        &view,
        &live.state,
        &neighbors,
        inv.arg("interface"),
        !inv.has("no-resolve"),
    )
    .map(Reply::ok)
    .unwrap_or_else(|e| Reply::error(format!("error: {e}")))
}

/// `show route forwarding-table [table NAME]`.
pub(super) fn forwarding_table(
    core: &Core,
    s: &Session,
    inv: &Invocation,
    display: &Display,
) -> Reply {
    let Some(kernel) = &core.kernel else {
        return Reply::error("error: no dataplane: lsysd runs with --no-dataplane");
    };
    let intent = match intent(core) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let allocated: std::collections::BTreeMap<String, u32> = match core.store.table_allocations() {
        Ok(t) => t.into_iter().collect(),
        Err(e) => return Reply::error(format!("error: {e}")),
    };
    // A master instance that needs no VRF (no interface in it) has no table to show.
    let visible: Vec<_> = visible::tables(&intent, s.view.logical_system())
        .into_iter()
        .filter(|t| match &t.table {
            TableRef::Main => true,
            TableRef::Instance(key) => allocated.contains_key(key),
        })
        .collect();
    let filter = inv.arg("table");
    let chosen = match forwarding::select(&visible, filter) {
        Ok(c) => c,
        Err(e) => return Reply::error(format!("error: {e}")),
    };
    let ports = typed::PortMap::of(&intent);
    let mut tables: Vec<(String, Vec<KernelRoute>)> = Vec::new();
    for (t, _) in chosen {
        let id = match &t.table {
            TableRef::Main => MAIN_TABLE,
            TableRef::Instance(key) => allocated[key],
        };
        match kernel.runtime.block_on(lsys_netlink::live::routes(id)) {
            Ok(mut routes) => {
                junos_devices(&mut routes, &ports);
                tables.push((t.name.clone(), routes))
            }
            Err(e) => return Reply::error(format!("error: kernel: {e}")),
        }
    }
    let r = match display {
        Display::Json => forwarding::forwarding_table_json(&tables, filter).map(json),
        _ => show::forwarding_table(&tables, filter).map(Reply::ok),
    };
    r.unwrap_or_else(|e| Reply::error(format!("error: {e}")))
}

/// Names a Junos port's devices as configured (`eth1.4` → `ge-0/0/1.4`).
fn junos_devices(routes: &mut [KernelRoute], ports: &typed::PortMap) {
    if ports.is_empty() {
        return;
    }
    for dev in routes
        .iter_mut()
        .flat_map(|r| &mut r.next_hops)
        .filter_map(|h| h.dev.as_mut())
    {
        *dev = ports.junos(dev).into_owned();
    }
}
