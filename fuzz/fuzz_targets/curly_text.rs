//! `curly::read` on arbitrary UTF-8: an error is fine, a panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::curly;

fuzz_target!(|text: &str| {
    let _ = curly::read(text, ROOT);
    // The same text as a tenant's configuration (rooted at a logical system).
    let _ = curly::read(text, Schema::get().logical_system());
});
