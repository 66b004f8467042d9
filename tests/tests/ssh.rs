//! lsys as an SSH login shell, against a real OpenSSH sshd on 127.0.0.1 that includes the
//! packaged drop-in (packaging/sshd/lsys.conf) and a test account whose shell is lsys.
//!
//! Batches (`ssh host 'a; b'`): the tenant's view, exit statuses, a failing batch commits
//! nothing. File transfer and forwarding refused. The interactive shell under `ssh -tt` in
//! tmux: prompt, `?`, TAB, pager, Ctrl-C. A connection killed in configuration mode, with a
//! terminal (the shell gets SIGHUP) and without (its input ends), leaves no candidate and no
//! lock behind. An account made by `lsysd --manage-accounts` from a commit logs in, and once
//! deleted by a commit no longer can. Skipped without sshd, except in CI. The tests share
//! /etc/lsys/keys and the lsys-users group and each starts an sshd and an lsysd: they run one
//! at a time.

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use lsys_tests::sshd::{self, run_for, LoginAccount, Sshd, COMMAND_TIMEOUT};
use lsys_tests::tmux::Tmux;
use lsys_tests::{bin, two_tenants, Lab, LabOptions, Run};

/// The other tenant of the scenario (logical system l3): its user needs no Unix account.
const OTHER: &str = "lsys-ssh-other";
/// lsys's answer to sftp and scp (shell/src/transfer.rs): on stderr for scp, in the SFTP
/// protocol for sftp (sshd discards a subsystem's stderr), which sftp prints after the request.
const NOT_SUPPORTED: &str = "file transfer (sftp/scp) is not supported";

static SERIAL: Mutex<()> = Mutex::new(());

/// lsysd with the two-tenant scenario, sshd, and `user` (tenant l2) able to log in.
/// Dropped in field order: the account (its sessions killed), then sshd, then lsysd.
struct Rig {
    account: LoginAccount,
    sshd: Sshd,
    lab: Lab,
    _serial: MutexGuard<'static, ()>,
}

impl Rig {
    /// `None` when sshd is not installed (outside CI).
    fn start(test: &str, user: &str) -> Option<Rig> {
        if !sshd::available(test) {
            return None;
        }
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let lab = Lab::start();
        lab.load(&two_tenants(user, OTHER));
        let sshd = Sshd::start(&lab.socket, false);
        let account = LoginAccount::create(user, &sshd.public_key());
        Some(Rig {
            account,
            sshd,
            lab,
            _serial: serial,
        })
    }

    fn user(&self) -> &str {
        &self.account.name
    }

    /// `ssh USER@127.0.0.1 COMMAND` (no terminal).
    fn ssh(&self, command: &str) -> Run {
        run_for(
            self.sshd.ssh(self.user(), &[]).arg(command),
            COMMAND_TIMEOUT,
        )
    }

    /// The user's sessions in lsysd's table (`show system users`, as the operator).
    fn sessions(&self) -> Vec<String> {
        let r = self.lab.operator("show system users");
        assert!(r.ok(), "{r:?}");
        r.stdout
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(self.user()))
            .map(str::to_string)
            .collect()
    }

    /// Waits until lsysd has no session of the user left and no process of the user runs;
    /// how long each took.
    fn wait_until_logged_out(&self) -> Logout {
        let uid = sshd::uid_of(self.user()).expect("the account exists");
        let start = Instant::now();
        let mut session = None;
        loop {
            let sessions = self.sessions();
            if sessions.is_empty() {
                session.get_or_insert(start.elapsed());
            }
            let procs = sshd::processes_of(uid);
            if let (Some(session), true) = (session, procs.is_empty()) {
                return Logout {
                    session,
                    processes: start.elapsed(),
                };
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "still logged in: sessions {sessions:?}, processes {procs:?}\nsshd log:\n{}",
                self.sshd.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// No one else edits the tenant's configuration: a new session's `configure` lists no
    /// other editor, and `configure exclusive` gets the lock.
    fn assert_no_candidate_left(&self) {
        let r = self.ssh("configure; show | compare");
        assert_eq!(
            (r.status, r.stdout.as_str()),
            (0, "Entering configuration mode\n"),
            "{r:?}"
        );
        let r = self.ssh("configure exclusive; exit");
        assert_eq!(r.status, 0, "the exclusive lock is free: {r:?}");
    }
}

/// After a killed client: when lsysd had forgotten the session, and when the last process of
/// the user (lsys, sshd's unprivileged half) was gone.
struct Logout {
    session: Duration,
    processes: Duration,
}

impl std::fmt::Display for Logout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "session gone from lsysd in {} ms, processes gone in {} ms",
            self.session.as_millis(),
            self.processes.as_millis()
        )
    }
}

/// The shell's prompt for `user` in tenant l2 (the seed's host name), without the mode mark.
fn prompt(user: &str) -> String {
    format!("{user}@nxp-fra-01:l2")
}

#[test]
fn batches_see_the_tenant_view_and_keep_exit_statuses() {
    let Some(rig) = Rig::start(
        "batches_see_the_tenant_view_and_keep_exit_statuses",
        "lsys-ssh-b",
    ) else {
        return;
    };
    // Only the tenant's view: exactly what the same user sees on the box, nothing of l3, no
    // root-only statements; nothing on stderr (no warning from sshd either).
    let r = rig.ssh("show configuration");
    assert_eq!(r.status, 0, "{r:?}\nsshd log:\n{}", rig.sshd.log());
    assert_eq!(r.stderr, "", "{r:?}");
    let local = rig.lab.user(rig.user(), "show configuration");
    assert!(local.ok(), "{local:?}");
    assert_eq!(r.stdout, local.stdout);
    assert!(r.stdout.contains("routing-instances {"), "{}", r.stdout);
    for hidden in [
        "secret-l3-instance",
        "l3-peers",
        "logical-systems",
        "login",
        OTHER,
    ] {
        assert!(!r.stdout.contains(hidden), "{hidden} shown:\n{}", r.stdout);
    }
    // sshd ran lsys with the command (`lsys -c`), not as a login shell.
    assert!(
        rig.sshd
            .log()
            .contains(&format!("Starting session: command for {}", rig.user())),
        "{}",
        rig.sshd.log()
    );

    // A failing batch: exit status 1, its error on stderr, nothing committed.
    let commits = rig.ssh("show system commit");
    let config = rig.ssh("show configuration | display set");
    assert!(commits.ok() && config.ok(), "{commits:?} {config:?}");
    let r = rig.ssh("configure private; set bogus; commit and-quit");
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("syntax error."), "{r:?}");
    assert!(!r.stdout.contains("commit complete"), "{r:?}");
    assert_eq!(rig.ssh("show system commit").stdout, commits.stdout);
    assert_eq!(
        rig.ssh("show configuration | display set").stdout,
        config.stdout
    );
    // A succeeding one: 0, and the commit is there.
    let r = rig.ssh("configure private; set routing-options router-id 10.2.2.2; commit and-quit");
    assert_eq!(r.status, 0, "{r:?}");
    assert!(r.stdout.contains("commit complete"), "{r:?}");
    let r = rig.ssh("show configuration routing-options");
    assert!(r.stdout.contains("router-id 10.2.2.2;"), "{r:?}");
    // A shell command is just an unknown lsys command.
    let r = rig.ssh("/bin/sh -c id");
    assert_eq!(r.status, 1, "{r:?}");
    assert!(!r.stdout.contains("uid="), "{r:?}");

    // The round trip of a batch: TCP, key exchange, authentication, lsys, lsysd.
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let r = rig.ssh("show version");
            assert!(r.ok(), "{r:?}");
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "figure: ssh batch round trip {} ms",
        times[times.len() / 2].as_millis()
    );
}

#[test]
fn file_transfer_and_forwarding_are_refused() {
    let Some(rig) = Rig::start("file_transfer_and_forwarding_are_refused", "lsys-ssh-f") else {
        return;
    };
    // sftp: sshd runs `lsys -c /usr/lib/openssh/sftp-server`, which answers sftp's first
    // request (the working directory) with the refusal.
    let r = run_for(&mut rig.sshd.sftp(rig.user()), COMMAND_TIMEOUT);
    assert_ne!(r.status, 0, "{r:?}");
    assert!(
        r.stderr.contains(&format!("realpath .: {NOT_SUPPORTED}")),
        "{r:?}"
    );
    println!("sftp: exit {}, stderr {:?}", r.status, r.stderr);
    assert!(
        rig.sshd.log().contains(&format!(
            "Starting session: subsystem 'sftp' for {}",
            rig.user()
        )),
        "{}",
        rig.sshd.log()
    );
    // Legacy scp: `lsys -c "scp -t /tmp/"`, whose stderr sshd forwards.
    let file = rig.sshd.dir.path().join("payload");
    std::fs::write(&file, "x\n").unwrap();
    let r = run_for(&mut rig.sshd.scp(rig.user(), &file, true), COMMAND_TIMEOUT);
    assert_ne!(r.status, 0, "{r:?}");
    assert!(
        r.stderr.contains(&format!("error: {NOT_SUPPORTED}\n")),
        "{r:?}"
    );
    println!("scp -O: exit {}, stderr {:?}", r.status, r.stderr);
    // scp over SFTP: the same answer, of which scp shows only the status code's text.
    let r = run_for(&mut rig.sshd.scp(rig.user(), &file, false), COMMAND_TIMEOUT);
    assert_ne!(r.status, 0, "{r:?}");
    assert!(r.stderr.contains("Operation unsupported"), "{r:?}");
    println!("scp: exit {}, stderr {:?}", r.status, r.stderr);
    // No forwarding: stdio (-W, a direct-tcpip channel) and remote (-R).
    let port = rig.sshd.port.to_string();
    let r = run_for(
        &mut rig
            .sshd
            .ssh(rig.user(), &["-W", &format!("127.0.0.1:{port}")]),
        COMMAND_TIMEOUT,
    );
    assert_eq!(r.status, 255, "{r:?}");
    let r = run_for(
        rig.sshd
            .ssh(
                rig.user(),
                &[
                    "-o",
                    "ExitOnForwardFailure=yes",
                    "-R",
                    &format!("127.0.0.1:0:127.0.0.1:{port}"),
                ],
            )
            .arg("show version"),
        COMMAND_TIMEOUT,
    );
    assert_eq!(r.status, 255, "{r:?}");
    assert!(r.stderr.contains("remote port forwarding failed"), "{r:?}");
}

/// Lines the pager printed for the last `show configuration` on `screen` before its
/// more-prompt.
fn page_after_last_command(screen: &str) -> usize {
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| l.ends_with("> show configuration"))
        .unwrap_or_else(|| panic!("no command line in:\n{screen}"));
    let more = lines[start..]
        .iter()
        .position(|l| l.contains("---(more)---"))
        .unwrap_or_else(|| panic!("no more-prompt after the command in:\n{screen}"));
    more - 1
}

#[test]
fn interactive_over_ssh_and_a_killed_client_leaves_no_candidate() {
    let Some(rig) = Rig::start(
        "interactive_over_ssh_and_a_killed_client_leaves_no_candidate",
        "lsys-ssh-i",
    ) else {
        return;
    };
    let user = rig.user().to_string();
    // No command: sshd runs `-lsys` on a terminal.
    let t = Tmux::start(
        &format!("lsys-ssh-{}", std::process::id()),
        &rig.sshd.ssh_line(&user, &["-tt"]),
    );
    let oper = format!("{}>", prompt(&user));
    t.wait_for(&oper);
    assert!(
        rig.sshd.log().contains("Starting session: shell on pts/"),
        "{}",
        rig.sshd.log()
    );

    // `?` lists completions and keeps the line.
    t.text("show ");
    t.text("?");
    let s = t.wait_for("Possible completions:");
    assert!(
        s.contains("  configuration        Show current configuration"),
        "{s}"
    );
    t.wait("line kept", |_| {
        t.last_line().ends_with(&format!("{oper} show"))
    });
    t.keys(&["C-u"]);
    // TAB completes.
    t.text("sh");
    t.keys(&["Tab"]);
    t.wait("TAB completion", |_| {
        t.last_line().ends_with(&format!("{oper} show"))
    });
    t.keys(&["C-u"]);
    // The tenant's configuration is taller than the 24-line terminal: the pager stops; Ctrl-C
    // ends the output and the session goes on.
    t.text("show configuration");
    t.keys(&["Enter"]);
    t.wait_for("---(more)---");
    t.keys(&["C-c"]);
    t.wait("prompt after Ctrl-C", |_| {
        t.last_line().trim_end().ends_with(&oper)
    });
    // The window shrinks to 12 rows (SIGWINCH through sshd): the next page is 11 lines and
    // the more-prompt, the rows follow the window.
    t.resize(110, 12);
    t.text("show configuration");
    t.keys(&["Enter"]);
    t.wait("the pager's stop", |_| {
        t.last_line().contains("---(more)---")
    });
    assert_eq!(page_after_last_command(&t.history(100)), 11);
    t.keys(&["C-c"]);
    t.wait("prompt after Ctrl-C", |_| {
        t.last_line().trim_end().ends_with(&oper)
    });
    t.resize(110, 24);
    t.text("show version");
    t.keys(&["Enter"]);
    t.wait_for("Model: lsys");

    // A private candidate with a change, then the connection dies.
    t.text("configure private");
    t.keys(&["Enter"]);
    t.wait_for(&format!("{}#", prompt(&user)));
    t.text("set routing-options router-id 10.7.7.7");
    t.keys(&["Enter"]);
    t.text("show | compare");
    t.keys(&["Enter"]);
    t.wait_for("+    router-id 10.7.7.7;");
    // lsysd sees an SSH client on a terminal, in configuration mode.
    let editing = rig.sessions();
    assert!(
        editing.len() == 1
            && editing[0].contains(" pts/")
            && editing[0].contains(" ssh ")
            && editing[0].ends_with("configure"),
        "{editing:?}"
    );
    let ssh = t.pane_pid().expect("ssh runs in the pane");
    let _ = Command::new("kill")
        .args(["-KILL", &ssh.to_string()])
        .status();
    println!(
        "figure: ssh -tt client killed: {}",
        rig.wait_until_logged_out()
    );
    assert!(!t.alive() || t.pane_pid() != Some(ssh));
    rig.assert_no_candidate_left();
    let r = rig.ssh("show configuration routing-options");
    assert!(!r.stdout.contains("10.7.7.7"), "{r:?}");
}

#[test]
fn a_dropped_session_without_terminal_releases_its_exclusive_lock() {
    let Some(rig) = Rig::start(
        "a_dropped_session_without_terminal_releases_its_exclusive_lock",
        "lsys-ssh-d",
    ) else {
        return;
    };
    // `ssh host` with commands on standard input: the login shell reads them as a batch.
    let mut client = rig
        .sshd
        .ssh(rig.user(), &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ssh starts");
    let out = Arc::new(Mutex::new(String::new()));
    let reader = {
        let out = out.clone();
        let stdout = client.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut o) = out.lock() {
                    o.push_str(&line);
                    o.push('\n');
                }
            }
        })
    };
    let mut input = client.stdin.take().expect("stdin");
    input
        .write_all(b"configure exclusive\nset routing-options router-id 10.8.8.8\nshow | compare\n")
        .expect("write commands");
    input.flush().expect("flush");
    let start = Instant::now();
    while !out
        .lock()
        .map(|o| o.contains("+    router-id 10.8.8.8;"))
        .unwrap_or(false)
    {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no compare output: {:?}\nsshd log:\n{}",
            out.lock().map(|o| o.clone()),
            rig.sshd.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The lock is held: another session cannot take it.
    let r = rig.ssh("configure exclusive");
    assert_eq!(r.status, 1, "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("configuration database locked by: {}", rig.user())),
        "{r:?}"
    );
    // The client dies with the session's input still open.
    let _ = client.kill();
    let _ = client.wait();
    drop(input);
    let _ = reader.join();
    println!(
        "figure: ssh client without terminal killed: {}",
        rig.wait_until_logged_out()
    );
    rig.assert_no_candidate_left();
    let r = rig.ssh("show configuration routing-options");
    assert!(!r.stdout.contains("10.8.8.8"), "{r:?}");
}

/// Removes accounts and their key files (then the keys directory and the group, if they were
/// not there before) however the test ends.
struct RemoveAccounts {
    names: &'static [&'static str],
    made: Option<(sshd::KeysDir, sshd::Group)>,
}

impl Drop for RemoveAccounts {
    fn drop(&mut self) {
        for name in self.names {
            let _ = std::fs::remove_file(sshd::keys_dir().join(name));
            sshd::remove_account(name);
        }
        self.made.take();
    }
}

#[test]
fn an_account_made_by_commit_logs_in_until_a_commit_deletes_it() {
    const USER: &str = "lsys-ssh-m";
    if !sshd::available("an_account_made_by_commit_logs_in_until_a_commit_deletes_it") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Dropped last: after lsysd and sshd are gone.
    // lsysd makes the group with the first account.
    let _cleanup = RemoveAccounts {
        names: &[USER, OTHER],
        made: Some((sshd::KeysDir::make(), sshd::Group::note(false))),
    };
    for name in [USER, OTHER] {
        sshd::remove_account(name);
    }
    let keys = sshd::keys_dir();
    let lab = Lab::start_with(LabOptions {
        args: vec![
            "--manage-accounts".into(),
            "--login-shell".into(),
            bin("lsys").display().to_string(),
            "--keys-dir".into(),
            keys.display().to_string(),
        ],
        ..Default::default()
    });
    // Managed accounts have no password unless configured: locked (`!`), which sshd refuses
    // without PAM even with a key. With PAM, as Debian runs sshd, the key is enough.
    let sshd = Sshd::start(&lab.socket, true);
    lab.load(&two_tenants(USER, OTHER));
    let r = lab.operator(&format!(
        "configure; set system login user {USER} authentication ssh-ed25519 \"{}\"; commit",
        sshd.public_key()
    ));
    assert!(r.ok(), "{r:?}");
    // The account as the drop-in expects it: in lsys-users, lsys its shell, the key in place.
    let passwd = run_for(
        Command::new("getent").args(["passwd", USER]),
        COMMAND_TIMEOUT,
    );
    assert!(passwd.ok(), "the commit made the account: {passwd:?}");
    let fields: Vec<&str> = passwd.stdout.trim().split(':').collect();
    assert!(fields[4].starts_with("lsys-managed"), "{fields:?}");
    assert_eq!(fields[6], bin("lsys").display().to_string(), "{fields:?}");
    let groups = run_for(Command::new("id").args(["-Gn", USER]), COMMAND_TIMEOUT);
    assert!(
        groups.stdout.split_whitespace().any(|g| g == sshd::GROUP),
        "{groups:?}"
    );
    assert_eq!(
        std::fs::read_to_string(keys.join(USER)).unwrap_or_default(),
        format!("{}\n", sshd.public_key())
    );
    let r = run_for(
        sshd.ssh(USER, &[]).arg("show configuration"),
        COMMAND_TIMEOUT,
    );
    assert_eq!(r.status, 0, "{r:?}\nsshd log:\n{}", sshd.log());
    assert!(r.stdout.contains("routing-instances {"), "{r:?}");
    assert!(!r.stdout.contains("secret-l3-instance"), "{r:?}");
    if !r.stderr.is_empty() {
        println!(
            "note: the managed account's session said on stderr: {:?}",
            r.stderr
        );
    }

    // Deleted by a commit: no account, no key file, and ssh is refused.
    let r = lab.operator(&format!(
        "configure; delete system login user {USER}; commit"
    ));
    assert!(r.ok(), "{r:?}");
    assert_eq!(sshd::uid_of(USER), None, "the commit removed the account");
    assert!(!keys.join(USER).exists(), "the commit removed the key file");
    let r = run_for(sshd.ssh(USER, &[]).arg("show version"), COMMAND_TIMEOUT);
    assert_eq!(r.status, 255, "{r:?}");
    assert!(r.stderr.contains("Permission denied"), "{r:?}");
    assert!(
        sshd.log()
            .contains(&format!("Invalid user {USER} from 127.0.0.1")),
        "{}",
        sshd.log()
    );
}
