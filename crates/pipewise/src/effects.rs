//! Effects: what a step really does, from its commands and actions, never from
//! names. Rules that weigh a finding by "this job publishes" or "this job pushes"
//! ask here, so the judgement lives in one place (and can later read the tool
//! catalogue instead of these tables).
//!
//! * [`git_subcommand`] / [`command_pushes_git`]: any `git … push` form (global
//!   options such as `-C dir`, `-c k=v`, `--git-dir=…` before the subcommand).
//! * [`step_pushes_git`]: a step that pushes with the checkout's persisted
//!   credentials: a `git push` in its script, or an action that runs `git push`
//!   with them (`stefanzweifel/git-auto-commit-action`, `EndBug/add-and-commit`, …).
//! * [`step_publishes`] / [`job_publishes`]: [`Facts::step_ships`] minus
//!   pushes to a registry on the runner itself (`localhost:5000`, `oci://127.0.0.1`,
//!   a service container) and image builds with `push: false`.
//!
//! What a step ships through the repository's scripts it runs and the local actions
//! it uses is read before the rules run (`rules::ships::resolve_ships`, above this
//! module: it walks the scripts the rules' step sites call).

use crate::facts::Facts;
use crate::intent::Intent;
use crate::shell::Command;
use crate::workflow::{Job, Step};

/// `git`'s subcommand, past its global options: `git -C dir push` → `push`.
pub fn git_subcommand(c: &Command) -> Option<&str> {
    if c.base_name() != "git" {
        return None;
    }
    let mut args = c.args().iter();
    while let Some(w) = args.next() {
        let t = w.text.as_str();
        match t {
            // Options that take a separate value.
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path"
            | "--config-env" | "--super-prefix" => {
                args.next();
            }
            _ if t.starts_with('-') => {}
            _ => return Some(t),
        }
    }
    None
}

/// A `git push` in any form (not a dry run).
pub fn command_pushes_git(c: &Command) -> bool {
    git_subcommand(c) == Some("push") && !c.has_arg("--dry-run") && !c.has_arg("-n")
}

/// Actions that push commits or tags with the credentials `actions/checkout` left in
/// `.git/config` (they take no token input of their own, or default to it).
const PUSHING_ACTIONS: &[&str] = &[
    "stefanzweifel/git-auto-commit-action",
    "endbug/add-and-commit",
    "ad-m/github-push-action",
    "actions-js/push",
    "github-actions-x/commit",
    "mikeal/publish-to-github-action",
    "devops-infra/action-commit-push",
];

/// A step that pushes to a git remote with the job's persisted credentials.
pub fn step_pushes_git(step: &Step) -> bool {
    if let Some(a) = step.action() {
        return PUSHING_ACTIONS.contains(&a);
    }
    let Some(run) = &step.run else { return false };
    match &run.script {
        Some(script) => {
            script
                .commands
                .iter()
                .any(|c| !c.in_condition && command_pushes_git(c))
                // Recovery can lose a command after a heredoc: the raw text decides.
                || script.has_errors && raw_git_push(run.text)
        }
        // pwsh, python, …: the text decides.
        None => raw_git_push(run.text),
    }
}

/// `git` followed on the same line by `push` as a word (`git -C out push`).
fn raw_git_push(text: &str) -> bool {
    text.lines().any(|l| {
        let mut words = l.split_whitespace();
        let mut seen_git = false;
        for w in words.by_ref() {
            if seen_git && w == "push" {
                return true;
            }
            if w == "git" || w.ends_with("/git") {
                seen_git = true;
            }
        }
        false
    })
}

/// A registry on the runner itself: `localhost:5000/x`, `oci://127.0.0.1:5000/x`.
pub(crate) fn local_registry(word: &str) -> bool {
    // `trim_start_matches` with `strip_prefix`: the former built a substring
    // searcher per scheme and call (asked of every argument of every command of
    // the scripts a step runs).
    fn trim<'w>(mut w: &'w str, scheme: &str) -> &'w str {
        while let Some(rest) = w.strip_prefix(scheme) {
            w = rest;
        }
        w
    }
    let w = trim(
        trim(trim(trim(word, "oci://"), "docker://"), "http://"),
        "https://",
    );
    ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]
        .iter()
        .any(|h| w.starts_with(h) && w[h.len()..].starts_with([':', '/']) || w == *h)
}

/// What a step publishes or deploys, judged by its action or commands
/// ([`Facts::step_ships`]), except pushes to a registry on the runner (a service container)
/// and builds with `push: false`.
pub fn step_publishes(facts: &Facts, step: &Step) -> Option<Intent> {
    if let Some(a) = step.action() {
        // Actions whose names do not say what they do.
        match a {
            "changesets/action" if step.with_str("publish").is_some() => {
                return Some(Intent::Publish)
            }
            "peaceiris/actions-gh-pages" => return Some(Intent::Deploy),
            _ => {}
        }
        // A local action ships what its own steps do, read by `rules::ships::resolve_ships` when
        // it is in the repository (its name, `release-initialise`, says nothing);
        // other actions ship what the catalogue says they do ([`Facts::step_ships`]), so a
        // tool installer named after a release (`action-install-gh-release`)
        // publishes nothing.
        if a.starts_with("$/") {
            return None;
        }
    }
    let i = facts.step_ships(step)?;
    if let Some(a) = step.action() {
        if a.starts_with("docker/build-push-action") {
            // The image names: `tags:`, and `name=` of `outputs:` (push by digest).
            let tags = step.with_str("tags").unwrap_or("");
            let outputs = step.with_str("outputs").unwrap_or("");
            let mut names = tags
                .split([',', '\n'])
                .map(str::trim)
                .chain(
                    outputs
                        .split([',', '\n'])
                        .filter_map(|kv| kv.trim().trim_matches('"').strip_prefix("name=")),
                )
                .filter(|t| !t.is_empty())
                .peekable();
            let all_local = names.peek().is_some() && names.all(local_registry);
            if all_local {
                return None;
            }
        }
        return Some(i);
    }
    let script = step.run.as_ref().and_then(|r| r.script.as_ref())?;
    let shipping: Vec<&Command> = script
        .commands
        .iter()
        .filter(|c| {
            crate::intent::may_ship(c) && crate::intent::command_ships(c, facts.intents()).is_some()
        })
        .collect();
    let all_local = !shipping.is_empty()
        && shipping
            .iter()
            .all(|c| c.args().iter().any(|w| local_registry(&w.text)));
    (!all_local).then_some(i)
}

/// Whether `job` creates a throwaway Kubernetes cluster on the runner (kind, k3d,
/// minikube): its `kubectl apply`/`helm install`/`flux` deploys go to that cluster,
/// not anywhere that outlives the run (flux's e2e jobs).
pub fn local_cluster(job: &Job) -> bool {
    job.steps.iter().any(|s| {
        if let Some(a) = s.action() {
            let a = a.to_ascii_lowercase();
            return a.starts_with("helm/kind-action")
                || a.contains("setup-minikube")
                || a.contains("k3d-action")
                || a.contains("setup-k3d")
                || a.contains("setup-k3s")
                || a.contains("kind-action");
        }
        s.run
            .as_ref()
            .and_then(|r| r.script.as_ref())
            .is_some_and(|sc| {
                sc.commands.iter().any(|c| {
                    let w: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
                    match c.base_name() {
                        "kind" => w.starts_with(&["create", "cluster"]),
                        "k3d" => w.starts_with(&["cluster", "create"]),
                        "minikube" => w.first() == Some(&"start"),
                        _ => false,
                    }
                })
            })
    })
}

/// [`step_publishes`] for a step of `job`, with commands held in its matrix resolved
/// ([`Facts::matrix_ships`]): a deploy to a cluster the job itself created on
/// the runner ([`local_cluster`]) ships nothing.
pub fn step_publishes_in(facts: &Facts, job: &Job, step: &Step) -> Option<Intent> {
    // A publishing command held in the job's matrix (`npx ${{ matrix.cmd }} publish`).
    let shipped = step_publishes(facts, step).or_else(|| facts.matrix_ships(job, step));
    match shipped? {
        Intent::Deploy if local_cluster(job) => None,
        i => Some(i),
    }
}

/// The first step of `job` that publishes or deploys ([`step_publishes`]).
pub fn publishing_step<'j, 'a>(facts: &Facts, job: &'j Job<'a>) -> Option<&'j Step<'a>> {
    job.steps
        .iter()
        .find(|s| step_publishes_in(facts, job, s).is_some())
}

/// What `job` publishes or deploys: a step that does ([`step_publishes`]), or a
/// deployment environment named like a deploy target ([`Facts::job_ships`]).
pub fn job_publishes(facts: &Facts, job: &Job) -> Option<Intent> {
    let steps = job
        .steps
        .iter()
        .filter_map(|s| step_publishes_in(facts, job, s))
        .max();
    match (steps, facts.job_ships(job)) {
        (Some(i), _) => Some(i),
        // job_ships without a shipping step: the environment decided.
        (None, Some(Intent::Deploy))
            if !job.steps.iter().any(|s| facts.step_ships(s).is_some()) =>
        {
            Some(Intent::Deploy)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Script;
    use crate::workflow::Workflow;

    fn pushes(src: &str) -> bool {
        Script::parse(src).commands.iter().any(command_pushes_git)
    }

    #[test]
    fn every_git_push_form() {
        assert!(pushes("git push"));
        assert!(pushes("git -C site push origin HEAD:gh-pages"));
        assert!(pushes("git -c user.name=bot push --tags"));
        assert!(pushes("git --git-dir=.git push"));
        assert!(!pushes("git push --dry-run"));
        assert!(!pushes("git commit -m push"));
        assert!(!pushes("git log --grep push"));
        assert!(!pushes("echo git push"));
        assert!(raw_git_push("  git -C out push\n"));
        assert!(!raw_git_push("echo pushing to git"));
    }

    #[test]
    fn local_registries_are_not_publishing() {
        assert!(local_registry("oci://localhost:5000/manifests"));
        assert!(local_registry("localhost:5000/app:test"));
        assert!(local_registry("127.0.0.1/app"));
        assert!(!local_registry("ghcr.io/localhost/app"));
        assert!(!local_registry("localhostile.io/app"));
    }

    /// The scheme stripping answers as the `trim_start_matches` chain it replaced.
    #[test]
    fn local_registry_strips_schemes_as_trim_start_matches() {
        let oracle = |word: &str| {
            let w = word
                .trim_start_matches("oci://")
                .trim_start_matches("docker://")
                .trim_start_matches("http://")
                .trim_start_matches("https://");
            ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]
                .iter()
                .any(|h| w.starts_with(h) && w[h.len()..].starts_with([':', '/']) || w == *h)
        };
        for w in [
            "",
            "localhost",
            "oci://oci://localhost:5000/x",
            "docker://oci://localhost/x",
            "oci://docker://localhost/x",
            "https://http://127.0.0.1:5000",
            "http://https://127.0.0.1:5000",
            "https://https://[::1]/a",
            "oci://",
            "0.0.0.0",
            "0.0.0.0x",
            "ghcr.io/o/app",
            "http://localhost",
        ] {
            assert_eq!(local_registry(w), oracle(w), "{w:?}");
        }
    }

    fn job_of(src: &str) -> (pipewise_yaml::Document, String) {
        (
            pipewise_yaml::Document::parse(src.to_string()).expect("yaml"),
            String::new(),
        )
    }

    #[test]
    fn publishing_by_effect() {
        let (d, _) = job_of(concat!(
            "on: push\njobs:\n",
            "  release-assert:\n    runs-on: x\n    steps:\n      - run: cargo test --release\n",
            "  test-build:\n    runs-on: x\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: false\n",
            "  local:\n    runs-on: x\n    steps:\n      - run: flux push artifact oci://localhost:5000/app:${{ github.sha }} --path=.\n      - run: docker push localhost:5000/app\n",
            "  ship:\n    runs-on: x\n    steps:\n      - run: docker push ghcr.io/o/app\n",
            "  pages:\n    runs-on: x\n    steps:\n      - run: git -C site push\n",
            "  changesets:\n    runs-on: x\n    steps:\n      - uses: changesets/action@v1\n        with:\n          publish: pnpm release\n",
            "  tools:\n    runs-on: x\n    steps:\n      - uses: jaxxstorm/action-install-gh-release@v3\n      - uses: ./.github/actions/release-initialise\n",
            "  version-pr:\n    runs-on: x\n    steps:\n      - uses: changesets/action@v1\n        with:\n          version: pnpm version\n",
        ));
        let wf = Workflow::new("w.yml", &d);
        let facts = crate::facts::Facts::new([&wf], &[], &Default::default());
        let j = |id| wf.job(id).expect("job");
        assert_eq!(job_publishes(&facts, j("release-assert")), None);
        assert_eq!(job_publishes(&facts, j("test-build")), None);
        assert_eq!(job_publishes(&facts, j("local")), None);
        assert_eq!(job_publishes(&facts, j("ship")), Some(Intent::Publish));
        assert!(step_pushes_git(&j("pages").steps[0]));
        assert_eq!(
            job_publishes(&facts, j("changesets")),
            Some(Intent::Publish)
        );
        assert_eq!(job_publishes(&facts, j("version-pr")), None);
        assert_eq!(job_publishes(&facts, j("tools")), None);
        assert!(!step_pushes_git(&j("ship").steps[0]));
    }
}
