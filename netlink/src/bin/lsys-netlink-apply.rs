//! `lsys-netlink-apply CONFIG`: realizes a configuration file (curly text) in the kernel of the
//! current network namespace and prints the plan it applied, then `writes: N`.
//! Table ids are `1000 + n` in the order instances are first seen (a stand-in for the
//! daemon's persisted allocator).

use std::cell::RefCell;
use std::collections::BTreeMap;

use anyhow::{bail, Context};
use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::typed::intent;
use lsys_netlink::{converge, desired, Kernel};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        bail!("usage: lsys-netlink-apply CONFIG");
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let tree = curly::read(&text, ROOT).map_err(|e| anyhow::anyhow!("{path}: {e:?}"))?;
    let intent = intent(&tree).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    // Stable across runs for one configuration: instance keys sorted, then numbered.
    let mut keys: Vec<String> = Vec::new();
    for (ls, scope) in std::iter::once(("", &intent.root))
        .chain(intent.logical_systems.iter().map(|(k, v)| (k.as_str(), v)))
    {
        keys.extend(
            scope
                .routing_instances
                .iter()
                .map(|ri| format!("{ls}/{}", ri.name)),
        );
        if !ls.is_empty() {
            keys.push(format!("{ls}/master"));
        }
    }
    keys.sort();
    let tables: RefCell<BTreeMap<String, u32>> = RefCell::new(
        keys.into_iter()
            .enumerate()
            .map(|(i, k)| (k, 1000 + i as u32))
            .collect(),
    );
    let table_of = |key: &str| {
        let mut t = tables.borrow_mut();
        let next = 1000 + t.len() as u32;
        *t.entry(key.to_string()).or_insert(next)
    };
    let want = desired(&intent, &table_of)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut kernel = Kernel::open()?;
        let result = converge(&mut kernel, &want).await;
        match &result {
            Ok(plan) => {
                for s in &plan.steps {
                    println!("{s}");
                }
            }
            Err(_) => println!("(failed after {} writes)", kernel.writes),
        }
        result?;
        println!("writes: {}", kernel.writes);
        Ok(())
    })
}
