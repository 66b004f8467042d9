//! The children of a [`Node`]: an ordered `Vec` plus an index by (schema node, key).
//!
//! Why: statements are found by (schema node, key) on every edit, and a linear scan made
//! loading one list of N entries (N static routes) cost O(N²) — 40k routes took 12 s. The order
//! of the children is still the `Vec`'s (display order, `insert before/after`), so the index
//! only maps a hash of (schema node, key) to positions.
//!
//! Correctness does not depend on callers: the `Vec` is private, reading goes through
//! `Deref<Target = [Node]>` and every way to change it goes through a method here that keeps the
//! index exact, drops it (rebuilt lazily on the next lookup), or — for a child handed out by
//! `&mut` whose key may be changed in place (rename) — remembers it as *lent* and re-files it
//! before the next change; lookups in between also check the lent child. Small nodes (most of
//! them) never build an index: below [`INDEX_MIN`] children a scan is cheaper.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::ops::{Deref, Index, IndexMut};
use std::slice::SliceIndex;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Node;
use crate::schema::SchemaId;

/// Below this many children lookups scan and no index is built.
pub const INDEX_MIN: usize = 16;

/// The children of a node, in display order, with an index by (schema node, key).
#[derive(Default)]
pub struct Children {
    nodes: Vec<Node>,
    /// Built on the first lookup of a node with at least [`INDEX_MIN`] children; while it
    /// exists it is exact for every position except `lent`.
    index: OnceLock<Slots>,
    /// A child handed out by `&mut` while the index existed: its position and the hash it was
    /// filed under (its key may have been changed since).
    lent: Option<(usize, u64)>,
}

/// Positions by identity hash.
type Slots = HashMap<u64, Slot, BuildHasherDefault<Identity>>;

/// The positions of the children whose identity has one hash (more than one only on a 64-bit
/// collision or duplicate statements).
#[derive(Debug, Clone)]
enum Slot {
    One(u32),
    Many(Box<[u32]>),
}

/// The identity hash is already a keyed SipHash; the map uses it as is.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Keyed per process, so keys a tenant chooses cannot be made to collide on purpose.
fn hash(schema: SchemaId, key: Option<&str>) -> u64 {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    probe(1);
    KEYS.get_or_init(RandomState::new).hash_one((schema, key))
}

fn hash_of(n: &Node) -> u64 {
    hash(n.schema, n.key.as_deref())
}

fn is(n: &Node, schema: SchemaId, key: Option<&str>) -> bool {
    probe(1);
    n.schema == schema && n.key.as_deref() == key
}

fn pos(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 children")
}

fn add(slots: &mut Slots, h: u64, i: usize) {
    use std::collections::hash_map::Entry;
    let i = pos(i);
    match slots.entry(h) {
        Entry::Vacant(e) => {
            e.insert(Slot::One(i));
        }
        Entry::Occupied(mut e) => match e.get_mut() {
            Slot::One(j) if *j == i => {}
            Slot::One(j) => {
                let j = *j;
                e.insert(Slot::Many(Box::new([j, i])));
            }
            Slot::Many(v) => {
                if !v.contains(&i) {
                    let mut more = v.to_vec();
                    more.push(i);
                    *v = more.into_boxed_slice();
                }
            }
        },
    }
}

fn remove(slots: &mut Slots, h: u64, i: usize) {
    let i = pos(i);
    match slots.get_mut(&h) {
        Some(Slot::One(j)) if *j == i => {
            slots.remove(&h);
        }
        Some(Slot::Many(v)) => {
            let rest: Vec<u32> = v.iter().copied().filter(|&j| j != i).collect();
            let slot = match rest.as_slice() {
                [only] => Slot::One(*only),
                _ => Slot::Many(rest.into_boxed_slice()),
            };
            slots.insert(h, slot);
        }
        _ => {}
    }
}

/// Moves position `from` to `to` under hash `h`.
fn renumber(slots: &mut Slots, h: u64, from: usize, to: usize) {
    let (from, to) = (pos(from), pos(to));
    match slots.get_mut(&h) {
        Some(Slot::One(j)) if *j == from => *j = to,
        Some(Slot::Many(v)) => v.iter_mut().filter(|j| **j == from).for_each(|j| *j = to),
        _ => {}
    }
}

fn build(nodes: &[Node]) -> Slots {
    let mut slots = Slots::with_capacity_and_hasher(nodes.len(), Default::default());
    for (i, n) in nodes.iter().enumerate() {
        add(&mut slots, hash_of(n), i);
    }
    slots
}

impl Children {
    pub fn new() -> Children {
        Children::default()
    }

    pub fn with_capacity(n: usize) -> Children {
        Vec::with_capacity(n).into()
    }

    /// The position of the child (schema node, key). On a malformed tree with duplicates: the
    /// last child if it matches, else the first match (what the linear scan returned).
    pub fn position(&self, schema: SchemaId, key: Option<&str>) -> Option<usize> {
        // Text is read in order, so the statement being extended is nearly always the last.
        match self.nodes.last() {
            Some(last) if is(last, schema, key) => return Some(self.nodes.len() - 1),
            _ => {}
        }
        if self.nodes.len() < INDEX_MIN {
            return self.nodes.iter().position(|n| is(n, schema, key));
        }
        let slots = self.index.get_or_init(|| build(&self.nodes));
        let lent = self.lent.map(|(i, _)| i);
        let found = match slots.get(&hash(schema, key)) {
            None => None,
            Some(Slot::One(i)) => Some(*i as usize).filter(|&i| is(&self.nodes[i], schema, key)),
            Some(Slot::Many(v)) => v
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| is(&self.nodes[i], schema, key))
                .min(),
        };
        let lent = lent.filter(|&i| i < self.nodes.len() && is(&self.nodes[i], schema, key));
        match (found, lent) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Re-files the lent child (its key may have changed); every change starts here.
    fn settle(&mut self) {
        let Some((i, old)) = self.lent.take() else {
            return;
        };
        if let (Some(slots), Some(n)) = (self.index.get_mut(), self.nodes.get(i)) {
            let new = hash_of(n);
            if new != old {
                remove(slots, old, i);
                add(slots, new, i);
            }
        }
    }

    /// Hands out child `i` for changing; it is re-filed before the next change.
    fn lend(&mut self, i: usize) -> &mut Node {
        self.settle();
        if self.index.get().is_some() {
            self.lent = Some((i, hash_of(&self.nodes[i])));
        }
        &mut self.nodes[i]
    }

    /// Drops the index (after a change that may have moved or renamed anything).
    fn forget(&mut self) {
        self.index = OnceLock::new();
        self.lent = None;
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut Node> {
        (i < self.nodes.len()).then(|| self.lend(i))
    }

    pub fn first_mut(&mut self) -> Option<&mut Node> {
        self.get_mut(0)
    }

    pub fn last_mut(&mut self) -> Option<&mut Node> {
        let n = self.nodes.len();
        n.checked_sub(1).and_then(|i| self.get_mut(i))
    }

    /// Every child for changing: the index is rebuilt on the next lookup.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Node> {
        self.forget();
        self.nodes.iter_mut()
    }

    /// The `Vec` itself, for changes this type has no method for: the index is rebuilt on the
    /// next lookup.
    pub fn vec_mut(&mut self) -> &mut Vec<Node> {
        self.forget();
        &mut self.nodes
    }

    pub fn into_vec(self) -> Vec<Node> {
        self.nodes
    }

    pub fn push(&mut self, node: Node) {
        self.settle();
        if let Some(slots) = self.index.get_mut() {
            add(slots, hash_of(&node), self.nodes.len());
        }
        self.nodes.push(node);
    }

    /// Inserts at position `i`; the children after it are renumbered (O(children after `i`)).
    pub fn insert(&mut self, i: usize, node: Node) {
        self.settle();
        if let Some(slots) = self.index.get_mut() {
            for j in (i..self.nodes.len()).rev() {
                renumber(slots, hash_of(&self.nodes[j]), j, j + 1);
            }
            add(slots, hash_of(&node), i);
        }
        self.nodes.insert(i, node);
    }

    pub fn remove(&mut self, i: usize) -> Node {
        self.settle();
        if self.nodes.len() <= INDEX_MIN {
            self.forget();
        }
        if let Some(slots) = self.index.get_mut() {
            remove(slots, hash_of(&self.nodes[i]), i);
            for j in i + 1..self.nodes.len() {
                renumber(slots, hash_of(&self.nodes[j]), j, j - 1);
            }
        }
        self.nodes.remove(i)
    }

    pub fn retain(&mut self, f: impl FnMut(&Node) -> bool) {
        self.settle();
        let before = self.nodes.len();
        self.nodes.retain(f);
        if self.nodes.len() != before {
            self.forget();
        }
    }

    pub fn clear(&mut self) {
        self.nodes.clear();
        self.forget();
    }

    pub fn truncate(&mut self, len: usize) {
        if len < self.nodes.len() {
            self.nodes.truncate(len);
            self.forget();
        }
    }
}

impl Deref for Children {
    type Target = [Node];
    fn deref(&self) -> &[Node] {
        &self.nodes
    }
}

impl<I: SliceIndex<[Node]>> Index<I> for Children {
    type Output = I::Output;
    fn index(&self, i: I) -> &I::Output {
        &self.nodes[i]
    }
}

/// `children[i].key = ...` renames in place: the child is lent.
impl IndexMut<usize> for Children {
    fn index_mut(&mut self, i: usize) -> &mut Node {
        assert!(i < self.nodes.len(), "child {i} out of range");
        self.lend(i)
    }
}

impl From<Vec<Node>> for Children {
    fn from(nodes: Vec<Node>) -> Children {
        Children {
            nodes,
            ..Children::default()
        }
    }
}

impl FromIterator<Node> for Children {
    fn from_iter<I: IntoIterator<Item = Node>>(it: I) -> Children {
        it.into_iter().collect::<Vec<_>>().into()
    }
}

impl Extend<Node> for Children {
    fn extend<I: IntoIterator<Item = Node>>(&mut self, it: I) {
        for n in it {
            self.push(n);
        }
    }
}

impl IntoIterator for Children {
    type Item = Node;
    type IntoIter = std::vec::IntoIter<Node>;
    fn into_iter(self) -> Self::IntoIter {
        self.nodes.into_iter()
    }
}

impl<'a> IntoIterator for &'a Children {
    type Item = &'a Node;
    type IntoIter = std::slice::Iter<'a, Node>;
    fn into_iter(self) -> Self::IntoIter {
        self.nodes.iter()
    }
}

impl<'a> IntoIterator for &'a mut Children {
    type Item = &'a mut Node;
    type IntoIter = std::slice::IterMut<'a, Node>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// A copy starts without an index (most copies are never searched by key).
impl Clone for Children {
    fn clone(&self) -> Children {
        self.nodes.clone().into()
    }
}

/// Content only: the index is a cache.
impl PartialEq for Children {
    fn eq(&self, other: &Children) -> bool {
        self.nodes == other.nodes
    }
}

impl Eq for Children {}

impl fmt::Debug for Children {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.nodes.fmt(f)
    }
}

/// Serialized as the plain list it was before the index existed.
impl Serialize for Children {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.nodes.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Children {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Children, D::Error> {
        Vec::<Node>::deserialize(d).map(Children::from)
    }
}

#[cfg(test)]
thread_local! {
    static PROBES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts units of lookup work (a child compared, an identity hashed) in unit tests, so
/// scaling can be asserted without timing; compiled out otherwise.
#[inline(always)]
pub(crate) fn probe(_n: u64) {
    #[cfg(test)]
    PROBES.with(|p| p.set(p.get() + _n));
}

/// Work counted on this thread so far (unit tests only).
#[cfg(test)]
pub(crate) fn probes() -> u64 {
    PROBES.with(|p| p.get())
}
