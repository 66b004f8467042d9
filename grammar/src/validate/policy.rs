//! Checks on typed policy options: route-filters and prefix-list-filters without a match type,
//! route-filter lengths that can never match, and communities given as regular expressions
//! where a route needs real communities (`then community add|set`).
//!
//! Junos requires a match type on every route-filter. lsys reads `route-filter 10.0.0.0/8;`
//! (a configuration saved before the match type became part of a route-filter's name still
//! loads, as an entry of its own) but refuses it here, so what is committed always says how it
//! matches.
//!
//! The value types only know that a length is `/0`..`/128`; whether it fits depends on the
//! route-filter's prefix (IPv4 or IPv6, and its length), which only the whole statement knows:
//! `route-filter 10.0.0.0/8 upto /33` (longer than an IPv4 route), `upto /4` (shorter than the
//! prefix), `prefix-length-range /a-/b` with a > b, b past the family's maximum or a shorter
//! than the prefix.

use ipnet::IpNet;

use super::{at, error, CheckError};
use crate::typed::{
    Actions, CommunityOp, FromConditions, PolicyOptions, RouteFilter, RouteFilterMatch,
};
use crate::types::quote;

pub(super) fn check(po: &PolicyOptions, prefix: &[String], errs: &mut Vec<CheckError>) {
    for ps in &po.policy_statements {
        let policy = at(
            prefix,
            &["policy-options", "policy-statement", &quote(&ps.name)],
        );
        for t in &ps.terms {
            let term = at(&policy, &["term", &quote(&t.name)]);
            conditions(&t.from, &at(&term, &["from"]), errs);
            actions(po, &t.then, &at(&term, &["then"]), errs);
        }
        // The policy's own from/then (its last, unnamed term).
        conditions(&ps.from, &at(&policy, &["from"]), errs);
        actions(po, &ps.then, &at(&policy, &["then"]), errs);
    }
}

/// The route-filters and prefix-list-filters of the `from` at `path`.
fn conditions(from: &FromConditions, path: &[String], errs: &mut Vec<CheckError>) {
    for rf in &from.route_filters {
        for message in problems(rf) {
            errs.push(error(path.to_vec(), statement(rf), message));
        }
    }
    for pf in from
        .prefix_list_filters
        .iter()
        .filter(|pf| pf.match_type.is_none())
    {
        errs.push(error(
            path.to_vec(),
            format!("prefix-list-filter {}", quote(&pf.name)),
            "missing match type: exact, longer or orlonger",
        ));
    }
}

/// `community add|set NAME` needs communities, not regular expressions, in NAME.
fn actions(po: &PolicyOptions, then: &Actions, path: &[String], errs: &mut Vec<CheckError>) {
    for a in &then.communities {
        let op = match a.op {
            CommunityOp::Add => "add",
            CommunityOp::Set => "set",
            CommunityOp::Delete => continue,
        };
        let patterned = po
            .communities
            .iter()
            .any(|c| c.name == a.name && c.has_pattern());
        if patterned {
            errs.push(error(
                path.to_vec(),
                format!("community {op} {}", quote(&a.name)),
                format!(
                    "community {} has regular expression members: it can be matched or \
                     deleted, not {}",
                    a.name,
                    if op == "add" { "added" } else { "set" }
                ),
            ));
        }
    }
}

/// `route-filter PREFIX MATCH` as written.
fn statement(rf: &RouteFilter) -> String {
    let how = match rf.match_type {
        None => String::new(),
        Some(RouteFilterMatch::Exact) => " exact".into(),
        Some(RouteFilterMatch::Longer) => " longer".into(),
        Some(RouteFilterMatch::Orlonger) => " orlonger".into(),
        Some(RouteFilterMatch::Upto(n)) => format!(" upto /{n}"),
        Some(RouteFilterMatch::PrefixLengthRange(a, b)) => {
            format!(" prefix-length-range /{a}-/{b}")
        }
        Some(RouteFilterMatch::Through(p)) => format!(" through {p}"),
    };
    format!("route-filter {}{how}", rf.prefix)
}

/// Why `rf` cannot match anything as written (empty when it can).
fn problems(rf: &RouteFilter) -> Vec<String> {
    let (max, family) = match rf.prefix {
        IpNet::V4(_) => (32, "IPv4"),
        IpNet::V6(_) => (128, "IPv6"),
    };
    let len = rf.prefix.prefix_len();
    let too_long = |what: &str, n: u8| {
        format!("{what} /{n} exceeds the maximum prefix length /{max} of an {family} route")
    };
    let too_short = |what: &str, n: u8| {
        format!("{what} /{n} is shorter than the route-filter prefix length /{len}")
    };
    let mut out = Vec::new();
    match rf.match_type {
        None => out.push(
            "missing match type: exact, longer, orlonger, upto, prefix-length-range or through"
                .to_string(),
        ),
        Some(RouteFilterMatch::Upto(n)) => {
            if n > max {
                out.push(too_long("upto", n));
            }
            if n < len {
                out.push(too_short("upto", n));
            }
        }
        Some(RouteFilterMatch::PrefixLengthRange(a, b)) => {
            let what = format!("prefix-length-range /{a}-/{b}:");
            if a > b {
                out.push(format!(
                    "{what} lower length /{a} is greater than upper length /{b}"
                ));
            }
            if b > max {
                out.push(too_long(&format!("{what} upper length"), b));
            }
            if a < len {
                out.push(too_short(&format!("{what} lower length"), a));
            }
        }
        _ => {}
    }
    out
}
