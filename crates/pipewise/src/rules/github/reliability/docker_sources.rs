//! The Dockerfile part of `reliability/missing-file`: `COPY`/`ADD` sources that are
//! in no build context the Dockerfile can be built with.
//!
//! A Dockerfile's build context is chosen by whoever builds it, so every context it
//! can plausibly be built with counts: the Dockerfile's own folder and each folder
//! above it up to the repository root, and every literal `context:` of a compose
//! file (relative to the compose file) or a CI file, and every folder a
//! `docker build`/`buildx build`/`podman build` line of a CI file names. A source is
//! reported only when it exists in none of them. Sources a build can make first are
//! left alone: globs, `$ARG`s, other stages (`--from`), URLs, heredocs, folders,
//! extensionless files and dotfiles (what build scripts assemble: `./deps`, a binary,
//! `.npmrc-cloud`), generated folders (`dist`, `build`, `target`, …), tool outputs
//! (`*.jar`, `*.whl`, …), names a
//! CI file mentions (a binary built before `docker build`), and every source of a
//! repository with a GoReleaser configuration (it assembles the context itself).
//! A file excluded by `.dockerignore` exists in the repository and is not reported
//! here.

use super::missing_file::{generated, tool_output, META};
use crate::finding::Severity;
use crate::rules::container::arg_words;
use crate::rules::Ctx;
use crate::source::{FileKind, SourceFile};
use pipewise_yaml::Node;

/// The Dockerfile's folder and every folder above it (normalized, `""` the root).
fn ancestors(path: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    let mut dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    loop {
        out.push(dir.clone());
        match dir.rsplit_once('/') {
            Some((d, _)) => dir = d.to_string(),
            None if !dir.is_empty() => dir.clear(),
            None => break,
        }
    }
    out
}

/// Other folders a Dockerfile may be built from: literal `context:` values of
/// compose files (relative to the compose file) and CI files, and the words of
/// `… build …` lines in CI files (normalized).
fn named_contexts(repo: &crate::repo::Repo) -> Vec<String> {
    static BUILD: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(" build"));
    let mut out: Vec<String> = vec![];
    let kinds = [
        FileKind::Compose,
        FileKind::Workflow,
        FileKind::GitlabCi,
        FileKind::Action,
    ];
    for other in kinds.into_iter().flat_map(|k| repo.files_of(k)) {
        let base = match other.kind {
            FileKind::Compose => other.path.rsplit_once('/').map_or("", |(d, _)| d),
            FileKind::Workflow | FileKind::GitlabCi | FileKind::Action => "",
            _ => continue,
        };
        let Some(doc) = &other.yaml else { continue };
        doc.root.walk(&mut |n: &Node| {
            if let Some(m) = n.as_map() {
                for e in m.iter() {
                    if e.key.as_str() == Some("context") {
                        if let Some(v) = e.value.as_str() {
                            out.push(crate::repo::join(base, v.trim()));
                        }
                    }
                }
            }
            // (One search of the value first: most values have no ` build`.)
            if let Some(s) = n.as_str().filter(|s| BUILD.find(s.as_bytes()).is_some()) {
                for line in s.lines().filter(|l| l.contains(" build")) {
                    for w in line.split_whitespace() {
                        let w = w.trim_matches(['"', '\'']);
                        if !w.starts_with('-') && !w.contains(['$', '*']) {
                            out.push(crate::repo::normalize(w));
                        }
                    }
                }
            }
        });
    }
    out.sort();
    out.dedup();
    out.retain(|c| c != "..");
    out
}

/// Whether a CI file (workflow, GitLab CI, action) mentions `name`: a step may make it
/// before the image is built.
fn mentioned_in_ci(cx: &Ctx, name: &str) -> bool {
    // One searcher for every file (`str::contains` builds one per file).
    let finder = memchr::memmem::Finder::new(name.as_bytes());
    cx.repo
        .files
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FileKind::Workflow | FileKind::GitlabCi | FileKind::Action | FileKind::Script
            )
        })
        .any(|f| finder.find(f.text().as_bytes()).is_some())
}

/// Whether a file name is a Dockerfile's (`Dockerfile`, `Dockerfile.prod`,
/// `prod.Dockerfile`), not a source file named after one (`dockerfile_test.exs`).
fn dockerfile_name(path: &str) -> bool {
    let b = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    b == "dockerfile" || b.starts_with("dockerfile.") || b.ends_with("dockerfile")
}

/// Whether a source names a file with an extension (`config/settings.yaml`): folders
/// (`./deps`, `templates`), extensionless binaries and dotfiles are what build
/// scripts assemble into a context before the build, so they are left alone.
fn plain_file(s: &str) -> bool {
    let b = s.trim_end_matches('/');
    let b = b.rsplit('/').next().unwrap_or(b);
    !s.ends_with('/') && b.find('.').is_some_and(|i| i > 0 && i + 1 < b.len())
}

pub(super) fn check(f: &SourceFile, cx: &mut Ctx) {
    let Some(d) = crate::rules::container::dockerfile(f) else {
        return;
    };
    if !dockerfile_name(&f.path) {
        return;
    }
    if crate::rules::container::is_devcontainer(&f.path)
        || cx.facts.has_goreleaser(|| {
            [
                ".goreleaser.yml",
                ".goreleaser.yaml",
                "goreleaser.yml",
                "goreleaser.yaml",
            ]
            .iter()
            .any(|g| cx.repo.exists(g))
        })
    {
        return;
    }
    let near = ancestors(&f.path);
    // Each missing source once per Dockerfile (stages often copy the same file).
    let mut reported: Vec<String> = vec![];
    for i in d
        .instructions
        .iter()
        .filter(|i| i.keyword == "COPY" || i.keyword == "ADD")
    {
        if i.flag("from").is_some() || !i.heredocs.is_empty() {
            continue;
        }
        // (source, its range in `args`)
        let sources: Vec<(String, Option<(usize, usize)>)> = match &i.json_form {
            Some(v) => v
                .iter()
                .take(v.len().saturating_sub(1))
                .map(|s| (s.clone(), None))
                .collect(),
            None => {
                let w = arg_words(&i.args);
                w.iter()
                    .take(w.len().saturating_sub(1))
                    .map(|&(s, e)| (i.args[s..e].trim_matches('"').to_string(), Some((s, e))))
                    .collect()
            }
        };
        for (src, range) in sources {
            let s = src.trim_start_matches("./");
            if s.is_empty()
                || s == "."
                || s.starts_with('/')
                || s.starts_with("..")
                || s.contains(['$', '*', '?', '[', '{', '<', ':', '@'])
                || s.ends_with(".git")
                || !plain_file(s)
                || generated(s)
                || tool_output(s)
            {
                continue;
            }
            // Computed once per repository (every Dockerfile asks), kept in the
            // facts table.
            let (facts, repo) = (cx.facts, cx.repo);
            // Every context is normal (or the root), so `join(c, s)` of a normal `s`
            // is `s` or ends in `/s`: when no path of the repository has `s`'s last
            // part, no context has `s` (`Repo::lacks_file_named` says so only when it
            // is certain and no read is being recorded).
            let may_exist = !crate::repo::is_normal(s)
                || !cx.repo.lacks_file_named(
                    facts.repo_file_names(|| repo.file_names()),
                    s.rsplit('/').next().unwrap_or(s),
                );
            if may_exist {
                // (`join(c, s)` of a normal `s` is normal: no second normalizing.)
                let s_normal = crate::repo::is_normal(s);
                let in_context = |c: &String| {
                    if !s_normal {
                        cx.repo.exists(&crate::repo::join(c, s))
                    } else if c.is_empty() {
                        cx.repo.exists_normal(s)
                    } else {
                        cx.repo.exists_normal(&format!("{c}/{s}"))
                    }
                };
                if near.iter().any(in_context)
                    || facts
                        .named_build_contexts(|| named_contexts(repo))
                        .iter()
                        .any(in_context)
                {
                    continue;
                }
            }
            let base = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
            if reported.iter().any(|r| r == s)
                || cx.facts.ci_mentions(base, || mentioned_in_ci(cx, base))
            {
                continue;
            }
            reported.push(s.to_string());
            let span = match range {
                Some((a, b)) => i.args_range_to_span(f.text(), a, b),
                None => crate::rules::container::head_span(i),
            };
            let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
            cx.report(
                &META,
                &f.path,
                span,
                format!(
                    "`{} {src}` copies a file that is in no build context this Dockerfile can be built with (its folder `{}`, the folders above it, or a `context:` named by a compose or CI file), so `docker build` fails with \"not found\".",
                    i.keyword,
                    if dir.is_empty() { "." } else { dir }
                ),
            )
            .severity(Severity::Medium);
        }
    }
}
