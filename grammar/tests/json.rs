//! `| display json` and JSON loading: the seed round trip, the Junos shape and the errors.

use lsys_grammar::json::{from_json, to_json, to_json_document, JsonError};
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::curly;
use serde_json::{json, Value};

const SEED: &str = include_str!("fixtures/seed.conf");

fn err(v: Value) -> JsonError {
    from_json(&v, ROOT).unwrap_err()
}

#[test]
fn seed_round_trips_through_json_text() {
    let tree = curly::read(SEED, ROOT).unwrap();
    let text = serde_json::to_string_pretty(&to_json_document(&tree)).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(from_json(&back, ROOT).unwrap(), tree);
    // The bare object (no "configuration" wrapper) reads too.
    assert_eq!(from_json(&to_json(&tree), ROOT).unwrap(), tree);
    assert!(text.contains(r#""authentication-key": "$9$"#));
}

#[test]
fn below_the_root() {
    let tree = curly::read(SEED, ROOT).unwrap();
    let schema = Schema::get();
    let ls = &tree.get("logical-systems").unwrap().children[0];
    assert_eq!(ls.schema, schema.logical_system());
    let j = to_json(ls);
    assert!(j
        .get("routing-instances")
        .unwrap()
        .get("instance")
        .is_some());
    assert_eq!(
        from_json(&j, schema.logical_system()).unwrap().children,
        ls.children
    );
    // A logical system has no `system`, and the wrapper is a root-only form.
    let e = from_json(&json!({"system": {}}), schema.logical_system()).unwrap_err();
    assert_eq!(e.path, "$.system");
    assert!(from_json(&json!({"configuration": {}}), schema.logical_system()).is_err());
}

#[test]
fn values_are_canonical_and_secrets_encoded() {
    let t = from_json(
        &json!({"configuration": {
            "routing-options": {"static": {"route": [{"name": "10.1.2.3/8", "next-hop": ["10.0.0.1"]}]}},
            "protocols": {"bgp": {"group": [{"name": "g", "peer-as": 64512, "authentication-key": "s3cret"}]}}
        }}),
        ROOT,
    )
    .unwrap();
    let text = lsys_grammar::text::print::curly(&t);
    assert!(
        text.contains("route 10.0.0.0/8 next-hop 10.0.0.1;"),
        "{text}"
    );
    assert!(text.contains("peer-as 64512;"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("authentication-key \"$9$"), "{text}");
}

#[test]
fn errors_name_the_place() {
    let cases = [
        (json!([]), "$", "expected an object, found an array"),
        (json!({"bogus": {}}), "$.bogus", "unknown statement 'bogus'"),
        (
            json!({"system": {"host-name": ["a"]}}),
            "$.system.host-name",
            "expected a string, found an array",
        ),
        (
            json!({"interfaces": {"interface": {"name": "eth1"}}}),
            "$.interfaces.interface",
            "expected an array, found an object",
        ),
        (
            json!({"interfaces": {"interface": [{"mtu": "9000"}]}}),
            "$.interfaces.interface[0]",
            "missing member 'name'",
        ),
        (
            json!({"interfaces": {"interface": [{"name": "eth1"}, {"name": "eth1"}]}}),
            "$.interfaces.interface[1].name",
            "duplicate entry 'eth1'",
        ),
        (
            json!({"interfaces": {"interface": [{"name": "eth1", "flexible-vlan-tagging": true}]}}),
            "$.interfaces.interface[0].flexible-vlan-tagging",
            "expected [null]",
        ),
        (
            json!({"system": {"@host-name": {"inactive": true}}}),
            "$.system.@host-name",
            "attributes of a statement that is not configured",
        ),
        (
            json!({"system": {"@": {"hidden": true}}}),
            "$.system.@.hidden",
            "unknown attribute 'hidden'",
        ),
        (
            json!({"policy-options": {"community": [{"name": "C", "members": []}]}}),
            "$.policy-options.community[0].members",
            "expected at least one value",
        ),
        (
            json!({"routing-options": {"static": {"route": [
                {"name": "0.0.0.0/0", "next-hop": ["10.0.0.1"], "discard": [null]}]}}}),
            "$.routing-options.static.route[0].discard",
            "'discard' cannot be combined with 'next-hop'",
        ),
    ];
    for (v, path, message) in cases {
        let e = err(v.clone());
        assert_eq!(
            (e.path.as_str(), e.message.as_str()),
            (path, message),
            "{v}"
        );
    }
    let e =
        err(json!({"interfaces": {"interface": [{"name": "eth1", "unit": [{"name": "70000"}]}]}}));
    assert_eq!(e.path, "$.interfaces.interface[0].unit[0].name");
    assert!(e.message.contains("range"), "{e}");
    let e = err(json!({"routing-instances": {"instance": [{"name": "default"}]}}));
    assert!(e.message.contains("reserved"), "{e}");
}

#[test]
fn attributes_in_every_position() {
    let v = json!({"configuration": {
        "system": {"@": {"comment": "/* box */"}, "host-name": "r1", "@host-name": {"inactive": true}},
        "interfaces": {"interface": [{"@": {"inactive": true, "comment": "uplink"}, "name": "eth1",
            "@flexible-vlan-tagging": {"comment": "/* flag */"}, "flexible-vlan-tagging": [null]}]}
    }});
    let t = from_json(&v, ROOT).unwrap();
    let text = lsys_grammar::text::print::curly(&t);
    assert_eq!(
        text,
        "/* box */\nsystem {\n    inactive: host-name r1;\n}\ninterfaces {\n    /* uplink */\n    inactive: eth1 {\n        /* flag */\n        flexible-vlan-tagging;\n    }\n}\n"
    );
    // Printing puts each "@name" right before its statement and normalises the comment.
    let again = to_json_document(&t);
    assert_eq!(from_json(&again, ROOT).unwrap(), t);
    assert_eq!(
        again["configuration"]["interfaces"]["interface"][0]["@"]["comment"],
        json!("/* uplink */")
    );
}
