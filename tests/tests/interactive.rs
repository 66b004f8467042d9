//! The interactive shell in a real terminal: tmux runs `lsys` as a tenant user; keys go in with
//! send-keys, the screen comes back with capture-pane. Covers `?`, TAB, the `[edit ...]`
//! banner, a caret error, the pager and Ctrl-C during paged output; Ctrl-C stopping a ping
//! with its statistics printed after `^C`, as in the seed transcript.

use std::time::{Duration, Instant};

use lsys_tests::tmux::Tmux;
use lsys_tests::{bin, ensure_user, two_tenants, Lab};

const USER: &str = "lsys-t2";

#[test]
fn interactive_session_in_tmux() {
    ensure_user(USER);
    ensure_user("lsys-t3");
    let lab = Lab::start();
    lab.load(&two_tenants(USER, "lsys-t3"));
    let cmd = format!(
        "setpriv --reuid={USER} --regid={USER} --init-groups {} --socket {}",
        bin("lsys").display(),
        lab.socket.display()
    );
    let t = Tmux::start("lsys-e2e", &cmd);
    let prompt = format!("{USER}@nxp-fra-01:l2>"); // capture-pane trims trailing blanks
    t.wait_for(&prompt);

    // `?` lists completions and leaves the line as typed (no `?` inserted).
    t.text("show ");
    t.text("?");
    let s = t.wait_for("Possible completions:");
    assert!(
        s.contains("  route                Show routing table information"),
        "{s}"
    );
    assert!(
        s.contains("  configuration        Show current configuration"),
        "{s}"
    );
    assert!(
        t.last_line().ends_with(&format!("{prompt} show")),
        "line kept: {:?}",
        t.last_line()
    );
    t.keys(&["C-u"]);

    // TAB completes an unambiguous keyword.
    t.text("sh");
    t.keys(&["Tab"]);
    t.wait("TAB completion", |_| {
        t.last_line().ends_with(&format!("{prompt} show"))
    });
    t.keys(&["C-u"]);

    // Configuration mode: banner, `#` prompt, TAB on a configured name, `[edit ...]`.
    t.text("configure");
    t.keys(&["Enter"]);
    let s = t.wait_for(&format!("{USER}@nxp-fra-01:l2#"));
    assert!(s.contains("Entering configuration mode\n\n[edit]\n"), "{s}");
    t.text("edit routing-instances d8");
    t.keys(&["Tab"]);
    t.wait("instance name completed", |_| {
        t.last_line()
            .contains("d87ed303-8b9d-48a5-9f08-aa42b4b50cd8")
    });
    t.keys(&["Enter"]);
    t.wait_for("[edit routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8]");
    t.text("top");
    t.keys(&["Enter"]);

    // A caret under the failing word, counting the prompt.
    t.text("set routing-options bogus 1");
    t.keys(&["Enter"]);
    let s = t.wait_for("syntax error.");
    let lines: Vec<&str> = s.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains("syntax error."))
        .unwrap();
    let caret = lines[i - 1];
    let cmd_line = lines[i - 2];
    let col = cmd_line
        .find("bogus")
        .expect("the command line is above the caret");
    assert_eq!(caret.find('^'), Some(col), "caret under 'bogus':\n{s}");

    // The pager: `show` of the whole logical system is taller than the 24-line screen.
    t.keys(&["C-l"]);
    t.text("show");
    t.keys(&["Enter"]);
    t.wait_for("---(more)---");
    t.keys(&["Space"]);
    t.wait("next page", |s| {
        s.contains("bridge-domains") || s.contains("---(more)---")
    });
    // Ctrl-C during paged output returns to the prompt, and the shell lives on.
    t.keys(&["C-c"]);
    t.wait("prompt after Ctrl-C", |_| {
        t.last_line()
            .trim_end()
            .ends_with(&format!("{USER}@nxp-fra-01:l2#"))
    });
    t.text("show routing-options | no-more");
    t.keys(&["Enter"]);
    t.wait_for("autonomous-system 65000;");

    // Leaving: exit to operational mode, then the shell.
    t.text("exit");
    t.keys(&["Enter"]);
    t.wait_for("Exiting configuration mode");
    t.text("exit");
    t.keys(&["Enter"]);
    let start = Instant::now();
    while t.alive() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "shell did not exit:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_stops_ping_and_prints_its_statistics() {
    // The operator's master instance is the main table: loopback answers without a VRF.
    let lab = Lab::start();
    let cmd = format!(
        "{} --socket {}",
        bin("lsys").display(),
        lab.socket.display()
    );
    let t = Tmux::start("lsys-ping", &cmd);
    t.wait("prompt", |s| s.trim_end().ends_with('>'));
    t.text("ping 127.0.0.1 interval 0.2");
    t.keys(&["Enter"]);
    t.wait_for("icmp_seq=2 ");
    t.keys(&["C-c"]);
    let s = t.wait_for("round-trip min/avg/max/stddev = ");
    assert!(
        s.contains("PING 127.0.0.1 (127.0.0.1): 56 data bytes"),
        "{s}"
    );
    assert!(s.contains("--- 127.0.0.1 ping statistics ---"), "{s}");
    assert!(s.contains("packets received, 0% packet loss"), "{s}");
    // Back at the prompt, and the session goes on.
    t.wait("prompt after the statistics", |_| {
        t.last_line().trim_end().ends_with('>')
    });
    t.text("show version");
    t.keys(&["Enter"]);
    t.wait_for("Model: lsys");
}
