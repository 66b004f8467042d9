//! What automation clients (netmiko's `juniper_junos`, backup tools, Ansible) rely on, against
//! a real lsysd with the seed configuration:
//!
//! - netmiko's session preparation (`set cli screen-width 511`, `set cli complete-on-space
//!   off`, `set cli screen-length 0`, each waiting for Junos's confirmation) on a terminal;
//! - the configuration pipes backup tools send (`| display omit`, `| no-more`,
//!   `| display set | no-more`);
//! - no control sequence (no ESC byte) in the prompt or any output when TERM is `dumb` or
//!   unset, pager included, nor ever in batch mode;
//! - `set cli` settings applied by the shell: timestamp lines, wrapping at the screen width.
//!
//! The terminal is a pseudo-terminal opened here (lsys sees a tty on its standard input and
//! output); everything lsys writes to it is kept byte for byte.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lsys_tests::{bin, Lab};

const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");

/// lsys on a pseudo-terminal.
struct Pty {
    master: std::fs::File,
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Starts `lsys` on a new 100x24 pty, with `TERM` as given (`None`: unset).
    fn start(lab: &Lab, term: Option<&str>) -> Pty {
        let size = nix::pty::Winsize {
            ws_row: 24,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = nix::pty::openpty(Some(&size), None).expect("openpty");
        let mut cmd = Command::new(bin("lsys"));
        cmd.arg("--socket")
            .arg(&lab.socket)
            .stdin(Stdio::from(pty.slave.try_clone().unwrap()))
            .stdout(Stdio::from(pty.slave.try_clone().unwrap()))
            .stderr(Stdio::from(pty.slave))
            .env_remove("SSH_CONNECTION");
        match term {
            Some(t) => cmd.env("TERM", t),
            None => cmd.env_remove("TERM"),
        };
        let child = cmd.spawn().expect("lsys starts");
        // The slave's last copies go with the command: the master reads EOF when lsys exits.
        drop(cmd);
        let master = std::fs::File::from(pty.master);
        let out = Arc::new(Mutex::new(Vec::new()));
        let (mut reader, sink) = (master.try_clone().unwrap(), out.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty { master, child, out }
    }

    fn bytes(&self) -> Vec<u8> {
        self.out.lock().unwrap().clone()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Types `keys`.
    fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
    }

    /// Waits until the output after byte `from` contains `what`; returns the output's length.
    fn wait(&self, from: usize, what: &str) -> usize {
        let start = Instant::now();
        loop {
            let bytes = self.bytes();
            let seen = String::from_utf8_lossy(&bytes[from.min(bytes.len())..]).into_owned();
            if let Some(at) = seen.find(what) {
                return from + at + what.len();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waiting for {what:?}; lsys wrote:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types a command line and waits for the prompt after its output.
    fn command(&mut self, line: &str, prompt: &str) -> String {
        let from = self.bytes().len();
        self.send(&format!("{line}\n"));
        let end = self.wait(from, &format!("\n{prompt}"));
        String::from_utf8_lossy(&self.bytes()[from..end]).into_owned()
    }

    /// Waits for lsys to exit; its status.
    fn exit_status(&mut self) -> Option<i32> {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "lsys did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lab() -> Lab {
    let lab = Lab::start();
    lab.load(SEED);
    lab
}

const PROMPT: &str = "root@nxp-fra-01> ";

/// The byte offset and surroundings of the first ESC in `bytes`, if any.
fn first_escape(bytes: &[u8]) -> Option<String> {
    let at = bytes.iter().position(|&b| b == 0x1b)?;
    let around = &bytes[at.saturating_sub(60)..(at + 20).min(bytes.len())];
    Some(format!(
        "ESC at byte {at}: {:?}",
        String::from_utf8_lossy(around)
    ))
}

/// netmiko juniper_junos's session preparation (JuniperBase.session_preparation): each command
/// and the confirmation it waits for.
const NETMIKO_PREPARATION: [(&str, &str); 3] = [
    ("set cli screen-width 511", "Screen width set to 511"),
    (
        "set cli complete-on-space off",
        "Disabling complete-on-space",
    ),
    ("set cli screen-length 0", "Screen length set to 0"),
];

/// netmiko's session preparation and a backup tool's commands on a terminal without ANSI:
/// every confirmation netmiko waits for arrives, and not one ESC byte is written.
#[test]
fn plain_terminals_get_no_control_sequences() {
    let lab = lab();
    for term in [Some("dumb"), None] {
        let mut t = Pty::start(&lab, term);
        t.wait(0, PROMPT);
        for (cmd, confirmation) in NETMIKO_PREPARATION {
            let out = t.command(cmd, PROMPT);
            assert!(out.contains(confirmation), "{term:?} {cmd}: {out}");
        }
        let out = t.command("show version", PROMPT);
        assert!(out.contains("Junos: lsys-"), "{out}");
        let out = t.command("show configuration | display set | no-more", PROMPT);
        assert!(out.contains("\nset system host-name nxp-fra-01"), "{out}");
        let out = t.command("show configuration | display omit", PROMPT);
        assert!(out.contains("host-name nxp-fra-01;"), "{out}");
        // `?` cannot act as it is typed here: a line ending in it asks for help.
        let out = t.command("show ?", PROMPT);
        assert!(out.contains("Possible completions:"), "{out}");
        assert!(out.contains("configuration"), "{out}");
        // The pager (screen-length 0 turned it off; 5 turns it on again), answered with q.
        t.command("set cli screen-length 5", PROMPT);
        let from = t.bytes().len();
        t.send("show configuration\n");
        t.wait(from, "---(more)---");
        t.send("q");
        t.wait(from, PROMPT);
        // Configuration mode's banner and prompt.
        let out = t.command("configure", "root@nxp-fra-01# ");
        assert!(out.contains("[edit]"), "{out}");
        t.command("exit", PROMPT);
        t.send("exit\n");
        assert_eq!(t.exit_status(), Some(0));
        let bytes = t.bytes();
        if let Some(e) = first_escape(&bytes) {
            panic!("TERM={term:?}: {e}\nall output:\n{}", t.text());
        }
    }
}

/// On a terminal that speaks ANSI (netmiko's paramiko asks for `vt100`) the preparation works
/// all the same, space completes a keyword once `complete-on-space` is on, and typed lines
/// write no ESC byte either.
#[test]
fn netmiko_preparation_on_an_ansi_terminal() {
    let lab = lab();
    let mut t = Pty::start(&lab, Some("vt100"));
    t.wait(0, PROMPT);
    for (cmd, confirmation) in NETMIKO_PREPARATION {
        let from = t.bytes().len();
        t.send(&format!("{cmd}\n"));
        t.wait(from, confirmation);
        t.wait(from, PROMPT);
    }
    let from = t.bytes().len();
    t.send("set cli complete-on-space on\n");
    t.wait(from, "Enabling complete-on-space");
    t.wait(from, PROMPT);
    // `sh` + space becomes `show `: the completion is echoed after what was typed, as Junos
    // does, the line not drawn again (shell/src/echo.rs).
    let from = t.bytes().len();
    t.send("sh ver\n");
    t.wait(from, "Junos: lsys-");
    let typed = String::from_utf8_lossy(&t.bytes()[from..]).into_owned();
    assert!(typed.starts_with("show ver\r\n"), "{typed:?}");
    t.send("exit\n");
    assert_eq!(t.exit_status(), Some(0));
    // Prompts and echo are plain text on an ANSI terminal too: scripts read them.
    if let Some(e) = first_escape(&t.bytes()) {
        panic!("vt100: {e}\nall output:\n{}", t.text());
    }
}

/// Batch mode: the same commands, never an ESC byte; timestamp lines and wrapping as set.
#[test]
fn batches_get_no_control_sequences_and_apply_cli_settings() {
    let lab = lab();
    let r = lab.operator(
        "show version; show configuration | display omit; show configuration | no-more; \
         show configuration | display set | no-more; \
         show configuration | display omit | except SECRET-DATA | display set | no-more",
    );
    assert!(r.ok(), "{r:?}");
    assert!(first_escape(r.stdout.as_bytes()).is_none());
    assert!(first_escape(r.stderr.as_bytes()).is_none());
    let full = lab.operator("show configuration").stdout;
    let omit = lab.operator("show configuration | display omit").stdout;
    assert_eq!(omit, full, "display omit: lsys has no apply-flags omit");
    assert_eq!(
        lab.operator("show configuration | no-more").stdout,
        full,
        "no-more changes nothing in a batch"
    );
    let set = lab
        .operator("show configuration | display set | no-more")
        .stdout;
    assert_eq!(set, lab.operator("show configuration | display set").stdout);
    assert!(set
        .lines()
        .all(|l| l.starts_with("set ") || l.starts_with("deactivate ")));
    let backup = lab
        .operator("show configuration | display omit | except SECRET-DATA | display set | no-more")
        .stdout;
    assert!(
        !backup.is_empty() && !backup.contains("SECRET-DATA"),
        "{backup}"
    );

    // set cli timestamp: the time before every command's output, outside its pipes.
    let r = lab.operator("set cli timestamp; show version | match Hostname; show version | count");
    assert!(r.ok(), "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    let stamp = |l: &str| {
        let b = l.as_bytes();
        l.len() == 15
            && b[..3].iter().all(u8::is_ascii_alphabetic)
            && b[3] == b' '
            && b[6] == b' '
            && b[9] == b':'
            && b[12] == b':'
    };
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert!(stamp(lines[0]), "{lines:?}");
    assert_eq!(lines[1], "CLI timestamp set to: %b %d %T");
    assert!(
        stamp(lines[2]) && lines[3] == "Hostname: nxp-fra-01",
        "{lines:?}"
    );
    assert!(stamp(lines[4]) && lines[5] == "Count: 3 lines", "{lines:?}");

    // set cli screen-width: lines wrap at that width.
    let r = lab.operator("set cli screen-width 40; show configuration | display set");
    assert!(r.ok(), "{r:?}");
    let wrapped: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert!(
        wrapped.iter().all(|l| l.chars().count() <= 40),
        "{wrapped:?}"
    );
    assert_eq!(
        wrapped.concat(),
        set.lines().collect::<String>(),
        "wrapping cuts lines, it loses nothing"
    );
}
