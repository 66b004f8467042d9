//! `show | compare`: the difference between two configurations in the Junos layout.
//!
//! ```text
//! [edit system syslog]              <- header: the statement that holds the changed lines
//!      host 192.168.233.20 { ... }  <- context: the unchanged entry an added entry follows
//! +    host 172.30.18.22 {          <- added statement, printed as in curly text
//! +        any notice;
//! +    }
//! [edit]
//! +  routing-options {              <- at [edit] statements start at column 3, deeper at 5
//! +      router-id 10.20.1.1;
//! +  }
//! ```
//! Both trees are walked in parallel, matching children by (schema node, key), so the cost is
//! one pass over the trees plus printing of what changed. Markers: `+` added, `-` deleted,
//! `!` activated/deactivated (`!    inactive: bgp { ... }`), space for context. A changed
//! leaf, leaf-list or one-line statement (`route 0.0.0.0/0 next-hop 10.0.0.1;`, `then
//! accept;`, `vlan-tags outer 1 inner 2;`) prints as `-` old line then `+` new line. An
//! annotation change prints `-`/`+` of the `/* comment */` followed by the statement as
//! context. Children of a `@join` container print with its keyword in front (`family inet {`),
//! as in curly text. In an `@ordered` list an entry that moved prints as deleted at its old
//! place and added at its new one. Secrets print as in curly text (`"$9$..."; ## SECRET-DATA`).

use std::collections::HashMap;

use crate::key;
use crate::path::words_of;
use crate::schema::{Kind, Schema, SchemaId};
use crate::text::print::{curly_statement, is_simple};
use crate::tree::{Node, Step};

/// The `show | compare` text turning `old` into `new` (both the same statement, usually the
/// root); empty when they are equal.
pub fn compare(old: &Node, new: &Node) -> String {
    let mut d = Differ {
        schema: Schema::get(),
        out: String::new(),
        header: None,
    };
    if old != new {
        d.children(old, new, &[], None);
    }
    d.out
}

struct Differ<'s> {
    schema: &'s Schema,
    out: String,
    /// The path of the last `[edit ...]` header printed.
    header: Option<Vec<Step>>,
}

/// A copy of a one-line statement without its own tag and annotation.
fn bare(n: &Node) -> Node {
    Node {
        inactive: false,
        annotation: None,
        ..n.clone()
    }
}

impl Differ<'_> {
    /// Prints `text` (one or more lines of curly text) under the header for `path`.
    fn emit(&mut self, path: &[Step], marker: char, text: &str) {
        if self.header.as_deref() != Some(path) {
            let words = words_of(self.schema, path);
            if words.is_empty() {
                self.out.push_str("[edit]\n");
            } else {
                self.out.push_str(&format!("[edit {}]\n", words.join(" ")));
            }
            self.header = Some(path.to_vec());
        }
        let indent = if path.is_empty() { "  " } else { "    " };
        for line in text.lines() {
            self.out.push(marker);
            self.out.push_str(indent);
            self.out.push_str(line);
            self.out.push('\n');
        }
    }

    /// A statement in curly text; `join` is the `@join` container whose keyword leads it.
    fn text(&self, n: &Node, join: Option<SchemaId>) -> String {
        match join {
            Some(j) => curly_statement(&Node {
                schema: j,
                children: vec![n.clone()].into(),
                ..Node::default()
            }),
            None => curly_statement(n),
        }
    }

    /// Whether a statement prints on one line (mirrors the rules of `text::print`).
    fn one_line(&self, n: &Node) -> bool {
        let s = self.schema.node(n.schema);
        match s.kind {
            Kind::Leaf | Kind::LeafList | Kind::Flag => true,
            Kind::Container | Kind::List => {
                n.children.is_empty()
                    || (s.inline && n.children.iter().all(|c| self.simple(c)))
                    || (s.oneliner && n.children.len() == 1 && self.simple(&n.children[0]))
            }
        }
    }

    /// Whether a child can be part of its parent's one-line form.
    fn simple(&self, n: &Node) -> bool {
        is_simple(n)
    }

    /// The statement as one context line: its one-line form, or `head { ... }`.
    fn head_line(&self, n: &Node, join: Option<SchemaId>) -> String {
        if self.one_line(n) {
            return self.text(&bare(n), join).trim_end().to_string();
        }
        let s = self.schema.node(n.schema);
        let mut line = String::new();
        if let Some(j) = join {
            line.push_str(&self.schema.node(j).word);
            line.push(' ');
        }
        let mut words = Vec::with_capacity(3);
        if !s.keyless {
            words.push(s.word.clone());
        }
        if let Some(k) = &n.key {
            words.extend(key::words(self.schema, n.schema, k));
        }
        line.push_str(&words.join(" "));
        line.push_str(" { ... }");
        line
    }

    /// Compares the children of `old` and `new`; changed lines go under the header `path`, led
    /// by the keyword of `join` when the children belong to a `@join` container.
    fn children(&mut self, old: &Node, new: &Node, path: &[Step], join: Option<SchemaId>) {
        let (o, n) = (&old.children, &new.children);
        let (mut i, mut j) = (0, 0);
        while i < o.len() || j < n.len() {
            // Children are kept grouped by schema node, in display order: merge the groups.
            let id = match (o.get(i), n.get(j)) {
                (Some(a), Some(b)) => {
                    if self.schema.order(a.schema) <= self.schema.order(b.schema) {
                        a.schema
                    } else {
                        b.schema
                    }
                }
                (Some(a), None) => a.schema,
                (None, Some(b)) => b.schema,
                (None, None) => break,
            };
            let i2 = i + o[i..].iter().take_while(|c| c.schema == id).count();
            let j2 = j + n[j..].iter().take_while(|c| c.schema == id).count();
            let (og, ng) = (&o[i..i2], &n[j..j2]);
            (i, j) = (i2, j2);
            if self.schema.node(id).kind == Kind::List {
                self.list(og, ng, path, join);
                continue;
            }
            // Anything else appears at most once; extra copies would be a malformed tree.
            match (og.first(), ng.first()) {
                (Some(a), Some(b)) => self.pair(a, b, path, join),
                (Some(a), None) => self.emit(path, '-', &self.text(a, join)),
                (None, Some(b)) => self.emit(path, '+', &self.text(b, join)),
                (None, None) => {}
            }
        }
    }

    /// One statement present in both trees.
    fn pair(&mut self, o: &Node, n: &Node, path: &[Step], join: Option<SchemaId>) {
        if o == n {
            return;
        }
        let s = self.schema.node(n.schema);
        let plain = |x: &Node| !x.inactive && x.annotation.is_none() && !x.children.is_empty();
        if s.join && join.is_none() && plain(o) && plain(n) {
            // `family inet {`: the children print under the join container's parent.
            self.children(o, n, path, Some(n.schema));
            return;
        }
        let one_line = self.one_line(o) || self.one_line(n);
        if one_line && bare(o) != bare(n) {
            self.emit(path, '-', &self.text(o, join));
            self.emit(path, '+', &self.text(n, join));
            return;
        }
        if o.inactive != n.inactive || o.annotation != n.annotation {
            let line = self.head_line(n, join);
            if o.annotation != n.annotation {
                if let Some(a) = &o.annotation {
                    self.emit(path, '-', &format!("/* {a} */"));
                }
                if let Some(a) = &n.annotation {
                    self.emit(path, '+', &format!("/* {a} */"));
                }
            }
            if o.inactive != n.inactive {
                let tag = if n.inactive { "inactive" } else { "active" };
                self.emit(path, '!', &format!("{tag}: {line}"));
            } else {
                self.emit(path, ' ', &line);
            }
        }
        if !one_line {
            let mut inner = path.to_vec();
            if let Some(j) = join {
                inner.push(Step::new(j, None));
            }
            inner.push(Step::new(n.schema, n.key.clone()));
            self.children(o, n, &inner, None);
        }
    }

    /// The entries of one list in both trees.
    fn list(&mut self, og: &[Node], ng: &[Node], path: &[Step], join: Option<SchemaId>) {
        let key = |x: &Node| x.key.clone().unwrap_or_default();
        let old_at: HashMap<String, usize> =
            og.iter().enumerate().map(|(k, x)| (key(x), k)).collect();
        // For each new entry, its place among the old entries.
        let common: Vec<Option<usize>> = ng.iter().map(|x| old_at.get(&key(x)).copied()).collect();
        // Entries that stay in place; in an ordered list those off the longest increasing run
        // of old places have moved.
        let mut stable = vec![false; og.len()];
        let ordered = ng
            .first()
            .or(og.first())
            .is_some_and(|x| self.schema.node(x.schema).ordered);
        let places: Vec<usize> = common.iter().flatten().copied().collect();
        if ordered {
            for k in longest_increasing(&places) {
                stable[k] = true;
            }
        } else {
            for &k in &places {
                stable[k] = true;
            }
        }
        // For each new entry, the old place of the next stable entry at or after it: deleted
        // entries before that place print before anything added there.
        let mut next_stable = vec![og.len(); ng.len() + 1];
        for jn in (0..ng.len()).rev() {
            next_stable[jn] = match common[jn] {
                Some(k) if stable[k] => k,
                _ => next_stable[jn + 1],
            };
        }
        let mut next_old = 0;
        for (jn, ne) in ng.iter().enumerate() {
            match common[jn] {
                Some(k) if stable[k] => {
                    // (An unordered list may come back in another order: never step back.)
                    self.deleted(og, &stable, &mut next_old, k, path, join);
                    next_old = next_old.max(k + 1);
                    self.pair(&og[k], ne, path, join);
                }
                _ => {
                    if jn > 0 {
                        if let Some(k) = common[jn - 1].filter(|&k| stable[k]) {
                            if og[k] == ng[jn - 1] {
                                self.emit(path, ' ', &self.head_line(&ng[jn - 1], join));
                            }
                        }
                    }
                    self.deleted(og, &stable, &mut next_old, next_stable[jn], path, join);
                    self.emit(path, '+', &self.text(ne, join));
                }
            }
        }
        self.deleted(og, &stable, &mut next_old, og.len(), path, join);
    }

    /// Prints the old entries from `*next` up to `until` that are gone (or moved away).
    fn deleted(
        &mut self,
        og: &[Node],
        stable: &[bool],
        next: &mut usize,
        until: usize,
        path: &[Step],
        join: Option<SchemaId>,
    ) {
        while *next < until {
            if !stable[*next] {
                self.emit(path, '-', &self.text(&og[*next], join));
            }
            *next += 1;
        }
    }
}

/// The elements of one longest strictly increasing subsequence of `xs`.
fn longest_increasing(xs: &[usize]) -> Vec<usize> {
    // tails[l] = index into xs of the smallest tail of an increasing run of length l + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; xs.len()];
    for (i, &x) in xs.iter().enumerate() {
        let l = tails.partition_point(|&t| xs[t] < x);
        if l > 0 {
            prev[i] = Some(tails[l - 1]);
        }
        if l == tails.len() {
            tails.push(i);
        } else {
            tails[l] = i;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut cur = tails.last().copied();
    while let Some(i) = cur {
        out.push(xs[i]);
        cur = prev[i];
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ROOT;
    use crate::text::curly;

    fn diff(a: &str, b: &str) -> String {
        compare(
            &curly::read(a, ROOT).unwrap(),
            &curly::read(b, ROOT).unwrap(),
        )
    }

    #[test]
    fn equal_is_empty() {
        assert_eq!(
            diff("system { host-name a; }", "system { host-name a; }"),
            ""
        );
    }

    #[test]
    fn top_level_and_deeper_indents() {
        assert_eq!(
            diff("system { host-name a; }", "system { host-name b; } routing-options { router-id 10.20.1.1; }"),
            "[edit system]\n-    host-name a;\n+    host-name b;\n[edit]\n+  routing-options {\n+      router-id 10.20.1.1;\n+  }\n"
        );
    }

    #[test]
    fn longest_increasing_run() {
        assert_eq!(longest_increasing(&[0, 1, 2]), vec![0, 1, 2]);
        assert_eq!(longest_increasing(&[2, 0, 1]), vec![0, 1]);
        assert_eq!(longest_increasing(&[]), Vec::<usize>::new());
    }
}
