//! SYNOPSIS and the prose sections (DESCRIPTION with its example, LOGICAL SYSTEMS,
//! DIFFERENCES FROM JUNOS).

use super::{escape, Index, Page};
use crate::schema::{Kind, SchemaId, ROOT};
use crate::text::{curly, print};
use crate::types::ValueType;

/// The example shown in DESCRIPTION, as a tenant sees its logical system. It is parsed and
/// printed with the same code as `show`, so the page shows the real output.
const EXAMPLE: &str = r#"
interfaces {
    irb {
        /* AWS Direct Connect */
        unit 4 {
            family inet {
                address 10.0.0.1/31;
            }
        }
    }
}
routing-instances {
    CUST {
        instance-type vrf;
        interface irb.4;
        route-distinguisher 65000:1;
        vrf-target target:65000:1;
        routing-options {
            inactive: static {
                route 10.9.0.0/16 discard;
            }
        }
        protocols {
            bgp {
                group aws {
                    type external;
                    peer-as 64512;
                    authentication-key "s3cret";
                    neighbor 10.0.0.0;
                }
            }
        }
    }
}
"#;

/// The example configuration of DESCRIPTION (tests check that it still parses).
pub fn example() -> &'static str {
    EXAMPLE
}

impl Index<'_> {
    /// `id` in the SYNOPSIS: its statement, its children, or a pointer to where they are.
    pub(super) fn synopsis(&self, id: SchemaId, depth: usize, p: &mut Page) {
        let n = self.node(id);
        let pad = "    ".repeat(depth);
        let head = if n.keyless {
            format!("<{}>", n.word)
        } else if let (true, Some(vt)) = (n.nokeyword, &n.vtype) {
            // Written without its keyword.
            vt.placeholder().to_string()
        } else {
            match (&n.kind, &n.vtype) {
                (Kind::Leaf, Some(ValueType::Enum(choices))) => {
                    format!("{} ({})", n.word, choices.join(" | "))
                }
                (Kind::LeafList, Some(vt)) => format!("{} [ {} ... ]", n.word, vt.placeholder()),
                (Kind::Leaf | Kind::List, Some(vt)) => format!("{} {}", n.word, vt.placeholder()),
                _ => n.word.clone(),
            }
        };
        // A compound key: its `@key` statements are written on the entry's line.
        let parts: Vec<String> = self
            .schema
            .key_parts(id)
            .map(|c| {
                let c = self.node(c);
                match &c.vtype {
                    Some(vt) => format!("{} {}", c.word, vt.placeholder()),
                    None => c.word.clone(),
                }
            })
            .collect();
        let head = match parts.as_slice() {
            [] => head,
            [one] => format!("{head} {one}"),
            _ => format!("{head} ({})", parts.join(" | ")),
        };
        let children: Vec<SchemaId> = n
            .children
            .iter()
            .copied()
            .filter(|&c| !self.node(c).key && !self.node(c).everywhere)
            .collect();
        if children.is_empty() {
            p.line(&escape(&format!("{pad}{head};")));
        } else if let Some(&first) = self.canonical.get(&id) {
            let words = self.plain_path(first);
            p.line(&escape(&format!(
                "{pad}{head} {{ ... }}  /* as in {words} */"
            )));
        } else {
            p.line(&escape(&format!("{pad}{head} {{")));
            for &c in &children {
                self.synopsis(c, depth + 1, p);
            }
            p.line(&escape(&format!("{pad}}}")));
        }
    }
}

pub(super) fn description(p: &mut Page) {
    p.raw(".SH DESCRIPTION");
    p.text(
        "lsys is a Junos-like router CLI for Linux, sliced into logical systems. This page \
         describes its configuration: the text printed by show configuration and accepted by \
         load, and the paths taken by set, delete, edit and the other configuration-mode \
         commands of lsys(1). lsysd(8) keeps the committed configuration in its datastore; \
         there is no configuration file it reads at start. lsys-config check FILE validates a \
         file offline with the same code.",
    );
    p.text(
        "The configuration is a tree of statements. In curly-brace form a statement is a \
         keyword, possibly a value, and either a block of statements in braces or a \
         semicolon; a leaf list takes several values in brackets. Indentation is four spaces. \
         A word that holds blanks or any of ;{}[]\"#() is written in double quotes. # starts a \
         comment that runs to the end of the line. A /* comment */ on its own line before a \
         statement is that statement's annotation (set by annotate). A statement prefixed with \
         inactive: is kept but not applied (deactivate and activate set and clear it). In \
         text given to load, a statement tagged replace: replaces what is configured (load \
         replace) and one tagged delete: is removed (load merge). The example, as a tenant \
         sees its logical system:",
    );
    let tree = curly::read(EXAMPLE, ROOT).expect("the man page example parses");
    p.verbatim(&print::curly(&tree));
    p.text(
        "The same configuration in set form (show | display set): one line per leaf, each \
         giving the whole path. An inactive statement is followed by a deactivate line for the \
         same path; annotations are not shown in set form.",
    );
    p.verbatim(&print::set_lines(&tree, &[]).join("\n"));
    p.text(
        "Secrets (marked Secret in HIERARCHY) are never shown in clear text: the value is \
         stored encrypted and printed as \"$9$...\"; ## SECRET-DATA. Either form may be \
         entered; a $9$ value is kept as it is. In JSON (| display json) the same tree is \
         printed as nested objects.",
    );
    p.text(
        "Configuration groups hold statements written as at the top of the configuration \
         (groups NAME { interfaces { ... } }); apply-groups [ A B ] at any level makes that \
         level, and everything below it, inherit the statements the groups hold at the same \
         path. A statement configured at the level wins over an inherited one, group A wins \
         over group B, and leaf lists and lists take the values and entries of every group. \
         Inside a group, an entry named <pattern> (shell wildcards: * ? [a-z] [!a-z]; quote it \
         when it holds brackets) applies to every configured entry whose name matches and \
         never creates one; the first matching entry of a group that sets a statement wins. \
         apply-groups-except [ A ] stops group A from applying at its level and below. show \
         prints groups as written; commit acts on the expanded configuration, and errors about \
         inherited statements name the level that inherits them. show | display inheritance \
         prints the expanded configuration with each inherited statement under a ## comment \
         naming its group.",
    );
    p.text(
        "BGP statements may be set under protocols bgp, on a group and on a neighbor of that \
         group; a neighbor's statement overrides the group's, which overrides that of protocols \
         bgp. Policy terms are evaluated in order; the first term that accepts or rejects a \
         route ends the policy, and the policy's own from and then (a last, unnamed term) \
         apply when no term decided.",
    );
}

pub(super) fn logical_systems(index: &Index, p: &mut Page) {
    let schema = index.schema;
    let ls = schema.logical_system();
    p.raw(".SH LOGICAL SYSTEMS");
    p.text(
        "The operator (uid 0) sees the whole configuration. A tenant is a Unix user whose \
         system login user names a login class with a logical-system: that tenant's shell is \
         confined to its logical system and sees it as the top of a router of its own. A \
         tenant writes set interfaces irb unit 4 ... where the operator writes set \
         logical-systems LS interfaces irb unit 4 ...; nothing outside the logical system can \
         be named, shown or completed. References (policies, prefix lists, communities, \
         interface units) resolve inside the same logical system.",
    );
    let sections: Vec<_> = schema
        .node(ls)
        .children
        .iter()
        .filter(|&&c| !schema.node(c).everywhere)
        .map(|&c| index.path(c, ls))
        .collect();
    p.raw(".PP");
    p.line(&format!("A logical system holds: {}.", sections.join(", ")));
    p.text(
        "Operator-only statements describe what the operator allocates to a tenant (physical \
         units, VLAN tags, bridge domains, routing table limits). A tenant sees them but \
         cannot change them; completion does not offer them. In a tenant's view they are:",
    );
    let mut found = Vec::new();
    index.topmost_operator_only(ls, &mut found);
    for id in found {
        p.raw(".IP \\(bu 2");
        p.line(&index.path(id, ls));
    }
}

pub(super) fn differences(p: &mut Page) {
    p.raw(".SH DIFFERENCES FROM JUNOS");
    p.text("lsys deliberately differs from Junos where Linux or stable output asks for it:");
    for item in [
        "Interfaces are Linux network devices. A configuration may name them as Linux does \
         (eth1, bond0: at most 15 letters, digits, - and _) or as Junos does (ge-0/0/1, \
         xe-1/0/0:2); a Junos port name needs the root's interfaces NAME linux-name DEVICE \
         (lsys's own statement, operator only, at the root only), which says which Linux \
         device carries it: its unit ge-0/0/1.4 is then the VLAN device eth1.4. Commit refuses \
         a Junos port name without one, and a device that carries two interfaces. Show \
         commands print the Junos name. A unit is NAME.UNIT.",
        "The $9$ encoding of a secret takes its salt from the secret itself, so the same secret \
         always prints the same and output is stable across commits and hosts. It is an \
         obfuscation, not encryption.",
        "Only the hierarchy in this page exists. set refuses anything else Junos accepts \
         (other protocols, firewall filters, ...) with a syntax error; load and lsys-config \
         leave such statements out and list them (warning: statements not supported by lsys \
         were ignored:), so a device-saved file loads whole, while a bad value or a likely \
         misspelt keyword fails the whole load with every error listed (file:line:column).",
        "disable on a unit (or on its interface) brings lsys's device for that unit down: the \
         irb's bridge, or the circuit's VLAN device. The host port itself is the operator's \
         and is left up.",
        "Configuration groups do not nest: apply-groups is not accepted inside groups. A group \
         never creates a logical system: logical-systems NAME in a group applies only to a \
         logical system that exists, as <*> would. groups, apply-groups and \
         apply-groups-except are operator-only, and apply-groups is not accepted directly \
         under logical-systems (apply the group at the top or in the logical system). Groups \
         applied lower in the hierarchy take priority over groups applied above; inherited \
         list entries and leaf-list values follow the ones configured at the level. Junos \
         documents neither of the last two; this is what lsys does.",
        "There is no configuration file: the committed configuration and 50 rollbacks per \
         logical system live in the lsysd(8) datastore.",
        "routing-options rib names only the IPv6 table of its instance: inet6.0, or \
         NAME.inet6.0 inside routing-instances NAME. IPv4 static routes go under \
         routing-options static, IPv6 ones under rib inet6.0 static, and every next hop is an \
         address of its route's family or an interface unit of its route's instance (one the \
         routing instance lists with interface, or, in the master instance, one configured \
         under interfaces that no routing instance lists); commit refuses anything else \
         (next-hop interface irb.300 is not in routing instance CUST).",
        "then load-balance per-packet and per-flow both install all equal-cost next hops. \
         When a policy named by routing-options forwarding-table export has load-balance in \
         any term (or in its own then), it applies to every route of that instance: the \
         term's from conditions are not evaluated. Without such an export a route with several \
         next hops installs one of them in the kernel (the lowest address that resolves), as \
         Junos installs one; show route marks it with >. Next hops are ordered addresses \
         first (lowest first), then interfaces (by name): without the export the lowest \
         address that resolves is installed, an interface only when no address does. In IPv6 \
         Linux takes no interface next hop beside others in one route: there the export \
         installs the addresses only (or, with interfaces only, the first interface).",
        "A static route whose next hop resolves over no connected subnet of its instance is \
         hidden (show route hidden) and not installed; when its interface goes down it leaves \
         the kernel and a qualified-next-hop of a higher preference (a floating static) takes \
         over. A next hop that names an interface (next-hop irb.300, qualified-next-hop \
         irb.300) points the route straight out of it, as Junos does (in the kernel: dev \
         irb.300, scope link, no gateway); it is usable while that interface is up in the \
         instance, whatever its addresses, and otherwise hidden like an unresolved gateway. \
         show route prints it as a direct route's next hop (> via irb.300). A route the \
         kernel refuses stays in the RIB and show route prints Kernel: refused (reason) \
         under it.",
        "maximum-prefixes counts the destinations that hold a static or BGP route, per table \
         and family (Direct and Local routes are never refused); statics past the limit are \
         refused in prefix order, logged, and counted in show route summary. Only the \
         operator may set it; an instance without one takes its logical system's, and a \
         logical system without one is limited to 100000 (the root's tables have no limit).",
        "A route-filter is named by its prefix and match type, as in Junos, so route-filter \
         0.0.0.0/0 exact and route-filter 0.0.0.0/0 prefix-length-range /25-/32 are two \
         filters and delete removes only the one it names. A route-filter written without a \
         match type is read (as a filter of its own) but refused at commit. The community \
         actions of a then (community add, set and delete) are separate statements, applied \
         and shown in the order written; lsys still reads the one-line form it used to print \
         (community add A delete B), as two statements.",
        "Statements lsys keeps but does not act on yet, so that configurations written for \
         Junos load: on interfaces vlan-tagging and stacked-vlan-tagging (read like \
         flexible-vlan-tagging), native-vlan-id, a physical encapsulation, the ccc and vpls \
         unit encapsulations, family inet and inet6 mtu (the device takes the interface mtu) \
         and family bridge (a unit is bridged when a bridge domain names it with interface, \
         not by interface-mode or vlan-id-list); on bridge domains domain-type bridge and \
         vlan-id none (every lsys domain carries untagged frames: its members are VLAN \
         devices that pop their tags); on routing instances vrf-import, vrf-export, \
         vrf-target import, export and auto, and vrf-table-label (meaningful once lsys has \
         MPLS); on login classes idle-timeout, allow-configuration and deny-configuration \
         (stored, not enforced: the permission flags are), on users full-name, and on units \
         family iso and family mpls (meaningful once lsys runs IS-IS and MPLS).",
        "Login users are Unix users: a connection is the user its uid names. With lsysd \
         --manage-accounts, each system login user of the root's configuration is a Unix \
         account lsysd creates, changes and deletes at commit: GECOS field lsys-managed, \
         group lsys-users, home /nonexistent, the lsys shell, the configured uid (if any), \
         authentication encrypted-password as the shadow hash (no password: *, which no password matches; keys still work) and the \
         ssh-rsa, ssh-ecdsa and ssh-ed25519 keys in the file sshd reads for the user \
         (/etc/lsys/keys/USER). Commit refuses a user whose name is an account lsysd did not \
         make (account root exists and is not managed by lsys) or whose uid another account \
         has, and leaves every account as it was when any part of the commit fails. Without \
         --manage-accounts lsysd sets no account, password or key (see lsysd(8)).",
        "deny-commands refuses the operational commands it matches (the command's keywords \
         in full, then its arguments as typed; also through run), unless allow-commands \
         matches them too (allow wins, as in Junos). allow-commands does not grant what the \
         permission flags do not.",
        "Refused at commit as not supported yet: instance-type other than vrf and \
         virtual-router (instance-type forwarding is not supported yet), bridge-domain \
         vlan-id all, next-table, routing-options aggregate, \
         link aggregation (gigether-options 802.3ad, aggregated-ether-options), BGP \
         family inet-vpn and inet6-vpn, and in BGP remove-private, as-override, cluster \
         (route reflection), bfd-liveness-detection, the local-as options loops, private, \
         alias and no-prepend-global-as, graceful-restart other than graceful-restart \
         disable, authentication-algorithm other than md5, and then next-hop and then tag \
         in a policy BGP imports with.",
        "The attributes of a static route (metric, tag, community, as-path) are kept for \
         policies and BGP; retain, install and their no- forms have no effect (a route with \
         a usable next hop is always installed), and resolve does not make lsys resolve a \
         next hop through other routes: it must lie on a connected subnet.",
        "BGP: as in Junos, statements of protocols bgp apply to every group and a group's \
         to its neighbors unless set again there, type may be left out (a peer whose \
         peer-as is the local AS is internal, any other external), an internal peer need \
         not be on a connected subnet, and routing-options autonomous-system may be left \
         out when every group sets local-as. Export policies see the instance's active \
         routes: a static or direct route goes out when an export policy accepts it (from \
         protocol static), with origin IGP and next-hop self; a BGP path that lost to a \
         static route in the table is not advertised unless advertise-inactive. multipath \
         is a neighbor's (or its group's), as in Junos: a prefix's paths learned by multipath \
         neighbors share the traffic when its best path is one of them; the kernel \
         installs several next hops only with a load-balance forwarding-table export, as for \
         statics. The route preference of BGP paths is 170, or the neighbor's preference, \
         or what an import policy's then preference sets; it is compared first, as Junos \
         does, between BGP paths and against other protocols' routes. A session that does \
         not come up says why in show bgp neighbor (Last connect error): no answer with an \
         authentication key usually means the keys differ.",
        "In policies, to conditions are kept but not evaluated, and conditions on protocols \
         lsys does not run (isis, ospf, rip) never match. A community whose members are \
         regular expressions (^65000:.*$, *:*) can be matched and deleted; community add \
         and set of it are refused at commit, as Junos does.",
    ] {
        p.raw(".IP \\(bu 2");
        p.line(&escape(item));
    }
}
