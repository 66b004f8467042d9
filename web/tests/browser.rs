//! The page in a real browser: headless Chromium (Debian `chromium`) driven by playwright-core
//! (web/package.json devDependencies) through tests/browser.mjs.
//!
//! ```text
//! test ──► lsysd, lsys-web ──► node tests/browser.mjs ──► chromium ──HTTP/WS──► lsys-web
//!                                  └─ prints JSON: prompt, `display set` lines, sizes, Ctrl-C
//! ```
//!
//! Needs root, `chromium` (`apt-get install -y chromium`), node/npm (the test runs `npm ci` in
//! web/ when playwright-core is missing). Writes target/web-screenshot.png.

mod common;

use std::path::Path;
use std::process::Command;

use common::{OTHER, USER};
use lsys_tests::{ensure_user, repo_root, two_tenants, Lab};

#[test]
fn chromium_drives_the_page() {
    let chromium = Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "headless Chromium is needed: apt-get install -y chromium"
    );
    let web_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !web_dir.join("node_modules/playwright-core").is_dir() {
        let st = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(web_dir)
            .status()
            .expect("npm runs");
        assert!(st.success(), "npm ci in web/ failed");
    }
    ensure_user(USER);
    ensure_user(OTHER);
    let lab = Lab::start();
    lab.load(&two_tenants(USER, OTHER));
    let web = common::start_web(&lab, 4);
    let token = common::mint(&web.key, USER, 120);
    let shot = repo_root().join("target/web-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let out = Command::new("node")
        .arg(web_dir.join("tests/browser.mjs"))
        .current_dir(web_dir)
        .env(
            "LSYS_WEB_URL",
            format!("http://{}/?token={token}", web.addr),
        )
        .env("LSYS_WEB_USER", USER)
        .env("LSYS_WEB_SCREENSHOT", &shot)
        .env("CHROMIUM", chromium)
        .output()
        .expect("node runs");
    drop(web);
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "browser script failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(r["prompt"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{USER}@")));
    assert!(!r["address_bar"].as_str().unwrap().contains("token="));
    assert!(r["set_lines"].as_u64().unwrap() > 0);
    assert_ne!(r["size_before"], r["size_after"]);
    assert!(shot.exists(), "no screenshot at {}", shot.display());
}
