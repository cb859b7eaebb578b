//! `security.codeowners`: the CI configuration has code owners. A `CODEOWNERS` rule
//! that names owners for every workflow file (GitHub) or pipeline file (GitLab),
//! so that with code-owner review required a change to what the pipeline runs,
//! with its secrets and tokens, needs their approval (GitHub's security hardening
//! guide for Actions, "Using CODEOWNERS to monitor changes"; OpenSSF Scorecard's
//! Code-Review). Whether review is required is a branch setting pipewise does not
//! read: the verdict is about the file.

use super::{missing, na};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.codeowners",
    name: "Pipeline code owners",
    practice: "CODEOWNERS for the CI files",
    evidence: "a CODEOWNERS rule with owners for every CI file",
    category: Category::Security,
    optional: true,
    build_minutes: 15,
    applies: Applies::Always,
    labelled: false,
    doc: Doc {
        present: "every CI file (workflows, GitLab pipeline files) has a code owner",
        tools: "`CODEOWNERS` in `.github/`, the root, `docs/` or `.gitlab/` (the first found); the last matching rule decides, as on GitHub and GitLab; a GitLab section's default owners count",
        partial: "a CODEOWNERS file leaves CI files without an owner (named)",
        not_applicable: "no CI files",
    },
};

/// Where GitHub (`.github/`, root, `docs/`) and GitLab (root, `docs/`, `.gitlab/`)
/// look for the file, in GitHub's order.
const FILES: [&str; 4] = [
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

/// Rules read at most (GitHub refuses files over 3 MB; this bounds the globs).
const MAX_RULES: usize = 5_000;

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Give the CI files owners in CODEOWNERS (`/.github/workflows/ @your-org/ci-owners`, or `/.gitlab-ci.yml` on GitLab) and require code-owner review on the default branch, so that changes to what the pipeline runs need their approval.".into()
}

/// The file that adds it, for this stack; `None` when no file can (the owners are
/// the repository's own).
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, _: &Cx) -> Verdict {
    let ci: Vec<&str> = i.workflows.iter().map(|w| w.path).collect();
    if ci.is_empty() {
        return na("no CI files");
    }
    let Some((file, text)) = FILES
        .iter()
        .find(|p| i.repo.exists(p))
        .and_then(|p| Some((*p, i.repo.read(p).ok()?)))
    else {
        return missing();
    };
    let owners = Owners::parse(&text, &ci);
    if !owners.any_owner {
        return missing();
    }
    let mut owned = vec![];
    let mut unowned = vec![];
    for path in &ci {
        match owners.owner_line(path) {
            Some(line) => owned.push(Evidence {
                file: file.to_string(),
                line,
                note: format!("owns `{path}`"),
            }),
            None => unowned.push(*path),
        }
    }
    if unowned.is_empty() {
        return Verdict {
            status: CapabilityStatus::Present,
            evidence: owned.into_iter().take(3).collect(),
            reason: None,
        };
    }
    let more = match unowned.len() {
        n if n > 4 => format!(" and {} more", n - 4),
        _ => String::new(),
    };
    Verdict {
        status: CapabilityStatus::Partial,
        evidence: owned.into_iter().take(3).collect(),
        reason: Some(format!(
            "{} of {} CI files have no code owner in {file}: {}{more}",
            unowned.len(),
            ci.len(),
            unowned[..unowned.len().min(4)].join(", ")
        )),
    }
}

/// The rules of a CODEOWNERS file: one glob set, and for each of its globs the
/// rule it comes from (its line, whether it names owners). Only the globs that may
/// match one of the paths asked about are compiled ([`may_match`]): a large
/// CODEOWNERS names mostly source folders, and building the set of all its globs
/// cost 24 M instructions on corpus-full.
struct Owners {
    set: GlobSet,
    /// Per glob: (line, has owners).
    rules: Vec<(usize, bool)>,
    /// Whether any rule names an owner.
    any_owner: bool,
}

impl Owners {
    /// Reads `text` for the owners of `paths` (the only paths
    /// [`Owners::owner_line`] then answers for).
    fn parse(text: &str, paths: &[&str]) -> Owners {
        Owners::parse_with(text, |glob| paths.iter().any(|p| may_match(glob, p)))
    }

    /// Reads `text`, compiling the globs `keep` accepts.
    fn parse_with(text: &str, keep: impl Fn(&str) -> bool) -> Owners {
        let mut b = GlobSetBuilder::new();
        let mut rules = vec![];
        // Whether a rule with a valid glob names owners (a glob not kept is still
        // built for this until one does).
        let mut any_owner = false;
        // A GitLab section (`[Name] @owner`, `^[Optional][2] @owner`) gives its
        // default owners to the rules under it that name none.
        let mut section_owners = false;
        for (n, line) in text.lines().enumerate().take(MAX_RULES) {
            let mut words = line.split_whitespace().take_while(|w| !w.starts_with('#'));
            let Some(pattern) = words.next() else {
                continue;
            };
            if pattern.starts_with('[') || pattern.starts_with("^[") {
                section_owners = line
                    .rsplit(']')
                    .next()
                    .is_some_and(|rest| rest.split_whitespace().next().is_some_and(is_owner));
                continue;
            }
            let owned = words.any(is_owner) || section_owners;
            for glob in globs(pattern) {
                let kept = keep(&glob);
                if !kept && (any_owner || !owned) {
                    continue;
                }
                let Ok(g) = GlobBuilder::new(&glob).literal_separator(true).build() else {
                    continue;
                };
                any_owner |= owned;
                if kept {
                    b.add(g);
                    rules.push((n + 1, owned));
                }
            }
        }
        let set = b.build().unwrap_or_else(|_| GlobSet::empty());
        Owners {
            set,
            rules,
            any_owner,
        }
    }

    /// The line of the rule that owns `path` (the last that matches, as on GitHub
    /// and GitLab), when it names owners.
    fn owner_line(&self, path: &str) -> Option<usize> {
        let last = self.set.matches(path).into_iter().max()?;
        let (line, owned) = *self.rules.get(last)?;
        owned.then_some(line)
    }
}

/// Whether `glob` (as [`globs`] writes it, matched with `literal_separator`) may
/// match `path`: false only when it cannot, because its literal runs do not all
/// occur in `path` in order. A `/` next to `**` belongs to the wildcard (`**/` also
/// matches nothing); a glob with a class, alternatives or an escape may always match.
fn may_match(glob: &str, path: &str) -> bool {
    if glob.contains(['[', ']', '{', '}', '\\']) {
        return true;
    }
    let mut rest = path;
    for lit in glob.split(['*', '?']) {
        let lit = lit.trim_matches('/');
        if lit.is_empty() {
            continue;
        }
        // memmem: a two-way searcher set up per literal and path cost 3.8 M.
        match memchr::memmem::find(rest.as_bytes(), lit.as_bytes()) {
            Some(at) => rest = rest.get(at + lit.len()..).unwrap_or(""),
            None => return false,
        }
    }
    true
}

/// `@user`, `@org/team` or an email address.
fn is_owner(w: &str) -> bool {
    w.starts_with('@') || w.contains('@')
}

/// A CODEOWNERS pattern (gitignore syntax) as globs of repository paths: a leading
/// or inner `/` anchors it at the root, else it matches at any depth; a trailing
/// `/` matches a folder only; a pattern also matches everything under a folder it
/// names, except `dir/*`, which matches only the folder's own files.
fn globs(pattern: &str) -> Vec<String> {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let folder = pattern.ends_with('/');
    let p = pattern.trim_matches('/');
    if p.is_empty() {
        return vec!["**".into()];
    }
    let base = if anchored {
        p.to_string()
    } else {
        format!("**/{p}")
    };
    let mut out = vec![];
    if !folder {
        out.push(base.clone());
    }
    if !p.ends_with("/*") {
        out.push(format!("{base}/**"));
    }
    out
}

#[cfg(test)]
mod owner_tests {
    use super::Owners;

    fn owner(text: &str, path: &str) -> Option<usize> {
        let owners = Owners::parse(text, &[path]);
        // The same answers as with every glob compiled.
        let all = Owners::parse_with(text, |_| true);
        assert_eq!(
            owners.owner_line(path),
            all.owner_line(path),
            "{text:?} {path:?}"
        );
        assert_eq!(owners.any_owner, all.any_owner, "{text:?}");
        owners.owner_line(path)
    }

    #[test]
    fn may_match_never_rejects_a_glob_that_matches() {
        let paths = [
            ".github/workflows/ci.yml",
            ".gitlab-ci.yml",
            "ci/.gitlab-ci.yml",
            "a/b/c.yml",
            "docs/x.yml",
            "workflows/a.yaml",
            "",
        ];
        let patterns = [
            "*",
            "/",
            "**",
            "*.yml",
            "*.yaml",
            ".github",
            "/.github/",
            ".github/",
            "/.github/*",
            "/.github/**",
            "/.github/*/ci.yml",
            "workflows/",
            "/.github/workflows/ci.yml",
            "ci.yml",
            "c?.yml",
            "/.gitlab-ci.yml",
            ".gitlab-ci.yml",
            "ci/",
            "/ci/**/.gitlab-ci.yml",
            "a/**/c.yml",
            "a/*/c.yml",
            "b/",
            "/b/",
            "b",
            "**/b/**",
            "/a/b/c.yml/",
            "docs/*",
            "/docs/**/*.yml",
            "/src/",
            "*.md",
            "/db/migrate",
            "x[yz]",
            "{a,b}/",
            "a\\*",
            "workflows/a.y*ml",
        ];
        for pattern in patterns {
            for glob in super::globs(pattern) {
                let m = globset::GlobBuilder::new(&glob)
                    .literal_separator(true)
                    .build()
                    .expect("glob")
                    .compile_matcher();
                for path in paths {
                    if m.is_match(path) {
                        assert!(super::may_match(&glob, path), "{glob:?} {path:?}");
                    }
                }
            }
        }
        // It does reject: the point of it.
        assert!(!super::may_match("/src/**", ".github/workflows/ci.yml"));
        assert!(!super::may_match("**/*.md", ".github/workflows/ci.yml"));
        assert!(!super::may_match("**/ci.yml/**", "ci/x.yml"));
    }

    #[test]
    fn the_last_matching_rule_decides() {
        let wf = ".github/workflows/ci.yml";
        assert_eq!(owner("* @org/all\n", wf), Some(1));
        assert_eq!(owner("* @a\n/.github/workflows/ci.yml\n", wf), None);
        assert_eq!(owner("/.github/ @a\n", wf), Some(1));
        assert_eq!(owner(".github @a\n", wf), Some(1));
        assert_eq!(owner("/.github/workflows/** @a\n", wf), Some(1));
        assert_eq!(owner("*.yml a@example.com\n", wf), Some(1));
        assert_eq!(owner("workflows/ @a\n", wf), Some(1));
        // Anchored elsewhere, one level only, other files, comments.
        assert_eq!(owner("/src/ @a\n/db/migrate @a\n", wf), None);
        assert_eq!(owner("/.github/* @a\n", wf), None);
        assert_eq!(owner("/.github/*/ci.yml @a\n", wf), Some(1));
        assert_eq!(owner("# * @a\n*.md @a # docs\n", wf), None);
        assert_eq!(owner("ci.yml # @a\n", wf), None);
        assert_eq!(owner("/.gitlab-ci.yml @a\n", ".gitlab-ci.yml"), Some(1));
        assert_eq!(owner("/.gitlab-ci.yml @a\n", "ci/.gitlab-ci.yml"), None);
        // GitLab sections: default owners, and rules that name none.
        let gl = "[CI] @org/ci\n/.gitlab-ci.yml\n[Docs]\n/docs/\n";
        assert_eq!(owner(gl, ".gitlab-ci.yml"), Some(2));
        assert_eq!(owner(gl, "docs/x.yml"), None);
        // Malformed globs are skipped, the rest still read.
        assert_eq!(owner("[unclosed @a\n/.github/ @b\n", wf), Some(2));
        assert_eq!(owner("a[ @a\n/.github/ @b\n", wf), Some(2));
    }
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [Replace(
            ".github/CODEOWNERS",
            "/.github/workflows/ @example/ci-owners\n",
            "/.github/workflows/ci.yml @example/ci-owners\n"
        )]
    ),
    (
        Partial,
        [Replace(
            ".github/CODEOWNERS",
            "/.github/workflows/ @example/ci-owners\n",
            "/.github/workflows/ @example/ci-owners\n/.github/workflows/deploy.yml\n"
        )]
    ),
    (
        Missing,
        [Replace(
            ".github/CODEOWNERS",
            "/.github/workflows/ @example/ci-owners\n",
            "/.github/workflows/\n"
        )]
    ),
    (Missing, [Remove(".github/CODEOWNERS")]),
];
