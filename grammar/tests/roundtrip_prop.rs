//! Properties of the text readers and printers on random trees drawn from the schema.
//!
//! - curly: `read(print(t)) == t` and printing again gives the same text;
//! - set: the same through `| display set` lines (annotations stripped: set form has none);
//! - json: the same through `| display json`;
//! - all three again on configurations of policy-options alone, drawn with more entries, so
//!   that route-filters sharing a prefix (`0.0.0.0/0 exact` and `0.0.0.0/0 upto /24`) and
//!   runs of ordered community actions come up;
//! - the readers return errors, never panic, on arbitrary and on mutated text.
//!
//! 256 cases each (proptest's default; `PROPTEST_CASES=5000 cargo test --test roundtrip_prop`
//! runs more). A failure prints the text that did not come back; proptest shrinks the choice
//! stream of the generator (tests/common/gen.rs), which shrinks the tree.

mod common;

use common::gen::{arb_policy, arb_tree, strip_annotations, Tree};
use common::shrink::minimize;
use lsys_grammar::json;
use lsys_grammar::key;
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::tree::Node;
use proptest::prelude::*;

/// Tokens that mutations insert: the syntax of both text forms and a few keywords.
const TOKENS: &[&str] = &[
    "{",
    "}",
    ";",
    "[",
    "]",
    "\"",
    "\\",
    "/*",
    "*/",
    "#",
    "\n",
    " ",
    "inactive: ",
    "delete: ",
    "replace: ",
    "protect: ",
    "set ",
    "delete ",
    "deactivate ",
    "insert ",
    "before ",
    "after ",
    "logical-systems ",
    "interfaces ",
    "unit ",
    "family ",
    "inet ",
    "vlan-tags ",
    "outer ",
    "route ",
    "0",
    "4095",
    "65536",
    "::",
    "/33",
    "$9$",
    "\u{0}",
    "\r",
    "é",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, token: usize },
    Duplicate { at: usize, len: usize },
    Swap { a: usize, b: usize },
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), any::<usize>()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (any::<usize>(), 1usize..80).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap { a, b }),
    ]
}

/// Applies mutations on characters (so the text stays valid UTF-8).
fn mutate(text: &str, muts: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in muts {
        let n = chars.len();
        let pos = |i: usize| if n == 0 { 0 } else { i % (n + 1) };
        match *m {
            Mutation::Delete { at, len } => {
                let a = pos(at);
                let b = (a + len).min(n);
                chars.drain(a..b);
            }
            Mutation::Insert { at, token } => {
                let a = pos(at);
                let t = TOKENS[token % TOKENS.len()];
                chars.splice(a..a, t.chars());
            }
            Mutation::Duplicate { at, len } => {
                let a = pos(at);
                let b = (a + len).min(n);
                let copy: Vec<char> = chars[a..b].to_vec();
                chars.splice(a..a, copy);
            }
            Mutation::Swap { a, b } => {
                if n > 0 {
                    chars.swap(a % n, b % n);
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn set_text(t: &Node) -> String {
    print::set_lines(t, &[]).join("\n")
}

/// What goes wrong when `t` goes through curly text and back, if anything.
fn curly_problem(t: &Node) -> Option<String> {
    let text = print::curly(t);
    let back = match curly::read(&text, ROOT) {
        Ok(b) => b,
        Err(e) => {
            return Some(format!(
                "curly text not read back: {e}\n--- text ---\n{text}"
            ))
        }
    };
    let again = print::curly(&back);
    if back != *t {
        return Some(format!(
            "tree changed\n--- printed ---\n{text}--- read back and printed ---\n{again}\
             --- tree ---\n{t:#?}\n--- read back ---\n{back:#?}"
        ));
    }
    (again != text).then(|| format!("text changed\n--- first ---\n{text}--- second ---\n{again}"))
}

/// What goes wrong when `t` goes through set lines and back, if anything.
fn set_problem(t: &Node) -> Option<String> {
    let mut want = t.clone();
    strip_annotations(&mut want);
    let text = set_text(t);
    let back = match set::read(&text, ROOT) {
        Ok(b) => b,
        Err(e) => {
            return Some(format!(
                "set lines not read back: {e}\n--- text ---\n{text}"
            ))
        }
    };
    if back != want {
        let again = set_text(&back);
        return Some(format!(
            "tree changed\n--- set lines ---\n{text}\n--- read back ---\n{again}\n\
             --- tree ---\n{want:#?}\n--- read back ---\n{back:#?}"
        ));
    }
    // Printing must not depend on annotations (set form has none) once they are gone.
    let (a, b) = (set_text(&want), set_text(&back));
    (a != b).then(|| format!("set lines changed\n--- first ---\n{a}\n--- second ---\n{b}"))
}

/// What goes wrong when `t` goes through `| display json` and back, if anything.
fn json_problem(t: &Node) -> Option<String> {
    let text = serde_json::to_string_pretty(&json::to_json_document(t)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    match json::from_json(&value, ROOT) {
        Err(e) => Some(format!("json not read back: {e}\n--- text ---\n{text}")),
        Ok(back) if back != *t => Some(format!(
            "tree changed\n--- json ---\n{text}\n--- tree ---\n{t:#?}\n--- read back ---\n{back:#?}"
        )),
        Ok(_) => None,
    }
}

/// The first of the three round trips that fails on `t`, minimized.
fn any_problem(t: &Node) -> Result<(), TestCaseError> {
    let checks: [fn(&Node) -> Option<String>; 3] = [curly_problem, set_problem, json_problem];
    for check in checks {
        if let Some(problem) = check(t) {
            let small = minimize(t, |t| check(t).is_some());
            let why = check(&small).unwrap_or(problem);
            return Err(TestCaseError::fail(format!(
                "{why}\n(minimized from the case below)"
            )));
        }
    }
    Ok(())
}

/// Text that looks like configuration: mostly syntax characters and short words.
const CONFIG_ALPHABET: &str = "[a-z0-9 {};\\[\\]\"#/*\\\\\n\t:.-]{0,300}";

proptest! {
    #[test]
    fn curly_round_trip(Tree(t) in arb_tree()) {
        if let Some(problem) = curly_problem(&t) {
            let small = minimize(&t, |t| curly_problem(t).is_some());
            let why = curly_problem(&small).unwrap_or(problem);
            return Err(TestCaseError::fail(format!("{why}\n(minimized from the case below)")));
        }
    }

    #[test]
    fn set_round_trip(Tree(t) in arb_tree()) {
        if let Some(problem) = set_problem(&t) {
            let small = minimize(&t, |t| set_problem(t).is_some());
            let why = set_problem(&small).unwrap_or(problem);
            return Err(TestCaseError::fail(format!("{why}\n(minimized from the case below)")));
        }
    }

    #[test]
    fn json_round_trip(Tree(t) in arb_tree()) {
        if let Some(problem) = json_problem(&t) {
            let small = minimize(&t, |t| json_problem(t).is_some());
            let why = json_problem(&small).unwrap_or(problem);
            return Err(TestCaseError::fail(format!("{why}\n(minimized from the case below)")));
        }
    }

    #[test]
    fn policy_round_trips(Tree(t) in arb_policy()) {
        any_problem(&t)?;
    }

    #[test]
    fn curly_never_panics_on_arbitrary_text(s in ".{0,400}") {
        let _ = curly::read(&s, ROOT);
    }

    #[test]
    fn curly_never_panics_on_config_like_text(s in CONFIG_ALPHABET) {
        let _ = curly::read(&s, ROOT);
    }

    #[test]
    fn set_never_panics_on_arbitrary_text(s in ".{0,400}") {
        let _ = set::read(&s, ROOT);
    }

    #[test]
    fn set_never_panics_on_config_like_text(s in CONFIG_ALPHABET) {
        let _ = set::read(&s, ROOT);
    }

    #[test]
    fn curly_never_panics_on_mutated_config(
        Tree(t) in arb_tree(),
        muts in proptest::collection::vec(arb_mutation(), 1..8),
    ) {
        let text = mutate(&print::curly(&t), &muts);
        let _ = curly::read(&text, ROOT);
        // Below a logical system too (the tenant's view).
        let _ = curly::read(&text, Schema::get().logical_system());
    }

    #[test]
    fn set_never_panics_on_mutated_config(
        Tree(t) in arb_tree(),
        muts in proptest::collection::vec(arb_mutation(), 1..8),
    ) {
        let text = mutate(&set_text(&t), &muts);
        let _ = set::read(&text, ROOT);
    }
}

/// The generator reaches deep into the schema (a smoke check that it is not stuck at the top).
#[test]
fn generator_reaches_deep_statements() {
    use common::gen::{tree_from_seed, Limits};
    let deepest = (0..200u64)
        .map(|s| depth(&tree_from_seed(s, &Limits::default())))
        .max()
        .unwrap_or(0);
    assert!(
        deepest >= 8,
        "deepest generated statement at level {deepest}"
    );
    fn depth(n: &Node) -> usize {
        1 + n.children.iter().map(depth).max().unwrap_or(0)
    }
}

/// The policy generator draws the shapes whose identity matters: two route-filters with one
/// prefix and different match types, and a `then` with several community actions.
#[test]
fn policy_generator_draws_shared_prefixes_and_community_runs() {
    use common::gen::{choices_from_seed, policy, policy_limits};
    let schema = Schema::get();
    let (mut shared, mut runs) = (0, 0);
    for seed in 0..200u64 {
        let t = policy(&choices_from_seed(seed), &policy_limits());
        visit(&t, &mut |n| {
            let prefixes: Vec<&str> = n
                .list("route-filter")
                .filter_map(|rf| rf.key.as_deref()?.split(' ').next())
                .collect();
            if (1..prefixes.len()).any(|i| prefixes[..i].contains(&prefixes[i])) {
                shared += 1;
            }
            let words = |c: &Node| key::words(schema, c.schema, c.key.as_deref().unwrap_or(""));
            if n.list("community").filter(|c| words(c).len() == 2).count() >= 2 {
                runs += 1;
            }
        });
    }
    assert!(
        shared >= 10,
        "route-filters sharing a prefix in {shared} statements"
    );
    assert!(runs >= 10, "runs of community actions in {runs} statements");

    fn visit(n: &Node, f: &mut dyn FnMut(&Node)) {
        f(n);
        for c in &n.children {
            visit(c, f);
        }
    }
}

/// Deep nesting is refused or read, not a stack overflow.
#[test]
fn deeply_nested_braces_do_not_overflow() {
    for n in [100, 1_000, 5_000] {
        let text = "a {".repeat(n) + &"}".repeat(n);
        let _ = curly::read(&text, ROOT);
    }
}
