//! Golden tests of `show | compare`: `tests/golden/compare/NN-name.old.conf` and
//! `NN-name.new.conf` (curly) give `NN-name.out`. `LSYS_BLESS=1 cargo test --test compare`
//! rewrites the expected files; review the diff.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use lsys_grammar::compare::compare;
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::tree::Node;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/compare")
}

fn bless() -> bool {
    std::env::var("LSYS_BLESS").is_ok_and(|v| v == "1")
}

fn read(path: &Path) -> Node {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    curly::read(&text, ROOT).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn golden_compare() {
    let mut cases: Vec<PathBuf> = fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".old.conf"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "only {} compare cases", cases.len());
    let mut failures = Vec::new();
    for old_path in &cases {
        let stem = old_path
            .to_string_lossy()
            .trim_end_matches(".old.conf")
            .to_string();
        let old = read(old_path);
        let new = read(Path::new(&format!("{stem}.new.conf")));
        let out = compare(&old, &new);
        assert_eq!(compare(&old, &old), "", "{stem}: old vs itself");
        assert_eq!(compare(&new, &new), "", "{stem}: new vs itself");
        assert!(!out.is_empty(), "{stem}: no difference found");
        assert!(
            !out.contains("s3cret") && !out.contains("hunter2"),
            "{stem}: a secret is shown in clear text"
        );
        let expected_path = format!("{stem}.out");
        if bless() {
            fs::write(&expected_path, &out).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != out {
            failures.push(format!(
                "{expected_path} (LSYS_BLESS=1 to rewrite)\n--- expected\n{expected}--- actual\n{out}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// 1,000 logical systems, one leaf changed: the walk must not print or sort whole trees.
#[test]
fn one_leaf_in_a_thousand_logical_systems() {
    // One logical system read from text, copied under 1,000 names (reading 1,000 from text
    // is slow in debug builds and not what is measured here).
    let one = curly::read(
        "logical-systems { ls0 {
            interfaces { eth1 { unit 4 { vlan-id 4; family inet { address 10.0.0.1/24; } } } }
            routing-options { autonomous-system 65000; }
            protocols { bgp { group g { type external; peer-as 64512;
                neighbor 10.0.0.2 { description \"peer\"; } } } }
        } }",
        ROOT,
    )
    .unwrap();
    let template = &one.children[0].children[0];
    let mut old = one.clone();
    let systems = &mut old.children[0].children;
    systems.clear();
    for i in 0..1000 {
        let mut ls = template.clone();
        ls.key = Some(format!("ls{i}"));
        systems.push(ls);
    }
    let mut new = old.clone();
    let group = &mut new.children[0].children[756].children[2].children[0].children[0];
    let peer_as = group
        .children
        .iter_mut()
        .find(|c| c.values == ["64512"])
        .unwrap();
    peer_as.values = vec!["64999".into()];
    let start = Instant::now();
    let out = compare(&old, &new);
    let took = start.elapsed();
    assert_eq!(
        out,
        "[edit logical-systems ls756 protocols bgp group g]\n-    peer-as 64512;\n+    peer-as 64999;\n"
    );
    assert!(took.as_millis() < 500, "compare took {took:?}");
    assert_eq!(compare(&old, &old.clone()), "");
}
