//! The command line: `lsys [--socket PATH] [-c "cmd; cmd"] [-f FILE] [--echo]`, and the splitting
//! of `-c` strings and command files into commands.

use std::path::PathBuf;

/// Where the daemon listens unless told otherwise.
pub const DEFAULT_SOCKET: &str = "/run/lsys/lsysd.sock";

pub const USAGE: &str =
    "usage: lsys [--socket PATH] [-c \"COMMAND; COMMAND ...\" | -f FILE] [--echo]";

/// Where the commands come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A terminal, or standard input when it is not one (decided by main).
    Terminal,
    /// `-c`: the commands, already split.
    Commands(Vec<String>),
    /// `-f FILE`.
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub socket: PathBuf,
    pub source: Source,
    /// Batch: print `prompt + command` before each command, like a transcript.
    pub echo: bool,
    /// `--help`.
    pub help: bool,
}

/// Parses the arguments (without the program name). `env_socket` is `$LSYS_SOCKET`.
pub fn parse(
    args: impl IntoIterator<Item = String>,
    env_socket: Option<String>,
) -> Result<Args, String> {
    let mut socket = None;
    let mut source = Source::Terminal;
    let mut echo = false;
    let mut help = false;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("option {name} needs a value"));
        match a.as_str() {
            "--socket" | "-s" => socket = Some(PathBuf::from(value(&a)?)),
            "-c" | "--command" => {
                if source != Source::Terminal {
                    return Err("give only one of -c and -f".into());
                }
                source = Source::Commands(split_commands(&value(&a)?));
            }
            "-f" | "--file" => {
                if source != Source::Terminal {
                    return Err("give only one of -c and -f".into());
                }
                source = Source::File(PathBuf::from(value(&a)?));
            }
            "--echo" => echo = true,
            "-h" | "--help" => help = true,
            _ if a.starts_with("--socket=") => {
                socket = Some(PathBuf::from(&a["--socket=".len()..]));
            }
            _ if a.starts_with('-') => return Err(format!("unknown option '{a}'")),
            _ => return Err(format!("unexpected argument '{a}'")),
        }
    }
    let socket = socket
        .or_else(|| env_socket.filter(|s| !s.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET));
    Ok(Args {
        socket,
        source,
        echo,
        help,
    })
}

/// Walks `s` tracking double quotes (inside them a backslash escapes the next character):
/// calls `f(c, quoted)` for every character with whether it sits inside quotes, and returns
/// whether `s` ends inside quotes.
pub fn scan_quotes(s: &str, mut f: impl FnMut(char, bool)) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        let inside = quoted;
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        }
        f(c, inside);
    }
    quoted
}

/// Splits a `-c` string at newlines and at `;` outside double quotes (a backslash escapes the next character
/// inside quotes). Empty commands are dropped.
pub fn split_commands(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    scan_quotes(s, |c, quoted| {
        // A newline ends a command too (`lsys -c "$(cat script)"`).
        if (c == ';' && !quoted) || c == '\n' {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    });
    out.push(cur);
    out.into_iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// A command line read from a file or standard input, or `None` for blank and `#` lines.
pub fn script_line(line: &str) -> Option<String> {
    let t = line.trim();
    (!t.is_empty() && !t.starts_with('#')).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Args, String> {
        parse(args.iter().map(|s| s.to_string()), None)
    }

    #[test]
    fn defaults_and_socket_precedence() {
        let a = p(&[]).unwrap();
        assert_eq!(a.socket, PathBuf::from(DEFAULT_SOCKET));
        assert_eq!(a.source, Source::Terminal);
        let a = parse(vec![], Some("/tmp/env.sock".into())).unwrap();
        assert_eq!(a.socket, PathBuf::from("/tmp/env.sock"));
        let a = parse(
            vec!["--socket".into(), "/tmp/flag.sock".into()],
            Some("/tmp/env.sock".into()),
        )
        .unwrap();
        assert_eq!(a.socket, PathBuf::from("/tmp/flag.sock"));
        assert_eq!(p(&["--socket=/x"]).unwrap().socket, PathBuf::from("/x"));
    }

    #[test]
    fn commands_files_and_echo() {
        let a = p(&["-c", "show version; show route", "--echo"]).unwrap();
        assert_eq!(
            a.source,
            Source::Commands(vec!["show version".into(), "show route".into()])
        );
        assert!(a.echo);
        assert_eq!(
            p(&["-f", "x.txt"]).unwrap().source,
            Source::File("x.txt".into())
        );
    }

    #[test]
    fn usage_errors() {
        assert_eq!(p(&["-c"]).unwrap_err(), "option -c needs a value");
        assert_eq!(p(&["--frob"]).unwrap_err(), "unknown option '--frob'");
        assert_eq!(p(&["show"]).unwrap_err(), "unexpected argument 'show'");
        assert_eq!(
            p(&["-c", "x", "-f", "y"]).unwrap_err(),
            "give only one of -c and -f"
        );
    }

    #[test]
    fn semicolons_inside_quotes_stay() {
        assert_eq!(
            split_commands("configure; set system login message \"a; b\"; commit ;; "),
            ["configure", "set system login message \"a; b\"", "commit"]
        );
        assert_eq!(
            split_commands(r#"set x "q\"; r"; show"#),
            [r#"set x "q\"; r""#, "show"]
        );
        assert!(split_commands(" ; ").is_empty());
    }

    #[test]
    fn script_lines_skip_blanks_and_comments() {
        assert_eq!(
            script_line("  show version \n"),
            Some("show version".into())
        );
        assert_eq!(script_line("   "), None);
        assert_eq!(script_line("# a comment"), None);
        assert_eq!(script_line("  # indented comment"), None);
    }
}
