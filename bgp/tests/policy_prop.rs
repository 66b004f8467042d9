//! Properties: evaluation never panics on any policy that compiles and any route; a chain of
//! `then accept` returns the route untouched (same Arc); route-filter lists follow the
//! longest-match rule as a naive reference implementation spells it out.

mod policy_support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use lsys_bgp::packet::{AsPath, Attrs, Community, NextHop, Origin, Segment, SegmentType};
use lsys_bgp::policy::{DefaultPolicy, Policies, PolicyRoute, Protocol, RouteType};
use lsys_grammar::typed::{
    Actions, AsPathExpr, AttributeChange, Community as CommunityDef, CommunityAction, CommunityOp,
    FromConditions, PolicyAction, PolicyOptions, PolicyStatement, PrefixList, PrefixListFilter,
    PrefixListMatch, RouteFilter, RouteFilterMatch, Term,
};
use proptest::prelude::*;

/// IPv4 prefixes from a small space, so that filters and routes overlap often.
fn v4(len_max: u8) -> impl Strategy<Value = IpNet> {
    (
        prop::sample::select(vec![0u8, 10, 192]),
        0..3u8,
        prop::sample::select(vec![0u8, 1, 128]),
        any::<u8>(),
        0..=len_max,
    )
        .prop_map(|(a, b, c, d, l)| {
            IpNet::V4(Ipv4Net::new(Ipv4Addr::new(a, b, c, d), l).unwrap().trunc())
        })
}

fn prefix() -> impl Strategy<Value = IpNet> {
    prop_oneof![
        4 => v4(32),
        1 => (any::<u128>(), 0..=128u8).prop_map(|(a, l)| IpNet::V6(Ipv6Net::new(Ipv6Addr::from(a), l).unwrap().trunc())),
    ]
}

fn route_filter_match() -> impl Strategy<Value = RouteFilterMatch> {
    prop_oneof![
        Just(RouteFilterMatch::Exact),
        Just(RouteFilterMatch::Longer),
        Just(RouteFilterMatch::Orlonger),
        (0..=32u8).prop_map(RouteFilterMatch::Upto),
        (0..=32u8, 0..=32u8)
            .prop_map(|(a, b)| RouteFilterMatch::PrefixLengthRange(a.min(b), a.max(b))),
        v4(32).prop_map(RouteFilterMatch::Through),
    ]
}

fn flow() -> impl Strategy<Value = Option<PolicyAction>> {
    prop_oneof![
        Just(None),
        Just(Some(PolicyAction::Accept)),
        Just(Some(PolicyAction::Reject)),
        Just(Some(PolicyAction::NextTerm)),
        Just(Some(PolicyAction::NextPolicy)),
    ]
}

fn route_filter() -> impl Strategy<Value = RouteFilter> {
    (v4(24), route_filter_match(), flow()).prop_map(|(prefix, m, action)| RouteFilter {
        prefix,
        match_type: Some(m),
        action,
    })
}

const COMMUNITIES: [&str; 5] = ["LIT", "TWO", "RE", "ANY", "INV"];
const AS_PATHS: [&str; 4] = ["FIRST", "PRIVATE", "EMPTY", "PREPENDS"];

fn options_base() -> PolicyOptions {
    let c = |name: &str, members: &[&str], invert_match| CommunityDef {
        name: name.into(),
        members: members.iter().map(|m| m.to_string()).collect(),
        invert_match,
    };
    let a = |name: &str, regex: &str| AsPathExpr {
        name: name.into(),
        regex: regex.into(),
    };
    PolicyOptions {
        prefix_lists: vec![
            PrefixList {
                name: "PL".into(),
                prefixes: vec![
                    "10.0.0.0/8".parse().unwrap(),
                    "192.0.2.0/24".parse().unwrap(),
                ],
            },
            PrefixList {
                name: "EMPTY".into(),
                prefixes: vec![],
            },
        ],
        communities: vec![
            c("LIT", &["65000:1"], false),
            c("TWO", &["65000:1", "target:65000:7", "large:1:2:3"], false),
            c("RE", &["^65000:.*$"], false),
            c("ANY", &["*:*"], false),
            c("INV", &["65000:1.."], true),
        ],
        as_paths: vec![
            a("FIRST", "65001 .*"),
            a("PRIVATE", ".* 64512-65534 .*"),
            a("EMPTY", "()"),
            a("PREPENDS", ". (65001|65002){2,4} .*"),
        ],
        policy_statements: Vec::new(),
    }
}

fn from() -> impl Strategy<Value = FromConditions> {
    (
        prop::collection::vec(
            prop_oneof![
                Just(Protocol::Bgp),
                Just(Protocol::Static),
                Just(Protocol::Direct)
            ],
            0..2,
        ),
        prop::collection::vec(route_filter(), 0..4),
        prop::collection::vec(prop::sample::select(COMMUNITIES.to_vec()), 0..2),
        prop::collection::vec(prop::sample::select(AS_PATHS.to_vec()), 0..2),
        prop::option::of(prop_oneof![
            Just(PrefixListMatch::Exact),
            Just(PrefixListMatch::Longer),
            Just(PrefixListMatch::Orlonger)
        ]),
        any::<bool>(),
        prop::option::of(0..300u32),
        prop::option::of(prop_oneof![
            Just(RouteType::Internal),
            Just(RouteType::External)
        ]),
    )
        .prop_map(
            |(protocols, route_filters, comms, paths, plf, pl, lp, rt)| FromConditions {
                protocols,
                route_filters,
                communities: comms.into_iter().map(String::from).collect(),
                as_paths: paths.into_iter().map(String::from).collect(),
                prefix_list_filters: plf
                    .map(|m| PrefixListFilter {
                        name: "PL".into(),
                        match_type: Some(m),
                        action: None,
                    })
                    .into_iter()
                    .collect(),
                prefix_lists: if pl { vec!["PL".into()] } else { vec![] },
                local_preference: lp,
                route_type: rt,
                ..FromConditions::default()
            },
        )
}

fn change() -> impl Strategy<Value = Option<AttributeChange>> {
    prop::option::of(prop_oneof![
        any::<u32>().prop_map(AttributeChange::Set),
        any::<u32>().prop_map(AttributeChange::Add),
        any::<u32>().prop_map(AttributeChange::Subtract),
    ])
}

fn then() -> impl Strategy<Value = Actions> {
    (
        flow(),
        change(),
        change(),
        prop::collection::vec(
            (
                prop_oneof![
                    Just(CommunityOp::Add),
                    Just(CommunityOp::Set),
                    Just(CommunityOp::Delete)
                ],
                prop::sample::select(COMMUNITIES.to_vec()),
            ),
            0..3,
        ),
        prop::collection::vec(64496..64500u32, 0..3),
        prop::option::of(0..4u8),
        prop::option::of(any::<u32>()),
    )
        .prop_map(|(action, lp, med, comms, prepend, expand, tag)| Actions {
            action,
            local_preference: lp,
            metric: med,
            tag,
            // Only literal communities may be added or set; expressions are deleted.
            communities: comms
                .into_iter()
                .map(|(op, name)| {
                    let op = if matches!(name, "LIT" | "TWO") {
                        op
                    } else {
                        CommunityOp::Delete
                    };
                    CommunityAction {
                        op,
                        name: name.into(),
                    }
                })
                .collect(),
            as_path_prepend: prepend,
            as_path_expand_last_as: expand,
            ..Actions::default()
        })
}

fn policy(name: String) -> impl Strategy<Value = PolicyStatement> {
    (
        prop::collection::vec((from(), then()), 0..4),
        from(),
        then(),
    )
        .prop_map(move |(terms, from, then)| PolicyStatement {
            name: name.clone(),
            terms: terms
                .into_iter()
                .enumerate()
                .map(|(i, (from, then))| Term {
                    name: format!("t{i}"),
                    from,
                    then,
                    ..Term::default()
                })
                .collect(),
            from,
            then,
            ..PolicyStatement::default()
        })
}

fn attrs() -> impl Strategy<Value = Attrs> {
    (
        prop::collection::vec(
            prop_oneof![64500..64520u32, 65000..65003u32, any::<u32>()],
            0..6,
        ),
        prop::option::of(prop::collection::vec(1..70000u32, 1..3)),
        prop::collection::vec((65000..65002u16, 0..200u16), 0..4),
        prop::option::of(any::<u32>()),
        prop::option::of(any::<u32>()),
    )
        .prop_map(|(seq, set, comms, med, lp)| {
            let mut path = AsPath::from_sequence(seq);
            if let Some(set) = set {
                path.segments.push(Segment {
                    kind: SegmentType::Set,
                    asns: set,
                });
            }
            Attrs {
                origin: Some(Origin::Igp),
                as_path: Some(path),
                next_hop: Some(NextHop::V4(Ipv4Addr::new(192, 0, 2, 1))),
                med,
                local_pref: lp,
                communities: comms
                    .into_iter()
                    .map(|(a, b)| Community::new(a, b))
                    .collect(),
                ..Attrs::default()
            }
        })
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![
        Just(Protocol::Bgp),
        Just(Protocol::Static),
        Just(Protocol::Direct)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn evaluation_never_panics(
        policies in prop::collection::vec(Just(()), 1..4)
            .prop_flat_map(|v| (0..v.len()).map(|i| policy(format!("P{i}"))).collect::<Vec<_>>()),
        routes in prop::collection::vec((prefix(), protocol(), attrs(), any::<Option<u32>>()), 1..8),
        default in prop_oneof![Just(DefaultPolicy::Accept), Just(DefaultPolicy::Reject), Just(DefaultPolicy::AcceptBgp)],
    ) {
        let names: Vec<String> = policies.iter().map(|p| p.name.clone()).collect();
        let po = PolicyOptions { policy_statements: policies, ..options_base() };
        let compiled = Policies::compile(&po).expect("generated policies compile");
        let chain = compiled.chain(&names, default).unwrap();
        for (prefix, protocol, attrs, tag) in routes {
            let attrs = Arc::new(attrs);
            let mut r = PolicyRoute::new(prefix, protocol, &attrs);
            r.tag = tag;
            r.neighbor = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
            let out = chain.evaluate(&r);
            if let Some(d) = out.decided_by {
                prop_assert!(chain.describe(d).is_some());
            }
            if !out.accepted() {
                prop_assert!(Arc::ptr_eq(&out.attrs, &attrs));
            }
            if out.attrs_changed(&attrs) {
                prop_assert!(Arc::strong_count(&out.attrs) == 1);
            }
        }
    }

    #[test]
    fn accept_only_chain_returns_the_route_unchanged(
        n in 1..4usize,
        prefix in prefix(),
        protocol in protocol(),
        attrs in attrs(),
    ) {
        let po = PolicyOptions {
            policy_statements: (0..n)
                .map(|i| PolicyStatement {
                    name: format!("A{i}"),
                    then: Actions { action: Some(PolicyAction::Accept), ..Actions::default() },
                    ..PolicyStatement::default()
                })
                .collect(),
            ..options_base()
        };
        let names: Vec<String> = (0..n).map(|i| format!("A{i}")).collect();
        let chain = Policies::compile(&po).unwrap().chain(&names, DefaultPolicy::Reject).unwrap();
        let attrs = Arc::new(attrs);
        let out = chain.evaluate(&PolicyRoute::new(prefix, protocol, &attrs));
        prop_assert!(out.accepted());
        prop_assert!(Arc::ptr_eq(&out.attrs, &attrs));
        prop_assert!(out.changes.is_empty());
        prop_assert_eq!(out.decided_by.map(|d| (d.policy, d.term)), Some((0, 0)));
    }

    /// One term's route-filters against the rule written out: the longest filter prefix that
    /// contains the route, then its entries top to bottom; the first whose type fits decides.
    #[test]
    fn route_filters_follow_longest_match(
        filters in prop::collection::vec(route_filter(), 1..30),
        routes in prop::collection::vec(v4(32), 1..20),
    ) {
        let po = PolicyOptions {
            policy_statements: vec![PolicyStatement {
                name: "P".into(),
                terms: vec![Term {
                    name: "t".into(),
                    from: FromConditions { route_filters: filters.clone(), ..FromConditions::default() },
                    then: Actions { action: Some(PolicyAction::Accept), ..Actions::default() },
                    ..Term::default()
                }],
                ..PolicyStatement::default()
            }],
            ..options_base()
        };
        let chain = Policies::compile(&po).unwrap().chain(&["P"], DefaultPolicy::Reject).unwrap();
        let empty = Arc::new(Attrs::default());
        for route in routes {
            let out = chain.evaluate(&PolicyRoute::new(route, Protocol::Bgp, &empty));
            let want = reference(&filters, &route);
            prop_assert_eq!(out.accepted(), want, "{:?} {:?}", route, filters);
        }
    }
}

/// Whether the reference rule accepts: a filter's own action decides, else the term accepts;
/// `next term`/`next policy` fall to the default (reject).
fn reference(filters: &[RouteFilter], route: &IpNet) -> bool {
    let contains = |f: &IpNet| f.contains(route) && f.prefix_len() <= route.prefix_len();
    let Some(longest) = filters
        .iter()
        .filter(|f| contains(&f.prefix))
        .map(|f| f.prefix.prefix_len())
        .max()
    else {
        return false;
    };
    let len = route.prefix_len();
    let hit = filters
        .iter()
        .filter(|f| contains(&f.prefix) && f.prefix.prefix_len() == longest)
        .find(|f| {
            let fl = f.prefix.prefix_len();
            match f.match_type.unwrap() {
                RouteFilterMatch::Exact => len == fl,
                RouteFilterMatch::Longer => len > fl,
                RouteFilterMatch::Orlonger => len >= fl,
                RouteFilterMatch::Upto(n) => len >= fl && len <= n,
                RouteFilterMatch::PrefixLengthRange(a, b) => len >= a && len <= b,
                RouteFilterMatch::Through(p2) => {
                    route.contains(&p2) && f.prefix.contains(&p2) && len <= p2.prefix_len()
                }
            }
        });
    match hit {
        None => false,
        Some(f) => matches!(f.action, None | Some(PolicyAction::Accept)),
    }
}
