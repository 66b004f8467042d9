//! `set cli ...` and `clear cli ...`: the session's CLI settings and the operator's default
//! logical system.
//!
//! The settings (`lsys_protocol::CliSettings`) live with the session, reach the shell with
//! every Done and are applied there (pager, wrapping, timestamp line, completion on space);
//! lsysd enforces `idle-timeout` itself (server/conn.rs). None of them is configuration: they
//! end with the session and never show in `show configuration`.
//!
//! Confirmations are Junos's. Seen in Junos transcripts (and what netmiko's `juniper_junos`
//! driver waits for): `Screen length set to 0`, `Screen width set to 511`,
//! `Disabling complete-on-space`, `Idle timeout set to 5 minutes`, for `set cli timestamp`
//! the time on a line of its own followed by `CLI timestamp set to: %b %d %T`, and
//! `CLI timestamp disabled` (also what `show cli` says). Unconfirmed, written to match those:
//! `Enabling complete-on-space`, `Idle timeout disabled` (`show cli` says
//! `CLI idle-timeout disabled`), `Terminal type set to vt100`. The idle session's end,
//! `Idle timeout exceeded: closing session`, is in Juniper's documentation.

use lsys_grammar::cli::Invocation;
use lsys_grammar::view::View;
use lsys_protocol::{timestamp, TIMESTAMP_FORMAT};

use super::Reply;
use crate::core::Core;
use crate::session::Session;

/// Junos's range for `set cli screen-width` (and 0: never wrap).
const WIDTH: std::ops::RangeInclusive<u32> = 40..=1024;

/// `set cli ...` (but `set cli timestamp`): every setting given, in the order given; nothing
/// changes when one of them is refused.
pub(super) fn set(core: &Core, s: &mut Session, inv: &Invocation) -> Reply {
    if inv.args.is_empty() {
        return Reply::error("error: missing argument: a CLI property to set");
    }
    let mut cli = s.cli.clone();
    let mut view = None;
    let mut out = String::new();
    for (word, value) in &inv.args {
        let value = value.as_deref();
        let number = || value.and_then(|v| v.parse::<u32>().ok());
        match word.as_str() {
            "complete-on-space" => {
                cli.complete_on_space = value == Some("on");
                out.push_str(if cli.complete_on_space {
                    "Enabling complete-on-space\n"
                } else {
                    "Disabling complete-on-space\n"
                });
            }
            "idle-timeout" => {
                cli.idle_timeout = number().filter(|&m| m > 0);
                match cli.idle_timeout {
                    Some(m) => out.push_str(&format!("Idle timeout set to {m} minutes\n")),
                    None => out.push_str("Idle timeout disabled\n"),
                }
            }
            "logical-system" => match enter(core, s, value) {
                Ok((v, text)) => {
                    view = Some(v);
                    out.push_str(&text);
                }
                Err(e) => return Reply::error(e),
            },
            "screen-length" => {
                let Some(n) = number() else {
                    return Reply::error("error: missing argument: a number of lines");
                };
                cli.screen_length = Some(n);
                out.push_str(&format!("Screen length set to {n}\n"));
            }
            "screen-width" => {
                let Some(n) = number().filter(|n| *n == 0 || WIDTH.contains(n)) else {
                    return Reply::error(format!(
                        "error: screen width must be 0 (never wrap) or {} through {}",
                        WIDTH.start(),
                        WIDTH.end()
                    ));
                };
                cli.screen_width = Some(n);
                out.push_str(&format!("Screen width set to {n}\n"));
            }
            "terminal" => {
                let Some(t) = value else {
                    return Reply::error("error: missing argument: a terminal type");
                };
                cli.terminal = Some(t.to_string());
                out.push_str(&format!("Terminal type set to {t}\n"));
            }
            other => return Reply::error(format!("error: 'set cli {other}' is not supported")),
        }
    }
    s.cli = cli;
    if let Some(v) = view {
        s.view = v;
    }
    Reply::ok(out)
}

/// `set cli timestamp [disable]`. Switching it on prints the time first, as every command
/// after it will have (the shell prints that line for the commands that run while it is on).
pub(super) fn set_timestamp(core: &Core, s: &mut Session, inv: &Invocation) -> Reply {
    if inv.has("disable") {
        s.cli.timestamp = false;
        return Reply::ok("CLI timestamp disabled\n");
    }
    let mut out = String::new();
    if !s.cli.timestamp {
        out.push_str(&timestamp(core.now()));
        out.push('\n');
    }
    s.cli.timestamp = true;
    out.push_str(&format!("CLI timestamp set to: {TIMESTAMP_FORMAT}\n"));
    Reply::ok(out)
}

/// `clear cli logical-system`.
pub(super) fn clear(s: &mut Session, inv: &Invocation) -> Reply {
    if !inv.has("logical-system") {
        return Reply::error("error: missing argument: a CLI property to clear");
    }
    if let Err(e) = s.principal.may_enter_logical_systems() {
        return Reply::error(format!("error: {e}"));
    }
    s.view = View::operator();
    Reply::ok("Cleared default logical system\n")
}

/// `set cli logical-system LS`: the operator's view of LS, and what to print; or the error
/// that refuses it.
fn enter(core: &Core, s: &Session, ls: Option<&str>) -> Result<(View, String), String> {
    let Some(ls) = ls else {
        return Err("error: missing argument".into());
    };
    if let Err(e) = s.principal.may_enter_logical_systems() {
        return Err(format!("error: {e}"));
    }
    if core
        .running
        .get()
        .tree
        .at(&lsys_grammar::view::ls_path(ls))
        .is_none()
    {
        return Err(format!("error: logical system '{ls}' is not configured"));
    }
    Ok((View::operator_in(ls), format!("Logical system: {ls}\n")))
}
