//! The command line: `lsys [--socket PATH] [-c "cmd; cmd"] [-f FILE] [--echo]`, and the splitting
//! of `-c` strings and command files into commands.
//!
//! As a login shell (the Unix account's shell, run by sshd) lsys gets what any shell gets:
//! argv[0] `-lsys` and no arguments for `ssh host` (interactive with `-t` or a terminal, else
//! commands from standard input), or `-c "COMMAND; COMMAND"` for `ssh host 'COMMAND; COMMAND'`.
//! argv[0] is not looked at: both are ordinary invocations. sshd's environment is clean, so the
//! socket is the default path unless sshd_config sets `SetEnv LSYS_SOCKET=...`. File transfers
//! also reach the login shell as `-c`, and are refused ([`file_transfer`], transfer.rs).

use std::path::PathBuf;

use crate::transfer::Transfer;

/// Where the daemon listens unless told otherwise.
pub const DEFAULT_SOCKET: &str = "/run/lsys/lsysd.sock";

pub const USAGE: &str =
    "usage: lsys [--socket PATH] [-c \"COMMAND; COMMAND ...\" | -f FILE] [--echo]";

/// `lsys --help`: the usage line, then every option (on stdout, exit 0).
pub const HELP: &str = "\
usage: lsys [--socket PATH] [-c \"COMMAND; COMMAND ...\" | -f FILE] [--echo]

The Junos-style shell of an lsys router: a command line on a terminal, or a batch of commands.

options:
  -s, --socket PATH    the socket of lsysd (default: $LSYS_SOCKET, else /run/lsys/lsysd.sock)
  -c, --command CMDS   run the commands (separated by ';' or newlines) in batch mode, then exit
  -f, --file FILE      run the commands in FILE (one a line, '#' starts a comment), then exit
      --echo           in batch mode, print each command after its prompt, as a transcript
  -h, --help           print this help and exit
  -V, --version        print the name and version and exit

Without -c or -f the commands come from the terminal, or from standard input when it is not
one. Exit status: 0 success, 1 a batch command failed, 2 usage error or lsysd not reachable.
See lsys(1).";

/// Where the commands come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A terminal, or standard input when it is not one (decided by main).
    Terminal,
    /// `-c`: the commands, already split.
    Commands(Vec<String>),
    /// `-f FILE`.
    File(PathBuf),
    /// `-c` naming a file-transfer program: sshd starting sftp or scp through the login shell.
    FileTransfer(Transfer),
}

/// The file-transfer program a `-c` string starts, by its name in any directory (no lsys
/// command is called that): sftp makes sshd run `SHELL -c /usr/lib/openssh/sftp-server` (the
/// `Subsystem sftp` line, unless it is the in-process `internal-sftp`, which never reaches a
/// shell), `scp -O` (the legacy protocol) `SHELL -c "scp -t DIR"` or `"scp -f FILE"`; newer scp
/// speaks sftp.
pub fn file_transfer(command: &str) -> Option<Transfer> {
    let first = command.split_whitespace().next().unwrap_or_default();
    match first.rsplit('/').next().unwrap_or(first) {
        "sftp-server" => Some(Transfer::Sftp),
        "scp" => Some(Transfer::Scp),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub socket: PathBuf,
    pub source: Source,
    /// Batch: print `prompt + command` before each command, like a transcript.
    pub echo: bool,
    /// `--help`.
    pub help: bool,
    /// `--version`.
    pub version: bool,
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
    let mut version = false;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("option {name} needs a value"));
        match a.as_str() {
            "--socket" | "-s" => socket = Some(PathBuf::from(value(&a)?)),
            "-c" | "--command" => {
                if source != Source::Terminal {
                    return Err("give only one of -c and -f".into());
                }
                let commands = value(&a)?;
                source = match file_transfer(&commands) {
                    Some(t) => Source::FileTransfer(t),
                    None => Source::Commands(split_commands(&commands)),
                };
            }
            "-f" | "--file" => {
                if source != Source::Terminal {
                    return Err("give only one of -c and -f".into());
                }
                source = Source::File(PathBuf::from(value(&a)?));
            }
            "--echo" => echo = true,
            "-h" | "--help" => help = true,
            "-V" | "--version" => version = true,
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
        version,
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
    fn help_and_version() {
        assert!(p(&["--help"]).unwrap().help);
        assert!(p(&["-V"]).unwrap().version && p(&["--version"]).unwrap().version);
        assert!(HELP.starts_with(USAGE));
        for option in [
            "--socket",
            "--command",
            "--file",
            "--echo",
            "--help",
            "--version",
        ] {
            assert!(HELP.contains(option), "{option}");
        }
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
    fn file_transfers_through_the_login_shell_are_recognised() {
        for (c, t) in [
            ("/usr/lib/openssh/sftp-server", Transfer::Sftp),
            ("/usr/libexec/openssh/sftp-server -l INFO", Transfer::Sftp),
            ("sftp-server", Transfer::Sftp),
            ("scp -t /tmp", Transfer::Scp),
            ("  scp -f -- /etc/passwd", Transfer::Scp),
            ("/usr/bin/scp -t .", Transfer::Scp),
        ] {
            assert_eq!(
                p(&["-c", c]).unwrap().source,
                Source::FileTransfer(t),
                "{c}"
            );
        }
        for c in [
            "show version",
            "show configuration | save scp",
            "set system host-name scp",
            "sftp-server2",
            "",
        ] {
            assert!(
                matches!(p(&["-c", c]).unwrap().source, Source::Commands(_)),
                "{c}"
            );
        }
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
