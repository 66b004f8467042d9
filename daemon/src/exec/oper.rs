//! Operational-mode commands.

use lsys_grammar::cli::Invocation;
use lsys_grammar::path::{resolve_one, Match};
use lsys_grammar::schema::Schema;
use lsys_grammar::view::View;

use super::{path_caret, utc, Display, Reply};
use crate::router::{scope_of, Router};
use crate::session::{Candidate, Session};

pub(super) fn run(
    router: &mut Router,
    s: &mut Session,
    inv: &Invocation,
    display: &Display,
    line: &str,
) -> Reply {
    match inv.name().as_str() {
        "configure" => configure(router, s, inv),
        "exit" | "quit" => Reply {
            exit: true,
            ..Reply::default()
        },
        "help" => Reply::ok(HELP),
        "show configuration" => show_configuration(router, s, inv, display, line),
        "show system commit" => show_commit(router, s),
        "show system users" => show_users(router, s),
        "show version" => Reply::ok(format!(
            "Hostname: {}\nModel: lsys\nlsys [{}]\n",
            router.hostname,
            env!("CARGO_PKG_VERSION")
        )),
        "set cli" if inv.has("logical-system") => {
            let Some(ls) = inv.arg("logical-system") else {
                return Reply::error("error: missing argument");
            };
            if !s.operator {
                return Reply::error(
                    "error: permission denied: only the operator can enter a logical system",
                );
            }
            if router
                .running
                .at(&lsys_grammar::view::ls_path(ls))
                .is_none()
            {
                return Reply::error(format!("error: logical system '{ls}' is not configured"));
            }
            s.view = View::operator_in(ls);
            Reply::ok(format!("Logical system: {ls}\n"))
        }
        "clear cli" if inv.has("logical-system") => {
            if !s.operator {
                return Reply::error(
                    "error: permission denied: only the operator can leave a logical system",
                );
            }
            s.view = View::operator();
            Reply::ok("Cleared default logical system\n")
        }
        "show interfaces" => super::live::interfaces(router, s, inv, display),
        "show route forwarding-table" => super::live::forwarding_table(router, s, inv, display),
        name @ ("show route"
        | "show route receive-protocol bgp"
        | "show route advertising-protocol bgp"
        | "show bgp summary"
        | "show bgp neighbor"
        | "ping") => {
            if router.dataplane.is_none() {
                Reply::error("error: no dataplane: lsysd runs with --no-dataplane")
            } else {
                Reply::error(format!("error: '{name}' is not supported yet"))
            }
        }
        other => Reply::error(format!("error: '{other}' is not supported yet")),
    }
}

const HELP: &str = "\
Type '?' at any point of a command to list what can follow, and TAB to complete a word.
Operational mode: show, ping, configure [private|exclusive], set cli logical-system (operator), exit.
Configuration mode: set, delete, edit, up, top, show, commit, rollback, load, annotate, activate,
deactivate, rename, copy, insert, status, run, exit.
";

fn configure(router: &mut Router, s: &mut Session, inv: &Invocation) -> Reply {
    let mut out = String::new();
    let others = editing_others(router, s);
    if inv.has("private") {
        if router.changed(&s.view, &router.shared) {
            return Reply::error(format!(
                "{others}error: shared configuration database modified\nProblem loading configuration\n"
            ));
        }
        out.push_str("warning: uncommitted changes will be discarded on exit\n");
        s.candidate = Some(private(router, &s.view));
    } else if inv.has("exclusive") {
        if let Some(by) = router.locked_by_other(&s.view, s.id) {
            return Reply::error(format!("error: configuration database locked by: {by}\n"));
        }
        let scope = scope_of(&s.view);
        if let Err(e) = router.store.lock(&scope, &s.user) {
            return Reply::error(format!("error: {e}"));
        }
        router
            .locks
            .insert(crate::router::scope_key(&s.view), (s.id, s.user.clone()));
        out.push_str("warning: uncommitted changes will be discarded on exit\n");
        s.candidate = Some(Candidate::Exclusive);
    } else if s.client == lsys_protocol::Client::Batch {
        // A script never commits someone else's half-made changes: batches edit a private copy.
        s.candidate = Some(private(router, &s.view));
    } else {
        s.candidate = Some(Candidate::Shared);
    }
    out.push_str("Entering configuration mode\n");
    out.push_str(&others);
    if matches!(s.candidate, Some(Candidate::Shared)) && router.changed(&s.view, &router.shared) {
        out.push_str("The configuration has been changed but not committed\n");
    }
    s.edit.clear();
    s.edit_stack.clear();
    crate::server::note_session(router, s);
    Reply::ok(out)
}

/// A private candidate for `view` and the running configuration it starts from.
pub(super) fn private(router: &Router, view: &View) -> Candidate {
    let tree = crate::router::private_copy(&router.running, view);
    Candidate::Private {
        base: Box::new(tree.clone()),
        tree: Box::new(tree),
    }
}

/// `Users currently editing the configuration:` for others in the same scope.
pub(super) fn editing_others(router: &Router, s: &Session) -> String {
    let mut out = String::new();
    for (id, info) in &router.sessions {
        if *id == s.id || info.logical_system.as_deref() != s.view.logical_system() {
            continue;
        }
        if let Some((banner, kind)) = &info.editing {
            if out.is_empty() {
                out.push_str("Users currently editing the configuration:\n");
            }
            out.push_str(&format!(
                "  {} terminal {} (pid {}) on since {}\n      {}{}\n",
                info.user,
                info.tty.as_deref().unwrap_or("-"),
                info.pid.map_or("-".to_string(), |p| p.to_string()),
                utc(info.since),
                banner,
                if *kind == "shared" {
                    String::new()
                } else {
                    format!(" {kind}")
                }
            ));
        }
    }
    out
}

fn show_configuration(
    router: &Router,
    s: &Session,
    inv: &Invocation,
    display: &Display,
    line: &str,
) -> Reply {
    let part = Router::part(&router.running, &s.view);
    let schema = Schema::get();
    let (node, prefix) = if inv.rest.is_empty() {
        (Some(&*part), Vec::new())
    } else {
        match resolve_one(schema, s.view.start(), &inv.rest, Match::Prefix) {
            Ok(t) => (
                part.at(&t.steps),
                lsys_grammar::path::words_of(schema, &t.steps),
            ),
            Err(e) => return Reply::caret(e.to_string(), path_caret(&e, &inv.rest, line)),
        }
    };
    let Some(node) = node else {
        return Reply::ok("");
    };
    if let Display::Compare(_) = display {
        return Reply::error("error: 'compare' is available in configuration mode");
    }
    let prefix = if let Display::Set { relative: true } = display {
        Vec::new()
    } else {
        prefix
    };
    let top = inv.rest.is_empty();
    let mut out = String::new();
    if top && *display == Display::Text {
        if let Ok(Some(v)) = router.store.committed(&scope_of(&s.view)) {
            out.push_str(&format!(
                "## Last commit: {} by {}\n",
                utc(v.meta.time_unix),
                v.meta.user
            ));
        }
    }
    let document = top && s.view.logical_system().is_none();
    out.push_str(&super::render(node, top, display, &prefix, document));
    Reply::ok(out)
}

fn show_commit(router: &Router, s: &Session) -> Reply {
    let scope = scope_of(&s.view);
    let history = match router.store.history(&scope) {
        Ok(h) => h,
        Err(e) => return Reply::error(format!("error: {e}")),
    };
    let mut out = String::new();
    for h in history {
        let m = &h.meta;
        let mut line = format!(
            "{:<3} {} by {} via {}",
            h.index,
            utc(m.time_unix),
            m.user,
            m.client
        );
        if let Some(d) = m.confirmed_deadline_unix {
            line.push_str(&format!(
                " commit confirmed, rollback in {}mins",
                ((d - m.time_unix) + 59) / 60
            ));
        }
        out.push_str(&line);
        out.push('\n');
        if let Some(c) = &m.comment {
            out.push_str(&format!("    {c}\n"));
        }
    }
    Reply::ok(out)
}

fn show_users(router: &Router, s: &Session) -> Reply {
    let mut out = String::from("USER         TTY      FROM    LOGIN@                   WHAT\n");
    for info in router.sessions.values() {
        if s.view.is_tenant() && info.logical_system.as_deref() != s.view.logical_system() {
            continue;
        }
        out.push_str(&format!(
            "{:<12} {:<8} {:<7} {:<24} {}\n",
            info.user,
            info.tty.as_deref().unwrap_or("-"),
            info.client,
            utc(info.since),
            if info.editing.is_some() {
                "configure"
            } else {
                "cli"
            }
        ));
    }
    Reply::ok(out)
}
