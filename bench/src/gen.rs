//! A deterministic, realistic configuration of many logical systems (tenants).
//!
//! Each logical system is a copy of the seed scenario's Cloud Router
//! (grammar/tests/fixtures/seed.conf) with its own numbers:
//!
//! ```text
//!  root:  system host-name / login class+user per LS / interfaces ethP (operator ports)
//!  LS i:  interfaces ethP unit V (vlan-id V)            ── circuit 1 (AWS-like, /31)
//!                    ethP unit O (vlan-tags outer O inner 100) ── circuit 2 (Azure-like, /30)
//!         interfaces irb unit 2i+1, 2i+2 (addresses)
//!         policy-options (prefix lists, import/export policies the groups name)
//!         routing-instances <uuid> (vrf, rd, vrf-target, 2 irb, 2 static routes,
//!                                   bgp groups aws + azure, one neighbor each, MD5 keys)
//!         bridge-domains joining each circuit unit to its irb unit
//! ```
//!
//! Globally unique across logical systems: irb unit numbers, (port, vlan) pairs (single tags
//! use VLAN 2..=2047 and QinQ outer tags 2048..=4094 on each port), interface addresses. Within
//! one VRF the two subnets never overlap.

use std::fmt::Write;

use lsys_grammar::secret;

/// Logical systems one port carries (one single-tag and one QinQ circuit each).
const PER_PORT: usize = 2046;

/// Most logical systems [`config`] can make (irb units are 1..=16384).
pub const MAX_LOGICAL_SYSTEMS: usize = 8192;

/// Everything one logical system's statements are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub index: usize,
    pub name: String,
    pub instance: String,
    pub port: String,
    /// Single-tag circuit: unit number = VLAN id.
    pub vlan: u32,
    /// QinQ circuit: unit number = outer tag.
    pub outer: u32,
    pub inner: u32,
    /// irb units of the two circuits.
    pub irb: [u32; 2],
    /// `a.b` of the tenant's 10.a.b.0/28 block.
    pub net: (u32, u32),
}

impl Tenant {
    pub fn new(index: usize) -> Tenant {
        assert!(index < MAX_LOGICAL_SYSTEMS, "at most {MAX_LOGICAL_SYSTEMS}");
        let ports = ports_for(index + 1);
        let slot = (index / ports) as u32;
        Tenant {
            index,
            name: format!("ls{index:04}"),
            instance: uuid(index as u64),
            port: format!("eth{}", 1 + index % ports),
            vlan: 2 + slot,
            outer: 2048 + slot,
            inner: 100,
            irb: [2 * index as u32 + 1, 2 * index as u32 + 2],
            net: ((index >> 8) as u32 & 255, index as u32 & 255),
        }
    }

    /// The AWS-like neighbor (peer of the /31).
    pub fn aws_peer(&self) -> String {
        format!("10.{}.{}.1", self.net.0, self.net.1)
    }

    /// The Azure-like neighbor (peer of the /30).
    pub fn azure_peer(&self) -> String {
        format!("10.{}.{}.14", self.net.0, self.net.1)
    }
}

/// Operator ports needed for `n` logical systems (at least 4).
fn ports_for(n: usize) -> usize {
    n.div_ceil(PER_PORT).max(4)
}

/// A UUID-looking routing-instance name, stable for `i`.
pub fn uuid(i: u64) -> String {
    let a = mix(i);
    let b = mix(i ^ 0x5555_5555);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// The whole configuration for `n` logical systems, as curly text.
pub fn config(n: usize) -> String {
    let tenants: Vec<Tenant> = (0..n).map(Tenant::new).collect();
    let mut out = String::with_capacity(n * 4096);
    // In display order: system, logical-systems, then the root's own statements.
    system(&mut out, &tenants);
    out.push_str("logical-systems {\n");
    for t in &tenants {
        logical_system(&mut out, t);
    }
    out.push_str("}\n");
    root_statements(&mut out, ports_for(n));
    out
}

fn system(out: &mut String, tenants: &[Tenant]) {
    out.push_str("system {\n    host-name nxp-fra-01;\n    login {\n");
    for t in tenants {
        let _ = write!(
            out,
            "        class {n}-tenant {{\n            logical-system {n};\n            \
             permissions all;\n        }}\n",
            n = t.name
        );
    }
    for t in tenants {
        let _ = write!(
            out,
            "        user u{i:04} {{\n            class {n}-tenant;\n            uid {uid};\n            \
             full-name \"Tenant {i} operator\";\n        }}\n",
            i = t.index,
            n = t.name,
            uid = 2000 + t.index
        );
    }
    out.push_str("    }\n}\n");
}

fn root_statements(out: &mut String, ports: usize) {
    out.push_str("interfaces {\n");
    for p in 1..=ports {
        let _ = write!(
            out,
            "    eth{p} {{\n        description \"Cloud exchange port {p}\";\n        \
             flexible-vlan-tagging;\n        mtu 9000;\n    }}\n"
        );
    }
    out.push_str(
        "}\nrouting-options {\n    router-id 192.0.2.1;\n    autonomous-system 65000;\n}\n",
    );
}

fn logical_system(out: &mut String, t: &Tenant) {
    let (a, b) = t.net;
    let [irb_aws, irb_azure] = t.irb;
    let i = t.index;
    let aws_key = secret::encode(&format!("aws-{i}-md5"));
    let azure_key = secret::encode(&format!("azure-{i}-md5"));
    let _ = write!(
        out,
        r#"    {name} {{
        interfaces {{
            {port} {{
                unit {vlan} {{
                    description "AWS Direct Connect {i}";
                    encapsulation vlan-bridge;
                    vlan-id {vlan};
                }}
                unit {outer} {{
                    description "Azure ExpressRoute {i}";
                    encapsulation vlan-bridge;
                    vlan-tags outer {outer} inner {inner};
                }}
            }}
            irb {{
                unit {irb_aws} {{
                    family inet {{
                        address 10.{a}.{b}.0/31;
                    }}
                }}
                unit {irb_azure} {{
                    family inet {{
                        address 10.{a}.{b}.13/30;
                    }}
                }}
            }}
        }}
        routing-options {{
            autonomous-system 65000;
        }}
        policy-options {{
            prefix-list aws-vpc {{
                172.31.0.0/16;
            }}
            prefix-list azure-vnet {{
                10.6.0.0/16;
            }}
            policy-statement aws-in {{
                term vpc {{
                    from prefix-list aws-vpc;
                    then accept;
                }}
                then reject;
            }}
            policy-statement azure-in {{
                term vnet {{
                    from prefix-list azure-vnet;
                    then accept;
                }}
                then reject;
            }}
            policy-statement to-clouds {{
                term bgp {{
                    from protocol [ bgp static ];
                    then accept;
                }}
                then reject;
            }}
        }}
        routing-instances {{
            {instance} {{
                description "Cloud Router {i}";
                instance-type vrf;
                interface irb.{irb_aws};
                interface irb.{irb_azure};
                route-distinguisher 65000:{rd};
                vrf-target target:65000:{rd};
                routing-options {{
                    static {{
                        route 192.168.{sb}.0/24 next-hop 10.{a}.{b}.1;
                        route 192.0.2.0/24 discard;
                    }}
                }}
                protocols {{
                    bgp {{
                        group aws {{
                            type external;
                            import aws-in;
                            export to-clouds;
                            peer-as 64512;
                            neighbor {aws_peer} {{
                                description "AWS Direct Connect {i}";
                                authentication-key "{aws_key}"; ## SECRET-DATA
                            }}
                        }}
                        group azure {{
                            type external;
                            import azure-in;
                            export to-clouds;
                            peer-as 12076;
                            neighbor {azure_peer} {{
                                description "Azure ExpressRoute {i}";
                                authentication-key "{azure_key}"; ## SECRET-DATA
                            }}
                        }}
                    }}
                }}
            }}
        }}
        bridge-domains {{
            bd-aws {{
                vlan-id {vlan};
                interface {port}.{vlan};
                routing-interface irb.{irb_aws};
            }}
            bd-azure {{
                interface {port}.{outer};
                routing-interface irb.{irb_azure};
            }}
        }}
    }}
"#,
        name = t.name,
        port = t.port,
        vlan = t.vlan,
        outer = t.outer,
        inner = t.inner,
        instance = t.instance,
        rd = i + 1,
        sb = i % 256,
        aws_peer = t.aws_peer(),
        azure_peer = t.azure_peer(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn circuits_and_irb_units_are_globally_unique() {
        let n = 3000;
        let mut pairs = HashSet::new();
        let mut units = HashSet::new();
        for t in (0..n).map(Tenant::new) {
            assert!(pairs.insert((t.port.clone(), t.vlan)), "{t:?}");
            assert!(pairs.insert((t.port.clone(), t.outer)), "{t:?}");
            assert!(t.vlan < 2048 && (2048..=4094).contains(&t.outer));
            assert!(units.insert(t.irb[0]) && units.insert(t.irb[1]));
        }
        assert_eq!(ports_for(1000), 4);
    }

    #[test]
    fn names_are_stable() {
        assert_eq!(uuid(7), uuid(7));
        assert_ne!(uuid(7), uuid(8));
        assert_eq!(uuid(0).len(), 36);
    }
}
