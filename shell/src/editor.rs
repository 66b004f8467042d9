//! Line input of the interactive shell: rustyline on a terminal that speaks ANSI, and plain
//! line reading when it does not (TERM unset, empty or `dumb`: a serial console, Emacs, a
//! script driving a pty). A plain terminal edits the line itself (the kernel's echo, erase and
//! kill) and gets nothing from lsys but the prompt: no ESC byte, no cursor movement. There
//! `?` and TAB cannot act as they are typed; a line ending in `?` lists the completions of
//! what comes before it instead (interactive.rs). On an ANSI terminal each line starts in
//! echo.rs, which writes the prompt and typed text without escape sequences, as Junos does
//! (scripts such as netmiko read them), and hands the line to rustyline when the cursor has to
//! move back into it.

use std::io::{self, BufRead, Write};

use rustyline::error::ReadlineError;
use rustyline::history::{DefaultHistory, History, SearchDirection};
use rustyline::Editor;

use crate::echo::{self, Ended, Keys};

/// Where lines come from.
pub enum LineEditor {
    Full(Box<Editor<(), DefaultHistory>>),
    Plain,
}

/// True for a terminal that is not to get escape sequences (`$TERM` unset, empty or `dumb`).
pub fn plain_terminal(term: Option<&str>) -> bool {
    match term.map(str::trim) {
        None | Some("") => true,
        Some(t) => t.eq_ignore_ascii_case("dumb"),
    }
}

impl LineEditor {
    pub fn is_plain(&self) -> bool {
        matches!(self, LineEditor::Plain)
    }

    /// One line after `prompt`; `ReadlineError::Eof` at the end of input (Ctrl-D). `?` and TAB
    /// are plain keys (an answer to a question, a line of `load ... terminal`).
    pub fn readline(&mut self, prompt: &str) -> Result<String, ReadlineError> {
        self.read(prompt, ("", ""), None)
    }

    /// As [`LineEditor::readline`], starting from text already typed (after a `?` listing:
    /// the text before and after the cursor), with `?`, TAB and space handled by `keys` while
    /// echo.rs reads the line (rustyline has them bound to the same handlers). A plain
    /// terminal cannot put text back on its line: it starts empty.
    pub fn read(
        &mut self,
        prompt: &str,
        initial: (&str, &str),
        keys: Option<&dyn Keys>,
    ) -> Result<String, ReadlineError> {
        match self {
            LineEditor::Full(e) => {
                let history = e.history();
                let entries: Vec<String> = (0..history.len())
                    .filter_map(|i| {
                        let found = history.get(i, SearchDirection::Forward).ok()??;
                        Some(found.entry.into_owned())
                    })
                    .collect();
                match echo::read(prompt, initial, keys, &entries)? {
                    Ended::Line(line) => Ok(line),
                    Ended::Handover(left, right) => {
                        e.readline_with_initial(prompt, (&left, &right))
                    }
                }
            }
            LineEditor::Plain => plain_line(prompt),
        }
    }

    pub fn add_history_entry(&mut self, line: &str) {
        if let LineEditor::Full(e) = self {
            let _ = e.add_history_entry(line);
        }
    }
}

/// Writes `prompt` and reads a line as the terminal delivers it.
fn plain_line(prompt: &str) -> Result<String, ReadlineError> {
    let mut out = io::stdout();
    out.write_all(prompt.as_bytes())?;
    out.flush()?;
    let mut line = String::new();
    if io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(ReadlineError::Eof);
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumb_and_unset_terminals_are_plain() {
        assert!(plain_terminal(None));
        assert!(plain_terminal(Some("")));
        assert!(plain_terminal(Some("dumb")));
        assert!(plain_terminal(Some("DUMB")));
        assert!(!plain_terminal(Some("xterm-256color")));
        assert!(!plain_terminal(Some("vt100")));
    }
}
