//! Random configuration trees drawn from the schema, for property tests.
//!
//! The generator walks the schema from the root and decides everything (which children, how
//! many list entries, which values, inactive flags, annotations) by drawing numbers from a
//! *choice stream*: a `Vec<u32>` that proptest generates and shrinks. Once the stream runs out
//! every draw is 0, and 0 always means "the smallest thing" (leave the child out, first value),
//! so shrinking the stream (dropping and lowering numbers) shrinks the tree — the Hypothesis
//! trick, without writing a tree shrinker by hand.
//!
//! Every value goes through the same parsing the text readers use ([`path::parse_value`]), so
//! trees hold canonical values only, and `@choice` groups get at most one member per parent, so
//! a generated tree is one the readers could have produced. `@key` statements are drawn as
//! part of their entry's key ([`key::compose`]), and an entry often reuses the value of the one
//! before (`route-filter 0.0.0.0/0 exact; route-filter 0.0.0.0/0 upto /24;`). Entries inside
//! `groups` are sometimes named by wildcards (`<eth*>`, `"<eth[0-3]>"`).

use std::fmt;

use lsys_grammar::key;
use lsys_grammar::path;
use lsys_grammar::schema::{Kind, Schema, SchemaId, ROOT};
use lsys_grammar::secret;
use lsys_grammar::text::print;
use lsys_grammar::tree::Node;
use lsys_grammar::types::ValueType;
use proptest::prelude::*;

/// Bounds on a generated tree.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Statements at most (the root not counted).
    pub max_nodes: usize,
    /// Levels below the root at most.
    pub max_depth: usize,
    /// Entries of one list at most.
    pub max_entries: u32,
    /// Chance in percent that an optional child is present.
    pub child_pct: u32,
    /// Chance in percent that a statement is inactive.
    pub inactive_pct: u32,
    /// Chance in percent that a statement carries an annotation.
    pub annotation_pct: u32,
    /// Chance in percent that a name or text is drawn from the tricky pool.
    pub tricky_pct: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_nodes: 120,
            max_depth: 14,
            max_entries: 3,
            child_pct: 40,
            inactive_pct: 8,
            annotation_pct: 8,
            tricky_pct: 5,
        }
    }
}

/// A generated configuration; its `Debug` form is the curly text (what a failing case shows).
#[derive(Clone, PartialEq, Eq)]
pub struct Tree(pub Node);

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", print::curly(&self.0))
    }
}

/// A proptest strategy for whole configurations (rooted at the schema root).
pub fn arb_tree() -> impl Strategy<Value = Tree> {
    arb_tree_with(Limits::default())
}

/// As [`arb_tree`] with other bounds.
pub fn arb_tree_with(limits: Limits) -> impl Strategy<Value = Tree> {
    proptest::collection::vec(any::<u32>(), 0..2048).prop_map(move |c| Tree(tree(&c, &limits)))
}

impl<'a> Gen<'a> {
    fn new(choices: &'a [u32], limits: &'a Limits) -> Gen<'a> {
        Gen {
            c: Choices {
                data: choices,
                pos: 0,
            },
            limits,
            nodes: 0,
        }
    }
}

/// The tree a choice stream describes.
pub fn tree(choices: &[u32], limits: &Limits) -> Node {
    let mut g = Gen::new(choices, limits);
    let mut root = Node::root();
    g.fill(&mut root, ROOT, 0);
    root
}

/// One statement of schema node `id` drawn from a choice stream: a list entry with a key, a
/// leaf or leaf-list with values, a container or entry with random children below it. `None`
/// when no valid value could be drawn.
pub fn statement(choices: &[u32], limits: &Limits, id: SchemaId) -> Option<Node> {
    let mut g = Gen::new(choices, limits);
    let schema = Schema::get();
    let node = schema.node(id);
    let key = match node.kind {
        Kind::List => Some(g.entry_key(id, None)?),
        _ => None,
    };
    let mut n = Node::new(id, key);
    match node.kind {
        Kind::Leaf | Kind::LeafList => n.values.push(g.value(id)?),
        Kind::Container | Kind::List => g.fill(&mut n, id, 0),
        Kind::Flag => {}
    }
    Some(n)
}

/// Bounds for [`policy`]: more entries per list and more optional statements, so that
/// route-filters sharing a prefix and runs of community actions come up in most trees.
pub fn policy_limits() -> Limits {
    Limits {
        max_nodes: 80,
        max_entries: 5,
        child_pct: 70,
        ..Limits::default()
    }
}

/// A configuration of `policy-options` alone, drawn from a choice stream.
pub fn policy(choices: &[u32], limits: &Limits) -> Node {
    let schema = Schema::get();
    let mut root = Node::root();
    let po = schema
        .child_by_word(ROOT, "policy-options")
        .expect("the schema has policy-options");
    if let Some(n) = statement(choices, limits, po) {
        root.children.push(n);
    }
    root
}

/// A proptest strategy for [`policy`] configurations.
pub fn arb_policy() -> impl Strategy<Value = Tree> {
    let limits = policy_limits();
    proptest::collection::vec(any::<u32>(), 0..1024).prop_map(move |c| Tree(policy(&c, &limits)))
}

/// Choices from a 64-bit seed (for reproducing a case outside proptest).
pub fn choices_from_seed(seed: u64) -> Vec<u32> {
    let mut s = seed;
    (0..2048).map(|_| splitmix(&mut s) as u32).collect()
}

/// A tree from a 64-bit seed (for reproducing a case outside proptest).
pub fn tree_from_seed(seed: u64, limits: &Limits) -> Node {
    tree(&choices_from_seed(seed), limits)
}

fn splitmix(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9e3779b97f4a7c15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// Removes every annotation (the set form cannot carry them).
pub fn strip_annotations(n: &mut Node) {
    n.annotation = None;
    n.children.iter_mut().for_each(strip_annotations);
}

/// Draws from the choice stream; 0 once it is exhausted.
struct Choices<'a> {
    data: &'a [u32],
    pos: usize,
}

impl Choices<'_> {
    fn draw(&mut self) -> u32 {
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            0
        } else {
            self.draw() % n
        }
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let span = (hi - lo) as u64 + 1;
        lo + (self.draw() as u64 % span) as u32
    }

    /// True with `pct` percent; a 0 draw is always false.
    fn chance(&mut self, pct: u32) -> bool {
        let d = self.draw();
        d != 0 && d % 100 < pct
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.below(items.len() as u32) as usize]
    }
}

struct Gen<'a> {
    c: Choices<'a>,
    limits: &'a Limits,
    nodes: usize,
}

impl Gen<'_> {
    /// Adds random children of schema node `id` to `node`.
    fn fill(&mut self, node: &mut Node, id: SchemaId, depth: usize) {
        let schema = Schema::get();
        if depth >= self.limits.max_depth {
            return;
        }
        // `@key` statements are part of an entry's key (drawn with it), not children.
        let children: Vec<SchemaId> = schema
            .node(id)
            .children
            .iter()
            .copied()
            .filter(|&c| !schema.node(c).key)
            .collect();
        // For each @choice group, the one member allowed under this parent.
        let mut allowed: Vec<(&str, SchemaId)> = Vec::new();
        for &c in &children {
            if let Some(g) = schema.node(c).choice.as_deref() {
                if allowed.iter().all(|(a, _)| *a != g) {
                    let members: Vec<SchemaId> = children
                        .iter()
                        .copied()
                        .filter(|&m| schema.node(m).choice.as_deref() == Some(g))
                        .collect();
                    allowed.push((g, *self.c.pick(&members)));
                }
            }
        }
        for &c in &children {
            if self.nodes >= self.limits.max_nodes {
                return;
            }
            let cn = schema.node(c);
            if let Some(g) = cn.choice.as_deref() {
                if !allowed.contains(&(g, c)) {
                    continue;
                }
            }
            if cn.kind == Kind::List {
                let n = if self.c.chance(self.limits.child_pct) {
                    self.c.range(1, self.limits.max_entries.max(1))
                } else {
                    0
                };
                let mut last: Option<String> = None;
                for _ in 0..n {
                    let Some(key) = self.entry_key(c, last.as_deref()) else {
                        continue;
                    };
                    last = Some(key.clone());
                    if node.position(c, Some(&key)).is_some() {
                        continue;
                    }
                    let mut entry = Node::new(c, Some(key));
                    self.nodes += 1;
                    self.fill(&mut entry, c, depth + 1);
                    self.decorate(&mut entry);
                    node.children.push(entry);
                }
            } else if self.c.chance(self.limits.child_pct) {
                let mut child = Node::new(c, None);
                match cn.kind {
                    Kind::Leaf => match self.value(c) {
                        Some(v) => child.values.push(v),
                        None => continue,
                    },
                    Kind::LeafList => {
                        for _ in 0..self.c.range(1, 3) {
                            if let Some(v) = self.value(c) {
                                if !child.values.contains(&v) {
                                    child.values.push(v);
                                }
                            }
                        }
                        if child.values.is_empty() {
                            continue;
                        }
                    }
                    Kind::Container => self.fill(&mut child, c, depth + 1),
                    Kind::Flag | Kind::List => {}
                }
                self.nodes += 1;
                self.decorate(&mut child);
                node.children.push(child);
            }
        }
    }

    fn decorate(&mut self, n: &mut Node) {
        n.inactive = self.c.chance(self.limits.inactive_pct);
        if self.c.chance(self.limits.annotation_pct) {
            n.annotation = Some(self.annotation());
        }
    }

    /// The key of a new entry of list `id`: its value, and for a list with `@key` statements
    /// one of those (a list with a value may go without). Half the time the value is that of
    /// `previous` (the entry drawn before), so one prefix with several match types comes up.
    fn entry_key(&mut self, id: SchemaId, previous: Option<&str>) -> Option<String> {
        let schema = Schema::get();
        // Inside a configuration group an entry may be named by a wildcard.
        if schema.counterpart(id).is_some() && !schema.has_key_parts(id) && self.c.chance(20) {
            let w = *self.c.pick(&["<*>", "<eth*>", "<eth[0-3]>", "<*.?>"]);
            return path::parse_value(schema, id, w).ok();
        }
        if !schema.has_key_parts(id) {
            return self.value(id);
        }
        let node = schema.node(id);
        let reuse = previous
            .and_then(|p| key::split(schema, id, p))
            .and_then(|k| k.value)
            .filter(|_| self.c.chance(50))
            .map(str::to_string);
        let value = match (&node.vtype, reuse) {
            (None, _) => None,
            (Some(_), Some(v)) => Some(v),
            (Some(_), None) => Some(self.value(id)?),
        };
        let parts: Vec<SchemaId> = schema.key_parts(id).collect();
        // Without a part only now and then (a draw of 0 picks the first part).
        let part = if value.is_some() && self.c.chance(10) {
            None
        } else {
            Some(*self.c.pick(&parts))
        };
        let part_value = match part {
            Some(p) if schema.node(p).kind == Kind::Leaf => Some(self.value(p)?),
            _ => None,
        };
        let part = part.map(|p| (schema.node(p).word.as_str(), part_value.as_deref()));
        Some(key::compose(value.as_deref(), part))
    }

    /// A canonical value for schema node `id` (a leaf's value or a list's key).
    fn value(&mut self, id: SchemaId) -> Option<String> {
        let schema = Schema::get();
        let node = schema.node(id);
        if node.secret && node.vtype != Some(ValueType::PasswordHash) {
            let clear = self.text(1, 20, SECRET_CHARS);
            let clear = if clear.is_empty() { "k".into() } else { clear };
            return path::parse_value(schema, id, &secret::encode(&clear)).ok();
        }
        let vtype = node.vtype.as_ref()?;
        // A few tries: random raw text may be refused by the type (that is fine, try again).
        for _ in 0..4 {
            let raw = self.raw(vtype);
            if let Ok(v) = path::parse_value(schema, id, &raw) {
                return Some(v);
            }
        }
        path::parse_value(schema, id, &fallback(vtype)).ok()
    }

    /// Raw text for a value of type `t` (mostly valid, sometimes not canonical).
    fn raw(&mut self, t: &ValueType) -> String {
        let c = &mut self.c;
        match t {
            ValueType::Text => {
                if c.chance(self.limits.tricky_pct) {
                    c.pick(TRICKY_TEXT).to_string()
                } else {
                    let n = c.below(24);
                    self.text(0, n, TEXT_CHARS)
                }
            }
            ValueType::Name | ValueType::PolicyName | ValueType::LsName => {
                if c.chance(self.limits.tricky_pct) {
                    c.pick(TRICKY_NAMES).to_string()
                } else {
                    let n = c.range(1, 12);
                    self.text(1, n, NAME_CHARS)
                }
            }
            ValueType::InstanceName => {
                if c.chance(30) {
                    uuid(c)
                } else if c.chance(self.limits.tricky_pct) {
                    c.pick(TRICKY_NAMES).to_string()
                } else {
                    let n = c.range(1, 12);
                    self.text(1, n, INSTANCE_CHARS)
                }
            }
            ValueType::Username => {
                let n = c.range(0, 10);
                format!("u{}", self.text(0, n, USER_CHARS))
            }
            ValueType::Hostname => {
                let n = c.range(1, 16);
                self.text(1, n, HOST_CHARS)
            }
            ValueType::Ifname => ifname(c),
            ValueType::LinuxIfname => linux_ifname(c),
            // Sometimes without the unit (`NAME` is read as `NAME.0`).
            ValueType::UnitName if c.chance(10) => ifname(c),
            ValueType::UnitName => format!("{}.{}", ifname(c), c.range(0, 16385)),
            ValueType::IpOrUnit => match c.below(4) {
                0 => format!("{}.{}", ifname(c), c.range(0, 16385)),
                1 => ifname(c),
                _ => ip(c),
            },
            ValueType::Ipv4 => ipv4(c),
            ValueType::Ip => ip(c),
            ValueType::Ipv4IfAddr => format!("{}/{}", ipv4(c), c.range(0, 32)),
            ValueType::Ipv6IfAddr => format!("{}/{}", ipv6(c), c.range(0, 128)),
            ValueType::IpPrefix => {
                if c.chance(50) {
                    format!("{}/{}", ipv4(c), c.range(0, 32))
                } else {
                    format!("{}/{}", ipv6(c), c.range(0, 128))
                }
            }
            ValueType::Asn => c.range(1, u32::MAX).to_string(),
            ValueType::U32 { min, max } => c.range(*min, *max).to_string(),
            ValueType::Seconds { min_ms, max_ms } => {
                // Milliseconds as seconds, sometimes with zeros the canonical form drops.
                let span = max_ms - min_ms + 1;
                let ms = min_ms + (c.draw() as u64 * 1000 + c.draw() as u64) % span;
                let text = format!("{}.{:03}", ms / 1000, ms % 1000);
                if c.chance(20) {
                    format!("0{text}")
                } else {
                    text.trim_end_matches('0').trim_end_matches('.').to_string()
                }
            }
            ValueType::Preference => c.draw().to_string(),
            ValueType::HoldTime => {
                if c.chance(10) {
                    "0".into()
                } else {
                    c.range(3, 65535).to_string()
                }
            }
            ValueType::Vlan => {
                // Sometimes with leading zeros: the canonical form drops them.
                let v = c.range(1, 4094);
                if c.chance(10) {
                    format!("00{v}")
                } else {
                    v.to_string()
                }
            }
            ValueType::Enum(options) => c.pick(options).clone(),
            ValueType::Rd => {
                if c.chance(50) {
                    format!("{}:{}", c.draw(), c.draw())
                } else {
                    format!("{}:{}", ipv4(c), c.draw())
                }
            }
            ValueType::VrfTarget => format!("target:{}:{}", c.draw(), c.draw()),
            ValueType::Community => community(c),
            ValueType::CommunityMember if c.chance(30) => c.pick(COMMUNITY_PATTERNS).to_string(),
            ValueType::CommunityMember => community(c),
            ValueType::VlanOr(words) if c.chance(20) => c.pick(words).clone(),
            ValueType::VlanOr(_) => c.range(1, 4094).to_string(),
            ValueType::VlanRange => {
                let a = c.range(1, 4094);
                if c.chance(50) {
                    format!("{a}-{}", c.range(a, 4094))
                } else {
                    a.to_string()
                }
            }
            ValueType::Regex => c.pick(REGEXES).to_string(),
            ValueType::PasswordHash => {
                let salt = self.text(1, 8, CRYPT_CHARS);
                let n = c_range(&mut self.c, 20, 86);
                let hash = self.text(n, n, CRYPT_CHARS);
                let id = *self.c.pick(&["1", "5", "6", "2b", "y"]);
                format!("${id}${salt}${hash}")
            }
            ValueType::PrefixLength => format!("/{}", c.range(0, 128)),
            ValueType::PrefixLengthRange => {
                let a = c.range(0, 128);
                format!("/{a}-/{}", c.range(a, 128))
            }
            ValueType::AsPath => {
                let n = c.range(1, 4);
                let asns: Vec<String> = (0..n).map(|_| c.range(1, u32::MAX).to_string()).collect();
                asns.join(if c.chance(20) { "  " } else { " " })
            }
            ValueType::NextHop => {
                if c.chance(30) {
                    c.pick(&["self", "peer-address", "discard", "reject"])
                        .to_string()
                } else {
                    ip(c)
                }
            }
        }
    }

    /// Random text of `min..=max` characters from `alphabet`.
    fn text(&mut self, min: u32, max: u32, alphabet: &[char]) -> String {
        let n = self.c.range(min, max.max(min));
        (0..n).map(|_| *self.c.pick(alphabet)).collect()
    }

    /// An annotation: no `*/`, no line breaks, no blanks at either end (the reader trims).
    fn annotation(&mut self) -> String {
        let n = self.c.range(1, 30);
        let mut a = self.text(1, n, ANNOTATION_CHARS);
        while a.contains("*/") {
            a = a.replace("*/", "*");
        }
        let a = a.trim().to_string();
        if a.is_empty() {
            "note".into()
        } else {
            a
        }
    }
}

fn c_range(c: &mut Choices, lo: u32, hi: u32) -> u32 {
    c.range(lo, hi)
}

fn community(c: &mut Choices) -> String {
    match c.below(5) {
        0 => format!("{}:{}", c.range(0, 65535), c.range(0, 65535)),
        1 => format!("target:{}:{}", c.range(0, 65535), c.draw()),
        2 => format!("origin:{}:{}", c.range(0, 65535), c.draw()),
        3 => format!("large:{}:{}:{}", c.draw(), c.draw(), c.draw()),
        _ => c
            .pick(&[
                "no-export",
                "no-advertise",
                "no-export-subconfed",
                "llgr-stale",
            ])
            .to_string(),
    }
}

fn ifname(c: &mut Choices) -> String {
    if c.chance(20) {
        return junos_port(c);
    }
    linux_ifname(c)
}

fn linux_ifname(c: &mut Choices) -> String {
    let base = *c.pick(&["eth", "irb", "ge-0_0_", "lo", "bond", "x"]);
    format!("{base}{}", c.range(0, 99))
}

/// A Junos port name: `ge-0/0/1`, `xe-1/2/3:1`.
fn junos_port(c: &mut Choices) -> String {
    let kind = *c.pick(&["ge", "xe", "et", "mge"]);
    let mut name = format!(
        "{kind}-{}/{}/{}",
        c.range(0, 11),
        c.range(0, 3),
        c.range(0, 47)
    );
    if c.chance(20) {
        name.push_str(&format!(":{}", c.range(0, 3)));
    }
    name
}

fn ipv4(c: &mut Choices) -> String {
    std::net::Ipv4Addr::from(c.draw()).to_string()
}

fn ipv6(c: &mut Choices) -> String {
    // Runs of zero groups exercise the `::` compression of the canonical form.
    let mut seg = [0u16; 8];
    for s in seg.iter_mut() {
        if c.chance(60) {
            *s = c.draw() as u16;
        }
    }
    std::net::Ipv6Addr::from(seg).to_string()
}

fn ip(c: &mut Choices) -> String {
    if c.chance(50) {
        ipv6(c)
    } else {
        ipv4(c)
    }
}

fn uuid(c: &mut Choices) -> String {
    let a = c.draw();
    let b = c.draw();
    let d = c.draw();
    let e = c.draw();
    format!(
        "{a:08x}-{:04x}-{:04x}-{:04x}-{:04x}{d:08x}",
        b >> 16,
        b & 0xffff,
        e >> 16,
        e & 0xffff
    )
}

/// A valid value when the random ones were all refused.
fn fallback(t: &ValueType) -> String {
    match t {
        ValueType::Enum(o) => o[0].clone(),
        ValueType::U32 { min, .. } => min.to_string(),
        ValueType::Seconds { min_ms, .. } => format!("{}.{:03}", min_ms / 1000, min_ms % 1000),
        ValueType::UnitName => "eth0.0".into(),
        ValueType::Ipv4 | ValueType::Ip | ValueType::NextHop | ValueType::IpOrUnit => {
            "10.0.0.1".into()
        }
        ValueType::CommunityMember => "65000:1".into(),
        ValueType::VlanOr(_) | ValueType::VlanRange => "1".into(),
        ValueType::Regex => ".*".into(),
        ValueType::PasswordHash => "$6$salt$hash".into(),
        ValueType::Ipv4IfAddr | ValueType::IpPrefix => "10.0.0.0/24".into(),
        ValueType::Ipv6IfAddr => "2001:db8::1/64".into(),
        ValueType::Rd => "65000:1".into(),
        ValueType::VrfTarget => "target:65000:1".into(),
        ValueType::Community => "65000:1".into(),
        ValueType::PrefixLength => "/24".into(),
        ValueType::PrefixLengthRange => "/24-/32".into(),
        ValueType::Asn | ValueType::AsPath | ValueType::Preference | ValueType::Vlan => "1".into(),
        ValueType::HoldTime => "90".into(),
        _ => "x".into(),
    }
}

const TEXT_CHARS: &[char] = &[
    'a', 'b', 'z', 'A', 'Z', '0', '9', ' ', ' ', '"', '\\', '\'', '#', ';', '{', '}', '[', ']',
    '(', ')', '/', '*', ':', '-', '.', '\t', 'é', 'ü', '日', '€',
];
const NAME_CHARS: &[char] = &[
    'a', 'b', 'q', 'z', 'A', 'Z', '0', '7', '-', '_', '.', ':', '/', '*', '\'', '\\', '!', '@',
    '$', '%', '&', '+', '<', '>', ',', '=', '~', '|', 'é',
];
const INSTANCE_CHARS: &[char] = &['a', 'k', 'z', 'B', '0', '5', '-', '_', '.', '/', '\'', '='];
const USER_CHARS: &[char] = &['a', 'm', 'z', '0', '9', '_', '-'];
const HOST_CHARS: &[char] = &['a', 'n', 'Z', '0', '4', '-', '.'];
const SECRET_CHARS: &[char] = &['a', 'b', 'Z', '0', '9', ' ', '"', '\\', '$', '!', '~', 'é'];
const ANNOTATION_CHARS: &[char] = &[
    'a', 'r', 'X', '1', ' ', ' ', '"', '\\', '\'', '#', ';', '{', '}', '[', ']', '/', '*', '\t',
    'ü', '日',
];

const CRYPT_CHARS: &[char] = &['a', 'Z', '0', '9', '.', '/'];

/// Community regular expressions as written in `members`.
const COMMUNITY_PATTERNS: &[&str] = &[
    "*:*",
    "^65000:.*$",
    "65000:1..",
    "^(65000|65001):[0-9]+$",
    "target:65000:.*",
];

/// Regular expressions of login classes (blanks included: they are quoted when printed).
const REGEXES: &[&str] = &[
    "^show",
    "(clear|request)",
    ".*",
    "system login",
    "^(request|start|restart) ",
];

/// Names that look like syntax: tags, comment openers, a lone dash.
const TRICKY_NAMES: &[&str] = &[
    "inactive:",
    "delete:",
    "replace:",
    "protect:",
    "/*x",
    "x*/",
    "-",
    "'",
    "\\",
    "set",
    "*",
    "a/*b",
];

/// Texts that look like syntax.
const TRICKY_TEXT: &[&str] = &[
    "",
    " ",
    "\\",
    "\"",
    "\\\"",
    "a\\",
    "/* x */",
    "*/",
    "inactive:",
    "[",
    "]",
    "#",
    "a;b",
    "{ }",
    "\t",
];
