//! The HIERARCHY section: one `.TP` entry per documented node, with its syntax, value type and
//! notes.

use super::{escape, Index, Page};
use crate::schema::{Kind, SchemaId, SchemaNode, ROOT};
use crate::types::{seconds_text, ValueType};

impl Index<'_> {
    /// The HIERARCHY entries of `id` and everything documented below it.
    pub(super) fn entries(&self, id: SchemaId, p: &mut Page) {
        let n = self.node(id);
        p.raw(".TP");
        p.line(&self.path(id, ROOT));
        p.line(&format!("{}.", escape(&n.help)));
        let mut notes = vec![self.syntax(n)];
        if let Some(vt) = &n.vtype {
            let what = if n.kind == Kind::List { "Key" } else { "Value" };
            notes.push(format!(
                "{what}: \\fI{}\\fR, {}.",
                escape(vt.placeholder()),
                escape(&describe(vt))
            ));
        }
        notes.extend(self.notes(n));
        if let Some(&first) = self.canonical.get(&id) {
            notes.push(format!(
                "Holds the same statements as {}; see there.",
                self.path(first, ROOT)
            ));
            notes.extend(self.operator_part(id));
        } else {
            let words: Vec<_> = n
                .children
                .iter()
                .filter(|&&c| !self.node(c).key && !self.node(c).everywhere)
                .map(|&c| self.path(c, id))
                .collect();
            if !words.is_empty() {
                notes.push(format!("Contains: {}.", words.join(", ")));
            }
        }
        let parent_copied = n.parent.is_some_and(|p| self.copies.contains_key(&p));
        if let (Some(copies), false) = (self.copies.get(&id), parent_copied) {
            // Copies in configuration groups say so themselves.
            let at: Vec<_> = copies
                .iter()
                .filter(|&&c| !self.node(c).template)
                .map(|&c| self.path(c, ROOT))
                .collect();
            if !at.is_empty() {
                notes.push(format!("The same statements apply at: {}.", at.join("; ")));
            }
        }
        for note in notes {
            p.raw(".br");
            p.line(&note);
        }
        if !self.canonical.contains_key(&id) {
            for &c in n.children.iter().filter(|&&c| !self.node(c).everywhere) {
                self.entries(c, p);
            }
        }
    }

    /// The statements the schema's `everywhere` rule puts in every container and list entry,
    /// each documented once.
    pub(super) fn everywhere(&self, p: &mut Page) {
        let mut seen: Vec<&str> = Vec::new();
        for n in self.schema.nodes().iter().filter(|n| n.everywhere) {
            if seen.contains(&n.word.as_str()) {
                continue;
            }
            seen.push(&n.word);
            p.raw(".TP");
            p.line(&format!("\\fB{}\\fR", escape(&n.word)));
            p.line(&format!("{}.", escape(&n.help)));
            let mut notes = vec![self.syntax(n)];
            if let Some(vt) = &n.vtype {
                notes.push(format!(
                    "Value: \\fI{}\\fR, {}.",
                    escape(vt.placeholder()),
                    escape(&describe(vt))
                ));
            }
            notes.extend(self.notes(n));
            notes.push(
                "Accepted in every container and list entry below the top level, except inside \
                 \\fBgroups\\fR, directly under \\fBlogical\\-systems\\fR, in statements \
                 always printed on one line or joined to the one they hold, and in lists whose \
                 entries are named by their match type or action."
                    .into(),
            );
            for note in notes {
                p.raw(".br");
                p.line(&note);
            }
        }
    }

    /// The statement as written, e.g. `peer-as <as-number>;`.
    fn syntax(&self, n: &SchemaNode) -> String {
        let word = format!("\\fB{}\\fR", escape(&n.word));
        let ph = n
            .vtype
            .as_ref()
            .map(|v| format!("\\fI{}\\fR", escape(v.placeholder())));
        // `@key` statements are written on the entry's line, not in its block.
        let body = if n.children.iter().all(|&c| self.node(c).key) {
            ";"
        } else {
            " { ... }"
        };
        let parts: Vec<String> = self
            .schema
            .key_parts(n.id)
            .map(|c| format!("\\fB{}\\fR", escape(&self.node(c).word)))
            .collect();
        if !parts.is_empty() {
            let value = ph.map(|ph| format!(" {ph}")).unwrap_or_default();
            return format!(
                "List, one entry per key: {word}{value} and one of {} written after it; entries \
                 that differ in any of these are different entries{body}",
                parts.join(", ")
            );
        }
        if n.key {
            let list = n.parent.map(|p| self.node(p).word.as_str()).unwrap_or("");
            let what = if n.kind == Kind::Leaf {
                format!("{word} {}", ph.unwrap_or_default())
            } else {
                word
            };
            return format!(
                "Part of the key of a \\fB{}\\fR entry (one per entry): {what};",
                escape(list)
            );
        }
        match (n.kind, ph) {
            (Kind::List, Some(_)) if n.keyless => format!(
                "List, one entry per key, written without a keyword: \\fI<{}>\\fR{body}",
                escape(&n.word)
            ),
            (Kind::List, Some(ph)) => format!("List, one entry per key: {word} {ph}{body}"),
            (Kind::Leaf, Some(ph)) if n.nokeyword => format!(
                "Leaf written without its keyword, right after its container's: {ph}; \
                 ({word} {ph}; is read too)"
            ),
            (Kind::Leaf, Some(ph)) => format!("Leaf: {word} {ph};"),
            (Kind::LeafList, Some(ph)) => format!(
                "Leaf list, one or more values: {word} [ {ph} ... ]; (one value may be written \
                 without brackets)"
            ),
            (Kind::Flag, _) => format!("Flag: {word};"),
            _ => format!("Container: {word}{body}"),
        }
    }

    /// Operator-only, secret, ordered, choice, references, mandatory, display notes.
    fn notes(&self, n: &SchemaNode) -> Vec<String> {
        let mut out = Vec::new();
        if n.operator_only {
            out.push(
                "Operator only: inside a logical system, tenants see it but cannot change it."
                    .into(),
            );
        }
        if n.secret && n.vtype == Some(ValueType::PasswordHash) {
            out.push(escape(
                "Secret: a one-way hash, stored as given and always shown with ## SECRET-DATA.",
            ));
        } else if n.secret {
            out.push(escape(
                "Secret: a clear-text value is stored encrypted and always shown as \
                 \"$9$...\"; ## SECRET-DATA. A $9$ value may be entered as shown.",
            ));
        }
        if n.ordered {
            out.push(format!(
                "Ordered: entries keep the order they were created in; \\fBinsert\\fR \
                 \\fB{0}\\fR \\fIA\\fR \\fBbefore\\fR|\\fBafter\\fR \\fB{0}\\fR \\fIB\\fR \
                 moves one.",
                escape(&n.word)
            ));
        }
        if let (Some(group), Some(parent), false) = (&n.choice, n.parent, n.key) {
            let others: Vec<_> = self
                .node(parent)
                .children
                .iter()
                .map(|&c| self.node(c))
                .filter(|s| s.id != n.id && s.choice.as_ref() == Some(group))
                .map(|s| format!("\\fB{}\\fR", escape(&s.word)))
                .collect();
            out.push(format!(
                "Mutually exclusive with {}: setting one deletes the others.",
                others.join(", ")
            ));
        }
        let scope = if self.in_logical_systems(n.id) {
            "in the same logical system (outside logical systems: at the top level)"
        } else {
            "at the top level"
        };
        if let Some(words) = &n.reference {
            out.push(format!(
                "Reference: names a \\fB{}\\fR entry configured {scope}; checked at commit.",
                escape(&words.join(" "))
            ));
        }
        if let Some(words) = &n.unit_reference {
            out.push(format!(
                "Reference: names an interface unit \\fINAME\\fR.\\fIUNIT\\fR, that is \
                 \\fB{}\\fR \\fINAME\\fR \\fBunit\\fR \\fIUNIT\\fR, configured {scope}; \
                 checked at commit.",
                escape(&words.join(" "))
            ));
        }
        if n.mandatory {
            out.push(
                "Mandatory: must be present whenever its parent is; checked at commit.".into(),
            );
        }
        if n.inline {
            out.push("Always printed on one line.".into());
        }
        if n.oneliner {
            out.push("Printed on one line when it holds a single simple statement.".into());
        }
        if let (true, Some(&first)) = (n.join, n.children.first()) {
            out.push(format!(
                "Printed joined to the statement it holds: \\fB{} {} {{ ... }}\\fR.",
                escape(&n.word),
                escape(&self.node(first).word)
            ));
        }
        out
    }
}

/// What values a type takes, in words.
fn describe(vt: &ValueType) -> String {
    let name = "no blanks, none of ;{}[]\"#()";
    match vt {
        ValueType::Text => "free text up to 900 characters, quoted when it holds blanks".into(),
        ValueType::Name => format!("a name of at most 255 characters, {name}"),
        ValueType::PolicyName => format!("a policy name of at most 255 characters, {name}"),
        ValueType::LsName => format!("a logical-system name of at most 63 characters, {name}"),
        ValueType::Username => "a Unix user name: at most 32 lowercase letters, digits, _ or -, \
                                starting with a letter or _"
            .into(),
        ValueType::Hostname => "a host name of at most 255 letters, digits, -, _ and dots".into(),
        ValueType::InstanceName => {
            "a routing-instance name of at most 128 characters other than default, no blanks, \
             none of ;{}[]\"#()!@#$%^&*,+<>:"
                .into()
        }
        ValueType::Ifname => "a Linux network device name (at most 15 letters, digits, - or _), \
                              or a Junos port name such as ge-0/0/1 or xe-1/0/0:2 that the root's \
                              interfaces NAME linux-name maps to a device"
            .into(),
        ValueType::LinuxIfname => {
            "a Linux network device name: at most 15 letters, digits, - or _".into()
        }
        ValueType::UnitName => {
            "an interface unit NAME.UNIT, UNIT 0..16385 (NAME alone is NAME.0)".into()
        }
        ValueType::IpOrUnit => "an IPv4 or IPv6 address, or an interface unit NAME.UNIT (NAME \
                                alone is NAME.0)"
            .into(),
        ValueType::Ipv4 => "an IPv4 address".into(),
        ValueType::Ip => "an IPv4 or IPv6 address".into(),
        ValueType::Ipv4IfAddr => "an IPv4 address with its prefix length, A.B.C.D/N".into(),
        ValueType::Ipv6IfAddr => "an IPv6 address with its prefix length, X:X::X/N".into(),
        ValueType::IpPrefix => "an IPv4 or IPv6 prefix A/N (host bits are cleared; an address \
                                alone is a /32 or /128)"
            .into(),
        ValueType::Asn => "an autonomous system number, 1..4294967295".into(),
        ValueType::U32 { min, max } => format!("a number, {min}..{max}"),
        ValueType::Seconds { min_ms, max_ms } => format!(
            "seconds, {}..{}, with up to three decimals",
            seconds_text(*min_ms),
            seconds_text(*max_ms)
        ),
        ValueType::Preference => "a preference, 0..4294967295".into(),
        ValueType::HoldTime => "seconds, 0 (no keepalives) or 3..65535".into(),
        ValueType::Vlan => "a VLAN identifier, 1..4094".into(),
        ValueType::Enum(choices) => format!("one of: {}", choices.join(", ")),
        ValueType::Rd => "a route distinguisher, ASN:N or A.B.C.D:N".into(),
        ValueType::VrfTarget => "an extended community target:X:Y (X an AS number or IPv4 \
                                 address)"
            .into(),
        ValueType::Community => "a BGP community N:N (each 0..65535), target:X:Y, origin:X:Y, \
                                 large:A:B:C, or one of no-export, no-advertise, \
                                 no-export-subconfed, llgr-stale"
            .into(),
        ValueType::CommunityMember => "a BGP community as above, or a regular expression that \
                                       matches communities (^65000:.*$, *:*), kept as written"
            .into(),
        ValueType::PrefixLength => "a prefix length /N, 0..128".into(),
        ValueType::PrefixLengthRange => "a prefix length range /A-/B, A <= B <= 128".into(),
        ValueType::AsPath => {
            "AS numbers separated by blanks (quote them when more than one)".into()
        }
        ValueType::NextHop => {
            "self, peer-address, discard, reject, or an IPv4 or IPv6 address".into()
        }
        ValueType::VlanOr(words) => format!(
            "a VLAN identifier, 1..4094, or one of: {}",
            words.join(", ")
        ),
        ValueType::VlanRange => "a VLAN identifier N or a range A-B, 1..4094".into(),
        ValueType::Regex => "a regular expression, quoted when it holds blanks".into(),
        ValueType::PasswordHash => "a crypt(3) password hash such as $6$salt$hash (clear text is \
                                    refused)"
            .into(),
    }
}
