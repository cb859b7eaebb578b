//! `security.sast`: Static analysis (SAST).

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::CapabilityStatus;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.sast",
    name: "Static analysis (SAST)",
    practice: "CodeQL/semgrep on every PR",
    evidence: "static analysis for security (CodeQL, semgrep, bandit, gosec, ...)",
    category: Category::Security,
    optional: false,
    build_minutes: 30,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "static security analysis",
        tools: "CodeQL, semgrep, bandit, gosec, brakeman, SonarCloud/SonarQube, snyk code/iac, njsscan, bearer, psalm taint, trivy config; configuration analysers (zizmor, hadolint, checkov, tfsec, terrascan, KICS)",
        partial: "weakened (e.g. `semgrep` without `--error`); only configuration analysers run",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    match templates::lang(d).codeql {
        Some((lang, mode)) => format!("Add CodeQL for {lang} (build mode `{mode}`) and GitHub Actions, on pull requests and weekly."),
        None => "Add semgrep with `--error` on pull requests.".into(),
    }
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    if templates::lang(d).codeql.is_some() {
        templates::wf(".github/workflows/codeql.yml", templates::codeql(d))
    } else {
        templates::wf(".github/workflows/semgrep.yml", templates::semgrep())
    }
}

/// Analysers of configuration, not of the application code: workflows (zizmor),
/// Dockerfiles (hadolint), infrastructure code (checkov, tfsec, terrascan, KICS).
/// They find real security problems, but only in that configuration, so alone they
/// make SAST partial; next to an analyser of the code they add nothing to the
/// verdict (docs/capabilities.md, "Configuration analysers").
const CONFIG_ANALYSERS: &[&str] = &[
    "zizmor",
    "hadolint",
    "checkov",
    "tfsec",
    "terrascan",
    "KICS",
];

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    let v = cx.standard(META.id);
    if v.status != CapabilityStatus::Present {
        return v;
    }
    let hits = cx.hits(META.id);
    if hits.iter().any(|h| {
        // The tool, without where it runs from (`zizmor (hook `zizmor`, …)`).
        let tool = h.tool.split(" (").next().unwrap_or(&h.tool);
        h.weak.is_none() && !CONFIG_ANALYSERS.contains(&tool)
    }) {
        return v;
    }
    let mut tools: Vec<&str> = v
        .evidence
        .iter()
        .map(|e| e.note.split(" (").next().unwrap_or(&e.note))
        .collect();
    tools.dedup();
    Verdict {
        reason: Some(format!(
            "only configuration is analysed ({}): no analyser of the application code (CodeQL, semgrep, …) runs",
            tools.join(", ")
        )),
        status: CapabilityStatus::Partial,
        ..v
    }
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [Replace(
            "codeql.yml",
            "    name: Analyze (${{ matrix.language }})\n",
            "    name: Analyze (${{ matrix.language }})\n    continue-on-error: true\n"
        )]
    ),
    (Missing, [Remove("codeql.yml")]),
    // A workflow analyser alone analyses the configuration, not the code.
    (
        Partial,
        [
            Remove("codeql.yml"),
            Write(
                "zizmor.yml",
                "name: zizmor\non:\n  pull_request:\npermissions: {}\njobs:\n  zizmor:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 5\n    steps:\n      - uses: zizmorcore/zizmor-action@e639db99335bc9038abc0e066dfcd72e23d26fb4 # v0.3.0\n"
            )
        ]
    ),
];
