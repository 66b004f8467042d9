//! Loads the schema DSL into the arena, expanding `use` of fragments.

use std::collections::HashMap;

use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

use super::{Kind, SchemaId, SchemaNode};
use crate::types::ValueType;

#[derive(Parser)]
#[grammar = "schema/dsl.pest"]
struct Dsl;

pub(super) fn load(text: &str) -> Result<Vec<SchemaNode>, String> {
    let file = Dsl::parse(Rule::file, text)
        .map_err(|e| format!("schema: {e}"))?
        .next()
        .ok_or("schema: empty")?;
    let mut fragments: HashMap<String, Pair<Rule>> = HashMap::new();
    let mut root = None;
    let mut everywhere = None;
    for item in file.into_inner() {
        match item.as_rule() {
            Rule::fragment => {
                let mut inner = item.into_inner();
                let name = inner.next().ok_or("fragment name")?.as_str().to_string();
                let block = inner.next().ok_or("fragment block")?;
                fragments.insert(name, block);
            }
            Rule::everywhere => {
                let name = item.into_inner().next().ok_or("everywhere name")?.as_str();
                everywhere = Some(name.to_string());
            }
            Rule::root => root = item.into_inner().next(),
            _ => {}
        }
    }
    let root = root.ok_or("schema: no root block")?;
    let everywhere = match everywhere {
        Some(name) => Some(
            fragments
                .get(&name)
                .cloned()
                .ok_or_else(|| format!("schema: everywhere: unknown fragment '{name}'"))?,
        ),
        None => None,
    };
    let mut loader = Loader {
        fragments,
        nodes: vec![blank(0, None)],
        everywhere_words: everywhere.as_ref().map(words_of_block).unwrap_or_default(),
        everywhere,
        copies: Vec::new(),
        copying: false,
        adding_everywhere: false,
    };
    loader.block(0, root.clone(), 0)?;
    // `use root;` copies the finished root's statements (but not the template itself).
    for (parent, depth) in std::mem::take(&mut loader.copies) {
        loader.copying = true;
        loader.block(parent, root.clone(), depth + 1)?;
        loader.copying = false;
    }
    Ok(loader.nodes)
}

/// A node with every attribute off.
fn blank(id: SchemaId, parent: Option<SchemaId>) -> SchemaNode {
    SchemaNode {
        id,
        parent,
        kind: Kind::Container,
        word: String::new(),
        keyless: false,
        vtype: None,
        help: String::new(),
        operator_only: false,
        secret: false,
        ordered: false,
        oneliner: false,
        inline: false,
        join: false,
        mandatory: false,
        key: false,
        rest: None,
        optional: false,
        choice: None,
        reference: None,
        unit_reference: None,
        children: Vec::new(),
        position: 0,
        template: false,
        everywhere: false,
        nokeyword: false,
        notyet: None,
    }
}

/// The keywords a fragment's block declares directly.
fn words_of_block(block: &Pair<Rule>) -> Vec<String> {
    block
        .clone()
        .into_inner()
        .filter_map(|item| item.into_inner().next())
        .filter(|p| p.as_rule() == Rule::node)
        .filter_map(|n| n.into_inner().find(|p| p.as_rule() == Rule::word))
        .map(|w| w.as_str().to_string())
        .collect()
}

/// For every node inside a `@template` entry, the node at the same keywords from the root.
pub(super) fn counterparts(nodes: &[SchemaNode]) -> Vec<Option<SchemaId>> {
    let mut out = vec![None; nodes.len()];
    let same = |a: &SchemaNode, b: &SchemaNode| {
        a.word == b.word && a.keyless == b.keyless && a.kind == b.kind
    };
    fn pair(
        nodes: &[SchemaNode],
        t: SchemaId,
        r: SchemaId,
        out: &mut Vec<Option<SchemaId>>,
        same: &dyn Fn(&SchemaNode, &SchemaNode) -> bool,
    ) {
        out[t as usize] = Some(r);
        for &c in &nodes[t as usize].children {
            let real = nodes[r as usize]
                .children
                .iter()
                .copied()
                .find(|&rc| same(&nodes[c as usize], &nodes[rc as usize]));
            if let Some(rc) = real {
                pair(nodes, c, rc, out, same);
            }
        }
    }
    for n in nodes {
        // A template entry: a list right below a `@template` container, holding `use root;`.
        let is_entry = n.kind == Kind::List
            && n.parent.is_some_and(|p| {
                let p = &nodes[p as usize];
                p.template && p.parent.is_some_and(|pp| !nodes[pp as usize].template)
            });
        if is_entry {
            for &c in &n.children {
                let real = nodes[0]
                    .children
                    .iter()
                    .copied()
                    .find(|&rc| same(&nodes[c as usize], &nodes[rc as usize]));
                if let Some(rc) = real {
                    pair(nodes, c, rc, &mut out, &same);
                }
            }
        }
    }
    out
}

struct Loader<'i> {
    fragments: HashMap<String, Pair<'i, Rule>>,
    nodes: Vec<SchemaNode>,
    /// The fragment every container and list entry begins with (`everywhere NAME;`).
    everywhere: Option<Pair<'i, Rule>>,
    /// Its statements' keywords (left out of `use root;` copies).
    everywhere_words: Vec<String>,
    /// `use root;` seen: where, and at what depth.
    copies: Vec<(SchemaId, usize)>,
    /// Loading a `use root;` copy.
    copying: bool,
    /// Loading the `everywhere` fragment into a node.
    adding_everywhere: bool,
}

impl<'i> Loader<'i> {
    fn block(
        &mut self,
        parent: SchemaId,
        block: Pair<'i, Rule>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 32 {
            return Err("schema: fragments nest too deep (a use cycle?)".into());
        }
        for item in block.into_inner() {
            let inner = item.into_inner().next().ok_or("schema: empty item")?;
            match inner.as_rule() {
                Rule::use_item => {
                    let name = inner.into_inner().next().ok_or("use name")?.as_str();
                    if name == "root" {
                        if !self.nodes[parent as usize].template {
                            return Err("schema: `use root;` only below a @template".into());
                        }
                        self.copies.push((parent, depth));
                        continue;
                    }
                    let frag = self
                        .fragments
                        .get(name)
                        .cloned()
                        .ok_or_else(|| format!("schema: unknown fragment '{name}'"))?;
                    self.block(parent, frag, depth + 1)?;
                }
                Rule::node => self.node(parent, inner, depth)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn node(&mut self, parent: SchemaId, pair: Pair<'i, Rule>, depth: usize) -> Result<(), String> {
        // The line is counted only for an error: line_col scans the text from its start, and
        // counting it for every node made loading the schema quadratic (0.6 s of a debug
        // build's start, 17 s under the lab's emulation).
        let start = pair.as_span().start_pos();
        let err = |m: String| format!("schema line {}: {m}", start.line_col().0);
        let id = self.nodes.len() as SchemaId;
        let mut node = blank(id, Some(parent));
        node.template = self.nodes[parent as usize].template;
        node.everywhere = self.adding_everywhere;
        let mut plain = false;
        let mut template = false;
        let mut block = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::kind => {
                    node.kind = match part.as_str() {
                        "container" => Kind::Container,
                        "leaf" => Kind::Leaf,
                        "leaf-list" => Kind::LeafList,
                        "flag" => Kind::Flag,
                        _ => Kind::List,
                    }
                }
                Rule::word => {
                    let w = part.as_str();
                    if let Some(inner) = w.strip_prefix('<').and_then(|w| w.strip_suffix('>')) {
                        node.keyless = true;
                        node.word = inner.to_string();
                    } else {
                        node.word = w.to_string();
                    }
                }
                Rule::vtype => {
                    let mut it = part.into_inner();
                    let name = it.next().map(|p| p.as_str()).unwrap_or_default();
                    let arg = it.next().map(|p| p.as_str());
                    node.vtype = Some(ValueType::from_schema(name, arg).map_err(err)?);
                }
                Rule::attr => {
                    let mut it = part.into_inner();
                    let name = it.next().map(|p| p.as_str()).unwrap_or_default();
                    let arg = it.next().map(|p| p.as_str().to_string());
                    let words = |a: &Option<String>| {
                        a.as_deref()
                            .unwrap_or_default()
                            .split_whitespace()
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    };
                    match name {
                        "operator" => node.operator_only = true,
                        "secret" => node.secret = true,
                        "ordered" => node.ordered = true,
                        "oneliner" => node.oneliner = true,
                        "inline" => node.inline = true,
                        "join" => node.join = true,
                        "mandatory" => node.mandatory = true,
                        "key" => node.key = true,
                        "optional" => node.optional = true,
                        "rest" => node.rest = arg,
                        "choice" => node.choice = arg,
                        "ref" => node.reference = Some(words(&arg)),
                        "unitref" => node.unit_reference = Some(words(&arg)),
                        "template" => template = true,
                        "plain" => plain = true,
                        "nokeyword" => node.nokeyword = true,
                        "notyet" => node.notyet = Some(arg.unwrap_or_else(|| node.word.clone())),
                        other => return Err(err(format!("unknown attribute @{other}"))),
                    }
                }
                Rule::help => {
                    node.help = part
                        .into_inner()
                        .next()
                        .map(|p| p.as_str())
                        .unwrap_or_default()
                        .into()
                }
                Rule::block => block = Some(part),
                _ => {}
            }
        }
        // A list may go without a type when its `@key` children name its entries (checked
        // once they are loaded, below).
        let needs_type = matches!(node.kind, Kind::Leaf | Kind::LeafList | Kind::List);
        let may_go_without = node.kind == Kind::List && !node.keyless;
        if needs_type != node.vtype.is_some() && !may_go_without {
            return Err(err(format!(
                "'{}': a type is required exactly for leaf, leaf-list and list",
                node.word
            )));
        }
        if node.key {
            let in_list = self.nodes[parent as usize].kind == Kind::List;
            if !in_list || !matches!(node.kind, Kind::Flag | Kind::Leaf) {
                return Err(err(format!(
                    "'{}': only a flag or leaf of a list can be @key",
                    node.word
                )));
            }
        }
        if node.key && !node.vtype.as_ref().is_none_or(ValueType::is_word) {
            return Err(err(format!(
                "'{}': a key must be one word (its type allows blanks)",
                node.word
            )));
        }
        if node.nokeyword {
            let p = &self.nodes[parent as usize];
            let taken = p.children.iter().any(|&c| {
                let c = &self.nodes[c as usize];
                c.nokeyword || c.keyless
            });
            if node.kind != Kind::Leaf || taken {
                return Err(err(format!(
                    "'{}': only a leaf can be @nokeyword, one per container, and not beside a \
                     keyless list",
                    node.word
                )));
            }
        }
        if node.keyless && node.kind != Kind::List {
            return Err(err(format!("'<{}>' only a list can be keyless", node.word)));
        }
        if block.is_some() && !matches!(node.kind, Kind::Container | Kind::List) {
            return Err(err(format!("'{}' cannot have children", node.word)));
        }
        // A copy of the root leaves out the template itself and the `everywhere` statements
        // (configuration groups do not nest).
        let raw_word = if node.keyless {
            format!("<{}>", node.word)
        } else {
            node.word.clone()
        };
        if self.copying
            && parent_is_copy_root(&self.nodes, parent)
            && (template || self.everywhere_words.contains(&raw_word))
        {
            return Ok(());
        }
        node.template |= template;
        node.position = self.nodes[parent as usize].children.len();
        self.nodes.push(node);
        self.nodes[parent as usize].children.push(id);
        if let Some(block) = block {
            self.block(id, block, depth)?;
        }
        if self.nodes[id as usize].kind == Kind::List {
            self.check_key_parts(id).map_err(err)?;
        }
        if !plain && self.takes_everywhere(id) {
            self.add_everywhere(id, depth)?;
        }
        Ok(())
    }

    /// Whether the `everywhere` statements go into `id`: every container and list entry with
    /// statements of its own but those of a template, `@inline` and `@join` containers, `@plain`
    /// ones, and lists whose entries are named by `@key` statements (they read like leaves).
    fn takes_everywhere(&self, id: SchemaId) -> bool {
        let n = &self.nodes[id as usize];
        self.everywhere.is_some()
            && !self.adding_everywhere
            && !n.children.is_empty()
            && !n.template
            && !n.inline
            && !n.join
            && match n.kind {
                Kind::Container => true,
                Kind::List => {
                    n.vtype.is_some() && !n.children.iter().any(|&c| self.nodes[c as usize].key)
                }
                _ => false,
            }
    }

    /// Loads the `everywhere` fragment into `id`, ahead of its own statements.
    fn add_everywhere(&mut self, id: SchemaId, depth: usize) -> Result<(), String> {
        let Some(frag) = self.everywhere.clone() else {
            return Ok(());
        };
        let own = self.nodes[id as usize].children.len();
        self.adding_everywhere = true;
        let r = self.block(id, frag, depth + 1);
        self.adding_everywhere = false;
        r?;
        let children = &mut self.nodes[id as usize].children;
        children.rotate_left(own);
        let children = children.clone();
        for (i, c) in children.into_iter().enumerate() {
            self.nodes[c as usize].position = i;
        }
        Ok(())
    }

    /// A list's `@key` children: one of them completes an entry's key, so they form one
    /// `@choice` group (or are a single statement); a list without a type needs them.
    fn check_key_parts(&self, list: SchemaId) -> Result<(), String> {
        let node = &self.nodes[list as usize];
        let parts: Vec<&SchemaNode> = node
            .children
            .iter()
            .map(|&c| &self.nodes[c as usize])
            .filter(|c| c.key)
            .collect();
        if node.vtype.is_none() && parts.is_empty() {
            return Err(format!(
                "'{}': a list needs a type or @key statements",
                node.word
            ));
        }
        if !parts.is_empty() && !node.vtype.as_ref().is_none_or(ValueType::is_word) {
            return Err(format!(
                "'{}': a key must be one word (its type allows blanks)",
                node.word
            ));
        }
        if parts.len() > 1 {
            let group = parts[0].choice.as_ref();
            if group.is_none() || parts.iter().any(|p| p.choice.as_ref() != group) {
                return Err(format!(
                    "'{}': its @key statements must form one @choice group",
                    node.word
                ));
            }
        }
        Ok(())
    }
}

/// True when `parent` is the entry a `use root;` copy goes into (a template list entry).
fn parent_is_copy_root(nodes: &[SchemaNode], parent: SchemaId) -> bool {
    let p = &nodes[parent as usize];
    let top_template = |id: SchemaId| {
        let n = &nodes[id as usize];
        n.template && n.parent.is_some_and(|r| !nodes[r as usize].template)
    };
    p.kind == Kind::List && p.parent.is_some_and(top_template)
}
