//! Command lines in both modes, completion of any prefix, and configuration paths: errors are
//! fine, panics are not, and an error's caret column stays inside the line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsys_grammar::cli::{parse, Mode};
use lsys_grammar::complete::{line, ConfigContext};
use lsys_grammar::path::{resolve, Match, Values, Word};
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::tree::Node;
use lsys_grammar::view::View;

fuzz_target!(|text: &str| {
    for mode in [Mode::Operational, Mode::Configuration] {
        if let Err(e) = parse(text, mode) {
            assert!(e.col <= text.len(), "caret {} past the end of {text:?}", e.col);
        }
    }
    let root = Node::root();
    for view in [View::operator(), View::tenant("l2")] {
        let ctx = ConfigContext { root: &root, view: &view, edit: &[] };
        let _ = line(text, Mode::Configuration, &ctx).tab();
    }
    let words = Word::split(text);
    for values in [Values::Required, Values::Optional] {
        let _ = resolve(Schema::get(), ROOT, &words, Match::Prefix, values);
    }
});
