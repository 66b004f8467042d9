//! `lsys`: the Junos-style shell. It holds no configuration state: every line goes to lsysd over
//! a Unix socket (`lsys-protocol`), and the shell only edits lines, shows prompts and output,
//! applies the text pipes and pages.
//!
//! ```text
//!   main ── args ──► Source::Terminal + tty ──► interactive (rustyline, ?/TAB, pager)
//!                  └ -c / -f / piped stdin  ──► batch (in order, stop at first failure)
//!                                                   │
//!        both drive session::Session ── Execute/Answer/Cancel/Complete ──► lsysd
//!             output ─► pipes::Pipeline (match, except, find, count, last, save)
//!                    ─► pager::Pager (terminal) or stdout (batch)
//!        render: `Possible completions:` rows, carets, prompt + [edit] banner
//! ```
//! Exit status: 0 success (or the session ended by `exit` / Ctrl-D), 1 a batch command failed
//! (or sftp/scp asked for a file transfer), 2 usage error, daemon unreachable or refused,
//! connection lost (to lsysd, or the terminal hung up).
//!
//! As an SSH login shell (see args.rs): `ssh host` with a terminal is the interactive shell,
//! `ssh host 'a; b'` a batch with the batch's exit status, and a dropped connection (SIGHUP for
//! a terminal, end of input or a closed pipe without one) ends the process; lsysd, seeing its
//! socket close, leaves configuration mode for it: a private candidate is discarded, an
//! exclusive lock released (daemon/src/server/conn.rs).

mod args;
mod batch;
mod echo;
mod editor;
mod interactive;
mod pager;
mod pipes;
mod render;
mod session;
mod transfer;

use std::io::{self, BufRead, IsTerminal};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use lsys_protocol::Client;

use args::Source;
use session::{Session, SessionError};

fn main() -> ExitCode {
    ExitCode::from(run() as u8)
}

/// The terminal name (`pts/3`) of standard input, if it is one.
fn tty_name() -> Option<String> {
    let stdin = io::stdin();
    if !stdin.is_terminal() {
        return None;
    }
    let path = nix::unistd::ttyname(&stdin).ok()?;
    let name = path.to_string_lossy();
    let name = name.strip_prefix("/dev/").unwrap_or(&name).to_string();
    // A name lsysd would refuse (too long, odd characters) is not worth a refused login.
    lsys_protocol::check::check_tty(&name)
        .is_ok()
        .then_some(name)
}

/// A hangup of the terminal (SIGHUP: the SSH connection dropped, the terminal window closed)
/// ends the interactive shell at once with status 2, whatever it is doing (reading a line,
/// paging, waiting for a command). The socket closes with the process, which is how lsysd
/// learns the session is over. A handler rather than the default action because a disposition
/// inherited as "ignored" would leave the shell running on a dead terminal; batches keep the
/// inherited one (`nohup lsys -c ...` must survive a logout).
fn end_on_hangup() -> io::Result<()> {
    let always = Arc::new(AtomicBool::new(true));
    signal_hook::flag::register_conditional_shutdown(signal_hook::consts::SIGHUP, 2, always)
        .map(drop)
}

fn run() -> i32 {
    let args = match args::parse(std::env::args().skip(1), std::env::var("LSYS_SOCKET").ok()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e} ({})", args::USAGE);
            return 2;
        }
    };
    if args.help {
        println!("{}", args::HELP);
        return 0;
    }
    if args.version {
        println!("lsys {}", env!("CARGO_PKG_VERSION"));
        return 0;
    }
    // Before connecting: the answer is the same whether lsysd runs or not.
    if let Source::FileTransfer(what) = args.source {
        return transfer::refuse(what);
    }
    let interactive = args.source == Source::Terminal && io::stdin().is_terminal();
    // lsys-web sets LSYS_CLIENT=web: a label for show system users and the commit log (the
    // user is who the socket's peer credentials say, whatever the label).
    let client = if !interactive {
        Client::Batch
    } else if std::env::var("LSYS_CLIENT").as_deref() == Ok("web") {
        Client::Web
    } else if std::env::var_os("SSH_CONNECTION").is_some() {
        Client::Ssh
    } else {
        Client::Cli
    };
    // Read a command file before connecting: a missing file is a usage error.
    let file_lines = match &args.source {
        Source::File(f) => match std::fs::read_to_string(f) {
            Ok(text) => Some(text),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                return 2;
            }
        },
        _ => None,
    };
    let stream = match UnixStream::connect(&args.socket) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: cannot reach lsysd at {}: {e}",
                args.socket.display()
            );
            return 2;
        }
    };
    let reader = match stream.try_clone() {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "error: cannot reach lsysd at {}: {e}",
                args.socket.display()
            );
            return 2;
        }
    };
    let mut session = match Session::start(reader, stream, client, tty_name()) {
        Ok(s) => s,
        Err(SessionError::Refused(reason)) => {
            eprintln!("error: {reason}");
            return 2;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if interactive {
        if let Err(e) = end_on_hangup() {
            eprintln!("error: cannot handle hangups: {e}");
            return 2;
        }
        return interactive::run(session);
    }
    let (mut out, mut err) = (io::stdout(), io::stderr());
    match (args.source, file_lines) {
        (Source::Commands(cmds), _) => batch::run(
            &mut session,
            cmds.into_iter().map(Ok),
            args.echo,
            &mut out,
            &mut err,
        ),
        (_, Some(text)) => batch::run(
            &mut session,
            text.lines().filter_map(args::script_line).map(Ok),
            args.echo,
            &mut out,
            &mut err,
        ),
        _ => batch::run(
            &mut session,
            io::stdin()
                .lock()
                .lines()
                .filter_map(|l| l.map(|l| args::script_line(&l)).transpose()),
            args.echo,
            &mut out,
            &mut err,
        ),
    }
}
