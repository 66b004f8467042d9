//! Line input on an ANSI terminal the way Junos does it: the prompt is written as it is and
//! typed characters are echoed as they come, with no escape sequence around them (no clearing
//! of the line, no cursor positioning), Backspace as `\b \b`. Rustyline draws every prompt as
//! `\r ESC[K prompt \r ESC[nC`, which scripts that drive the CLI on a pseudo-terminal read as
//! part of the prompt: netmiko's `juniper_junos` (a `vt100` terminal) took `ESC[K` into its
//! base prompt and then failed to find the prompt after a command's output
//! (tests/tests/netmiko.rs).
//!
//! This is the first stage of every line read on an ANSI terminal (editor.rs): typing at the
//! end of the line, Backspace, Ctrl-U, Ctrl-W, history (Up/Down, Ctrl-P/N), Ctrl-L, Enter,
//! Ctrl-C and Ctrl-D, and `?`, TAB and space (complete-on-space) through [`Keys`], the same
//! handlers as rustyline's bindings (interactive.rs). A line longer than the terminal wraps as
//! the terminal wraps it; editing it again redraws it from its first row. A key that moves the
//! cursor back into the line (Left, Home, Ctrl-A/B) hands the line to rustyline, which redraws
//! it and edits on with the cursor moved; another editing key rustyline has (Ctrl-R, Ctrl-T,
//! Ctrl-Y, Alt-...) hands it over too, and the key is then to be typed again.
//!
//! Bytes are read one at a time from standard input: nothing typed ahead (a pasted block, a
//! script's next command) is swallowed between lines.

use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::termios::{
    self, ControlFlags, InputFlags, LocalFlags, SetArg, SpecialCharacterIndices,
};
use rustyline::error::ReadlineError;

/// What `?`, TAB or space typed at the end of the line does.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// Insert this text (a completion).
    Insert(String),
    /// End the edit here; the caller lists the completions it stashed and edits the line again.
    Accept,
    /// Nothing.
    Ignore,
    /// The character itself (TAB: nothing).
    Literal,
}

/// The handlers of `?`, TAB and space.
pub trait Keys {
    /// `?` (`tab` false) or TAB typed after `line`.
    fn help(&self, line: &str, tab: bool) -> Key;
    /// Space typed after `line`.
    fn space(&self, line: &str) -> Key;
}

/// How a line read here ended.
#[derive(Debug, PartialEq)]
pub enum Ended {
    Line(String),
    /// Full line editing is needed: go on in rustyline with this text before and after the
    /// cursor. The cursor is on the row rustyline is to draw the prompt and line on: after the
    /// line when it fits on one row, else at the start of its first row, the rows cleared.
    Handover(String, String),
}

/// A key as read from the terminal.
#[derive(Debug, Clone, PartialEq)]
enum Input {
    Char(char),
    Enter,
    Backspace,
    Tab,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    Delete,
    /// Ctrl and a letter (or `@[\]^_`), as the letter in lower case.
    Ctrl(char),
    /// Alt and a key, or a modified cursor key: editing that rustyline has.
    Meta,
    /// A key that does nothing here (a lone ESC, a function key).
    Unknown,
    /// The terminal is gone.
    Closed,
}

/// Where bytes come from: `None` when `wait` (ms) passed without one, or at the end of input.
trait Source {
    fn byte(&mut self, wait: Option<u16>) -> io::Result<Option<u8>>;
}

/// How long the rest of an escape sequence or of a UTF-8 character may take to arrive.
const SEQUENCE_MS: u16 = 100;

fn decode(src: &mut dyn Source) -> io::Result<Input> {
    let Some(b) = src.byte(None)? else {
        return Ok(Input::Closed);
    };
    Ok(match b {
        b'\r' | b'\n' => Input::Enter,
        0x7f | 0x08 => Input::Backspace,
        b'\t' => Input::Tab,
        0x1b => escape(src)?,
        0x00..=0x1f => Input::Ctrl(char::from(b | 0x40).to_ascii_lowercase()),
        0x80..=0xff => utf8(b, src)?,
        _ => Input::Char(char::from(b)),
    })
}

/// After ESC: a CSI (`ESC [ params final`) or SS3 (`ESC O x`) cursor key, or Alt and a key.
fn escape(src: &mut dyn Source) -> io::Result<Input> {
    let Some(b) = src.byte(Some(SEQUENCE_MS))? else {
        return Ok(Input::Unknown);
    };
    match b {
        b'[' => {
            let mut params = String::new();
            for _ in 0..16 {
                let Some(c) = src.byte(Some(SEQUENCE_MS))? else {
                    return Ok(Input::Unknown);
                };
                if (0x40..=0x7e).contains(&c) {
                    return Ok(csi(&params, char::from(c)));
                }
                params.push(char::from(c));
            }
            Ok(Input::Unknown)
        }
        b'O' => Ok(match src.byte(Some(SEQUENCE_MS))? {
            Some(c) => csi("", char::from(c)),
            None => Input::Unknown,
        }),
        _ => Ok(Input::Meta),
    }
}

fn csi(params: &str, last: char) -> Input {
    match (params, last) {
        ("", 'A') => Input::Up,
        ("", 'B') => Input::Down,
        ("", 'C') => Input::Right,
        ("", 'D') => Input::Left,
        ("", 'H') | ("1" | "7", '~') => Input::Home,
        ("", 'F') | ("4" | "8", '~') => Input::End,
        ("3", '~') => Input::Delete,
        // Ctrl-Left, Alt-Right...: word motions.
        (_, 'A'..='D' | 'H' | 'F') => Input::Meta,
        _ => Input::Unknown,
    }
}

fn utf8(first: u8, src: &mut dyn Source) -> io::Result<Input> {
    let len = match first {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return Ok(Input::Unknown),
    };
    let mut bytes = vec![first];
    for _ in 1..len {
        match src.byte(Some(SEQUENCE_MS))? {
            Some(b) => bytes.push(b),
            None => return Ok(Input::Unknown),
        }
    }
    Ok(std::str::from_utf8(&bytes)
        .ok()
        .and_then(|s| s.chars().next())
        .map_or(Input::Unknown, Input::Char))
}

/// Columns a text takes (the rest of the shell counts characters too: render::width_to).
fn width(s: &str) -> usize {
    s.chars().count()
}

/// The line being typed and what the terminal shows of it.
struct Edit<'a> {
    prompt: &'a str,
    cols: usize,
    text: String,
    history: &'a [String],
    /// The history entry shown (Up/Down), and the line typed before the first Up.
    shown: Option<usize>,
    typed: String,
    /// What to write to the terminal.
    out: String,
}

/// What a key did.
enum Step {
    More,
    Done(Result<Ended, ReadlineError>),
}

impl<'a> Edit<'a> {
    fn new(prompt: &'a str, cols: usize, text: &str, history: &'a [String]) -> Edit<'a> {
        Edit {
            prompt,
            cols: cols.max(1),
            text: text.to_string(),
            history,
            shown: None,
            typed: String::new(),
            out: String::new(),
        }
    }

    /// Prompt and line fit on one row with the cursor after them: `\b` can erase.
    fn on_one_row(&self) -> bool {
        width(self.prompt) + width(&self.text) < self.cols
    }

    /// Replaces the line with `text`: on one row, what differs is erased with `\b \b` and the
    /// rest written; a line that wrapped is cleared from its first row and written again.
    fn redraw(&mut self, text: String) {
        if self.on_one_row() {
            let same = self
                .text
                .char_indices()
                .zip(text.chars())
                .find(|((_, a), b)| a != b)
                .map_or(self.text.len().min(text.len()), |((i, _), _)| i);
            let n = width(&self.text[same..]);
            self.out.push_str(&"\x08".repeat(n));
            self.out.push_str(&" ".repeat(n));
            self.out.push_str(&"\x08".repeat(n));
            self.out.push_str(&text[same..]);
        } else {
            self.unwrap();
            self.out.push_str(self.prompt);
            self.out.push_str(&text);
        }
        self.text = text;
    }

    /// The cursor to the start of the first row of a wrapped line, and the rows cleared.
    fn unwrap(&mut self) {
        let total = width(self.prompt) + width(&self.text);
        // After a character in the last column the cursor stays on that row.
        let up = total.saturating_sub(1) / self.cols;
        self.out.push('\r');
        if up > 0 {
            self.out.push_str(&format!("\x1b[{up}A"));
        }
        self.out.push_str("\x1b[J");
    }

    fn insert(&mut self, s: &str) {
        self.out.push_str(s);
        self.text.push_str(s);
    }

    /// Rustyline takes the line over, the cursor `back` characters from its end.
    fn handover(&mut self, back: usize) -> Step {
        // Rustyline clears the row the cursor is on and draws the prompt and line from there.
        if !self.on_one_row() {
            self.unwrap();
        }
        let at = match back {
            0 => self.text.len(),
            n => self
                .text
                .char_indices()
                .rev()
                .nth(n - 1)
                .map_or(0, |(i, _)| i),
        };
        Step::Done(Ok(Ended::Handover(
            self.text[..at].to_string(),
            self.text[at..].to_string(),
        )))
    }

    fn key(&mut self, key: Key, c: Option<char>) -> Step {
        match key {
            Key::Insert(t) => self.insert(&t),
            Key::Accept => return self.enter(),
            Key::Ignore => {}
            Key::Literal => {
                if let Some(c) = c {
                    self.insert(c.encode_utf8(&mut [0; 4]));
                }
            }
        }
        Step::More
    }

    fn enter(&mut self) -> Step {
        self.out.push('\n');
        Step::Done(Ok(Ended::Line(std::mem::take(&mut self.text))))
    }

    fn history(&mut self, up: bool) -> Step {
        let len = self.history.len();
        let next = match (self.shown, up) {
            (None, true) if len > 0 => Some(len - 1),
            (Some(i), true) if i > 0 => Some(i - 1),
            (Some(i), false) if i + 1 < len => Some(i + 1),
            (Some(_), false) => None,
            _ => return Step::More,
        };
        if self.shown.is_none() {
            self.typed = self.text.clone();
        }
        self.shown = next;
        let text = match next {
            Some(i) => self.history[i].clone(),
            None => std::mem::take(&mut self.typed),
        };
        self.redraw(text);
        Step::More
    }

    fn step(&mut self, input: Input, keys: Option<&dyn Keys>) -> Step {
        match input {
            Input::Enter => return self.enter(),
            Input::Char('?') => match keys {
                Some(k) => return self.key(k.help(&self.text, false), Some('?')),
                None => self.insert("?"),
            },
            Input::Char(' ') => match keys {
                Some(k) => return self.key(k.space(&self.text), Some(' ')),
                None => self.insert(" "),
            },
            Input::Char(c) if !c.is_control() => self.insert(c.encode_utf8(&mut [0; 4])),
            Input::Tab => {
                if let Some(k) = keys {
                    return self.key(k.help(&self.text, true), None);
                }
            }
            Input::Backspace if !self.text.is_empty() => {
                let mut text = self.text.clone();
                text.pop();
                self.redraw(text);
            }
            Input::Ctrl('u') => self.redraw(String::new()),
            Input::Ctrl('w') => {
                let kept = self
                    .text
                    .trim_end()
                    .trim_end_matches(|c: char| !c.is_whitespace());
                let kept = kept.to_string();
                self.redraw(kept);
            }
            Input::Up | Input::Ctrl('p') => return self.history(true),
            Input::Down | Input::Ctrl('n') => return self.history(false),
            Input::Ctrl('l') => {
                self.out.push_str("\x1b[H\x1b[2J");
                self.out.push_str(self.prompt);
                self.out.push_str(&self.text);
            }
            Input::Ctrl('c') | Input::Ctrl('\\') => {
                self.out.push('\n');
                return Step::Done(Err(ReadlineError::Interrupted));
            }
            Input::Ctrl('d') if self.text.is_empty() => {
                self.out.push('\n');
                return Step::Done(Err(ReadlineError::Eof));
            }
            Input::Closed => return Step::Done(Err(ReadlineError::Eof)),
            Input::Left | Input::Ctrl('b') if !self.text.is_empty() => return self.handover(1),
            Input::Home | Input::Ctrl('a') if !self.text.is_empty() => {
                return self.handover(width(&self.text))
            }
            // At the end of the line: nothing to move over or delete. Ctrl-Z, Ctrl-S/Q and
            // Ctrl-G do nothing either.
            Input::Backspace
            | Input::Left
            | Input::Home
            | Input::Right
            | Input::End
            | Input::Delete
            | Input::Unknown
            | Input::Char(_)
            | Input::Ctrl('a' | 'b' | 'd' | 'e' | 'f' | 'k' | 'z' | 's' | 'q' | 'g' | '@') => {}
            Input::Meta | Input::Ctrl(_) => return self.handover(0),
        }
        Step::More
    }
}

/// Standard input, one byte per read.
struct Stdin;

impl Source for Stdin {
    fn byte(&mut self, wait: Option<u16>) -> io::Result<Option<u8>> {
        let stdin = io::stdin();
        if let Some(ms) = wait {
            let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
            loop {
                match nix::poll::poll(&mut fds, PollTimeout::from(ms)) {
                    Ok(0) => return Ok(None),
                    Ok(_) => break,
                    Err(Errno::EINTR) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let mut b = [0u8; 1];
        loop {
            match nix::unistd::read(stdin.as_raw_fd(), &mut b) {
                Ok(0) => return Ok(None),
                Ok(_) => return Ok(Some(b[0])),
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// The terminal as it was, put back on drop.
struct Raw(termios::Termios);

impl Raw {
    /// Raw input as rustyline sets it: no echo, no line editing, no signals from keys (Ctrl-C
    /// is read as a key), CR not turned into NL; output processing kept (`\n` is `\r\n`).
    fn enter() -> nix::Result<Raw> {
        let stdin = io::stdin();
        let saved = termios::tcgetattr(&stdin)?;
        let mut raw = saved.clone();
        raw.input_flags &= !(InputFlags::BRKINT
            | InputFlags::ICRNL
            | InputFlags::INPCK
            | InputFlags::ISTRIP
            | InputFlags::IXON);
        raw.control_flags |= ControlFlags::CS8;
        raw.local_flags &=
            !(LocalFlags::ECHO | LocalFlags::ICANON | LocalFlags::IEXTEN | LocalFlags::ISIG);
        raw.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        raw.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        termios::tcsetattr(&stdin, SetArg::TCSADRAIN, &raw)?;
        Ok(Raw(saved))
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(io::stdin(), SetArg::TCSADRAIN, &self.0);
    }
}

fn columns() -> usize {
    terminal_size::terminal_size()
        .map(|(w, _)| w.0 as usize)
        .filter(|&w| w > 0)
        .unwrap_or(80)
}

/// Reads a line after `prompt`, starting from `initial` (text before and after the cursor);
/// `history` oldest first. A cursor not at the end of `initial` hands over at once.
pub fn read(
    prompt: &str,
    initial: (&str, &str),
    keys: Option<&dyn Keys>,
    history: &[String],
) -> Result<Ended, ReadlineError> {
    if !initial.1.is_empty() {
        return Ok(Ended::Handover(initial.0.into(), initial.1.into()));
    }
    let mut stdout = io::stdout();
    // The terminal settings could not be changed: rustyline reports why, if it cannot either.
    let Ok(_raw) = Raw::enter() else {
        return Ok(Ended::Handover(initial.0.into(), String::new()));
    };
    let mut edit = Edit::new(prompt, columns(), initial.0, history);
    write!(stdout, "{prompt}{}", initial.0)?;
    stdout.flush()?;
    loop {
        let input = decode(&mut Stdin)?;
        edit.cols = columns();
        let step = edit.step(input, keys);
        stdout.write_all(edit.out.as_bytes())?;
        stdout.flush()?;
        edit.out.clear();
        if let Step::Done(result) = step {
            return result;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bytes(std::collections::VecDeque<u8>);

    impl Source for Bytes {
        fn byte(&mut self, _: Option<u16>) -> io::Result<Option<u8>> {
            Ok(self.0.pop_front())
        }
    }

    /// `?` lists (the caller's business), TAB completes `sh` to `show `, space completes only
    /// with complete-on-space, which these keys have on for `ver`.
    struct Fake;

    impl Keys for Fake {
        fn help(&self, line: &str, tab: bool) -> Key {
            match (line, tab) {
                ("sh", true) => Key::Insert("ow ".into()),
                (_, true) => Key::Ignore,
                (l, false) if l.ends_with('"') => Key::Literal,
                _ => Key::Accept,
            }
        }
        fn space(&self, line: &str) -> Key {
            if line.ends_with("ver") {
                Key::Insert("sion ".into())
            } else {
                Key::Literal
            }
        }
    }

    /// Types `keys` with the prompt `p> ` on a terminal `cols` wide; what was written and how
    /// the line ended.
    fn typed(keys: &str, cols: usize, history: &[String]) -> (String, Result<Ended, String>) {
        let mut src = Bytes(keys.bytes().collect());
        let mut edit = Edit::new("p> ", cols, "", history);
        let mut out = String::new();
        loop {
            let input = decode(&mut src).unwrap();
            let step = edit.step(input, Some(&Fake));
            out.push_str(&edit.out);
            edit.out.clear();
            if let Step::Done(r) = step {
                return (out, r.map_err(|e| e.to_string()));
            }
        }
    }

    fn line(s: &str) -> Result<Ended, String> {
        Ok(Ended::Line(s.into()))
    }

    #[test]
    fn typed_text_is_echoed_plainly() {
        let (out, r) = typed("show version\r", 80, &[]);
        assert_eq!(out, "show version\n");
        assert_eq!(r, line("show version"));
        // A script's newline ends the line too; what follows it stays unread.
        let mut src = Bytes("set cli screen-length 0\nshow\n".bytes().collect());
        let mut edit = Edit::new("p> ", 511, "", &[]);
        let r = loop {
            if let Step::Done(r) = edit.step(decode(&mut src).unwrap(), None) {
                break r;
            }
        };
        assert_eq!(r.unwrap(), Ended::Line("set cli screen-length 0".into()));
        assert_eq!(src.0.len(), "show\n".len());
    }

    #[test]
    fn backspace_ctrl_u_and_ctrl_w_erase_with_blanks() {
        let (out, r) = typed("shox\x7fw\r", 80, &[]);
        assert_eq!(out, "shox\x08 \x08w\n");
        assert_eq!(r, line("show"));
        let (out, r) = typed("show route\x17ver\r", 80, &[]);
        assert_eq!(
            out,
            "show route\x08\x08\x08\x08\x08     \x08\x08\x08\x08\x08ver\n"
        );
        assert_eq!(r, line("show ver"));
        let (out, r) = typed("ab\x15c\r", 80, &[]);
        assert_eq!(out, "ab\x08\x08  \x08\x08c\n");
        assert_eq!(r, line("c"));
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn question_mark_tab_and_space_go_to_the_handlers() {
        // `?` ends the edit for the caller's listing; the `?` is not inserted.
        let (out, r) = typed("show ?", 80, &[]);
        assert_eq!((out.as_str(), r), ("show \n", line("show ")));
        // Inside quotes (here: after one) it is a character.
        let (_, r) = typed("set description \"?\r", 80, &[]);
        assert_eq!(r, line("set description \"?"));
        let (out, r) = typed("sh\tver \r", 80, &[]);
        assert_eq!(out, "show version \n");
        assert_eq!(r, line("show version "));
        let (_, r) = typed("x\ty\r", 80, &[]);
        assert_eq!(r, line("xy"));
    }

    #[test]
    fn history_replaces_the_line_and_comes_back_to_what_was_typed() {
        let h = ["show version".to_string(), "show route".to_string()];
        let (out, r) = typed("ab\x1b[A\x1b[A\x1b[A\r", 80, &h);
        assert_eq!(r, line("show version"));
        assert!(out.starts_with("ab\x08\x08  \x08\x08show route"), "{out:?}");
        let (_, r) = typed("ab\x10\x0e\r", 80, &h);
        assert_eq!(r, line("ab"));
        let (_, r) = typed("\x1bOA\x1bOB\x1bOB\r", 80, &h);
        assert_eq!(r, line(""));
    }

    #[test]
    fn moving_back_into_the_line_hands_over_to_rustyline() {
        let (out, r) = typed("show\x1b[D", 80, &[]);
        assert_eq!(out, "show");
        assert_eq!(r, Ok(Ended::Handover("sho".into(), "w".into())));
        let (_, r) = typed("show\x01", 80, &[]);
        assert_eq!(r, Ok(Ended::Handover("".into(), "show".into())));
        let (_, r) = typed("show\x12", 80, &[]);
        assert_eq!(r, Ok(Ended::Handover("show".into(), "".into())));
        let (_, r) = typed("show\x1bb", 80, &[]);
        assert_eq!(r, Ok(Ended::Handover("show".into(), "".into())));
        // At the end of the line these move nothing.
        let (out, r) = typed("ab\x1b[C\x05\x1b[3~\x1b[F\r", 80, &[]);
        assert_eq!((out.as_str(), r), ("ab\n", line("ab")));
    }

    #[test]
    fn control_keys_end_the_line_as_rustyline_does() {
        let (_, r) = typed("abc\x03", 80, &[]);
        assert_eq!(r, Err(ReadlineError::Interrupted.to_string()));
        let (_, r) = typed("\x04", 80, &[]);
        assert_eq!(r, Err(ReadlineError::Eof.to_string()));
        let (_, r) = typed("a\x04\r", 80, &[]);
        assert_eq!(r, line("a"));
        let (_, r) = typed("a", 80, &[]);
        assert_eq!(r, Err(ReadlineError::Eof.to_string()));
    }

    #[test]
    fn a_wrapped_line_is_redrawn_from_its_first_row() {
        // `p> ` and 7 characters fill a 10-column row: the cursor stays on it.
        let (out, r) = typed("abcdefg\x7f\r", 10, &[]);
        assert_eq!(out, "abcdefg\r\x1b[Jp> abcdef\n");
        assert_eq!(r, line("abcdef"));
        // One more wraps: one row up.
        let (out, r) = typed("abcdefgh\x15\r", 10, &[]);
        assert_eq!(out, "abcdefgh\r\x1b[1A\x1b[Jp> \n");
        assert_eq!(r, line(""));
        let (out, r) = typed("abcdefgh\x01", 10, &[]);
        assert_eq!(out, "abcdefgh\r\x1b[1A\x1b[J");
        assert_eq!(r, Ok(Ended::Handover("".into(), "abcdefgh".into())));
    }

    #[test]
    fn utf8_characters_and_unknown_sequences() {
        let (out, r) = typed("d \u{e9}t\u{e9}\x7f\x1b[15~\r", 80, &[]);
        assert_eq!(out, "d \u{e9}t\u{e9}\x08 \x08\n");
        assert_eq!(r, line("d \u{e9}t"));
    }
}
