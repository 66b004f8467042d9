//! lsys-manpage: prints the lsys.conf(5) man page generated from the schema.
//!
//! ```text
//! cargo run -p lsys-grammar --bin lsys-manpage > man/lsys.conf.5
//! ```

fn main() {
    print!("{}", lsys_grammar::manpage::lsys_conf_5());
}
