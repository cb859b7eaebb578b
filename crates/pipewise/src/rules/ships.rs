//! What a step ships through the repository: the scripts it runs and the local
//! composite actions it uses, read from their commands when present (never from their
//! names), set on each step ([`crate::intent::step_ships`]) before any rule asks.
//! Here rather than in [`crate::effects`] because it walks the scripts a step site
//! calls ([`crate::rules::step_scripts`]).

use crate::effects::local_registry;
use crate::intent::{step_ships, Intent};
use crate::repo::{Repo, Scripts};
use crate::rules::StepSite;
use crate::workflow::{Action, Workflow};
use std::collections::HashMap;

/// Deepest chain of local actions followed (`./a` uses `./b` uses `./c` …).
const MAX_ACTION_DEPTH: usize = 8;

/// Resolves what steps ship through the repository ([`resolve_ships`]).
struct Resolver<'r, 'v, 'a> {
    repo: &'r Repo,
    scripts: &'r Scripts,
    actions: &'v [Action<'a>],
    /// Each action's folder (`.github/actions/release`), to its index.
    by_dir: HashMap<String, usize>,
    /// Actions being resolved: a `uses:` back to one of them is a cycle (cut).
    visiting: Vec<bool>,
}

/// Sets what every step of `workflows` and `actions` ships ([`step_ships`]) from what
/// it runs in the repository, before any rule asks:
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
///   `action.yml` in the repository ships nothing known.
///
/// Pushes to a registry on the runner itself are not shipping ([`crate::effects::step_publishes`]).
pub fn resolve_ships(repo: &Repo, scripts: &Scripts, workflows: &[Workflow], actions: &[Action]) {
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
        actions,
        by_dir,
        visiting: vec![false; actions.len()],
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
            let site = StepSite {
                path: a.path,
                doc: a.doc,
                workflow: None,
                job: None,
                action: Some(a),
                step,
            };
            let ships = self.step(&site, depth + 1);
            let cond = step.get("if");
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

    /// What one step ships with the repository read, set on the step.
    fn step(&mut self, site: &StepSite<'v, 'a>, depth: usize) -> Option<Intent> {
        let step = site.step;
        if let Some(v) = step.ships.get() {
            return *v;
        }
        let through = if let Some(u) = step.uses_str() {
            match local_uses_dir(u) {
                Some(dir) => match self.by_dir.get(&dir) {
                    Some(&i) => self.action(i, step.with, depth),
                    None => None,
                },
                // Another action: the catalogue decides ([`step_ships`]).
                None => return step_ships(step),
            }
        } else if step.run.is_some() {
            let called = crate::rules::step_scripts(site, self.scripts, self.repo);
            if called.len() < 2 {
                // Runs no script of the repository: its own commands decide.
                return step_ships(step);
            }
            called
                .iter()
                .skip(1)
                // Shell scripts only: a regular expression in `[[ … =~ (a|b/c.yml) ]]`
                // can read as a command naming a data file (home-assistant's
                // builder.yml).
                .filter(|ss| {
                    ![".yml", ".yaml", ".json", ".toml", ".md", ".txt", ".lock"]
                        .iter()
                        .any(|e| ss.path.ends_with(e))
                })
                .flat_map(|ss| ss.script.commands.iter())
                .filter(|c| !c.in_condition && !c.in_substitution && !c.has_arg("--dry-run"))
                // What ships first (most commands do not), then where to.
                .filter_map(|c| {
                    crate::intent::command_ships(c)
                        .filter(|_| !c.args().iter().any(|w| local_registry(&w.text)))
                })
                .max()
        } else {
            return step_ships(step);
        };
        let v = crate::intent::compute_step_ships(step).max(through);
        // Set once: a step asked for earlier keeps its answer.
        let _ = step.ships.set(v);
        *step.ships.get().unwrap_or(&v)
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
