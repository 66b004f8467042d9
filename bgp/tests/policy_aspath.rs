//! `from as-path`: Junos AS-path regular expressions through policy configuration.

mod policy_support;

use lsys_bgp::packet::{AsPath, Segment, SegmentType};
use lsys_bgp::policy::{CompileError, DefaultPolicy};
use policy_support::*;

/// Whether a route with `path` matches `as-path X "regex"`.
fn matches(regex: &str, path: &[u32]) -> bool {
    let text = format!(
        "policy-options {{ policy-statement P {{ from as-path X; then accept; }} as-path X \"{regex}\"; }}"
    );
    let c = chain(&text, &["P"], DefaultPolicy::Reject);
    Route::bgp("192.0.2.0/24").path(path).accepted_by(&c)
}

#[test]
fn table() {
    let table: &[(&str, &[u32], bool)] = &[
        // Whole-path matching: ^ and $ are implied.
        ("65001", &[65001], true),
        ("65001", &[65001, 65002], false),
        ("65001 .*", &[65001, 65002, 65003], true),
        ("^65001 .*$", &[65001], true),
        (".* 65003", &[65001, 65002, 65003], true),
        (".* 65003", &[65003, 65002], false),
        (".* 65002 .*", &[65001, 65002, 65003], true),
        // Any AS, counted.
        (".", &[7], true),
        (".", &[], false),
        (". .", &[7, 8], true),
        (".{1,3}", &[1, 2, 3], true),
        (".{1,3}", &[1, 2, 3, 4], false),
        (".{2}", &[1], false),
        (".{3,}", &[1, 2, 3, 4, 5, 6], true),
        // The empty path.
        ("()", &[], true),
        ("()", &[65001], false),
        (".*", &[], true),
        // Ranges: private ASes anywhere.
        (".* 64512-65534 .*", &[3356, 64600, 1299], true),
        (".* 64512-65534 .*", &[3356, 1299], false),
        (
            ".* [64512-65534 4200000000-4294967294] .*",
            &[4_200_000_005],
            true,
        ),
        // Alternation binds terms: second AS is 174 or 3356, any length.
        (". (174 | 3356) .*", &[1, 3356, 9, 9], true),
        ("(. 174) | (. 3356) .*", &[1, 3356, 9, 9], true),
        (". (174 | 3356) .*", &[1, 1299], false),
        ("65001 | 65002", &[65002], true),
        // Repetition: prepends.
        ("65001+", &[65001, 65001, 65001], true),
        ("65001+ 65002", &[65001, 65001, 65002], true),
        ("65001+ 65002", &[65002], false),
        ("65001* 65002", &[65002], true),
        ("65001? 65002", &[65001, 65001, 65002], false),
        ("(65001 65002)+", &[65001, 65002, 65001, 65002], true),
        ("(65001 65002)+", &[65001, 65002, 65001], false),
        (
            "65001 (65002 | 65003){2} .*",
            &[65001, 65003, 65002, 9],
            true,
        ),
    ];
    for (re, path, want) in table {
        assert_eq!(matches(re, path), *want, "\"{re}\" on {path:?}");
    }
}

#[test]
fn any_listed_expression() {
    let text = r#"
    policy-options {
        policy-statement P {
            from as-path [ A B ];
            then accept;
        }
        as-path A "65001 .*";
        as-path B ".* 65009";
    }"#;
    let c = chain(text, &["P"], DefaultPolicy::Reject);
    assert!(Route::bgp("192.0.2.0/24").path(&[65001, 7]).accepted_by(&c));
    assert!(Route::bgp("192.0.2.0/24").path(&[7, 65009]).accepted_by(&c));
    assert!(!Route::bgp("192.0.2.0/24").path(&[7, 8]).accepted_by(&c));
}

#[test]
fn as_set_is_one_element() {
    let text = r#"
    policy-options {
        policy-statement P {
            from as-path X;
            then accept;
        }
        as-path X "65001 65011";
    }"#;
    let c = chain(text, &["P"], DefaultPolicy::Reject);
    let with_set = |set: Vec<u32>| {
        Route::bgp("192.0.2.0/24").with(|a| {
            a.as_path = Some(AsPath {
                segments: vec![
                    Segment {
                        kind: SegmentType::Sequence,
                        asns: vec![65001],
                    },
                    Segment {
                        kind: SegmentType::Set,
                        asns: set,
                    },
                ],
            })
        })
    };
    assert!(with_set(vec![65010, 65011]).accepted_by(&c));
    assert!(!with_set(vec![65010, 65012]).accepted_by(&c));
}

#[test]
fn no_as_path_is_the_empty_path() {
    let text = r#"
    policy-options {
        policy-statement P {
            from as-path LOCAL;
            then accept;
        }
        as-path LOCAL "()";
    }"#;
    let c = chain(text, &["P"], DefaultPolicy::Reject);
    assert!(Route::bgp("192.0.2.0/24")
        .with(|a| a.as_path = None)
        .accepted_by(&c));
    assert!(Route::bgp("192.0.2.0/24").path(&[]).accepted_by(&c));
    assert!(!Route::bgp("192.0.2.0/24").accepted_by(&c));
}

#[test]
fn a_bad_expression_names_the_statement() {
    let text = "policy-options { as-path BAD \"65001 (\"; }";
    let err = try_compile(text).unwrap_err();
    assert!(matches!(err, CompileError::AsPathRegex { .. }), "{err}");
    assert!(
        err.to_string().starts_with("as-path BAD \"65001 (\": "),
        "{err}"
    );
}
