//! The schema: one declarative description of the configuration hierarchy.
//!
//! `grammar/schema/lsys.schema` is parsed once (pest, `dsl.pest`) into an arena of
//! [`SchemaNode`]s. Parsing of `set` paths, curly text, completion, help, display order, secret
//! masking, operator-only checks, references for validation and the generated man page all
//! read this arena; nothing else spells out the hierarchy.

mod load;

use std::sync::OnceLock;

use crate::types::ValueType;

/// Index of a node in the schema arena.
pub type SchemaId = u32;

/// The root of the hierarchy.
pub const ROOT: SchemaId = 0;

/// What kind of statement a schema node describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `word { ... }` or `word;`.
    Container,
    /// `word value;`.
    Leaf,
    /// `word [ v1 v2 ];` (or `word v;` with one value).
    LeafList,
    /// `word;` with no value and no children.
    Flag,
    /// `word key { ... }`, or with no keyword just `key { ... }`.
    List,
}

/// One node of the schema.
#[derive(Debug, Clone)]
pub struct SchemaNode {
    pub id: SchemaId,
    pub parent: Option<SchemaId>,
    pub kind: Kind,
    /// The keyword; for a list without keyword, the placeholder name (e.g. `interface-name`).
    pub word: String,
    /// A list whose entries are written with their key alone (`interfaces { eth1 {..} }`).
    pub keyless: bool,
    /// Value type of a leaf / leaf-list, key type of a list.
    pub vtype: Option<ValueType>,
    pub help: String,
    pub operator_only: bool,
    pub secret: bool,
    pub ordered: bool,
    pub oneliner: bool,
    pub inline: bool,
    /// Children print with this keyword in front (`family inet {`).
    pub join: bool,
    pub mandatory: bool,
    /// `@key`: part of its list entry's key, not a statement of its own (see [`crate::key`]).
    pub key: bool,
    /// Commands: the remaining words are handed over whole (`@rest(config)`).
    pub rest: Option<String>,
    /// Commands: a leaf whose value may be left out.
    pub optional: bool,
    pub choice: Option<String>,
    /// `@ref(PATH)`: the value names an entry of the list at PATH (relative to the scope root).
    pub reference: Option<Vec<String>>,
    /// `@unitref(PATH)`: the value `X.N` names `PATH X unit N`.
    pub unit_reference: Option<Vec<String>>,
    pub children: Vec<SchemaId>,
    /// Position among the parent's children: the display order.
    pub position: usize,
    /// `@template` (`groups`) or below one: statements as at the root, whose list entries may
    /// be named by `<wildcards>` (see [`crate::groups`]).
    pub template: bool,
    /// Added to its container or entry by the schema's `everywhere` rule (`apply-groups`).
    pub everywhere: bool,
    /// `@nokeyword`: a leaf whose value is written without its keyword, right after its
    /// container's (`vrf-target target:65000:1`, `local-as 65001 private`). The keyword is
    /// still accepted when written out in full (`deactivate ... vrf-target community`); it is
    /// left out when printed. Junos's DDL calls this `nokeyword`.
    pub nokeyword: bool,
    /// `@notyet(WHAT)`: read, kept and printed, but refused at commit with `WHAT is not
    /// supported yet` (validate/refs.rs) until lsys realizes it.
    pub notyet: Option<String>,
}

impl SchemaNode {
    /// Whether this node can hold children.
    pub fn has_children(&self) -> bool {
        matches!(self.kind, Kind::Container | Kind::List)
    }

    /// A list whose entries are named by their `@key` statement alone (no value of its own):
    /// `community add A` reads like a leaf.
    pub fn parts_only(&self) -> bool {
        self.kind == Kind::List && self.vtype.is_none()
    }

    /// The marker column of a `Possible completions:` row.
    pub fn marker(&self) -> char {
        match self.kind {
            Kind::Container | Kind::List if !self.children.is_empty() => '>',
            Kind::LeafList => '+',
            _ => ' ',
        }
    }
}

/// The whole schema.
#[derive(Debug)]
pub struct Schema {
    nodes: Vec<SchemaNode>,
    /// `logical-systems <name>`: the root of a tenant's view.
    logical_system: SchemaId,
    /// For a node inside a `@template` entry: the node at the same keywords from the root
    /// (`groups G interfaces <interface> mtu` → `interfaces <interface> mtu`).
    counterparts: Vec<Option<SchemaId>>,
}

/// The schema source, embedded at build time.
pub const SOURCE: &str = include_str!("../../schema/lsys.schema");

/// The command schema source.
pub const COMMANDS_SOURCE: &str = include_str!("../../schema/commands.schema");

impl Schema {
    /// The schema built from [`SOURCE`], loaded once per process.
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| Schema::parse(SOURCE).expect("the embedded schema is valid"))
    }

    /// The command schema (operational, configuration-mode and pipe commands).
    pub fn commands() -> &'static Schema {
        static COMMANDS: OnceLock<Schema> = OnceLock::new();
        COMMANDS.get_or_init(|| {
            Schema::parse(COMMANDS_SOURCE).expect("the embedded command schema is valid")
        })
    }

    /// Builds a schema from DSL text.
    pub fn parse(text: &str) -> Result<Schema, String> {
        let nodes = load::load(text)?;
        let counterparts = load::counterparts(&nodes);
        let mut schema = Schema {
            nodes,
            logical_system: ROOT,
            counterparts,
        };
        // The command schema has no logical systems; its `logical_system` stays ROOT.
        if let Some(ls) = schema.child_by_word(ROOT, "logical-systems") {
            schema.logical_system = schema
                .keyless_child(ls)
                .ok_or("logical-systems has no entries")?;
        }
        Ok(schema)
    }

    pub fn node(&self, id: SchemaId) -> &SchemaNode {
        &self.nodes[id as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn nodes(&self) -> &[SchemaNode] {
        &self.nodes
    }

    /// The list node of logical-system entries.
    pub fn logical_system(&self) -> SchemaId {
        self.logical_system
    }

    /// For a node inside a `@template` entry (`groups G ...`), the node it stands for outside
    /// (the same keywords from the root); `None` elsewhere.
    pub fn counterpart(&self, id: SchemaId) -> Option<SchemaId> {
        self.counterparts.get(id as usize).copied().flatten()
    }

    /// The child of `parent` with keyword `word` (exact).
    pub fn child_by_word(&self, parent: SchemaId, word: &str) -> Option<SchemaId> {
        self.node(parent)
            .children
            .iter()
            .copied()
            .find(|&c| !self.node(c).keyless && self.node(c).word == word)
    }

    /// The `@nokeyword` leaf under `parent`, if it has one.
    pub fn nokeyword_child(&self, parent: SchemaId) -> Option<SchemaId> {
        self.node(parent)
            .children
            .iter()
            .copied()
            .find(|&c| self.node(c).nokeyword)
    }

    /// The keyless list under `parent`, if it has one.
    pub fn keyless_child(&self, parent: SchemaId) -> Option<SchemaId> {
        self.node(parent)
            .children
            .iter()
            .copied()
            .find(|&c| self.node(c).keyless)
    }

    /// The `@key` children of list `list` (the statements that complete an entry's key).
    pub fn key_parts(&self, list: SchemaId) -> impl Iterator<Item = SchemaId> + '_ {
        self.node(list)
            .children
            .iter()
            .copied()
            .filter(|&c| self.node(c).key)
    }

    /// Whether entries of list `list` are named by more than their value (`@key` children).
    pub fn has_key_parts(&self, list: SchemaId) -> bool {
        self.key_parts(list).next().is_some()
    }

    /// Keyword children of `parent` whose word starts with `prefix`.
    pub fn children_with_prefix<'a>(
        &'a self,
        parent: SchemaId,
        prefix: &'a str,
    ) -> impl Iterator<Item = SchemaId> + 'a {
        self.node(parent)
            .children
            .iter()
            .copied()
            .filter(move |&c| !self.node(c).keyless && self.node(c).word.starts_with(prefix))
    }

    /// Position of `id` among its parent's children (display order).
    pub fn order(&self, id: SchemaId) -> usize {
        self.node(id).position
    }

    /// The keyword path from the root to `id` (`protocols bgp group`).
    pub fn path_words(&self, id: SchemaId) -> Vec<&str> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            if c != ROOT {
                out.push(self.node(c).word.as_str());
            }
            cur = self.node(c).parent;
        }
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_loads() {
        let s = Schema::get();
        assert!(s.len() > 100, "{} nodes", s.len());
        let ls = s.node(s.logical_system());
        assert!(ls.keyless);
        assert!(s
            .child_by_word(s.logical_system(), "routing-instances")
            .is_some());
        let bd = s
            .child_by_word(s.logical_system(), "bridge-domains")
            .unwrap();
        assert!(s.node(bd).operator_only);
    }

    #[test]
    fn fragments_are_copied_not_shared() {
        let s = Schema::get();
        let root_ro = s.child_by_word(ROOT, "routing-options").unwrap();
        let ls_ro = s
            .child_by_word(s.logical_system(), "routing-options")
            .unwrap();
        assert_ne!(root_ro, ls_ro);
        assert_eq!(s.node(ls_ro).parent, Some(s.logical_system()));
    }

    #[test]
    fn command_schema_loads() {
        let c = Schema::commands();
        let op = c.child_by_word(ROOT, "operational").unwrap();
        assert!(c.child_by_word(op, "show").is_some());
    }

    #[test]
    fn bad_schema_is_reported() {
        assert!(Schema::parse("root { leaf x nosuchtype \"h\"; }").is_err());
        assert!(Schema::parse("root { use missing; }").is_err());
    }
}
