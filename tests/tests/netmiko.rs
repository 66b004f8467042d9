//! netmiko, the Python library most network automation reaches devices with, drives lsys as
//! it drives Junos: `ConnectHandler(device_type="juniper_junos")` over a real OpenSSH sshd on
//! 127.0.0.1 (tests/src/sshd.rs) to a tenant account whose login shell is lsys.
//!
//! tests/netmiko/check.py connects with a key (netmiko's session preparation: `set cli
//! screen-width 511`, `set cli complete-on-space off`, `set cli screen-length 0`, each waiting
//! for Junos's confirmation), parses `show version` with TextFSM (`use_textfsm=True`,
//! ntc-templates), commits a change with `send_config_set` + `commit()`, makes `commit()` raise
//! on a statement that `set` takes and `commit` refuses, and leaves; netmiko's session log must
//! hold no escape sequence (netmiko asks for a `vt100` terminal: lsys's line input writes the
//! prompt and the echo plainly, shell/src/echo.rs). Afterwards a fresh `ssh` checks that exactly
//! the one good commit was made.
//!
//! netmiko runs in the Python venv under the target directory that tests/ntc_templates.rs
//! shares (lsys_tests::python, pip-installed from PyPI once). Without sshd, Python or a network
//! the test is skipped with a message, except in CI (`$CI` set), where it fails.

use std::process::Command;
use std::time::Duration;

use lsys_tests::sshd::{self, run_for, LoginAccount, Sshd, COMMAND_TIMEOUT};
use lsys_tests::{python, repo_root, two_tenants, Lab, Run};

const TEST: &str = "netmiko_juniper_junos_configures_lsys_over_ssh";
/// The tenant (logical system l2) netmiko logs in as, and the scenario's other tenant.
const USER: &str = "lsys-netmiko";
const OTHER: &str = "lsys-netmiko-other";
/// The whole script: connect, five exchanges, disconnect (each read bounded to 30 s in it).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);

#[test]
fn netmiko_juniper_junos_configures_lsys_over_ssh() {
    if !sshd::available(TEST) {
        return;
    }
    let Some(python) = python::venv(
        TEST,
        &["netmiko", "ntc-templates", "textfsm"],
        &["netmiko", "ntc_templates", "textfsm"],
    ) else {
        return;
    };
    // Dropped in reverse order: the account (its sessions killed), sshd, then lsysd.
    let lab = Lab::start();
    lab.load(&two_tenants(USER, OTHER));
    let sshd = Sshd::start(&lab.socket, false);
    let account = LoginAccount::create(USER, &sshd.public_key());
    let ssh = |command: &str| -> Run {
        let r = run_for(sshd.ssh(&account.name, &[]).arg(command), COMMAND_TIMEOUT);
        assert!(r.ok(), "ssh {command:?}: {r:?}\nsshd log:\n{}", sshd.log());
        r
    };
    let commits = ssh("show system commit").stdout;

    let log = sshd.dir.path().join("netmiko-session.log");
    let r = run_for(
        Command::new(&python)
            .arg("-B")
            .arg(repo_root().join("tests/netmiko/check.py"))
            .args(["--port", &sshd.port.to_string(), "--user", USER, "--key"])
            .arg(&sshd.key)
            .arg("--session-log")
            .arg(&log),
        SCRIPT_TIMEOUT,
    );
    print!("{}", r.stdout);
    assert!(
        r.ok(),
        "check.py failed: {r:?}\nnetmiko's session log:\n{}\nsshd log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default(),
        sshd.log()
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    let line = |prefix: &str| -> &str {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line: {lines:?}"))
    };
    // `OK connect 412 ms prompt lsys-netmiko@nxp-fra-01:l2`
    let connect = line("OK connect ");
    let ms = connect.split_whitespace().next().unwrap_or_default();
    println!("figure: netmiko connect {ms} ms");
    assert!(
        connect.ends_with(&format!(" ms prompt {USER}@nxp-fra-01:l2")),
        "{connect}"
    );
    let version = line("OK show version ");
    for field in [
        "\"hostname\": \"nxp-fra-01\"",
        "\"model\": \"lsys\"",
        "\"junos_version\": \"lsys-",
    ] {
        assert!(version.contains(field), "{field} in {version}");
    }
    line("OK commit ");
    let raised = line("OK failing commit raised: ");
    assert!(
        raised.contains("error: configuration check-out failed"),
        "{raised}"
    );
    line("OK disconnect");
    line("OK session log ");

    // A fresh session: the good change is committed, the refused one nowhere, and the commit
    // history has exactly one entry more, netmiko's.
    let r = ssh("show configuration routing-options");
    assert!(r.stdout.contains("router-id 10.9.9.9;"), "{r:?}");
    let r = ssh("show configuration | display set");
    assert!(!r.stdout.contains("netmiko-bad"), "{r:?}");
    let after = ssh("show system commit").stdout;
    assert_eq!(
        after.lines().count(),
        commits.lines().count() + 1,
        "before:\n{commits}after:\n{after}"
    );
    let newest = after.lines().next().unwrap_or_default();
    assert!(newest.contains(&format!("by {USER} via ssh")), "{after}");
    // No editor left behind: the session's `configure` found the candidate clean.
    let r = ssh("configure; show | compare");
    assert_eq!(r.stdout, "Entering configuration mode\n", "{r:?}");
}
