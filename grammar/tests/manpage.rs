//! The man pages: man/lsys.conf.5 is generated from the schema and checked in; lsys(1) lists
//! every command; all three pages format without groff warnings.
//!
//! `LSYS_BLESS=1 cargo test -p lsys-grammar --test manpage` rewrites man/lsys.conf.5.

use std::path::PathBuf;
use std::process::Command;

use lsys_grammar::manpage::{escape, example, lsys_conf_5};
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::curly;

fn man_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../man")
}

fn read(name: &str) -> String {
    let path = man_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn checked_in_conf_page_is_current() {
    let generated = lsys_conf_5();
    let path = man_dir().join("lsys.conf.5");
    if std::env::var_os("LSYS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write man/lsys.conf.5");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let line = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(checked_in.lines().count().min(generated.lines().count()))
            + 1;
        panic!(
            "man/lsys.conf.5 differs from the schema (first at line {line}); run \
             `cargo run -p lsys-grammar --bin lsys-manpage > man/lsys.conf.5` \
             (or LSYS_BLESS=1 cargo test -p lsys-grammar --test manpage) and commit it"
        );
    }
}

#[test]
fn conf_page_is_deterministic() {
    assert_eq!(lsys_conf_5(), lsys_conf_5());
}

#[test]
fn every_schema_node_is_documented() {
    let page = lsys_conf_5();
    let schema = Schema::get();
    for n in schema.nodes().iter().filter(|n| n.id != ROOT) {
        let words = schema.path_words(n.id).join(" ");
        assert!(
            page.contains(&escape(&n.help)),
            "help of '{words}' ({:?}) is missing from lsys.conf(5)",
            n.help
        );
        let word = if n.keyless {
            format!("\\fI<{}>\\fR", escape(&n.word))
        } else {
            format!("\\fB{}\\fR", escape(&n.word))
        };
        assert!(
            page.contains(&word),
            "'{words}' is missing from lsys.conf(5)"
        );
    }
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH DESCRIPTION",
        ".SH HIERARCHY",
        ".SH LOGICAL SYSTEMS",
        ".SH DIFFERENCES FROM JUNOS",
        ".SH SEE ALSO",
    ] {
        assert!(page.contains(section), "{section} missing");
    }
}

#[test]
fn conf_page_example_is_valid_configuration() {
    curly::read(example(), ROOT).expect("the DESCRIPTION example parses");
    let page = lsys_conf_5();
    assert!(
        page.contains("## SECRET\\-DATA"),
        "secrets are shown masked"
    );
    assert!(
        !page.contains("s3cret"),
        "the example secret never appears in clear text"
    );
}

#[test]
fn shell_page_lists_every_command() {
    let page = read("lsys.1");
    let commands = Schema::commands();
    for n in commands.nodes().iter().filter(|n| n.id != ROOT) {
        assert!(
            page.contains(&escape(&n.help)),
            "lsys(1) misses the help text of '{}': {:?}",
            commands.path_words(n.id).join(" "),
            n.help
        );
    }
}

#[test]
fn pages_format_without_groff_warnings() {
    let probe = Command::new("groff").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!("notice: groff is not installed (apt-get install groff-base); skipping");
        return;
    }
    for name in ["lsys.conf.5", "lsys.1", "lsysd.8"] {
        let path = man_dir().join(name);
        assert!(path.exists(), "{} is missing", path.display());
        let out = Command::new("groff")
            .args(["-ww", "-z", "-man"])
            .arg(&path)
            .output()
            .expect("run groff");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "groff -ww -z -man {name}: {stderr}"
        );
    }
}
