//! `show interfaces terse [NAME]`: the visible interfaces with the live kernel state.
//!
//! State comes from the kernel device of each row (see [`super::visible`]): Admin is `IFF_UP`,
//! Link is "really forwarding" (netlink::live). Local addresses are the kernel's, shown under
//! the families configured on the unit (inet rows, then inet6 rows; a family with several
//! addresses takes one continuation row per extra address; IPv6 link-local addresses appear
//! under inet6 when inet6 is configured, as on Junos).
//!
//! Absent kernel devices (Junos shows configuration for missing hardware nowhere):
//! * a port the kernel does not have is not listed, nor are its units; naming it gives
//!   `device NAME not found`;
//! * a unit whose device is missing (an irb whose bridge is gone, a member whose VLAN device
//!   was removed behind lsys's back) is listed `up down`: Admin follows the configuration
//!   (lsys brings every device it makes up; there is no `disable`), Link is down because
//!   nothing forwards; no addresses.

use ipnet::IpNet;
use lsys_netlink::live::LiveState;
use serde_json::{json, Value};

use super::visible::{PhysicalKind, Proto, VisiblePhysical};
use super::ShowError;

const HEADER: &str = "Interface               Admin Link Proto    Local                 Remote";

/// One logical row group as displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UnitRow {
    pub name: String,
    /// The kernel device (a Junos port's unit is its `linux-name`'s).
    pub device: String,
    pub admin: bool,
    pub link: bool,
    pub families: Vec<(Proto, Vec<IpNet>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PhysRow {
    pub name: String,
    pub device: String,
    /// (admin, link) when the row shows state.
    pub status: Option<(bool, bool)>,
    pub units: Vec<UnitRow>,
}

/// The rows to show; `logical_only` when NAME picked one unit (no physical row then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Terse {
    pub rows: Vec<PhysRow>,
    pub logical_only: bool,
}

fn unit_row(u: &super::visible::VisibleUnit, live: &LiveState) -> UnitRow {
    let dev = live.by_name(&u.device);
    let families = u
        .protos
        .iter()
        .map(|p| {
            let addrs = dev
                .map(|d| {
                    d.addresses
                        .iter()
                        .filter(|a| match p {
                            Proto::Inet => matches!(a, IpNet::V4(_)),
                            Proto::Inet6 => matches!(a, IpNet::V6(_)),
                            Proto::Bridge | Proto::Multiservice => false,
                        })
                        .copied()
                        .collect()
                })
                .unwrap_or_default();
            (*p, addrs)
        })
        .collect();
    UnitRow {
        name: u.name.clone(),
        device: u.device.clone(),
        admin: dev.is_none_or(|d| d.admin_up),
        link: dev.is_some_and(|d| d.oper_up),
        families,
    }
}

/// The physical row, or `None` when its port is absent from the kernel.
fn phys_row(p: &VisiblePhysical, live: &LiveState) -> Option<PhysRow> {
    let port = match p.kind {
        PhysicalKind::Port => Some(live.by_name(&p.device)?),
        PhysicalKind::Irb => None,
    };
    Some(PhysRow {
        name: p.name.clone(),
        device: p.device.clone(),
        status: port.filter(|_| p.status).map(|d| (d.admin_up, d.oper_up)),
        units: p.units.iter().map(|u| unit_row(u, live)).collect(),
    })
}

pub(super) fn collect(
    view: &[VisiblePhysical],
    live: &LiveState,
    name: Option<&str>,
) -> Result<Terse, ShowError> {
    let not_found = || ShowError::NoDevice(name.unwrap_or_default().to_string());
    let Some(name) = name else {
        return Ok(Terse {
            rows: view.iter().filter_map(|p| phys_row(p, live)).collect(),
            logical_only: false,
        });
    };
    if let Some(p) = view.iter().find(|p| p.name == name) {
        let row = phys_row(p, live).ok_or_else(not_found)?;
        return Ok(Terse {
            rows: vec![row],
            logical_only: false,
        });
    }
    for p in view {
        if let Some(u) = p.units.iter().find(|u| u.name == name) {
            let mut row = phys_row(p, live).ok_or_else(not_found)?;
            row.units = vec![unit_row(u, live)];
            return Ok(Terse {
                rows: vec![row],
                logical_only: true,
            });
        }
    }
    Err(not_found())
}

fn up(b: bool) -> &'static str {
    if b {
        "up"
    } else {
        "down"
    }
}

fn line(out: &mut String, cols: [&str; 5]) {
    let widths = [24, 6, 5, 9, 22];
    let cols: Vec<(&str, usize)> = cols.into_iter().zip(widths).collect();
    super::columns::row(out, &cols);
}

fn unit_text(out: &mut String, u: &UnitRow) {
    let (admin, link) = (up(u.admin), up(u.link));
    let mut first = true;
    for (proto, addrs) in &u.families {
        let mut proto_col = proto.name();
        let locals: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
        let locals = if locals.is_empty() {
            vec![String::new()]
        } else {
            locals
        };
        for local in &locals {
            if first {
                line(out, [&u.name, admin, link, proto_col, local]);
                first = false;
            } else {
                line(out, ["", "", "", proto_col, local]);
            }
            proto_col = "";
        }
    }
    if first {
        line(out, [&u.name, admin, link, "", ""]);
    }
}

/// `show interfaces terse [NAME]` as text.
pub fn terse(
    view: &[VisiblePhysical],
    live: &LiveState,
    name: Option<&str>,
) -> Result<String, ShowError> {
    let t = collect(view, live, name)?;
    let mut out = String::new();
    out.push_str(HEADER);
    out.push('\n');
    for p in &t.rows {
        if !t.logical_only {
            match p.status {
                Some((admin, link)) => line(&mut out, [&p.name, up(admin), up(link), "", ""]),
                None => line(&mut out, [&p.name, "", "", "", ""]),
            }
        }
        for u in &p.units {
            unit_text(&mut out, u);
        }
    }
    Ok(out)
}

fn unit_json(u: &UnitRow) -> Value {
    let families: Vec<Value> = u
        .families
        .iter()
        .map(|(p, addrs)| {
            let mut f = json!({ "address-family-name": p.name() });
            if !addrs.is_empty() {
                f["interface-address"] = addrs
                    .iter()
                    .map(|a| json!({ "ifa-local": a.to_string() }))
                    .collect();
            }
            f
        })
        .collect();
    let mut v = json!({
        "name": u.name,
        "admin-status": up(u.admin),
        "oper-status": up(u.link),
    });
    if !families.is_empty() {
        v["address-family"] = Value::Array(families);
    }
    v
}

/// `show interfaces terse [NAME] | display json` (shape in the module doc of [`super`]).
pub fn terse_json(
    view: &[VisiblePhysical],
    live: &LiveState,
    name: Option<&str>,
) -> Result<Value, ShowError> {
    let t = collect(view, live, name)?;
    if t.logical_only {
        let units: Vec<Value> = t
            .rows
            .iter()
            .flat_map(|p| p.units.iter().map(unit_json))
            .collect();
        return Ok(json!({ "interface-information": [{ "logical-interface": units }] }));
    }
    let phys: Vec<Value> = t
        .rows
        .iter()
        .map(|p| {
            let mut v = json!({ "name": p.name });
            if let Some((admin, link)) = p.status {
                v["admin-status"] = up(admin).into();
                v["oper-status"] = up(link).into();
            }
            if !p.units.is_empty() {
                v["logical-interface"] = p.units.iter().map(unit_json).collect();
            }
            v
        })
        .collect();
    Ok(json!({ "interface-information": [{ "physical-interface": phys }] }))
}
