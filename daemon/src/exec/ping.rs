//! `ping` and `traceroute`: run by lsysd on sockets bound to the routing instance's VRF
//! device, streamed line by line (lsys-netlink's `icmp`), stopped by `count` or Ctrl-C (then
//! the statistics still print: they go as the command's tail).
//!
//! Which instance: `routing-instance R` names one of the view's own instances (a tenant's,
//! or the root's for the operator); without it, the view's master instance. A tenant's master
//! instance that holds no interface has no VRF, and lsysd then refuses rather than fall back
//! to the main table (the operator's): a tenant's packets only ever leave through its own VRF.
//! An instance the view cannot see gets the same answer as one that does not exist.
//!
//! A tenant is bounded so that the router cannot be made a flood source: `count` at most the
//! class's `lsys-limits ping-count` (default 1,000), `interval` at least 0.1 s, `size` at
//! most 9,000 bytes; `rapid` sends the next request when the reply arrives (at most 10 per
//! second for a tenant); `source` one of its own logical system's addresses; traceroute waits
//! at most 30 s per probe.

use std::net::IpAddr;
use std::time::Duration;

use lsys_grammar::cli::Invocation;
use lsys_grammar::typed::Intent;
use lsys_netlink::icmp::{self, PingSpec, TraceSpec};

use super::{Producer, Reply, Sink};
use crate::core::Core;
use crate::session::Session;

/// A tenant's bounds.
const TENANT_MIN_INTERVAL: Duration = Duration::from_millis(100);
const TENANT_MAX_SIZE: usize = 9000;
/// A tenant's traceroute waits at most this long per probe (30 hops × 3 probes bound it).
const TENANT_MAX_WAIT: Duration = Duration::from_secs(30);
pub const DEFAULT_PING_COUNT: u32 = 1000;

fn not_found(r: &str) -> String {
    format!("error: routing instance {r} not found")
}

/// The VRF device to bind to (`None`: the main table, the operator's master instance).
fn device(
    core: &Core,
    intent: &Intent,
    s: &Session,
    instance: Option<&str>,
) -> Result<Option<String>, String> {
    let ls = s.view.logical_system();
    let scope = match ls {
        None => Some(&intent.root),
        Some(l) => intent.logical_systems.get(l),
    };
    let key = match instance {
        Some(r) => {
            let exists = scope.is_some_and(|sc| sc.routing_instances.iter().any(|i| i.name == r));
            if !exists {
                return Err(not_found(r));
            }
            format!("{}/{r}", ls.unwrap_or(""))
        }
        None => match ls {
            None => return Ok(None),
            Some(l) => format!("{l}/master"),
        },
    };
    let table = core
        .store
        .table_allocations()
        .map_err(|e| format!("error: {e}"))?
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| t);
    match (table, instance) {
        (Some(t), _) => Ok(Some(format!("vrf{t}"))),
        (None, Some(r)) => Err(format!("error: routing instance {r} has no interface")),
        (None, None) => Err(
            "error: the master instance of this logical system has no interface; \
             use 'routing-instance NAME'"
                .to_string(),
        ),
    }
}

/// A tenant may only send from an address of its own logical system's interfaces: the
/// kernel would let a VRF-bound socket use any local address, another tenant's included.
fn own_source(intent: &Intent, s: &Session, source: Option<IpAddr>) -> Result<(), String> {
    let (Some(ls), Some(a)) = (s.principal.logical_system.as_deref(), source) else {
        return Ok(());
    };
    let mine = intent.logical_systems.get(ls).is_some_and(|sc| {
        sc.interfaces.iter().flat_map(|i| &i.units).any(|u| {
            u.inet.iter().any(|n| IpAddr::V4(n.addr()) == a)
                || u.inet6.iter().any(|n| IpAddr::V6(n.addr()) == a)
        })
    });
    if mine {
        Ok(())
    } else {
        Err(format!(
            "error: {a} is not an address of this logical system"
        ))
    }
}

fn target(inv: &Invocation) -> Result<IpAddr, String> {
    let host = inv.arg("host").unwrap_or_default();
    let addr: IpAddr = host
        .parse()
        .map_err(|_| format!("error: {host}: host names are not supported; give an address"))?;
    if (inv.has("inet") && addr.is_ipv6()) || (inv.has("inet6") && addr.is_ipv4()) {
        return Err(format!(
            "error: {addr} is not an {} address",
            if inv.has("inet") { "IPv4" } else { "IPv6" }
        ));
    }
    Ok(addr)
}

fn number<T: std::str::FromStr>(inv: &Invocation, word: &str) -> Result<Option<T>, String> {
    inv.arg(word)
        .map(|v| {
            v.parse()
                .map_err(|_| format!("error: invalid {word} '{v}'"))
        })
        .transpose()
}

fn seconds(inv: &Invocation, word: &str) -> Result<Option<Duration>, String> {
    Ok(number::<f64>(inv, word)?
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64))
}

/// Runs `run` as a streamed producer: lines go out as they come; after Ctrl-C the rest (the
/// statistics) goes as the tail.
fn streamed(
    run: impl FnOnce(&mut dyn FnMut(String) -> bool, &dyn Fn() -> bool) -> Result<(), String>
        + Send
        + 'static,
) -> Reply {
    Reply {
        stream: Some(Producer(Box::new(move |sink: &mut Sink<'_>| {
            let interrupted = sink.interrupt();
            let mut out = |line: String| {
                if interrupted() {
                    sink.tail(line)
                } else {
                    // A refused write after an interrupt is not the end: the statistics follow.
                    sink.output(line) || interrupted()
                }
            };
            if let Err(e) = run(&mut out, interrupted) {
                out(format!("{e}\n"));
            }
        }))),
        ..Reply::default()
    }
}

pub(super) fn ping(core: &Core, s: &Session, inv: &Invocation) -> Reply {
    let spec = match ping_spec(core, s, inv) {
        Ok(p) => p,
        Err(e) => return Reply::error(e),
    };
    tracing::info!(user = %s.principal.user, target = %spec.target, device = ?spec.device, count = ?spec.count, "ping");
    streamed(move |out, interrupted| {
        icmp::ping(&spec, out, interrupted)
            .map(|_| ())
            .map_err(|e| format!("ping: {e}"))
    })
}

fn ping_spec(core: &Core, s: &Session, inv: &Invocation) -> Result<PingSpec, String> {
    let target = target(inv)?;
    let intent = super::running_intent(core)?;
    let device = device(core, &intent, s, inv.arg("routing-instance"))?;
    // Everyone but root is bounded (a tenant, and any other local user).
    let tenant = s.principal.uid != 0;
    let rapid = inv.has("rapid");
    let mut count: Option<u32> = number(inv, "count")?;
    if rapid && count.is_none() {
        count = Some(5);
    }
    let size: usize = number(inv, "size")?.unwrap_or(56);
    let mut interval = seconds(inv, "interval")?.unwrap_or(Duration::from_secs(1));
    if tenant {
        let cap = s.principal.limits.ping_count.unwrap_or(DEFAULT_PING_COUNT);
        match count {
            Some(c) if c > cap => {
                return Err(format!(
                    "error: count {c} is above this login class's limit of {cap}"
                ))
            }
            None => count = Some(cap),
            _ => {}
        }
        if size > TENANT_MAX_SIZE {
            return Err(format!(
                "error: size {size} is above the limit of {TENANT_MAX_SIZE} bytes"
            ));
        }
        if interval < TENANT_MIN_INTERVAL {
            return Err("error: interval must be at least 0.1 seconds".to_string());
        }
        if rapid {
            interval = TENANT_MIN_INTERVAL;
        }
    }
    let source = number(inv, "source")?;
    own_source(&intent, s, source)?;
    Ok(PingSpec {
        target,
        device,
        count,
        size,
        rapid,
        source,
        ttl: number(inv, "ttl")?,
        interval,
        wait: seconds(inv, "wait")?,
        dont_fragment: inv.has("do-not-fragment"),
    })
}

pub(super) fn traceroute(core: &Core, s: &Session, inv: &Invocation) -> Reply {
    let target = match target(inv) {
        Ok(t) => t,
        Err(e) => return Reply::error(e),
    };
    let intent = match super::running_intent(core) {
        Ok(i) => i,
        Err(e) => return Reply::error(e),
    };
    let device = match device(core, &intent, s, inv.arg("routing-instance")) {
        Ok(d) => d,
        Err(e) => return Reply::error(e),
    };
    let source = match number(inv, "source") {
        Ok(a) => a,
        Err(e) => return Reply::error(e),
    };
    if let Err(e) = own_source(&intent, s, source) {
        return Reply::error(e);
    }
    let mut wait = match seconds(inv, "wait") {
        Ok(w) => w.unwrap_or(Duration::from_secs(5)),
        Err(e) => return Reply::error(e),
    };
    if s.principal.uid != 0 {
        wait = wait.min(TENANT_MAX_WAIT);
    }
    let spec = TraceSpec {
        target,
        device,
        source,
        max_ttl: match number(inv, "ttl") {
            Ok(t) => t.unwrap_or(30),
            Err(e) => return Reply::error(e),
        },
        wait,
        probes: 3,
    };
    tracing::info!(user = %s.principal.user, target = %spec.target, device = ?spec.device, "traceroute");
    streamed(move |out, interrupted| {
        icmp::traceroute(&spec, out, interrupted).map_err(|e| format!("traceroute: {e}"))
    })
}
