//! The lsys.conf(5) man page, generated from the schema.
//!
//! ```text
//!  Schema::get() ──► Index (copies of the same subtree found by shape, one canonical each)
//!                      ├─► SYNOPSIS    the hierarchy in curly braces, each subtree once
//!                      ├─► HIERARCHY   one .TP entry per node of each canonical subtree,
//!                      │               grouped by top-level section; copies point back
//!                      └─► LOGICAL SYSTEMS  sections a tenant sees, operator-only statements
//! ```
//! Fragments are expanded in the schema arena, so `routing-options` exists at the top level,
//! under `logical-systems <logical-system>` and under `routing-instances <instance>`. Two nodes
//! are copies when they have the same keyword, kind, key type and identical children; the
//! shallowest one (first in display order on a tie) is documented and the others refer to it.
//! The page is checked in as `man/lsys.conf.5`; `grammar/tests/manpage.rs` keeps it current.

use std::collections::HashMap;

use crate::schema::{Kind, Schema, SchemaId, SchemaNode, ROOT};
use crate::text::{curly, print};
use crate::types::ValueType;

/// The `.TH` line's version: no dates, so the output is the same on every build.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The example shown in DESCRIPTION, as a tenant sees its logical system. It is parsed and
/// printed with the same code as `show`, so the page shows the real output.
const EXAMPLE: &str = r#"
interfaces {
    irb {
        /* AWS Direct Connect */
        unit 4 {
            family inet {
                address 10.0.0.1/31;
            }
        }
    }
}
routing-instances {
    CUST {
        instance-type vrf;
        interface irb.4;
        route-distinguisher 65000:1;
        vrf-target target:65000:1;
        routing-options {
            inactive: static {
                route 10.9.0.0/16 discard;
            }
        }
        protocols {
            bgp {
                group aws {
                    type external;
                    peer-as 64512;
                    authentication-key "s3cret";
                    neighbor 10.0.0.0;
                }
            }
        }
    }
}
"#;

/// Escapes text for roff: backslashes print as `\e`, hyphens as `\-` (so paths can be copied).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            _ => out.push(c),
        }
    }
    out
}

/// The example configuration of DESCRIPTION (tests check that it still parses).
pub fn example() -> &'static str {
    EXAMPLE
}

/// lsys.conf(5) in roff (man macros).
pub fn lsys_conf_5() -> String {
    let schema = Schema::get();
    let index = Index::new(schema);
    let mut p = Page::default();
    p.raw(&format!(
        ".TH LSYS.CONF 5 \"lsys {VERSION}\" \"lsys {VERSION}\" \"File Formats Manual\""
    ));
    // No hyphenation and a ragged right edge: paths and keywords must stay copyable.
    p.raw(".nh");
    p.raw(".ad l");
    p.raw(".SH NAME");
    p.text("lsys.conf - the lsys configuration hierarchy");
    p.raw(".SH SYNOPSIS");
    p.raw(".nf");
    for &c in &schema.node(ROOT).children {
        index.synopsis(c, 0, &mut p);
    }
    p.raw(".fi");
    description(&mut p);
    p.raw(".SH HIERARCHY");
    p.text(
        "Every statement lsys knows, generated from the schema. Each entry gives the statement's \
         path from the top of the configuration, its help text (as shown by ?), its syntax, \
         the type and range of its value, and notes. Placeholders are in italics.",
    );
    p.text(
        "The same statements can appear in several places: each group of them is described \
         once, in the first section below that holds it, and the other places say where to \
         look. The differences that matter inside a logical system are the operator-only \
         statements, listed where a section is reused.",
    );
    for &c in &schema.node(ROOT).children {
        p.raw(&format!(".SS {}", escape(&schema.node(c).word)));
        index.entries(c, &mut p);
    }
    logical_systems(&index, &mut p);
    differences(&mut p);
    p.raw(".SH SEE ALSO");
    p.raw(".BR lsys (1),");
    p.raw(".BR lsysd (8)");
    p.out
}

/// Roff output with a guard for lines that would read as requests.
#[derive(Default)]
struct Page {
    out: String,
}

impl Page {
    /// A request or a line already in roff.
    fn raw(&mut self, line: &str) {
        if line.starts_with('.') || line.starts_with('\'') {
            self.out.push_str(line);
        } else {
            self.line(line);
            return;
        }
        self.out.push('\n');
    }

    /// A line of roff text that must not be taken for a request.
    fn line(&mut self, line: &str) {
        if line.starts_with('.') || line.starts_with('\'') {
            self.out.push_str("\\&");
        }
        self.out.push_str(line);
        self.out.push('\n');
    }

    /// A paragraph of plain text.
    fn text(&mut self, text: &str) {
        let last = self.out.lines().last().unwrap_or_default();
        if !last.starts_with(".SH") && !last.starts_with(".SS") {
            self.raw(".PP");
        }
        self.line(&escape(text));
    }

    /// Verbatim lines (indented, no filling).
    fn verbatim(&mut self, text: &str) {
        self.raw(".PP");
        self.raw(".RS 4");
        self.raw(".nf");
        for l in text.lines() {
            self.line(&escape(l));
        }
        self.raw(".fi");
        self.raw(".RE");
    }
}

/// Copies of the same subtree, and which one is documented.
struct Index<'s> {
    schema: &'s Schema,
    /// For a node that is a copy: the node documented instead.
    canonical: HashMap<SchemaId, SchemaId>,
    /// For a documented node: its copies, in display order.
    copies: HashMap<SchemaId, Vec<SchemaId>>,
}

impl<'s> Index<'s> {
    fn new(schema: &'s Schema) -> Index<'s> {
        let mut full = vec![String::new(); schema.len()];
        // Children come after their parent in the arena, so build signatures bottom-up.
        for n in schema.nodes().iter().rev() {
            let mut sig = format!(
                "{:?}|{}|{}|{:?}|{}|{} {} {} {} {} {} {}|{:?}|{:?}|{:?}[",
                n.kind,
                n.word,
                n.keyless,
                n.vtype,
                n.help,
                n.operator_only,
                n.secret,
                n.ordered,
                n.oneliner,
                n.inline,
                n.join,
                n.mandatory,
                n.choice,
                n.reference,
                n.unit_reference
            );
            for &c in &n.children {
                sig.push_str(&full[c as usize]);
                sig.push(';');
            }
            sig.push(']');
            full[n.id as usize] = sig;
        }
        let mut by_shape: HashMap<String, Vec<SchemaId>> = HashMap::new();
        for n in schema
            .nodes()
            .iter()
            .filter(|n| n.id != ROOT && !n.children.is_empty())
        {
            let mut shape = format!("{:?}|{}|{}|{:?}[", n.kind, n.word, n.keyless, n.vtype);
            for &c in &n.children {
                shape.push_str(&full[c as usize]);
                shape.push(';');
            }
            by_shape.entry(shape).or_default().push(n.id);
        }
        let mut index = Index {
            schema,
            canonical: HashMap::new(),
            copies: HashMap::new(),
        };
        for mut ids in by_shape.into_values().filter(|ids| ids.len() > 1) {
            ids.sort_by_key(|&id| (index.depth(id), id));
            let first = ids.remove(0);
            ids.sort_unstable();
            for &id in &ids {
                index.canonical.insert(id, first);
            }
            index.copies.insert(first, ids);
        }
        index
    }

    fn node(&self, id: SchemaId) -> &'s SchemaNode {
        self.schema.node(id)
    }

    fn depth(&self, id: SchemaId) -> usize {
        self.schema.path_words(id).len()
    }

    /// The ancestors of `id` (without the root) and `id`, top first.
    fn lineage(&self, id: SchemaId) -> Vec<SchemaId> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur.filter(|&c| c != ROOT) {
            out.push(c);
            cur = self.node(c).parent;
        }
        out.reverse();
        out
    }

    /// The path of `id` below `from` (exclusive; ROOT for a full path), in roff: keywords in
    /// bold, keys and the value in italics.
    fn path(&self, id: SchemaId, from: SchemaId) -> String {
        let lineage = self.lineage(id);
        let start = lineage.iter().position(|&c| c == from).map_or(0, |i| i + 1);
        let mut parts = Vec::new();
        for &c in &lineage[start..] {
            let n = self.node(c);
            if n.keyless {
                parts.push(format!("\\fI<{}>\\fR", escape(&n.word)));
                continue;
            }
            parts.push(format!("\\fB{}\\fR", escape(&n.word)));
            let value = matches!(n.kind, Kind::List | Kind::Leaf | Kind::LeafList);
            if let (true, Some(vt)) = (value, &n.vtype) {
                parts.push(format!("\\fI{}\\fR", escape(vt.placeholder())));
            }
        }
        parts.join(" ")
    }

    /// The path of `id` as plain text (`protocols bgp group <name> multihop`).
    fn plain_path(&self, id: SchemaId) -> String {
        self.path(id, ROOT)
            .replace("\\fB", "")
            .replace("\\fI", "")
            .replace("\\fR", "")
            .replace("\\-", "-")
    }

    /// `id` in the SYNOPSIS: its statement, its children, or a pointer to where they are.
    fn synopsis(&self, id: SchemaId, depth: usize, p: &mut Page) {
        let n = self.node(id);
        let pad = "    ".repeat(depth);
        let head = if n.keyless {
            format!("<{}>", n.word)
        } else {
            match (&n.kind, &n.vtype) {
                (Kind::Leaf, Some(ValueType::Enum(choices))) => {
                    format!("{} ({})", n.word, choices.join(" | "))
                }
                (Kind::LeafList, Some(vt)) => format!("{} [ {} ... ]", n.word, vt.placeholder()),
                (Kind::Leaf | Kind::List, Some(vt)) => format!("{} {}", n.word, vt.placeholder()),
                _ => n.word.clone(),
            }
        };
        if n.children.is_empty() {
            p.line(&escape(&format!("{pad}{head};")));
        } else if let Some(&first) = self.canonical.get(&id) {
            let words = self.plain_path(first);
            p.line(&escape(&format!(
                "{pad}{head} {{ ... }}  /* as in {words} */"
            )));
        } else {
            p.line(&escape(&format!("{pad}{head} {{")));
            for &c in &n.children {
                self.synopsis(c, depth + 1, p);
            }
            p.line(&escape(&format!("{pad}}}")));
        }
    }

    /// The HIERARCHY entries of `id` and everything documented below it.
    fn entries(&self, id: SchemaId, p: &mut Page) {
        let n = self.node(id);
        p.raw(".TP");
        p.line(&self.path(id, ROOT));
        p.line(&format!("{}.", escape(&n.help)));
        let mut notes = vec![self.syntax(n)];
        if let Some(vt) = &n.vtype {
            let what = if n.kind == Kind::List { "Key" } else { "Value" };
            notes.push(format!(
                "{what}: \\fI{}\\fR, {}.",
                escape(vt.placeholder()),
                escape(&describe(vt))
            ));
        }
        notes.extend(self.notes(n));
        if let Some(&first) = self.canonical.get(&id) {
            notes.push(format!(
                "Holds the same statements as {}; see there.",
                self.path(first, ROOT)
            ));
            notes.extend(self.operator_part(id));
        } else if !n.children.is_empty() {
            let words: Vec<_> = n.children.iter().map(|&c| self.path(c, id)).collect();
            notes.push(format!("Contains: {}.", words.join(", ")));
        }
        let parent_copied = n.parent.is_some_and(|p| self.copies.contains_key(&p));
        if let (Some(copies), false) = (self.copies.get(&id), parent_copied) {
            let at: Vec<_> = copies.iter().map(|&c| self.path(c, ROOT)).collect();
            notes.push(format!("The same statements apply at: {}.", at.join("; ")));
        }
        for note in notes {
            p.raw(".br");
            p.line(&note);
        }
        if !self.canonical.contains_key(&id) {
            for &c in &n.children {
                self.entries(c, p);
            }
        }
    }

    /// The statement as written, e.g. `peer-as <as-number>;`.
    fn syntax(&self, n: &SchemaNode) -> String {
        let word = format!("\\fB{}\\fR", escape(&n.word));
        let ph = n
            .vtype
            .as_ref()
            .map(|v| format!("\\fI{}\\fR", escape(v.placeholder())));
        let body = if n.children.is_empty() {
            ";"
        } else {
            " { ... }"
        };
        match (n.kind, ph) {
            (Kind::List, Some(_)) if n.keyless => format!(
                "List, one entry per key, written without a keyword: \\fI<{}>\\fR{body}",
                escape(&n.word)
            ),
            (Kind::List, Some(ph)) => format!("List, one entry per key: {word} {ph}{body}"),
            (Kind::Leaf, Some(ph)) => format!("Leaf: {word} {ph};"),
            (Kind::LeafList, Some(ph)) => format!(
                "Leaf list, one or more values: {word} [ {ph} ... ]; (one value may be written \
                 without brackets)"
            ),
            (Kind::Flag, _) => format!("Flag: {word};"),
            _ => format!("Container: {word}{body}"),
        }
    }

    /// Operator-only, secret, ordered, choice, references, mandatory, display notes.
    fn notes(&self, n: &SchemaNode) -> Vec<String> {
        let mut out = Vec::new();
        if n.operator_only {
            out.push(
                "Operator only: inside a logical system, tenants see it but cannot change it."
                    .into(),
            );
        }
        if n.secret {
            out.push(escape(
                "Secret: a clear-text value is stored encrypted and always shown as \
                 \"$9$...\"; ## SECRET-DATA. A $9$ value may be entered as shown.",
            ));
        }
        if n.ordered {
            out.push(format!(
                "Ordered: entries keep the order they were created in; \\fBinsert\\fR \
                 \\fB{0}\\fR \\fIA\\fR \\fBbefore\\fR|\\fBafter\\fR \\fB{0}\\fR \\fIB\\fR \
                 moves one.",
                escape(&n.word)
            ));
        }
        if let (Some(group), Some(parent)) = (&n.choice, n.parent) {
            let others: Vec<_> = self
                .node(parent)
                .children
                .iter()
                .map(|&c| self.node(c))
                .filter(|s| s.id != n.id && s.choice.as_ref() == Some(group))
                .map(|s| format!("\\fB{}\\fR", escape(&s.word)))
                .collect();
            out.push(format!(
                "Mutually exclusive with {}: setting one deletes the others.",
                others.join(", ")
            ));
        }
        let scope = if self.in_logical_systems(n.id) {
            "in the same logical system (outside logical systems: at the top level)"
        } else {
            "at the top level"
        };
        if let Some(words) = &n.reference {
            out.push(format!(
                "Reference: names a \\fB{}\\fR entry configured {scope}; checked at commit.",
                escape(&words.join(" "))
            ));
        }
        if let Some(words) = &n.unit_reference {
            out.push(format!(
                "Reference: names an interface unit \\fINAME\\fR.\\fIUNIT\\fR, that is \
                 \\fB{}\\fR \\fINAME\\fR \\fBunit\\fR \\fIUNIT\\fR, configured {scope}; \
                 checked at commit.",
                escape(&words.join(" "))
            ));
        }
        if n.mandatory {
            out.push(
                "Mandatory: must be present whenever its parent is; checked at commit.".into(),
            );
        }
        if n.inline {
            out.push("Always printed on one line.".into());
        }
        if n.oneliner {
            out.push("Printed on one line when it holds a single simple statement.".into());
        }
        if let (true, Some(&first)) = (n.join, n.children.first()) {
            out.push(format!(
                "Printed joined to the statement it holds: \\fB{} {} {{ ... }}\\fR.",
                escape(&n.word),
                escape(&self.node(first).word)
            ));
        }
        out
    }

    /// Whether the top-level section of `id` is also part of a logical system.
    fn in_logical_systems(&self, id: SchemaId) -> bool {
        let top = self.lineage(id)[0];
        let word = &self.node(top).word;
        word == "logical-systems"
            || self
                .schema
                .child_by_word(self.schema.logical_system(), word)
                .is_some()
    }

    /// For a copy inside a logical system: the operator-only statements in it.
    fn operator_part(&self, id: SchemaId) -> Option<String> {
        if !self.lineage(id).contains(&self.schema.logical_system()) {
            return None;
        }
        let mut found = Vec::new();
        self.topmost_operator_only(id, &mut found);
        let paths: Vec<_> = found
            .iter()
            .filter(|&&c| c != id)
            .map(|&c| self.path(c, id))
            .collect();
        (!paths.is_empty()).then(|| {
            format!(
                "Here, inside a logical system, operator only (tenants cannot change): {}.",
                paths.join(", ")
            )
        })
    }

    /// The operator-only statements at or below `id` that have no operator-only ancestor there.
    fn topmost_operator_only(&self, id: SchemaId, out: &mut Vec<SchemaId>) {
        if self.node(id).operator_only {
            out.push(id);
        } else {
            for &c in &self.node(id).children {
                self.topmost_operator_only(c, out);
            }
        }
    }
}

/// What values a type takes, in words.
fn describe(vt: &ValueType) -> String {
    let name = "no blanks, none of ;{}[]\"#()";
    match vt {
        ValueType::Text => "free text up to 900 characters, quoted when it holds blanks".into(),
        ValueType::Name => format!("a name of at most 255 characters, {name}"),
        ValueType::PolicyName => format!("a policy name of at most 255 characters, {name}"),
        ValueType::LsName => format!("a logical-system name of at most 63 characters, {name}"),
        ValueType::Username => "a Unix user name: at most 32 lowercase letters, digits, _ or -, \
                                starting with a letter or _"
            .into(),
        ValueType::Hostname => "a host name of at most 255 letters, digits, - and dots".into(),
        ValueType::InstanceName => {
            "a routing-instance name of at most 128 characters other than default, no blanks, \
             none of ;{}[]\"#()!@#$%^&*,+<>:"
                .into()
        }
        ValueType::Ifname => "a Linux network device name: at most 15 letters, digits, - or _ \
                              (no / and no .)"
            .into(),
        ValueType::UnitName => "an interface unit NAME.UNIT, UNIT 0..16385".into(),
        ValueType::Ipv4 => "an IPv4 address".into(),
        ValueType::Ip => "an IPv4 or IPv6 address".into(),
        ValueType::Ipv4IfAddr => "an IPv4 address with its prefix length, A.B.C.D/N".into(),
        ValueType::Ipv6IfAddr => "an IPv6 address with its prefix length, X:X::X/N".into(),
        ValueType::IpPrefix => "an IPv4 or IPv6 prefix A/N (host bits are cleared; an address \
                                alone is a /32 or /128)"
            .into(),
        ValueType::Asn => "an autonomous system number, 1..4294967295".into(),
        ValueType::U32 { min, max } => format!("a number, {min}..{max}"),
        ValueType::Preference => "a preference, 0..4294967295".into(),
        ValueType::HoldTime => "seconds, 0 (no keepalives) or 3..65535".into(),
        ValueType::Vlan => "a VLAN identifier, 1..4094".into(),
        ValueType::Enum(choices) => format!("one of: {}", choices.join(", ")),
        ValueType::Rd => "a route distinguisher, ASN:N or A.B.C.D:N".into(),
        ValueType::VrfTarget => "an extended community target:X:Y (X an AS number or IPv4 \
                                 address)"
            .into(),
        ValueType::Community => "a BGP community N:N (each 0..65535), target:X:Y, or one of \
                                 no-export, no-advertise, no-export-subconfed, llgr-stale"
            .into(),
        ValueType::PrefixLength => "a prefix length /N, 0..128".into(),
        ValueType::PrefixLengthRange => "a prefix length range /A-/B, A <= B <= 128".into(),
        ValueType::AsPath => {
            "AS numbers separated by blanks (quote them when more than one)".into()
        }
        ValueType::NextHop => "self, or an IPv4 or IPv6 address".into(),
    }
}

fn description(p: &mut Page) {
    p.raw(".SH DESCRIPTION");
    p.text(
        "lsys is a Junos-like router CLI for Linux, sliced into logical systems. This page \
         describes its configuration: the text printed by show configuration and accepted by \
         load, and the paths taken by set, delete, edit and the other configuration-mode \
         commands of lsys(1). lsysd(8) keeps the committed configuration in its datastore; \
         there is no configuration file it reads at start. lsys-config check FILE validates a \
         file offline with the same code.",
    );
    p.text(
        "The configuration is a tree of statements. In curly-brace form a statement is a \
         keyword, possibly a value, and either a block of statements in braces or a \
         semicolon; a leaf list takes several values in brackets. Indentation is four spaces. \
         A word that holds blanks or any of ;{}[]\"#() is written in double quotes. # starts a \
         comment that runs to the end of the line. A /* comment */ on its own line before a \
         statement is that statement's annotation (set by annotate). A statement prefixed with \
         inactive: is kept but not applied (deactivate and activate set and clear it). In \
         text given to load, a statement tagged replace: replaces what is configured (load \
         replace) and one tagged delete: is removed (load merge). The example, as a tenant \
         sees its logical system:",
    );
    let tree = curly::read(EXAMPLE, ROOT).expect("the man page example parses");
    p.verbatim(&print::curly(&tree));
    p.text(
        "The same configuration in set form (show | display set): one line per leaf, each \
         giving the whole path. An inactive statement is followed by a deactivate line for the \
         same path; annotations are not shown in set form.",
    );
    p.verbatim(&print::set_lines(&tree, &[]).join("\n"));
    p.text(
        "Secrets (marked Secret in HIERARCHY) are never shown in clear text: the value is \
         stored encrypted and printed as \"$9$...\"; ## SECRET-DATA. Either form may be \
         entered; a $9$ value is kept as it is. In JSON (| display json) the same tree is \
         printed as nested objects.",
    );
    p.text(
        "BGP statements may be set on a group and on a neighbor of that group; a neighbor's \
         statement overrides the group's. Policy terms are evaluated in order; the first term \
         that accepts or rejects a route ends the policy, and the policy's own then applies \
         when no term matched.",
    );
}

fn logical_systems(index: &Index, p: &mut Page) {
    let schema = index.schema;
    let ls = schema.logical_system();
    p.raw(".SH LOGICAL SYSTEMS");
    p.text(
        "The operator (uid 0) sees the whole configuration. A tenant is a Unix user whose \
         system login user names a login class with a logical-system: that tenant's shell is \
         confined to its logical system and sees it as the top of a router of its own. A \
         tenant writes set interfaces irb unit 4 ... where the operator writes set \
         logical-systems LS interfaces irb unit 4 ...; nothing outside the logical system can \
         be named, shown or completed. References (policies, prefix lists, communities, \
         interface units) resolve inside the same logical system.",
    );
    let sections: Vec<_> = schema
        .node(ls)
        .children
        .iter()
        .map(|&c| index.path(c, ls))
        .collect();
    p.raw(".PP");
    p.line(&format!("A logical system holds: {}.", sections.join(", ")));
    p.text(
        "Operator-only statements describe what the operator allocates to a tenant (physical \
         units, VLAN tags, bridge domains). A tenant sees them but cannot change them; \
         completion does not offer them. In a tenant's view they are:",
    );
    let mut found = Vec::new();
    index.topmost_operator_only(ls, &mut found);
    for id in found {
        p.raw(".IP \\(bu 2");
        p.line(&index.path(id, ls));
    }
}

fn differences(p: &mut Page) {
    p.raw(".SH DIFFERENCES FROM JUNOS");
    p.text("lsys deliberately differs from Junos where Linux or stable output asks for it:");
    for item in [
        "Interfaces are Linux network device names (eth1, irb, bond0): at most 15 characters, \
         letters, digits, - and _, no / and no . as in ge-0/0/1. A unit is NAME.UNIT.",
        "The $9$ encoding of a secret takes its salt from the secret itself, so the same secret \
         always prints the same and output is stable across commits and hosts. It is an \
         obfuscation, not encryption.",
        "Only the hierarchy in this page exists. Anything else Junos accepts (apply-groups, \
         other protocols, firewall filters, ...) is refused with a syntax error.",
        "There is no configuration file: the committed configuration and 50 rollbacks per \
         logical system live in the lsysd(8) datastore.",
    ] {
        p.raw(".IP \\(bu 2");
        p.line(&escape(item));
    }
}
