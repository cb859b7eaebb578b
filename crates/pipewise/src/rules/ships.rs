//! What a step ships through the repository: the scripts it runs and the local
//! composite actions it uses, read from their commands when present (never from their
//! names), filled into the facts table for each step ([`Facts::step_ships`]) before
//! any rule asks.
//! Here rather than in [`crate::effects`] because it walks the scripts a step site
//! calls ([`crate::rules::step_scripts`]).

use crate::effects::local_registry;
use crate::facts::Facts;
use crate::intent::Intent;
use crate::repo::{Repo, Scripts};
use crate::rules::StepSite;
use crate::shell::Command;
use crate::workflow::{Action, Step, Workflow};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Arc;

/// Deepest chain of local actions followed (`./a` uses `./b` uses `./c` …).
const MAX_ACTION_DEPTH: usize = 8;

/// The package managers and make programs whose scripts and targets a step's own
/// script may run ([`Resolver::runner_ships`]), as a name filter.
const RUNNERS: crate::shell::Names =
    crate::shell::Names::of(&["npm", "pnpm", "yarn", "bun", "make", "gmake"]);

/// Resolves what steps ship through the repository ([`resolve_ships`]).
struct Resolver<'r, 'v, 'a> {
    repo: &'r Repo,
    scripts: &'r Scripts,
    facts: &'r Facts,
    actions: &'v [Action<'a>],
    /// Each action's folder (`.github/actions/release`), to its index.
    by_dir: HashMap<String, usize>,
    /// Actions being resolved: a `uses:` back to one of them is a cycle (cut).
    visiting: Vec<bool>,
    /// Makefiles read (each once, with where each target's rule is), by path;
    /// `None` when absent or unreadable.
    makefiles: HashMap<String, Option<Makefile>>,
    /// What make targets ship ([`Resolver::runner_ships`]), by Makefile path and
    /// the targets a command names: read once however many steps run them.
    make_targets: foldhash::HashMap<(String, Vec<String>), Option<Intent>>,
    /// What a repository shell script a step calls ships, by its path (each read
    /// once however many steps call it; [`Resolver::called_ships`]).
    called: foldhash::HashMap<String, Option<Intent>>,
    /// What each shared script ships by itself, by the script's address, once a step
    /// that runs it and nothing of the repository was asked ([`Resolver::own_ships`]):
    /// the scripts live as long as the pass, so an address names one script.
    shared: foldhash::HashMap<usize, Option<Intent>>,
}

/// A Makefile's text and where each target's rule is in it
/// ([`crate::runners::make_rules`]): read once, however many targets are looked up.
struct Makefile {
    text: String,
    rules: foldhash::HashMap<String, usize>,
}

impl Makefile {
    fn new(text: String) -> Makefile {
        let rules = crate::runners::make_rules(&text)
            .into_iter()
            .map(|(t, at)| (t.to_string(), at))
            .collect();
        Makefile { text, rules }
    }

    /// The recipe lines of `target` (none when no rule names it).
    fn recipe(&self, target: &str) -> Vec<String> {
        self.rules
            .get(target)
            .map(|&at| crate::runners::recipe_at(&self.text, at))
            .unwrap_or_default()
    }
}

/// Fills what every step of `workflows` and `actions` ships ([`Facts::step_ships`],
/// [`Facts::resolve_step_ships`]) from what it runs in the repository, before any rule
/// asks:
///
/// * a `run:` step also ships what the repository's shell scripts it runs ship
///   (`./scripts/release.sh`, `bash tools/publish.sh`, and the scripts those call,
///   [`crate::rules::step_scripts`]), judged by their commands
///   ([`crate::intent::command_ships`]), never by their file names; a script that is
///   not in the repository ships nothing known;
/// * a step that uses a local action (`uses: ./.github/actions/release`) ships what
///   the action's own steps ship, read the same way, through local actions it uses in
///   turn (at most [`MAX_ACTION_DEPTH`] deep, cycles cut), leaving out the steps whose
///   `if:` cannot hold with the inputs the step passes (`if: inputs.publish ==
///   'true'` when the caller does not set `publish` and its default is `'false'`:
///   [`crate::github::conditions::possible_with_inputs`]); an action folder without an
///   `action.yml` in the repository ships nothing known;
/// * a package manager's script (`npm run release`, `pnpm ship`) or a make target
///   (`make upload`) a `run:` step runs ships what the script in the `package.json`,
///   or the target's recipe in the Makefile, of its working directory runs (scripts
///   and targets they run in turn, each once), never by its name; a script of one
///   named workspace (`npm run deploy --workspace site-worker`, `pnpm --filter web
///   run X`, `yarn workspace web X`) is read from that workspace's `package.json`
///   (found by folder or by package name among the manifests below the working
///   directory); when the file, the script or the target is absent, nothing known
///   ([`crate::runners`]);
/// * a `run:` step whose own `env:` hands a registry's publish-only credential
///   (catalogue `publish-credential`: `CARGO_REGISTRY_TOKEN`, `TWINE_PASSWORD`, …) to
///   a program pipewise cannot read (absent, or not a shell script: `./publish.py`;
///   a task runner's task: `uvx nox -s publish`, `bundle exec rake release`)
///   publishes.
///
/// Pushes to a registry on the runner itself are not shipping ([`crate::effects::step_publishes`]).
pub fn resolve_ships(
    repo: &Repo,
    scripts: &Scripts,
    facts: &Facts,
    workflows: &[Workflow],
    actions: &[Action],
) {
    let by_dir = actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let dir = a.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            (dir.to_string(), i)
        })
        .collect();
    let mut r = Resolver {
        repo,
        scripts,
        facts,
        actions,
        by_dir,
        visiting: vec![false; actions.len()],
        makefiles: HashMap::new(),
        make_targets: Default::default(),
        called: Default::default(),
        shared: Default::default(),
    };
    for i in 0..actions.len() {
        r.action(i, None, 0);
    }
    for wf in workflows {
        for job in &wf.jobs {
            for step in &job.steps {
                r.step(&StepSite::of_job(wf, job, step), 0);
            }
        }
    }
}

/// The literal value of the action input `name` for a step that passes `with`: the
/// step's own value, else the input's `default:`, else the empty string; `None` when
/// it is an expression.
fn input_value(action: &Action, with: Option<&pipewise_yaml::Node>, name: &str) -> Option<String> {
    let given = with.and_then(|w| w.get(name)).or_else(|| {
        action
            .root
            .get("inputs")
            .and_then(|i| i.get(name))
            .and_then(|i| i.get("default"))
    });
    let Some(n) = given else {
        return Some(String::new());
    };
    let text = match &n.kind {
        pipewise_yaml::NodeKind::Scalar { value, .. } => value.as_str(),
        _ => return None,
    };
    (!text.contains("${{")).then(|| text.to_string())
}

impl<'v, 'a> Resolver<'_, 'v, 'a> {
    /// What the local action at `i` ships when a step uses it with `with`: the most
    /// any of its steps that can run with those inputs ships.
    fn action(
        &mut self,
        i: usize,
        with: Option<&pipewise_yaml::Node>,
        depth: usize,
    ) -> Option<Intent> {
        if depth > MAX_ACTION_DEPTH || self.visiting.get(i).is_none_or(|v| *v) {
            return None;
        }
        self.visiting[i] = true;
        let actions = self.actions;
        let a = &actions[i];
        let mut best = None;
        for step in &a.steps {
            let site = StepSite::of_action(a, step);
            let ships = self.step(&site, depth + 1);
            let cond = step.condition.map(|e| &e.value);
            let runs = ships.is_none()
                || !cond
                    .and_then(|c| c.as_str())
                    .is_some_and(|c| c.contains("inputs."))
                || crate::github::conditions::possible_with_inputs(cond, &|name| {
                    input_value(a, with, name)
                });
            if runs {
                best = best.max(ships);
            }
        }
        self.visiting[i] = false;
        best
    }

    /// What one step ships with the repository read, filled into the facts table.
    fn step(&mut self, site: &StepSite<'v, 'a>, depth: usize) -> Option<Intent> {
        let step = site.step;
        if let Some(v) = self.facts.step_ships_known(step) {
            return v;
        }
        let through = if let Some(u) = step.uses_str() {
            match local_uses_dir(u) {
                Some(dir) => match self.by_dir.get(&dir) {
                    Some(&i) => self.action(i, step.with, depth),
                    None => None,
                },
                // Another action: the catalogue decides ([`Facts::step_ships`]).
                None => return self.facts.step_ships(step),
            }
        } else if step.run.is_some() {
            // The step's own script, then the scripts it calls (walked again below:
            // most steps call none, and a list for each cost an allocation per step).
            let (facts, scripts, repo) = (self.facts, self.scripts, self.repo);
            let called = || crate::rules::step_scripts_iter(site, facts, scripts, repo);
            let mut walk = called();
            let own = walk.next();
            let reads_more = walk.next().is_some()
                || own.as_ref().is_some_and(|own| {
                    // (The name filter answers "none" for most scripts.)
                    own.script.names.any_of(RUNNERS)
                        && own.script.commands.iter().any(|c| {
                            matches!(
                                c.base_name(),
                                "npm" | "pnpm" | "yarn" | "bun" | "make" | "gmake"
                            )
                        })
                })
                || publish_credential(step).is_some();
            if !reads_more {
                // Runs nothing of the repository: its own commands decide.
                return self.own_ships(step);
            }
            let cwd = crate::rules::step_cwd(site);
            let scripts = called()
                .skip(1)
                .filter_map(|ss| self.called_ships(&ss))
                .max();
            // `npm run release`, `make deploy`: what the script or target runs.
            let runners = own
                .into_iter()
                .flat_map(|ss| ss.script.commands.iter())
                .filter(|c| crate::intent::may_ship(c))
                .filter_map(|c| self.runner_ships(c, cwd))
                .max();
            // A registry's publish-only credential handed to a program pipewise cannot
            // read (`CARGO_REGISTRY_TOKEN` for `./publish.py`).
            let credential = publish_credential(step)
                .filter(|_| {
                    called().any(|ss| {
                        ss.script
                            .commands
                            .iter()
                            .filter(|c| crate::intent::may_ship(c))
                            .any(|c| self.unread_program(c, cwd))
                    })
                })
                .map(|_| Intent::Publish);
            scripts.max(runners).max(credential)
        } else {
            return self.facts.step_ships(step);
        };
        // Filled once: a step asked for earlier keeps its answer.
        self.facts.resolve_step_ships(step, through)
    }
}

impl Resolver<'_, '_, '_> {
    /// [`Facts::step_ships`] of a `run:` step that runs nothing of the repository:
    /// what its own commands ship. Steps that run one shared script (a GitLab line a
    /// template or `default:` gives many jobs: one `Arc<Script>`) ship the same, so
    /// the first one's answer is handed to the others ([`Facts::step_ships_shared`]).
    /// A script no other step runs is not looked up.
    fn own_ships(&mut self, step: &Step) -> Option<Intent> {
        let key = step
            .run
            .as_ref()
            .and_then(|r| r.script.as_ref())
            .filter(|s| step.uses.is_none() && Arc::strong_count(s) > 1)
            .map(|s| Arc::as_ptr(s) as usize);
        let Some(key) = key else {
            return self.facts.step_ships(step);
        };
        match self.shared.entry(key) {
            Entry::Occupied(own) => self.facts.step_ships_shared(step, *own.get()),
            Entry::Vacant(v) => *v.insert(self.facts.step_ships(step)),
        }
    }
}

impl Resolver<'_, '_, '_> {
    /// What a repository script a step calls ships, read once per path: the most
    /// any of its commands ships, pushes to a registry on the runner left out.
    fn called_ships(&mut self, ss: &crate::rules::StepScript) -> Option<Intent> {
        if let Some(known) = self.called.get(ss.path) {
            return *known;
        }
        // Shell scripts only: a regular expression in `[[ … =~ (a|b/c.yml) ]]` can
        // read as a command naming a data file (home-assistant's builder.yml).
        let data = [".yml", ".yaml", ".json", ".toml", ".md", ".txt", ".lock"]
            .iter()
            .any(|e| ss.path.ends_with(e));
        let ships = if data {
            None
        } else {
            ss.script
                .commands
                .iter()
                .filter(|c| crate::intent::may_ship(c))
                // What ships first (most commands do not), then where to.
                .filter_map(|c| {
                    crate::intent::command_ships(c, self.facts.intents())
                        .filter(|_| !c.args().iter().any(|w| local_registry(&w.text)))
                })
                .max()
        };
        self.called.insert(ss.path.to_string(), ships);
        ships
    }
}

/// The publish-only credential (catalogue `publish-credential`) a step's own `env:`
/// sets, if any.
fn publish_credential(step: &crate::workflow::Step) -> Option<&'static str> {
    let env = step.env?.as_map()?;
    env.iter().find_map(|e| {
        let name = e.key.as_str()?;
        pipewise_catalog::catalog()
            .publish_credential(name)
            .map(|c| c.read_by)
    })
}

/// Interpreters whose first file argument is the program they run.
const INTERPRETERS: &[&str] = &[
    "python", "python3", "node", "deno", "ruby", "perl", "bun", "tsx", "ts-node", "php",
];

/// Task runners whose tasks live in a repository file pipewise does not read
/// (`noxfile.py`, `tox.ini`, `Rakefile`, `tasks.py`, `justfile`, `Taskfile.yml`).
const TASK_RUNNERS: &[&str] = &["nox", "tox", "rake", "invoke", "just", "task"];

/// Commands that run the tool named by their next plain word (`uvx nox`, `pipx run
/// nox`, `uv run nox`, `poetry run invoke`, `bundle exec rake`, `gem exec rake`,
/// `python -m nox`).
const TOOL_RUNNERS: &[&str] = &[
    "uvx", "pipx", "uv", "poetry", "pdm", "hatch", "bundle", "gem", "python", "python3",
];

/// Whether `c` runs a task runner ([`TASK_RUNNERS`]), directly or through a tool
/// runner ([`TOOL_RUNNERS`]): what its task does is in a file pipewise does not read.
fn runs_task_runner(c: &Command) -> bool {
    let name = c.base_name();
    if TASK_RUNNERS.contains(&name) {
        return true;
    }
    if !TOOL_RUNNERS.contains(&name) {
        return false;
    }
    c.args()
        .iter()
        .map(|w| w.text.as_str())
        .filter(|a| !a.starts_with('-') && !matches!(*a, "run" | "exec" | "tool"))
        .take(1)
        .any(|a| TASK_RUNNERS.contains(&a))
}

impl Resolver<'_, '_, '_> {
    /// What a package manager's script or a make target that `c` runs ships, read
    /// from `package.json`'s `scripts` or the Makefile's recipe in `cwd` (scripts and
    /// targets they run in turn, at most [`crate::runners::MAX_MAKE_DEPTH`] deep,
    /// each once); `None` when the file, the script or the target is not in the
    /// repository (unknown, never judged by its name).
    fn runner_ships(&mut self, c: &Command, cwd: &str) -> Option<Intent> {
        if matches!(c.base_name(), "make" | "gmake") {
            let key = crate::runners::make_call(c, cwd)?;
            if let Some(known) = self.make_targets.get(&key) {
                return *known;
            }
            let ships = self.make_ships(&key.0, key.1.clone());
            self.make_targets.insert(key, ships);
            return ships;
        }
        self.package_ships(c, cwd)
    }

    /// What the make `targets` of the Makefile at `path` ship (the targets they run
    /// in turn, at most [`crate::runners::MAX_MAKE_DEPTH`] deep, each once).
    fn make_ships(&mut self, path: &str, targets: Vec<String>) -> Option<Intent> {
        let repo = self.repo;
        let makefile = self
            .makefiles
            .entry(path.to_string())
            .or_insert_with_key(|p| {
                if !repo.exists(p) {
                    return None;
                }
                let text = match repo.file(p) {
                    Some(f) => Some(f.text().to_string()),
                    None => repo.read(p).ok(),
                };
                text.map(Makefile::new)
            })
            .as_ref()?;
        let mut seen: Vec<String> = vec![];
        let mut stack: Vec<(String, usize)> = targets.into_iter().map(|t| (t, 0)).collect();
        let mut best = None;
        while let Some((t, depth)) = stack.pop() {
            if depth > crate::runners::MAX_MAKE_DEPTH || seen.contains(&t) || seen.len() > 32 {
                continue;
            }
            seen.push(t.clone());
            for line in makefile.recipe(&t) {
                if let Some(sub) = crate::runners::sub_make(&line) {
                    stack.extend(sub.into_iter().map(|s| (s, depth + 1)));
                    continue;
                }
                let script = crate::shell::Script::parse(&line);
                best = best.max(crate::intent::script_ships(&script, self.facts.intents()));
            }
        }
        best
    }

    /// What a package manager's script that `c` runs ships, read from the
    /// `package.json` of `cwd` or of the workspace it names.
    fn package_ships(&self, c: &Command, cwd: &str) -> Option<Intent> {
        if !matches!(c.base_name(), "npm" | "pnpm" | "yarn" | "bun") {
            return None;
        }
        // `npm run deploy --workspace site-worker`: the workspace's own package.json.
        if let Some((ws, script)) = crate::runners::workspace_call(c) {
            let dir = workspace_dir(self.repo, cwd, ws)?;
            let pkg = self.repo.file(&crate::repo::join(&dir, "package.json"))?;
            let scripts = crate::runners::package_scripts(pkg)?;
            crate::runners::script_named(&scripts, script)?;
            return script_chain_ships(self.facts, &scripts, script);
        }
        let pkg = self.repo.file(&crate::repo::join(cwd, "package.json"))?;
        let scripts = crate::runners::package_scripts(pkg)?;
        let start = crate::runners::script_call(c, &scripts)?;
        script_chain_ships(self.facts, &scripts, start)
    }
}

/// Workspaces looked at for one `--workspace`/`--filter` name, at most.
const MAX_WORKSPACES: usize = 512;

/// The folder of the workspace `ws` (a folder below `cwd`, or a package's `name`)
/// among the `package.json` files below `cwd`; `None` when none is in the repository.
fn workspace_dir(repo: &Repo, cwd: &str, ws: &str) -> Option<String> {
    let want = crate::repo::join(cwd, ws.trim_start_matches("./"));
    let prefix = if cwd.is_empty() {
        String::new()
    } else {
        format!("{cwd}/")
    };
    let manifests = repo
        .files_of(crate::source::FileKind::Manifest)
        .filter_map(|f| Some((f, f.path.strip_suffix("/package.json")?)))
        .filter(|(_, dir)| dir.starts_with(&prefix))
        .take(MAX_WORKSPACES);
    let mut by_name = None;
    for (f, dir) in manifests {
        if dir == want {
            return Some(dir.to_string());
        }
        if by_name.is_none()
            && f.text().contains(ws)
            && f.json()
                .and_then(|j| j.get("name")?.as_str().map(|n| n == ws))
                == Some(true)
        {
            by_name = Some(dir.to_string());
        }
    }
    by_name
}

/// What the `package.json` script `start` ships, following the scripts it runs in
/// the same file (each once, at most 32: cycles are safe).
fn script_chain_ships(
    facts: &Facts,
    scripts: &crate::runners::PkgScripts,
    start: &str,
) -> Option<Intent> {
    let mut seen: Vec<&str> = vec![];
    let mut stack = vec![start];
    let mut best = None;
    while let Some(name) = stack.pop() {
        if seen.contains(&name) || seen.len() > 32 {
            continue;
        }
        seen.push(name);
        let Some(s) = crate::runners::script_named(scripts, name) else {
            continue;
        };
        for c in s
            .script
            .commands
            .iter()
            .filter(|c| crate::intent::may_ship(c))
        {
            match crate::runners::script_call(c, scripts) {
                Some(next) => stack.push(next),
                None => best = best.max(crate::intent::command_ships(c, facts.intents())),
            }
        }
    }
    best
}

impl Resolver<'_, '_, '_> {
    /// Whether `c` runs a make target or a package manager's script whose Makefile
    /// or `package.json` is not in the repository (`make -C sdk/python publish`).
    fn runner_unread(&self, c: &Command, cwd: &str) -> bool {
        if let Some((path, _)) = crate::runners::make_call(c, cwd) {
            return !self.repo.exists(&path);
        }
        if !matches!(c.base_name(), "npm" | "pnpm" | "yarn" | "bun") {
            return false;
        }
        let pkg = crate::repo::join(cwd, "package.json");
        let own_command = c
            .args()
            .iter()
            .find(|w| !w.text.starts_with('-'))
            .is_some_and(|w| matches!(w.text.as_str(), "ci" | "install" | "i" | "add" | "publish"));
        !own_command && self.repo.file(&pkg).is_none()
    }

    /// Whether `c` runs a program pipewise does not read: a file that is not in the
    /// repository, or is not a shell script (`./publish.py`, `deno run
    /// tools/release.ts`, `python scripts/upload.py`), or a task runner's task
    /// (`uvx nox -s publish`, `bundle exec rake release`).
    fn unread_program(&self, c: &Command, cwd: &str) -> bool {
        if runs_task_runner(c) {
            return true;
        }
        let name = c.name();
        let file = if INTERPRETERS.contains(&c.base_name()) {
            c.args()
                .iter()
                .map(|w| w.text.as_str())
                .find(|a| !a.starts_with('-') && *a != "run" && a.contains('.'))
        } else if name.contains('/') {
            Some(name)
        } else {
            None
        };
        let Some(file) = file else {
            // A make target or package script whose Makefile or `package.json` is not
            // in the repository.
            return self.runner_unread(c, cwd);
        };
        // A tool pipewise knows (`./gradlew`) is read by what it is.
        if pipewise_catalog::catalog().tool(c.base_name()).is_some() && file == name {
            return false;
        }
        if file.contains('$') {
            return true;
        }
        let path = crate::repo::join(cwd, file);
        let not_shell = [
            ".py", ".ts", ".mts", ".js", ".mjs", ".cjs", ".rb", ".pl", ".php",
        ]
        .iter()
        .any(|e| path.ends_with(e));
        not_shell || !self.scripts.contains_key(&path)
    }
}

/// Notes, for the reuse of an item's findings across versions ([`crate::reuse`]), the
/// reads [`resolve_ships`] made for `steps` before the rules ran: the `action.yml` of
/// every local action they use, and of the local actions those use in turn (at most
/// [`MAX_ACTION_DEPTH`] deep, each once). Present or absent, each is observed.
pub fn note_local_actions<'s, 'a: 's>(
    repo: &Repo,
    steps: impl Iterator<Item = &'s crate::workflow::Step<'a>>,
) {
    if !crate::reads::recording() {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut next: Vec<String> = steps.filter_map(local_dir).collect();
    for _ in 0..=MAX_ACTION_DEPTH {
        let mut found = vec![];
        for dir in next.drain(..) {
            if !seen.insert(dir.clone()) {
                continue;
            }
            for name in ["action.yml", "action.yaml"] {
                let path = if dir.is_empty() {
                    name.to_string()
                } else {
                    format!("{dir}/{name}")
                };
                let Some(doc) = repo.file(&path).and_then(|f| f.yaml.as_ref()) else {
                    continue;
                };
                let nested = doc
                    .root
                    .get("runs")
                    .and_then(|r| r.get("steps"))
                    .and_then(|s| s.as_seq())
                    .unwrap_or(&[]);
                found.extend(nested.iter().filter_map(|s| {
                    let u = s.get("uses")?.as_str()?;
                    local_uses_dir(u)
                }));
            }
        }
        if found.is_empty() {
            break;
        }
        next = found;
    }
}

/// Notes, for the reuse of an item's findings across versions ([`crate::reuse`]), the
/// files [`resolve_ships`] read for one step before the rules ran: the `package.json`
/// of a package manager's script and the Makefile of a make target its commands run
/// (present or absent, each is observed).
pub fn note_runner_files(repo: &Repo, site: &StepSite) {
    if !crate::reads::recording() {
        return;
    }
    let Some(script) = site.step.run.as_ref().and_then(|r| r.script.as_ref()) else {
        return;
    };
    let cwd = crate::rules::step_cwd(site);
    for c in &script.commands {
        if let Some((path, _)) = crate::runners::make_call(c, cwd) {
            let _ = repo.file(&path);
        } else if matches!(c.base_name(), "npm" | "pnpm" | "yarn" | "bun") {
            if let Some((ws, _)) = crate::runners::workspace_call(c) {
                // The workspace is looked up among the manifests (observed as a kind).
                let _ = workspace_dir(repo, cwd, ws);
            }
            let _ = repo.file(&crate::repo::join(cwd, "package.json"));
        }
    }
}

/// The folder of a local action a step uses (`./.github/actions/x` → `.github/actions/x`).
fn local_dir(step: &crate::workflow::Step) -> Option<String> {
    local_uses_dir(step.uses_str()?)
}

fn local_uses_dir(uses: &str) -> Option<String> {
    let local = uses.strip_prefix("./")?;
    Some(crate::repo::normalize(
        local.split('@').next().unwrap_or(local),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitLab jobs that get their lines from templates share one parsed script per
    /// line: each step's answer is what its own script ships, whichever step asked
    /// first.
    #[test]
    fn steps_sharing_a_script_ship_what_each_ships_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(".gitlab-ci.yml"),
            ".publish:\n  script: [\"twine upload dist/*\", \"echo done\"]\n\
             .deploy:\n  script: [\"kubectl apply -f k8s/\", \"echo done\"]\n\
             a: {extends: .publish}\nb: {extends: .publish}\n\
             c: {extends: .deploy}\nd: {extends: .deploy}\n\
             e: {script: [\"echo done\", \"kubectl apply -f k8s/\"]}\n",
        )
        .expect("write");
        let repo = Repo::load(dir.path(), ".");
        let pipelines = crate::gitlab::pipelines(&repo, &[]);
        let workflows: Vec<Workflow> = pipelines
            .iter()
            .flat_map(crate::gitlab::lower::lower)
            .collect();
        let facts = Facts::new(&workflows, &[], &Scripts::new());
        resolve_ships(&repo, &Scripts::new(), &facts, &workflows, &[]);
        let (mut shared, mut seen) = (0, vec![]);
        for step in workflows
            .iter()
            .flat_map(|w| &w.jobs)
            .flat_map(|j| &j.steps)
        {
            let script = step
                .run
                .as_ref()
                .and_then(|r| r.script.as_ref())
                .expect("a script");
            let alone = crate::intent::script_ships(script, facts.intents());
            assert_eq!(
                facts.step_ships_known(step),
                Some(alone),
                "{:?}",
                step.run.as_ref().map(|r| r.text)
            );
            shared += usize::from(Arc::strong_count(script) > 1);
            seen.push(alone);
        }
        assert!(shared >= 9, "{shared} steps share a script");
        assert!(
            seen.contains(&Some(Intent::Publish))
                && seen.contains(&Some(Intent::Deploy))
                && seen.contains(&None)
        );
    }
}
