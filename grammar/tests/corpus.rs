//! Fidelity figures: how much of three device-style configurations (tests/corpus/*.conf, each
//! naming what it models in its header) lsys reads.
//!
//! ```text
//!  curly text ──curly::parse──► statements ──flatten──► one `set` line per leaf value
//!      (a) each line alone, applied to an empty tree: the share accepted
//!      (b) the whole file at once, as `load` reads a device's file (curly::read_lenient:
//!          statements lsys does not have are left out and listed, anything else must load)
//! ```
//! In (a), statements outside lsys's hierarchies are not counted, chosen by their first keyword
//! (below `logical-systems NAME` too): `version`, `chassis`, `snmp`, `firewall`, ... and, inside
//! the hierarchies lsys has, `system` other than `host-name` and `login`, and `protocols` other
//! than `bgp` (lsys runs no IGP, LDP or MPLS).
//!
//! Each figure is given twice: with the port names as written (`xe-0/1/0`; lsys names ports as
//! Linux devices and refuses `/`, see DIFFERENCES FROM JUNOS in lsys.conf(5)) and with them
//! mapped the way an operator moving the configuration to lsys would (`xe-0_1_0`), which shows
//! what the grammar itself does not read. `cargo test -p lsys-grammar --test corpus --
//! --nocapture` prints the figures and every statement refused.

use std::fs;
use std::path::Path;

use lsys_grammar::path::Word;
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly::{self, Body, Stmt};
use lsys_grammar::text::set::{self, Command};
use lsys_grammar::text::{Ignored, TextErrors};
use lsys_grammar::tree::Node;

const FILES: [&str; 3] = [
    "mx-cloud-router.conf",
    "pe-vrf-bridging.conf",
    "bgp-edge.conf",
];

/// The hierarchies lsys has (the first keyword of a statement, at the root or in a logical
/// system).
const IN_SCOPE: [&str; 7] = [
    "system",
    "interfaces",
    "routing-options",
    "protocols",
    "policy-options",
    "routing-instances",
    "bridge-domains",
];

/// Whether a statement path (its words from the top) lies inside lsys's hierarchies.
fn in_scope(words: &[&str]) -> bool {
    let rest = match words {
        ["logical-systems", _, rest @ ..] => rest,
        ["logical-systems", ..] => return false,
        _ => words,
    };
    match rest {
        ["system", second, ..] => matches!(*second, "host-name" | "login"),
        ["protocols", second, ..] => *second == "bgp",
        [first, ..] => IN_SCOPE.contains(first),
        [] => false,
    }
}

/// `xe-0/1/0.5` as a Linux device name: `xe-0_1_0.5` (Junos port names only).
fn map_port(w: &Word) -> Word {
    let is_port = ["ge-", "xe-", "et-"]
        .iter()
        .any(|p| w.text.starts_with(p) && w.text.contains('/'));
    if !is_port {
        return w.clone();
    }
    Word {
        text: w.text.replace('/', "_"),
        ..w.clone()
    }
}

/// One `set` line per leaf value: the words of every enclosing statement, then the statement's.
fn flatten(stmts: &[Stmt], prefix: &[Word], out: &mut Vec<(usize, Vec<Word>)>) {
    for s in stmts {
        let mut words = prefix.to_vec();
        words.extend(s.words.iter().cloned());
        match &s.body {
            Body::End => out.push((s.line, words)),
            Body::List(values) => {
                for v in values {
                    let mut w = words.clone();
                    w.push(v.clone());
                    out.push((s.line, w));
                }
            }
            Body::Block(children) if children.is_empty() => out.push((s.line, words)),
            Body::Block(children) => flatten(children, &words, out),
        }
    }
}

/// The text with Junos port names mapped (`xe-0/1/0` → `xe-0_1_0`), as [`map_port`] does.
fn map_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = ["ge-", "xe-", "et-"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let end = rest[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-/.:".contains(c)))
            .map_or(rest.len(), |e| i + e);
        out.push_str(&rest[..i]);
        out.push_str(&rest[i..end].replace('/', "_"));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Figures for one file.
struct Figures {
    lines: usize,
    excluded: usize,
    accepted: usize,
    accepted_mapped: usize,
    /// Line number, statement, error: the statements refused with mapped port names.
    refused: Vec<(usize, String, String)>,
    whole: Result<(Node, Ignored), TextErrors>,
    whole_mapped: Result<(Node, Ignored), TextErrors>,
}

fn apply_alone(words: &[Word], line: usize) -> Result<(), String> {
    let mut root = Node::root();
    let cmd = Command {
        verb: "set".into(),
        words: words.to_vec(),
        line,
    };
    set::apply(&mut root, &[], ROOT, &[cmd]).map_err(|e| e.to_string())
}

fn measure(text: &str) -> Figures {
    let stmts = curly::parse(text).expect("corpus files are well-formed curly text");
    let mut lines = Vec::new();
    flatten(&stmts, &[], &mut lines);
    let mut f = Figures {
        lines: lines.len(),
        excluded: 0,
        accepted: 0,
        accepted_mapped: 0,
        refused: Vec::new(),
        whole: curly::read_lenient(text, ROOT),
        whole_mapped: curly::read_lenient(&map_text(text), ROOT),
    };
    for (line, words) in &lines {
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        if !in_scope(&texts) {
            f.excluded += 1;
            continue;
        }
        if apply_alone(words, *line).is_ok() {
            f.accepted += 1;
        }
        let mapped: Vec<Word> = words.iter().map(map_port).collect();
        match apply_alone(&mapped, *line) {
            Ok(()) => f.accepted_mapped += 1,
            Err(e) => {
                let shown: Vec<String> = mapped
                    .iter()
                    .map(|w| lsys_grammar::types::quote(&w.text))
                    .collect();
                f.refused.push((*line, shown.join(" "), e));
            }
        }
    }
    f
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 {
        100.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

#[test]
fn corpus_figures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let (mut total, mut ok, mut ok_mapped) = (0, 0, 0);
    for name in FILES {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        let f = measure(&text);
        let considered = f.lines - f.excluded;
        total += considered;
        ok += f.accepted;
        ok_mapped += f.accepted_mapped;
        println!(
            "{name}: {} set lines, {} outside lsys's hierarchies, {considered} counted",
            f.lines, f.excluded
        );
        println!(
            "    accepted one by one: {}/{considered} ({:.1}%) as written, {}/{considered} \
             ({:.1}%) with port names mapped",
            f.accepted,
            share(f.accepted, considered),
            f.accepted_mapped,
            share(f.accepted_mapped, considered)
        );
        let show = |r: &Result<(Node, Ignored), TextErrors>| match r {
            Ok((n, ignored)) => format!(
                "loads ({} statements; {} left out as statements lsys does not have)",
                n.count() - 1,
                ignored.total()
            ),
            Err(e) => format!(
                "refused ({} errors), first: {}",
                e.len(),
                e.first().map(|e| e.to_string()).unwrap_or_default()
            ),
        };
        println!("    whole file as written: {}", show(&f.whole));
        println!("    whole file, ports mapped: {}", show(&f.whole_mapped));
        for (line, stmt, e) in &f.refused {
            println!("    refused (line {line}): set {stmt}\n        {e}");
        }
        if let Ok((tree, ignored)) = &f.whole_mapped {
            print!("{}", ignored.render(Some(name)));
            // What commit would then say (printed, not asserted: statements lsys reads but
            // cannot realize yet are refused here, by design).
            match lsys_grammar::validate::validate(tree) {
                Ok(()) => println!("    commit check: configuration check succeeds"),
                Err(e) => println!("    commit check ({} errors):\n{e}", e.len()),
            }
        }
        // With Linux port names every file loads as `load` reads a device's file: what lsys
        // does not have is left out and listed, nothing is refused.
        assert!(f.whole_mapped.is_ok(), "{name}: {}", show(&f.whole_mapped));
    }
    println!(
        "all files: {ok}/{total} ({:.1}%) as written, {ok_mapped}/{total} ({:.1}%) with port \
         names mapped",
        share(ok, total),
        share(ok_mapped, total)
    );
    assert!(total > 300, "the corpus has {total} statements in scope");
}
