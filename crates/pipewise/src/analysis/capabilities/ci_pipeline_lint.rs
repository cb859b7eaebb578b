//! `ci.pipeline-lint`: Pipeline linting. Not in `shared/spec/capabilities.md`:
//! seed 003 verifies the workflows with `actionlint` before trusting them.

use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.pipeline-lint",
    name: "Pipeline linting",
    practice: "CI configuration linted in CI (actionlint, zizmor)",
    evidence: "a linter of the CI configuration itself runs on push or pull request (actionlint, zizmor, `glab ci lint`)",
    category: Category::CiPipeline,
    optional: true,
    build_minutes: 15,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "the CI configuration linted on push/PR (optional; not in the shared spec)",
        tools: "actionlint (CLI, `rhysd/actionlint`, `docker://rhysd/actionlint`, raven-actions and reviewdog actions, a pre-commit hook), zizmor (CLI, zizmor-action, a hook), `glab ci lint`; not super-linter (what it validates depends on its `VALIDATE_*` settings)",
        partial: "weakened, schedule-only; a linter configured (`.github/actionlint.yaml`, `zizmor.yml`, `.github/zizmor.yml`) that no workflow runs",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Lint the CI configuration on the pull requests that change it (actionlint; zizmor for its security), so a broken or unsafe workflow fails review instead of the next run.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

/// The configuration files of pipeline linters (where they look for them): a
/// repository that has one configures the linter, which a workflow may not run.
const CONFIGS: &[&str] = &[
    ".github/actionlint.yaml",
    ".github/actionlint.yml",
    ".github/zizmor.yml",
    ".github/zizmor.yaml",
    "zizmor.yml",
    "zizmor.yaml",
];

/// Which tools provide it is catalogue data (`provides = ["ci.pipeline-lint"]`);
/// a linter configured but run by no workflow is partial.
pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let config = CONFIGS
        .iter()
        .find(|p| i.repo.exists(p))
        .map(|p| p.to_string());
    cx.standard(META.id).or_file(
        config.as_ref(),
        "pipeline linter configuration",
        "configures a pipeline linter, but no workflow runs it",
    )
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [Replace(
            "codeql.yml",
            "run: uvx zizmor@1.16.0 --format plain .github/workflows",
            "run: uvx zizmor@1.16.0 --format plain .github/workflows || true"
        )]
    ),
    (
        Missing,
        [Replace(
            "codeql.yml",
            "      - run: uvx zizmor@1.16.0 --format plain .github/workflows\n",
            ""
        )]
    ),
    // Configured, but no workflow runs it.
    (
        Partial,
        [
            Replace(
                "codeql.yml",
                "      - run: uvx zizmor@1.16.0 --format plain .github/workflows\n",
                ""
            ),
            Write(".github/actionlint.yaml", "self-hosted-runner:\n  labels: []\n")
        ]
    ),
    // Only on a schedule: it does not gate changes.
    (
        Partial,
        [
            Replace(
                "codeql.yml",
                "      - run: uvx zizmor@1.16.0 --format plain .github/workflows\n",
                ""
            ),
            Write(
                "nightly.yml",
                "name: nightly\non:\n  schedule:\n    - cron: '0 3 * * *'\npermissions: {}\njobs:\n  lint:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 5\n    steps:\n      - run: actionlint -color\n"
            )
        ]
    ),
    // GitLab CI's linter, in a GitLab pipeline.
    (
        Present,
        [
            Replace(
                "codeql.yml",
                "      - run: uvx zizmor@1.16.0 --format plain .github/workflows\n",
                ""
            ),
            Write(
                "./.gitlab-ci.yml",
                "lint-ci:\n  image: gitlab/glab:v1.80.0\n  script:\n    - glab ci lint\n"
            )
        ]
    ),
    // The action, from its Docker image.
    (
        Present,
        [
            Replace(
                "codeql.yml",
                "      - run: uvx zizmor@1.16.0 --format plain .github/workflows\n",
                ""
            ),
            Write(
                "actionlint.yml",
                "name: actionlint\non:\n  pull_request:\npermissions: {}\njobs:\n  lint:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 5\n    steps:\n      - uses: docker://rhysd/actionlint:1.7.12\n        with:\n          args: -color\n"
            )
        ]
    ),
];
