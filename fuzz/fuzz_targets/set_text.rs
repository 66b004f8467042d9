//! `set::read` on arbitrary UTF-8: an error is fine, a panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::set;

fuzz_target!(|text: &str| {
    let _ = set::read(text, ROOT);
    let _ = set::read(text, Schema::get().logical_system());
});
