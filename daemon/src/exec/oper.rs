//! Operational-mode commands.

use lsys_grammar::cli::Invocation;
use lsys_grammar::path::{resolve_one, Match};
use lsys_grammar::schema::Schema;
use lsys_grammar::view::View;

use super::{path_caret, utc, Display, Reply};
use crate::core::{lock, scope_key, scope_of, Core};
use crate::gate::Denied;
use crate::running::private_copy;
use crate::session::{Candidate, Session};

fn denied(e: Denied) -> Reply {
    Reply::error(format!("error: {e}"))
}

pub(super) fn run(
    core: &Core,
    s: &mut Session,
    inv: &Invocation,
    display: &Display,
    line: &str,
) -> Reply {
    let name = inv.name();
    let p = &s.principal;
    // What deny-commands is matched against: the command's keywords in full, then its
    // arguments as typed (pipes left out).
    let words = name.split(' ').count();
    let typed: Vec<&str> = line
        .split('|')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(words)
        .collect();
    let full = if typed.is_empty() {
        name.clone()
    } else {
        format!("{name} {}", typed.join(" "))
    };
    if p.command_denied(&full) {
        return Reply::error(format!(
            "error: permission denied: '{name}' is denied by login class {}",
            p.class.as_deref().unwrap_or("-")
        ));
    }
    let gate = if name.starts_with("show configuration") {
        p.may_view_configuration()
    } else if name.starts_with("show") {
        p.may_view()
    } else if name == "configure" {
        p.may_configure()
    } else if name == "ping" || name == "traceroute" {
        p.may_use_network()
    } else if name.starts_with("clear bgp") {
        p.may_clear()
    } else {
        Ok(())
    };
    if let Err(e) = gate {
        return denied(e);
    }
    match name.as_str() {
        "configure" => configure(core, s, inv),
        "exit" | "quit" => Reply {
            exit: true,
            ..Reply::default()
        },
        "help" => Reply::ok(HELP),
        "show configuration" => show_configuration(core, s, inv, display, line),
        "show system commit" => show_commit(core, s),
        "show system users" => show_users(core, s),
        "show system uptime" => show_uptime(core, s),
        "show version" => Reply::ok(version(&core.hostname())),
        "set cli" => super::settings::set(core, s, inv),
        "set cli timestamp" => super::settings::set_timestamp(core, s, inv),
        "clear cli" => super::settings::clear(s, inv),
        "show interfaces" => super::live::interfaces(core, s, inv, display),
        "show arp" => super::live::arp(core, s, inv),
        "show route forwarding-table" => super::live::forwarding_table(core, s, inv, display),
        "show route" => super::route::show_route(core, s, inv, display, line),
        "ping" => super::ping::ping(core, s, inv),
        "traceroute" => super::ping::traceroute(core, s, inv),
        "show bgp summary" => super::bgp::summary(core, s, inv, display),
        "show bgp neighbor" => super::bgp::neighbor(core, s, inv, display),
        "show bgp group" => super::bgp::group(core, s, inv, display),
        "clear bgp neighbor" => super::bgp::clear(core, s, inv),
        "show route receive-protocol bgp" | "show route advertising-protocol bgp" => {
            super::bgp::routes(core, s, inv, display)
        }
        other => Reply::error(format!("error: '{other}' is not supported yet")),
    }
}

/// `show version` in Junos's shape, so that tools reading `Hostname:`, `Model:` and `Junos:`
/// (ntc-templates' `juniper_junos_show_version`, NAPALM, Ansible's junos facts) read lsys: the
/// `Junos:` line names lsys and its version (`lsys-0.1.0`), never a Junos release (man lsys(1)).
fn version(hostname: &str) -> String {
    format!(
        "Hostname: {hostname}\nModel: lsys\nJunos: lsys-{}\n",
        env!("CARGO_PKG_VERSION")
    )
}

const HELP: &str = "\
Type '?' at any point of a command to list what can follow, and TAB to complete a word.
Operational mode: show, ping, traceroute, configure [private|exclusive], set cli (screen-length,
screen-width, timestamp, idle-timeout, ...; logical-system for the operator), exit.
Configuration mode: set, delete, edit, up, top, show, commit, rollback, load, annotate, activate,
deactivate, rename, copy, insert, status, run, exit.
";

/// True when the shared candidate has uncommitted changes in the view's part.
pub(super) fn shared_changed(core: &Core, view: &View) -> bool {
    let shared = lock(&core.shared).tree.clone();
    let running = core.running.get();
    crate::running::part(&shared, view) != running.part(view)
}

fn configure(core: &Core, s: &mut Session, inv: &Invocation) -> Reply {
    let mut out = String::new();
    let others = editing_others(core, s);
    if inv.has("private") {
        if shared_changed(core, &s.view) {
            return Reply::error(format!(
                "{others}error: shared configuration database modified\nProblem loading configuration\n"
            ));
        }
        out.push_str("warning: uncommitted changes will be discarded on exit\n");
        s.candidate = Some(private(core, &s.view));
    } else if inv.has("exclusive") {
        if let Some(by) = core.locked_by_other(&s.view, s.id) {
            return Reply::error(format!("error: configuration database locked by: {by}\n"));
        }
        let scope = scope_of(&s.view);
        if let Err(e) = core.store.lock(&scope, s.user()) {
            return Reply::error(format!("error: {e}"));
        }
        lock(&core.locks).insert(scope_key(&s.view), (s.id, s.user().to_string()));
        out.push_str("warning: uncommitted changes will be discarded on exit\n");
        s.candidate = Some(Candidate::Exclusive);
    } else if s.client == lsys_protocol::Client::Batch {
        // A script never commits someone else's half-made changes: batches edit a private copy.
        s.candidate = Some(private(core, &s.view));
    } else {
        s.candidate = Some(Candidate::Shared);
    }
    out.push_str("Entering configuration mode\n");
    out.push_str(&others);
    if matches!(s.candidate, Some(Candidate::Shared)) && shared_changed(core, &s.view) {
        out.push_str("The configuration has been changed but not committed\n");
    }
    s.edit.clear();
    s.edit_stack.clear();
    core.note_session(s.id, s.info());
    Reply::ok(out)
}

/// A private candidate for `view` and the running configuration it starts from.
pub(super) fn private(core: &Core, view: &View) -> Candidate {
    let tree = std::sync::Arc::new(private_copy(&core.running.get().tree, view));
    Candidate::Private {
        base: tree.clone(),
        tree,
    }
}

/// `Users currently editing the configuration:` for others in the same scope.
pub(super) fn editing_others(core: &Core, s: &Session) -> String {
    let mut out = String::new();
    for (id, info) in lock(&core.sessions).iter() {
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
    core: &Core,
    s: &Session,
    inv: &Invocation,
    display: &Display,
    line: &str,
) -> Reply {
    let running = core.running.get();
    let part = running.part(&s.view);
    let schema = Schema::get();
    let (node, prefix, steps) = if inv.rest.is_empty() {
        (Some(&*part), Vec::new(), Vec::new())
    } else {
        match resolve_one(schema, s.view.start(), &inv.rest, Match::Prefix) {
            Ok(t) => (
                part.at(&t.steps),
                lsys_grammar::path::words_of(schema, &t.steps),
                t.steps,
            ),
            Err(e) => return Reply::caret(e.to_string(), path_caret(&e, &inv.rest, line)),
        }
    };
    // What is shown may be inherited only, so not in `part`.
    if let Display::Inheritance(notes) = *display {
        let text = super::inheritance(&running.tree, &running.tree, &part, &s.view, &steps, notes);
        return Reply::streamed(text);
    }
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
        if let Ok(Some(v)) = core.store.committed(&scope_of(&s.view)) {
            out.push_str(&format!(
                "## Last commit: {} by {}\n",
                utc(v.meta.time_unix),
                v.meta.user
            ));
        }
    }
    let document = top && s.view.logical_system().is_none();
    out.push_str(&super::render(node, top, display, &prefix, document));
    Reply::streamed(out)
}

fn show_commit(core: &Core, s: &Session) -> Reply {
    let scope = scope_of(&s.view);
    let history = match core.store.history(&scope) {
        Ok(h) => h,
        Err(e) => return Reply::error(format!("error: {e}")),
    };
    let mut out = String::new();
    if let Some(failure) = lock(&core.rollback_failures).get(&scope.to_string()) {
        out.push_str(&format!("error: {failure}\n"));
    }
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
        // The operator's comment on a commit that touched a tenant's scope is the operator's
        // own business: a tenant sees that the operator committed, not why.
        let foreign = s.view.is_tenant()
            && m.user != s.principal.user
            && h.seq > 0
            && is_operator_commit(core, h.seq);
        if let Some(c) = m.comment.as_ref().filter(|_| !foreign) {
            out.push_str(&format!("    {c}\n"));
        }
    }
    Reply::ok(out)
}

/// Whether commit `seq` also wrote the root scope (an operator commit).
fn is_operator_commit(core: &Core, seq: u64) -> bool {
    matches!(
        core.store.as_of(&lsys_datastore::Scope::Root, seq),
        Ok(lsys_datastore::AsOf::Version(v)) if v.seq == seq
    )
}

/// `show system uptime`: the kernel's boot and load from /proc, lsysd's start, the view's
/// last commit and sessions.
fn show_uptime(core: &Core, s: &Session) -> Reply {
    let now = core.now();
    let proc = |file: &str| std::fs::read_to_string(format!("/proc/{file}")).ok();
    let figures = |text: String| -> Vec<f64> {
        text.split_whitespace()
            .map_while(|w| w.parse().ok())
            .collect()
    };
    let booted = proc("uptime")
        .map(figures)
        .and_then(|f| f.first().copied())
        .map(|up| now - up as i64);
    let load = proc("loadavg")
        .map(figures)
        .and_then(|f| Some([*f.first()?, *f.get(1)?, *f.get(2)?]));
    // Rollback 0 only: the history would read every version kept.
    let last_commit = match core.store.committed(&scope_of(&s.view)) {
        Ok(v) => v.map(|v| (v.meta.time_unix, v.meta.user)),
        Err(e) => return Reply::error(format!("error: {e}")),
    };
    let users = lock(&core.sessions)
        .values()
        .filter(|info| {
            !s.view.is_tenant() || info.logical_system.as_deref() == s.view.logical_system()
        })
        .count();
    Reply::ok(crate::show::uptime::render(&crate::show::uptime::Uptime {
        now,
        booted,
        started: core.started,
        last_commit,
        users,
        load,
    }))
}

fn show_users(core: &Core, s: &Session) -> Reply {
    let mut out = String::from("USER         TTY      FROM    LOGIN@                   WHAT\n");
    for info in lock(&core.sessions).values() {
        if s.view.is_tenant() && info.logical_system.as_deref() != s.view.logical_system() {
            continue;
        }
        let since = utc(info.since);
        let what = if info.editing.is_some() {
            "configure"
        } else {
            "cli"
        };
        crate::show::columns::row(
            &mut out,
            &[
                (&info.user, 13),
                (info.tty.as_deref().unwrap_or("-"), 9),
                (&info.client, 8),
                (&since, 25),
                (what, 0),
            ],
        );
    }
    Reply::ok(out)
}
