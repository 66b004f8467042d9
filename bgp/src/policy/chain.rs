//! A policy chain (`import [ P1 P2 ]`, `export [ ... ]`) and its evaluation.
//!
//! Junos flow control (Policy Framework Configuration Guide, "Flow Control Actions", "Default
//! Routing Policies and Actions"):
//! - terms are evaluated in order; a term without `from` matches every route;
//! - `accept` / `reject` end the evaluation of the whole chain;
//! - `next term`, and a matching term without flow control, go on to the next term;
//! - `next policy`, and the end of a policy's terms, go on to the next policy;
//! - the policy's own `from`/`then` is its last, unnamed term (when it has either);
//! - after the last policy the protocol's default policy decides ([`DefaultPolicy`]);
//! - a route-filter or prefix-list-filter with its own action that matches decides in place of
//!   the term's `then`, which is not evaluated (see the module doc of `policy`).
//!
//! Changes made along the way stay with the route whatever decides (they are skipped only in
//! that a rejected route is not used).

use std::sync::Arc;

use lsys_grammar::typed::PolicyAction;

use super::compile::CompiledPolicy;
use super::route_filter::Net;
use super::{Decider, Decision, DefaultPolicy, Outcome, PolicyRoute, RouteChanges};
use crate::packet::Attrs;

/// The route being evaluated: its attributes, copied on the first change.
pub(crate) struct Work<'a> {
    original: &'a Arc<Attrs>,
    modified: Option<Attrs>,
    pub(crate) changes: RouteChanges,
}

impl<'a> Work<'a> {
    fn new(original: &'a Arc<Attrs>) -> Self {
        Work {
            original,
            modified: None,
            changes: RouteChanges::default(),
        }
    }

    pub(crate) fn attrs(&self) -> &Attrs {
        self.modified.as_ref().unwrap_or(self.original)
    }

    pub(crate) fn attrs_mut(&mut self) -> &mut Attrs {
        let original = self.original;
        self.modified.get_or_insert_with(|| Attrs::clone(original))
    }

    /// The tag as the policy has set it so far.
    pub(crate) fn tag(&self, route: &PolicyRoute<'_>) -> Option<u32> {
        self.changes.tag.or(route.tag)
    }

    pub(crate) fn preference(&self, route: &PolicyRoute<'_>) -> u32 {
        self.changes.preference.unwrap_or(route.preference)
    }

    fn finish(self, decision: Decision, decided_by: Option<Decider>) -> Outcome {
        let attrs = match (decision, self.modified) {
            (Decision::Accept, Some(m)) => Arc::new(m),
            _ => self.original.clone(),
        };
        Outcome {
            decision,
            attrs,
            changes: self.changes,
            decided_by,
        }
    }
}

/// A resolved list of policies and the default that ends it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Chain {
    pub(crate) policies: Vec<Arc<CompiledPolicy>>,
    pub(crate) default: DefaultPolicy,
}

impl Chain {
    /// A chain of no policies: only the default decides.
    pub fn default_only(default: DefaultPolicy) -> Chain {
        Chain {
            policies: Vec::new(),
            default,
        }
    }

    pub fn default_policy(&self) -> DefaultPolicy {
        self.default
    }

    /// The policy names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.policies.iter().map(|p| &*p.name)
    }

    /// The policy and term (`None`: the policy's own from/then) a [`Decider`] points at.
    pub fn describe(&self, d: Decider) -> Option<(&str, Option<&str>)> {
        let p = self.policies.get(d.policy)?;
        let t = p.terms.get(d.term)?;
        Some((&p.name, t.name.as_deref()))
    }

    /// Runs the route through the chain.
    pub fn evaluate(&self, route: &PolicyRoute<'_>) -> Outcome {
        let net = Net::new(&route.prefix);
        let mut work = Work::new(route.attrs);
        for (pi, policy) in self.policies.iter().enumerate() {
            for (ti, term) in policy.terms.iter().enumerate() {
                let Some(filter_action) = term.from.evaluate(route, &net, &work) else {
                    continue;
                };
                let flow = match filter_action {
                    Some(a) => Some(a),
                    None => {
                        term.then.apply(&mut work);
                        term.then.flow
                    }
                };
                let at = Decider {
                    policy: pi,
                    term: ti,
                };
                match flow {
                    Some(PolicyAction::Accept) => return work.finish(Decision::Accept, Some(at)),
                    Some(PolicyAction::Reject) => return work.finish(Decision::Reject, Some(at)),
                    Some(PolicyAction::NextPolicy) => break,
                    Some(PolicyAction::NextTerm) | None => {}
                }
            }
        }
        let decision = self.default.decide(route.protocol);
        work.finish(decision, None)
    }
}
