//! `container/add-local-file`: `ADD` used to copy local files, where `COPY` says what
//! is meant; `ADD` of a URL without `--checksum` is a separate info note, and `ADD` of
//! a local archive (auto-extraction, the legitimate use) is silent.

use super::{arg_words, dockerfile, head_span};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;

pub struct AddLocalFile;

pub static META: RuleMeta = RuleMeta {
    id: "container/add-local-file",
    title: "`ADD` used for local files",
    severity: Severity::Low,
    confidence: Confidence::High,
    category: Category::Iac,
    summary: "`ADD` copies local files that are not archives (use `COPY`); `ADD <url>` without `--checksum` is reported as info.",
    impact: "`ADD` silently extracts anything that looks like an archive and can fetch URLs, so a renamed file or changed source changes the image in ways a reviewer does not expect.",
    doc: r#"
## Why it matters
`ADD` does more than copy: a local `.tar*` source is extracted, a URL is downloaded
(without verification unless `--checksum` is given). For plain files `COPY` is
explicit and behaves the same on every builder; Docker's best practices and
hadolint (DL3020) say to use `COPY` for files and folders.

What pipewise decides:
- `ADD` of local files or folders that are not archives: **low**, use `COPY`.
- `ADD https://…` without `--checksum=sha256:…`: **info** (the download is not
  verified; prefer `ADD --checksum` or `RUN curl` + checksum check).
- `ADD` of a local archive (`.tar`, `.tar.gz`, `.tgz`, `.tar.xz`, …) and `ADD` of a
  git repository or of a URL with `--checksum`: silent, these are what `ADD` is for.

## Bad
```dockerfile
ADD . /app
ADD requirements.txt /app/
```

## Good
```dockerfile
COPY . /app
ADD rootfs.tar.gz /                      # extraction is intended
ADD --checksum=sha256:24454f83… https://example.com/tool.tar.gz /tmp/
```
"#,
    fix: FixMeta {
        description: "Replace `ADD` with `COPY` for local files and folders.",
        snippet: "COPY . /app",
        effort_minutes: 2,
    },
    references: &[
        "hadolint: DL3020 (use COPY instead of ADD for files and folders)",
        "https://docs.docker.com/build/building/best-practices/#add-or-copy",
    ],
};

const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst",
    ".gz", ".bz2", ".xz",
];

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn is_git(s: &str) -> bool {
    s.starts_with("git@") || s.starts_with("git://") || s.ends_with(".git") || s.contains(".git#")
}

impl Rule for AddLocalFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads Dockerfiles and compose files (its `file` hook), whatever CI runs them:
    /// its workflow, job and step hooks see no platform's workflows.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        &[]
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        let Some(d) = dockerfile(f) else { return };
        for i in d.instructions.iter().filter(|i| i.keyword == "ADD") {
            let sources: Vec<String> = match &i.json_form {
                Some(v) => v.iter().take(v.len().saturating_sub(1)).cloned().collect(),
                None => {
                    let w = arg_words(&i.args);
                    w.iter()
                        .take(w.len().saturating_sub(1))
                        .map(|(s, e)| i.args[*s..*e].trim_matches('"').to_string())
                        .collect()
                }
            };
            if sources.is_empty() {
                continue;
            }
            let mut local = vec![];
            let mut unverified = vec![];
            for s in &sources {
                if s.starts_with("<<") {
                    local.push(s.clone()); // heredoc: inline content, COPY does the same
                } else if is_git(s) {
                } else if is_url(s) {
                    if i.flag("checksum").is_none() {
                        unverified.push(s.clone());
                    }
                } else if !ARCHIVES.iter().any(|a| s.to_ascii_lowercase().ends_with(a)) {
                    local.push(s.clone());
                }
            }
            if !local.is_empty() {
                let list = local
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                cx.report(
                    &META,
                    &f.path,
                    head_span(i),
                    format!("`ADD` copies the local {} {list}; use `COPY`, which does not auto-extract archives or fetch URLs.", if local.len() == 1 { "source" } else { "sources" }),
                );
            } else if !unverified.is_empty() {
                cx.report(
                    &META,
                    &f.path,
                    head_span(i),
                    format!(
                        "`ADD {}` downloads without verifying the file; add `--checksum=sha256:…`.",
                        unverified[0]
                    ),
                )
                .severity(Severity::Info)
                .title("`ADD` of a URL without `--checksum`")
                .fix(
                    "Pin the download with `--checksum` (BuildKit, Dockerfile syntax 1.6+).",
                    format!(
                        "ADD --checksum=sha256:<sha256 of the file> {} <dest>",
                        unverified[0]
                    ),
                    5,
                );
            }
        }
    }
}
