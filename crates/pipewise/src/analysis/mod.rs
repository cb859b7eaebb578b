//! Analysis beyond rules: what stack a repository uses ([`stack`]), which CI/CD
//! capabilities of `shared/spec/capabilities.md` it has ([`capabilities`]), how
//! ready each deploy path is ([`deploy`]), and templates that add what is missing
//! ([`templates`]; when the file exists, a diff of the jobs to add: [`merge`]),
//! and the inventory of workflows and secrets the report carries ([`inventory`]).
//! Runs once per repository after the rules, over the models the audit already
//! built (no re-parsing but the merged file [`merge`] checks), and reads the rules'
//! findings to explain why a capability is only partial.

pub mod capabilities;
pub mod deploy;
pub mod inventory;
pub mod maven;
pub mod merge;
pub mod scan;
pub mod settings;
pub mod stack;
pub mod templates;
pub mod tools;

use crate::repo::{Repo, Scripts};
use crate::schema::{Capability, DeployPath, ReportFinding, Stack};
use crate::workflow::{Action, Workflow};
use settings::RepoSettings;

/// The analysis of one repository.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub stack: Stack,
    pub capabilities: Vec<Capability>,
    pub deploy_paths: Vec<DeployPath>,
    /// Set when no workflow or pipeline of a supported platform was found: why the
    /// repository gets no score.
    pub no_ci: Option<String>,
}

/// Runs stack detection, the workflow scan, deploy readiness and the capability
/// assessment.
pub fn analyze(
    repo: &Repo,
    workflows: &[Workflow],
    actions: &[Action],
    scripts: &Scripts,
    facts: &crate::facts::Facts,
    findings: &[ReportFinding],
    settings: Option<&RepoSettings>,
) -> Analysis {
    analyze_with(
        repo,
        workflows,
        actions,
        scripts,
        facts,
        findings,
        settings,
        stack::detect,
    )
}

/// [`analyze`] with the stack detected by `detect` ([`stack::detect`], or its
/// memo across versions of a repository: [`crate::reuse`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn analyze_with(
    repo: &Repo,
    workflows: &[Workflow],
    actions: &[Action],
    scripts: &Scripts,
    facts: &crate::facts::Facts,
    findings: &[ReportFinding],
    settings: Option<&RepoSettings>,
    detect: impl FnOnce(&Repo, &[Workflow]) -> stack::Detected,
) -> Analysis {
    let detected = detect(repo, workflows);
    let scan = scan::scan(
        repo, workflows, actions, scripts, facts, &detected, findings,
    );
    let paths = deploy::paths(facts, workflows, &scan, &detected, settings);
    let mut capabilities = capabilities::assess(&capabilities::Input {
        repo,
        workflows,
        facts,
        detected: &detected,
        scan: &scan,
        paths: &paths,
        settings,
    });
    merge::diffs(&mut capabilities, workflows);
    let no_ci = if workflows.is_empty() {
        no_ci_reason(repo)
    } else {
        None
    };
    if let Some(r) = &no_ci {
        // What the CI does is not visible: gaps are unknown, not missing.
        for c in capabilities.iter_mut().filter(|c| {
            matches!(
                c.status,
                crate::schema::CapabilityStatus::Missing | crate::schema::CapabilityStatus::Partial
            )
        }) {
            c.status = crate::schema::CapabilityStatus::Unknown;
            c.reason = Some(r.clone());
            c.recommendation = None;
            c.template = None;
        }
    }
    Analysis {
        stack: detected.stack,
        capabilities,
        deploy_paths: paths.into_iter().map(|p| p.report).collect(),
        no_ci,
    }
}

/// CI systems pipewise does not read, by a file or folder that configures them.
const OTHER_CI: &[(&str, &str)] = &[
    (".woodpecker.yml", "Woodpecker CI"),
    (".woodpecker.yaml", "Woodpecker CI"),
    (".woodpecker", "Woodpecker CI"),
    (".drone.yml", "Drone CI"),
    (".circleci/config.yml", "CircleCI"),
    ("Jenkinsfile", "Jenkins"),
    ("azure-pipelines.yml", "Azure Pipelines"),
    (".buildkite", "Buildkite"),
    ("bitbucket-pipelines.yml", "Bitbucket Pipelines"),
    (".travis.yml", "Travis CI"),
    ("cloudbuild.yaml", "Google Cloud Build"),
    ("cloudbuild.yml", "Google Cloud Build"),
    (".cirrus.yml", "Cirrus CI"),
    ("appveyor.yml", "AppVeyor"),
    (".forgejo/workflows", "Forgejo Actions"),
];

/// "no supported CI found", naming the CI files of other systems that are there;
/// `None` when there are none (a repository with no CI at all: its gaps are
/// missing, with recommendations).
fn no_ci_reason(repo: &Repo) -> Option<String> {
    let found: Vec<String> = OTHER_CI
        .iter()
        .filter(|(p, _)| repo.exists(p))
        .map(|(p, name)| format!("`{p}` ({name})"))
        .collect();
    if found.is_empty() {
        return None;
    }
    Some(format!(
        "no supported CI found: pipewise reads GitHub Actions workflows and GitLab CI pipelines; this repository's CI is {}, which pipewise does not read",
        found.join(", ")
    ))
}

/// The template for one capability for the repository at `root` (used by
/// `pipewise scaffold`). `None` when the capability id is unknown.
pub fn scaffold(repo: &Repo, capability: &str) -> Option<(Stack, Option<crate::schema::Template>)> {
    if !capabilities::IDS.contains(&capability) {
        return None;
    }
    let workflows: Vec<Workflow> = repo
        .files_of(crate::source::FileKind::Workflow)
        .filter_map(|f| f.yaml.as_ref().map(|d| Workflow::new(&f.path, d)))
        .collect();
    let detected = stack::detect(repo, &workflows);
    let t = capabilities::template(capability, &detected);
    Some((detected.stack, t))
}
