//! lsys's output read by ntc-templates, the TextFSM templates netmiko, NAPALM-adjacent tools and
//! Nautobot parse Junos with: every command that ntc-templates' `index` maps for platform
//! `juniper_junos` and that lsys has is run by the seed's tenant against live state -- the
//! lab's real VRF kernel with both clouds' BGP sessions up (tests/lab/ntc.sh) -- and its output
//! must give at least one record, with the values the seed implies where the test knows them
//! ([`EXPECTED`]). Commands added to lsys or to ntc-templates later join by themselves: the list
//! comes from the index of the ntc-templates installed from PyPI, and lsys decides which
//! commands it has (a syntax error means it has not).
//!
//! The templates run in the Python venv under the target directory that tests/netmiko.rs
//! shares (lsys_tests::python: `python3 -m venv`, then `pip install ntc-templates textfsm` from
//! PyPI), made once and reused. Without Python or a network the test is skipped with a message,
//! except in CI (`$CI` set), where it fails.

use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use lsys_tests::vm::{self, TENANT};

/// Values a parsed command must give, where the seed fixes them: (template, field, value) --
/// some record of `juniper_junos_<template>.textfsm`'s output has `field` equal to `value`.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("show_version", "HOSTNAME", "nxp-fra-01"),
    ("show_version", "MODEL", "lsys"),
    ("show_bgp_summary", "PEER_IP", "10.0.0.1"),
    ("show_bgp_summary", "PEER_IP", "10.0.0.14"),
    ("show_bgp_summary", "PEER_AS", "12076"),
    ("show_interfaces", "INTERFACE", "irb.2"),
    ("show_interfaces", "INTERFACE", "irb.4"),
    ("show_interfaces", "LOCAL", "10.0.0.13"),
    ("show_route_summary", "ASN", "65000"),
    ("show_route_summary", "ROUTE_SRC", "BGP"),
    ("show_arp_no-resolve", "IP_ADDRESS", "10.0.0.1"),
    ("show_arp_no-resolve", "IP_ADDRESS", "10.0.0.14"),
    ("show_arp_no-resolve", "INTERFACE", "irb.2"),
    ("show_system_uptime", "TIME_SOURCE", "LOCAL CLOCK"),
    // The seed was committed by the operator: the tenant's last commit is that one.
    ("show_system_uptime", "LAST_CONFIG_USER", "root"),
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
        print(json.dumps({"records": records}))
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

/// The template that needs a two-word `Last Up/Dwn` (`3d 21:15:46`): Junos, and lsys, print
/// one word for a session up less than a day (`5:08`), and the template skips such a peer line,
/// so the lab's seconds-old sessions give no record. The live output is checked to be just
/// that, and lsys's formatter output for sessions days old -- the golden of bgp/tests/show.rs --
/// must parse in full.
const YOUNG_SESSIONS: (&str, &str) = (
    "juniper_junos_show_bgp_summary.textfsm",
    "bgp/tests/golden/summary-seed.txt",
);

/// Whether a line has a given shape.
type LineShape = fn(&str) -> bool;

/// A line Junos prints that a template does not take -- it raises an error on the whole
/// output -- (template, why, the line's shape). Where lsys's output has such lines, they are
/// left out and the rest must parse; the report says how many were.
const UNTAKEN: &[(&str, &str, LineShape)] = &[
    (
        "juniper_junos_show_interfaces.textfsm",
        "the template wants `, Broadcast: ...` after every Local, which Junos prints for \
         neither a /31 nor IPv6",
        |l| l.trim_start().starts_with("Destination:") && l.matches(',').count() == 1,
    ),
    (
        "juniper_junos_show_route_summary.textfsm",
        "the template knows no `Limit/Threshold:` line, which Junos prints under a table \
         with maximum-prefixes",
        |l| l.starts_with("Limit/Threshold: "),
    ),
];

/// What lsys printed for one command line, run by the tenant in the lab.
struct Ran {
    rc: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn read(dir: &Path, n: usize) -> Ran {
        let file = |ext: &str| {
            std::fs::read_to_string(dir.join(format!("{n}.{ext}")))
                .unwrap_or_else(|e| panic!("{n}.{ext} from the lab: {e}"))
        };
        Ran {
            rc: file("rc").trim().parse().expect("an exit status"),
            stdout: file("out"),
            stderr: file("err"),
        }
    }

    /// lsys does not have the command.
    fn syntax(&self) -> bool {
        self.rc != 0
            && ["syntax error", "unknown command.", "is ambiguous"]
                .iter()
                .any(|e| self.stderr.contains(e))
    }
}

/// Every peer line of a `show bgp summary` has a one-word age (a session up less than a day).
fn young_sessions_only(summary: &str) -> bool {
    let peers: Vec<Vec<&str>> = summary
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.first().is_some_and(|a| a.parse::<IpAddr>().is_ok()))
        .collect();
    // Peer AS InPkt OutPkt OutQ Flaps Age State
    !peers.is_empty() && peers.iter().all(|w| w.len() == 8 && w[7] == "Establ")
}

/// The helper's answer for `data` as the output of `command`: records, or why none.
fn parse(
    python: &Path,
    script: &Path,
    command: &str,
    data: &str,
) -> Result<Vec<serde_json::Value>, String> {
    let answer = helper(python, script, &["parse", command], data);
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("the helper's JSON");
    match answer["records"].as_array() {
        Some(records) if !records.is_empty() => Ok(records.clone()),
        Some(_) => Err("no record".into()),
        None => Err(answer["error"].to_string()),
    }
}

/// The first record's filled fields, for the report.
fn filled(record: &serde_json::Value) -> String {
    record
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| !matches!(v.as_str(), Some("")) && !v.is_array())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
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
    let work = tempfile::tempdir().expect("temp dir");
    let script = work.path().join("ntc_helper.py");
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
    let (mut parsed, mut absent, mut failed) = (vec![], vec![], vec![]);
    let mut lines: Vec<&str> = vec![];
    for (_, full, short) in &commands {
        if full.contains(['(', '|', '$', '\\']) {
            absent.push(format!("{full} (not a plain command line)"));
            continue;
        }
        lines.extend([full.as_str(), short.as_str()]);
    }
    lines.dedup();

    // Every command line, run by the tenant against live state.
    let (bin_dir, conf) = vm::seed_fixture("ntc-seed.conf");
    let returned = work.path().join("ran");
    std::fs::create_dir(&returned).unwrap();
    let mut args = vec![conf.as_str(), TENANT];
    args.extend(&lines);
    let out = vm::run(&bin_dir, "ntc.sh", &args, Some(&returned));
    vm::passed(&out, "NTC-OK");
    let ran = |line: &str| {
        let n = lines.iter().position(|l| *l == line).expect("run") + 1;
        Ran::read(&returned, n)
    };

    let mut records: Vec<(String, Vec<serde_json::Value>)> = vec![];
    for (template, full, short) in &commands {
        if full.contains(['(', '|', '$', '\\']) {
            continue;
        }
        // The index's own spelling in full, else at its shortest (a few of its lines have
        // typos in full: `show[[ow]]`); lsys takes any unambiguous prefix.
        let (mut command, mut r) = (full, ran(full));
        if r.syntax() {
            let again = ran(short);
            if !again.syntax() {
                (command, r) = (short, again);
            }
        }
        if r.syntax() {
            absent.push(full.clone());
            continue;
        }
        if r.rc != 0 {
            failed.push(format!("{command}: lsys failed: {}", r.stderr.trim()));
            continue;
        }
        let got = parse(&python, &script, command, &r.stdout);
        match got {
            Ok(got) => {
                parsed.push(format!(
                    "{command} ({template}): {} record(s), the first {}",
                    got.len(),
                    filled(&got[0])
                ));
                records.push((template.clone(), got));
            }
            Err(why) if template == YOUNG_SESSIONS.0 && young_sessions_only(&r.stdout) => {
                let golden = lsys_tests::repo_root().join(YOUNG_SESSIONS.1);
                let text = std::fs::read_to_string(&golden).expect("the summary golden");
                match parse(&python, &script, command, &text) {
                    Ok(got) => {
                        parsed.push(format!(
                            "{command} ({template}): live, sessions under a day old: {why} \
                             (the template needs a two-word age); {}, sessions days old: {} \
                             record(s), the first {}",
                            YOUNG_SESSIONS.1,
                            got.len(),
                            filled(&got[0])
                        ));
                        records.push((template.clone(), got));
                    }
                    Err(why) => failed.push(format!("{command} ({template}) on {golden:?}: {why}")),
                }
            }
            Err(why)
                if UNTAKEN
                    .iter()
                    .any(|(t, _, l)| t == template && r.stdout.lines().any(l)) =>
            {
                let (_, untaken, shape) = UNTAKEN
                    .iter()
                    .find(|(t, _, _)| t == template)
                    .expect("found");
                let rest: String = r
                    .stdout
                    .lines()
                    .filter(|l| !shape(l))
                    .map(|l| format!("{l}\n"))
                    .collect();
                let left = r.stdout.lines().filter(|l| shape(l)).count();
                match parse(&python, &script, command, &rest) {
                    Ok(got) => {
                        parsed.push(format!(
                            "{command} ({template}): {} record(s) without {left} line(s) the \
                             template does not take ({untaken}), the first {}",
                            got.len(),
                            filled(&got[0])
                        ));
                        records.push((template.clone(), got));
                    }
                    Err(again) => failed.push(format!(
                        "{command} ({template}): {why}; without {left} line(s) ({untaken}): \
                         {again}\nlsys printed:\n{}",
                        r.stdout
                    )),
                }
            }
            Err(why) => failed.push(format!(
                "{command} ({template}): {why}\nlsys printed:\n{}",
                r.stdout
            )),
        }
    }
    println!("ntc-templates juniper_junos commands lsys has, parsed:");
    for p in &parsed {
        println!("  {p}");
    }
    println!("not lsys commands: {}", absent.join(", "));
    assert!(
        failed.is_empty(),
        "templates failed:\n{}",
        failed.join("\n")
    );
    for (short, field, value) in EXPECTED {
        let template = format!("juniper_junos_{short}.textfsm");
        let Some((_, got)) = records.iter().find(|(t, _)| *t == template) else {
            panic!("{template} was not parsed: {parsed:?}");
        };
        let field = field.to_lowercase();
        assert!(
            got.iter().any(|r| r[&field].as_str() == Some(value)),
            "{template}: no record with {field} = {value}: {got:?}"
        );
    }
}
