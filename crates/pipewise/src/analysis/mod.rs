//! Analysis beyond rules: what stack a repository uses ([`stack`]), which CI/CD
//! capabilities of `shared/spec/capabilities.md` it has ([`capabilities`]), how
//! ready each deploy path is ([`deploy`]), and templates that add what is missing
//! ([`templates`]). Runs once per repository after the rules, over the models the
//! audit already built (no re-parsing), and reads the rules' findings to explain
//! why a capability is only partial.

pub mod capabilities;
pub mod deploy;
pub mod scan;
pub mod settings;
pub mod stack;
pub mod templates;
pub mod tools;

use crate::repo::{Repo, Scripts};
use crate::report::{Capability, DeployPath, ReportFinding, Stack};
use crate::workflow::{Action, Workflow};
use settings::RepoSettings;

/// The analysis of one repository.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub stack: Stack,
    pub capabilities: Vec<Capability>,
    pub deploy_paths: Vec<DeployPath>,
}

/// Runs stack detection, the workflow scan, deploy readiness and the capability
/// assessment.
pub fn analyze(
    repo: &Repo,
    workflows: &[Workflow],
    actions: &[Action],
    scripts: &Scripts,
    findings: &[ReportFinding],
    settings: Option<&RepoSettings>,
) -> Analysis {
    let detected = stack::detect(repo, workflows);
    let scan = scan::scan(repo, workflows, actions, scripts, &detected, findings);
    let paths = deploy::paths(workflows, &scan, &detected, settings);
    let capabilities = capabilities::assess(&capabilities::Input {
        repo,
        workflows,
        detected: &detected,
        scan: &scan,
        paths: &paths,
    });
    Analysis {
        stack: detected.stack,
        capabilities,
        deploy_paths: paths.into_iter().map(|p| p.report).collect(),
    }
}

/// The template for one capability for the repository at `root` (used by
/// `pipewise scaffold`). `None` when the capability id is unknown.
pub fn scaffold(repo: &Repo, capability: &str) -> Option<(Stack, Option<crate::report::Template>)> {
    if !capabilities::IDS.contains(&capability) {
        return None;
    }
    let workflows: Vec<Workflow> = repo
        .files_of(crate::source::FileKind::Workflow)
        .filter_map(|f| f.yaml.as_ref().map(|d| Workflow::new(&f.path, d)))
        .collect();
    let detected = stack::detect(repo, &workflows);
    let t = templates::template(capability, &detected);
    Some((detected.stack, t))
}
