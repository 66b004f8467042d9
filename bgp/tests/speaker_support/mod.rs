//! Shared by the tests of a running speaker (instance.rs, instance_routes.rs, isolation.rs): an
//! instance's configuration from curly text, an `Instance` spawned with its routing-table output
//! handed back or drained, and a bounded poll that yields to the runtime the speaker runs on
//! (`net_support::in_netns` runs a single thread: a blocking wait would stall the speaker).
#![allow(dead_code)] // each test binary uses a different part

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use lsys_bgp::config;
use lsys_bgp::instance::{Instance, Output, Selected};
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::typed;
use tokio::sync::mpsc;

/// How often [`until`] asks again.
const POLL: Duration = Duration::from_millis(100);

/// The speaker's configuration and policies from a routing instance's statements (curly text),
/// with `router_id` as its BGP identifier.
pub fn instance_config(
    text: &str,
    router_id: &str,
) -> (config::InstanceConfig, Arc<typed::PolicyOptions>) {
    let tree = curly::read(text, ROOT).expect("config");
    let i = typed::intent(&tree).expect("typed");
    let c = config::instance(
        &i.root.bgp,
        i.root.routing_options.autonomous_system,
        router_id.parse().unwrap(),
        None,
        config::PORT,
    )
    .expect("instance");
    (c, Arc::new(i.root.policy_options))
}

/// An instance `name` (tables `name.inet.0` and `name.inet6.0`) and what it tells its routing
/// table, for the test to read.
pub fn spawned(name: &str) -> (Instance, mpsc::Receiver<Output>) {
    let (tx, out) = mpsc::channel(64);
    let speaker = Instance::spawn(
        name.into(),
        (format!("{name}.inet.0"), format!("{name}.inet6.0")),
        tx,
    );
    (speaker, out)
}

/// An instance `name` whose routing-table output nobody reads: a task takes everything (as
/// lsysd's forwarder does), so the speaker never waits on it.
pub fn drained(name: &str) -> Instance {
    let (speaker, mut out) = spawned(name);
    tokio::spawn(async move { while out.recv().await.is_some() {} });
    speaker
}

/// Applies an `Output::Routes` batch to a copy of the routing table.
pub fn apply(table: &mut BTreeMap<IpNet, Selected>, routes: Vec<(IpNet, Option<Selected>)>) {
    for (p, s) in routes {
        match s {
            Some(s) => table.insert(p, s),
            None => table.remove(&p),
        };
    }
}

/// Asks `cond` every 100 ms until it holds (true) or `bound` has passed without it holding
/// (false), sleeping in between so the speaker's tasks run.
pub async fn until(bound: Duration, mut cond: impl AsyncFnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond().await {
            return true;
        }
        if start.elapsed() >= bound {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}
