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
//! Port names are read as written (`xe-0/1/0`); the commit check that follows adds what an
//! operator adds to run such a file on lsys: a `linux-name` for each Junos port.
//! `cargo test -p lsys-grammar --test corpus -- --nocapture` prints the figures, every
//! statement refused and the commit check's findings.

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

/// Figures for one file.
struct Figures {
    lines: usize,
    excluded: usize,
    accepted: usize,
    /// Line number, statement, error: the statements refused.
    refused: Vec<(usize, String, String)>,
    whole: Result<(Node, Ignored), TextErrors>,
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
        refused: Vec::new(),
        whole: curly::read_lenient(text, ROOT),
    };
    for (line, words) in &lines {
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        if !in_scope(&texts) {
            f.excluded += 1;
            continue;
        }
        match apply_alone(words, *line) {
            Ok(()) => f.accepted += 1,
            Err(e) => {
                let shown: Vec<String> = words
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

/// What an operator adds to run the file on lsys: a `linux-name` for each Junos port the root
/// configures (`ge-0/0/0` → `eth1`, `ge-0/0/1` → `eth2`, ...).
fn port_map(tree: &mut Node) {
    let ports: Vec<String> = tree
        .get("interfaces")
        .into_iter()
        .flat_map(|i| i.children.iter())
        .filter_map(|i| i.key.clone())
        .filter(|k| lsys_grammar::types::is_junos_port(k))
        .collect();
    let lines: Vec<String> = ports
        .iter()
        .enumerate()
        .map(|(n, p)| format!("set interfaces {p} linux-name eth{}", n + 1))
        .collect();
    let cmds = set::parse(&lines.join("\n")).expect("set lines");
    set::apply(tree, &[], ROOT, &cmds).expect("the port map applies");
}

#[test]
fn corpus_figures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let (mut total, mut ok) = (0, 0);
    for name in FILES {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        let f = measure(&text);
        let considered = f.lines - f.excluded;
        total += considered;
        ok += f.accepted;
        println!(
            "{name}: {} set lines, {} outside lsys's hierarchies, {considered} counted",
            f.lines, f.excluded
        );
        println!(
            "    accepted one by one: {}/{considered} ({:.1}%)",
            f.accepted,
            share(f.accepted, considered),
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
        println!("    whole file: {}", show(&f.whole));
        for (line, stmt, e) in &f.refused {
            println!("    refused (line {line}): set {stmt}\n        {e}");
        }
        if let Ok((tree, ignored)) = &f.whole {
            print!("{}", ignored.render(Some(name)));
            // What commit would then say, once the operator has mapped the Junos ports to
            // Linux devices (printed, not asserted: statements lsys reads but cannot realize
            // yet are refused here, by design).
            let mut tree = tree.clone();
            port_map(&mut tree);
            match lsys_grammar::validate::validate(&tree) {
                Ok(()) => println!("    commit check, ports mapped: configuration check succeeds"),
                Err(e) => println!("    commit check, ports mapped ({} errors):\n{e}", e.len()),
            }
        }
        // Every file loads as `load` reads a device's file: what lsys does not have is left
        // out and listed, nothing is refused.
        assert!(f.whole.is_ok(), "{name}: {}", show(&f.whole));
    }
    println!(
        "all files: {ok}/{total} ({:.1}%) accepted one by one",
        share(ok, total)
    );
    assert!(total > 300, "the corpus has {total} statements in scope");
    assert!(
        share(ok, total) >= 95.0,
        "the goal is 95 % of in-scope statements"
    );
}
