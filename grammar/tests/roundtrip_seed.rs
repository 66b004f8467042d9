use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::{curly, print, set};

const SEED: &str = include_str!("fixtures/seed.conf");

#[test]
fn seed_curly_round_trip() {
    let tree = curly::read(SEED, ROOT).unwrap();
    let text = print::curly(&tree);
    println!("{text}");
    let again = curly::read(&text, ROOT).unwrap();
    assert_eq!(tree, again);
    assert_eq!(text, print::curly(&again));
    let lines = print::set_lines(&tree, &[]);
    let joined = lines.join("\n");
    println!("{joined}");
    let from_set = set::read(&joined, ROOT).unwrap();
    let mut no_annotations = tree.clone();
    fn strip(n: &mut lsys_grammar::tree::Node) {
        n.annotation = None;
        n.children.iter_mut().for_each(strip);
    }
    strip(&mut no_annotations);
    assert_eq!(from_set, no_annotations);
    let _ = Schema::get();
}
