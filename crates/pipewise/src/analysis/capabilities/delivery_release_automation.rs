//! `delivery.release-automation`: Release automation.

use super::templates;
use super::{package_publish, Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "delivery.release-automation",
    name: "Release automation",
    practice: "Automated versioning/release",
    evidence: "automated versioning/release (semantic-release, release-please, changesets, cargo-release, goreleaser, ...)",
    category: Category::Release,
    optional: false,
    build_minutes: 240,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "automated releases",
        tools: "semantic-release, release-please, changesets, release-plz, goreleaser, cargo-release, commitizen bump, `gh release create`, action-gh-release, an upload of release assets (upload-release-asset actions), a job that publishes a package itself (`npm publish`, `twine upload`, `dotnet nuget push`, `cargo publish`; not a container image, not a script merely named `publish`)",
        partial: "a release config file exists but no workflow runs it",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!("Automate versioning and releases from conventional commits (release-please, release type `{}`).", templates::lang(d).release_type)
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::release_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let v = cx.standard(META.id);
    // No release tool, but a job publishes the package or the release itself
    // (`dotnet nuget push`, `twine upload`, `gh release create`): the release is
    // automated.
    if v.status == CapabilityStatus::Missing {
        if let Some((w, j, st)) = package_publish(i.facts, i.workflows, true) {
            return Verdict {
                status: CapabilityStatus::Present,
                evidence: vec![Evidence {
                    file: w.path.to_string(),
                    line: w.doc.position(st.anchor().start).line,
                    note: format!("job `{}` publishes (step `{}`)", j.id, st.label()),
                }],
                reason: None,
            };
        }
    }
    v.or_file(
        i.detected.release_config.as_ref(),
        "release tool configuration",
        "configures a release tool, but no workflow runs it",
    )
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [
            Remove("release.yml"),
            Write("release-please-config.json", "{}")
        ]
    ),
    (Missing, [Remove("release.yml")]),
    // A package publish does the release; a container image push alone does not.
    (
        Present,
        [
            Remove("release.yml"),
            Write(
                "nuget.yml",
                "name: nuget\non:\n  push:\n    tags: ['v*']\npermissions: {}\njobs:\n  push:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 10\n    steps:\n      - run: dotnet nuget push out/*.nupkg --api-key \"$NUGET_KEY\" --source https://api.nuget.org/v3/index.json\n"
            )
        ]
    ),
    (
        Missing,
        [
            Remove("release.yml"),
            Write(
                "images.yml",
                "name: images\non:\n  push:\n    tags: ['v*']\npermissions: {}\njobs:\n  push:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 10\n    steps:\n      - run: docker push ghcr.io/acme/app:1\n"
            )
        ]
    ),
];
