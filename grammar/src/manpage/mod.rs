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
//!
//! Files: `roff` (output and escaping), `index` (copies, paths, operator-only statements),
//! `hierarchy` (the HIERARCHY entries), `sections` (SYNOPSIS and the prose sections).

mod hierarchy;
mod index;
mod roff;
mod sections;

pub use roff::escape;
pub use sections::example;

use crate::schema::{Schema, ROOT};
use index::Index;
use roff::Page;
use sections::{description, differences, logical_systems};

/// The `.TH` line's version: no dates, so the output is the same on every build.
const VERSION: &str = env!("CARGO_PKG_VERSION");

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
    if schema.nodes().iter().any(|n| n.everywhere) {
        p.raw(".SS at every level");
        index.everywhere(&mut p);
    }
    logical_systems(&index, &mut p);
    differences(&mut p);
    p.raw(".SH SEE ALSO");
    p.raw(".BR lsys (1),");
    p.raw(".BR lsysd (8)");
    p.out
}
