//! `deploy.smoke-tests`: Smoke tests.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.smoke-tests",
    name: "Smoke tests",
    practice: "Smoke tests against the deployment",
    evidence: "smoke tests against the deployed environment",
    category: Category::Deployment,
    optional: false,
    build_minutes: 120,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "smoke tests after a deploy",
        tools: "`smoke` scripts/steps/tags in a deploy job or a job that needs one; any test run by a job that needs a deploying job (it tests what was deployed)",
        partial: "weakened (masked, config file missing)",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Run smoke tests against the deployed environment right after each deploy.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::deploy_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::after_deploy(i, cx, META.id)
}

#[cfg(test)]
const NOTIFY_END: &str =
    "            text: \"production deploy of ${{ github.sha }}: ${{ job.status }}\"\n";

#[cfg(test)]
verdict_tests![
    (
        Missing,
        [Replace(
            "deploy.yml",
            "      - name: Smoke tests\n",
            "      - name: Fetch\n"
        )]
    ),
    // Tests a job runs after the deploy it needs test what was deployed ...
    (
        Present,
        [
            Replace("deploy.yml", "      - name: Smoke tests\n", "      - name: Fetch\n"),
            Replace(
                "deploy.yml",
                super::NOTIFY_END,
                "            text: \"production deploy of ${{ github.sha }}: ${{ job.status }}\"\n\n  api-tests:\n    needs: production\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - run: npx vitest run tests/api\n"
            )
        ]
    ),
    // ... the same tests in a job that does not wait for it do not.
    (
        Missing,
        [
            Replace("deploy.yml", "      - name: Smoke tests\n", "      - name: Fetch\n"),
            Replace(
                "deploy.yml",
                super::NOTIFY_END,
                "            text: \"production deploy of ${{ github.sha }}: ${{ job.status }}\"\n\n  api-tests:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - run: npx vitest run tests/api\n"
            )
        ]
    ),
];
