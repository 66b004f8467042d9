//! Command-line completion: [`line`] tokenizes the text before the cursor and walks the command
//! schema (operational, configuration and pipe commands), handing configuration paths to
//! [`ConfigContext`].

use super::{enter, pipe, sort, value_rows, Completions, Row};
use crate::cli::{self, Mode};
use crate::complete::ConfigContext;
use crate::path::{match_keyword, Match, Word};
use crate::schema::{Kind, Schema, SchemaId, ROOT};
use crate::tree::Node;

/// Completions for a command line (the text before the cursor) in `mode`.
pub fn line(text: &str, mode: Mode, ctx: &ConfigContext) -> Completions {
    let ends_blank = text.is_empty() || text.ends_with(char::is_whitespace);
    let Ok(segments) = cli::tokenize(text) else {
        return Completions::default();
    };
    let mut words: Vec<Word> = segments.last().cloned().unwrap_or_default();
    let in_pipe = segments.len() > 1;
    let (partial, col) = if ends_blank {
        (String::new(), text.len())
    } else {
        let w = words.pop().unwrap_or_else(|| Word::new("", text.len()));
        (w.text, w.col)
    };
    let start = if in_pipe {
        cli::pipe_root()
    } else {
        mode.root()
    };
    let mut rows = command_rows(start, &words, &partial, mode, ctx, in_pipe);
    sort(&mut rows);
    Completions { rows, col, partial }
}

fn command_rows(
    start: SchemaId,
    words: &[Word],
    partial: &str,
    mode: Mode,
    ctx: &ConfigContext,
    in_pipe: bool,
) -> Vec<Row> {
    let c = Schema::commands();
    let mut cur = start;
    let mut i = 0;
    let mut expect: Option<SchemaId> = None;
    let mut is_show = false;
    // `@choice` members given: their siblings in the group are not offered.
    let mut chosen: Vec<SchemaId> = Vec::new();
    while i < words.len() {
        let node = c.node(cur);
        if let Some(kind) = &node.rest {
            let rest = &words[i..];
            return rest_rows(kind, rest, partial, mode, ctx, is_show);
        }
        let w = &words[i];
        if let Some(id) = expect.take() {
            let n = c.node(id);
            if n.optional && n.vtype.as_ref().is_some_and(|t| t.parse(&w.text).is_err()) {
                continue; // an optional value left out: read this word as a command
            }
            if n.kind == Kind::List {
                cur = id;
            }
            i += 1;
            continue;
        }
        let kw = match_keyword(c, cur, &w.text, Match::Prefix).ok().flatten();
        let Some(id) = kw.or_else(|| c.keyless_child(cur)) else {
            return Vec::new();
        };
        let n = c.node(id);
        if i == 0 && n.word == "show" {
            is_show = true;
        }
        if n.choice.is_some() {
            chosen.push(id);
        }
        match n.kind {
            Kind::Container => {
                cur = id;
                i += 1;
            }
            Kind::List => expect = Some(id),
            Kind::Leaf | Kind::LeafList => {
                expect = Some(id);
                i += 1;
            }
            Kind::Flag => i += 1,
        }
    }
    if let Some(kind) = &c.node(cur).rest {
        if !words.is_empty() {
            return rest_rows(kind, &[], partial, mode, ctx, is_show);
        }
    }
    let taken = |id: SchemaId| chosen.iter().any(|&o| o != id && cli::excludes(c, o, id));
    let mut rows = Vec::new();
    if let Some(id) = expect {
        let n = c.node(id);
        rows.extend(value_rows(n));
        // Configured names for arguments that name configuration (`set cli logical-system`).
        let names: Vec<String> = match n.word.as_str() {
            "logical-system" if !ctx.view.is_tenant() => {
                let schema = Schema::get();
                ctx.root
                    .children_of(
                        schema
                            .child_by_word(ROOT, "logical-systems")
                            .unwrap_or(ROOT),
                    )
                    .flat_map(|n| n.children.iter().filter_map(|e| e.key.clone()))
                    .collect()
            }
            "routing-instance" | "instance" => ctx
                .view
                .scope(ctx.root)
                .and_then(|s| s.get("routing-instances"))
                .map(|ri| ri.children.iter().filter_map(|e| e.key.clone()).collect())
                .unwrap_or_default(),
            // `show arp interface NAME`.
            "interface" => interface_names(ctx),
            _ => Vec::new(),
        };
        rows.extend(names.into_iter().map(|k| Row::new(' ', k, "")));
        if n.optional {
            rows.extend(child_rows(c, c.node(id).parent.unwrap_or(cur), &taken));
            rows.push(enter());
        }
    } else {
        // A keyless argument that names configuration lists the view's: interfaces
        // (`show interfaces ?`), BGP groups (`show bgp group ?`) and neighbors
        // (`show bgp neighbor ?`, `show route receive-protocol bgp ?`).
        if let Some(k) = c.keyless_child(cur) {
            let names = match c.node(k).word.as_str() {
                "interface-name" => interface_names(ctx),
                "group-name" => bgp_names(ctx, Bgp::Groups),
                "address" | "neighbor" => bgp_names(ctx, Bgp::Neighbors),
                _ => Vec::new(),
            };
            rows.extend(names.into_iter().map(|n| Row::new(' ', n, "")));
        }
        if !words.is_empty() {
            rows.push(enter());
            if is_show || in_pipe {
                rows.push(pipe());
            }
        }
        rows.extend(child_rows(c, cur, &taken));
    }
    rows.retain(|r| !r.is_word() || r.name.starts_with(partial));
    if !partial.is_empty() {
        rows.retain(|r| r.is_word() || r.name.starts_with('<') && r.name != "<[Enter]>");
    }
    rows
}

/// The interfaces (and their units) configured in the view's scope; a tenant's physical units
/// are the operator's circuits, so a tenant is offered its irb and irb units only.
fn interface_names(ctx: &ConfigContext) -> Vec<String> {
    let Some(ifs) = ctx.view.scope(ctx.root).and_then(|s| s.get("interfaces")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in &ifs.children {
        let Some(name) = &i.key else { continue };
        if ctx.view.is_tenant() && name != "irb" {
            continue;
        }
        out.push(name.clone());
        out.extend(
            i.list("unit")
                .filter_map(|u| u.key.as_ref().map(|k| format!("{name}.{k}"))),
        );
    }
    out
}

/// What [`bgp_names`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bgp {
    Groups,
    Neighbors,
}

/// The BGP groups, or their neighbors' addresses, configured in the view's scope: in its
/// master instance and in every routing instance, sorted, each once.
fn bgp_names(ctx: &ConfigContext, what: Bgp) -> Vec<String> {
    let Some(scope) = ctx.view.scope(ctx.root) else {
        return Vec::new();
    };
    fn bgp(n: &Node) -> Option<&Node> {
        n.get("protocols")?.get("bgp")
    }
    let mut speakers: Vec<&Node> = bgp(scope).into_iter().collect();
    if let Some(ris) = scope.get("routing-instances") {
        speakers.extend(ris.children.iter().filter_map(bgp));
    }
    let mut out: Vec<String> = speakers
        .iter()
        .flat_map(|b| b.list("group"))
        .flat_map(|g| match what {
            Bgp::Groups => g.key.iter().cloned().collect::<Vec<_>>(),
            Bgp::Neighbors => g.list("neighbor").filter_map(|n| n.key.clone()).collect(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The rows for `cur`'s children, but those `taken` says another argument excludes.
fn child_rows(c: &Schema, cur: SchemaId, taken: &dyn Fn(SchemaId) -> bool) -> Vec<Row> {
    c.node(cur)
        .children
        .iter()
        .filter(|&&id| !taken(id))
        .map(|&id| {
            let n = c.node(id);
            // Junos marks containers with `>` only in configuration paths: command
            // listings (`show ?`, `?` in either mode) have no markers.
            if n.keyless {
                Row::new(' ', format!("<{}>", n.word), n.help.clone())
            } else {
                Row::new(' ', n.word.clone(), n.help.clone())
            }
        })
        .collect()
}

fn rest_rows(
    kind: &str,
    rest: &[Word],
    partial: &str,
    mode: Mode,
    ctx: &ConfigContext,
    is_show: bool,
) -> Vec<Row> {
    match kind {
        "config" => {
            // `show` alone shows the level; `set`, `delete`, ... need a path.
            let mut rows = ctx.rows(rest, partial, is_show || !rest.is_empty());
            if is_show {
                rows.push(pipe());
            }
            rows
        }
        "command" => command_rows(
            Mode::Operational.root(),
            rest,
            partial,
            Mode::Operational,
            ctx,
            false,
        ),
        "config-command" => {
            let top = ConfigContext {
                root: ctx.root,
                view: ctx.view,
                edit: &[],
            };
            // `top top ... X` completes as `top X`: skip the repeats here instead of recursing
            // once per word (a line of 4,000 `top`s overflowed the stack).
            let mut rest = rest;
            while rest.len() > 1 && !rest[0].quoted && rest[0].text == "top" {
                rest = &rest[1..];
            }
            command_rows(Mode::Configuration.root(), rest, partial, mode, &top, false)
        }
        _ => vec![enter()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::curly;
    use crate::view::View;

    const SEED: &str = include_str!("../../tests/fixtures/seed.conf");

    fn complete(text: &str, mode: Mode, view: &View) -> Completions {
        let root = curly::read(SEED, ROOT).unwrap();
        let ctx = ConfigContext {
            root: &root,
            view,
            edit: &[],
        };
        line(text, mode, &ctx)
    }

    fn names(c: &Completions) -> Vec<&str> {
        c.rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn keywords_and_help() {
        let c = complete(
            "set protocols bgp group aws ",
            Mode::Configuration,
            &View::operator(),
        );
        let n = names(&c);
        assert!(n.contains(&"peer-as") && n.contains(&"neighbor"), "{n:?}");
        let text = c.render();
        assert!(
            text.starts_with(
                "Possible completions:\n  <[Enter]>            Execute this command\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\n+ export               Export policy\n"),
            "{text}"
        );
        assert!(
            text.contains("\n> multihop             Configure an EBGP multihop session\n"),
            "{text}"
        );
    }

    #[test]
    fn tab_completes_keywords_and_configured_names() {
        let c = complete("set prot", Mode::Configuration, &View::operator());
        assert_eq!(c.tab().as_deref(), Some("ocols "));
        let v = View::tenant("l2");
        let c = complete("set routing-instances d", Mode::Configuration, &v);
        assert_eq!(
            c.tab().as_deref(),
            Some("87ed303-8b9d-48a5-9f08-aa42b4b50cd8 ")
        );
        let c = complete(
            "set routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8 protocols bgp group ",
            Mode::Configuration,
            &v,
        );
        let n = names(&c);
        assert!(n.contains(&"aws") && n.contains(&"azure"), "{n:?}");
        let c = complete("sh", Mode::Operational, &v);
        assert_eq!(c.tab().as_deref(), Some("ow "));
    }

    #[test]
    fn bgp_show_commands_offer_the_views_groups_and_neighbors() {
        let v = View::tenant("l2");
        let n = |line: &str| {
            let c = complete(line, Mode::Operational, &v);
            names(&c).into_iter().map(String::from).collect::<Vec<_>>()
        };
        let groups = n("show bgp group ");
        assert!(groups.iter().any(|g| g == "aws") && groups.iter().any(|g| g == "azure"));
        let peers = n("show bgp neighbor ");
        assert!(peers.iter().any(|p| p == "10.0.0.1") && peers.iter().any(|p| p == "10.0.0.14"));
        let peers = n("show route receive-protocol bgp 10.0.0.1");
        assert!(peers.iter().any(|p| p == "10.0.0.14"), "{peers:?}");
        let c = complete(
            "show route advertising-protocol bgp 10.0.0.",
            Mode::Operational,
            &v,
        );
        // 10.0.0.1 and 10.0.0.14: TAB goes as far as they agree.
        assert_eq!(c.tab().as_deref(), Some("1"));
        let c = complete("show bgp group az", Mode::Operational, &v);
        assert_eq!(c.tab().as_deref(), Some("ure "));
        let c = complete("show bgp summary instance d", Mode::Operational, &v);
        assert_eq!(
            c.tab().as_deref(),
            Some("87ed303-8b9d-48a5-9f08-aa42b4b50cd8 ")
        );
        let c = complete("show arp interface irb.", Mode::Operational, &v);
        let units = names(&c);
        assert!(
            units.contains(&"irb.2") && units.contains(&"irb.4"),
            "{units:?}"
        );
        // The operator's root has no BGP of its own in the seed.
        let c = complete("show bgp group ", Mode::Operational, &View::operator());
        assert!(!names(&c).contains(&"aws"));
    }

    #[test]
    fn references_offer_configured_names() {
        let v = View::tenant("l2");
        let c = complete(
            "set routing-instances X interface ",
            Mode::Configuration,
            &v,
        );
        let n = names(&c);
        assert!(n.contains(&"irb.4") && n.contains(&"eth1.2"), "{n:?}");
        let c = complete(
            "set cli logical-system ",
            Mode::Operational,
            &View::operator(),
        );
        assert!(names(&c).contains(&"l2"));
    }

    #[test]
    fn tenants_see_only_their_own() {
        let v = View::tenant("l2");
        let c = complete("set ", Mode::Configuration, &v);
        let n = names(&c);
        assert!(
            !n.contains(&"system") && !n.contains(&"logical-systems"),
            "{n:?}"
        );
        assert!(
            !n.contains(&"bridge-domains"),
            "operator-only hidden from tenants: {n:?}"
        );
        let c = complete("set cli logical-system ", Mode::Operational, &v);
        assert!(
            !names(&c).contains(&"l2"),
            "no logical-system names for tenants"
        );
        let c = complete("show configuration ", Mode::Operational, &v);
        assert!(!names(&c).contains(&"system"));
    }

    #[test]
    fn operational_commands_and_pipes() {
        let c = complete("show ", Mode::Operational, &View::operator());
        let n = names(&c);
        assert!(
            n.contains(&"route") && n.contains(&"bgp") && n.contains(&"configuration"),
            "{n:?}"
        );
        let c = complete(
            "show configuration | ",
            Mode::Operational,
            &View::operator(),
        );
        let n = names(&c);
        assert!(n.contains(&"match") && n.contains(&"display"), "{n:?}");
        let c = complete("commit confirmed ", Mode::Configuration, &View::operator());
        let n = names(&c);
        assert!(
            n.contains(&"<number>") && n.contains(&"comment") && n.contains(&"<[Enter]>"),
            "{n:?}"
        );
    }

    #[test]
    fn a_long_line_of_tops_completes_without_recursing() {
        // lsysd completes on threads with small stacks: 4,096 `top`s once overflowed them.
        let c = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(|| {
                let text = format!("{}se", "top ".repeat(4096));
                let c = complete(&text, Mode::Configuration, &View::operator());
                c.rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>()
            })
            .unwrap()
            .join()
            .expect("completion overflowed a 512 KiB stack");
        assert!(c.contains(&"set".to_string()), "{c:?}");
    }
}
