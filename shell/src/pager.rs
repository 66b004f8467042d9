//! The `---(more)---` pager: pages output to the terminal height (one line kept for the prompt),
//! reading one key in raw mode at each stop: space = next page, enter = next line, `q` or Ctrl-C
//! = stop. The size is read again at every line, so a resized window (SIGWINCH) is followed
//! without a signal handler. Plain ANSI only (`\r\x1b[K` erases the more-prompt), for plain
//! terminals, ssh, tmux and xterm.js alike; on a terminal without ANSI (TERM unset or `dumb`)
//! the more-prompt is overwritten with blanks instead, so no ESC byte is written.
//!
//! `set cli screen-length N` and `set cli screen-width N` stand in for the terminal's height and
//! width (a serial console reports no size); `screen-length 0` turns the pager off.

use std::io::{self, Write};
use std::os::fd::AsRawFd;

use nix::sys::termios::{self, SetArg};

use crate::session::Flow;

pub const MORE: &str = "---(more)---";

/// The terminal the pager talks to.
pub trait Terminal {
    /// (columns, rows), if known.
    fn size(&self) -> Option<(usize, usize)>;
    /// One key press, read in raw mode.
    fn key(&mut self) -> io::Result<u8>;
}

/// The process' own terminal (size of stdout, keys from stdin).
pub struct Tty;

impl Terminal for Tty {
    fn size(&self) -> Option<(usize, usize)> {
        terminal_size::terminal_size()
            .map(|(w, h)| (w.0 as usize, h.0 as usize))
            .filter(|&(w, h)| w > 0 && h > 0)
    }

    fn key(&mut self) -> io::Result<u8> {
        let stdin = io::stdin();
        let saved = termios::tcgetattr(&stdin).map_err(io::Error::from)?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(&stdin, SetArg::TCSANOW, &raw).map_err(io::Error::from)?;
        let mut buf = [0u8; 16];
        let n = loop {
            match nix::unistd::read(stdin.as_raw_fd(), &mut buf) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => break other,
            }
        };
        let _ = termios::tcsetattr(&stdin, SetArg::TCSANOW, &saved);
        match n {
            Ok(0) => Err(io::ErrorKind::UnexpectedEof.into()),
            // An escape sequence (arrow keys) arrives in one read: its first byte stands for it.
            Ok(_) => Ok(buf[0]),
            Err(e) => Err(e.into()),
        }
    }
}

/// Pages the output of one command.
pub struct Pager {
    enabled: bool,
    /// Rows written since the last stop.
    used: usize,
    /// `set cli screen-length` / `screen-width`, when set (they win over the terminal's size).
    rows: Option<usize>,
    cols: Option<usize>,
    /// No ANSI: erase the more-prompt with blanks.
    plain: bool,
}

impl Pager {
    pub fn new(enabled: bool) -> Pager {
        Pager {
            enabled,
            used: 0,
            rows: None,
            cols: None,
            plain: false,
        }
    }

    /// The page size `set cli` asked for: rows (0: no pager) and columns (0: the terminal's).
    pub fn sized(mut self, rows: Option<u32>, cols: Option<u32>) -> Pager {
        self.enabled &= rows != Some(0);
        self.rows = rows.map(|r| r as usize);
        self.cols = cols.filter(|&c| c > 0).map(|c| c as usize);
        self
    }

    /// For a terminal without ANSI sequences.
    pub fn plain(mut self, plain: bool) -> Pager {
        self.plain = plain;
        self
    }

    /// (columns, rows) of a page, if paging.
    fn size(&self, term: &dyn Terminal) -> Option<(usize, usize)> {
        if !self.enabled {
            return None;
        }
        let actual = term.size();
        let rows = self.rows.or(actual.map(|(_, r)| r))?;
        let cols = self.cols.or(actual.map(|(c, _)| c)).unwrap_or(80);
        Some((cols, rows))
    }

    /// Writes one line, stopping at `---(more)---` first when the page is full.
    pub fn line(&mut self, out: &mut dyn Write, term: &mut dyn Terminal, line: &str) -> Flow {
        if let Some((cols, rows)) = self.size(term) {
            let page = rows.saturating_sub(1).max(1);
            let height = line.chars().count().div_ceil(cols.max(1)).max(1);
            if self.used > 0 && self.used + height > page {
                match self.more(out, term) {
                    Some(Key::Page) => self.used = 0,
                    Some(Key::Line) => self.used = page.saturating_sub(height),
                    Some(Key::Quit) => return Flow::Stop,
                    None => self.enabled = false,
                }
            }
            self.used += height;
        }
        match writeln!(out, "{line}") {
            Ok(()) => Flow::More,
            Err(_) => Flow::Stop,
        }
    }

    /// Shows the more-prompt until a meaningful key; `None` when keys cannot be read.
    fn more(&mut self, out: &mut dyn Write, term: &mut dyn Terminal) -> Option<Key> {
        loop {
            let _ = write!(out, "{MORE}");
            let _ = out.flush();
            let key = term.key();
            if self.plain {
                let _ = write!(out, "\r{}\r", " ".repeat(MORE.len()));
            } else {
                let _ = write!(out, "\r\x1b[K");
            }
            let key = match key.ok()? {
                b' ' => Key::Page,
                b'\r' | b'\n' => Key::Line,
                b'q' | b'Q' | 0x03 => Key::Quit,
                _ => continue,
            };
            let _ = out.flush();
            return Some(key);
        }
    }
}

enum Key {
    Page,
    Line,
    Quit,
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        size: Option<(usize, usize)>,
        keys: Vec<u8>,
    }

    impl Terminal for Fake {
        fn size(&self) -> Option<(usize, usize)> {
            self.size
        }
        fn key(&mut self) -> io::Result<u8> {
            if self.keys.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            Ok(self.keys.remove(0))
        }
    }

    fn page(lines: usize, size: (usize, usize), keys: &[u8]) -> (String, Flow) {
        let mut p = Pager::new(true);
        let mut t = Fake {
            size: Some(size),
            keys: keys.to_vec(),
        };
        let mut out = Vec::new();
        let mut flow = Flow::More;
        for i in 1..=lines {
            flow = p.line(&mut out, &mut t, &format!("l{i}"));
            if flow == Flow::Stop {
                break;
            }
        }
        (String::from_utf8(out).unwrap(), flow)
    }

    const ERASE: &str = "---(more)---\r\x1b[K";

    #[test]
    fn space_pages_enter_lines_q_stops() {
        // 4 rows: 3 lines a page.
        let (out, flow) = page(8, (80, 4), b" \rq");
        assert_eq!(flow, Flow::Stop);
        assert_eq!(
            out,
            format!("l1\nl2\nl3\n{ERASE}l4\nl5\nl6\n{ERASE}l7\n{ERASE}")
        );
    }

    #[test]
    fn other_keys_ask_again_and_ctrl_c_stops() {
        let (out, flow) = page(5, (80, 3), b"x\x03");
        assert_eq!(flow, Flow::Stop);
        assert_eq!(out, format!("l1\nl2\n{ERASE}{ERASE}"));
    }

    #[test]
    fn long_lines_take_several_rows() {
        let mut p = Pager::new(true);
        let mut t = Fake {
            size: Some((10, 4)),
            keys: b" ".to_vec(),
        };
        let mut out = Vec::new();
        p.line(&mut out, &mut t, &"x".repeat(25)); // 3 rows: a full page
        p.line(&mut out, &mut t, "y");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{}\n{ERASE}y\n", "x".repeat(25))
        );
    }

    #[test]
    fn disabled_or_sizeless_never_stops() {
        let mut p = Pager::new(false);
        let mut t = Fake {
            size: Some((80, 2)),
            keys: vec![],
        };
        let mut out = Vec::new();
        for _ in 0..10 {
            assert_eq!(p.line(&mut out, &mut t, "z"), Flow::More);
        }
        // Keys that cannot be read turn the pager off instead of stopping.
        let (out, flow) = page(4, (80, 2), b"");
        assert_eq!(flow, Flow::More);
        assert_eq!(out, format!("l1\n{ERASE}l2\nl3\nl4\n"));
    }

    #[test]
    fn screen_length_and_width_replace_the_terminal_size() {
        let run = |pager: Pager, size: Option<(usize, usize)>, lines: &[&str]| {
            let mut p = pager;
            let mut t = Fake {
                size,
                keys: b"    ".to_vec(),
            };
            let mut out = Vec::new();
            for l in lines {
                p.line(&mut out, &mut t, l);
            }
            String::from_utf8(out).unwrap()
        };
        // A terminal with no size (a serial console): screen-length pages all the same.
        let out = run(
            Pager::new(true).sized(Some(3), None),
            None,
            &["a", "b", "c"],
        );
        assert_eq!(out, format!("a\nb\n{ERASE}c\n"));
        // screen-length 0: never.
        let out = run(
            Pager::new(true).sized(Some(0), None),
            Some((80, 2)),
            &["a", "b", "c"],
        );
        assert_eq!(out, "a\nb\nc\n");
        // screen-width: rows are counted at that width.
        let long = "x".repeat(30);
        let out = run(
            Pager::new(true).sized(None, Some(10)),
            Some((80, 4)),
            &[&long, "y"],
        );
        assert_eq!(out, format!("{long}\n{ERASE}y\n"));
    }

    #[test]
    fn a_plain_terminal_gets_no_escape_sequence() {
        let mut p = Pager::new(true).plain(true);
        let mut t = Fake {
            size: Some((80, 2)),
            keys: b" ".to_vec(),
        };
        let mut out = Vec::new();
        p.line(&mut out, &mut t, "a");
        p.line(&mut out, &mut t, "b");
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, format!("a\n{MORE}\r{}\rb\n", " ".repeat(MORE.len())));
        assert!(!out.contains('\x1b'));
    }
}
