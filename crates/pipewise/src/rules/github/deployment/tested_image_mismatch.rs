//! `deployment/tested-image-mismatch`: the image a workflow scans or tests is not the
//! image it pushes — another repository name, or a local build for fewer platforms
//! than the build that is pushed.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::github::expr::find_embedded;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Step, Workflow};
use pipewise_yaml::Node;

pub struct TestedImageMismatch;

pub static META: RuleMeta = RuleMeta {
    id: "deployment/tested-image-mismatch",
    title: "Tested image is not the pushed image",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Deployment,
    summary: "A step scans or tests a container image (Trivy, Grype, `docker scout`, `docker pull`/`docker run`) that is not what the workflow pushes: another repository name than every pushed one, or a `load: true` build for fewer platforms than the build that is pushed.",
    impact: "The scan or smoke test passes on an image nobody ships — a stale `:latest` of another name, or the amd64 build only — while the image users pull is never checked.",
    doc: r#"
## Why it matters
A scan or smoke test protects users only if it looks at the bytes that are pushed. Two
mistakes make it look elsewhere: the tested reference names another repository (the
push goes to `ghcr.io/org/app-api`, the test pulls `ghcr.io/org/app:latest`, an image
this workflow never writes), or the scanned image comes from a separate `load: true`
build for one platform while the pushed build adds others — the arm64 layers are never
scanned. The hand-written audits behind this project found both: a "Test image" job
pulling a name the matrix never pushed, and a single-platform scan in front of a
multi-platform push.

Another repository name is medium. A single-platform scan in front of a multi-platform
push is low: Docker's "test before push" guide does exactly that, because a
multi-platform build cannot be loaded into the local image store; scan the pushed
digest (or each platform) afterwards to cover the rest.

## Bad
```yaml
      - uses: docker/metadata-action@v5
        id: meta
        with:
          images: ghcr.io/${{ github.repository }}-${{ matrix.service }}
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ${{ steps.meta.outputs.tags }}
  test-image:
    steps:
      - run: docker run --rm ghcr.io/${{ github.repository }}:latest --version
```

## Good
```yaml
  test-image:
    strategy:
      matrix:
        service: [api, headless]
    steps:
      - run: docker run --rm ghcr.io/${{ github.repository }}-${{ matrix.service }}:${{ github.sha }} --version
```
"#,
    fix: FixMeta {
        description: "Scan and test the exact reference you push (same repository name and tag, ideally the digest the push step outputs), built for the same platforms.",
        snippet: "- uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0\n  with:\n    image-ref: ${{ env.IMAGE }}@${{ steps.build.outputs.digest }}\n    exit-code: '1'",
        effort_minutes: 20,
    },
    references: &["https://docs.docker.com/build/ci/github-actions/test-before-push/"],
};

/// Replaces `${{ env.X }}` with the workflow's literal `env.X` (one level), lowercases.
fn resolve(wf: &Workflow, text: &str) -> String {
    let env = wf.root.get("env");
    let mut out = String::new();
    let mut last = 0;
    for e in find_embedded(text) {
        out.push_str(text.get(last..e.span.start).unwrap_or(""));
        let inner = text.get(e.inner.start..e.inner.end).unwrap_or("").trim();
        let val = inner
            .strip_prefix("env.")
            .and_then(|k| env.and_then(|m| m.get(k)))
            .and_then(Node::as_str);
        match val {
            Some(v) => out.push_str(v),
            None => out.push_str(text.get(e.span.start..e.span.end).unwrap_or("")),
        }
        last = e.span.end;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out.trim().to_ascii_lowercase()
}

/// The repository part of an image reference (no tag, no digest); `${{ }}` parts are
/// opaque (a `:` inside one is not a tag separator).
fn repo_of(r: &str) -> &str {
    let mut masked: Vec<u8> = r.as_bytes().to_vec();
    for e in find_embedded(r) {
        for b in masked.iter_mut().take(e.span.end).skip(e.span.start) {
            *b = b'x';
        }
    }
    let end = masked
        .iter()
        .position(|&b| b == b'@')
        .unwrap_or(masked.len());
    let slash = masked[..end].iter().rposition(|&b| b == b'/').unwrap_or(0);
    let end = masked[slash..end]
        .iter()
        .position(|&b| b == b':')
        .map(|i| slash + i)
        .unwrap_or(end);
    r.get(..end).unwrap_or(r)
}

struct Built {
    repos: Vec<String>,
    push: bool,
    load: bool,
    platforms: Vec<String>,
    span: Span,
}

fn with_list(s: &Step, key: &str) -> Vec<String> {
    s.with_str(key)
        .map(|t| {
            t.split([',', '\n'])
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty() && !x.starts_with('#'))
                .collect()
        })
        .unwrap_or_default()
}

fn truthy(s: &Step, key: &str) -> bool {
    s.with
        .and_then(|w| w.get(key))
        .map(|n| {
            n.as_bool() == Some(true)
                || n.as_str()
                    .is_some_and(|v| v.contains("true") || v.contains("${{"))
        })
        .unwrap_or(false)
}

/// Images the workflow builds: `docker/build-push-action` (tags, or the `images:` of the
/// metadata step its tags come from) and `docker build -t` / `docker push` commands.
fn built(wf: &Workflow) -> Vec<Built> {
    let mut out = vec![];
    for job in &wf.jobs {
        for s in &job.steps {
            if s.action() == Some("docker/build-push-action") {
                let mut repos = vec![];
                for t in with_list(s, "tags") {
                    if let Some(id) = t.split("steps.").nth(1).and_then(|r| r.split('.').next()) {
                        if let Some(meta) = job.steps.iter().find(|x| x.id == Some(id)) {
                            repos.extend(with_list(meta, "images").iter().map(|i| resolve(wf, i)));
                        }
                        continue;
                    }
                    repos.push(repo_of(&resolve(wf, &t)).to_string());
                }
                out.push(Built {
                    repos,
                    push: truthy(s, "push"),
                    load: truthy(s, "load"),
                    platforms: with_list(s, "platforms"),
                    span: s.anchor(),
                });
                continue;
            }
            let Some(script) = s.run.as_ref().and_then(|r| r.script.as_ref()) else {
                continue;
            };
            for c in &script.commands {
                if c.base_name() != "docker" {
                    continue;
                }
                let a: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
                let refs: Vec<String> = match a.first().copied() {
                    Some("push") => a.get(1).map(|r| vec![r.to_string()]).unwrap_or_default(),
                    Some("build") | Some("buildx") | Some("tag") => a
                        .windows(2)
                        .filter(|w| w[0] == "-t" || w[0] == "--tag")
                        .map(|w| w[1].to_string())
                        .chain(if a.first() == Some(&"tag") {
                            a.get(2).map(|r| r.to_string())
                        } else {
                            None
                        })
                        .collect(),
                    _ => vec![],
                };
                if !refs.is_empty() {
                    out.push(Built {
                        repos: refs
                            .iter()
                            .map(|r| repo_of(&resolve(wf, r)).to_string())
                            .collect(),
                        push: a.first() == Some(&"push") || a.contains(&"--push"),
                        load: false,
                        platforms: vec![],
                        span: s.anchor(),
                    });
                }
            }
        }
    }
    out
}

/// Image references that a step scans or runs: `(reference as written, span)`.
fn tested(s: &Step, doc: &pipewise_yaml::Document) -> Vec<(String, Span)> {
    let a = s.action().unwrap_or_default();
    for (action, input) in [
        ("aquasecurity/trivy-action", "image-ref"),
        ("anchore/scan-action", "image"),
        ("docker/scout-action", "image"),
    ] {
        if a == action {
            return s
                .with
                .and_then(|w| w.get(input))
                .and_then(|n| n.as_str().map(|t| (t.to_string(), n.span)))
                .into_iter()
                .collect();
        }
    }
    let Some(run) = &s.run else { return vec![] };
    let Some(script) = &run.script else {
        return vec![];
    };
    let mut out = vec![];
    for c in &script.commands {
        let args = c.args();
        let image = match (c.base_name(), args.first().map(|w| w.text.as_str())) {
            ("docker", Some("pull")) => args.get(1),
            ("docker", Some("run")) => args.iter().skip(1).find(|w| {
                !w.text.starts_with('-') && (w.text.contains('/') || w.text.contains(':'))
            }),
            ("trivy", Some("image")) | ("grype", _) => {
                args.iter().skip(1).find(|w| !w.text.starts_with('-'))
            }
            _ => None,
        };
        if let Some(w) = image {
            out.push((w.text.clone(), run.source_span(doc, c.span)));
        }
    }
    out
}

/// `ghcr.io/owner` of `ghcr.io/owner/name`: images under the same namespace are ours.
fn namespace(r: &str) -> &str {
    r.rsplit_once('/').map(|(a, _)| a).unwrap_or("")
}

impl Rule for TestedImageMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        let builds = built(wf);
        let pushed: Vec<&Built> = builds.iter().filter(|b| b.push).collect();
        if pushed.is_empty() {
            return;
        }
        let pushed_repos: Vec<&str> = pushed
            .iter()
            .flat_map(|b| b.repos.iter().map(String::as_str))
            .collect();
        let built_repos: Vec<&str> = builds
            .iter()
            .flat_map(|b| b.repos.iter().map(String::as_str))
            .collect();
        for job in &wf.jobs {
            for s in &job.steps {
                for (r, span) in tested(s, wf.doc) {
                    let resolved = resolve(wf, &r);
                    let repo = repo_of(&resolved);
                    // 1. Another repository under the namespace this workflow pushes to.
                    if !built_repos.contains(&repo)
                        && !namespace(repo).is_empty()
                        && pushed_repos.iter().any(|p| {
                            namespace(p) == namespace(repo) || p.starts_with(&format!("{repo}-"))
                        })
                    {
                        cx.report(
                            &META,
                            wf.path,
                            span,
                            format!("`{r}` is tested, but this workflow never builds or pushes `{repo}`; it pushes {}.", pushed_repos.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")),
                        )
                        .job(Some(job.id))
                        .step(Some(s.label()));
                        continue;
                    }
                    // 2. A local single-platform build scanned, a multi-platform build pushed.
                    let Some(local) = builds
                        .iter()
                        .find(|b| b.load && !b.push && b.repos.iter().any(|x| x == repo))
                    else {
                        continue;
                    };
                    if let Some(p) = pushed.iter().find(|p| {
                        p.platforms.iter().any(|x| !local.platforms.contains(x))
                            && (p.platforms.len() > local.platforms.len().max(1))
                    }) {
                        cx.report(
                            &META,
                            wf.path,
                            span,
                            format!(
                                "`{r}` comes from a local build for {}, but the pushed build is for {}: the other platforms are never tested.",
                                if local.platforms.is_empty() { "the runner's platform only".to_string() } else { local.platforms.join(", ") },
                                p.platforms.join(", ")
                            ),
                        )
                        .severity(Severity::Low)
                        .job(Some(job.id))
                        .step(Some(s.label()))
                        .related(wf.path, p.span, "pushed build");
                    }
                }
            }
        }
    }
}
