//! Printing the tree: curly braces (4-space indent) and set form (`| display set`).

use crate::key;
use crate::schema::{Kind, Schema};
use crate::tree::Node;
use crate::types::quote;

/// Words that open a statement: keyword (unless keyless) and key (all its words).
fn head(schema: &Schema, n: &Node) -> String {
    let s = schema.node(n.schema);
    let mut words = Vec::with_capacity(3);
    if !s.keyless {
        words.push(s.word.clone());
    }
    if let Some(k) = &n.key {
        words.extend(key::words(schema, n.schema, k));
    }
    words.join(" ")
}

/// Whether `n` can be part of its parent's one-line form (`then community add C;`).
pub fn is_simple(n: &Node) -> bool {
    simple_words(Schema::get(), n).is_some()
}

fn value(schema: &Schema, n: &Node, v: &str) -> String {
    if schema.node(n.schema).secret {
        format!("\"{v}\"")
    } else {
        quote(v)
    }
}

/// A leaf, flag or leaf-list as the words that follow its parent on one line.
fn simple_words(schema: &Schema, n: &Node) -> Option<String> {
    let s = schema.node(n.schema);
    if n.inactive || n.annotation.is_some() {
        return None;
    }
    Some(match s.kind {
        Kind::Flag => s.word.clone(),
        // A `@nokeyword` leaf prints its value alone (`vrf-target target:65000:1`).
        Kind::Leaf if s.nokeyword => value(schema, n, n.values.first()?),
        Kind::Leaf => format!("{} {}", s.word, value(schema, n, n.values.first()?)),
        Kind::LeafList if n.values.len() == 1 => {
            format!("{} {}", s.word, value(schema, n, &n.values[0]))
        }
        Kind::LeafList => {
            let vals: Vec<String> = n.values.iter().map(|v| value(schema, n, v)).collect();
            format!("{} [ {} ]", s.word, vals.join(" "))
        }
        // An entry named by its `@key` statement alone reads like a leaf.
        Kind::List if s.parts_only() && n.children.is_empty() => head(schema, n),
        Kind::Container if s.inline && !n.children.is_empty() => {
            let parts: Option<Vec<String>> =
                n.children.iter().map(|c| simple_words(schema, c)).collect();
            format!("{} {}", s.word, parts?.join(" "))
        }
        _ => return None,
    })
}

/// The rest of a container or entry's line when it prints on one line.
fn one_line(schema: &Schema, n: &Node) -> Option<String> {
    let s = schema.node(n.schema);
    if s.inline {
        let parts: Option<Vec<String>> =
            n.children.iter().map(|c| simple_words(schema, c)).collect();
        return parts.map(|p| p.join(" "));
    }
    if s.oneliner && n.children.len() == 1 {
        return simple_words(schema, &n.children[0]);
    }
    None
}

fn statement(schema: &Schema, n: &Node, depth: usize, out: &mut String) {
    statement_with(schema, n, depth, "", out)
}

fn statement_with(schema: &Schema, n: &Node, depth: usize, lead: &str, out: &mut String) {
    let pad = "    ".repeat(depth);
    let s = schema.node(n.schema);
    if s.join && !n.inactive && n.annotation.is_none() && !n.children.is_empty() {
        let lead = format!("{lead}{} ", s.word);
        for c in &n.children {
            statement_with(schema, c, depth, &lead, out);
        }
        return;
    }
    if let Some(a) = &n.annotation {
        out.push_str(&format!("{pad}/* {a} */\n"));
    }
    out.push_str(&pad);
    if n.inactive {
        out.push_str("inactive: ");
    }
    let h = format!("{lead}{}", head(schema, n));
    match s.kind {
        Kind::Leaf | Kind::LeafList | Kind::Flag => {
            let bare = Node {
                inactive: false,
                annotation: None,
                ..n.clone()
            };
            let mut line = format!(
                "{lead}{}",
                simple_words(schema, &bare).unwrap_or_else(|| head(schema, n))
            );
            line.push(';');
            if s.secret {
                line.push_str(" ## SECRET-DATA");
            }
            out.push_str(&line);
            out.push('\n');
        }
        Kind::Container | Kind::List => {
            if n.children.is_empty() {
                out.push_str(&h);
                out.push_str(";\n");
            } else if let Some(rest) = one_line(schema, n) {
                let secret = n.children.iter().any(|c| schema.node(c.schema).secret);
                out.push_str(&format!(
                    "{h} {rest};{}\n",
                    if secret { " ## SECRET-DATA" } else { "" }
                ));
            } else {
                out.push_str(&h);
                out.push_str(" {\n");
                for c in &n.children {
                    statement(schema, c, depth + 1, out);
                }
                out.push_str(&pad);
                out.push_str("}\n");
            }
        }
    }
}

/// The children of `node` in curly braces, starting at `depth` levels of indent.
pub fn curly(node: &Node) -> String {
    curly_at(node, 0)
}

pub fn curly_at(node: &Node, depth: usize) -> String {
    let schema = Schema::get();
    let mut out = String::new();
    for c in &node.children {
        statement(schema, c, depth, &mut out);
    }
    out
}

/// A single statement (with its own head) in curly braces.
pub fn curly_statement(node: &Node) -> String {
    let mut out = String::new();
    statement(Schema::get(), node, 0, &mut out);
    out
}

/// The children of `node` as set commands; `prefix` are the words of `node` itself
/// (empty for `| display set relative` or at the top).
pub fn set_lines(node: &Node, prefix: &[String]) -> Vec<String> {
    let schema = Schema::get();
    let mut out = Vec::new();
    let mut words = prefix.to_vec();
    for c in &node.children {
        lines(schema, c, &mut words, &mut out);
    }
    out
}

fn lines(schema: &Schema, n: &Node, words: &mut Vec<String>, out: &mut Vec<String>) {
    let s = schema.node(n.schema);
    let depth = words.len();
    if !s.keyless {
        words.push(s.word.clone());
    }
    if let Some(k) = &n.key {
        words.extend(key::words(schema, n.schema, k));
    }
    let path = words.join(" ");
    match s.kind {
        // A `@nokeyword` leaf's value follows its container's words (`set ... vrf-target
        // target:65000:1`); `deactivate` names it with its keyword.
        Kind::Leaf if s.nokeyword => {
            let container = words[..words.len() - 1].join(" ");
            for v in &n.values {
                out.push(format!("set {container} {}", value(schema, n, v)));
            }
        }
        Kind::Leaf | Kind::LeafList => {
            for v in &n.values {
                out.push(format!("set {path} {}", value(schema, n, v)));
            }
        }
        Kind::Flag => out.push(format!("set {path}")),
        Kind::Container | Kind::List => {
            if n.children.is_empty() {
                out.push(format!("set {path}"));
            } else if s.inline {
                if let Some(rest) = one_line(schema, n) {
                    out.push(format!("set {path} {rest}"));
                    if n.inactive {
                        out.push(format!("deactivate {path}"));
                    }
                    words.truncate(depth);
                    return;
                }
            }
            for c in &n.children {
                lines(schema, c, words, out);
            }
        }
    }
    if n.inactive {
        out.push(format!("deactivate {path}"));
    }
    words.truncate(depth);
}
