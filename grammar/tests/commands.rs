//! Operational command lines parse into the [`Invocation`] the daemon dispatches on: the name
//! of the command and its arguments (schema word, canonical value) in the order given.
//! `show route` match types, flags and tables; `ping` and `traceroute` options.

use lsys_grammar::cli::{parse, CliErrorKind, Invocation, Mode};

fn op(line: &str) -> Invocation {
    parse(line, Mode::Operational)
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .command
}

/// Arguments as written in a test: (schema word, value).
type Args<'a> = &'a [(&'a str, Option<&'a str>)];

fn args(pairs: Args) -> Vec<(String, Option<String>)> {
    pairs
        .iter()
        .map(|(w, v)| (w.to_string(), v.map(str::to_string)))
        .collect()
}

/// (column, error) of a refused line.
fn refused(line: &str) -> (usize, CliErrorKind) {
    let e = parse(line, Mode::Operational).expect_err(line);
    (e.col, e.kind)
}

#[test]
fn show_route_lines() {
    let cases: &[(&str, Args)] = &[
        (
            "show route 10.0.0.0/8 longer",
            &[("destination", Some("10.0.0.0/8")), ("longer", None)],
        ),
        // An address alone is its host prefix (the canonical form of the key type).
        (
            "show route 10.0.0.1",
            &[("destination", Some("10.0.0.1/32"))],
        ),
        (
            "show route table CUST.inet.0 protocol static terse",
            &[
                ("table", Some("CUST.inet.0")),
                ("protocol", Some("static")),
                ("terse", None),
            ],
        ),
        (
            "show route protocol static hidden",
            &[("protocol", Some("static")), ("hidden", None)],
        ),
        (
            "show route 10.0.0.0/8 exact",
            &[("destination", Some("10.0.0.0/8")), ("exact", None)],
        ),
        (
            "show route 2001:db8::/32 orlonger extensive table CUST.inet6.0",
            &[
                ("destination", Some("2001:db8::/32")),
                ("orlonger", None),
                ("extensive", None),
                ("table", Some("CUST.inet6.0")),
            ],
        ),
        (
            "show route 10.1.2.3/8 terse",
            &[("destination", Some("10.0.0.0/8")), ("terse", None)],
        ),
        (
            "show route table inet.0 10.0.0.0/8 longer",
            &[
                ("table", Some("inet.0")),
                ("destination", Some("10.0.0.0/8")),
                ("longer", None),
            ],
        ),
        ("show route extensive", &[("extensive", None)]),
        (
            "show route hidden terse",
            &[("hidden", None), ("terse", None)],
        ),
        // Keywords are not abbreviated where a destination could be typed instead.
        ("sh ro table R.inet.0", &[("table", Some("R.inet.0"))]),
    ];
    for (line, want) in cases {
        let inv = op(line);
        assert_eq!(inv.name(), "show route", "{line}");
        assert_eq!(inv.args, args(want), "{line}");
    }
}

#[test]
fn show_route_takes_one_match_type() {
    // `longer` starts at column 28 of `show route 10.0.0.0/8 exact longer`.
    assert_eq!(
        refused("show route 10.0.0.0/8 exact longer"),
        (28, CliErrorKind::Syntax)
    );
    assert_eq!(
        refused("show route 10.0.0.0/8 orlonger exact").1,
        CliErrorKind::Syntax
    );
    // The same member twice is not a conflict.
    let inv = op("show route 10.0.0.0/8 exact exact");
    assert!(inv.has("exact"));
    // `longer` is an argument of a destination only (here it is read as one).
    assert!(matches!(
        refused("show route longer").1,
        CliErrorKind::InvalidValue { .. }
    ));
    assert!(matches!(
        refused("show route 10.0.0.300 exact").1,
        CliErrorKind::InvalidValue { .. }
    ));
}

#[test]
fn ping_options() {
    let inv = op("ping 2001:db8::1 inet6 interval 0.1 do-not-fragment count 3 wait 2");
    assert_eq!(inv.name(), "ping");
    assert_eq!(
        inv.args,
        args(&[
            ("host", Some("2001:db8::1")),
            ("inet6", None),
            ("interval", Some("0.1")),
            ("do-not-fragment", None),
            ("count", Some("3")),
            ("wait", Some("2")),
        ])
    );
    // Decimal seconds in canonical form.
    assert_eq!(
        op("ping 192.0.2.1 interval 1.50").arg("interval"),
        Some("1.5")
    );
    assert_eq!(op("ping 192.0.2.1 interval 2").arg("interval"), Some("2"));
    assert_eq!(
        op("ping 192.0.2.1 inet size 1472").arg("size"),
        Some("1472")
    );
    assert_eq!(
        refused("ping 192.0.2.1 interval 0.05"),
        (
            24,
            CliErrorKind::InvalidValue {
                message: "value 0.05 is not within range (0.1..10000)".into(),
                value: "0.05".into()
            }
        )
    );
    assert!(matches!(
        refused("ping 192.0.2.1 interval 0.1234").1,
        CliErrorKind::InvalidValue { .. }
    ));
    // `wait` stays whole seconds.
    assert!(matches!(
        refused("ping 192.0.2.1 wait 0.5").1,
        CliErrorKind::InvalidValue { .. }
    ));
    assert!(matches!(
        refused("ping 192.0.2.1 size 65469").1,
        CliErrorKind::InvalidValue { .. }
    ));
}

#[test]
fn traceroute_options() {
    let inv = op(
        "traceroute 192.0.2.1 routing-instance CUST source 10.0.0.1 ttl 30 wait 5 inet no-resolve",
    );
    assert_eq!(inv.name(), "traceroute");
    assert_eq!(
        inv.args,
        args(&[
            ("host", Some("192.0.2.1")),
            ("routing-instance", Some("CUST")),
            ("source", Some("10.0.0.1")),
            ("ttl", Some("30")),
            ("wait", Some("5")),
            ("inet", None),
            ("no-resolve", None),
        ])
    );
    let inv = op("tr 2001:db8::1 inet6");
    assert_eq!(inv.name(), "traceroute");
    assert_eq!(
        inv.args,
        args(&[("host", Some("2001:db8::1")), ("inet6", None)])
    );
    for bad in [
        "traceroute 192.0.2.1 ttl 256",
        "traceroute 192.0.2.1 wait 86401",
        "traceroute 192.0.2.1 routing-instance default",
        "traceroute 192.0.2.1 source not-an-address",
    ] {
        assert!(
            matches!(refused(bad).1, CliErrorKind::InvalidValue { .. }),
            "{bad}"
        );
    }
}
