//! lsys-grammar: the configuration schema and everything that reads or writes configuration.
//!
//! ```text
//!  schema/lsys.schema ──► Schema (arena) ──┬─► path walking (set/edit/delete paths, completion, help)
//!                                          ├─► text::curly   (parse + print curly-brace text)
//!                                          ├─► text::set     (parse + print `set` form)
//!                                          ├─► json          (print + parse)
//!                                          ├─► compare       (`show | compare` diff)
//!                                          └─► validate      (commit checks, Junos error layout)
//! ```
//! `groups` / `apply-groups` stay in the tree as written; [`groups::expand`] gives the
//! configuration with groups inherited, which typed views, validation and commits read.
//! The configuration itself is a [`tree::Node`] tree whose nodes point into the schema. Every value
//! is stored in canonical text form (see [`types`]), so two trees that mean the same are equal.
//! A list entry is found by its key; [`key`] explains keys of more than one word
//! (`route-filter 0.0.0.0/0 exact`, `community add A`).

pub mod cli;
pub mod compare;
pub mod complete;
pub mod edit;
pub mod groups;
pub mod json;
pub mod key;
pub mod manpage;
pub mod path;
pub mod schema;
pub mod scope;
pub mod secret;
pub mod text;
pub mod tree;
pub mod typed;
pub mod types;
pub mod validate;
pub mod view;
