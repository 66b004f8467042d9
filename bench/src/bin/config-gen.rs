//! `config-gen N`: prints the generated configuration of N logical systems (curly text), the
//! same one config-bench measures; the lab's dataplane benchmark commits it through lsysd.

use lsys_bench::gen;

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<usize>().ok())
        .filter(|n| (1..=gen::MAX_LOGICAL_SYSTEMS).contains(n));
    let Some(n) = n else {
        eprintln!("usage: config-gen N   (1..={})", gen::MAX_LOGICAL_SYSTEMS);
        std::process::exit(2);
    };
    print!("{}", gen::config(n));
}
