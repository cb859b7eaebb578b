//! Capability assessment: for every id of `shared/spec/capabilities.md`, in its
//! order, `present`, `partial` (with the reason), `missing` or `not-applicable`
//! (with the part of the stack that is absent), with file:line evidence, a
//! recommendation and, where a file fixes it, a template for the detected stack.

use super::deploy::{Check, Path, Tier};
use super::scan::{Hit, HitKind, Scan};
use super::stack::Detected;
use super::templates;
use crate::repo::Repo;
use crate::report::{Capability, CapabilityStatus, Evidence};
use crate::source::FileKind;
use crate::workflow::Workflow;

/// Every capability id, in the spec's order.
pub const IDS: &[&str] = &[
    "ci.build",
    "ci.lint",
    "ci.typecheck",
    "ci.unit-tests",
    "ci.integration-tests",
    "ci.e2e-tests",
    "ci.coverage",
    "ci.caching",
    "ci.concurrency",
    "ci.timeouts",
    "security.sast",
    "security.dependency-audit",
    "security.secret-scanning",
    "security.container-scan",
    "security.sbom",
    "security.signing",
    "security.dependency-updates",
    "security.least-privilege",
    "delivery.container-build",
    "delivery.multi-arch",
    "delivery.release-automation",
    "delivery.changelog",
    "deploy.staging",
    "deploy.production",
    "deploy.approval-gate",
    "deploy.smoke-tests",
    "deploy.health-check",
    "deploy.rollback",
    "deploy.db-backup",
    "deploy.db-migrations",
    "deploy.migration-validation",
    "deploy.preview-environments",
    "deploy.progressive",
    "ops.notifications",
    "ops.monitoring",
    "ops.load-testing",
    "ops.performance-regression",
    "ops.backup-verification",
    "ops.iac",
];

/// What the assessment reads.
pub struct Input<'a> {
    pub repo: &'a Repo,
    pub workflows: &'a [Workflow<'a>],
    pub detected: &'a Detected,
    pub scan: &'a Scan,
    pub paths: &'a [Path],
    /// Repository settings exported with `--settings`.
    pub settings: Option<&'a super::settings::RepoSettings>,
}

/// A verdict before recommendation and template are attached.
struct Verdict {
    status: CapabilityStatus,
    evidence: Vec<Evidence>,
    reason: Option<String>,
}

impl Verdict {
    /// A missing verdict becomes partial when a file shows the capability is
    /// configured or done by hand (`what` follows the file's path in the reason).
    fn or_file(self, file: Option<&String>, note: &str, what: &str) -> Verdict {
        match (self.status, file) {
            (CapabilityStatus::Missing, Some(p)) => Verdict {
                status: CapabilityStatus::Partial,
                evidence: vec![Evidence {
                    file: p.clone(),
                    line: 1,
                    note: note.into(),
                }],
                reason: Some(format!("{p} {what}")),
            },
            _ => self,
        }
    }
}

fn ev(h: &Hit) -> Evidence {
    let note = match &h.weak {
        Some(w) => format!("{} ({w})", h.tool),
        None => h.tool.clone(),
    };
    Evidence {
        file: h.file.clone(),
        line: h.line,
        note,
    }
}

/// A hit that only prints messages (a placeholder step or workflow).
fn is_placeholder(h: &Hit) -> bool {
    h.weak
        .as_deref()
        .is_some_and(|w| w.starts_with("a placeholder"))
}

fn na(reason: impl Into<String>) -> Verdict {
    Verdict {
        status: CapabilityStatus::NotApplicable,
        evidence: vec![],
        reason: Some(reason.into()),
    }
}

fn missing() -> Verdict {
    Verdict {
        status: CapabilityStatus::Missing,
        evidence: vec![],
        reason: None,
    }
}

/// From hits: present when every active one is sound, partial when one is
/// weakened, missing when there are none.
fn from_hits(hits: &[&Hit], gate: bool, scan: &Scan) -> Verdict {
    let schedule_only = |h: &Hit| {
        gate && h
            .job
            .and_then(|j| scan.job(h.wf, j))
            .is_some_and(|f| f.schedule_only)
    };
    let mut sound: Vec<&Hit> = hits
        .iter()
        .copied()
        .filter(|h| h.weak.is_none() && !schedule_only(h))
        .collect();
    sound.dedup_by(|a, b| a.file == b.file && a.line == b.line);
    // Weakest link per tool: a masked Playwright suite next to a sound Jest suite
    // still lets failing end-to-end tests through. Commented-out lines only count
    // when nothing else does.
    let weakened: Vec<&Hit> = hits
        .iter()
        .copied()
        .filter(|h| {
            h.weak.is_some()
                && h.job.is_some()
                && !h.soft()
                // A scheduled job's weakness does not weaken the gate on changes.
                && (sound.is_empty() || !schedule_only(h))
                && match h.kind {
                    HitKind::Direct => true,
                    HitKind::Indirect => false,
                    // A step named like a rollback that only prints, next to a real one.
                    HitKind::Named => !sound.iter().any(|s| s.wf == h.wf),
                }
                && !sound.iter().any(|s| s.file == h.file && s.line == h.line)
                // The same tool sound elsewhere (an audit under continue-on-error in
                // CI, and the same audit gating the release) is enough.
                && !sound.iter().any(|s| s.tool == h.tool)
        })
        .collect();
    // A placeholder (a step that only prints) earns nothing, not even partial.
    let weakened: Vec<&Hit> = weakened
        .into_iter()
        .filter(|h| !is_placeholder(h))
        .collect();
    // Names are weak evidence: a step called "Rollback" with no command pipewise
    // recognises is partial at best.
    if !sound.is_empty() && sound.iter().all(|h| h.kind == HitKind::Named) {
        return Verdict {
            status: CapabilityStatus::Partial,
            evidence: sound.iter().take(3).map(|h| ev(h)).collect(),
            reason: Some(format!(
                "only a name says so ({}): no command or action pipewise recognises does it",
                sound[0].tool
            )),
        };
    }
    if let (false, Some(w)) = (sound.is_empty(), weakened.first()) {
        let mut evidence: Vec<Evidence> = weakened.iter().take(2).map(|h| ev(h)).collect();
        evidence.extend(sound.iter().take(2).map(|h| ev(h)));
        return Verdict {
            status: CapabilityStatus::Partial,
            evidence,
            reason: w.weak.clone(),
        };
    }
    if !sound.is_empty() {
        return Verdict {
            status: CapabilityStatus::Present,
            evidence: sound.iter().take(3).map(|h| ev(h)).collect(),
            reason: None,
        };
    }
    let Some(first) = hits.first() else {
        return missing();
    };
    let reason = match &first.weak {
        Some(w) => w.clone(),
        None => "only runs on a schedule or by hand, not on pushes or pull requests".into(),
    };
    if hits.iter().all(|h| is_placeholder(h)) {
        return Verdict {
            status: CapabilityStatus::Missing,
            evidence: hits.iter().take(3).map(|h| ev(h)).collect(),
            reason: Some(reason),
        };
    }
    Verdict {
        status: CapabilityStatus::Partial,
        evidence: hits.iter().take(3).map(|h| ev(h)).collect(),
        reason: Some(reason),
    }
}

/// Capabilities about deploying and running a service: not applicable to a
/// publish-only project (migration validation still applies to its migrations).
fn deploy_or_ops(id: &str) -> bool {
    (id.starts_with("deploy.") && id != "deploy.migration-validation")
        || matches!(
            id,
            "ops.monitoring" | "ops.load-testing" | "ops.backup-verification" | "ops.iac"
        )
}

/// The publish-only profile: the CI releases what it builds (packages, binaries,
/// GitHub releases) and has no deploy path at all, not even a placeholder, nor a job
/// or step named like a deploy (a weak sign, but enough not to claim the profile).
/// Returns the reason, naming the release.
fn publish_only(i: &Input) -> Option<String> {
    if !i.paths.is_empty() {
        return None;
    }
    // "deploy" itself: `release` names the publishing this profile is about.
    let says_deploy = |n: &str| n.to_ascii_lowercase().contains("deploy");
    if i.workflows.iter().flat_map(|w| &w.jobs).any(|j| {
        says_deploy(j.id)
            || j.name.is_some_and(says_deploy)
            || j.steps.iter().any(|s| s.name.is_some_and(says_deploy))
    }) {
        return None;
    }
    // A package or release publish (not a container image: images are deployed
    // somewhere, by hand or by GitOps, more often than not).
    let image_step = |st: &crate::workflow::Step| {
        st.action().is_some_and(|a| {
            [
                "docker",
                "build-push",
                "buildx",
                "image",
                "container",
                "kaniko",
            ]
            .iter()
            .any(|k| a.contains(k))
        }) || st
            .run
            .as_ref()
            .and_then(|r| r.script.as_ref())
            .is_some_and(|sc| {
                sc.commands.iter().any(|c| {
                    matches!(
                        c.base_name(),
                        "docker"
                            | "podman"
                            | "buildah"
                            | "crane"
                            | "skopeo"
                            | "ko"
                            | "depot"
                            | "kaniko"
                    )
                })
            })
    };
    // A release tool (changesets, release-please, semantic-release, goreleaser).
    if let Some(h) = i
        .scan
        .of("delivery.release-automation")
        .find(|h| h.weak.is_none() && h.job.is_some())
    {
        return Some(format!(
            "publish-only: the CI releases artifacts ({} at {}:{}) and deploys nothing, so deploying and operating a service is not this pipeline's job",
            h.tool, h.file, h.line
        ));
    }
    let (w, j, st) = i.workflows.iter().find_map(|w| {
        w.jobs.iter().find_map(|j| {
            j.steps
                .iter()
                .find(|st| {
                    crate::intent::step_ships(st) == Some(crate::intent::Intent::Publish)
                        && !image_step(st)
                })
                .map(|st| (w, j, st))
        })
    })?;
    Some(format!(
        "publish-only: the CI publishes packages or releases (step `{}` of job `{}` in {}) and deploys nothing, so deploying and operating a service is not this pipeline's job",
        st.label(),
        j.id,
        w.path
    ))
}

/// Assesses every capability.
pub fn assess(i: &Input) -> Vec<Capability> {
    let publishes = publish_only(i);
    IDS.iter()
        .map(|id| {
            let mut v = verdict(id, i);
            // Never claimed for something the repository has: only a gap becomes
            // not applicable.
            if let Some(why) = &publishes {
                if v.status == CapabilityStatus::Missing && deploy_or_ops(id) {
                    v = na(why.clone());
                }
            }
            let (recommendation, template) = if matches!(
                v.status,
                CapabilityStatus::Missing | CapabilityStatus::Partial
            ) {
                let t = templates::template(id, i.detected);
                (
                    Some(templates::recommendation(
                        id,
                        i.detected,
                        v.reason.as_deref(),
                    )),
                    t,
                )
            } else {
                (None, None)
            };
            Capability {
                id: id.to_string(),
                status: v.status,
                evidence: v.evidence,
                reason: v.reason,
                recommendation,
                template,
            }
        })
        .collect()
}

fn verdict(id: &'static str, i: &Input) -> Verdict {
    let d = i.detected;
    let scan = i.scan;
    let hits = |cap: &'static str| -> Vec<&Hit> { scan.of(cap).collect() };
    let deploy_hits = |cap: &'static str| -> Vec<&Hit> {
        scan.of(cap)
            .filter(|h| match h.job {
                Some(j) => scan.job(h.wf, j).is_some_and(|f| f.deploy_ctx),
                None => {
                    scan.jobs.iter().any(|f| f.wf == h.wf && f.deploy_ctx)
                        || h.cap == "deploy.rollback"
                }
            })
            .collect()
    };
    let deployable = d.is_deployable() || !i.paths.is_empty();
    let no_service =
        "no deployable service: no deploy target, container, database or server framework detected";
    let containers = d.stack.containers || !hits("delivery.container-build").is_empty();
    let no_containers = "no container images: no Dockerfile, compose file or image build";
    let migrations_apply = !d.stack.migrations.is_empty();
    let no_migrations_owned = if d.stack.databases.is_empty() {
        "no database detected".to_string()
    } else {
        format!(
            "no migration system detected (databases seen: {})",
            d.stack.databases.join(", ")
        )
    };
    let no_migrations = no_migrations_owned.as_str();
    match id {
        "ci.typecheck" => {
            let applies = ["typescript", "python", "php"]
                .iter()
                .any(|l| d.has_language(l));
            if !applies && hits(id).is_empty() {
                let langs = if d.stack.languages.is_empty() {
                    "no language detected".to_string()
                } else {
                    d.stack.languages.join(", ")
                };
                return na(format!(
                    "{langs}: the compiler is the type checker (no separate type check applies)"
                ));
            }
            from_hits(&hits(id), true, scan)
        }
        "ci.e2e-tests" if !deployable && hits(id).is_empty() => na(no_service),
        "ci.e2e-tests" if !d.has_ui(i.repo) && hits(id).is_empty() => na(
            "no browser UI: no UI framework, pages or templates detected (a service's API is covered by integration tests)",
        ),
        "ci.concurrency" => concurrency(i),
        "ci.timeouts" => timeouts(i),
        "security.container-scan" | "delivery.multi-arch" if !containers && hits(id).is_empty() => {
            na(no_containers)
        }
        "delivery.container-build" if !containers => na(no_containers),
        "delivery.container-build" => {
            let v = from_hits(&hits(id), false, scan);
            if v.status == CapabilityStatus::Missing {
                let files: Vec<Evidence> = i
                    .repo
                    .files_of(FileKind::Dockerfile)
                    .take(2)
                    .map(|f| Evidence {
                        file: f.path.clone(),
                        line: 1,
                        note: "Dockerfile that no workflow builds".into(),
                    })
                    .collect();
                if !files.is_empty() {
                    return Verdict {
                        status: CapabilityStatus::Missing,
                        evidence: files,
                        reason: None,
                    };
                }
            }
            v
        }
        "security.dependency-updates" => dependency_updates(i),
        "security.secret-scanning" => {
            let v = from_hits(&hits(id), true, scan);
            if v.status != CapabilityStatus::Missing {
                return v;
            }
            // GitHub secret scanning and push protection are settings.
            match i.settings.and_then(|s| s.secret_scanning) {
                Some(true) => Verdict {
                    status: CapabilityStatus::Present,
                    evidence: vec![],
                    reason: Some("GitHub secret scanning is enabled (--settings)".into()),
                },
                Some(false) => v,
                None => Verdict {
                    status: CapabilityStatus::Unknown,
                    evidence: vec![],
                    reason: Some("no secret scanner runs in CI; GitHub secret scanning and push protection are repository settings pipewise cannot see (export them with --settings)".into()),
                },
            }
        }
        "security.least-privilege" => least_privilege(i),
        "delivery.release-automation" => from_hits(&hits(id), false, scan).or_file(
            d.release_config.as_ref(),
            "release tool configuration",
            "configures a release tool, but no workflow runs it",
        ),
        "delivery.changelog" => from_hits(&hits(id), false, scan).or_file(
            d.changelog_file.as_ref(),
            "hand-written changelog",
            "exists, but nothing generates or enforces it",
        ),
        "deploy.staging" | "deploy.production" | "deploy.preview-environments" => {
            let tier = match id {
                "deploy.staging" => Tier::Staging,
                "deploy.production" => Tier::Production,
                _ => Tier::Preview,
            };
            let ps: Vec<&Path> = i.paths.iter().filter(|p| p.tier == tier).collect();
            if ps.is_empty() {
                return if deployable {
                    missing()
                } else {
                    na(no_service)
                };
            }
            let ev: Vec<Evidence> = ps
                .iter()
                .take(3)
                .map(|p| Evidence {
                    file: p.report.file.clone(),
                    line: p.report.line,
                    note: format!(
                        "job `{}`{}",
                        p.report.job,
                        p.report
                            .environment
                            .as_ref()
                            .map(|e| format!(" (environment `{e}`)"))
                            .unwrap_or_default()
                    ),
                })
                .collect();
            if ps.iter().any(|p| p.placeholder.is_none()) {
                Verdict {
                    status: CapabilityStatus::Present,
                    evidence: ev,
                    reason: None,
                }
            } else {
                // Placeholders get no credit.
                Verdict {
                    status: CapabilityStatus::Missing,
                    evidence: ev,
                    reason: ps
                        .first()
                        .and_then(|p| p.placeholder.clone())
                        .map(|r| format!("a placeholder: {r}")),
                }
            }
        }
        "deploy.approval-gate" => {
            let prod: Vec<&Path> = i
                .paths
                .iter()
                .filter(|p| p.tier == Tier::Production && p.placeholder.is_none())
                .collect();
            if prod.is_empty() {
                return if deployable {
                    Verdict {
                        reason: Some("no production deploy from CI".into()),
                        ..missing()
                    }
                } else {
                    na(no_service)
                };
            }
            let evid = |p: &Path| Evidence {
                file: p.report.file.clone(),
                line: p.report.line,
                note: p
                    .report
                    .checks
                    .iter()
                    .find(|c| c.id == "approval")
                    .map(|c| c.note.clone())
                    .unwrap_or_default(),
            };
            let ev: Vec<Evidence> = prod.iter().take(3).map(|p| evid(p)).collect();
            if prod.iter().all(|p| p.approval == Check::Pass) {
                Verdict {
                    status: CapabilityStatus::Present,
                    evidence: ev,
                    reason: None,
                }
            } else if prod.iter().all(|p| p.approval == Check::Fail) {
                Verdict {
                    status: CapabilityStatus::Missing,
                    evidence: ev,
                    reason: None,
                }
            } else if prod.iter().all(|p| p.approval != Check::Fail) {
                // Decided by environment protection rules, a setting: unknown, no
                // deduction, unless --settings says otherwise.
                let why = prod
                    .iter()
                    .find(|p| p.approval == Check::Unknown)
                    .map(|p| format!("production deploy in job `{}` uses an environment with no visible approval guard: pipewise cannot see repository settings; export environment protection rules with --settings", p.report.job))
                    .unwrap_or_default();
                Verdict {
                    status: CapabilityStatus::Unknown,
                    evidence: ev,
                    reason: Some(why),
                }
            } else {
                Verdict {
                    status: CapabilityStatus::Partial,
                    evidence: ev,
                    reason: Some(
                        "some production deploys have no protected environment or approval guard"
                            .into(),
                    ),
                }
            }
        }
        "deploy.smoke-tests" | "deploy.health-check" | "deploy.rollback" | "deploy.progressive" => {
            if !deployable && i.paths.is_empty() {
                return na(no_service);
            }
            let v = from_hits(&deploy_hits(id), false, scan);
            if id == "deploy.progressive" && v.status == CapabilityStatus::Missing {
                if let Some(p) = &d.progressive_config {
                    return Verdict {
                        status: CapabilityStatus::Present,
                        evidence: vec![Evidence {
                            file: p.clone(),
                            line: 1,
                            note: "deploy strategy".into(),
                        }],
                        reason: None,
                    };
                }
            }
            v
        }
        "deploy.db-backup" => {
            if !migrations_apply && hits(id).is_empty() {
                return na(no_migrations);
            }
            let v = from_hits(&deploy_hits(id), false, scan);
            if let (CapabilityStatus::Partial, Some(r)) = (&v.status, &v.reason) {
                let r = format!("backup failure ignored: {r}");
                return Verdict {
                    reason: Some(r),
                    ..v
                };
            }
            v
        }
        "deploy.db-migrations" => {
            if !migrations_apply && hits("migration").is_empty() {
                return na(no_migrations);
            }
            let v = from_hits(&deploy_hits("migration"), false, scan);
            if v.status == CapabilityStatus::Missing {
                if let Some(p) = &d.fly_release_migrates {
                    return Verdict {
                        status: CapabilityStatus::Present,
                        evidence: vec![Evidence {
                            file: p.clone(),
                            line: 1,
                            note: "fly.io release_command runs migrations".into(),
                        }],
                        reason: None,
                    };
                }
            }
            v
        }
        "deploy.migration-validation" => {
            if !migrations_apply
                && hits("migration").is_empty()
                && hits("migration-check").is_empty()
            {
                return na(no_migrations);
            }
            let mut hs: Vec<&Hit> = hits("migration-check");
            hs.extend(scan.of("migration").filter(|h| {
                h.job
                    .and_then(|j| scan.job(h.wf, j))
                    .is_some_and(|f| !f.deploy_ctx && f.on_change)
            }));
            from_hits(&hs, true, scan)
        }
        "ops.notifications" => from_hits(&hits(id), false, scan),
        "ci.coverage" => {
            // Coverage is collected by the test run; a weak upload (Codecov with
            // `fail_ci_if_error: false`) is a finding, not missing coverage.
            let hs = hits(id);
            let collected = hs
                .iter()
                .any(|h| h.weak.is_none() && h.tool != "Codecov" && h.tool != "Coveralls");
            let kept: Vec<&Hit> = hs
                .into_iter()
                .filter(|h| {
                    !(collected
                        && h.weak.is_some()
                        && (h.tool == "Codecov" || h.tool == "Coveralls"))
                })
                .collect();
            from_hits(&kept, true, scan)
        }
        "ops.monitoring" => {
            if !deployable {
                return na(no_service);
            }
            // A step named like monitoring counts only around a deploy ("Size
            // monitoring" of a build is not production monitoring).
            let hs: Vec<&Hit> = hits(id)
                .into_iter()
                .filter(|h| {
                    h.kind != HitKind::Named
                        || h.job
                            .and_then(|j| scan.job(h.wf, j))
                            .is_some_and(|f| f.deploy_ctx)
                })
                .collect();
            let v = from_hits(&hs, false, scan);
            if v.status == CapabilityStatus::Missing && !d.monitoring_files.is_empty() {
                return Verdict {
                    status: CapabilityStatus::Present,
                    evidence: d
                        .monitoring_files
                        .iter()
                        .take(3)
                        .map(|f| Evidence {
                            file: f.clone(),
                            line: 1,
                            note: "monitoring as code".into(),
                        })
                        .collect(),
                    reason: None,
                };
            }
            v
        }
        "ops.load-testing" if !deployable && hits(id).is_empty() => na(no_service),
        "ops.performance-regression" => {
            let hs = hits(id);
            let compare = [
                "benchmark comparison",
                "github-action-benchmark",
                "CodSpeed",
                "Bencher",
                "critcmp",
                "benchstat",
                "pytest-benchmark",
                "lighthouse ci",
                "bencher",
                "asv",
                "hyperfine",
            ];
            let good: Vec<&Hit> = hs
                .iter()
                .copied()
                .filter(|h| compare.contains(&h.tool.as_str()))
                .collect();
            if good.is_empty() && !hs.is_empty() {
                return Verdict {
                    status: CapabilityStatus::Partial,
                    evidence: hs.iter().take(2).map(|h| ev(h)).collect(),
                    reason: Some(
                        "benchmarks run, but nothing compares them against a baseline on pull requests"
                            .into(),
                    ),
                };
            }
            from_hits(&good, false, scan)
        }
        "ops.backup-verification" => {
            if d.stack.databases.iter().all(|x| x == "redis") && d.stack.migrations.is_empty() {
                return na("no database detected");
            }
            let hs: Vec<&Hit> = hits(id)
                .into_iter()
                .filter(|h| {
                    h.job
                        .and_then(|j| scan.job(h.wf, j))
                        .is_some_and(|f| f.schedule_only)
                        || h.job.is_none()
                })
                .collect();
            let v = from_hits(&hs, false, scan);
            // A step named "Restore solution" (`dotnet restore`) is no restore check:
            // names do not count here.
            if v.status == CapabilityStatus::Missing
                && hits(id).iter().any(|h| h.kind != HitKind::Named)
            {
                return Verdict {
                    status: CapabilityStatus::Partial,
                    evidence: hits(id).iter().take(2).map(|h| ev(h)).collect(),
                    reason: Some("restores run, but not on a schedule".into()),
                };
            }
            v
        }
        "ops.iac" => {
            if d.iac_files.is_empty() {
                return if deployable {
                    missing()
                } else {
                    na(no_service)
                };
            }
            Verdict {
                status: CapabilityStatus::Present,
                evidence: d
                    .iac_files
                    .iter()
                    .take(3)
                    .map(|f| Evidence {
                        file: f.clone(),
                        line: 1,
                        note: d.stack.iac.join(", "),
                    })
                    .collect(),
                reason: None,
            }
        }
        _ => {
            let gate = id.starts_with("ci.") || id.starts_with("security.");
            from_hits(&hits(id), gate, scan)
        }
    }
}

fn concurrency(i: &Input) -> Verdict {
    let needing: Vec<&Workflow> = i
        .workflows
        .iter()
        .enumerate()
        .filter(|(wi, w)| {
            i.scan.jobs.iter().any(|f| f.wf == *wi && f.deploys)
                || w.has_trigger("push")
                || w.has_trigger("pull_request")
        })
        .map(|(_, w)| w)
        .collect();
    if needing.is_empty() {
        return missing();
    }
    let with: Vec<&&Workflow> = needing
        .iter()
        .filter(|w| {
            w.root.get("concurrency").is_some()
                || w.jobs.iter().any(|j| j.get("concurrency").is_some())
        })
        .collect();
    let ev = |w: &Workflow| {
        let line = w
            .root
            .entry("concurrency")
            .or_else(|| w.jobs.iter().find_map(|j| j.entry("concurrency")))
            .map(|e| w.doc.position(e.key.span.start).line)
            .unwrap_or(1);
        Evidence {
            file: w.path.to_string(),
            line,
            note: "concurrency group".into(),
        }
    };
    let without: Vec<&str> = needing
        .iter()
        .filter(|w| !with.iter().any(|x| x.path == w.path))
        .map(|w| w.file_name())
        .collect();
    if with.is_empty() {
        missing()
    } else if without.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: with.iter().take(3).map(|w| ev(w)).collect(),
            reason: None,
        }
    } else {
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: with.iter().take(3).map(|w| ev(w)).collect(),
            reason: Some(format!("no concurrency group in {}", without.join(", "))),
        }
    }
}

fn timeouts(i: &Input) -> Verdict {
    let mut total = 0;
    let mut with = vec![];
    let mut without = vec![];
    for w in i.workflows {
        for j in &w.jobs {
            if j.uses.is_some() {
                continue;
            }
            total += 1;
            match j.entry("timeout-minutes") {
                Some(e) => with.push(Evidence {
                    file: w.path.to_string(),
                    line: w.doc.position(e.key.span.start).line,
                    note: format!("job `{}`", j.id),
                }),
                None => without.push(format!("{}:{}", w.file_name(), j.id)),
            }
        }
    }
    if total == 0 || with.is_empty() {
        missing()
    } else if without.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: with.into_iter().take(3).collect(),
            reason: None,
        }
    } else {
        let more = if without.len() > 4 {
            format!(" and {} more", without.len() - 4)
        } else {
            String::new()
        };
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: with.into_iter().take(3).collect(),
            reason: Some(format!(
                "{} of {total} jobs have no timeout-minutes: {}{more}",
                without.len(),
                without
                    .iter()
                    .take(4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

fn least_privilege(i: &Input) -> Verdict {
    let mut ok = vec![];
    let mut bad = vec![];
    for w in i.workflows {
        let top = w.root.entry("permissions");
        let all_jobs = !w.jobs.is_empty() && w.jobs.iter().all(|j| j.get("permissions").is_some());
        let write_all = |n: Option<&pipewise_yaml::Node>| {
            n.and_then(|n| n.as_str())
                .is_some_and(|s| s.trim() == "write-all")
        };
        if write_all(top.map(|e| &e.value))
            || w.jobs.iter().any(|j| write_all(j.get("permissions")))
        {
            bad.push(format!("{} (write-all)", w.file_name()));
        } else if let Some(e) = top {
            ok.push(Evidence {
                file: w.path.to_string(),
                line: w.doc.position(e.key.span.start).line,
                note: "workflow permissions".into(),
            });
        } else if all_jobs {
            ok.push(Evidence {
                file: w.path.to_string(),
                line: 1,
                note: "every job sets permissions".into(),
            });
        } else {
            bad.push(w.file_name().to_string());
        }
    }
    if i.workflows.is_empty() || ok.is_empty() {
        missing()
    } else if bad.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: ok.into_iter().take(3).collect(),
            reason: None,
        }
    } else {
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: ok.into_iter().take(3).collect(),
            reason: Some(format!(
                "no explicit minimal permissions in {}",
                bad.join(", ")
            )),
        }
    }
}

fn dependency_updates(i: &Input) -> Verdict {
    if let Some(r) = i.repo.files_of(FileKind::Renovate).find(|f| !f.malformed) {
        return Verdict {
            status: CapabilityStatus::Present,
            evidence: vec![Evidence {
                file: r.path.clone(),
                line: 1,
                note: "Renovate".into(),
            }],
            reason: None,
        };
    }
    let Some(f) = i.repo.files_of(FileKind::Dependabot).next() else {
        return missing();
    };
    let text = f.text();
    let mut uncovered: Vec<&str> = i
        .detected
        .ecosystems
        .keys()
        .copied()
        .filter(|e| {
            // Dependabot ecosystems that update the same manifests: `uv` (and
            // `pip`) for Python, `bun` (and `npm`) for JavaScript.
            let names: &[&str] = match *e {
                "pip" => &["pip", "uv"],
                "npm" => &["npm", "bun"],
                _ => std::slice::from_ref(e),
            };
            !names.iter().any(|e| {
                text.contains(&format!("\"{e}\""))
                    || text.contains(&format!("'{e}'"))
                    || text.lines().any(|l| {
                        let l = l.trim().trim_start_matches('-').trim();
                        l.strip_prefix("package-ecosystem:")
                            .map(|v| v.trim().trim_matches(['"', '\'']))
                            == Some(*e)
                    })
            })
        })
        .collect();
    uncovered.dedup();
    let evidence = vec![Evidence {
        file: f.path.clone(),
        line: 1,
        note: "Dependabot".into(),
    }];
    if uncovered.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence,
            reason: None,
        }
    } else {
        Verdict {
            status: CapabilityStatus::Partial,
            evidence,
            reason: Some(format!(
                "dependabot.yml does not cover {}",
                uncovered.join(", ")
            )),
        }
    }
}
