//! Completion and help: the rows of `Possible completions:` and TAB, answered from the schema
//! plus the names configured in the tree (never beyond the view: a tenant's names come from its
//! own logical system only).

use crate::cli::{self, Mode};
use crate::path::{match_keyword, parse_value, Match, Word};
use crate::schema::{Kind, Schema, SchemaId, SchemaNode, ROOT};
use crate::tree::{Node, Step};
use crate::view::View;

/// One row of a `Possible completions:` listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `>` container, `+` multi-value, blank otherwise.
    pub marker: char,
    pub name: String,
    pub help: String,
}

impl Row {
    fn new(marker: char, name: impl Into<String>, help: impl Into<String>) -> Row {
        Row {
            marker,
            name: name.into(),
            help: help.into(),
        }
    }

    /// Placeholders (`<name>`), `<[Enter]>` and `|` are not words TAB can insert.
    pub fn is_word(&self) -> bool {
        !self.name.starts_with('<') && self.name != "|"
    }
}

/// What the user can type at the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completions {
    pub rows: Vec<Row>,
    /// Column where the word being completed starts.
    pub col: usize,
    /// The part of that word already typed.
    pub partial: String,
}

impl Completions {
    /// The text TAB inserts after `partial`: the rest of the one match (with a blank), or the
    /// longest common prefix of several.
    pub fn tab(&self) -> Option<String> {
        let words: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.is_word())
            .map(|r| r.name.as_str())
            .collect();
        match words.as_slice() {
            [] => None,
            [one] => Some(format!("{} ", &one[self.partial.len().min(one.len())..])),
            many => {
                let mut prefix = many[0].to_string();
                for w in &many[1..] {
                    let n = prefix
                        .chars()
                        .zip(w.chars())
                        .take_while(|(a, b)| a == b)
                        .count();
                    prefix = prefix.chars().take(n).collect();
                }
                let rest = &prefix[self.partial.len().min(prefix.len())..];
                (!rest.is_empty()).then(|| rest.to_string())
            }
        }
    }

    /// The listing printed for `?`.
    pub fn render(&self) -> String {
        let mut out = String::from("Possible completions:\n");
        for r in &self.rows {
            out.push_str(&format_row(r.marker, &r.name, &r.help));
            out.push('\n');
        }
        while out.ends_with(' ') || out.ends_with('\n') {
            out.pop();
        }
        out.push('\n');
        out
    }
}

/// One row of `Possible completions:`: marker, name padded to 21 (a longer name gets two
/// blanks), help; no trailing blanks.
pub fn format_row(marker: char, name: &str, help: &str) -> String {
    let row = if name.chars().count() < 21 {
        format!("{marker} {name:<21}{help}")
    } else {
        format!("{marker} {name}  {help}")
    };
    row.trim_end().to_string()
}

/// The rows for a value to type: its placeholder (`<name>`) and any fixed choices.
fn value_rows(n: &SchemaNode) -> Vec<Row> {
    let placeholder = if n.keyless {
        format!("<{}>", n.word)
    } else {
        n.vtype
            .as_ref()
            .map_or("<value>", |t| t.placeholder())
            .to_string()
    };
    let mut rows = vec![Row::new(' ', placeholder, n.help.clone())];
    if let Some(t) = &n.vtype {
        rows.extend(t.choices().into_iter().map(|c| Row::new(' ', c, "")));
    }
    rows
}

/// Junos order: `<[Enter]>` first, then placeholders, names alphabetically, `|` last.
fn sort(rows: &mut Vec<Row>) {
    let rank = |r: &Row| match r.name.as_str() {
        "<[Enter]>" => 0,
        "|" => 3,
        n if n.starts_with('<') => 1,
        _ => 2,
    };
    rows.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
    rows.dedup_by(|a, b| a.name == b.name);
}

fn enter() -> Row {
    Row::new(' ', "<[Enter]>", "Execute this command")
}

fn pipe() -> Row {
    Row::new(' ', "|", "Pipe through a command")
}

/// Everything a tenant or the operator may be offered at a configuration path.
pub struct ConfigContext<'a> {
    /// The whole configuration (candidate); names are taken from the view's part only.
    pub root: &'a Node,
    pub view: &'a View,
    /// The edit level, relative to the view.
    pub edit: &'a [Step],
}

impl ConfigContext<'_> {
    fn hidden(&self, n: &SchemaNode) -> bool {
        self.view.is_tenant() && n.operator_only
    }

    /// The scope (`logical-systems X` entry or the root) that names at `abs` refer to.
    fn scope_of<'b>(&self, abs: &[Step], root: &'b Node) -> &'b Node {
        let schema = Schema::get();
        match abs {
            [_, ls, ..] if ls.schema == schema.logical_system() => {
                root.at(&abs[..2]).unwrap_or(root)
            }
            _ => root,
        }
    }

    /// Configured names that a value of schema node `id` may name (`@ref`, `@unitref`).
    fn referenced(&self, id: SchemaId, abs: &[Step]) -> Vec<String> {
        let schema = Schema::get();
        let node = schema.node(id);
        let scope = self.scope_of(abs, self.root);
        let walk = |words: &[String]| -> Vec<&Node> {
            let mut cur: Vec<&Node> = vec![scope];
            for w in words {
                let mut next = Vec::new();
                for n in cur {
                    if let Some(c) = schema.child_by_word(n.schema, w) {
                        next.extend(n.children_of(c));
                    }
                }
                cur = next;
            }
            // A container of keyless entries stands for its entries.
            cur.into_iter()
                .flat_map(|n| match schema.keyless_child(n.schema) {
                    Some(k) if n.key.is_none() => n.children_of(k).collect::<Vec<_>>(),
                    _ => vec![n],
                })
                .collect()
        };
        if let Some(path) = &node.reference {
            return walk(path).iter().filter_map(|n| n.key.clone()).collect();
        }
        if let Some(path) = &node.unit_reference {
            let mut out = Vec::new();
            for port in walk(path) {
                let Some(p) = &port.key else { continue };
                for unit in port.list("unit") {
                    out.push(format!("{p}.{}", unit.key.as_deref().unwrap_or("")));
                }
            }
            return out;
        }
        Vec::new()
    }

    /// Rows for the next word after `words` (complete words of a configuration path).
    pub fn rows(&self, words: &[Word], partial: &str, enter_ok: bool) -> Vec<Row> {
        let schema = Schema::get();
        let mut abs = self.view.abs(self.edit);
        let mut cur = self.view.schema_at(self.edit);
        let mut i = 0;
        // Walk the complete words; stop where the next word is a value to type.
        let mut expect: Option<SchemaId> = None; // a list key or leaf value is expected
        let mut in_brackets = false;
        while i < words.len() {
            let w = &words[i];
            if let Some(id) = expect.take() {
                let n = schema.node(id);
                if n.kind == Kind::LeafList && w.text == "[" && !w.quoted {
                    in_brackets = true;
                    expect = Some(id);
                    i += 1;
                    continue;
                }
                if in_brackets {
                    if w.text == "]" && !w.quoted {
                        in_brackets = false;
                    } else {
                        expect = Some(id);
                    }
                    i += 1;
                    continue;
                }
                let Ok(value) = parse_value(schema, id, &w.text) else {
                    return Vec::new();
                };
                if n.kind == Kind::List {
                    abs.push(Step::new(id, Some(value)));
                    cur = id;
                }
                i += 1;
                continue;
            }
            let kw = if w.quoted {
                None
            } else {
                match_keyword(schema, cur, &w.text, Match::Prefix)
                    .ok()
                    .flatten()
            };
            let Some(id) = kw.or_else(|| schema.keyless_child(cur)) else {
                return Vec::new();
            };
            let n = schema.node(id);
            if self.hidden(n) {
                return Vec::new();
            }
            match n.kind {
                Kind::Container => {
                    abs.push(Step::new(id, None));
                    cur = id;
                    i += 1;
                }
                Kind::List if n.keyless => expect = Some(id),
                Kind::List | Kind::Leaf | Kind::LeafList => {
                    expect = Some(id);
                    i += 1;
                }
                Kind::Flag => i += 1,
            }
        }
        let mut rows = Vec::new();
        match expect {
            Some(id) => {
                let n = schema.node(id);
                rows.extend(value_rows(n));
                if n.kind == Kind::List {
                    let parent = &abs;
                    if let Some(node) = self.root.at(parent) {
                        for e in node.children_of(id) {
                            if let Some(k) = &e.key {
                                rows.push(Row::new(' ', k.clone(), ""));
                            }
                        }
                    }
                }
                for name in self.referenced(id, &abs) {
                    rows.push(Row::new(' ', name, ""));
                }
                if n.kind == Kind::LeafList && !in_brackets {
                    rows.push(Row::new(' ', "[", "Open a set of values"));
                }
            }
            None => {
                if enter_ok {
                    rows.push(enter());
                }
                for &c in &schema.node(cur).children {
                    let n = schema.node(c);
                    if self.hidden(n) {
                        continue;
                    }
                    if n.keyless {
                        rows.push(Row::new(' ', format!("<{}>", n.word), n.help.clone()));
                        if let Some(node) = self.root.at(&abs) {
                            for e in node.children_of(c) {
                                if let Some(k) = &e.key {
                                    rows.push(Row::new(' ', k.clone(), ""));
                                }
                            }
                        }
                    } else {
                        rows.push(Row::new(n.marker(), n.word.clone(), n.help.clone()));
                    }
                }
            }
        }
        rows.retain(|r| !r.is_word() || r.name.starts_with(partial));
        if !partial.is_empty() {
            rows.retain(|r| r.is_word() || r.name.starts_with('<') && r.name != "<[Enter]>");
        }
        rows
    }
}

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
            "routing-instance" => ctx
                .view
                .scope(ctx.root)
                .and_then(|s| s.get("routing-instances"))
                .map(|ri| ri.children.iter().filter_map(|e| e.key.clone()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        rows.extend(names.into_iter().map(|k| Row::new(' ', k, "")));
        if n.optional {
            rows.extend(child_rows(c, c.node(id).parent.unwrap_or(cur)));
            rows.push(enter());
        }
    } else {
        if !words.is_empty() {
            rows.push(enter());
            if is_show || in_pipe {
                rows.push(pipe());
            }
        }
        rows.extend(child_rows(c, cur));
    }
    rows.retain(|r| !r.is_word() || r.name.starts_with(partial));
    if !partial.is_empty() {
        rows.retain(|r| r.is_word() || r.name.starts_with('<') && r.name != "<[Enter]>");
    }
    rows
}

fn child_rows(c: &Schema, cur: SchemaId) -> Vec<Row> {
    c.node(cur)
        .children
        .iter()
        .map(|&id| {
            let n = c.node(id);
            if n.keyless {
                Row::new(' ', format!("<{}>", n.word), n.help.clone())
            } else {
                Row::new(n.marker(), n.word.clone(), n.help.clone())
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
            command_rows(Mode::Configuration.root(), rest, partial, mode, &top, false)
        }
        _ => vec![enter()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::curly;

    const SEED: &str = include_str!("../tests/fixtures/seed.conf");

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
}
