//! `security.dependency-updates`: Dependency updates.

use super::missing;
use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};
use crate::source::FileKind;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.dependency-updates",
    name: "Dependency updates",
    practice: "Dependabot/Renovate configured",
    evidence: "automated dependency updates (dependabot.yml, renovate config)",
    category: Category::Security,
    optional: false,
    build_minutes: 15,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "Dependabot or Renovate",
        tools: "`.github/dependabot.yml`, renovate config",
        partial: "dependabot.yml misses an ecosystem present in the stack, or an ecosystem's `directory`/`directories` miss a folder holding one of its lockfiles (`npm` at `/` while the lockfiles are in `apps/*`; test, example and docs folders aside)",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    let ecos: Vec<&str> = d.ecosystems.keys().copied().collect();
    format!(
        "Add Dependabot (or Renovate) for exactly the ecosystems present: {}.",
        if ecos.is_empty() {
            "github-actions".into()
        } else {
            ecos.join(", ")
        }
    )
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::wf(".github/dependabot.yml", templates::dependabot(d))
}

pub fn verdict(i: &Input, _: &Cx) -> Verdict {
    dependency_updates(i)
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
    let folders = lockfiles_outside(i, text);
    let evidence = vec![Evidence {
        file: f.path.clone(),
        line: 1,
        note: "Dependabot".into(),
    }];
    if uncovered.is_empty() && folders.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence,
            reason: None,
        }
    } else if uncovered.is_empty() {
        Verdict {
            status: CapabilityStatus::Partial,
            evidence,
            reason: Some(format!(
                "dependabot.yml's `directory` entries miss the lockfiles in {}",
                folders.join(", ")
            )),
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

/// The ecosystem a lockfile belongs to. A lockfile marks the folder Dependabot must
/// be pointed at (a workspace has one, at its root, however many manifests).
fn lockfile_ecosystem(name: &str) -> Option<&'static str> {
    Some(match name {
        "package-lock.json" | "yarn.lock" | "pnpm-lock.yaml" | "bun.lock" | "bun.lockb" => "npm",
        "Cargo.lock" => "cargo",
        "Gemfile.lock" => "bundler",
        "composer.lock" => "composer",
        "poetry.lock" | "uv.lock" | "Pipfile.lock" => "pip",
        _ => return None,
    })
}

/// Folders holding a lockfile of an ecosystem that dependabot.yml updates, none of
/// whose entries' `directory`/`directories` covers the folder (`npm` at `/` while
/// the lockfiles are in `apps/api`; `npm` at `/apps/web` of a workspace whose lockfile
/// is at the root). Test, example and docs folders are left out, as the
/// `security/dependabot-coverage` rule does; at most five are named.
fn lockfiles_outside(i: &Input, text: &str) -> Vec<String> {
    use crate::rules::github::security::dependabot_coverage::{
        accepted, covers, ignored_dir, updates,
    };
    let Ok(doc) = pipewise_yaml::Document::parse(text.to_string()) else {
        return vec![];
    };
    let entries = updates(&doc.root);
    let mut out: Vec<String> = vec![];
    for p in &i.repo.paths {
        let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
        let Some(eco) = lockfile_ecosystem(name) else {
            continue;
        };
        if ignored_dir(dir) || dir.split('/').any(|d| d.starts_with('.')) {
            continue;
        }
        let mine: Vec<_> = entries
            .iter()
            .filter(|u| accepted(eco).contains(&u.ecosystem.as_str()))
            .collect();
        // No entry for the ecosystem at all: the ecosystem check says so.
        if mine.is_empty() || mine.iter().any(|u| u.dirs.iter().any(|d| covers(d, dir))) {
            continue;
        }
        let shown = if dir.is_empty() {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        if !out.contains(&shown) {
            out.push(shown);
        }
    }
    out.truncate(5);
    out
}

#[cfg(test)]
verdict_tests![
    (Partial, [Write(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n")]),
    (Missing, [Remove(".github/dependabot.yml")]),
    // npm is listed, but for a folder without the lockfile (the root's).
    (Partial, [Replace(".github/dependabot.yml", "package-ecosystem: npm\n    directory: \"/\"", "package-ecosystem: npm\n    directory: \"/web\"")]),
    // A second lockfile, in a folder no npm entry lists.
    (Partial, [Write("web/yarn.lock", "")]),
    // Benign: lockfiles in test folders are not the project's.
    (Present, [Write("tests/fixtures/app/package-lock.json", "{}")]),
];
