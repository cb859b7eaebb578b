//! `security.dependency-updates`: Dependency updates.

use super::missing;
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
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
};

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
    let evidence = vec![Evidence {
        file: f.path.clone(),
        line: 1,
        note: "Dependabot".into(),
    }];
    if uncovered.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence,
            reason: None,
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

#[cfg(test)]
verdict_tests![
    (Partial, [Write(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n")]),
    (Missing, [Remove(".github/dependabot.yml")]),
];
