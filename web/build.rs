//! Build script: puts xterm.js (and its CSS and fit addon) from npm into OUT_DIR so that
//! `src/assets.rs` can embed them with `include_bytes!`. Nothing is fetched at run time.
//!
//! ```text
//! web/package-lock.json --(npm ci, only when node_modules lacks a dist file)--> web/node_modules
//! web/node_modules/@xterm/.../xterm.js, xterm.css, addon-fit.js --copy--> $OUT_DIR/
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

/// (path under node_modules, name in OUT_DIR)
const DIST: [(&str, &str); 3] = [
    ("@xterm/xterm/lib/xterm.js", "xterm.js"),
    ("@xterm/xterm/css/xterm.css", "xterm.css"),
    ("@xterm/addon-fit/lib/addon-fit.js", "addon-fit.js"),
];

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=package.json");
    println!("cargo:rerun-if-changed=package-lock.json");
    let modules = dir.join("node_modules");
    if DIST.iter().any(|(p, _)| !modules.join(p).is_file()) {
        npm_ci(&dir);
    }
    for (from, to) in DIST {
        let src = modules.join(from);
        println!("cargo:rerun-if-changed={}", src.display());
        std::fs::copy(&src, out.join(to))
            .unwrap_or_else(|e| panic!("copying {}: {e}", src.display()));
    }
}

fn npm_ci(dir: &Path) {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--omit=dev"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "running `npm ci` in {} (is npm installed?): {e}",
                dir.display()
            )
        });
    assert!(status.success(), "`npm ci` in {} failed", dir.display());
}
