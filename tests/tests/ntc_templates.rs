//! lsys's output read by ntc-templates, the TextFSM templates netmiko, NAPALM-adjacent tools and
//! Nautobot parse Junos with: every command that ntc-templates' `index` maps for platform
//! `juniper_junos` and that lsys has is run against a real lsysd (`--no-dataplane`, the seed
//! configuration) and its output must give at least one record. Commands added to lsys or to
//! ntc-templates later join by themselves: the list comes from the index of the ntc-templates
//! installed from PyPI, and lsys decides which commands it has.
//!
//! The templates run in the Python venv under the target directory that tests/netmiko.rs
//! shares (lsys_tests::python: `python3 -m venv`, then `pip install ntc-templates textfsm` from
//! PyPI), made once and reused. Without Python or a network the test is skipped with a message,
//! except in CI (`$CI` set), where it fails.

use std::path::Path;
use std::process::{Command, Stdio};

use lsys_tests::Lab;

const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");

/// Commands lsys has whose output needs live state that `lsysd --no-dataplane` does not have:
/// run, reported, not parsed.
const LIVE: &[(&str, &str)] = &[
    (
        "show interfaces",
        "reads links and counters from the kernel: no dataplane",
    ),
    ("show bgp summary", "needs the BGP speakers: no dataplane"),
    ("show route summary", "needs the RIB: no dataplane"),
];

/// Reads ntc-templates' index and parses output with it.
const HELPER: &str = r##"
import json, os, re, sys
import ntc_templates
from ntc_templates.parse import parse_output

PLATFORM = "juniper_junos"

def expand(command, full):
    # `sh[[ow]] ver[[sion]]`: `show version` in full, `sh ver` at the shortest.
    words = []
    for word in command.split():
        m = re.fullmatch(r"([^\[]*)\[\[([^\]]*)\]\]", word)
        words.append((m[1] + m[2] if full else m[1]) if m else word)
    return " ".join(words)

if sys.argv[1] == "commands":
    index = os.path.join(os.path.dirname(ntc_templates.__file__), "templates", "index")
    out = []
    for line in open(index):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) >= 4 and fields[2] == PLATFORM:
            command = ",".join(fields[3:]).strip()
            out.append({
                "template": fields[0],
                "full": expand(command, True),
                "short": expand(command, False),
            })
    print(json.dumps(out))
else:
    data = sys.stdin.read()
    try:
        records = parse_output(platform=PLATFORM, command=sys.argv[2], data=data)
        print(json.dumps({"records": len(records), "first": records[0] if records else None}))
    except Exception as e:
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
"##;

/// Runs the helper with `args`, `input` on its standard input; its JSON answer.
fn helper(python: &Path, script: &Path, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(python)
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "helper {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn ntc_templates_parse_lsys_output() {
    let Some(python) = lsys_tests::python::venv(
        "ntc_templates_parse_lsys_output",
        &["ntc-templates", "textfsm"],
        &["ntc_templates", "textfsm"],
    ) else {
        return;
    };
    let lab = Lab::start();
    lab.load(SEED);
    let script = lab.dir.path().join("ntc_helper.py");
    std::fs::write(&script, HELPER).unwrap();
    let list = helper(&python, &script, &["commands"], "");
    let list: serde_json::Value = serde_json::from_str(&list).expect("the helper's JSON");
    // (template, the command in full, at its shortest)
    let commands: Vec<(String, String, String)> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("template"), s("full"), s("short"))
        })
        .collect();
    assert!(
        commands.iter().any(|(_, c, _)| c == "show version"),
        "the index maps show version for juniper_junos: {list}"
    );
    let (mut parsed, mut live, mut absent, mut failed) = (vec![], vec![], vec![], vec![]);
    for (template, full, short) in &commands {
        if full.contains(['(', '|', '$', '\\']) {
            absent.push(format!("{full} (not a plain command line)"));
            continue;
        }
        // The index's own spelling in full, else at its shortest (a few of its lines have
        // typos in full: `show[[ow]]`); lsys takes any unambiguous prefix.
        let syntax = |r: &lsys_tests::Run| {
            ["syntax error", "unknown command.", "is ambiguous"]
                .iter()
                .any(|e| r.stderr.contains(e))
        };
        let mut command = full;
        let mut r = lab.operator(full);
        if !r.ok() && syntax(&r) {
            let again = lab.operator(short);
            if again.ok() || !syntax(&again) {
                (command, r) = (short, again);
            }
        }
        if !r.ok() {
            let error = r.stderr.lines().last().unwrap_or_default().to_string();
            match LIVE.iter().find(|(c, _)| c == full) {
                Some((_, why)) => live.push(format!("{command}: {why} ({error})")),
                None if syntax(&r) => absent.push(full.clone()),
                None => failed.push(format!("{command}: lsys failed: {error}")),
            }
            continue;
        }
        let answer = helper(&python, &script, &["parse", command], &r.stdout);
        let answer: serde_json::Value = serde_json::from_str(&answer).expect("the helper's JSON");
        match answer["records"].as_u64() {
            Some(n) if n > 0 => {
                // The first record's filled fields.
                let filled: Vec<String> = answer["first"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(_, v)| !matches!(v.as_str(), Some("")) && !v.is_array())
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                parsed.push(format!(
                    "{command} ({template}): {n} record(s), the first {}",
                    filled.join(" ")
                ))
            }
            _ => failed.push(format!(
                "{command} ({template}): {answer}\nlsys printed:\n{}",
                r.stdout
            )),
        }
    }
    println!("ntc-templates juniper_junos commands lsys has, parsed:");
    for p in &parsed {
        println!("  {p}");
    }
    println!("skipped, they need live state:");
    for l in &live {
        println!("  {l}");
    }
    println!("not lsys commands: {}", absent.join(", "));
    assert!(
        failed.is_empty(),
        "templates failed:\n{}",
        failed.join("\n")
    );
    assert!(
        parsed.iter().any(|p| p.starts_with("show version")),
        "show version must parse: {parsed:?}"
    );
    // A command listed as live that ran after all is parsed above, so the list stays honest.
    for (command, _) in LIVE {
        assert!(
            commands.iter().any(|(_, c, _)| c == command),
            "{command} is no longer in ntc-templates' index: drop it from LIVE"
        );
    }
}
