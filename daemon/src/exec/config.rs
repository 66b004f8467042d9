//! Configuration-mode commands.

use lsys_datastore::{Client as StoreClient, CommitMeta};
use lsys_grammar::cli::{Invocation, Mode};
use lsys_grammar::edit::{self, EditError};
use lsys_grammar::path::{words_of, Match, Target, Values, Word};
use lsys_grammar::schema::{Kind, Schema};
use lsys_grammar::text::count;
use lsys_grammar::tree::{Node, Step};
use lsys_grammar::view::{LoadError, LoadMode, View};
use lsys_protocol::Client;

use std::sync::Arc;

use super::{path_caret, rest_text, Display, Reply};
use crate::core::{lock, scope_key, scope_of, Core};
use crate::pipeline::{rollback_part, Action, CommitRequest, Source};
use crate::running::{part, replace_part};
use crate::session::{Candidate, Pending, Session};

pub(super) fn run(
    core: &Core,
    s: &mut Session,
    inv: &Invocation,
    display: &Display,
    line: &str,
) -> Reply {
    let words = &inv.rest;
    match inv.name().as_str() {
        "set" => modify(core, s, line, |view, root, at, edit_level| {
            let targets = view
                .resolve(edit_level, words, Match::Prefix, Values::Required)
                .map_err(|e| Box::new(Reply::caret(e.to_string(), path_caret(&e, words, line))))?;
            view.edit(root, |r, base| edit::set(r, &join(base, at), &targets))
                .map_err(edit_error)
        }),
        "delete" if words.is_empty() => {
            s.pending = Some(Pending::DeleteAll);
            Reply::ask(
                "",
                "Delete everything under this level? [yes,no] (no) ",
                false,
            )
        }
        "delete" => modify(core, s, line, |view, root, at, edit_level| {
            let t = one(view, edit_level, words, line)?;
            view.edit(root, |r, base| edit::delete(r, &join(base, at), &t))
                .map_err(edit_error)
        }),
        "activate" | "deactivate" => {
            let active = inv.name() == "activate";
            modify(core, s, line, |view, root, at, edit_level| {
                let t = one(view, edit_level, words, line)?;
                view.edit(root, |r, base| {
                    edit::set_active(r, &join(base, at), &t, active)
                })
                .map_err(edit_error)
            })
        }
        "annotate" => {
            let Some((text, path)) = words.split_last() else {
                return Reply::caret("missing argument.", line.len());
            };
            let text = text.text.clone();
            modify(core, s, line, |view, root, at, edit_level| {
                let t = one(view, edit_level, path, line)?;
                view.edit(root, |r, base| {
                    edit::annotate(r, &join(base, at), &t, &text)
                })
                .map_err(edit_error)
            })
        }
        "rename" | "copy" => {
            let Some(split) = words.iter().position(|w| !w.quoted && w.text == "to") else {
                return Reply::caret("syntax error, expecting 'to'.", line.trim_end().len() + 1);
            };
            let rename = inv.name() == "rename";
            modify(core, s, line, |view, root, at, edit_level| {
                let from = one(view, edit_level, &words[..split], line)?;
                let to = relative_to_parent(view, edit_level, &from, &words[split + 1..], line)?;
                view.edit(root, |r, base| {
                    let at = join(base, at);
                    if rename {
                        edit::rename(r, &at, &from, &to)
                    } else {
                        edit::copy(r, &at, &from, &to)
                    }
                })
                .map_err(edit_error)
            })
        }
        "insert" => {
            let Some(split) = words
                .iter()
                .position(|w| !w.quoted && (w.text == "before" || w.text == "after"))
            else {
                return Reply::caret(
                    "syntax error, expecting 'before' or 'after'.",
                    line.trim_end().len() + 1,
                );
            };
            let before = words[split].text == "before";
            modify(core, s, line, |view, root, at, edit_level| {
                let what = one(view, edit_level, &words[..split], line)?;
                let anchor =
                    relative_to_parent(view, edit_level, &what, &words[split + 1..], line)?;
                view.edit(root, |r, base| {
                    edit::insert(r, &join(base, at), &what, before, &anchor)
                })
                .map_err(edit_error)
            })
        }
        "edit" => {
            if words.is_empty() {
                return Reply::caret("missing argument.", line.trim_end().len() + 1);
            }
            let t = match one(&s.view, &s.edit, words, line) {
                Ok(t) => t,
                Err(r) => return *r,
            };
            let schema = Schema::get();
            let kind = t.schema().map(|id| schema.node(id).kind);
            if t.values.is_some() || !matches!(kind, Some(Kind::Container | Kind::List)) {
                return Reply::caret("syntax error.", words.last().map_or(0, |w| w.col));
            }
            if let Some(r) = locked(core, s) {
                return r;
            }
            s.edit_stack.push(s.edit.clone());
            s.edit.extend(t.steps);
            core.note_session(s.id, s.info());
            Reply::ok("")
        }
        "up" => {
            let n: usize = inv.arg("number").and_then(|n| n.parse().ok()).unwrap_or(1);
            let keep = s.edit.len().saturating_sub(n);
            s.edit.truncate(keep);
            core.note_session(s.id, s.info());
            Reply::ok("")
        }
        "top" => {
            if words.is_empty() {
                s.edit_stack.clear();
                s.edit.clear();
                core.note_session(s.id, s.info());
                return Reply::ok("");
            }
            // `top top ... CMD` is `top CMD`: the repeats are skipped as text and the rest is
            // parsed once (not once per word: 4,096 `top`s took 2.5 s).
            let mut text = rest_text(inv, line);
            while let Some(after) = text.trim_start().strip_prefix("top") {
                if !after.is_empty() && !after.starts_with(char::is_whitespace) {
                    break;
                }
                text = after;
            }
            if text.trim().is_empty() {
                s.edit_stack.clear();
                s.edit.clear();
                return Reply::ok("");
            }
            let command = lsys_grammar::cli::parse(text, Mode::Configuration)
                .map(|p| p.command.name())
                .unwrap_or_default();
            let saved = std::mem::take(&mut s.edit);
            let reply = super::execute(core, s, text);
            // Only a successful `top edit X` moves the edit level; anything else (a failed
            // edit included) runs at the top and comes back.
            if s.configuring() && (command != "edit" || reply.error.is_some()) {
                s.edit = saved;
            }
            reply
        }
        "exit" | "quit" => {
            // `exit` retraces `edit` commands; at [edit] it leaves configuration mode.
            if !inv.has("configuration-mode") && !s.edit.is_empty() {
                s.edit = s.edit_stack.pop().unwrap_or_default();
                core.note_session(s.id, s.info());
                return Reply::ok("");
            }
            let running = core.running.get();
            let uncommitted = match &s.candidate {
                Some(Candidate::Private { tree, .. }) => {
                    part(tree, &s.view) != running.part(&s.view)
                }
                Some(_) => super::oper::shared_changed(core, &s.view),
                None => false,
            };
            if uncommitted {
                s.pending = Some(Pending::ExitConfiguration);
                return Reply::ask(
                    "The configuration has been changed but not committed\n",
                    "Exit with uncommitted changes? [yes,no] (yes) ",
                    true,
                );
            }
            leave(core, s)
        }
        "show" => show(core, s, inv, display, line),
        "commit" => commit(core, s, inv),
        "rollback" => {
            let n: usize = inv.arg("number").and_then(|n| n.parse().ok()).unwrap_or(0);
            if let Some(r) = locked(core, s) {
                return r;
            }
            let current = candidate(core, s);
            match rollback_part(core, &s.view, n, &current) {
                Ok(p) => {
                    // The candidate now starts from what the user chose: its base is the
                    // running configuration of today, so committing it is not "modified".
                    let view = s.view.clone();
                    let running = core.running.get();
                    with_candidate(core, s, |tree, base| {
                        replace_part(tree, &view, p);
                        replace_part(base, &view, running.part(&view).into_owned());
                    });
                    Reply::ok("load complete\n")
                }
                Err(e) => Reply::error(e.to_string()),
            }
        }
        name if name.starts_with("load ") => load(core, s, inv),
        "status" => status(core, s),
        "run" => {
            let text = rest_text(inv, line);
            let saved = s.candidate.take();
            let reply = match lsys_grammar::cli::parse(text, Mode::Operational) {
                Ok(p) => super::oper::run(core, s, &p.command, &super::display_of(&p), text),
                Err(e) => Reply::caret(e.to_string(), e.col + (line.len() - text.len())),
            };
            if s.candidate.is_none() {
                s.candidate = saved;
            }
            reply
        }
        "help" => Reply::ok(super::oper::run(core, s, inv, display, line).output),
        other => Reply::error(format!("error: '{other}' is not supported yet")),
    }
}

fn join(base: &[Step], at: &[Step]) -> Vec<Step> {
    let mut v = base.to_vec();
    v.extend_from_slice(at);
    v
}

fn edit_error(e: EditError) -> Box<Reply> {
    Box::new(match e {
        EditError::NotFound => Reply::error("warning: statement not found"),
        EditError::OperatorOnly(p) => Reply::error(format!(
            "error: '{p}': this statement is managed by the operator and cannot be changed"
        )),
        EditError::Invalid(m) => Reply::error(format!("error: {m}")),
    })
}

/// Resolves words that must name one statement at the session's edit level.
fn one(view: &View, edit_level: &[Step], words: &[Word], line: &str) -> Result<Target, Box<Reply>> {
    if words.is_empty() {
        return Err(Box::new(Reply::caret(
            "missing argument.",
            line.trim_end().len() + 1,
        )));
    }
    let mut targets = view
        .resolve(edit_level, words, Match::Prefix, Values::Optional)
        .map_err(|e| Box::new(Reply::caret(e.to_string(), path_caret(&e, words, line))))?;
    if targets.len() != 1 {
        return Err(Box::new(Reply::caret(
            "syntax error.",
            words.last().map_or(0, |w| w.col),
        )));
    }
    Ok(targets.remove(0))
}

/// `B` of `rename A to B`: written relative to A's parent.
fn relative_to_parent(
    view: &View,
    edit_level: &[Step],
    a: &Target,
    words: &[Word],
    line: &str,
) -> Result<Target, Box<Reply>> {
    let mut parent = edit_level.to_vec();
    parent.extend(a.steps[..a.steps.len().saturating_sub(1)].iter().cloned());
    one(view, &parent, words, line)
}

fn locked(core: &Core, s: &Session) -> Option<Reply> {
    if matches!(s.candidate, Some(Candidate::Shared)) {
        if let Some(by) = core.locked_by_other(&s.view, s.id) {
            return Some(Reply::error(format!(
                "error: configuration database locked by: {by}"
            )));
        }
    }
    None
}

/// The session's candidate, as a snapshot.
fn candidate(core: &Core, s: &Session) -> Arc<Node> {
    match &s.candidate {
        Some(Candidate::Private { tree, .. }) => tree.clone(),
        _ => lock(&core.shared).tree.clone(),
    }
}

/// Runs `f` on the session's candidate and its base (the shared one under its lock: edits
/// are short; long loads go through [`load_text`]'s copy-and-swap instead).
fn with_candidate<R>(core: &Core, s: &mut Session, f: impl FnOnce(&mut Node, &mut Node) -> R) -> R {
    match &mut s.candidate {
        Some(Candidate::Private { tree, base }) => f(Arc::make_mut(tree), Arc::make_mut(base)),
        _ => {
            let mut shared = lock(&core.shared);
            let shared = &mut *shared;
            f(
                Arc::make_mut(&mut shared.tree),
                Arc::make_mut(&mut shared.base),
            )
        }
    }
}

/// Runs `f` on the session's candidate tree. A short edit (`long` false) changes the shared
/// candidate in place under its lock when nobody holds a snapshot of it; otherwise — a long
/// edit (a load), or a commit or completion reading it — `f` runs on a copy outside the lock,
/// swapped in unless someone edited meanwhile (then `f` runs again, under the lock).
fn edit_candidate<R>(core: &Core, s: &mut Session, long: bool, f: impl Fn(&mut Node) -> R) -> R {
    if let Some(Candidate::Private { tree, .. }) = &mut s.candidate {
        return f(Arc::make_mut(tree));
    }
    let before = {
        let mut shared = lock(&core.shared);
        if !long && Arc::strong_count(&shared.tree) == 1 {
            return f(Arc::make_mut(&mut shared.tree));
        }
        shared.tree.clone()
    };
    let mut copy = (*before).clone();
    let r = f(&mut copy);
    let mut shared = lock(&core.shared);
    if Arc::ptr_eq(&shared.tree, &before) {
        shared.tree = Arc::new(copy);
        r
    } else {
        f(Arc::make_mut(&mut shared.tree))
    }
}

/// Runs an edit on the session's candidate: `f(view, root, edit level, edit level)`.
fn modify<F>(core: &Core, s: &mut Session, _line: &str, f: F) -> Reply
where
    F: Fn(&View, &mut Node, &[Step], &[Step]) -> Result<(), Box<Reply>>,
{
    if let Some(r) = locked(core, s) {
        return r;
    }
    let view = s.view.clone();
    let edit_level = s.edit.clone();
    match edit_candidate(core, s, false, |root| {
        f(&view, root, &edit_level, &edit_level)
    }) {
        Ok(()) => Reply::ok(""),
        Err(r) => *r,
    }
}

/// Leaves configuration mode (after the question, if there was one).
pub(super) fn leave(core: &Core, s: &mut Session) -> Reply {
    if matches!(s.candidate, Some(Candidate::Exclusive)) {
        // Exclusive mode: uncommitted changes are discarded with the lock.
        let view = s.view.clone();
        let running = core.running.get();
        with_candidate(core, s, |tree, base| {
            replace_part(tree, &view, running.part(&view).into_owned());
            replace_part(base, &view, running.part(&view).into_owned());
        });
        let _ = core.store.unlock(&scope_of(&s.view), s.user());
        lock(&core.locks).remove(&scope_key(&s.view));
    }
    s.candidate = None;
    s.edit.clear();
    s.edit_stack.clear();
    core.note_session(s.id, s.info());
    Reply::ok("Exiting configuration mode\n")
}

pub(super) fn delete_all(core: &Core, s: &mut Session) -> Reply {
    modify(core, s, "", |view, root, at, _| {
        view.edit(root, |r, base| edit::delete_all(r, &join(base, at)))
            .map_err(edit_error)
    })
}

fn show(core: &Core, s: &Session, inv: &Invocation, display: &Display, line: &str) -> Reply {
    if let Err(e) = s.principal.may_view_configuration() {
        return Reply::error(format!("error: {e}"));
    }
    let cand = candidate(core, s);
    let running = core.running.get();
    let part = part(&cand, &s.view);
    let schema = Schema::get();
    let mut steps = s.edit.clone();
    if !inv.rest.is_empty() {
        match one(&s.view, &s.edit, &inv.rest, line) {
            Ok(t) => steps.extend(t.steps),
            Err(r) => return *r,
        }
    }
    if let Display::Compare(rollback) = display {
        let old = match rollback {
            None => running.part(&s.view),
            Some(n) => match rollback_part(core, &s.view, *n, &cand) {
                Ok(p) => std::borrow::Cow::Owned(p),
                Err(e) => return Reply::error(e.to_string()),
            },
        };
        let empty = Node::new(part.schema, part.key.clone());
        let a = old.at(&steps).unwrap_or(&empty);
        let b = part.at(&steps).unwrap_or(&empty);
        return Reply::ok(lsys_grammar::compare::compare(a, b));
    }
    // What is shown may be inherited only, so not in `part`.
    if let Display::Inheritance(notes) = *display {
        return Reply::ok(super::inheritance(
            &cand,
            &running.tree,
            &part,
            &s.view,
            &steps,
            notes,
        ));
    }
    let Some(node) = part.at(&steps) else {
        return Reply::ok("");
    };
    let prefix = match display {
        Display::Set { relative: true } => words_of(schema, &steps[s.edit.len()..]),
        _ => words_of(schema, &steps),
    };
    Reply::ok(super::render(
        node,
        steps.is_empty(),
        display,
        &prefix,
        false,
    ))
}

fn commit(core: &Core, s: &mut Session, inv: &Invocation) -> Reply {
    let view = s.view.clone();
    let source = match &s.candidate {
        Some(Candidate::Private { tree, base }) => Source::Private {
            tree: tree.clone(),
            base: base.clone(),
        },
        _ => Source::Shared,
    };
    let private = matches!(source, Source::Private { .. });
    let confirmed: Option<i64> = inv.has("confirmed").then(|| {
        inv.arg("confirmed")
            .and_then(|m| m.parse().ok())
            .unwrap_or(10)
    });
    let action = if inv.has("check") {
        Action::Check
    } else {
        let time = core.now();
        Action::Commit(CommitMeta {
            user: s.user().to_string(),
            time_unix: time,
            client: match s.client {
                Client::Cli => StoreClient::Cli,
                Client::Batch => StoreClient::Batch,
                Client::Ssh => StoreClient::Ssh,
                Client::Web => StoreClient::Web,
            },
            comment: inv.arg("comment").map(str::to_string),
            confirmed_deadline_unix: confirmed.map(|m| time + m * 60),
        })
    };
    let check = matches!(action, Action::Check);
    let req = CommitRequest {
        principal: s.principal.clone(),
        view: view.clone(),
        source,
        action,
    };
    match core.pipeline.commit(req) {
        Ok(_) if check => Reply::ok("configuration check succeeds\n"),
        Ok(_) => {
            if private {
                s.candidate = Some(super::oper::private(core, &view));
            }
            let mut out = String::new();
            if let Some(m) = confirmed {
                core.confirm_armed.notify_one();
                out.push_str(&format!("commit confirmed will be automatically rolled back in {m} minutes unless confirmed\n"));
            }
            out.push_str("commit complete\n");
            if inv.has("and-quit") {
                out.push_str(&leave(core, s).output);
            }
            Reply::ok(out)
        }
        Err(e) => Reply::error(e.to_string()),
    }
}

fn load(core: &Core, s: &mut Session, inv: &Invocation) -> Reply {
    let mode = match inv.path.get(1).map(String::as_str) {
        Some("merge") => LoadMode::Merge,
        Some("override") => LoadMode::Override,
        Some("replace") => LoadMode::Replace,
        _ => LoadMode::Set,
    };
    let relative = inv.has("relative");
    if let Some(r) = locked(core, s) {
        return r;
    }
    // The daemon runs as root: it never opens a file on a user's behalf. The shell reads the
    // file (or the terminal) with the user's own permissions and sends the text.
    let file = if inv.path.last().map(String::as_str) == Some("terminal") {
        None
    } else {
        match inv.arg("filename") {
            Some(f) => Some(f.to_string()),
            None => return Reply::error("error: missing file name"),
        }
    };
    s.pending = Some(Pending::Load {
        mode,
        relative,
        file: file.clone(),
    });
    Reply {
        read_text: Some(file),
        ..Reply::default()
    }
}

/// The second half of `load`: apply the text to the candidate (a long load on the shared
/// candidate runs on a copy, outside its lock, when others read it: see [`edit_candidate`]).
///
/// Statements lsys does not have are left out and listed before `load complete`; any error
/// (each is listed with `FILE:LINE:COL`) leaves the candidate as it was:
/// ```text
/// warning: statements not supported by lsys were ignored:
///   line 3: chassis
///   line 12: system services
/// load complete (2 statements ignored)
/// ```
pub(super) fn load_text(
    core: &Core,
    s: &mut Session,
    mode: LoadMode,
    relative: bool,
    file: Option<&str>,
    text: &str,
) -> Reply {
    if let Some(r) = locked(core, s) {
        return r;
    }
    let view = s.view.clone();
    let level = s.edit.clone();
    let failed = "error: load failed, nothing was changed";
    match edit_candidate(core, s, true, |root| {
        view.load(root, &level, mode, text, relative)
    }) {
        Ok(ignored) if ignored.is_empty() => Reply::ok("load complete\n"),
        Ok(ignored) => Reply::ok(format!(
            "{}load complete ({} ignored)\n",
            ignored.render(None),
            count(ignored.total(), "statement")
        )),
        Err(LoadError::Text(errors)) => Reply::error(format!(
            "{}error: load failed: {}, nothing was changed",
            errors.render(file.unwrap_or("terminal")),
            count(errors.len(), "error")
        )),
        Err(LoadError::Edit(e)) => Reply::error(format!(
            "{}\n{failed}",
            edit_error(e).error.unwrap_or_default()
        )),
    }
}

fn status(core: &Core, s: &Session) -> Reply {
    let mut out = String::from("Users currently editing the configuration:\n");
    for info in lock(&core.sessions).values() {
        if info.logical_system.as_deref() != s.view.logical_system() {
            continue;
        }
        if let Some((banner, kind)) = &info.editing {
            out.push_str(&format!(
                "{} terminal {} (pid {}) on since {}\n    {}{}\n",
                info.user,
                info.tty.as_deref().unwrap_or("-"),
                info.pid.map_or("-".to_string(), |p| p.to_string()),
                super::utc(info.since),
                banner,
                if *kind == "shared" {
                    String::new()
                } else {
                    format!(" {kind}")
                }
            ));
        }
    }
    Reply::ok(out)
}
