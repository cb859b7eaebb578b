//! `ci.build`: Build.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::CapabilityStatus;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.build",
    name: "Build",
    practice: "Build on every push and pull request",
    evidence: "a job that builds/compiles the project on push or pull request",
    category: Category::CiPipeline,
    optional: false,
    build_minutes: 120,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "a build on push/PR",
        tools: "with no other build, an image built for pull requests (its Dockerfile builds the application; one built only after the merge is the release artifact); `npm run build`, `tsc`, `tsup`, `rollup -c`, `cargo build/check`, `go build`, `mvn package`, `gradle build`, `dotnet build`, `python -m build`, `uv/poetry build`, `next/vite/nest build`, `make`, turbo/nx tasks (`turbo run build`, `nx affected -t build`: the task names the packages' scripts; a `--dry-run` runs nothing)",
        partial: "weakened",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!(
        "Build the project on every push and pull request (`{}`).",
        templates::lang(d).build
    )
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::ci_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let v = cx.standard(META.id);
    if v.status != CapabilityStatus::Missing {
        return v;
    }
    // No other build: an image built for pull requests builds the project (its
    // Dockerfile compiles or packages the application). One built only after the
    // merge (on pushes to the main branch) is the release artifact: it checks
    // nothing before the change is in.
    let for_prs: Vec<_> = cx
        .hits("delivery.container-build")
        .into_iter()
        .filter(|h| {
            h.job
                .and_then(|j| i.scan.job(h.wf, j))
                .is_some_and(|f| f.on_pull_request)
        })
        .collect();
    let images = super::from_hits(&for_prs, true, i.scan);
    if images.status == CapabilityStatus::Present {
        return Verdict {
            reason: None,
            ..images
        };
    }
    v
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [Replace(
            "ci.yml",
            "run: npm run build",
            "run: npm run build || true"
        )]
    ),
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "      - name: Build\n        run: npm run build\n",
                ""
            ),
            Remove("container.yml")
        ]
    ),
    // With no other build, the image built on pushes and pull requests is one ...
    (
        Present,
        [Replace(
            "ci.yml",
            "      - name: Build\n        run: npm run build\n",
            ""
        )]
    ),
    // ... but not an image built only after the merge (pushes to main) ...
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "      - name: Build\n        run: npm run build\n",
                ""
            ),
            Replace(
                "container.yml",
                "    tags: [\"v*\"]\n  pull_request:\n",
                "    tags: [\"v*\"]\n"
            )
        ]
    ),
    // ... or on a schedule.
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "      - name: Build\n        run: npm run build\n",
                ""
            ),
            Replace(
                "container.yml",
                "  push:\n    branches: [main]\n    tags: [\"v*\"]\n  pull_request:\n",
                "  schedule:\n    - cron: '0 3 * * *'\n"
            )
        ]
    ),
    // A GitLab build job is judged by the pipelines it runs in, not by its
    // pipeline's: one whose rules keep it to schedules does not build pushes ...
    (
        Partial,
        [
            Replace(
                "ci.yml",
                "      - name: Build\n        run: npm run build\n",
                ""
            ),
            Remove("container.yml"),
            Write(
                "./.gitlab-ci.yml",
                "workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n    - if: $CI_COMMIT_BRANCH\nbuild:\n  script: [npm run build]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n"
            )
        ]
    ),
    // ... one in branch pipelines does ...
    (
        Present,
        [
            Replace(
                "ci.yml",
                "      - name: Build\n        run: npm run build\n",
                ""
            ),
            Remove("container.yml"),
            Write(
                "./.gitlab-ci.yml",
                "workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n    - if: $CI_COMMIT_BRANCH\nbuild:\n  script: [npm run build]\n  rules:\n    - if: $CI_COMMIT_BRANCH\n"
            )
        ]
    ),
    // ... and an image built in branch pipelines only (no rules: GitLab's
    // `only: [branches, tags]`) is not built for merge requests, though another
    // job brings merge request pipelines ...
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "      - name: Build\n        run: npm run build\n",
                ""
            ),
            Remove("container.yml"),
            Write(
                "./.gitlab-ci.yml",
                "container:\n  script: [docker build -t app .]\nreview:\n  script: [echo review]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"
            )
        ]
    ),
    // ... unless its rules put it there.
    (
        Present,
        [
            Replace(
                "ci.yml",
                "      - name: Build\n        run: npm run build\n",
                ""
            ),
            Remove("container.yml"),
            Write(
                "./.gitlab-ci.yml",
                "container:\n  script: [docker build -t app .]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"
            )
        ]
    ),
];
