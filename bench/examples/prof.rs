fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let text = lsys_bench::gen::config(n);
    let t = std::time::Instant::now();
    let stmts = lsys_grammar::text::curly::parse(&text).unwrap();
    let p = t.elapsed();
    let t = std::time::Instant::now();
    let tree = lsys_grammar::text::curly::read(&text, lsys_grammar::schema::ROOT).unwrap();
    println!(
        "n={n} bytes={} parse={p:?} read={:?} stmts={} nodes={}",
        text.len(),
        t.elapsed(),
        stmts.len(),
        tree.count()
    );
}
