//! The text pipes the shell applies to a command's output: `match`, `except`, `find`, `count`,
//! `last`, `no-more` and `save`, chained in the order written. `display ...` and `compare` belong
//! to the daemon and pass through here untouched.
//!
//! Output arrives as chunks of text; [`Pipeline::push`] cuts it into lines and runs each line
//! through the stages, so `match`/`except` stream while `find`, `count`, `last` and `save` hold
//! what they need until [`Pipeline::finish`].

use std::collections::VecDeque;
use std::path::PathBuf;

use lsys_grammar::cli::{pipe_root, tokenize, walk};
use regex::{Regex, RegexBuilder};

/// One text filter.
#[derive(Debug)]
enum Stage {
    Match(Regex),
    Except(Regex),
    /// Output from the first matching line on.
    Find {
        re: Regex,
        found: bool,
    },
    Count(usize),
    Last {
        n: usize,
        lines: VecDeque<String>,
    },
    Save {
        file: PathBuf,
        lines: Vec<String>,
    },
}

impl Stage {
    /// Feeds one line; what passes goes to `out`.
    fn push(&mut self, line: String, out: &mut Vec<String>) {
        match self {
            Stage::Match(re) => {
                if re.is_match(&line) {
                    out.push(line);
                }
            }
            Stage::Except(re) => {
                if !re.is_match(&line) {
                    out.push(line);
                }
            }
            Stage::Find { re, found } => {
                *found = *found || re.is_match(&line);
                if *found {
                    out.push(line);
                }
            }
            Stage::Count(n) => *n += 1,
            Stage::Last { n, lines } => {
                lines.push_back(line);
                while lines.len() > *n {
                    lines.pop_front();
                }
            }
            Stage::Save { lines, .. } => lines.push(line),
        }
    }

    /// The end of the output: the stages that held lines let them go. `ok` is false when the
    /// command failed; `count` and `save` then report nothing.
    fn finish(&mut self, ok: bool, out: &mut Vec<String>) {
        match self {
            Stage::Count(n) if ok => out.push(format!("Count: {n} lines")),
            Stage::Last { lines, .. } => out.extend(lines.drain(..)),
            Stage::Save { file, lines } if ok => {
                let mut text = lines.join("\n");
                if !lines.is_empty() {
                    text.push('\n');
                }
                match std::fs::write(&*file, text) {
                    Ok(()) => out.push(format!(
                        "Wrote {} lines of output to '{}'",
                        lines.len(),
                        file.display()
                    )),
                    Err(e) => out.push(format!("error: could not write '{}': {e}", file.display())),
                }
            }
            _ => {}
        }
    }
}

/// The text pipes of one command line.
#[derive(Debug, Default)]
pub struct Pipeline {
    stages: Vec<Stage>,
    /// `| no-more` was given: never page.
    pub no_more: bool,
    /// The unfinished last line of the output so far.
    partial: String,
}

/// Builds a pattern the Junos way: `|` alternation works inside the quotes, and matching ignores
/// case (Junos `match` is case-insensitive; unconfirmed for every release, chosen as the more
/// forgiving behaviour).
fn pattern(re: &str) -> Result<Regex, String> {
    RegexBuilder::new(re)
        .case_insensitive(true)
        .build()
        .map_err(|_| format!("error: invalid regular expression '{re}'"))
}

impl Pipeline {
    /// The pipes of `line`. Segments that do not parse are left alone (the daemon reports them);
    /// an invalid regular expression is an error, reported before the command runs.
    pub fn for_line(line: &str) -> Result<Pipeline, String> {
        let mut p = Pipeline::default();
        let Ok(segments) = tokenize(line) else {
            return Ok(p);
        };
        for seg in segments.iter().skip(1) {
            let end = seg.last().map_or(line.len(), |w| w.col + w.text.len());
            let Ok(inv) = walk(pipe_root(), seg, end, false) else {
                continue;
            };
            if !inv.path.is_empty() {
                continue; // display ..., compare: the daemon's
            }
            for (word, value) in &inv.args {
                let value = value.as_deref().unwrap_or("");
                match word.as_str() {
                    "match" => p.stages.push(Stage::Match(pattern(value)?)),
                    "except" => p.stages.push(Stage::Except(pattern(value)?)),
                    "find" => p.stages.push(Stage::Find {
                        re: pattern(value)?,
                        found: false,
                    }),
                    "count" => p.stages.push(Stage::Count(0)),
                    "last" => p.stages.push(Stage::Last {
                        n: value.parse().unwrap_or(1),
                        lines: VecDeque::new(),
                    }),
                    "save" => p.stages.push(Stage::Save {
                        file: PathBuf::from(value),
                        lines: Vec::new(),
                    }),
                    "no-more" => p.no_more = true,
                    _ => {}
                }
            }
        }
        Ok(p)
    }

    /// True when no stage changes the output.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Feeds a chunk of output; returns the complete lines that come out of the chain.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.partial.push_str(text);
        let mut lines = Vec::new();
        while let Some(i) = self.partial.find('\n') {
            let mut line: String = self.partial.drain(..=i).collect();
            line.pop();
            lines.push(line);
        }
        self.run(0, lines)
    }

    /// Ends the output: flushes the unfinished line and what the stages held.
    pub fn finish(&mut self, ok: bool) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.partial.is_empty() {
            lines.push(std::mem::take(&mut self.partial));
        }
        let mut lines = self.run(0, lines);
        for i in 0..self.stages.len() {
            let mut out = Vec::new();
            self.stages[i].finish(ok, &mut out);
            lines.extend(self.run(i + 1, out));
        }
        lines
    }

    /// Runs `lines` through the stages from `from` on.
    fn run(&mut self, from: usize, mut lines: Vec<String>) -> Vec<String> {
        for stage in &mut self.stages[from..] {
            let mut out = Vec::with_capacity(lines.len());
            for l in lines {
                stage.push(l, &mut out);
            }
            lines = out;
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "alpha 1\nBeta 2\ngamma 3\nalpha 4\ndelta 5\n";

    fn run(line: &str, text: &str) -> Vec<String> {
        let mut p = Pipeline::for_line(line).unwrap();
        let mut out = Vec::new();
        // Feed in awkward chunks to check line reassembly.
        for chunk in text.as_bytes().chunks(3) {
            out.extend(p.push(std::str::from_utf8(chunk).unwrap()));
        }
        out.extend(p.finish(true));
        out
    }

    #[test]
    fn no_pipes_pass_lines_through() {
        assert_eq!(run("show version", "a\nb"), ["a", "b"]);
        assert!(Pipeline::for_line("show version").unwrap().is_empty());
    }

    #[test]
    fn match_and_except() {
        assert_eq!(run("show x | match alpha", TEXT), ["alpha 1", "alpha 4"]);
        assert_eq!(
            run("show x | match \"beta|gamma\"", TEXT),
            ["Beta 2", "gamma 3"]
        );
        assert_eq!(
            run("show x | except alpha", TEXT),
            ["Beta 2", "gamma 3", "delta 5"]
        );
    }

    #[test]
    fn find_starts_at_first_match() {
        assert_eq!(
            run("show x | find gam", TEXT),
            ["gamma 3", "alpha 4", "delta 5"]
        );
        assert!(run("show x | find nothing", TEXT).is_empty());
    }

    #[test]
    fn count_and_last() {
        assert_eq!(run("show x | count", TEXT), ["Count: 5 lines"]);
        assert_eq!(run("show x | count", ""), ["Count: 0 lines"]);
        assert_eq!(run("show x | last 2", TEXT), ["alpha 4", "delta 5"]);
        assert_eq!(run("show x | last 10", TEXT).len(), 5);
    }

    #[test]
    fn chains_run_in_order() {
        assert_eq!(
            run("show x | match alpha | count", TEXT),
            ["Count: 2 lines"]
        );
        assert_eq!(run("show x | except alpha | last 1", TEXT), ["delta 5"]);
        assert_eq!(run("show x | find gamma | match alpha", TEXT), ["alpha 4"]);
        assert_eq!(run("show x | last 3 | match a", TEXT).len(), 3);
    }

    #[test]
    fn no_more_and_display_are_not_filters() {
        let p = Pipeline::for_line("show | display set | no-more").unwrap();
        assert!(p.no_more && p.is_empty());
        assert_eq!(run("show | display set | match gamma", TEXT), ["gamma 3"]);
    }

    #[test]
    fn save_writes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.txt");
        let line = format!("show x | match l | save {}", file.display());
        let out = run(&line, TEXT);
        assert_eq!(
            out,
            [format!("Wrote 3 lines of output to '{}'", file.display())]
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "alpha 1\nalpha 4\ndelta 5\n"
        );
    }

    #[test]
    fn failed_commands_count_nothing() {
        let mut p = Pipeline::for_line("show x | count").unwrap();
        p.push("a\n");
        assert!(p.finish(false).is_empty());
    }

    #[test]
    fn bad_pipes_are_left_to_the_daemon_but_bad_patterns_are_refused() {
        assert!(Pipeline::for_line("show x | frob").unwrap().is_empty());
        assert!(Pipeline::for_line("show \"open").unwrap().is_empty());
        let e = Pipeline::for_line("show x | match \"(\"").unwrap_err();
        assert_eq!(e, "error: invalid regular expression '('");
    }
}
