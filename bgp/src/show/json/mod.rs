//! `| display json` of the BGP show commands: serde structs whose field names are Junos's XML
//! element names (the shape is documented in the module doc of [`super`]). Values are plain
//! JSON numbers and strings, not Junos's `[{"data": ...}]` wrappers; optional members are left
//! out rather than `null`, empty lists of optional elements too.
//!
//! `peers.rs`: `show bgp summary` and `show bgp neighbor`; `groups.rs`: `show bgp group`;
//! `routes.rs`: `show route receive-protocol | advertising-protocol bgp A`.

mod groups;
mod peers;
mod routes;

use serde::Serialize;
use serde_json::Value;

use super::{PeerView, TableTotals};
use crate::fsm::State;

pub use groups::groups_json;
pub use peers::{neighbor_json, summary_json};
pub use routes::routes_json;

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `{ key: value }`.
fn wrap(key: &str, value: Value) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(key.to_string(), value);
    Value::Object(m)
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A duration as seconds and as the text layout prints it.
#[derive(Serialize)]
struct Age {
    seconds: i64,
    text: String,
}

/// A master-instance table of the `Table` block.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RibTotals<'a> {
    name: &'a str,
    total_prefix_count: u64,
    active_prefix_count: u64,
    suppressed_prefix_count: u64,
    history_prefix_count: u64,
    damped_prefix_count: u64,
    pending_prefix_count: u64,
}

fn rib_totals(tables: &[TableTotals]) -> Vec<RibTotals<'_>> {
    tables
        .iter()
        .map(|t| RibTotals {
            name: &t.table,
            total_prefix_count: t.paths,
            active_prefix_count: t.active,
            suppressed_prefix_count: 0,
            history_prefix_count: 0,
            damped_prefix_count: 0,
            pending_prefix_count: 0,
        })
        .collect()
}

fn established(p: &PeerView) -> bool {
    p.status.state == State::Established
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Options<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    export_policy: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    import_policy: &'a [String],
    #[serde(skip_serializing_if = "String::is_empty")]
    bgp_options: String,
    holdtime: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    preference: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_as: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_system_as: Option<u32>,
}
