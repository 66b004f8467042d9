//! Prefix matching: prefix lists (exact), route-filters and prefix-list-filters.
//!
//! Junos evaluates the route-filters of a term in two steps ("How a Route List Is Evaluated",
//! Policy Framework Configuration Guide): first a longest-match lookup over the filter
//! prefixes, considering prefix and length only and not the match type; then only the filters
//! with that longest prefix are tested, top to bottom, and the first whose match type accepts
//! the route applies ("the list of identical prefixes is scanned from top to bottom, and the
//! first match type that matches the route applies"). If none does, the route-filter list
//! does not match, even when a shorter filter would have ("Common Configuration Problem with
//! the Longest-Match Lookup"). The bogon idiom relies on this:
//! `route-filter 0.0.0.0/0 exact reject; route-filter 0.0.0.0/0 prefix-length-range /25-/32
//! reject;` rejects the default route and every prefix longer than /24 that no more specific
//! filter of the same term covers.
//!
//! A prefix-list-filter is its prefix list turned into route-filters, each with the filter's
//! match type and action; each prefix-list-filter is a longest-match list of its own (lsys's
//! reading; Junos documents no interplay). Short lists are scanned; long ones are indexed by
//! prefix length (a sorted array per length, probed from the route's length down), so a lookup
//! costs a few binary searches rather than a scan.

use ipnet::IpNet;

use lsys_grammar::typed::{PolicyAction, PrefixListMatch, RouteFilterMatch};

/// A prefix as two integers: the address bits (IPv4 in the low 32 bits) and the length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Net {
    pub(crate) v6: bool,
    pub(crate) len: u8,
    pub(crate) addr: u128,
}

impl Net {
    pub(crate) fn new(p: &IpNet) -> Net {
        let p = p.trunc();
        match p {
            IpNet::V4(n) => Net {
                v6: false,
                len: n.prefix_len(),
                addr: u128::from(u32::from(n.network())),
            },
            IpNet::V6(n) => Net {
                v6: true,
                len: n.prefix_len(),
                addr: u128::from(n.network()),
            },
        }
    }

    fn width(v6: bool) -> u8 {
        if v6 {
            128
        } else {
            32
        }
    }

    /// The network mask of `len` bits for the family.
    fn mask(v6: bool, len: u8) -> u128 {
        let width = Self::width(v6);
        let len = len.min(width);
        if len == 0 {
            return 0;
        }
        let full = if v6 { u128::MAX } else { u128::from(u32::MAX) };
        (full << (width - len)) & full
    }

    /// `other` lies within `self` (same family, at least as long, same leading bits).
    pub(crate) fn contains(&self, other: &Net) -> bool {
        self.v6 == other.v6
            && other.len >= self.len
            && other.addr & Self::mask(self.v6, self.len) == self.addr
    }
}

/// The match type of one filter entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    Exact,
    Longer,
    Orlonger,
    Upto(u8),
    Range(u8, u8),
    /// `through P2`: the route lies on the path from the filter prefix down to P2 (within the
    /// filter prefix, covering P2, not longer than P2).
    Through(Net),
}

impl How {
    pub(crate) fn from_route_filter(m: RouteFilterMatch) -> How {
        match m {
            RouteFilterMatch::Exact => How::Exact,
            RouteFilterMatch::Longer => How::Longer,
            RouteFilterMatch::Orlonger => How::Orlonger,
            RouteFilterMatch::Upto(n) => How::Upto(n),
            RouteFilterMatch::PrefixLengthRange(a, b) => How::Range(a, b),
            RouteFilterMatch::Through(p) => How::Through(Net::new(&p)),
        }
    }

    pub(crate) fn from_prefix_list(m: PrefixListMatch) -> How {
        match m {
            PrefixListMatch::Exact => How::Exact,
            PrefixListMatch::Longer => How::Longer,
            PrefixListMatch::Orlonger => How::Orlonger,
        }
    }

    /// Whether `route`, known to lie within `filter`, passes this match type.
    fn accepts(self, filter: &Net, route: &Net) -> bool {
        let (f, r) = (filter.len, route.len);
        match self {
            How::Exact => r == f,
            How::Longer => r > f,
            How::Orlonger => r >= f,
            How::Upto(n) => r >= f && r <= n,
            How::Range(a, b) => r >= a && r <= b,
            How::Through(p2) => {
                r <= p2.len && route.contains(&p2) && filter.contains(&p2) && r >= f
            }
        }
    }
}

/// One filter entry's match type and its own action (`None`: the term's `then` applies).
#[derive(Debug, Clone, Copy)]
struct Entry {
    how: How,
    action: Option<PolicyAction>,
}

/// The entries with one prefix, in configured order.
#[derive(Debug, Clone)]
struct Group {
    net: Net,
    /// `net`'s mask, kept for the scan.
    mask: u128,
    entries: Vec<Entry>,
}

impl Group {
    fn contains(&self, route: &Net) -> bool {
        self.net.v6 == route.v6
            && route.len >= self.net.len
            && route.addr & self.mask == self.net.addr
    }
}

/// Lists up to this long are scanned; longer ones are indexed by prefix length.
const SCAN_MAX: usize = 16;

/// A route-filter list (the route-filters of a term, or one prefix-list-filter).
#[derive(Debug, Clone, Default)]
pub(crate) struct FilterList {
    groups: Vec<Group>,
    /// Per family and prefix length, longest first.
    index: Vec<LenSlot>,
}

/// The groups of one family and prefix length: (address, group) sorted by address.
#[derive(Debug, Clone)]
struct LenSlot {
    v6: bool,
    len: u8,
    addrs: Vec<(u128, usize)>,
}

/// A filter list matched: with the matching entry's own action, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) action: Option<PolicyAction>,
}

impl FilterList {
    pub(crate) fn push(&mut self, prefix: &IpNet, how: How, action: Option<PolicyAction>) {
        let net = Net::new(prefix);
        let entry = Entry { how, action };
        match self.groups.iter_mut().find(|g| g.net == net) {
            Some(g) => g.entries.push(entry),
            None => self.groups.push(Group {
                net,
                mask: Net::mask(net.v6, net.len),
                entries: vec![entry],
            }),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Builds the length index when the list is long (call once all entries are in).
    pub(crate) fn finish(&mut self) {
        self.index.clear();
        if self.groups.len() <= SCAN_MAX {
            return;
        }
        for (i, g) in self.groups.iter().enumerate() {
            let (v6, len) = (g.net.v6, g.net.len);
            let at = match self.index.iter().position(|s| s.v6 == v6 && s.len == len) {
                Some(at) => at,
                None => {
                    self.index.push(LenSlot {
                        v6,
                        len,
                        addrs: Vec::new(),
                    });
                    self.index.len() - 1
                }
            };
            self.index[at].addrs.push((g.net.addr, i));
        }
        self.index.sort_by_key(|s| std::cmp::Reverse(s.len));
        for slot in &mut self.index {
            slot.addrs.sort_unstable();
        }
    }

    /// The group with the longest prefix that contains `route`.
    fn longest(&self, route: &Net) -> Option<&Group> {
        if self.index.is_empty() {
            let mut best: Option<&Group> = None;
            for g in &self.groups {
                if g.contains(route) && best.is_none_or(|b| g.net.len > b.net.len) {
                    best = Some(g);
                }
            }
            return best;
        }
        for slot in &self.index {
            if slot.v6 != route.v6 || slot.len > route.len {
                continue;
            }
            let key = route.addr & Net::mask(slot.v6, slot.len);
            if let Ok(at) = slot.addrs.binary_search_by(|(a, _)| a.cmp(&key)) {
                return self.groups.get(slot.addrs[at].1);
            }
        }
        None
    }

    /// Junos route-list evaluation: the longest containing prefix, then its entries in order.
    pub(crate) fn lookup(&self, route: &Net) -> Option<Hit> {
        let group = self.longest(route)?;
        group
            .entries
            .iter()
            .find(|e| e.how.accepts(&group.net, route))
            .map(|e| Hit { action: e.action })
    }
}

/// A prefix list for `from prefix-list`: exact matches, as a sorted array.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrefixSet {
    nets: Vec<Net>,
}

impl PrefixSet {
    pub(crate) fn new<'a>(prefixes: impl IntoIterator<Item = &'a IpNet>) -> PrefixSet {
        let mut nets: Vec<Net> = prefixes.into_iter().map(Net::new).collect();
        nets.sort_unstable();
        nets.dedup();
        PrefixSet { nets }
    }

    pub(crate) fn contains(&self, route: &Net) -> bool {
        self.nets.binary_search(route).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Net {
        Net::new(&s.parse().unwrap())
    }

    fn list(entries: &[(&str, How, Option<PolicyAction>)]) -> FilterList {
        let mut l = FilterList::default();
        for (p, how, a) in entries {
            l.push(&p.parse().unwrap(), *how, *a);
        }
        l.finish();
        l
    }

    #[test]
    fn match_types() {
        let f = net("10.0.0.0/8");
        let cases = [
            (How::Exact, "10.0.0.0/8", true),
            (How::Exact, "10.1.0.0/16", false),
            (How::Longer, "10.0.0.0/8", false),
            (How::Longer, "10.1.0.0/16", true),
            (How::Orlonger, "10.0.0.0/8", true),
            (How::Orlonger, "10.255.255.255/32", true),
            (How::Upto(16), "10.1.0.0/16", true),
            (How::Upto(16), "10.1.1.0/24", false),
            (How::Range(16, 24), "10.0.0.0/8", false),
            (How::Range(16, 24), "10.1.1.0/24", true),
            (How::Through(net("10.1.1.0/24")), "10.1.0.0/16", true),
            (How::Through(net("10.1.1.0/24")), "10.1.1.0/24", true),
            (How::Through(net("10.1.1.0/24")), "10.2.0.0/16", false),
            (How::Through(net("10.1.1.0/24")), "10.1.1.0/25", false),
        ];
        for (how, r, want) in cases {
            let r = net(r);
            assert!(f.contains(&r));
            assert_eq!(how.accepts(&f, &r), want, "{how:?} {r:?}");
        }
    }

    #[test]
    fn indexed_and_scanned_lists_agree() {
        let mut entries = Vec::new();
        for i in 0..40u8 {
            entries.push((format!("10.{i}.0.0/16"), How::Orlonger));
            entries.push((format!("10.{i}.128.0/17"), How::Exact));
        }
        entries.push(("0.0.0.0/0".to_string(), How::Range(25, 32)));
        let mut long = FilterList::default();
        for (p, how) in &entries {
            long.push(&p.parse().unwrap(), *how, None);
        }
        long.finish();
        assert!(!long.index.is_empty());
        let mut scanned = long.clone();
        scanned.index.clear();
        for r in [
            "10.3.128.0/17",
            "10.3.128.0/18",
            "10.3.0.0/24",
            "192.0.2.0/25",
            "192.0.2.0/24",
            "10.39.200.0/32",
        ] {
            let r = net(r);
            assert_eq!(long.lookup(&r), scanned.lookup(&r), "{r:?}");
        }
        // 10.3.128.0/18: the longest prefix is the /17 exact, which fails; the /16 orlonger
        // is not consulted.
        assert_eq!(long.lookup(&net("10.3.128.0/18")), None);
    }

    #[test]
    fn same_prefix_entries_in_order() {
        let l = list(&[
            ("0.0.0.0/0", How::Upto(7), Some(PolicyAction::Reject)),
            ("0.0.0.0/0", How::Upto(24), Some(PolicyAction::Accept)),
            ("0.0.0.0/0", How::Orlonger, Some(PolicyAction::Reject)),
        ]);
        let action = |r| l.lookup(&net(r)).and_then(|h| h.action);
        assert_eq!(action("0.0.0.0/0"), Some(PolicyAction::Reject));
        assert_eq!(action("0.0.0.0/8"), Some(PolicyAction::Accept));
        assert_eq!(action("0.0.0.0/25"), Some(PolicyAction::Reject));
    }

    #[test]
    fn families_do_not_mix() {
        let l = list(&[("::/0", How::Orlonger, None)]);
        assert!(l.lookup(&net("10.0.0.0/8")).is_none());
        assert!(l.lookup(&net("2001:db8::/32")).is_some());
        let s = PrefixSet::new(&["10.0.0.0/8".parse().unwrap()]);
        assert!(s.contains(&net("10.0.0.0/8")));
        assert!(!s.contains(&net("10.0.0.0/9")));
    }
}
