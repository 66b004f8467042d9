//! Greedy minimization of a failing configuration tree.
//!
//! proptest shrinks the generator's choice stream, which gets a failing tree small but rarely
//! minimal. [`minimize`] finishes the job on the tree itself: it drops statements, leaf-list
//! values, inactive flags and annotations one at a time while the failure persists.

use lsys_grammar::tree::Node;

/// The smallest tree reachable from `t` by removals for which `fails` still holds.
pub fn minimize(t: &Node, fails: impl Fn(&Node) -> bool) -> Node {
    let mut cur = t.clone();
    'outer: loop {
        let mut paths = Vec::new();
        collect(&cur, &mut Vec::new(), &mut paths);
        for p in &paths {
            for candidate in simplifications(&cur, p) {
                if fails(&candidate) {
                    cur = candidate;
                    continue 'outer;
                }
            }
        }
        return cur;
    }
}

/// Index paths of every statement below the root, parents first.
fn collect(n: &Node, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, c) in n.children.iter().enumerate() {
        at.push(i);
        out.push(at.clone());
        collect(c, at, out);
        at.pop();
    }
}

fn at_mut<'a>(n: &'a mut Node, path: &[usize]) -> &'a mut Node {
    path.iter().fold(n, |cur, &i| &mut cur.children[i])
}

/// Trees one removal smaller than `t` at `path`.
fn simplifications(t: &Node, path: &[usize]) -> Vec<Node> {
    let mut out = Vec::new();
    let (last, parent) = path.split_last().expect("paths are below the root");
    let mut removed = t.clone();
    at_mut(&mut removed, parent).children.remove(*last);
    out.push(removed);
    let node = {
        let mut probe = t.clone();
        at_mut(&mut probe, path).clone()
    };
    if node.inactive {
        let mut c = t.clone();
        at_mut(&mut c, path).inactive = false;
        out.push(c);
    }
    if node.annotation.is_some() {
        let mut c = t.clone();
        at_mut(&mut c, path).annotation = None;
        out.push(c);
    }
    if node.values.len() > 1 {
        for i in 0..node.values.len() {
            let mut c = t.clone();
            at_mut(&mut c, path).values.remove(i);
            out.push(c);
        }
    }
    out
}
