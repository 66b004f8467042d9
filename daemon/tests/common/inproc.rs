//! An in-process lsysd core: the real pipeline, gate and handlers, with a kernel made of a
//! list of links (planned by the real `netlink::plan_for`), injected failures and a manual
//! clock — for what a real daemon cannot be made to do on demand.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use lsys_datastore::Datastore;
use lsys_netlink::{plan, plan_for, Desired, Forwarding, Kind, Link, PlanError, Step};
use lsys_protocol::Client;
use lsysd::clock::ManualClock;
use lsysd::core::{Core, Options};
use lsysd::dataplane::{Converged, Dataplane, DataplaneError};
use lsysd::exec::{execute, Reply};
use lsysd::gate::Principal;
use lsysd::pipeline::Injected;
use lsysd::session::Session;

/// The kernel's links, changed by applying plans step by step.
#[derive(Clone, Default)]
pub struct FakeKernel {
    pub links: Arc<Mutex<Vec<Link>>>,
    /// Panic inside converge (a bug in the kernel step).
    pub panic: Arc<Mutex<bool>>,
    /// Block converge until the receiver gets a message.
    pub gate: Arc<Mutex<Option<std::sync::mpsc::Receiver<()>>>>,
    pub converges: Arc<Mutex<usize>>,
    /// Refuse to create this device (after the steps before it were applied).
    pub fail_on: Arc<Mutex<Option<String>>>,
}

impl FakeKernel {
    /// A kernel with the given physical ports.
    pub fn with_ports(ports: &[&str]) -> FakeKernel {
        let k = FakeKernel::default();
        *k.links.lock().unwrap() = ports
            .iter()
            .map(|p| Link {
                name: p.to_string(),
                kind: Kind::Other("veth".into()),
                master: None,
                alias: None,
                addresses: vec![],
                up: true,
                mtu: Some(1500),
                forwarding: Forwarding::default(),
            })
            .collect();
        k
    }

    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .links
            .lock()
            .unwrap()
            .iter()
            .map(|l| l.name.clone())
            .collect();
        v.sort();
        v
    }

    pub fn snapshot(&self) -> Vec<Link> {
        let mut v = self.links.lock().unwrap().clone();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

fn apply(links: &mut Vec<Link>, step: &Step) {
    let find = |links: &mut Vec<Link>, name: &str| links.iter().position(|l| l.name == name);
    match step {
        Step::Delete { name } => links.retain(|l| &l.name != name),
        Step::Create { link } => links.push(link.clone()),
        Step::SetAlias { name, alias } => {
            if let Some(i) = find(links, name) {
                links[i].alias = Some(alias.clone());
            }
        }
        Step::SetMaster { name, master } => {
            if let Some(i) = find(links, name) {
                links[i].master = master.clone();
            }
        }
        Step::AddAddress { name, address } => {
            if let Some(i) = find(links, name) {
                links[i].addresses.push(*address);
            }
        }
        Step::DelAddress { name, address } => {
            if let Some(i) = find(links, name) {
                links[i].addresses.retain(|a| a != address);
            }
        }
        Step::SetUp { name, up } => {
            if let Some(i) = find(links, name) {
                links[i].up = *up;
            }
        }
        Step::SetMtu { name, mtu } => {
            if let Some(i) = find(links, name) {
                links[i].mtu = Some(*mtu);
            }
        }
        Step::SetForwarding { name, family, on } => {
            if let Some(i) = find(links, name) {
                links[i].forwarding.set(*family, *on);
            }
        }
    }
}

impl Dataplane for FakeKernel {
    fn converge(
        &self,
        want: &Desired,
        owners: Option<&BTreeSet<String>>,
    ) -> Result<Converged, DataplaneError> {
        *self.converges.lock().unwrap() += 1;
        if let Some(rx) = self.gate.lock().unwrap().take() {
            let _ = rx.recv();
        }
        if *self.panic.lock().unwrap() {
            panic!("injected panic in the kernel step");
        }
        let mut links = self.links.lock().unwrap();
        let planned = match owners {
            Some(o) => plan_for(&links, want, o),
            None => plan(&links, want),
        };
        let p = planned.map_err(|e| DataplaneError {
            missing_port: match &e {
                PlanError::MissingPort { name, .. } => Some(name.clone()),
                _ => None,
            },
            ..DataplaneError::new(e.to_string(), 0)
        })?;
        let fail_on = self.fail_on.lock().unwrap().clone();
        for (n, s) in p.steps.iter().enumerate() {
            if let (Step::Create { link }, Some(bad)) = (s, &fail_on) {
                if &link.name == bad {
                    return Err(DataplaneError::new(
                        format!("create {bad} {}: Operation not supported", link.kind),
                        n,
                    ));
                }
            }
            apply(&mut links, s);
        }
        Ok(Converged {
            writes: p.steps.len(),
            round_trips: p.steps.len(),
            steps: p.steps.iter().map(ToString::to_string).collect(),
        })
    }
}

pub struct Inproc {
    pub core: Arc<Core>,
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub kernel: FakeKernel,
    pub faults: Arc<Injected>,
    next: u64,
}

pub const START: i64 = 1_800_000_000;

impl Inproc {
    pub fn new(kernel: Option<FakeKernel>) -> Inproc {
        Inproc::open(
            tempfile::tempdir().unwrap(),
            kernel,
            Arc::new(ManualClock::new(START)),
        )
    }

    pub fn open(
        dir: tempfile::TempDir,
        kernel: Option<FakeKernel>,
        clock: Arc<ManualClock>,
    ) -> Inproc {
        let store = Datastore::open(dir.path().join("db")).unwrap();
        let faults = Arc::new(Injected::default());
        let fake = kernel.clone().unwrap_or_default();
        let options = Options {
            dataplane: kernel.map(|k| Box::new(k) as Box<dyn Dataplane>),
            faults: faults.clone(),
            clock: clock.clone(),
            ..Options::default()
        };
        let core = Core::start(store, options).unwrap();
        core.pipeline.reconcile().unwrap();
        Inproc {
            core,
            dir,
            clock,
            kernel: fake,
            faults,
            next: 1,
        }
    }

    /// A harness around a core built elsewhere (with other subsystems).
    pub fn from_parts(
        core: Arc<Core>,
        dir: tempfile::TempDir,
        clock: Arc<ManualClock>,
        kernel: FakeKernel,
    ) -> Inproc {
        Inproc {
            core,
            dir,
            clock,
            kernel,
            faults: Arc::new(Injected::default()),
            next: 1,
        }
    }

    /// `configure; load override` of `text`; `commit`.
    pub fn load_override(&mut self, s: &mut Session, text: &str) {
        let file = self.dir.path().join("override.conf");
        std::fs::write(&file, text).unwrap();
        self.ok(s, "configure");
        let r = execute(&self.core, s, &format!("load override {}", file.display()));
        assert!(r.read_text.is_some());
        let r = lsysd::exec::text(&self.core, s, Ok(text.to_string()));
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(
            self.ok(s, "commit and-quit"),
            "commit complete\nExiting configuration mode\n"
        );
    }

    /// Stops this core and starts another on the same store (a daemon restart).
    pub fn restart(self) -> Inproc {
        let Inproc {
            core,
            dir,
            clock,
            kernel,
            ..
        } = self;
        drop(core);
        std::thread::sleep(std::time::Duration::from_millis(50));
        Inproc::open(dir, Some(kernel), clock)
    }

    /// A session of `user` (uid 0 is root; others must be configured).
    pub fn login(&mut self, uid: u32, user: &str, client: Client) -> Session {
        let p = Principal::resolve(&self.core.running.get(), uid, user).expect("login");
        self.next += 1;
        Session::new(self.next, p, client, None, START, None)
    }

    pub fn root(&mut self) -> Session {
        self.login(0, "root", Client::Cli)
    }

    /// Runs a line (answering questions yes); output with any stream drained.
    pub fn run(&self, s: &mut Session, line: &str) -> Reply {
        let mut r = execute(&self.core, s, line);
        if r.question.is_some() {
            r = lsysd::exec::answer(&self.core, s, true);
        }
        if let Some(p) = r.stream.take() {
            let mut out = String::new();
            let mut deliver = |c: lsysd::exec::Chunk| {
                match c {
                    lsysd::exec::Chunk::Output(t) | lsysd::exec::Chunk::Tail(t) => out.push_str(&t),
                }
                true
            };
            let never = || false;
            (p.0)(&mut lsysd::exec::Sink::new(&mut deliver, &never));
            r.output.push_str(&out);
        }
        r
    }

    pub fn ok(&self, s: &mut Session, line: &str) -> String {
        let r = self.run(s, line);
        assert!(r.error.is_none(), "`{line}` failed: {:?}", r.error);
        r.output
    }

    pub fn err(&self, s: &mut Session, line: &str) -> String {
        let r = self.run(s, line);
        assert!(
            r.error.is_some(),
            "`{line}` should fail, printed {}",
            r.output
        );
        r.error.unwrap()
    }
}
