//! The `then` of a term, compiled, and how it changes a route.
//!
//! Changes apply to the policy's copy of the route as soon as the term matches (Junos: "During
//! policy evaluation, the characteristics in the copy of the source route always change
//! immediately after the action is evaluated"), whatever the flow control; they accumulate
//! over terms and policies, and the route keeps them when the chain ends in its default.
//!
//! - `local-preference N|add N|subtract N`: an unset local preference counts as 100; results
//!   saturate at 0 and 4294967295 (grammar `AttributeChange::apply`).
//! - `metric ...`: the MED; an unset MED counts as 0.
//! - `origin`, `community add|set|delete` (in the order written: `delete X; add Y` differs from
//!   `add Y; delete X` when Y matches X), see `community.rs` for the member rules.
//! - `as-path-expand last-as count N` then `as-path-prepend "A B"`: the expansion repeats the
//!   path's first (most recently added) AS N times in front of the path as received (Junos:
//!   "extract the last AS number in the existing AS path and prepend it"; a path without a
//!   leading AS_SEQUENCE is left alone — lsys's choice); the prepend puts the ASes in front as
//!   written (`"64496 64497"` gives `64496 64497 <path>`). Junos does not say which comes
//!   first when both are given; expanding the existing path first is lsys's choice.
//! - `next-hop`, `tag`, `preference`, `load-balance` do not touch the BGP attributes; they are
//!   returned in [`RouteChanges`](super::RouteChanges) for the caller (BGP import/export or the
//!   RIB) to apply.
//!
//! An action that would leave the attributes as they are (a local preference set to the value
//! it has, a community added that is there) does not copy them.

use std::sync::Arc;

use lsys_grammar::typed::{AttributeChange, CommunityOp, LoadBalance, NextHop, PolicyAction};

use super::chain::Work;
use super::community::CommunityDef;
use super::matching::DEFAULT_LOCAL_PREF;
use crate::packet::{AsPath, Origin, SegmentType};

#[derive(Debug, Clone, Default)]
pub(crate) struct Actions {
    pub(crate) flow: Option<PolicyAction>,
    pub(crate) local_preference: Option<AttributeChange>,
    pub(crate) metric: Option<AttributeChange>,
    pub(crate) tag: Option<u32>,
    pub(crate) preference: Option<u32>,
    pub(crate) origin: Option<Origin>,
    pub(crate) communities: Vec<(CommunityOp, Arc<CommunityDef>)>,
    pub(crate) prepend: Vec<u32>,
    pub(crate) expand_last_as: Option<u8>,
    pub(crate) next_hop: Option<NextHop>,
    pub(crate) load_balance: Option<LoadBalance>,
}

impl Actions {
    /// Whether there is nothing to do at all (no change, no flow control).
    pub(crate) fn is_empty(&self) -> bool {
        self.flow.is_none() && !self.changes_anything()
    }

    fn changes_anything(&self) -> bool {
        self.local_preference.is_some()
            || self.metric.is_some()
            || self.tag.is_some()
            || self.preference.is_some()
            || self.origin.is_some()
            || !self.communities.is_empty()
            || !self.prepend.is_empty()
            || self.expand_last_as.is_some()
            || self.next_hop.is_some()
            || self.load_balance.is_some()
    }

    /// Applies the changes (not the flow control) to the route being evaluated.
    pub(crate) fn apply(&self, work: &mut Work<'_>) {
        if !self.changes_anything() {
            return;
        }
        if let Some(change) = self.local_preference {
            let now = work.attrs().local_pref;
            let new = change.apply(now.unwrap_or(DEFAULT_LOCAL_PREF));
            if now != Some(new) {
                work.attrs_mut().local_pref = Some(new);
            }
        }
        if let Some(change) = self.metric {
            let now = work.attrs().med;
            let new = change.apply(now.unwrap_or(0));
            if now != Some(new) {
                work.attrs_mut().med = Some(new);
            }
        }
        if let Some(o) = self.origin {
            if work.attrs().origin != Some(o) {
                work.attrs_mut().origin = Some(o);
            }
        }
        for (op, def) in &self.communities {
            match op {
                CommunityOp::Add => {
                    if def.add_changes(work.attrs()) {
                        def.add(work.attrs_mut());
                    }
                }
                CommunityOp::Set => {
                    if def.set_changes(work.attrs()) {
                        def.set(work.attrs_mut());
                    }
                }
                CommunityOp::Delete => {
                    if def.delete_changes(work.attrs()) {
                        def.delete(work.attrs_mut());
                    }
                }
            }
        }
        if let Some(count) = self.expand_last_as {
            let last = work
                .attrs()
                .as_path
                .as_ref()
                .and_then(|p| match p.segments.first() {
                    Some(s) if s.kind == SegmentType::Sequence => s.asns.first().copied(),
                    _ => None,
                });
            if let (Some(asn), true) = (last, count > 0) {
                let path = work.attrs_mut().as_path.get_or_insert_with(AsPath::default);
                for _ in 0..count {
                    path.prepend(asn);
                }
            }
        }
        if !self.prepend.is_empty() {
            let path = work.attrs_mut().as_path.get_or_insert_with(AsPath::default);
            for &asn in self.prepend.iter().rev() {
                path.prepend(asn);
            }
        }
        let changes = &mut work.changes;
        if let Some(t) = self.tag {
            changes.tag = Some(t);
        }
        if let Some(p) = self.preference {
            changes.preference = Some(p);
        }
        if let Some(nh) = self.next_hop {
            changes.next_hop = Some(nh);
        }
        if let Some(lb) = self.load_balance {
            changes.load_balance = Some(lb);
        }
    }
}
