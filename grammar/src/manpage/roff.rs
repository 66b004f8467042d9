//! Roff output: escaping text and a [`Page`] that keeps text lines from reading as requests.

/// Escapes text for roff: backslashes print as `\e`, hyphens as `\-` (so paths can be copied).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            _ => out.push(c),
        }
    }
    out
}

/// Roff output with a guard for lines that would read as requests.
#[derive(Default)]
pub(super) struct Page {
    pub(super) out: String,
}

impl Page {
    /// A request or a line already in roff.
    pub(super) fn raw(&mut self, line: &str) {
        if line.starts_with('.') || line.starts_with('\'') {
            self.out.push_str(line);
        } else {
            self.line(line);
            return;
        }
        self.out.push('\n');
    }

    /// A line of roff text that must not be taken for a request.
    pub(super) fn line(&mut self, line: &str) {
        if line.starts_with('.') || line.starts_with('\'') {
            self.out.push_str("\\&");
        }
        self.out.push_str(line);
        self.out.push('\n');
    }

    /// A paragraph of plain text.
    pub(super) fn text(&mut self, text: &str) {
        let last = self.out.lines().last().unwrap_or_default();
        if !last.starts_with(".SH") && !last.starts_with(".SS") {
            self.raw(".PP");
        }
        self.line(&escape(text));
    }

    /// Verbatim lines (indented, no filling).
    pub(super) fn verbatim(&mut self, text: &str) {
        self.raw(".PP");
        self.raw(".RS 4");
        self.raw(".nf");
        for l in text.lines() {
            self.line(&escape(l));
        }
        self.raw(".fi");
        self.raw(".RE");
    }
}
