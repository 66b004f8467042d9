//! Junos AS-path regular expressions, compiled to an automaton over AS numbers.
//!
//! Junos ("Understanding AS Path Regular Expressions for Use as Routing Policy Match
//! Conditions", "How AS Path Regular Expressions Are Evaluated"): the unit of matching is an
//! AS number, not a character; a term is an AS number, `.` (any one AS), a range `N-M`, or a
//! group in parentheses; operators `*` `+` `?` `{m}` `{m,}` `{m,n}` follow a term, `|` chooses
//! between the terms on either side of it, and the expression must match the whole path (`^`
//! and `$` are implied, writing them is optional). `()` alone is the empty path.
//!
//! `|` binds terms, not sequences: `. (11 | 22) .*` and `(. 11) | (. 22) .*` both mean "the
//! second AS is 11 or 22" in Juniper's examples, so `a b | c d` is `a (b|c) d` (Batfish's
//! model of Junos reads it the same way). Write `(a b) | (c d)` for a choice of sequences.
//! `[N-M ...]` (a bracketed list of ASes and ranges, one term) is accepted as well.
//!
//! AS_SET handling (lsys's choice; no Junos rule was found): a set is one element of the path,
//! as it counts one for the path length (RFC 4271 §9.1.2.2); `.` matches it, and an AS number
//! or range matches it when it matches any AS in the set. Confederation segments are skipped
//! (they are not part of the path outside the confederation).
//!
//! The automaton is a Thompson NFA simulated with bit sets (no backtracking, so no expression
//! can take exponential time); epsilon closures are computed once at compile time, and a match
//! allocates nothing for expressions of up to 256 atoms.

use crate::packet::{AsPath, SegmentType};

/// Counted repetition may not blow an expression up past this many atoms.
const MAX_ATOMS: usize = 4096;
/// Bit-set words kept on the stack while matching (256 atoms).
const STACK_WORDS: usize = 4;

/// What one position of the path must be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    Any,
    /// Inclusive ranges (a single AS is `(n, n)`).
    Ranges(Vec<(u32, u32)>),
}

impl Atom {
    fn matches(&self, elem: &Elem) -> bool {
        let ranges = match self {
            Atom::Any => return true,
            Atom::Ranges(r) => r,
        };
        let hit = |a: u32| ranges.iter().any(|&(lo, hi)| lo <= a && a <= hi);
        match elem {
            Elem::As(a) => hit(*a),
            Elem::Set(set) => set.iter().any(|&a| hit(a)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Atom(Atom),
    /// `()`: matches nothing, consumes nothing.
    Empty,
    Seq(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn err(&self, what: &str) -> String {
        format!("{what} at position {}", self.at + 1)
    }

    fn number(&mut self) -> Result<u32, String> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        if start == self.at {
            return Err(self.err("expected an AS number"));
        }
        let text = std::str::from_utf8(&self.s[start..self.at]).unwrap_or("");
        text.parse::<u32>()
            .map_err(|_| format!("AS number {text} out of range"))
    }

    /// `N` or `N-M` (blanks allowed around the dash).
    fn range(&mut self) -> Result<(u32, u32), String> {
        let lo = self.number()?;
        let save = self.at;
        self.skip_ws();
        if self.peek() == Some(b'-') {
            self.at += 1;
            self.skip_ws();
            let hi = self.number()?;
            if hi < lo {
                return Err(format!("range {lo}-{hi} is empty"));
            }
            return Ok((lo, hi));
        }
        self.at = save;
        Ok((lo, lo))
    }

    /// A sequence of terms up to the end or a `)`.
    fn seq(&mut self, top: bool) -> Result<Node, String> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => break,
                Some(b')') if !top => break,
                Some(b'^')
                    if top && items.is_empty() && self.s[..self.at].trim_ascii().is_empty() =>
                {
                    self.at += 1;
                }
                Some(b'$') if top => {
                    self.at += 1;
                    self.skip_ws();
                    if self.peek().is_some() {
                        return Err(self.err("'$' only ends the expression"));
                    }
                    break;
                }
                Some(_) => {
                    let first = self.term()?;
                    let mut alts = vec![first];
                    loop {
                        self.skip_ws();
                        if self.peek() != Some(b'|') {
                            break;
                        }
                        self.at += 1;
                        self.skip_ws();
                        alts.push(self.term()?);
                    }
                    items.push(if alts.len() == 1 {
                        alts.remove(0)
                    } else {
                        Node::Alt(alts)
                    });
                }
            }
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.remove(0),
            _ => Node::Seq(items),
        })
    }

    /// An atom and the operators after it.
    fn term(&mut self) -> Result<Node, String> {
        let mut node = self.atom()?;
        loop {
            self.skip_ws();
            let (min, max) = match self.peek() {
                Some(b'*') => (0, None),
                Some(b'+') => (1, None),
                Some(b'?') => (0, Some(1)),
                Some(b'{') => {
                    self.at += 1;
                    self.skip_ws();
                    let m = self.number()?;
                    self.skip_ws();
                    let bounds = match self.peek() {
                        Some(b'}') => (m, Some(m)),
                        Some(b',') => {
                            self.at += 1;
                            self.skip_ws();
                            if self.peek() == Some(b'}') {
                                (m, None)
                            } else {
                                let n = self.number()?;
                                self.skip_ws();
                                (m, Some(n))
                            }
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    };
                    if self.peek() != Some(b'}') {
                        return Err(self.err("expected '}'"));
                    }
                    if let (m, Some(n)) = bounds {
                        if m > n {
                            return Err(format!("repetition {{{m},{n}}}: {m} is more than {n}"));
                        }
                    }
                    bounds
                }
                _ => return Ok(node),
            };
            self.at += 1;
            node = Node::Repeat(Box::new(node), min, max);
        }
    }

    fn atom(&mut self) -> Result<Node, String> {
        match self.peek() {
            Some(b'.') => {
                self.at += 1;
                Ok(Node::Atom(Atom::Any))
            }
            Some(c) if c.is_ascii_digit() => Ok(Node::Atom(Atom::Ranges(vec![self.range()?]))),
            Some(b'(') => {
                self.at += 1;
                let inner = self.seq(false)?;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return Err(self.err("missing ')'"));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(b'[') => {
                self.at += 1;
                let mut ranges = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => break,
                        Some(c) if c.is_ascii_digit() => ranges.push(self.range()?),
                        _ => return Err(self.err("expected an AS number or ']'")),
                    }
                }
                self.at += 1;
                if ranges.is_empty() {
                    return Err(self.err("empty '[]'"));
                }
                Ok(Node::Atom(Atom::Ranges(ranges)))
            }
            Some(c) => Err(self.err(&format!("unexpected '{}'", c as char))),
            None => Err(self.err("unexpected end")),
        }
    }
}

#[derive(Debug, Clone)]
enum State {
    /// Consume one element matching the atom, then go to the state.
    Sym(usize, usize),
    /// Go to any of these without consuming.
    Split(Vec<usize>),
    Accept,
}

struct Builder {
    states: Vec<State>,
    atoms: Vec<Atom>,
}

impl Builder {
    fn push(&mut self, s: State) -> usize {
        self.states.push(s);
        self.states.len() - 1
    }

    fn too_big(&self) -> Result<(), String> {
        if self.atoms.len() > MAX_ATOMS || self.states.len() > 4 * MAX_ATOMS {
            return Err(format!(
                "expression too large (more than {MAX_ATOMS} terms after repetition)"
            ));
        }
        Ok(())
    }

    /// The entry state of `node`, continuing at `next`.
    fn build(&mut self, node: &Node, next: usize) -> Result<usize, String> {
        self.too_big()?;
        Ok(match node {
            Node::Atom(a) => {
                self.atoms.push(a.clone());
                let i = self.atoms.len() - 1;
                self.push(State::Sym(i, next))
            }
            Node::Empty => next,
            Node::Seq(items) => {
                let mut n = next;
                for item in items.iter().rev() {
                    n = self.build(item, n)?;
                }
                n
            }
            Node::Alt(alts) => {
                let mut starts = Vec::with_capacity(alts.len());
                for a in alts {
                    starts.push(self.build(a, next)?);
                }
                self.push(State::Split(starts))
            }
            Node::Repeat(body, min, max) => {
                if *min as usize > MAX_ATOMS || max.is_some_and(|m| m as usize > MAX_ATOMS) {
                    return Err(format!(
                        "repetition count over {MAX_ATOMS} (expression too large)"
                    ));
                }
                let mut n = match max {
                    None => {
                        let split = self.push(State::Split(Vec::new()));
                        let body_start = self.build(body, split)?;
                        self.states[split] = State::Split(vec![body_start, next]);
                        split
                    }
                    Some(max) => {
                        let mut n = next;
                        for _ in *min..*max {
                            let b = self.build(body, n)?;
                            n = self.push(State::Split(vec![b, next]));
                        }
                        n
                    }
                };
                for _ in 0..*min {
                    n = self.build(body, n)?;
                }
                n
            }
        })
    }
}

/// One element of the path as the expression sees it.
enum Elem<'a> {
    As(u32),
    Set(&'a [u32]),
}

/// A compiled AS-path regular expression.
#[derive(Debug, Clone)]
pub(crate) struct AsPathRegex {
    atoms: Vec<Atom>,
    /// Per atom: the atom state's successor closure (atoms and accept, as bits).
    follow: Vec<Vec<u64>>,
    start: Vec<u64>,
    /// Bit of the accept state (= number of atoms).
    words: usize,
}

impl AsPathRegex {
    pub(crate) fn new(text: &str) -> Result<AsPathRegex, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            at: 0,
        };
        let node = p.seq(true)?;
        let mut b = Builder {
            states: Vec::new(),
            atoms: Vec::new(),
        };
        let accept = b.push(State::Accept);
        let start = b.build(&node, accept)?;
        b.too_big()?;
        let n_atoms = b.atoms.len();
        let words = (n_atoms + 1).div_ceil(64);
        // Bit of each state that matters (atoms by index, accept last).
        let bit = |s: &State| match s {
            State::Sym(i, _) => Some(*i),
            State::Accept => Some(n_atoms),
            State::Split(_) => None,
        };
        let closure = |from: usize| {
            let mut set = vec![0u64; words];
            let mut seen = vec![false; b.states.len()];
            let mut stack = vec![from];
            while let Some(s) = stack.pop() {
                if std::mem::replace(&mut seen[s], true) {
                    continue;
                }
                if let Some(i) = bit(&b.states[s]) {
                    set[i / 64] |= 1 << (i % 64);
                }
                if let State::Split(next) = &b.states[s] {
                    stack.extend(next.iter().copied());
                }
            }
            set
        };
        let mut follow = vec![Vec::new(); n_atoms];
        for s in &b.states {
            if let State::Sym(i, next) = s {
                follow[*i] = closure(*next);
            }
        }
        Ok(AsPathRegex {
            start: closure(start),
            atoms: b.atoms,
            follow,
            words,
        })
    }

    /// Whether the whole path matches (`None` = no AS_PATH = the empty path).
    pub(crate) fn matches(&self, path: Option<&AsPath>) -> bool {
        let words = self.words;
        let mut stack = [0u64; 2 * STACK_WORDS];
        let mut heap = Vec::new();
        let buf: &mut [u64] = if words <= STACK_WORDS {
            &mut stack[..2 * words]
        } else {
            heap.resize(2 * words, 0);
            &mut heap
        };
        let (cur, next) = buf.split_at_mut(words);
        cur.copy_from_slice(&self.start);
        let segments = path.map(|p| p.segments.as_slice()).unwrap_or_default();
        for seg in segments {
            match seg.kind {
                SegmentType::Sequence => {
                    for &a in &seg.asns {
                        if !self.step(cur, next, &Elem::As(a)) {
                            return false;
                        }
                    }
                }
                SegmentType::Set => {
                    if !self.step(cur, next, &Elem::Set(&seg.asns)) {
                        return false;
                    }
                }
                SegmentType::ConfedSequence | SegmentType::ConfedSet => {}
            }
        }
        let accept = self.atoms.len();
        cur[accept / 64] & (1 << (accept % 64)) != 0
    }

    /// Advances `cur` over one element; false when no state is left.
    fn step(&self, cur: &mut [u64], next: &mut [u64], elem: &Elem) -> bool {
        next.fill(0);
        for (w, &word) in cur.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let Some(atom) = self.atoms.get(i) {
                    if atom.matches(elem) {
                        for (n, f) in next.iter_mut().zip(&self.follow[i]) {
                            *n |= f;
                        }
                    }
                }
            }
        }
        cur.copy_from_slice(next);
        cur.iter().any(|&w| w != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Segment;

    fn path(asns: &[u32]) -> AsPath {
        AsPath::from_sequence(asns.iter().copied())
    }

    fn m(re: &str, asns: &[u32]) -> bool {
        AsPathRegex::new(re).unwrap().matches(Some(&path(asns)))
    }

    #[test]
    fn juniper_examples() {
        // From the Junos table of AS path regular expression examples.
        assert!(m("()", &[]));
        assert!(!m("()", &[1]));
        assert!(m("1234", &[1234]));
        assert!(!m("1234", &[1234, 5]));
        assert!(m("11*", &[]));
        assert!(m("11*", &[11, 11, 11]));
        assert!(m("11 22 33 .*", &[11, 22, 33, 400, 500]));
        assert!(m(".* 44 55 66", &[100, 44, 55, 66]));
        assert!(m("100 200 33+", &[100, 200, 33, 33]));
        assert!(!m("100 200 33+", &[100, 200]));
        assert!(m("11+ 22+ 33+", &[11, 11, 22, 33, 33]));
        assert!(m(". (11 | 22) .*", &[200, 22, 300, 400]));
        assert!(m("(. 11) | (. 22) .*", &[200, 22, 300, 400]));
        assert!(m("(. 11) | (. 22) .*", &[100, 11]));
        assert!(!m("(. 11) | (. 22) .*", &[100, 33]));
        assert!(m(". (11 | 22)?", &[100]));
        assert!(m(". (11 | 22)?", &[300, 22]));
        assert!(!m(". (11 | 22)?", &[300, 22, 1]));
        assert!(m(".{2,3}", &[1, 2]));
        assert!(!m(".{2,3}", &[1, 2, 3, 4]));
        assert!(m(".{2}", &[1, 2]));
        assert!(m(".{2,}", &[1, 2, 3, 4, 5]));
        assert!(m("^65000 .*$", &[65000, 1]));
    }

    #[test]
    fn ranges_and_brackets() {
        assert!(m(".* 64512-65534 .*", &[1, 65000, 2]));
        assert!(!m(".* 64512-65534 .*", &[1, 2]));
        assert!(m("[1 5-7] .*", &[6, 1]));
        assert!(!m("[1 5-7] .*", &[4]));
        assert!(m("4200000000", &[4_200_000_000]));
    }

    #[test]
    fn sets_are_one_element() {
        let p = AsPath {
            segments: vec![
                Segment {
                    kind: SegmentType::Sequence,
                    asns: vec![65001],
                },
                Segment {
                    kind: SegmentType::Set,
                    asns: vec![65010, 65011],
                },
            ],
        };
        let r = |re: &str| AsPathRegex::new(re).unwrap().matches(Some(&p));
        assert!(r("65001 ."));
        assert!(r("65001 65011"));
        assert!(!r("65001 . ."));
        assert!(!r("65001 65012"));
    }

    #[test]
    fn no_blow_up() {
        let re = AsPathRegex::new("(.*)* (.* .*)* 1").unwrap();
        let long: Vec<u32> = (0..200).map(|i| 2 + i % 3).collect();
        assert!(!re.matches(Some(&path(&long))));
        assert!(AsPathRegex::new(".{1,5000}").is_err());
        let big = AsPathRegex::new(".{300}").unwrap();
        assert!(big.matches(Some(&path(&[7; 300]))));
    }

    #[test]
    fn errors() {
        for bad in [
            "(",
            "1 |",
            "{2}",
            "1{3,2}",
            "a",
            "1 $ 2",
            "99999999999",
            "5-3",
        ] {
            assert!(AsPathRegex::new(bad).is_err(), "{bad}");
        }
    }
}
