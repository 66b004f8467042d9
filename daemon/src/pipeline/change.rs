//! The typed change set of a commit: what changed between the running and the new intent,
//! keyed by object, per scope. Subsystems read it to decide what to touch (the links actor
//! plans only the scopes named; the RIB and BGP actors will take the static-route and
//! neighbor keys).

use std::collections::{BTreeMap, BTreeSet};

use lsys_grammar::typed::{Intent, Scope};

use super::merge::ScopeName;

/// What kind of object changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Object {
    /// A routing instance (`master` for the scope's own).
    Instance(String),
    /// A physical interface unit (a circuit) or an irb unit: `eth1.4`, `irb.4`.
    Link(String),
    /// An address on a unit: `irb.4 10.0.0.0/31`.
    Address(String),
    /// A static route: `INSTANCE PREFIX`.
    StaticRoute(String),
    /// A BGP group or neighbor: `INSTANCE GROUP [NEIGHBOR]`.
    Bgp(String),
    /// A policy statement, prefix list or community.
    Policy(String),
    /// A login user or class.
    Login(String),
}

/// Added, removed or modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Add,
    Remove,
    Modify,
}

/// Every changed object, by scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub scopes: BTreeSet<ScopeName>,
    pub changes: BTreeSet<(ScopeName, Object, Op)>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The owner names the dataplane uses for the changed scopes (`""` is the root).
    pub fn owners(&self) -> BTreeSet<String> {
        self.scopes
            .iter()
            .map(|s| s.clone().unwrap_or_default())
            .collect()
    }
}

/// Diffs the typed intents of the scopes in `scopes`.
pub fn diff(old: &Intent, new: &Intent, scopes: &BTreeSet<ScopeName>) -> ChangeSet {
    let mut out = ChangeSet {
        scopes: scopes.clone(),
        ..ChangeSet::default()
    };
    let empty = Scope::default();
    let pick = |i: &'_ Intent, s: &ScopeName| -> Scope {
        match s {
            None => i.root.clone(),
            Some(ls) => i.logical_systems.get(ls).cloned().unwrap_or_default(),
        }
    };
    for s in scopes {
        let (a, b) = (pick(old, s), pick(new, s));
        if a == empty && b == empty {
            continue;
        }
        for (obj, op) in diff_maps(objects(&a), objects(&b)) {
            out.changes.insert((s.clone(), obj, op));
        }
    }
    if old.users != new.users && scopes.contains(&None) {
        for (obj, op) in diff_maps(logins(old), logins(new)) {
            out.changes.insert((None, obj, op));
        }
    }
    out
}

fn diff_maps(a: BTreeMap<Object, String>, b: BTreeMap<Object, String>) -> Vec<(Object, Op)> {
    let mut out = Vec::new();
    for (k, v) in &a {
        match b.get(k) {
            None => out.push((k.clone(), Op::Remove)),
            Some(w) if w != v => out.push((k.clone(), Op::Modify)),
            Some(_) => {}
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        out.push((k.clone(), Op::Add));
    }
    out
}

/// Each object of a scope with a fingerprint of its content.
fn objects(s: &Scope) -> BTreeMap<Object, String> {
    let mut out = BTreeMap::new();
    let fp = |v: &dyn std::fmt::Debug| format!("{v:?}");
    for i in &s.interfaces {
        for u in &i.units {
            let name = format!("{}.{}", i.name, u.number);
            for a in u
                .inet
                .iter()
                .map(|a| fp(a))
                .chain(u.inet6.iter().map(|a| fp(a)))
            {
                out.insert(Object::Address(format!("{name} {a}")), String::new());
            }
            out.insert(Object::Link(name), fp(u));
        }
    }
    out.insert(Object::Instance("master".into()), fp(&s.routing_options));
    for r in &s.routing_options.static_routes {
        out.insert(Object::StaticRoute(format!("master {}", r.prefix)), fp(r));
    }
    out.insert(Object::Bgp("master".into()), fp(&s.bgp));
    for ri in &s.routing_instances {
        out.insert(Object::Instance(ri.name.clone()), fp(ri));
        for r in &ri.routing_options.static_routes {
            out.insert(
                Object::StaticRoute(format!("{} {}", ri.name, r.prefix)),
                fp(r),
            );
        }
        out.insert(Object::Bgp(ri.name.clone()), fp(&ri.bgp));
    }
    out.insert(
        Object::Policy("policy-options".into()),
        fp(&s.policy_options),
    );
    out
}

fn logins(i: &Intent) -> BTreeMap<Object, String> {
    i.users
        .iter()
        .map(|u| (Object::Login(u.name.clone()), format!("{u:?}")))
        .collect()
}
