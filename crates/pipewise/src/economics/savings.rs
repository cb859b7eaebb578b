//! Optimisations and what each saves, in billable minutes and list price a month
//! under the [`Assumptions`]. The same detections are the `cost/*` rules' findings
//! (with the default assumptions) and the "top savings" of the report section.

use super::duration::{self, Kind};
use super::events::{self, Event};
use super::report::{cents, tidy, Assumptions, Saving, BASIS_MODEL, BASIS_RUNS};
use super::table::Table;
use super::{model, run, running, Memo, Model, When};
use crate::facts::Facts;
use crate::finding::Span;
use crate::intent::subcommand;
use crate::shell::Command;
use crate::workflow::{Step, Tri, Workflow};
use std::collections::HashMap;

pub const MULTI_ARCH: &str = "cost/multi-arch-every-push";
pub const CANCEL: &str = "cost/missing-cancel-in-progress";
pub const CACHE: &str = "cost/no-dependency-cache";
pub const UNUSED_SETUP: &str = "cost/unused-setup";
pub const CHECKS_EVERY_OS: &str = "cost/checks-on-every-os";
pub const DOCS_FILTER: &str = "cost/no-docs-path-filter";
pub const IMAGE_TWICE: &str = "cost/image-built-twice";
pub const UNUSED_NEEDS: &str = "cost/unused-needs";
/// A saving from run data only (`--runs`): rules see no run data, so it is an entry
/// of the report's savings, not a rule.
pub const TIMEOUT: &str = "cost/timeout-above-observed";

/// Observed runs of a job needed before its timeout is judged against them.
const TIMEOUT_MIN_RUNS: usize = 3;

/// Billable minutes a pull-request run must reach (a big pipeline) before running it
/// for documentation-only changes is worth a finding.
const DOCS_MIN_MINUTES: f64 = 30.0;
/// Actions that list the files a change touches, to run jobs by path.
const CHANGE_DETECTION: &[&str] = &[
    "dorny/paths-filter",
    "tj-actions/changed-files",
    "step-security/changed-files",
    "fkirc/skip-duplicate-actions",
    "marceloprado/has-changed-path",
];
/// Share of pull-request pushes taken to change documentation only.
const DOCS_ONLY_SHARE: f64 = 0.1;

/// Billable minutes a pull-request run must reach before cancelling superseded runs
/// is worth a finding.
const CANCEL_MIN_MINUTES: f64 = 10.0;

/// One optimisation in a workflow.
#[derive(Debug, Clone)]
pub struct Found {
    pub rule: &'static str,
    pub span: Span,
    pub job: Option<String>,
    pub message: String,
    pub minutes_per_month: f64,
    pub usd_per_month: f64,
}

/// The optimisations of one workflow, as report entries (under the default
/// assumptions, the table's: the `cost/*` rules asked for the same).
pub fn of_workflow(facts: &Facts, table: &Table, wf: &Workflow, a: &Assumptions) -> Vec<Saving> {
    let found = if *a == Assumptions::default() {
        table.savings(facts, wf).into_owned()
    } else {
        find(facts, table, wf, a)
    };
    found
        .into_iter()
        .map(|f| Saving {
            rule: f.rule.into(),
            file: wf.path.into(),
            line: wf.doc.line(f.span.start),
            job: f.job,
            message: f.message,
            minutes_per_month: tidy(f.minutes_per_month),
            usd_per_month: cents(f.usd_per_month),
            basis: BASIS_MODEL.into(),
        })
        .collect()
}

/// The optimisations of one workflow (its own jobs; reusable workflows it calls are
/// judged in their own file). Under the default assumptions, computed once per
/// workflow by the economics table ([`Table::savings`]).
pub fn find(facts: &Facts, table: &Table, wf: &Workflow, a: &Assumptions) -> Vec<Found> {
    if wf.platform != crate::workflow::Platform::GitHub || wf.jobs.is_empty() {
        return vec![];
    }
    let mut own = vec![];
    let statics = table.statics(facts, wf, &mut own);
    find_in(facts, &[model(wf, statics, &HashMap::new(), None)], 0, a)
}

/// [`find`] on a workflow already read.
fn find_in(facts: &Facts, models: &[Model], i: usize, a: &Assumptions) -> Vec<Found> {
    let m = &models[i];
    let wf = m.wf;
    if wf.platform != crate::workflow::Platform::GitHub || wf.jobs.is_empty() {
        return vec![];
    }
    let (evs, _) = events::events(wf, a);
    let mut out = vec![];
    let n = m.jobs.len();
    // Per event: which jobs run.
    let runs: Vec<Vec<bool>> = evs
        .iter()
        .map(|e| {
            let mut r = vec![false; n];
            running(m, &e.scenario, &mut r);
            r
        })
        .collect();
    let every_push = |e: Event| matches!(e, Event::Push | Event::PullRequest | Event::MergeGroup);
    for (ji, j) in m.jobs.iter().enumerate() {
        let legs = j.legs.len().max(1) as f64;
        let usd = j.legs.iter().map(|l| l.price.usd_per_minute).sum::<f64>() / legs;
        // Multi-arch builds on every push.
        let mut per_month = 0.0;
        let mut per_run = 0.0f64;
        let mut which = vec![];
        for (ei, e) in evs.iter().enumerate() {
            if !(every_push(e.event) && runs[ei][ji]) {
                continue;
            }
            let extra: f64 = j
                .steps
                .iter()
                .filter(|(k, c)| {
                    matches!(k, Kind::ContainerMultiArch | Kind::ContainerMultiArchQemu)
                        && c.eval(&e.scenario).possible()
                })
                .map(|(k, _)| k.minutes().expected - Kind::ContainerBuild.minutes().expected)
                .sum();
            if extra > 0.0 {
                per_run = per_run.max(extra * legs);
                per_month += extra * legs * e.runs_per_month;
                which.push(e.event.name());
            }
        }
        if per_run > 0.0 {
            let qemu = j
                .steps
                .iter()
                .any(|(k, _)| *k == Kind::ContainerMultiArchQemu);
            out.push(Found {
                rule: MULTI_ARCH,
                span: j.job.key.span,
                job: Some(j.job.id.into()),
                message: format!(
                    "job `{}` builds the image for several platforms{} on every {}; build one platform there and all of them on tags: saves about {} min a run, {} min a month ({BASIS_MODEL})",
                    j.job.id,
                    if qemu { " under QEMU emulation" } else { "" },
                    which.join(" and "),
                    tidy(per_run),
                    tidy(per_month)
                ),
                minutes_per_month: per_month,
                usd_per_month: per_month * usd,
            });
        }
        // Installs without a dependency cache.
        let uncached = j
            .job
            .steps
            .iter()
            .filter(|s| duration::uncached_install(s, j.facts))
            .count() as f64;
        // A job that publishes is better off without a cache (a poisoned entry would
        // ship: `security/cache-poisoning`), so no cache is suggested there.
        if uncached > 0.0 && crate::effects::job_publishes(facts, j.job).is_none() {
            let saved_run = uncached
                * (Kind::Install.minutes().expected - Kind::InstallCached.minutes().expected)
                * legs;
            let month: f64 = evs
                .iter()
                .enumerate()
                .filter(|(ei, _)| runs[*ei][ji])
                .map(|(_, e)| e.runs_per_month * saved_run)
                .sum();
            if month > 0.0 {
                out.push(Found {
                    rule: CACHE,
                    span: j.job.key.span,
                    job: Some(j.job.id.into()),
                    message: format!(
                        "job `{}` installs dependencies without a cache on every run; restore them with the setup action's `cache:` or `actions/cache`: saves about {} min a run, {} min a month ({BASIS_MODEL})",
                        j.job.id,
                        tidy(saved_run),
                        tidy(month)
                    ),
                    minutes_per_month: month,
                    usd_per_month: month * usd,
                });
            }
        }
        // Per run of the job: the events it runs on, a month.
        let job_month: f64 = evs
            .iter()
            .enumerate()
            .filter(|(ei, _)| runs[*ei][ji])
            .map(|(_, e)| e.runs_per_month)
            .sum();
        // A toolchain set up that no step of the job uses.
        if let Some(setup) = unused_setup(j.job, wf) {
            let saved_run = Kind::Setup.minutes().expected * legs;
            let month = job_month * saved_run;
            out.push(Found {
                rule: UNUSED_SETUP,
                span: setup.node.span,
                job: Some(j.job.id.into()),
                message: format!(
                    "job `{}` sets up a toolchain with `{}` that none of its steps uses (they run only shell built-ins, git, gh, docker and actions that bring their own runtime); remove the step: saves about {} min a run, {} min a month ({BASIS_MODEL})",
                    j.job.id,
                    setup.action().unwrap_or_default(),
                    tidy(saved_run),
                    tidy(month)
                ),
                minutes_per_month: month,
                usd_per_month: month * usd,
            });
        }
        // Source-only checks repeated on macOS/Windows legs next to a Linux leg.
        if let Some(f) = checks_on_every_os(j, job_month) {
            out.push(f);
        }
    }
    // The same image built by two steps of one run.
    out.extend(images_built_twice(m, &evs, &runs));
    // Waits on `needs:` nothing uses.
    out.extend(super::unused_needs::find(facts, m, &evs, &runs));
    let mut memo: Memo = HashMap::new();
    // Pull-request CI without cancel-in-progress.
    if let Some(e) = evs.iter().find(|e| e.event == Event::PullRequest) {
        let cancels = wf
            .concurrency
            .and_then(|c| c.value.get("cancel-in-progress"))
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.trim() != "false");
        let pr_target = e.scenario.event == Some("pull_request_target");
        if !cancels && !pr_target {
            let r = run(models, i, &e.scenario, e.event.name(), 0, &mut memo);
            if r.billable.expected >= CANCEL_MIN_MINUTES && a.pushes_per_pr > 1.0 {
                // Of each pull request's pushes, all but the last can supersede a run
                // still going; a superseded run is taken as half done.
                let share = (a.pushes_per_pr - 1.0) / a.pushes_per_pr * 0.5;
                let month = e.runs_per_month * share * r.billable.expected;
                let usd = if r.billable.expected > 0.0 {
                    r.usd / r.billable.expected
                } else {
                    0.0
                };
                let span = wf
                    .triggers
                    .iter()
                    .find(|t| t.event == "pull_request")
                    .map_or(Span::new(0, 0), |t| t.span);
                out.push(Found {
                    rule: CANCEL,
                    span,
                    job: None,
                    message: format!(
                        "pull-request runs ({} billable min each) are not cancelled when a newer push arrives; add `concurrency: {{group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}, cancel-in-progress: true}}`: saves about {} min a month ({BASIS_MODEL}: {} pushes a pull request, a superseded run half done)",
                        tidy(r.billable.expected),
                        tidy(month),
                        a.pushes_per_pr
                    ),
                    minutes_per_month: month,
                    usd_per_month: month * usd,
                });
            }
        }
    }
    // A big pull-request pipeline with tests and no path filter also runs for
    // changes that touch documentation only.
    let pr = evs
        .iter()
        .enumerate()
        .find(|(_, e)| e.event == Event::PullRequest && e.scenario.event == Some("pull_request"));
    if let Some((ei, e)) = pr {
        let trigger = wf.triggers.iter().find(|t| t.event == "pull_request");
        let filtered = trigger
            .and_then(|t| t.config)
            .is_some_and(|c| c.get("paths").is_some() || c.get("paths-ignore").is_some());
        // Tests that certainly run: a job or step whose `if:` the event does not
        // decide (`needs.changes.outputs.backend == 'true'`) may be a filter of its own.
        // A job certainly runs when its `if:` holds and the jobs it needs certainly
        // run (topological order).
        let sure = |c: &When| c.eval(&e.scenario) == Tri::True;
        let mut sure_job = vec![false; m.jobs.len()];
        for &ji in &m.order {
            let j = &m.jobs[ji];
            sure_job[ji] = runs[ei][ji] && sure(&j.cond) && j.needs.iter().all(|&u| sure_job[u]);
        }
        let tests = m.jobs.iter().enumerate().any(|(ji, j)| {
            sure_job[ji] && j.steps.iter().any(|(k, c)| *k == Kind::Test && sure(c))
        });
        // A change-detection step (`dorny/paths-filter`, …) filters by job instead.
        let detects_changes = m
            .jobs
            .iter()
            .flat_map(|j| &j.job.steps)
            .any(|s| s.action().is_some_and(|a| CHANGE_DETECTION.contains(&a)));
        if !filtered && tests && !detects_changes {
            let r = run(models, i, &e.scenario, e.event.name(), 0, &mut memo);
            if r.billable.expected >= DOCS_MIN_MINUTES {
                let month = e.runs_per_month * DOCS_ONLY_SHARE * r.billable.expected;
                let usd = e.runs_per_month * DOCS_ONLY_SHARE * r.usd;
                out.push(Found {
                    rule: DOCS_FILTER,
                    span: trigger.map_or(Span::new(0, 0), |t| t.span),
                    job: None,
                    message: format!(
                        "pull-request runs ({} billable min each, with tests) have no `paths`/`paths-ignore` filter, so changes to documentation only run the whole pipeline; add `paths-ignore: ['**.md', 'docs/**']`: saves about {} min a month ({BASIS_MODEL}: 1 pull-request push in {} taken to change documentation only)",
                        tidy(r.billable.expected),
                        tidy(month),
                        tidy(1.0 / DOCS_ONLY_SHARE)
                    ),
                    minutes_per_month: month,
                    usd_per_month: usd,
                });
            }
        }
    }
    out
}

/// Toolchain set-up actions: they put a language runtime on the runner's `PATH`.
const TOOLCHAIN_SETUPS: &[&str] = &[
    "actions/setup-node",
    "actions/setup-python",
    "actions/setup-go",
    "actions/setup-java",
    "actions/setup-dotnet",
    "ruby/setup-ruby",
    "dtolnay/rust-toolchain",
    "actions-rs/toolchain",
    "oven-sh/setup-bun",
    "denoland/setup-deno",
    "shivammathur/setup-php",
    "erlef/setup-beam",
    "astral-sh/setup-uv",
];

/// Actions that run on their own runtime (JavaScript actions on the runner's bundled
/// Node, or Docker) and never call a toolchain from `PATH`.
const SELF_CONTAINED_ACTIONS: &[&str] = &[
    "actions/checkout",
    "actions/cache",
    "actions/cache/restore",
    "actions/cache/save",
    "actions/upload-artifact",
    "actions/download-artifact",
    "actions/github-script",
    "actions/upload-pages-artifact",
    "actions/configure-pages",
    "actions/deploy-pages",
    "docker/login-action",
    "docker/setup-buildx-action",
    "docker/setup-qemu-action",
    "docker/metadata-action",
    "docker/build-push-action",
    "softprops/action-gh-release",
    "aws-actions/configure-aws-credentials",
    "google-github-actions/auth",
];

/// Commands that never run a language toolchain from `PATH`: shell built-ins, core
/// utilities, git, gh, docker (its builds run in containers). A shell (`bash x.sh`),
/// `xargs`, `env`, `make` or a script may run anything, so they are not here.
const TOOLCHAIN_FREE: &[&str] = &[
    "echo",
    "printf",
    "cd",
    "ls",
    "cat",
    "mkdir",
    "cp",
    "mv",
    "rm",
    "touch",
    "test",
    "[",
    "[[",
    "true",
    "false",
    "exit",
    "export",
    "set",
    "unset",
    "pwd",
    "chmod",
    "ln",
    "tar",
    "gzip",
    "unzip",
    "zip",
    "sha256sum",
    "sort",
    "head",
    "tail",
    "wc",
    "tr",
    "cut",
    "sed",
    "awk",
    "grep",
    "date",
    "sleep",
    "tee",
    "basename",
    "dirname",
    "git",
    "gh",
    "docker",
    "jq",
    "curl",
    "wget",
    "read",
    "shift",
    ":",
];

/// The first toolchain set-up step of a GitHub job none of whose other steps can
/// use it (decided from the actions and parsed commands, never from names); `None`
/// when any step may (an unknown action, a script, a non-bash shell, a reference to
/// the set-up step's outputs).
fn unused_setup<'s, 'a>(job: &'s crate::workflow::Job<'a>, wf: &Workflow) -> Option<&'s Step<'a>> {
    let is_setup = |s: &Step| s.action().is_some_and(|a| TOOLCHAIN_SETUPS.contains(&a));
    let setup = job.steps.iter().find(|s| is_setup(s))?;
    let toolchain_free = |s: &Step| match (s.action(), &s.run) {
        (Some(a), _) => is_setup(s) || SELF_CONTAINED_ACTIONS.contains(&a),
        (None, Some(r)) => {
            r.shell
                .is_none_or(|sh| matches!(sh.trim(), "bash" | "sh" | "bash -e {0}"))
                && r.script.as_ref().is_some_and(|sc| {
                    sc.commands
                        .iter()
                        .all(|c| TOOLCHAIN_FREE.contains(&c.base_name()))
                })
        }
        (None, None) => true,
    };
    if !job.steps.iter().all(toolchain_free) {
        return None;
    }
    // A step reading the set-up step's outputs (`steps.py.outputs.python-path`): one
    // pass over the job's text, whatever the number of steps.
    let ids: std::collections::HashSet<&str> = job
        .steps
        .iter()
        .filter(|s| is_setup(s))
        .filter_map(|s| s.id)
        .collect();
    let text = job.node.span.text(wf.doc.source())?;
    let used_by_id = !ids.is_empty()
        && text.match_indices("steps.").any(|(at, m)| {
            let rest = text.get(at + m.len()..).unwrap_or("");
            rest.split_once('.').is_some_and(|(id, _)| ids.contains(id))
        });
    (!used_by_id).then_some(setup)
}

/// Checkers that read source text only, whatever the OS: the catalogue's linters and
/// formatters (`ci.lint`) minus those that load or compile the code per platform
/// (`golangci-lint`, `staticcheck`, `pylint` import it; `pre-commit` runs any hook).
fn source_only_check(c: &Command) -> Option<&str> {
    let name = c.base_name();
    let (name, sub) = if name == "npx" {
        let tool = c
            .args()
            .iter()
            .map(|w| w.text.as_str())
            .find(|w| !w.starts_with('-'));
        (tool?, None)
    } else {
        (name, subcommand(c))
    };
    if name == "cargo" {
        return (sub == Some("fmt")).then_some("cargo fmt");
    }
    if matches!(
        name,
        "golangci-lint"
            | "staticcheck"
            | "revive"
            | "pylint"
            | "pre-commit"
            | "lint-staged"
            | "tflint"
    ) {
        return None;
    }
    pipewise_catalog::catalog()
        .tool(name)
        .is_some_and(|t| t.provides.contains(&"ci.lint"))
        .then_some(name)
}

/// A job whose matrix runs Linux and macOS/Windows legs, with steps that only run
/// source-only checks (formatters, linters reading text) on every leg.
fn checks_on_every_os(j: &super::JobModel, job_month: f64) -> Option<Found> {
    let os = |l: &super::Leg| {
        let c = l.price.class.as_str();
        if l.price.self_hosted {
            0
        } else if c.starts_with("Linux") {
            1
        } else if c.starts_with("macOS") || c.starts_with("Windows") {
            2
        } else {
            0
        }
    };
    let others: Vec<&super::Leg> = j.legs.iter().filter(|l| os(l) == 2).collect();
    if others.is_empty() || !j.legs.iter().any(|l| os(l) == 1) {
        return None;
    }
    let mut minutes = 0.0;
    let mut tools: Vec<&str> = vec![];
    for s in &j.job.steps {
        // A step already limited by an `if:` (`runner.os == 'Linux'`) is left alone.
        if s.condition.is_some() || s.action().is_some() {
            continue;
        }
        let mut checks: Vec<&str> = vec![];
        let only_checks = duration::commands(s).all(|c| match source_only_check(c) {
            Some(n) => {
                checks.push(n);
                true
            }
            None => TOOLCHAIN_FREE.contains(&c.base_name()),
        });
        if checks.is_empty() || !only_checks {
            continue;
        }
        minutes += Kind::Lint.minutes().expected;
        for n in checks {
            if !tools.contains(&n) {
                tools.push(n);
            }
        }
    }
    if minutes == 0.0 {
        return None;
    }
    let per_run = minutes * others.len() as f64;
    let usd_run: f64 = others
        .iter()
        .map(|l| minutes * l.price.usd_per_minute)
        .sum();
    let month = per_run * job_month;
    Some(Found {
        rule: CHECKS_EVERY_OS,
        span: j.job.key.span,
        job: Some(j.job.id.into()),
        message: format!(
            "job `{}` runs source-only checks (`{}`) on its {} macOS/Windows leg(s) as well as on Linux; they read the same files on every OS: run them in one Linux job: saves about {} min a run, {} min a month ({BASIS_MODEL})",
            j.job.id,
            tools.join("`, `"),
            others.len(),
            tidy(per_run),
            tidy(month)
        ),
        minutes_per_month: month,
        usd_per_month: usd_run * job_month,
    })
}

/// Jobs whose timeout (`timeout-minutes`, else GitHub's 360) is far above their
/// observed durations (`--runs`): a hung run bills up to the timeout. Suggested:
/// three times the longest observed run, at least 10 minutes; reported when that
/// lowers the cap by 15 minutes or more.
pub(super) fn timeouts(m: &Model) -> Vec<Saving> {
    let mut out = vec![];
    for j in &m.jobs {
        let Some(o) = j.observed.filter(|o| o.runs >= TIMEOUT_MIN_RUNS) else {
            continue;
        };
        let timeout = j.timeout.unwrap_or(duration::DEFAULT_TIMEOUT);
        let cap = (3.0 * o.max).ceil().max(10.0);
        if timeout - cap < 15.0 {
            continue;
        }
        let legs = j.legs.len().max(1) as f64;
        let usd_minute = j.legs.iter().map(|l| l.price.usd_per_minute).sum::<f64>() / legs;
        let per_hang = (timeout - cap) * legs;
        out.push(Saving {
            rule: TIMEOUT.into(),
            file: m.wf.path.into(),
            line: m.wf.doc.line(j.job.key.span.start),
            job: Some(j.job.id.into()),
            message: format!(
                "job `{}` took at most {} min in {} observed runs but may run {} min ({}); set `timeout-minutes: {}`: a hung run then bills up to {} min less (${:.2} a hung run)",
                j.job.id,
                tidy(o.max),
                o.runs,
                tidy(timeout),
                if j.timeout.is_some() {
                    "its `timeout-minutes`"
                } else {
                    "GitHub's default"
                },
                cap,
                tidy(per_hang),
                per_hang * usd_minute
            ),
            minutes_per_month: 0.0,
            usd_per_month: 0.0,
            basis: format!("{BASIS_RUNS} ({} runs)", o.runs),
        });
    }
    out
}

/// Options of `docker build`/`docker buildx build` that take a value.
const BUILD_VALUE_FLAGS: &[&str] = &[
    "-t",
    "--tag",
    "-f",
    "--file",
    "--target",
    "--platform",
    "--build-arg",
    "--label",
    "--cache-from",
    "--cache-to",
    "-o",
    "--output",
    "--secret",
    "--ssh",
    "--progress",
    "--iidfile",
    "--metadata-file",
    "--network",
    "--builder",
    "--provenance",
    "--sbom",
];
/// Options without a value.
const BUILD_SWITCHES: &[&str] = &[
    "--push",
    "--load",
    "--pull",
    "--no-cache",
    "--rm",
    "-q",
    "--quiet",
];

/// What a container build step builds, never how it is tagged or whether it is
/// pushed: context, Dockerfile, target, platforms and build arguments. `None` when
/// the step builds no image, builds per matrix leg (`${{ matrix.… }}`), uses a layer
/// cache (a second build would be mostly cached), or has an option not understood.
fn image_key(s: &Step, kind: Kind) -> Option<String> {
    if !matches!(
        kind,
        Kind::ContainerBuild | Kind::ContainerMultiArch | Kind::ContainerMultiArchQemu
    ) {
        return None;
    }
    // context, Dockerfile, target, platforms, build arguments.
    let (context, file, target, platforms, mut build_args): (
        String,
        Option<String>,
        String,
        String,
        Vec<String>,
    ) = if s.action().is_some() {
        if s.with_str("cache-from").is_some() {
            return None;
        }
        let input = |k: &str| s.with_str(k).unwrap_or("").trim().to_string();
        (
            s.with_str("context").unwrap_or(".").to_string(),
            s.with_str("file").map(str::to_string),
            input("target"),
            input("platforms"),
            input("build-args")
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
        )
    } else {
        let mut builds = duration::commands(s).filter(|c| {
            let sub = subcommand(c);
            matches!(c.base_name(), "docker" | "podman")
                && (sub == Some("build") || (sub == Some("buildx") && c.has_arg("build")))
        });
        let c = builds.next()?;
        if builds.next().is_some() {
            return None;
        }
        let (mut context, mut file, mut target, mut platforms, mut build_args) =
            (None, None, String::new(), String::new(), vec![]);
        let mut args = c
            .args()
            .iter()
            .map(|w| w.text.as_str())
            .skip_while(|w| *w != "build");
        args.next();
        while let Some(a) = args.next() {
            if a.starts_with("--cache-from") {
                return None;
            }
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v)),
                _ => (a, None),
            };
            if BUILD_VALUE_FLAGS.contains(&flag) {
                let v = match inline {
                    Some(v) => v,
                    None => args.next()?,
                };
                match flag {
                    "-f" | "--file" => file = Some(v.to_string()),
                    "--target" => target = v.to_string(),
                    "--platform" => platforms = v.to_string(),
                    "--build-arg" => build_args.push(v.to_string()),
                    _ => {}
                }
            } else if BUILD_SWITCHES.contains(&a) {
            } else if a.starts_with('-') || context.is_some() {
                return None;
            } else {
                context = Some(a.to_string());
            }
        }
        (context?, file, target, platforms, build_args)
    };
    let context = context.trim().trim_end_matches('/');
    let context = context.strip_prefix("./").unwrap_or(context);
    let context = if context.is_empty() { "." } else { context };
    let file = file.map_or_else(|| format!("{context}/Dockerfile"), |f| f.trim().to_string());
    let file = file.strip_prefix("./").unwrap_or(&file);
    build_args.sort();
    let key = format!(
        "{context}\u{0}{file}\u{0}{target}\u{0}{platforms}\u{0}{}",
        build_args.join("\u{0}")
    );
    (!key.contains("matrix.")).then_some(key)
}

/// Steps of one workflow run that build the same image: every build after the first
/// is reported once, with the minutes of the builds it repeats a month. Jobs with
/// several matrix legs are left out (each leg may need its own image).
fn images_built_twice(m: &Model, evs: &[events::EventRun], runs: &[Vec<bool>]) -> Vec<Found> {
    // (job index, step index, kind, key) of the single-leg jobs' image builds.
    let mut builds: Vec<(usize, usize, Kind, String)> = vec![];
    for (ji, j) in m.jobs.iter().enumerate() {
        if j.legs.len() > 1 || !matches!(j.callee, super::Callee::None) {
            continue;
        }
        for (si, (s, (k, _))) in j.job.steps.iter().zip(&j.steps).enumerate() {
            if let Some(key) = image_key(s, *k) {
                builds.push((ji, si, *k, key));
            }
        }
    }
    let mut out = vec![];
    // The first build of each image, by key (linear in the builds).
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (bi, (ji, si, k, key)) in builds.iter().enumerate() {
        let first = match first_of.entry(key.as_str()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(bi);
                continue;
            }
            std::collections::hash_map::Entry::Occupied(o) => &builds[*o.get()],
        };
        let (fj, fs) = (first.0, first.1);
        let both_run = |ei: usize, e: &events::EventRun| {
            runs[ei][*ji]
                && runs[ei][fj]
                && m.jobs[*ji].steps[*si].1.eval(&e.scenario).possible()
                && m.jobs[fj].steps[fs].1.eval(&e.scenario).possible()
        };
        let mut month = 0.0;
        let mut which = vec![];
        for (ei, e) in evs.iter().enumerate() {
            if both_run(ei, e) {
                month += k.minutes().expected * e.runs_per_month;
                which.push(e.event.name());
            }
        }
        if which.is_empty() {
            continue;
        }
        let j = &m.jobs[*ji];
        let usd = j.legs.first().map_or(0.0, |l| l.price.usd_per_minute);
        let first_job = m.jobs[fj].job.id;
        out.push(Found {
            rule: IMAGE_TWICE,
            span: j.job.steps[*si].node.span,
            job: Some(j.job.id.into()),
            message: format!(
                "job `{}` builds the same image (context, Dockerfile, target, platforms and build arguments) as {} on every {}; build it once and pass it on (push it, or `docker save` it as an artifact): saves about {} min a run, {} min a month ({BASIS_MODEL})",
                j.job.id,
                if fj == *ji {
                    "an earlier step of the job".to_string()
                } else {
                    format!("job `{first_job}`")
                },
                which.join(" and "),
                tidy(k.minutes().expected),
                tidy(month)
            ),
            minutes_per_month: month,
            usd_per_month: month * usd,
        });
    }
    out
}
