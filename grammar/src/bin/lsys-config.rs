//! lsys-config: check, display and compare configuration files offline, with the same code the
//! daemon uses.
//!
//! ```text
//! lsys-config check FILE                 validate (commit checks); exit 1 with Junos-style errors
//! lsys-config show FILE [set|json]       print in curly braces, set form or JSON
//! lsys-config compare OLD NEW            `show | compare` between two files
//! lsys-config --help | --version
//! ```
//! FILE is curly text, set-form text (its first statement starts with `set `, `delete `, ...)
//! or JSON. It is read as `load` reads it: a device's saved file (a `version` line, `#`
//! comments, a byte-order mark, CRLF line ends) reads as is; statements lsys does not have are
//! left out and listed on standard error; every error is reported with its line and column.

use std::process::ExitCode;

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{count, curly, print, set, Ignored, TextErrors};
use lsys_grammar::tree::Node;
use lsys_grammar::{compare, json, validate};

/// How a file is written.
#[derive(Debug, PartialEq, Eq)]
enum Format {
    Curly,
    Set,
    Json,
}

/// The format of `text`, told by its first statement (past blank and `#` comment lines).
fn format_of(text: &str) -> Format {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let verb = first.split_whitespace().next().unwrap_or("");
    if first.starts_with('{') {
        Format::Json
    } else if ["set", "delete", "activate", "deactivate", "insert"].contains(&verb) {
        Format::Set
    } else {
        Format::Curly
    }
}

fn read(path: &str) -> Result<Node, String> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| format!("error: could not read '{path}': {e}"))?;
    let text = raw.strip_prefix('\u{feff}').unwrap_or(&raw);
    let read: Result<(Node, Ignored), TextErrors> = match format_of(text) {
        Format::Json => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("error: {path}: {e}"))?;
            let node = json::from_json(&value, ROOT).map_err(|e| format!("error: {path}: {e}"))?;
            return Ok(node);
        }
        Format::Set => set::read_lenient(text, ROOT),
        Format::Curly => curly::read_lenient(text, ROOT),
    };
    match read {
        Ok((node, ignored)) => {
            eprint!("{}", ignored.render(Some(path)));
            Ok(node)
        }
        Err(errors) => Err(format!(
            "{}error: {} in {path}",
            errors.render(path),
            count(errors.len(), "error")
        )),
    }
}

const USAGE: &str = "usage: lsys-config check FILE | show FILE [set|json] | compare OLD NEW";

/// `lsys-config --help` (on stdout, exit 0).
const HELP: &str = "\
usage: lsys-config check FILE | show FILE [set|json] | compare OLD NEW

Checks, prints and compares lsys configuration files offline, with the code lsysd uses.

commands:
  check FILE             validate FILE as a commit would; exit 1 with the errors
  show FILE [set|json]   print FILE in curly braces, as set commands or as JSON
  compare OLD NEW        print the differences as `show | compare` does

options:
  -h, --help             print this help and exit
  -V, --version          print the name and version and exit

FILE may be curly braces, set commands or JSON (told by its first statement); statements
lsys does not have are left out and listed on standard error. Exit status: 0 success,
1 an invalid file, 2 usage error. See lsys.conf(5).";

fn run(args: &[String]) -> Result<(), String> {
    let usage = USAGE;
    match args {
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{HELP}");
            Ok(())
        }
        [flag] if flag == "-V" || flag == "--version" => {
            println!("lsys-config {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        [cmd, file] if cmd == "check" => {
            let tree = read(file)?;
            validate::validate(&tree).map_err(|e| e.to_string().trim_end().to_string())?;
            println!("configuration check succeeds");
            Ok(())
        }
        [cmd, file, rest @ ..] if cmd == "show" && rest.len() <= 1 => {
            let tree = read(file)?;
            match rest.first().map(String::as_str) {
                None => print!("{}", print::curly(&tree)),
                Some("set") => {
                    for l in print::set_lines(&tree, &[]) {
                        println!("{l}");
                    }
                }
                Some("json") => println!(
                    "{}",
                    serde_json::to_string_pretty(&json::to_json_document(&tree))
                        .map_err(|e| e.to_string())?
                ),
                Some(other) => return Err(format!("error: unknown format '{other}'\n{usage}")),
            }
            Ok(())
        }
        [cmd, old, new] if cmd == "compare" => {
            print!("{}", compare::compare(&read(old)?, &read(new)?));
            Ok(())
        }
        _ => Err(usage.to_string()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.trim_end());
            ExitCode::from(if e.starts_with("usage") { 2 } else { 1 })
        }
    }
}
