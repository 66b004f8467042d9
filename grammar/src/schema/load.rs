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
    for item in file.into_inner() {
        match item.as_rule() {
            Rule::fragment => {
                let mut inner = item.into_inner();
                let name = inner.next().ok_or("fragment name")?.as_str().to_string();
                let block = inner.next().ok_or("fragment block")?;
                fragments.insert(name, block);
            }
            Rule::root => root = item.into_inner().next(),
            _ => {}
        }
    }
    let root = root.ok_or("schema: no root block")?;
    let mut loader = Loader {
        fragments,
        nodes: vec![SchemaNode {
            id: 0,
            parent: None,
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
        }],
    };
    loader.block(0, root, 0)?;
    Ok(loader.nodes)
}

struct Loader<'i> {
    fragments: HashMap<String, Pair<'i, Rule>>,
    nodes: Vec<SchemaNode>,
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
        let line = pair.as_span().start_pos().line_col().0;
        let err = |m: String| format!("schema line {line}: {m}");
        let id = self.nodes.len() as SchemaId;
        let mut node = SchemaNode {
            id,
            parent: Some(parent),
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
        };
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
        if node.keyless && node.kind != Kind::List {
            return Err(err(format!("'<{}>' only a list can be keyless", node.word)));
        }
        if block.is_some() && !matches!(node.kind, Kind::Container | Kind::List) {
            return Err(err(format!("'{}' cannot have children", node.word)));
        }
        node.position = self.nodes[parent as usize].children.len();
        self.nodes.push(node);
        self.nodes[parent as usize].children.push(id);
        if let Some(block) = block {
            self.block(id, block, depth)?;
        }
        if self.nodes[id as usize].kind == Kind::List {
            self.check_key_parts(id).map_err(err)?;
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
