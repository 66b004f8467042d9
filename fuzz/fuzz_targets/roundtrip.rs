//! Whatever curly text reads, printing it and reading the print gives the same tree, and
//! printing that tree gives the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::{curly, print};

fuzz_target!(|text: &str| {
    let Ok(tree) = curly::read(text, ROOT) else {
        return;
    };
    let printed = print::curly(&tree);
    let again = match curly::read(&printed, ROOT) {
        Ok(t) => t,
        Err(e) => panic!("printed text does not read back: {e}\n--- input ---\n{text}\n--- printed ---\n{printed}"),
    };
    assert!(
        again == tree,
        "tree changed\n--- input ---\n{text}\n--- printed ---\n{printed}\n--- reprinted ---\n{}",
        print::curly(&again)
    );
    assert_eq!(print::curly(&again), printed, "printing is not stable");
});
