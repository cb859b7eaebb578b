//! Inline suppressions: `# pipewise: ignore[rule-id, …] reason` on the offending line
//! or alone on the line above, and zizmor's `# zizmor: ignore[audit]` for the
//! equivalent pipewise rules ([`ZIZMOR_EQUIVALENTS`]).
//!
//! Every comment that looks like a pipewise suppression is checked once per file: an
//! unknown rule id, a bare `pipewise: ignore`, or another spelling (`pipewise:ignore`,
//! upper case) is a warning with its file and line, and is not honoured; a
//! suppression that matched no finding is a warning too.

use crate::source::{LoadError, SourceFile};
use crate::suggest::{did_you_mean, rule_ids};
use std::collections::BTreeMap;

/// zizmor audits and the pipewise rules that report the same problem. A
/// `# zizmor: ignore[<audit>]` comment suppresses these rules' findings on its line
/// (or the next line, when the comment is alone on its line). zizmor audits not
/// listed here have no pipewise equivalent and suppress nothing.
pub const ZIZMOR_EQUIVALENTS: &[(&str, &[&str])] = &[
    ("artipacked", &["security/persisted-credentials"]),
    ("archived-uses", &["security/deprecated-action"]),
    ("bot-conditions", &["security/spoofable-bot-check"]),
    ("cache-poisoning", &["security/cache-poisoning"]),
    ("concurrency-limits", &["reliability/missing-concurrency"]),
    ("dangerous-triggers", &["security/dangerous-trigger"]),
    (
        "dependabot-execution",
        &["security/dependabot-insecure-execution"],
    ),
    (
        "excessive-permissions",
        &[
            "security/overbroad-permissions",
            "security/missing-permissions",
        ],
    ),
    ("github-env", &["security/github-env-injection"]),
    (
        "hardcoded-container-credentials",
        &["security/hardcoded-credential"],
    ),
    ("insecure-commands", &["security/deprecated-command"]),
    (
        "known-vulnerable-actions",
        &["security/known-vulnerable-action"],
    ),
    ("overprovisioned-secrets", &["security/secret-exposure"]),
    ("secrets-inherit", &["security/secrets-inherit"]),
    ("secrets-outside-env", &["security/secret-exposure"]),
    ("self-hosted-runner", &["security/self-hosted-runner"]),
    ("template-injection", &["security/template-injection"]),
    ("unpinned-images", &["security/unpinned-image"]),
    ("unpinned-uses", &["security/unpinned-action"]),
    ("unredacted-secrets", &["security/secret-exposure"]),
    ("unsound-condition", &["security/unsound-condition"]),
    ("unsound-contains", &["security/unsound-contains"]),
];

/// One suppression comment.
#[derive(Debug, Clone)]
struct Comment {
    line: usize,
    /// Alone on its line: it also covers the next line.
    own_line: bool,
    /// Pipewise rule ids (or `*`), each with whether a finding used it.
    rules: Vec<(String, bool)>,
    /// From a zizmor comment: unused entries are not reported.
    zizmor: bool,
}

/// The suppressions of a repository, by file, and the warnings found reading them.
#[derive(Debug, Default)]
pub struct Suppressions {
    by_file: BTreeMap<String, Vec<Comment>>,
    pub warnings: Vec<LoadError>,
}

impl Suppressions {
    /// Reads the suppression comments of every file.
    pub fn collect<'f>(files: impl IntoIterator<Item = &'f SourceFile>) -> Suppressions {
        let mut s = Suppressions::default();
        for f in files {
            let comments = scan(f, &mut s.warnings);
            if !comments.is_empty() {
                s.by_file.insert(f.path.clone(), comments);
            }
        }
        s
    }

    /// Whether a finding of `rule` at `line` of `file` is suppressed (and marks the
    /// suppression used).
    pub fn suppresses(&mut self, file: &str, line: usize, rule: &str) -> bool {
        let Some(comments) = self.by_file.get_mut(file) else {
            return false;
        };
        let mut hit = false;
        for c in comments
            .iter_mut()
            .filter(|c| c.line == line || (c.own_line && c.line + 1 == line))
        {
            for (r, used) in &mut c.rules {
                if r == rule || r == "*" {
                    *used = true;
                    hit = true;
                }
            }
        }
        hit
    }

    /// Warnings for pipewise suppressions that matched no finding (rules the config
    /// disables excepted: their findings are not produced at all).
    pub fn unused(&self, disabled: impl Fn(&str) -> bool) -> Vec<LoadError> {
        let mut out = vec![];
        for (file, comments) in &self.by_file {
            for c in comments.iter().filter(|c| !c.zizmor) {
                for (r, _) in c.rules.iter().filter(|(r, used)| !used && !disabled(r)) {
                    out.push(LoadError {
                        file: file.clone(),
                        line: c.line,
                        column: 0,
                        message: format!(
                            "`pipewise: ignore[{r}]` suppresses nothing: no `{r}` finding on this line{}; remove it",
                            if c.own_line { " or the next" } else { "" }
                        ),
                    });
                }
            }
        }
        out
    }
}

/// Finds the suppression comments of one file. Only lines holding `ignore` (any
/// case) after a `#` are looked at, so the cost is a few vectorised searches.
fn scan(f: &SourceFile, warnings: &mut Vec<LoadError>) -> Vec<Comment> {
    let text = f.text();
    let mut lines: Vec<usize> = ["ignore", "IGNORE", "Ignore"]
        .iter()
        .flat_map(|n| memchr::memmem::find_iter(text.as_bytes(), n.as_bytes()))
        .map(|at| f.position(at).line)
        .collect();
    lines.sort_unstable();
    lines.dedup();
    let mut out = vec![];
    for line in lines {
        let t = f.line_text(line);
        let mut warn = |message: String| {
            warnings.push(LoadError {
                file: f.path.clone(),
                line,
                column: 0,
                message,
            })
        };
        if let Some(c) = parse_line(t, line, &mut warn) {
            out.push(c);
        }
    }
    out
}

/// The directive of one line, if it has one; malformed ones are warned about.
fn parse_line(t: &str, line: usize, warn: &mut dyn FnMut(String)) -> Option<Comment> {
    let hash = t.find('#')?;
    let comment = &t[hash..];
    let lower = comment.to_ascii_lowercase();
    let found = ["pipewise", "zizmor"]
        .iter()
        .flat_map(|tool| lower.match_indices(tool));
    for (at, tool) in found {
        let after = &lower[at + tool.len()..];
        let rest = after.trim_start_matches([' ', '\t']);
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        let Some(tail) = rest.trim_start_matches([' ', '\t']).strip_prefix("ignore") else {
            continue;
        };
        let head_len = comment.len() - tail.len();
        let written = &comment[at..head_len];
        let canonical = format!("{tool}: ignore");
        let list = tail.strip_prefix('[').and_then(|l| {
            l.find(']')
                .map(|e| &comment[head_len + 1..head_len + 1 + e])
        });
        if tool == "zizmor" {
            // zizmor's own syntax; anything else is zizmor's business.
            if written != canonical {
                return None;
            }
            let rules: Vec<(String, bool)> = list?
                .split(',')
                .map(str::trim)
                .filter_map(|a| ZIZMOR_EQUIVALENTS.iter().find(|(z, _)| *z == a))
                .flat_map(|(_, ids)| ids.iter().map(|id| (id.to_string(), false)))
                .collect();
            return (!rules.is_empty()).then(|| Comment {
                line,
                own_line: t[..hash].trim().is_empty(),
                rules,
                zizmor: true,
            });
        }
        let Some(list) = list else {
            warn(format!(
                "`{}` is not honoured: name the rules, as in `# pipewise: ignore[rule-id] reason` (`*` for every rule)",
                comment[at..].trim_end()
            ));
            return None;
        };
        if written != canonical {
            warn(format!(
                "`{written}[{list}]` is not honoured: write `pipewise: ignore[{list}]` (lower case, one space after the colon)"
            ));
            return None;
        }
        let mut rules = vec![];
        for id in list.split(',').map(str::trim) {
            if id == "*" || crate::rules::by_id(id).is_some() {
                rules.push((id.to_string(), false));
            } else if id.is_empty() {
                warn("empty rule id in `pipewise: ignore[…]`; name a rule, or `*`".into());
            } else {
                let zizmor = ZIZMOR_EQUIVALENTS
                    .iter()
                    .find(|(z, _)| *z == id)
                    .map(|(_, ids)| {
                        format!(
                            " (`{id}` is a zizmor audit; pipewise calls it `{}`)",
                            ids.join("`, `")
                        )
                    })
                    .unwrap_or_default();
                let hint = if zizmor.is_empty() {
                    did_you_mean(id, rule_ids())
                } else {
                    String::new()
                };
                warn(format!(
                    "`pipewise: ignore[{id}]` names an unknown rule, so it suppresses nothing{zizmor}{hint}"
                ));
            }
        }
        return (!rules.is_empty()).then(|| Comment {
            line,
            own_line: t[..hash].trim().is_empty(),
            rules,
            zizmor: false,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileKind;

    fn file(text: &str) -> SourceFile {
        SourceFile::from_text("w.yml".into(), FileKind::Script, text.into()).0
    }

    fn warnings(text: &str) -> Vec<String> {
        let s = Suppressions::collect([&file(text)]);
        s.warnings
            .iter()
            .map(|w| format!("{}: {}", w.line, w.message))
            .collect()
    }

    #[test]
    fn suppresses_on_the_line_and_below_a_lone_comment() {
        let f = file("# pipewise: ignore[reliability/masked-failure] flaky\nnpm test || true\nx # pipewise: ignore[*]\ny\n");
        let mut s = Suppressions::collect([&f]);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert!(s.suppresses("w.yml", 2, "reliability/masked-failure"));
        assert!(!s.suppresses("w.yml", 2, "security/unpinned-action"));
        assert!(s.suppresses("w.yml", 3, "security/unpinned-action"));
        assert!(
            !s.suppresses("w.yml", 4, "security/unpinned-action"),
            "a trailing comment covers its own line only"
        );
        assert!(s.unused(|_| false).is_empty());
    }

    #[test]
    fn zizmor_ignores_suppress_the_equivalent_rule() {
        let f = file("run: echo ${{ github.event.issue.title }} # zizmor: ignore[template-injection] reviewed\n");
        let mut s = Suppressions::collect([&f]);
        assert!(s.suppresses("w.yml", 1, "security/template-injection"));
        assert!(!s.suppresses("w.yml", 1, "reliability/masked-failure"));
        let f = file("# zizmor: ignore[unpinned-uses]\n- uses: a/b@v1\n");
        let mut s = Suppressions::collect([&f]);
        assert!(s.suppresses("w.yml", 2, "security/unpinned-action"));
        // zizmor audits without an equivalent, and unused zizmor comments, say nothing.
        let f = file("x # zizmor: ignore[ref-confusion]\ny # zizmor: ignore[artipacked]\n");
        let s = Suppressions::collect([&f]);
        assert!(s.warnings.is_empty() && s.unused(|_| false).is_empty());
    }

    #[test]
    fn every_zizmor_equivalent_is_a_pipewise_rule() {
        for (z, ids) in ZIZMOR_EQUIVALENTS {
            for id in *ids {
                assert!(crate::rules::by_id(id).is_some(), "{z} → {id}");
            }
        }
    }

    /// A rule whose references name a zizmor audit is that audit's equivalent.
    #[test]
    fn zizmor_references_of_rules_are_in_the_table() {
        for r in crate::rules::all() {
            let m = r.meta();
            for z in m
                .references
                .iter()
                .filter_map(|r| r.strip_prefix("zizmor: "))
            {
                assert!(
                    ZIZMOR_EQUIVALENTS
                        .iter()
                        .any(|(a, ids)| *a == z && ids.contains(&m.id)),
                    "{} names zizmor's {z}: add it to ZIZMOR_EQUIVALENTS",
                    m.id
                );
            }
        }
    }

    #[test]
    fn malformed_and_unknown_suppressions_are_warned_about() {
        assert_eq!(
            warnings("a || true # pipewise: ignore[reliability/masked-failur]\n"),
            ["1: `pipewise: ignore[reliability/masked-failur]` names an unknown rule, so it suppresses nothing; did you mean `reliability/masked-failure`?"]
        );
        assert_eq!(
            warnings("\n# pipewise: ignore\n"),
            ["2: `pipewise: ignore` is not honoured: name the rules, as in `# pipewise: ignore[rule-id] reason` (`*` for every rule)"]
        );
        assert_eq!(
            warnings("# pipewise:ignore[*]\n"),
            ["1: `pipewise:ignore[*]` is not honoured: write `pipewise: ignore[*]` (lower case, one space after the colon)"]
        );
        assert_eq!(warnings("# PIPEWISE: IGNORE[*]\n").len(), 1);
        assert_eq!(
            warnings("# pipewise: ignore[template-injection]\n"),
            ["1: `pipewise: ignore[template-injection]` names an unknown rule, so it suppresses nothing (`template-injection` is a zizmor audit; pipewise calls it `security/template-injection`)"]
        );
        // Not comments, or not directives: nothing to say.
        assert!(warnings("run: echo 'pipewise: ignore'\n# ignore this line\n").is_empty());
    }

    #[test]
    fn unused_suppressions_are_reported() {
        let f = file("# pipewise: ignore[reliability/masked-failure]\nnpm test\n");
        let s = Suppressions::collect([&f]);
        let u = s.unused(|_| false);
        assert_eq!(u.len(), 1);
        assert!(
            u[0].message.contains("suppresses nothing"),
            "{}",
            u[0].message
        );
        assert!(s.unused(|r| r == "reliability/masked-failure").is_empty());
    }
}
