//! Deployment readiness: every deploy path (a job that deploys, found by its
//! environment, deploy command or deploy action) with the checks a release engineer
//! asks about: tests gate, approval, backup before migrations, migrations applied and
//! validated, smoke tests, health check, rollback, notification, concurrency,
//! timeout, progressive strategy.
//!
//! pipewise cannot see repository settings (environment protection rules); an
//! environment's protection is `unknown` unless `--settings FILE` lists it.

use super::scan::{Hit, Scan};
use super::settings::RepoSettings;
use super::stack::{action_targets, command_target, Detected};
use crate::intent::{action_intent, command_intent, word_intent_phrase, Intent};
use crate::needs::{Dir, NeedsGraph};
use crate::schema::{DeployCheck, DeployPath};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::Node;

/// How a path was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Production,
    Staging,
    Preview,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Production => "production",
            Tier::Staging => "staging",
            Tier::Preview => "preview",
        }
    }
}

/// A deploy path with the indexes analyses need.
#[derive(Debug, Clone)]
pub struct Path {
    pub wf: usize,
    pub job: usize,
    pub tier: Tier,
    /// Only prints messages (or a rule found a placeholder).
    pub placeholder: Option<String>,
    /// The approval check's status.
    pub approval: Check,
    pub report: DeployPath,
}

/// A check result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Pass,
    Partial,
    Fail,
    Unknown,
    NotApplicable,
}

impl Check {
    fn as_str(self) -> &'static str {
        match self {
            Check::Pass => "pass",
            Check::Partial => "partial",
            Check::Fail => "fail",
            Check::Unknown => "unknown",
            Check::NotApplicable => "not-applicable",
        }
    }
}

fn classify_word(s: &str) -> Option<Tier> {
    let s = s.to_ascii_lowercase();
    let has = |w: &str| s.contains(w);
    if has("preview") || has("review") || has("pr-") || has("ephemeral") {
        Some(Tier::Preview)
    } else if has("stag")
        || has("dev")
        || has("qa")
        || has("uat")
        || has("sandbox")
        || has("test")
        || has("nonprod")
        || has("non-prod")
        || has("canary-env")
    {
        Some(Tier::Staging)
    } else if has("prod") || has("live") || has("prd") {
        Some(Tier::Production)
    } else {
        None
    }
}

/// Production, staging or preview: by environment name, job, workflow, then triggers.
pub fn tier(wf: &Workflow, job: &Job) -> Tier {
    if let Some(env) = job.environment() {
        if !env.contains("${{") {
            if let Some(t) = classify_word(env) {
                return t;
            }
        } else if let Some(t) = classify_word(env.split("${{").next().unwrap_or("")) {
            return t;
        }
    }
    for s in [Some(job.id), job.name, Some(wf.file_name()), wf.name]
        .into_iter()
        .flatten()
    {
        if let Some(t) = classify_word(s) {
            return t;
        }
    }
    if wf.has_trigger("pull_request") && !wf.has_trigger("push") {
        return Tier::Preview;
    }
    Tier::Production
}

/// What a job that looks like a deploy really does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Does {
    /// Runs a deploy command, deploy action, migration or reusable workflow.
    Deploys,
    /// Only publishes (packages, images, releases): not a deploy path by itself.
    Publishes,
    /// Only prints: a placeholder, with the reason.
    Placeholder(String),
}

/// A deploy command, not a word such as `release` in a build script's arguments.
fn strong_deploy(c: &crate::shell::Command) -> bool {
    let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
    let name = c.base_name();
    command_target(&words).is_some()
        || crate::intent::is_deploy_tool(name)
        || matches!(name, "ssh" | "kustomize")
        || c.words.iter().any(|w| {
            let t = w.text.to_ascii_lowercase();
            t.contains("deploy")
        })
}

fn what_it_does(job: &Job) -> Does {
    if job.uses.is_some() {
        return Does::Deploys;
    }
    let mut named = None;
    let mut publishes = false;
    for s in &job.steps {
        if let Some(a) = s.action() {
            if !a.contains("setup") {
                match action_intent(a) {
                    Intent::Deploy => return Does::Deploys,
                    Intent::Publish => publishes = true,
                    _ if !action_targets(a).is_empty() => return Does::Deploys,
                    _ => {}
                }
            }
        }
        if let Some(script) = s.run.as_ref().and_then(|r| r.script.as_ref()) {
            for c in &script.commands {
                match command_intent(c) {
                    Intent::Deploy if strong_deploy(c) => return Does::Deploys,
                    Intent::Migration => return Does::Deploys,
                    Intent::Publish => publishes = true,
                    _ => {}
                }
            }
            let only_talk = script
                .commands
                .iter()
                .all(|c| command_intent(c) == Intent::Harmless);
            if only_talk && s.name.map(word_intent_phrase) == Some(Intent::Deploy) {
                named.get_or_insert_with(|| s.label());
            }
        }
    }
    if publishes {
        return Does::Publishes;
    }
    Does::Placeholder(match named {
        Some(n) => format!("step `{n}` only prints messages; nothing is deployed"),
        None => format!("job `{}` runs no deploy command or action", job.id),
    })
}

/// The job's id or name has the word `deploy` (not `deployment`).
fn says_deploy(job: &Job) -> bool {
    [Some(job.id), job.name].into_iter().flatten().any(|s| {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case("deploy"))
    })
}

/// Jobs related to a deploy job: the job itself (its index), the jobs it needs and
/// the jobs that need it, transitively (one walk each way).
struct Around {
    job: usize,
    up: Vec<bool>,
    down: Vec<bool>,
}

impl Around {
    fn new(graph: &NeedsGraph, job: usize) -> Around {
        Around {
            job,
            up: graph.reached(job, Dir::Up),
            down: graph.reached(job, Dir::Down),
        }
    }
    /// `o` is this job or a job it needs, transitively.
    fn this_or_before(&self, o: usize) -> bool {
        o == self.job || self.up.get(o).copied().unwrap_or(false)
    }
}

fn related(scan: &Scan, wi: usize, around: &Around, h: &Hit) -> bool {
    if h.wf == wi {
        return match h.job {
            None => true,
            Some(j) => around.this_or_before(j) || around.down.get(j).copied().unwrap_or(false),
        };
    }
    // A separate post-deploy workflow (workflow_run / deployment_status).
    h.job.and_then(|j| scan.job(h.wf, j)).is_some_and(|f| {
        f.deploy_ctx && !f.deploys && !scan.jobs.iter().any(|o| o.wf == h.wf && o.deploys)
    })
}

fn summary(hits: &[&Hit]) -> (Check, String) {
    if let Some(h) = hits.iter().find(|h| h.weak.is_none()) {
        (Check::Pass, format!("{} ({}:{})", h.tool, h.file, h.line))
    } else if let Some(h) = hits.first() {
        (
            Check::Partial,
            format!(
                "{} ({}:{}): {}",
                h.tool,
                h.file,
                h.line,
                h.weak.as_deref().unwrap_or("")
            ),
        )
    } else {
        (Check::Fail, String::new())
    }
}

fn job_if(job: &Job) -> String {
    job.get("if")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Finds every deploy path and computes its checks.
pub fn paths(
    workflows: &[Workflow],
    scan: &Scan,
    detected: &Detected,
    settings: Option<&RepoSettings>,
) -> Vec<Path> {
    let mut out = vec![];
    let validated: Vec<&Hit> = scan
        .hits
        .iter()
        .filter(|h| {
            h.cap == "migration-check"
                || h.cap == "migration"
                    && h.job
                        .and_then(|j| scan.job(h.wf, j))
                        .is_some_and(|f| !f.deploy_ctx)
        })
        .collect();
    for f in scan.jobs.iter().filter(|f| f.deploys) {
        let Some(wf) = workflows.get(f.wf) else {
            continue;
        };
        let Some(job) = wf.jobs.get(f.job) else {
            continue;
        };
        let ph = match what_it_does(job) {
            Does::Deploys => None,
            // A release or package publish is a deploy path only when its
            // environment names a tier (`environment: production`).
            Does::Publishes => {
                if job
                    .environment()
                    .filter(|e| !e.contains("${{"))
                    .and_then(classify_word)
                    .is_none()
                {
                    continue;
                }
                None
            }
            // Named like a deploy (`post-deployment-monitoring`, a `Release` step) or
            // an approval job with an environment, but deploys nothing.
            Does::Placeholder(_) if !says_deploy(job) => continue,
            Does::Placeholder(why) => Some(why),
        };
        let tier = tier(wf, job);
        let around = Around::new(&NeedsGraph::new(wf), f.job);
        let rel: Vec<&Hit> = scan
            .hits
            .iter()
            .filter(|h| related(scan, f.wf, &around, h))
            .collect();
        let of =
            |cap: &str| -> Vec<&Hit> { rel.iter().copied().filter(|h| h.cap == cap).collect() };
        let mut checks = vec![];
        let mut add = |id: &str, c: Check, note: String| {
            checks.push(DeployCheck {
                id: id.into(),
                status: c.as_str().into(),
                note,
            })
        };
        add(
            "deploys",
            if ph.is_some() {
                Check::Partial
            } else {
                Check::Pass
            },
            ph.clone()
                .unwrap_or_else(|| "runs a deploy command or action".into()),
        );
        // Tests gate.
        let tests_before = rel.iter().any(|h| {
            matches!(
                h.cap,
                "ci.unit-tests" | "ci.integration-tests" | "ci.e2e-tests"
            ) && h.weak.is_none()
                && h.job.is_some_and(|j| around.this_or_before(j))
        });
        let after_ci = wf.triggers.iter().any(|t| t.event == "workflow_run")
            && job_if(job).contains("success")
            || wf
                .jobs
                .iter()
                .enumerate()
                .any(|(o, j)| around.up[o] && word_intent_phrase(j.id) == Intent::Test);
        add(
            "tests-gate",
            if tests_before || after_ci {
                Check::Pass
            } else {
                Check::Fail
            },
            if tests_before {
                "tests run in this job or a job it needs".into()
            } else if after_ci {
                "runs after a successful CI run".into()
            } else {
                "nothing shows tests pass before this deploy".into()
            },
        );
        // Approval.
        let guard = job
            .steps
            .iter()
            .find_map(|s| {
                s.action()
                    .filter(|a| a.contains("approval"))
                    .map(str::to_string)
            })
            .or_else(|| {
                let c = job_if(job);
                (c.contains("github.actor") || c.contains("confirm")).then(|| format!("`if: {c}`"))
            });
        let (approval, note) = if tier != Tier::Production {
            (Check::NotApplicable, "not a production deploy".to_string())
        } else if let Some(g) = guard {
            (Check::Pass, format!("explicit guard: {g}"))
        } else {
            // This job's environment and those of the jobs it waits for.
            let envs: Vec<&str> = std::iter::once(job)
                .chain(
                    wf.jobs
                        .iter()
                        .enumerate()
                        .filter(|(o, _)| around.up[*o])
                        .map(|(_, j)| j),
                )
                .filter_map(|j| j.environment())
                .collect();
            let protected = envs.iter().find_map(|e| {
                settings
                    .and_then(|s| s.environment(e))
                    .filter(|x| x.is_protected())
                    .map(|x| (e, x))
            });
            if let Some((env, e)) = protected {
                (
                    Check::Pass,
                    format!(
                        "settings: environment `{env}` requires approval ({} reviewer(s), wait {} min)",
                        e.required_reviewers, e.wait_timer
                    ),
                )
            } else if let Some(env) = job.environment().or_else(|| {
                envs.iter()
                    .copied()
                    .find(|e| e.to_ascii_lowercase().contains("approv"))
            }) {
                match settings.and_then(|s| s.environment(env)) {
                    Some(_) => (Check::Fail, format!("settings: environment `{env}` has no required reviewers or wait timer")),
                    None if settings.is_some() => (Check::Fail, format!("settings list no environment `{env}`, so it has no protection rules")),
                    None => (Check::Unknown, format!("environment `{env}` is used, but pipewise cannot see its protection rules (export them with --settings)")),
                }
            } else {
                (
                    Check::Fail,
                    "no protected environment or explicit approval guard".to_string(),
                )
            }
        };
        add("approval", approval, note);
        // Migrations and backups.
        let migs = of("migration");
        let has_db = detected.has_database() && !detected.stack.migrations.is_empty();
        if !has_db && migs.is_empty() {
            for id in [
                "migrations",
                "backup-before-migrations",
                "migration-validation",
            ] {
                add(
                    id,
                    Check::NotApplicable,
                    "no migration system detected".into(),
                );
            }
        } else {
            let (c, mut n) = summary(&migs);
            let fly = detected.fly_release_migrates.as_ref();
            let (c, n) = match (c, fly) {
                (Check::Fail, Some(p)) => (Check::Pass, format!("`release_command` in {p}")),
                (Check::Fail, None) => {
                    n = "no migration step on this path".into();
                    (c, n)
                }
                x => (x.0, n),
            };
            let applied = c != Check::Fail;
            add("migrations", c, n);
            let backups = of("deploy.db-backup");
            let before = migs
                .first()
                .map(|m| backups.iter().any(|b| b.job != m.job || b.step < m.step));
            let (bc, bn) = summary(&backups);
            let bc = match (bc, before) {
                (Check::Pass, Some(false)) => Check::Partial,
                (c, _) => c,
            };
            add(
                "backup-before-migrations",
                if !applied && bc == Check::Fail {
                    Check::Fail
                } else {
                    bc
                },
                if bn.is_empty() {
                    "no backup before migrations".into()
                } else {
                    bn
                },
            );
            let (vc, vn) = summary(&validated);
            add(
                "migration-validation",
                vc,
                if vn.is_empty() {
                    "migrations are not validated in CI".into()
                } else {
                    vn
                },
            );
        }
        for (id, cap, missing) in [
            (
                "smoke-tests",
                "deploy.smoke-tests",
                "no smoke tests after the deploy",
            ),
            (
                "health-check",
                "deploy.health-check",
                "no health check after the deploy",
            ),
            ("rollback", "deploy.rollback", "no rollback on failure"),
            ("notification", "ops.notifications", "no notification"),
            ("progressive", "deploy.progressive", "all-at-once deploy"),
        ] {
            let mut hs = of(cap);
            if cap == "deploy.rollback" {
                hs.extend(
                    scan.hits
                        .iter()
                        .filter(|h| h.cap == cap && h.job.is_none() && h.wf != f.wf),
                );
            }
            let (c, n) = summary(&hs);
            let (c, n) = if c == Check::Fail && cap == "deploy.progressive" {
                match &detected.progressive_config {
                    Some(p) => (Check::Pass, format!("strategy in {p}")),
                    None => (c, missing.to_string()),
                }
            } else if c == Check::Fail {
                (c, missing.to_string())
            } else {
                (c, n)
            };
            add(id, c, n);
        }
        let conc = job
            .get("concurrency")
            .or_else(|| wf.root.get("concurrency"));
        add(
            "concurrency",
            if conc.is_some() {
                Check::Pass
            } else {
                Check::Fail
            },
            if conc.is_some() {
                "concurrency group set".into()
            } else {
                "two runs can deploy at once".into()
            },
        );
        let timeout = job.get("timeout-minutes");
        add(
            "timeout",
            if timeout.is_some() {
                Check::Pass
            } else {
                Check::Fail
            },
            match timeout.and_then(Node::as_str) {
                Some(t) => format!("timeout-minutes: {t}"),
                None => "no timeout-minutes (a hung deploy holds the runner for 6 hours)".into(),
            },
        );
        let target = job
            .steps
            .iter()
            .find_map(|s| {
                s.action()
                    .and_then(|a| action_targets(a).first().copied())
                    .or_else(|| {
                        s.run
                            .as_ref()
                            .and_then(|r| r.script.as_ref())
                            .and_then(|sc| {
                                sc.commands.iter().find_map(|c| {
                                    let w: Vec<&str> =
                                        c.words.iter().map(|w| w.text.as_str()).collect();
                                    command_target(&w)
                                })
                            })
                    })
            })
            .or_else(|| {
                (detected.stack.deploy_targets.len() == 1)
                    .then(|| detected.stack.deploy_targets[0].as_str())
            })
            .map(String::from);
        out.push(Path {
            wf: f.wf,
            job: f.job,
            tier,
            placeholder: ph,
            approval,
            report: DeployPath {
                file: wf.path.to_string(),
                line: f.line,
                job: job.id.to_string(),
                environment: job.environment().map(String::from),
                tier: tier.as_str().into(),
                target,
                checks,
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_tiers() {
        assert_eq!(classify_word("Production"), Some(Tier::Production));
        assert_eq!(classify_word("staging"), Some(Tier::Staging));
        assert_eq!(classify_word("pr-preview"), Some(Tier::Preview));
        assert_eq!(classify_word("deploy"), None);
    }
}
