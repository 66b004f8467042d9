//! A terminal for tests: tmux runs a command in a detached session of a fixed size; keys go in
//! with send-keys, the screen comes back with capture-pane. Every wait is bounded; the session
//! is killed on drop.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a wait for the screen lasts before the test fails.
const WAIT: Duration = Duration::from_secs(15);

/// A tmux session running one command, 110 columns by 24 rows, `TERM=xterm`.
pub struct Tmux {
    name: String,
}

impl Tmux {
    /// Starts `cmd` (run by `sh -c`; begin it with `exec` so that the pane's process is the
    /// command itself) in a new session `name`, replacing one left over by an earlier run.
    pub fn start(name: &str, cmd: &str) -> Tmux {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", name])
            .stderr(Stdio::null())
            .status();
        let st = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "110",
                "-y",
                "24",
                cmd,
            ])
            .env("TERM", "xterm")
            .status()
            .expect("tmux runs (apt-get install tmux)");
        assert!(st.success(), "tmux new-session failed");
        Tmux {
            name: name.to_string(),
        }
    }

    /// Sends keys by tmux name (`Enter`, `Tab`, `C-c`).
    pub fn keys(&self, keys: &[&str]) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(st.success());
    }

    /// Types text literally.
    pub fn text(&self, text: &str) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .expect("tmux send-keys");
        assert!(st.success());
    }

    /// The visible screen (tmux trims trailing blanks).
    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with up to `lines` lines of scrollback above it.
    pub fn history(&self, lines: usize) -> String {
        let out = Command::new("tmux")
            .args([
                "capture-pane",
                "-p",
                "-S",
                &format!("-{lines}"),
                "-t",
                &self.name,
            ])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Resizes the window, as a user dragging it does: the terminal's program gets SIGWINCH
    /// (over ssh, the client's window-change request first).
    pub fn resize(&self, cols: u16, rows: u16) {
        let st = Command::new("tmux")
            .args(["resize-window", "-t", &self.name])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string()])
            .status()
            .expect("tmux resize-window");
        assert!(st.success(), "tmux resize-window failed");
    }

    /// Waits until the screen satisfies `pred`; returns that screen.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(start.elapsed() < WAIT, "waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `text` is on the screen.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text))
    }

    /// The last non-empty line of the screen.
    pub fn last_line(&self) -> String {
        self.screen()
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .to_string()
    }

    /// The process id of the pane's command, while it runs.
    pub fn pane_pid(&self) -> Option<u32> {
        let out = Command::new("tmux")
            .args(["list-panes", "-t", &self.name, "-F", "#{pane_pid}"])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    /// The session still exists (its command has not exited).
    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.name])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .stderr(Stdio::null())
            .status();
    }
}
