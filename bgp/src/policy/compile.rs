//! From the typed `policy-options` to the evaluator: names resolved, prefix lists sorted,
//! route-filters grouped for longest match, communities and AS-path expressions compiled once
//! and shared (an `Arc` each) by every term that names them.
//!
//! Errors are what commit checks refuse as well: a name that is not defined (the schema's
//! references), a route-filter or prefix-list-filter without a match type, a community with
//! expression members in `then community add|set`, an AS-path or community expression that
//! does not compile.

use std::collections::HashMap;
use std::sync::Arc;

use lsys_grammar::typed::{
    Actions as TypedActions, AddressOrInterface, Afi, CommunityOp, FromConditions, PolicyOptions,
    PolicyStatement,
};

use super::actions::Actions;
use super::aspath::AsPathRegex;
use super::chain::Chain;
use super::community::CommunityDef;
use super::matching::{Conditions, Iface, Prefixes};
use super::route_filter::{FilterList, How, PrefixSet};
use super::{CompileError, DefaultPolicy, Place};
use crate::packet::Origin;

#[derive(Debug)]
pub(crate) struct CompiledTerm {
    /// `None` for the policy's own from/then.
    pub(crate) name: Option<Box<str>>,
    pub(crate) from: Conditions,
    pub(crate) then: Actions,
}

#[derive(Debug)]
pub(crate) struct CompiledPolicy {
    pub(crate) name: Box<str>,
    pub(crate) terms: Vec<CompiledTerm>,
}

/// Every policy statement of a `policy-options`, ready to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    policies: HashMap<String, Arc<CompiledPolicy>>,
}

/// The named things terms refer to, compiled once.
struct Defs<'a> {
    po: &'a PolicyOptions,
    communities: HashMap<&'a str, Arc<CommunityDef>>,
    as_paths: HashMap<&'a str, Arc<AsPathRegex>>,
    prefix_sets: HashMap<&'a str, Arc<PrefixSet>>,
}

fn origin(o: lsys_grammar::typed::Origin) -> Origin {
    match o {
        lsys_grammar::typed::Origin::Igp => Origin::Igp,
        lsys_grammar::typed::Origin::Egp => Origin::Egp,
        lsys_grammar::typed::Origin::Incomplete => Origin::Incomplete,
    }
}

impl Policies {
    pub fn compile(po: &PolicyOptions) -> Result<Policies, CompileError> {
        let mut defs = Defs {
            po,
            communities: HashMap::new(),
            as_paths: HashMap::new(),
            prefix_sets: HashMap::new(),
        };
        for c in &po.communities {
            let def =
                CommunityDef::new(&c.members, c.invert_match).map_err(|(member, reason)| {
                    CompileError::CommunityMember {
                        name: c.name.clone(),
                        member,
                        reason,
                    }
                })?;
            defs.communities.insert(&c.name, Arc::new(def));
        }
        for a in &po.as_paths {
            let re = AsPathRegex::new(&a.regex).map_err(|reason| CompileError::AsPathRegex {
                name: a.name.clone(),
                regex: a.regex.clone(),
                reason,
            })?;
            defs.as_paths.insert(&a.name, Arc::new(re));
        }
        for pl in &po.prefix_lists {
            defs.prefix_sets
                .insert(&pl.name, Arc::new(PrefixSet::new(&pl.prefixes)));
        }
        let mut policies = HashMap::new();
        for ps in &po.policy_statements {
            let compiled = defs.policy(ps)?;
            policies.insert(ps.name.clone(), Arc::new(compiled));
        }
        Ok(Policies { policies })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.policies.contains_key(name)
    }

    /// The chain of `names` (an `import` or `export` list), ending in `default`.
    pub fn chain<S: AsRef<str>>(
        &self,
        names: &[S],
        default: DefaultPolicy,
    ) -> Result<Chain, CompileError> {
        let policies = names
            .iter()
            .map(|n| {
                self.policies
                    .get(n.as_ref())
                    .cloned()
                    .ok_or_else(|| CompileError::UnknownPolicy(n.as_ref().to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Chain { policies, default })
    }
}

impl<'a> Defs<'a> {
    fn policy(&self, ps: &'a PolicyStatement) -> Result<CompiledPolicy, CompileError> {
        let mut terms = Vec::with_capacity(ps.terms.len() + 1);
        for t in &ps.terms {
            let at = Place {
                policy: ps.name.clone(),
                term: Some(t.name.clone()),
            };
            terms.push(CompiledTerm {
                name: Some(t.name.as_str().into()),
                from: self.conditions(&t.from, &at)?,
                then: self.actions(&t.then, &at)?,
            });
        }
        let at = Place {
            policy: ps.name.clone(),
            term: None,
        };
        let from = self.conditions(&ps.from, &at)?;
        let then = self.actions(&ps.then, &at)?;
        if !from.is_empty() || !then.is_empty() {
            terms.push(CompiledTerm {
                name: None,
                from,
                then,
            });
        }
        Ok(CompiledPolicy {
            name: ps.name.as_str().into(),
            terms,
        })
    }

    fn undefined(at: &Place, what: &'static str, name: &str) -> CompileError {
        CompileError::Undefined {
            at: at.clone(),
            what,
            name: name.to_string(),
        }
    }

    fn community(&self, name: &str, at: &Place) -> Result<Arc<CommunityDef>, CompileError> {
        self.communities
            .get(name)
            .cloned()
            .ok_or_else(|| Self::undefined(at, "community", name))
    }

    fn conditions(&self, f: &FromConditions, at: &Place) -> Result<Conditions, CompileError> {
        let mut prefixes = Prefixes::default();
        for rf in &f.route_filters {
            let how = rf
                .match_type
                .ok_or_else(|| CompileError::MissingMatchType {
                    at: at.clone(),
                    statement: format!("route-filter {}", rf.prefix),
                })?;
            prefixes
                .filters
                .push(&rf.prefix, How::from_route_filter(how), rf.action);
        }
        prefixes.filters.finish();
        for pf in &f.prefix_list_filters {
            let how = pf
                .match_type
                .ok_or_else(|| CompileError::MissingMatchType {
                    at: at.clone(),
                    statement: format!("prefix-list-filter {}", pf.name),
                })?;
            let list = self
                .po
                .prefix_lists
                .iter()
                .find(|p| p.name == pf.name)
                .ok_or_else(|| Self::undefined(at, "prefix-list", &pf.name))?;
            let mut filters = FilterList::default();
            for p in &list.prefixes {
                filters.push(p, How::from_prefix_list(how), pf.action);
            }
            filters.finish();
            prefixes.list_filters.push(Arc::new(filters));
        }
        for name in &f.prefix_lists {
            let set = self
                .prefix_sets
                .get(name.as_str())
                .cloned()
                .ok_or_else(|| Self::undefined(at, "prefix-list", name))?;
            prefixes.lists.push(set);
        }
        let communities = f
            .communities
            .iter()
            .map(|n| self.community(n, at))
            .collect::<Result<Vec<_>, _>>()?;
        let as_paths = f
            .as_paths
            .iter()
            .map(|n| {
                self.as_paths
                    .get(n.as_str())
                    .cloned()
                    .ok_or_else(|| Self::undefined(at, "as-path", n))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let interfaces = f
            .interfaces
            .iter()
            .map(|i| match i {
                AddressOrInterface::Address(a) => Iface::Address(*a),
                AddressOrInterface::Interface(u) => Iface::Name(u.to_string().into()),
            })
            .collect();
        Ok(Conditions {
            family_v6: f.family.map(|a| a == Afi::Inet6),
            protocols: f.protocols.clone(),
            neighbors: f.neighbors.clone(),
            instance: f.instance.as_deref().map(Into::into),
            next_hops: f.next_hops.clone(),
            interfaces,
            origin: f.origin.map(origin),
            route_type: f.route_type,
            metric: f.metric,
            local_preference: f.local_preference,
            tags: f.tags.clone(),
            preference: f.preference,
            prefixes,
            communities,
            as_paths,
        })
    }

    fn actions(&self, t: &TypedActions, at: &Place) -> Result<Actions, CompileError> {
        let mut communities = Vec::with_capacity(t.communities.len());
        for c in &t.communities {
            let def = self.community(&c.name, at)?;
            let op = match c.op {
                CommunityOp::Add => Some("add"),
                CommunityOp::Set => Some("set"),
                CommunityOp::Delete => None,
            };
            if let (Some(op), true) = (op, def.has_pattern()) {
                return Err(CompileError::PatternInAction {
                    at: at.clone(),
                    op,
                    name: c.name.clone(),
                });
            }
            communities.push((c.op, def));
        }
        Ok(Actions {
            flow: t.action,
            local_preference: t.local_preference,
            metric: t.metric,
            tag: t.tag,
            preference: t.preference,
            origin: t.origin.map(origin),
            communities,
            prepend: t.as_path_prepend.clone(),
            expand_last_as: t.as_path_expand_last_as,
            next_hop: t.next_hop,
            load_balance: t.load_balance,
        })
    }
}
