//! Reading [`super::policy`]'s types from the (active) tree.

use super::policy::*;
use super::{bad, entry_key, key, leaf, leaves, missing, parse_str, Afi, Result, TypedError};
use crate::schema::Schema;
use crate::tree::Node;

pub(super) fn policy_options(po: &Node) -> Result<PolicyOptions> {
    let mut out = PolicyOptions::default();
    for pl in po.list("prefix-list") {
        let mut prefixes = Vec::new();
        for item in pl.children.iter().filter(|c| c.key.is_some()) {
            prefixes
                .push(entry_key("prefix", item).map_err(|e| e.under(&["prefix-list", key(pl)]))?);
        }
        out.prefix_lists.push(PrefixList {
            name: key(pl).to_string(),
            prefixes,
        });
    }
    for c in po.list("community") {
        out.communities.push(Community {
            name: key(c).to_string(),
            members: c.leaf_list("members").to_vec(),
            invert_match: c.has("invert-match"),
        });
    }
    for a in po.list("as-path") {
        let regex = a.leaf("path").ok_or_else(|| {
            missing("path", "missing AS path regular expression").under(&["as-path", key(a)])
        })?;
        out.as_paths.push(AsPathExpr {
            name: key(a).to_string(),
            regex: regex.to_string(),
        });
    }
    for ps in po.list("policy-statement") {
        let at = |e: TypedError| e.under(&["policy-statement", key(ps)]);
        let mut terms = Vec::new();
        for t in ps.list("term") {
            terms.push(term(t).map_err(|e| at(e.under(&["term", key(t)])))?);
        }
        let last = term(ps).map_err(at)?;
        out.policy_statements.push(PolicyStatement {
            name: key(ps).to_string(),
            terms,
            from: last.from,
            to: last.to,
            then: last.then,
        });
    }
    Ok(out)
}

/// A term, or the policy's own `from`/`to`/`then` (`t` is the policy statement).
pub(super) fn term(t: &Node) -> Result<Term> {
    let from = match t.get("from") {
        Some(f) => conditions(f).map_err(|e| e.under(&["from"]))?,
        None => FromConditions::default(),
    };
    let to = match t.get("to") {
        Some(f) => conditions(f).map_err(|e| e.under(&["to"]))?,
        None => ToConditions::default(),
    };
    let then = match t.get("then") {
        Some(n) => actions(n).map_err(|e| e.under(&["then"]))?,
        None => Actions::default(),
    };
    Ok(Term {
        name: key(t).to_string(),
        from,
        to,
        then,
    })
}

/// The conditions of a `from` or `to`.
fn conditions(f: &Node) -> Result<FromConditions> {
    let mut out = FromConditions {
        protocols: leaves(f, "protocol")?,
        neighbors: leaves(f, "neighbor")?,
        prefix_lists: f.leaf_list("prefix-list").to_vec(),
        communities: f.leaf_list("community").to_vec(),
        instance: f.leaf("instance").map(str::to_string),
        family: match f.leaf("family") {
            Some("inet") => Some(Afi::Inet),
            Some("inet6") => Some(Afi::Inet6),
            Some(other) => return Err(bad("family", other, "invalid family")),
            None => None,
        },
        next_hops: leaves(f, "next-hop")?,
        interfaces: leaves(f, "interface")?,
        as_paths: f.leaf_list("as-path").to_vec(),
        origin: leaf(f, "origin")?,
        route_type: leaf(f, "route-type")?,
        metric: leaf(f, "metric")?,
        local_preference: leaf(f, "local-preference")?,
        tags: leaves(f, "tag")?,
        preference: leaf(f, "preference")?,
        ..FromConditions::default()
    };
    for rf in f.list("route-filter") {
        out.route_filters
            .push(route_filter(rf).map_err(|e| e.under(&["route-filter", key(rf)]))?);
    }
    for pf in f.list("prefix-list-filter") {
        out.prefix_list_filters
            .push(prefix_list_filter(pf).map_err(|e| e.under(&["prefix-list-filter", key(pf)]))?);
    }
    Ok(out)
}

/// `/N` as a number.
pub(super) fn length(word: &str, v: &str) -> Result<u8> {
    v.strip_prefix('/')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad(word, v, "invalid prefix length"))
}

/// A list entry's compound key taken apart (`0.0.0.0/0` and `upto /24`; see
/// [`crate::key`]).
fn split_key<'a>(word: &str, n: &'a Node) -> Result<crate::key::Key<'a>> {
    let raw = key(n);
    crate::key::split(Schema::get(), n.schema, raw).ok_or_else(|| bad(word, raw, "invalid key"))
}

/// The keyword and value of an entry's `@key` statement.
fn part_words<'a>(k: &crate::key::Key<'a>) -> Option<(&'static str, &'a str)> {
    k.part.map(|p| {
        (
            Schema::get().node(p.id).word.as_str(),
            p.value.unwrap_or(""),
        )
    })
}

/// `accept`, `reject` or `next term|policy` below `n` (a `then`, a route-filter).
fn flow(n: &Node) -> Result<Option<PolicyAction>> {
    Ok(if n.has("accept") {
        Some(PolicyAction::Accept)
    } else if n.has("reject") {
        Some(PolicyAction::Reject)
    } else {
        match n.leaf("next") {
            Some("term") => Some(PolicyAction::NextTerm),
            Some("policy") => Some(PolicyAction::NextPolicy),
            Some(other) => return Err(bad("next", other, "invalid value")),
            None => None,
        }
    })
}

pub(super) fn route_filter(rf: &Node) -> Result<RouteFilter> {
    let word = "route-filter";
    let k = split_key(word, rf)?;
    let match_type = match part_words(&k) {
        None => None,
        Some((how, v)) => Some(match how {
            "exact" => RouteFilterMatch::Exact,
            "longer" => RouteFilterMatch::Longer,
            "orlonger" => RouteFilterMatch::Orlonger,
            "upto" => RouteFilterMatch::Upto(length("upto", v)?),
            "prefix-length-range" => {
                let word = "prefix-length-range";
                let (a, b) = v
                    .split_once('-')
                    .ok_or_else(|| bad(word, v, "invalid prefix length range"))?;
                RouteFilterMatch::PrefixLengthRange(length(word, a)?, length(word, b)?)
            }
            "through" => RouteFilterMatch::Through(parse_str("through", v)?),
            other => return Err(bad(word, key(rf), format!("unknown match type {other}"))),
        }),
    };
    Ok(RouteFilter {
        prefix: parse_str(word, k.value.unwrap_or_default())?,
        match_type,
        action: flow(rf)?,
    })
}

fn prefix_list_filter(pf: &Node) -> Result<PrefixListFilter> {
    let word = "prefix-list-filter";
    let k = split_key(word, pf)?;
    let match_type = match part_words(&k).map(|(how, _)| how) {
        None => None,
        Some("exact") => Some(PrefixListMatch::Exact),
        Some("longer") => Some(PrefixListMatch::Longer),
        Some("orlonger") => Some(PrefixListMatch::Orlonger),
        Some(other) => return Err(bad(word, key(pf), format!("unknown match type {other}"))),
    };
    Ok(PrefixListFilter {
        name: k.value.unwrap_or_default().to_string(),
        match_type,
        action: flow(pf)?,
    })
}

/// `then community OPERATION NAME` statements, in order.
fn community_actions(n: &Node) -> Result<Vec<CommunityAction>> {
    let mut out = Vec::new();
    for c in n.list("community") {
        let k = split_key("community", c)?;
        let (op, name) =
            part_words(&k).ok_or_else(|| bad("community", key(c), "missing operation"))?;
        out.push(CommunityAction {
            op: parse_str("community", op)?,
            name: name.to_string(),
        });
    }
    Ok(out)
}

/// `WORD N`, `WORD add N` or `WORD subtract N` (`local-preference`, `metric`).
fn attribute_change(n: &Node, word: &str) -> Result<Option<AttributeChange>> {
    let Some(c) = n.get(word) else {
        return Ok(None);
    };
    let at = |e: TypedError| e.under(&[word]);
    let change = if let Some(v) = leaf(c, word).map_err(at)? {
        AttributeChange::Set(v)
    } else if let Some(v) = leaf(c, "add").map_err(at)? {
        AttributeChange::Add(v)
    } else if let Some(v) = leaf(c, "subtract").map_err(at)? {
        AttributeChange::Subtract(v)
    } else {
        return Err(missing(
            word,
            format!("missing value: {word} N, {word} add N or {word} subtract N"),
        ));
    };
    Ok(Some(change))
}

pub(super) fn actions(n: &Node) -> Result<Actions> {
    let as_path_prepend = match n.leaf("as-path-prepend") {
        Some(p) => p
            .split_whitespace()
            .map(|a| parse_str("as-path-prepend", a))
            .collect::<Result<Vec<u32>>>()?,
        None => Vec::new(),
    };
    let as_path_expand_last_as = match n.get("as-path-expand") {
        Some(e) => {
            let count = e.get("last-as").and_then(|l| l.leaf("count"));
            let count = count.ok_or_else(|| {
                missing(
                    "as-path-expand",
                    "missing value: as-path-expand last-as count N",
                )
            })?;
            Some(parse_str("count", count).map_err(|e| e.under(&["as-path-expand", "last-as"]))?)
        }
        None => None,
    };
    let next_hop = match n.leaf("next-hop") {
        Some("self") => Some(NextHop::SelfAddress),
        Some("peer-address") => Some(NextHop::PeerAddress),
        Some("discard") => Some(NextHop::Discard),
        Some("reject") => Some(NextHop::Reject),
        Some(a) => Some(NextHop::Address(parse_str("next-hop", a)?)),
        None => None,
    };
    Ok(Actions {
        action: flow(n)?,
        local_preference: attribute_change(n, "local-preference")?,
        metric: attribute_change(n, "metric")?,
        tag: leaf(n, "tag")?,
        preference: leaf(n, "preference")?,
        origin: leaf(n, "origin")?,
        communities: community_actions(n)?,
        as_path_prepend,
        as_path_expand_last_as,
        next_hop,
        load_balance: leaf(n, "load-balance")?,
    })
}
