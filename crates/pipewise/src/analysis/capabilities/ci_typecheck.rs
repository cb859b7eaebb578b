//! `ci.typecheck`: Type checking.

use super::na;
use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.typecheck",
    name: "Type checking",
    practice: "Type check in CI",
    evidence:
        "a type check where the language has one apart from the compiler (tsc, mypy, pyright)",
    category: Category::Testing,
    optional: false,
    build_minutes: 30,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "a type check",
        tools: "tsc, vue-tsc, mypy, pyright, pytype, svelte-check, phpstan, psalm, sorbet, dialyzer, `npm run typecheck`, a pre-commit hook running one",
        partial: "weakened",
        not_applicable: "no TypeScript, Python or PHP (the compiler is the type checker)",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!(
        "Type-check on every pull request (`{}`).",
        templates::lang(d)
            .typecheck
            .unwrap_or("tsc --noEmit / mypy")
    )
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::ci_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let d = i.detected;
    let applies = ["typescript", "python", "php"]
        .iter()
        .any(|l| d.has_language(l));
    if !applies && cx.hits(META.id).is_empty() {
        let langs = if d.stack.languages.is_empty() {
            "no language detected".to_string()
        } else {
            d.stack.languages.join(", ")
        };
        return na(format!(
            "{langs}: the compiler is the type checker (no separate type check applies)"
        ));
    }
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [
            Replace(
                "ci.yml",
                "run: npx tsc --noEmit",
                "run: npx tsc --noEmit || true"
            ),
            Replace("ci.yml", "run: npm run build", "run: npm run build || true")
        ]
    ),
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "      - name: Type check\n        run: npx tsc --noEmit\n",
                ""
            ),
            Replace("ci.yml", "run: npm run build", "run: npm run compile")
        ]
    ),
    // What pre-commit runs is its hooks: a local hook running tsc is a type check
    // (through `uv run prek run`) ...
    (
        Present,
        [
            Replace(
                "ci.yml",
                "      - name: Type check\n        run: npx tsc --noEmit\n",
                "      - name: Hooks\n        run: uv run prek run --all-files\n"
            ),
            Replace("ci.yml", "run: npm run build", "run: npm run compile"),
            Write(".pre-commit-config.yaml", super::PRE_COMMIT)
        ]
    ),
    // ... but installing the hooks runs none.
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "      - name: Type check\n        run: npx tsc --noEmit\n",
                "      - name: Hooks\n        run: pre-commit install\n"
            ),
            Replace("ci.yml", "run: npm run build", "run: npm run compile"),
            Write(".pre-commit-config.yaml", super::PRE_COMMIT)
        ]
    ),
    // An npm script that runs other scripts: what they run (`validate` runs
    // `validate:types`, which is `tsc --noEmit`) ...
    (
        Present,
        [
            Replace(
                "ci.yml",
                "      - name: Type check\n        run: npx tsc --noEmit\n",
                "      - name: Validate\n        run: npm run validate\n"
            ),
            Replace("ci.yml", "run: npm run build", "run: npm run compile"),
            Replace(
                "package.json",
                "\"lint\": \"eslint . --max-warnings 0\",",
                "\"lint\": \"eslint . --max-warnings 0\", \"validate\": \"npm run lint && npm run validate:types\", \"validate:types\": \"tsc --noEmit\","
            )
        ]
    ),
    // ... and a script that only runs other checks is no type check.
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "      - name: Type check\n        run: npx tsc --noEmit\n",
                "      - name: Validate\n        run: npm run validate\n"
            ),
            Replace("ci.yml", "run: npm run build", "run: npm run compile"),
            Replace(
                "package.json",
                "\"lint\": \"eslint . --max-warnings 0\",",
                "\"lint\": \"eslint . --max-warnings 0\", \"validate\": \"npm run lint && npm run validate\","
            )
        ]
    ),
];

#[cfg(test)]
const PRE_COMMIT: &str = "repos:\n  - repo: local\n    hooks:\n      - id: tsc\n        name: tsc\n        entry: npx tsc --noEmit\n        language: system\n        pass_filenames: false\n";
