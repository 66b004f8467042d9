//! lsys-config: check, display and compare configuration files offline, with the same code the
//! daemon uses.
//!
//! ```text
//! lsys-config check FILE                 validate (commit checks); exit 1 with Junos-style errors
//! lsys-config show FILE [set|json]       print in curly braces, set form or JSON
//! lsys-config compare OLD NEW            `show | compare` between two files
//! ```
//! FILE is curly text, set-form text (first statement starts with `set `) or JSON.

use std::process::ExitCode;

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::tree::Node;
use lsys_grammar::{compare, json, validate};

fn read(path: &str) -> Result<Node, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error: could not read '{path}': {e}"))?;
    let trimmed = text.trim_start();
    let node = if trimmed.starts_with('{') {
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("error: {path}: {e}"))?;
        json::from_json(&value, ROOT).map_err(|e| format!("error: {path}: {e}"))?
    } else if trimmed.starts_with("set ") || trimmed.starts_with("delete ") {
        set::read(&text, ROOT).map_err(|e| format!("{path}:{e}"))?
    } else {
        curly::read(&text, ROOT).map_err(|e| format!("{path}:{e}"))?
    };
    Ok(node)
}

fn run(args: &[String]) -> Result<(), String> {
    let usage = "usage: lsys-config check FILE | show FILE [set|json] | compare OLD NEW";
    match args {
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
            eprintln!("{e}");
            ExitCode::from(if e.starts_with("usage") { 2 } else { 1 })
        }
    }
}
