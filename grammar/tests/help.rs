//! Golden files for `?` listings and TAB: tests/golden/help/NN-name.in holds the view, mode
//! and line; NN-name.out the listing and what TAB inserts. LSYS_BLESS=1 rewrites the .out files.

use std::fs;
use std::path::Path;

use lsys_grammar::cli::Mode;
use lsys_grammar::complete::{line, ConfigContext};
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::view::View;

const SEED: &str = include_str!("fixtures/seed.conf");

fn run_case(input: &str) -> String {
    let field = |name: &str| {
        input
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("missing {name}"))
            .to_string()
    };
    let view = match field("view").as_str() {
        "operator" => View::operator(),
        ls => View::tenant(ls),
    };
    let mode = match field("mode").as_str() {
        "operational" => Mode::Operational,
        _ => Mode::Configuration,
    };
    let text = input
        .lines()
        .find_map(|l| l.strip_prefix("line:"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .unwrap_or_default();
    let root = curly::read(SEED, ROOT).unwrap();
    let ctx = ConfigContext {
        root: &root,
        view: &view,
        edit: &[],
    };
    let c = line(text, mode, &ctx);
    format!("{}TAB: {:?}\n", c.render(), c.tab().unwrap_or_default())
}

#[test]
fn help_listings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/help");
    let bless = std::env::var("LSYS_BLESS").is_ok_and(|v| v == "1");
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "in"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "golden cases missing");
    let mut failed = Vec::new();
    for case in &cases {
        let got = run_case(&fs::read_to_string(case).unwrap());
        let out = case.with_extension("out");
        if bless {
            fs::write(&out, &got).unwrap();
        } else if fs::read_to_string(&out).unwrap_or_default() != got {
            failed.push(format!("{}:\n{got}", out.display()));
        }
    }
    assert!(
        failed.is_empty(),
        "help listings differ (LSYS_BLESS=1 to accept):\n{}",
        failed.join("\n")
    );
}
