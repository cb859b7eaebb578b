//! Capability assessment: for every id of `shared/spec/capabilities.md`, in its
//! order, `present`, `partial` (with the reason), `missing` or `not-applicable`
//! (with the part of the stack that is absent), with file:line evidence, a
//! recommendation and, where a file fixes it, a template for the detected stack.
//!
//! One capability is one unit: its file holds its [`CapabilityMeta`] (id, name,
//! practice, what counts as evidence, scoring category, core or optional, effort,
//! when it applies) and its verdict function. [`ALL`] lists them in the report's
//! order; adding a capability is its file and one line there. This module holds
//! what verdicts share: the [`Cx`] facts computed once per repository and
//! [`from_hits`], the verdict from the scan's hits.

use super::deploy::Path;
use super::scan::{Hit, HitKind, Scan};
use super::stack::Detected;
use super::templates;
use crate::finding::Category;
use crate::repo::Repo;
use crate::schema::{Capability, CapabilityStatus, Evidence, Template};
use crate::workflow::{Job, Step, Workflow};
use std::borrow::Cow;

/// A capability's verdict test: `(status, [edits of the complete fixture])`
/// cases, checked by [`testing::check`] besides `complete` (present) and `bare`.
#[cfg(test)]
macro_rules! verdict_tests {
    ($(($status:ident, [$($edit:expr),* $(,)?])),* $(,)?) => {
        #[cfg(test)]
        mod tests {
            #[test]
            fn verdicts() {
                use super::super::testing::{check, Edit::*};
                use crate::schema::CapabilityStatus::*;
                check(&super::META, &[$(($status, &[$($edit),*])),*]);
            }
        }
    };
}

#[cfg(test)]
mod testing;

mod ci_build;
mod ci_caching;
mod ci_concurrency;
mod ci_coverage;
mod ci_e2e_tests;
mod ci_integration_tests;
mod ci_lint;
mod ci_pipeline_lint;
mod ci_timeouts;
mod ci_typecheck;
mod ci_unit_tests;
mod delivery_changelog;
mod delivery_container_build;
mod delivery_multi_arch;
mod delivery_release_automation;
mod deploy_approval_gate;
mod deploy_db_backup;
mod deploy_db_migrations;
mod deploy_health_check;
mod deploy_migration_validation;
mod deploy_preview_environments;
mod deploy_production;
mod deploy_progressive;
mod deploy_rollback;
mod deploy_smoke_tests;
mod deploy_staging;
mod ops_backup_verification;
mod ops_iac;
mod ops_load_testing;
mod ops_monitoring;
mod ops_notifications;
mod ops_performance_regression;
mod security_codeowners;
mod security_container_scan;
mod security_dependency_audit;
mod security_dependency_updates;
mod security_least_privilege;
mod security_sast;
mod security_sbom;
mod security_secret_scanning;
mod security_signing;

/// When a capability applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    /// To every repository (its verdict may still be not-applicable, e.g. type
    /// checking for a compiled language).
    Always,
    /// To a project that deploys and runs a service: not applicable to a
    /// publish-only project (packages and releases, no deploy path).
    DeployedService,
}

/// What a capability is, apart from its verdict.
#[derive(Debug)]
pub struct CapabilityMeta {
    /// The id of `shared/spec/capabilities.md` (`ci.build`).
    pub id: &'static str,
    /// Its human name (`Build`).
    pub name: &'static str,
    /// The standard practice, in a few words (reports' gap tables).
    pub practice: &'static str,
    /// What counts as evidence that a repository has it (`pipewise capabilities`).
    pub evidence: &'static str,
    /// The scoring category it counts towards (its weight is the category's).
    pub category: Category,
    /// Optional: a bonus in place, no deduction when missing (`docs/scoring.md`).
    pub optional: bool,
    /// Minutes to add it from nothing (`docs/scoring.md`, "Efforts").
    pub build_minutes: u32,
    /// When it applies.
    pub applies: Applies,
    /// Whether the labelled set (`tests/labelled/*.toml`, hand-checked verdicts on
    /// real repositories) has its verdicts. A new capability starts `false`: its
    /// file is all it needs, `labelled.rs` lists it as not yet labelled and checks
    /// every other one as before; writing its labels turns it `true`.
    pub labelled: bool,
    /// Its row of `docs/capabilities.md`, generated from here.
    pub doc: Doc,
}

/// A capability's row in `docs/capabilities.md` ("The capabilities"): Markdown
/// prose, tool by tool (`doc_tables_are_generated_from_the_units` writes the table).
#[derive(Debug)]
pub struct Doc {
    /// When it is present.
    pub present: &'static str,
    /// The tools, actions and commands that count, and what about them.
    pub tools: &'static str,
    /// When it is partial (`—`: never).
    pub partial: &'static str,
    /// When it is not applicable (`—`: never).
    pub not_applicable: &'static str,
}

/// A capability: its metadata, its verdict, and what the report offers when it is
/// missing or partial (a recommendation, and a template where a file adds it).
pub struct Unit {
    pub meta: &'static CapabilityMeta,
    pub verdict: fn(&Input, &Cx) -> Verdict,
    /// What to do, for the detected stack (one or two sentences).
    pub recommend: fn(&Detected) -> String,
    /// The file that adds it for the detected stack (the shared builders are in
    /// `templates.rs`), or `None`.
    pub template: fn(&Detected) -> Option<Template>,
}

macro_rules! unit {
    ($m:ident) => {
        Unit {
            meta: &$m::META,
            verdict: $m::verdict,
            recommend: $m::recommend,
            template: $m::template,
        }
    };
}

/// Every capability, in the spec's (and the report's) order.
pub const ALL: &[Unit] = &[
    unit!(ci_build),
    unit!(ci_lint),
    unit!(ci_typecheck),
    unit!(ci_unit_tests),
    unit!(ci_integration_tests),
    unit!(ci_e2e_tests),
    unit!(ci_coverage),
    unit!(ci_caching),
    unit!(ci_concurrency),
    unit!(ci_timeouts),
    unit!(ci_pipeline_lint),
    unit!(security_sast),
    unit!(security_dependency_audit),
    unit!(security_secret_scanning),
    unit!(security_container_scan),
    unit!(security_sbom),
    unit!(security_signing),
    unit!(security_dependency_updates),
    unit!(security_least_privilege),
    unit!(security_codeowners),
    unit!(delivery_container_build),
    unit!(delivery_multi_arch),
    unit!(delivery_release_automation),
    unit!(delivery_changelog),
    unit!(deploy_staging),
    unit!(deploy_production),
    unit!(deploy_approval_gate),
    unit!(deploy_smoke_tests),
    unit!(deploy_health_check),
    unit!(deploy_rollback),
    unit!(deploy_db_backup),
    unit!(deploy_db_migrations),
    unit!(deploy_migration_validation),
    unit!(deploy_preview_environments),
    unit!(deploy_progressive),
    unit!(ops_notifications),
    unit!(ops_monitoring),
    unit!(ops_load_testing),
    unit!(ops_performance_regression),
    unit!(ops_backup_verification),
    unit!(ops_iac),
];

/// Every capability id, in the spec's order.
pub const IDS: &[&str] = &{
    let mut ids = [""; ALL.len()];
    let mut n = 0;
    while n < ALL.len() {
        ids[n] = ALL[n].meta.id;
        n += 1;
    }
    ids
};

/// The metadata of capability `id`, if it is one.
pub fn meta(id: &str) -> Option<&'static CapabilityMeta> {
    unit(id).map(|u| u.meta)
}

/// The scoring category of capability `id`: its unit's; for an id this pipewise
/// does not know (in a merged older report), the one its prefix names, else none.
pub fn category(id: &str) -> Option<Category> {
    if let Some(m) = meta(id) {
        return Some(m.category);
    }
    match id.split('.').next().unwrap_or("") {
        "ci" | "delivery" => Some(Category::CiPipeline),
        "security" => Some(Category::Security),
        "deploy" => Some(Category::Deployment),
        "ops" => Some(Category::Observability),
        _ => None,
    }
}

/// A verdict of `meta`'s capability with its metadata (name, practice, category,
/// optional), which the report data carries so that renderers look nothing up.
fn described(meta: &'static CapabilityMeta, v: Verdict) -> Capability {
    Capability {
        id: meta.id.to_string(),
        name: Cow::Borrowed(meta.name),
        practice: Cow::Borrowed(meta.practice),
        category: Cow::Borrowed(meta.category.id()),
        optional: meta.optional,
        status: v.status,
        evidence: v.evidence,
        reason: v.reason,
        recommendation: None,
        template: None,
    }
}

/// Sets the metadata of a capability read from a report (`pipewise merge`), which
/// may have been written before the data carried it: this pipewise's unit's, or
/// for an id it does not know, `Other capability` in the category its prefix
/// names. What the file says is not kept, so renderers show only this text.
pub fn describe(c: &mut Capability) {
    let (name, practice, optional) = match meta(&c.id) {
        Some(m) => (m.name, m.practice, m.optional),
        None => ("Other capability", "See capabilities.md", false),
    };
    c.name = Cow::Borrowed(name);
    c.practice = Cow::Borrowed(practice);
    c.category = Cow::Borrowed(category(&c.id).map_or("", Category::id));
    c.optional = optional;
}

/// The unit of capability `id`, if it is one.
pub fn unit(id: &str) -> Option<&'static Unit> {
    ALL.iter().find(|u| u.meta.id == id)
}

/// The template that adds capability `id` to a repository with this stack, with
/// the repository's own action pins where it has them.
pub fn template(id: &str, d: &Detected) -> Option<Template> {
    let mut t = (unit(id)?.template)(d)?;
    t.content = templates::with_repository_pins(t.content, d);
    Some(t)
}

/// What to do about a missing or partial capability, in one or two sentences,
/// followed by what is wrong now (`reason`).
pub fn recommendation(id: &str, d: &Detected, reason: Option<&str>) -> String {
    let fix = match unit(id) {
        Some(u) => (u.recommend)(d),
        None => "See docs/capabilities.md.".into(),
    };
    match reason {
        Some(r) => format!("{fix} Now: {r}."),
        None => fix,
    }
}

/// Facts every verdict may read, computed once per repository.
pub struct Cx<'a> {
    scan: &'a Scan,
    /// A deploy target, container, database or server framework, or a deploy path.
    pub deployable: bool,
    /// Container images: a Dockerfile, compose file or image build.
    pub containers: bool,
    /// A migration system.
    pub migrations_apply: bool,
    /// Why migration capabilities do not apply.
    pub no_migrations: String,
}

/// Why service capabilities do not apply.
pub const NO_SERVICE: &str =
    "no deployable service: no deploy target, container, database or server framework detected";
/// Why container capabilities do not apply.
pub const NO_CONTAINERS: &str = "no container images: no Dockerfile, compose file or image build";

impl<'a> Cx<'a> {
    fn new(i: &Input<'a>) -> Cx<'a> {
        let d = i.detected;
        let scan = i.scan;
        let no_migrations = if d.stack.databases.is_empty() {
            "no database detected".to_string()
        } else {
            format!(
                "no migration system detected (databases seen: {})",
                d.stack.databases.join(", ")
            )
        };
        Cx {
            scan,
            deployable: d.is_deployable() || !i.paths.is_empty(),
            containers: d.stack.containers || scan.of("delivery.container-build").next().is_some(),
            migrations_apply: !d.stack.migrations.is_empty(),
            no_migrations,
        }
    }

    /// The scan's hits for `cap` (a capability id or a scan-only kind such as
    /// `migration`).
    pub fn hits(&self, cap: &'static str) -> Vec<&'a Hit> {
        self.scan.of(cap).collect()
    }

    /// The hits for `cap` in a deploy context (a deploying job or workflow).
    pub fn deploy_hits(&self, cap: &'static str) -> Vec<&'a Hit> {
        let scan = self.scan;
        scan.of(cap)
            .filter(|h| match h.job {
                Some(j) => scan.job(h.wf, j).is_some_and(|f| f.deploy_ctx),
                None => {
                    scan.jobs.iter().any(|f| f.wf == h.wf && f.deploy_ctx)
                        || h.cap == "deploy.rollback"
                }
            })
            .collect()
    }

    /// The verdict from the hits for `id` alone; CI and security capabilities gate
    /// changes (a job that only runs on a schedule does not count).
    pub fn standard(&self, id: &'static str) -> Verdict {
        let gate = id.starts_with("ci.") || id.starts_with("security.");
        from_hits(&self.hits(id), gate, self.scan)
    }
}

/// What the assessment reads.
pub struct Input<'a> {
    pub repo: &'a Repo,
    pub workflows: &'a [Workflow<'a>],
    /// The audit's facts table ([`crate::facts`]): what jobs and steps ship.
    pub facts: &'a crate::facts::Facts,
    pub detected: &'a Detected,
    pub scan: &'a Scan,
    pub paths: &'a [Path],
    /// Repository settings exported with `--settings`.
    pub settings: Option<&'a super::settings::RepoSettings>,
}

/// A verdict before recommendation and template are attached.
pub struct Verdict {
    pub status: CapabilityStatus,
    pub evidence: Vec<Evidence>,
    pub reason: Option<String>,
}

impl Verdict {
    /// A missing verdict becomes partial when a file shows the capability is
    /// configured or done by hand (`what` follows the file's path in the reason).
    pub(crate) fn or_file(self, file: Option<&String>, note: &str, what: &str) -> Verdict {
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

    /// A missing verdict becomes present when files do it (a deploy strategy in
    /// `fly.toml`, monitoring as code): the first three are the evidence.
    pub(crate) fn or_files(self, files: &[String], note: &str) -> Verdict {
        if self.status != CapabilityStatus::Missing || files.is_empty() {
            return self;
        }
        Verdict {
            status: CapabilityStatus::Present,
            evidence: files
                .iter()
                .take(3)
                .map(|f| Evidence {
                    file: f.clone(),
                    line: 1,
                    note: note.into(),
                })
                .collect(),
            reason: None,
        }
    }
}

pub(crate) fn ev(h: &Hit) -> Evidence {
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
pub(crate) fn is_placeholder(h: &Hit) -> bool {
    h.weak
        .as_deref()
        .is_some_and(|w| w.starts_with("a placeholder"))
}

pub(crate) fn na(reason: impl Into<String>) -> Verdict {
    Verdict {
        status: CapabilityStatus::NotApplicable,
        evidence: vec![],
        reason: Some(reason.into()),
    }
}

pub(crate) fn missing() -> Verdict {
    Verdict {
        status: CapabilityStatus::Missing,
        evidence: vec![],
        reason: None,
    }
}

/// From hits: present when every active one is sound, partial when one is
/// weakened, missing when there are none.
pub(crate) fn from_hits(hits: &[&Hit], gate: bool, scan: &Scan) -> Verdict {
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
    let (w, j, st) = package_publish(i.facts, i.workflows, false)?;
    Some(format!(
        "publish-only: the CI publishes packages or releases (step `{}` of job `{}` in {}) and deploys nothing, so deploying and operating a service is not this pipeline's job",
        st.label(),
        j.id,
        w.path
    ))
}

/// The first step that publishes a package or a release (`npm publish`, `twine
/// upload`, `dotnet nuget push`, `gh release create`, an upload to a release), not a
/// container image: images are deployed somewhere, by hand or by GitOps, more often
/// than not. `strict`: by the publishing command itself, not by the name of a
/// script or task that says "publish" (`npm run publish:artifacts`, `make publish`).
pub(crate) fn package_publish<'w, 'a>(
    facts: &crate::facts::Facts,
    workflows: &'w [Workflow<'a>],
    strict: bool,
) -> Option<(&'w Workflow<'a>, &'w Job<'a>, &'w Step<'a>)> {
    let named_only = |st: &Step| {
        st.action().is_none()
            && st
                .run
                .as_ref()
                .and_then(|r| r.script.as_ref())
                .is_none_or(|sc| {
                    !sc.commands.iter().any(|c| {
                        crate::intent::command_ships(c, facts.intents())
                            == Some(crate::intent::Intent::Publish)
                            && !runs_a_named_task(c)
                    })
                })
    };
    let image_step = |st: &Step| {
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
    workflows.iter().find_map(|w| {
        w.jobs.iter().find_map(|j| {
            j.steps
                .iter()
                .find(|st| {
                    facts.step_ships(st) == Some(crate::intent::Intent::Publish)
                        && !image_step(st)
                        && !(strict && named_only(st))
                })
                .map(|st| (w, j, st))
        })
    })
}

/// A package manager's script or a task runner's target (`npm run publish:docs`,
/// `yarn release`, `make publish`): what it does is in its body, not its name.
fn runs_a_named_task(c: &crate::shell::Command) -> bool {
    let args: Vec<&str> = c
        .args()
        .iter()
        .map(|w| w.text.as_str())
        .filter(|a| !a.starts_with('-'))
        .collect();
    match c.base_name() {
        "npm" | "pnpm" | "bun" => args.first() != Some(&"publish"),
        "yarn" => args.first() != Some(&"publish") && args.get(..2) != Some(&["npm", "publish"]),
        "make" | "just" | "task" | "mage" | "rake" => true,
        _ => false,
    }
}

/// Assesses every capability.
pub fn assess(i: &Input) -> Vec<Capability> {
    let publishes = publish_only(i);
    let cx = Cx::new(i);
    ALL.iter()
        .map(|unit| {
            let id = unit.meta.id;
            let mut v = (unit.verdict)(i, &cx);
            // Never claimed for something the repository has: only a gap becomes
            // not applicable.
            if let Some(why) = &publishes {
                if v.status == CapabilityStatus::Missing
                    && unit.meta.applies == Applies::DeployedService
                {
                    v = na(why.clone());
                }
            }
            let gap = matches!(
                v.status,
                CapabilityStatus::Missing | CapabilityStatus::Partial
            );
            let mut c = described(unit.meta, v);
            if gap {
                c.template = template(id, i.detected);
                c.recommendation = Some(recommendation(id, i.detected, c.reason.as_deref()));
            }
            c
        })
        .collect()
}

/// A deploy tier's capability (staging, production, preview): present when a
/// deploy path of that tier is more than a placeholder.
fn tier(i: &Input, cx: &Cx, tier: super::deploy::Tier) -> Verdict {
    let ps: Vec<&Path> = i.paths.iter().filter(|p| p.tier == tier).collect();
    if ps.is_empty() {
        return if cx.deployable {
            missing()
        } else {
            na(NO_SERVICE)
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

/// A check after a deploy (smoke tests, health check, rollback, progressive
/// delivery): from the hits in a deploy context.
fn after_deploy(i: &Input, cx: &Cx, id: &'static str) -> Verdict {
    if !cx.deployable && i.paths.is_empty() {
        return na(NO_SERVICE);
    }
    from_hits(&cx.deploy_hits(id), false, i.scan)
}

#[cfg(test)]
mod describe_tests {
    use super::*;

    fn read_back(id: &str, name: &str) -> Capability {
        let mut c = described(&ci_lint::META, missing());
        c.id = id.into();
        c.name = Cow::Owned(name.into());
        c.practice = Cow::Owned("<script>".into());
        c.category = Cow::Borrowed("");
        c.optional = true;
        c
    }

    #[test]
    fn an_assessed_capability_carries_its_units_metadata() {
        let c = described(&ci_pipeline_lint::META, missing());
        assert_eq!(
            (&*c.name, &*c.practice, &*c.category, c.optional),
            (
                ci_pipeline_lint::META.name,
                ci_pipeline_lint::META.practice,
                "ci-pipeline",
                true
            )
        );
    }

    #[test]
    fn a_capability_read_back_gets_this_pipewises_metadata() {
        // An older report (no name), and one whose text is not this pipewise's:
        // both get the unit's metadata, never the file's.
        for name in ["", "<img src=x>"] {
            let mut c = read_back("security.sast", name);
            describe(&mut c);
            assert_eq!(
                (&*c.name, &*c.practice, &*c.category, c.optional),
                (
                    "Static analysis (SAST)",
                    "CodeQL/semgrep on every PR",
                    "security",
                    false
                )
            );
        }
        // An id this pipewise does not know: the category its prefix names.
        let mut c = read_back("deploy.teleport", "Teleport");
        describe(&mut c);
        assert_eq!(
            (&*c.name, &*c.category, c.optional),
            ("Other capability", "deployment", false)
        );
        let mut c = read_back("other.thing", "");
        describe(&mut c);
        assert_eq!(&*c.category, "");
    }
}
