//! The instance tables' active routes of other protocols (static, direct, local), for the
//! speakers' export policies (`from protocol static`: a Cloud Router's "advertised subnets").
//!
//! ```text
//!  RIB best changes (subscribe_best) ──► follower task ── active routes of those prefixes ──┐
//!  a speaker new to the follower (key, generation) ──► every non-BGP active route ──────────┤
//!                                                                                          ▼
//!                                     Command::Local { routes, full } to that table's speaker
//! ```
//! The follower reads the routes themselves from the RIB (never trusts the order of events) and
//! sends a speaker only what concerns it: the prefixes whose active route is another
//! protocol's, and `None` for a prefix it had sent before whose active route is BGP's again or
//! gone. Every message carries the state read when it was built and the speaker applies them
//! in order, so a change that races a first (`full`) view ends in the current state either way.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ipnet::IpNet;
use lsys_bgp::instance::{Command, LocalRoute};
use lsys_bgp::policy::Protocol as PolicyProtocol;
use lsys_fib::{ActiveRoute, Family, NextHop, Protocol};
use tokio::sync::mpsc;

use super::BgpHandle;
use crate::routing::RibHandle;

/// How often the follower looks for speakers that started (they get their first view then).
const SPEAKERS: Duration = Duration::from_millis(500);

/// What the follower sent one speaker.
struct Sent {
    generation: u64,
    /// The prefixes it was last given a route for.
    local: BTreeSet<IpNet>,
}

/// Runs until the RIB goes: follows best changes and the running speakers.
pub async fn follow(bgp: BgpHandle, rib: RibHandle) {
    let mut best = rib.subscribe_best();
    let mut tick = tokio::time::interval(SPEAKERS);
    let mut sent: BTreeMap<String, Sent> = BTreeMap::new();
    loop {
        let mut changed: BTreeMap<String, Vec<IpNet>> = BTreeMap::new();
        tokio::select! {
            batch = best.recv() => {
                let Some(batch) = batch else { return };
                for (key, prefix) in batch {
                    if sent.contains_key(&key) {
                        changed.entry(key).or_default().push(prefix);
                    }
                }
            }
            _ = tick.tick() => {}
        }
        let speakers: BTreeMap<String, (u64, mpsc::Sender<Command>)> = bgp
            .speakers()
            .into_iter()
            .map(|(k, g, tx)| (k, (g, tx)))
            .collect();
        sent.retain(|k, s| speakers.get(k).is_some_and(|(g, _)| *g == s.generation));
        for (key, prefixes) in changed {
            let (Some((_, tx)), Some(s)) = (speakers.get(&key), sent.get_mut(&key)) else {
                continue;
            };
            let Some(now) = read(&rib, key.clone(), Some(prefixes)).await else {
                return;
            };
            let routes: Vec<(IpNet, Option<LocalRoute>)> = now
                .into_iter()
                .filter(|(p, r)| r.is_some() || s.local.contains(p))
                .collect();
            for (p, r) in &routes {
                match r {
                    Some(_) => s.local.insert(*p),
                    None => s.local.remove(p),
                };
            }
            if !routes.is_empty() {
                let _ = tx
                    .send(Command::Local {
                        routes,
                        full: false,
                    })
                    .await;
            }
        }
        for (key, (generation, tx)) in &speakers {
            if sent.contains_key(key) {
                continue;
            }
            let Some(routes) = read(&rib, key.clone(), None).await else {
                return;
            };
            let local = routes.iter().map(|(p, _)| *p).collect();
            sent.insert(
                key.clone(),
                Sent {
                    generation: *generation,
                    local,
                },
            );
            let _ = tx.send(Command::Local { routes, full: true }).await;
        }
    }
}

/// The non-BGP active route of each of `prefixes` in table `key` (`None` where the active route
/// is BGP's or there is none), or, without `prefixes`, every non-BGP active route of the table.
/// `None` when the RIB is gone.
async fn read(
    rib: &RibHandle,
    key: String,
    prefixes: Option<Vec<IpNet>>,
) -> Option<Vec<(IpNet, Option<LocalRoute>)>> {
    let rib = rib.clone();
    tokio::task::spawn_blocking(move || {
        rib.query(move |r, _| match prefixes {
            Some(prefixes) => prefixes
                .into_iter()
                .map(|p| {
                    let route = r.active_route(&key, Family::of(&p), p);
                    (p, route.and_then(|a| local_route(&a)))
                })
                .collect(),
            None => [Family::Inet, Family::Inet6]
                .into_iter()
                .flat_map(|f| r.active_non_bgp(&key, f))
                .filter_map(|(p, a)| Some((p, Some(local_route(&a)?))))
                .collect(),
        })
        .ok()
    })
    .await
    .ok()
    .flatten()
}

/// What export policy sees of an active route; `None` for a BGP route.
fn local_route(a: &ActiveRoute) -> Option<LocalRoute> {
    let protocol = match a.protocol {
        Protocol::Direct => PolicyProtocol::Direct,
        Protocol::Local => PolicyProtocol::Local,
        Protocol::Static => PolicyProtocol::Static,
        Protocol::Bgp => return None,
    };
    let mut next_hops = Vec::new();
    let mut interfaces = Vec::new();
    for h in &a.next_hops {
        match h {
            NextHop::Address(addr) => next_hops.push(*addr),
            NextHop::Interface(name) => interfaces.push(name.clone()),
        }
    }
    Some(LocalRoute {
        protocol,
        preference: a.preference,
        metric: a.metric,
        tag: a.tag,
        next_hops,
        interfaces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsys_fib::ActiveKind;

    fn active(protocol: Protocol, hops: Vec<NextHop>) -> ActiveRoute {
        ActiveRoute {
            protocol,
            preference: protocol.default_preference(),
            kind: ActiveKind::Forward,
            next_hops: hops,
            metric: None,
            tag: None,
            bgp: None,
        }
    }

    #[test]
    fn export_policy_sees_protocol_next_hops_and_interfaces() {
        let s = local_route(&active(
            Protocol::Static,
            vec![
                NextHop::Address("10.0.0.1".parse().unwrap()),
                NextHop::Interface("irb.4".into()),
            ],
        ))
        .expect("a static");
        assert_eq!(s.protocol, PolicyProtocol::Static);
        assert_eq!(s.preference, 5);
        assert_eq!(
            s.next_hops,
            vec!["10.0.0.1".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!(s.interfaces, vec!["irb.4".to_string()]);
        let d = local_route(&active(
            Protocol::Direct,
            vec![NextHop::Interface("irb.2".into())],
        ));
        assert_eq!(d.map(|d| d.protocol), Some(PolicyProtocol::Direct));
        assert!(local_route(&active(Protocol::Bgp, vec![])).is_none());
    }
}
