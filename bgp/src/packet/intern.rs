//! Attribute interning: equal attribute sets share one `Arc<Attrs>`.
//!
//! A full table has about a million routes but only thousands of distinct attribute
//! sets, so a route holds an `Arc` (8 bytes) to the set it shares. The interner keeps
//! one strong reference per set in a hash set keyed by the value. Sets nobody else holds
//! any more are dropped by [`AttrInterner::purge`] (call it after a peer goes down or
//! periodically); a strong-reference design with an explicit purge keeps `intern` to a
//! single hash lookup, with no weak-pointer upgrades on the hot path.

use std::collections::HashSet;
use std::sync::Arc;

use super::attr::Attrs;

#[derive(Debug, Default)]
pub struct AttrInterner {
    sets: HashSet<Arc<Attrs>>,
}

impl AttrInterner {
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared copy of `attrs` (stored if it is new).
    pub fn intern(&mut self, attrs: Attrs) -> Arc<Attrs> {
        if let Some(shared) = self.sets.get(&attrs) {
            return shared.clone();
        }
        let shared = Arc::new(attrs);
        self.sets.insert(shared.clone());
        shared
    }

    /// Like [`intern`](Self::intern) for a borrowed set (cloned only when new).
    pub fn intern_ref(&mut self, attrs: &Attrs) -> Arc<Attrs> {
        match self.sets.get(attrs) {
            Some(shared) => shared.clone(),
            None => self.intern(attrs.clone()),
        }
    }

    /// Drops the sets only the interner holds; returns how many.
    pub fn purge(&mut self) -> usize {
        let before = self.sets.len();
        self.sets.retain(|a| Arc::strong_count(a) > 1);
        before - self.sets.len()
    }

    /// Distinct sets held.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sets_share_and_purge_drops_unused_ones() {
        let mut i = AttrInterner::new();
        let a = Attrs {
            med: Some(1),
            ..Attrs::default()
        };
        let x = i.intern(a.clone());
        let y = i.intern_ref(&a);
        assert!(Arc::ptr_eq(&x, &y));
        let z = i.intern(Attrs {
            med: Some(2),
            ..Attrs::default()
        });
        assert_eq!(i.len(), 2);
        drop(z);
        assert_eq!(i.purge(), 1);
        assert_eq!(i.len(), 1);
        drop((x, y));
        assert_eq!(i.purge(), 1);
        assert!(i.is_empty());
    }
}
