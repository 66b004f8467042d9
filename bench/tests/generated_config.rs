//! The generated configuration is one the grammar reads, with the promised shape.

use lsys_bench::gen::{self, Tenant};
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::{curly, print};

#[test]
fn generated_config_parses_with_every_logical_system() {
    // 100, not 1000: pest is slow in debug builds (the benchmark itself reads 1000 in release).
    let n = 100;
    let text = gen::config(n);
    let tree = curly::read(&text, ROOT).expect("the generated configuration parses");
    let ls_list = Schema::get().logical_system();
    let systems = tree.get("logical-systems").expect("logical-systems");
    assert_eq!(systems.children_of(ls_list).count(), n);
    // The text is already in canonical form: printing gives it back.
    assert_eq!(print::curly(&tree), text);

    let t = Tenant::new(57);
    let ls = systems.child(ls_list, Some(&t.name)).expect("ls0057");
    let instance = ls
        .get("routing-instances")
        .and_then(|r| r.children.first())
        .expect("one routing instance");
    assert_eq!(instance.key.as_deref(), Some(t.instance.as_str()));
    assert_eq!(instance.leaf("instance-type"), Some("vrf"));
    assert_eq!(instance.list("interface").count(), 2);
    let bgp = instance
        .get("protocols")
        .and_then(|p| p.get("bgp"))
        .expect("bgp");
    assert_eq!(bgp.list("group").count(), 2);
    for group in bgp.list("group") {
        assert_eq!(group.list("neighbor").count(), 1);
        assert!(group.leaf_list("import").len() == 1 && group.leaf_list("export").len() == 1);
    }
    let login = tree.get("system").and_then(|s| s.get("login")).unwrap();
    assert_eq!(login.list("class").count(), n);
    assert_eq!(login.list("user").count(), n);
}
