//! Shared by the policy tests: policies from curly configuration text, and routes built up
//! field by field and run through a chain.

#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use ipnet::IpNet;
use lsys_bgp::packet::{AsPath, Attrs, Community, ExtCommunity, LargeCommunity, NextHop, Origin};
use lsys_bgp::policy::{
    Chain, CompileError, DefaultPolicy, Outcome, Policies, PolicyRoute, Protocol, RouteType,
};
use lsys_grammar::typed::PolicyOptions;

/// The typed `policy-options` of a configuration in curly text.
pub fn options(text: &str) -> PolicyOptions {
    let tree = lsys_grammar::text::curly::read(text, lsys_grammar::schema::ROOT)
        .unwrap_or_else(|e| panic!("configuration does not read: {e:?}\n{text}"));
    lsys_grammar::typed::intent(&tree)
        .unwrap_or_else(|e| panic!("configuration does not convert: {e:?}"))
        .root
        .policy_options
}

pub fn try_compile(text: &str) -> Result<Policies, CompileError> {
    Policies::compile(&options(text))
}

pub fn compile(text: &str) -> Policies {
    try_compile(text).unwrap_or_else(|e| panic!("does not compile: {e}"))
}

/// The chain `names` of the configuration, with BGP import's default (accept).
pub fn import(text: &str, names: &[&str]) -> Chain {
    compile(text)
        .chain(names, DefaultPolicy::BGP_IMPORT)
        .unwrap()
}

pub fn chain(text: &str, names: &[&str], default: DefaultPolicy) -> Chain {
    compile(text).chain(names, default).unwrap()
}

pub fn community(s: &str) -> Community {
    let (a, b) = s.split_once(':').unwrap();
    Community::new(a.parse().unwrap(), b.parse().unwrap())
}

pub fn communities(list: &[&str]) -> Vec<Community> {
    list.iter().map(|s| community(s)).collect()
}

/// A route to evaluate, owning what a [`PolicyRoute`] borrows.
#[derive(Debug, Clone)]
pub struct Route {
    pub prefix: IpNet,
    pub protocol: Protocol,
    pub attrs: Arc<Attrs>,
    pub neighbor: Option<IpAddr>,
    pub instance: String,
    pub interfaces: Vec<String>,
    pub interface_addresses: Vec<IpAddr>,
    pub next_hops: Vec<IpAddr>,
    pub tag: Option<u32>,
    pub preference: Option<u32>,
    pub metric: Option<u32>,
    pub route_type: Option<RouteType>,
}

impl Route {
    /// A BGP route with origin IGP, AS path 65001, next hop 192.0.2.1, from 192.0.2.1
    /// (external).
    pub fn bgp(prefix: &str) -> Route {
        Route {
            prefix: prefix.parse().unwrap(),
            protocol: Protocol::Bgp,
            attrs: Arc::new(Attrs {
                origin: Some(Origin::Igp),
                as_path: Some(AsPath::from_sequence([65001])),
                next_hop: Some(NextHop::V4(Ipv4Addr::new(192, 0, 2, 1))),
                ..Attrs::default()
            }),
            neighbor: Some("192.0.2.1".parse().unwrap()),
            instance: "master".into(),
            interfaces: Vec::new(),
            interface_addresses: Vec::new(),
            next_hops: Vec::new(),
            tag: None,
            preference: None,
            metric: None,
            route_type: Some(RouteType::External),
        }
    }

    /// A route of another protocol, with no BGP attributes.
    pub fn of(protocol: Protocol, prefix: &str) -> Route {
        Route {
            protocol,
            attrs: Arc::new(Attrs::default()),
            neighbor: None,
            route_type: None,
            ..Route::bgp(prefix)
        }
    }

    pub fn with(mut self, f: impl FnOnce(&mut Attrs)) -> Route {
        f(Arc::make_mut(&mut self.attrs));
        self
    }

    pub fn path(self, asns: &[u32]) -> Route {
        let asns = asns.to_vec();
        self.with(|a| a.as_path = Some(AsPath::from_sequence(asns)))
    }

    pub fn comms(self, list: &[&str]) -> Route {
        let list = communities(list);
        self.with(|a| a.communities = list)
    }

    pub fn ext(self, list: &[ExtCommunity]) -> Route {
        let list = list.to_vec();
        self.with(|a| a.ext_communities = list)
    }

    pub fn large(self, list: &[(u32, u32, u32)]) -> Route {
        let list = list
            .iter()
            .map(|&(global, local1, local2)| LargeCommunity {
                global,
                local1,
                local2,
            })
            .collect();
        self.with(|a| a.large_communities = list)
    }

    pub fn neighbor(mut self, n: &str) -> Route {
        self.neighbor = Some(n.parse().unwrap());
        self
    }

    pub fn eval(&self, chain: &Chain) -> Outcome {
        let interfaces: Vec<&str> = self.interfaces.iter().map(String::as_str).collect();
        let mut r = PolicyRoute::new(self.prefix, self.protocol, &self.attrs);
        r.neighbor = self.neighbor;
        r.instance = &self.instance;
        r.interfaces = &interfaces;
        r.interface_addresses = &self.interface_addresses;
        r.next_hops = &self.next_hops;
        r.tag = self.tag;
        if let Some(p) = self.preference {
            r.preference = p;
        }
        r.metric = self.metric;
        r.route_type = self.route_type;
        chain.evaluate(&r)
    }

    pub fn accepted_by(&self, chain: &Chain) -> bool {
        self.eval(chain).accepted()
    }
}
