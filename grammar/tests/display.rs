//! Golden tests of configuration display: `tests/golden/display/NN-name.conf` (curly input) is
//! printed as curly text (`.curly`), set commands (`.set`) and `| display json` (`.json`).
//! `LSYS_BLESS=1 cargo test --test display` rewrites the expected files; review the diff.
//!
//! Besides the text, every case checks that each output reads back to the same tree.

use std::fs;
use std::path::{Path, PathBuf};

use lsys_grammar::json;
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::tree::Node;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/display")
}

fn bless() -> bool {
    std::env::var("LSYS_BLESS").is_ok_and(|v| v == "1")
}

/// Compares (or with LSYS_BLESS=1 writes) one expected file; returns a failure description.
fn check(path: &Path, actual: &str) -> Option<String> {
    if bless() {
        fs::write(path, actual).unwrap();
        return None;
    }
    let expected = fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{}: differs at line {} (LSYS_BLESS=1 to rewrite)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display(),
        line + 1
    ))
}

fn without_annotations(n: &Node) -> Node {
    let mut n = n.clone();
    fn strip(n: &mut Node) {
        n.annotation = None;
        n.children.iter_mut().for_each(strip);
    }
    strip(&mut n);
    n
}

#[test]
fn golden_display() {
    let mut cases: Vec<PathBuf> = fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "only {} display cases", cases.len());
    let mut failures = Vec::new();
    for conf in &cases {
        let name = conf.display().to_string();
        let text = fs::read_to_string(conf).unwrap();
        let tree = curly::read(&text, ROOT).unwrap_or_else(|e| panic!("{name}: {e}"));

        let curly_text = print::curly(&tree);
        assert_eq!(
            curly::read(&curly_text, ROOT).unwrap(),
            tree,
            "{name}: curly output reads back differently"
        );
        failures.extend(check(&conf.with_extension("curly"), &curly_text));

        let mut set_text = print::set_lines(&tree, &[]).join("\n");
        set_text.push('\n');
        assert_eq!(
            set::read(&set_text, ROOT).unwrap(),
            without_annotations(&tree),
            "{name}: set output reads back differently"
        );
        failures.extend(check(&conf.with_extension("set"), &set_text));

        let doc = json::to_json_document(&tree);
        assert_eq!(
            json::from_json(&doc, ROOT).unwrap(),
            tree,
            "{name}: json output reads back differently"
        );
        let mut json_text = serde_json::to_string_pretty(&doc).unwrap();
        json_text.push('\n');
        failures.extend(check(&conf.with_extension("json"), &json_text));

        for out in [&curly_text, &set_text, &json_text] {
            assert!(
                !out.contains("s3cret") && !out.contains("hunter2"),
                "{name}: a secret is shown in clear text"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
