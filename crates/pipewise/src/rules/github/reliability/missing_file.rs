//! `reliability/missing-file`: references to files that do not exist in the
//! repository: scripts a step runs, `--config`/`-c`/`-f` arguments, `working-directory`,
//! `*-version-file`, `cache-dependency-path`, docker `context`/`file`, local actions
//! (`uses: ./x`), `npm run X` with no script X, config files named in
//! `package.json` scripts, files packed by `zip`/`tar -c`, and Dockerfile `COPY`/`ADD`
//! sources that are in no build context (`docker_sources.rs`).

use crate::finding::{Category, Confidence, Severity, Span};
use crate::intent::Intent;
use crate::rules::reliability::complete;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::runners::{npm_run, package_scripts, script_named, PkgScript, PkgScripts};
use crate::shell::Command;
use crate::source::SourceFile;
use crate::workflow::{Job, Step};

pub struct MissingFile;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/missing-file",
    title: "Referenced file does not exist",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A step refers to a file or folder that is not in the repository (a script, a `--config` file, a `working-directory`, a version file, a docker context, a local action, an `npm run` script, an input of a `zip`/`tar` archive), or a Dockerfile `COPY`/`ADD`s a file that is in no build context it can be built with. High when the step is a gate (test, smoke test, deploy, scan).",
    impact: "The step fails on every run, or worse, a tool falls back to defaults and a smoke test or scan silently checks nothing.",
    doc: r#"
## Why it matters
A path that does not exist either breaks the step every time (noise that teaches people
to ignore red builds) or, with tools that fall back to defaults, turns a gate into a
no-op: `jest --config test/smoke/jest.config.js` with no such file, a deploy that reads
a missing `fly.staging.toml`. `npm run X` (and `yarn`/`pnpm`/`bun run X`) is followed
into `package.json`'s `scripts.X`, and through the scripts it runs in turn: a config
file they name (`jest --config …`, `playwright test -c …`) that is missing is reported
at the step, naming the script chain. The inputs of a release archive (`zip -r out.zip
a b`, `tar -czf out.tgz a b`; not after `-C`, which reads them from another folder) are
checked the same way (`zip` only warns about a missing name and ships the archive
without it); paths that look like a tool's output (reports, logs, packages, binaries,
`*-results`) are left alone, since a tool's own configuration can name them. Files created
earlier in the same job (build output, generated configs, downloaded artifacts) are not
reported.

A Dockerfile's `COPY`/`ADD` sources are checked against every build context it can
plausibly be built with: its own folder, each folder above it up to the repository
root, every literal `context:` of a compose file (relative to it) or a CI file, and
every folder a `docker build` line of a CI file names. A source is reported (medium,
once per Dockerfile) only when it exists in none of them. Left alone: `--from` stage
copies, heredocs, URLs, globs and `$ARG`s, folders, extensionless files and dotfiles
(what build scripts assemble into a context: `./deps`, a binary, `.npmrc-cloud`),
generated folders (`dist`, `build`, `target`, …), tool outputs (`*.jar`, `*.whl`, …),
names a CI file or script mentions (made before the build), files not named like a
Dockerfile (`dockerfile_test.exs`), `.devcontainer/` images, and every Dockerfile of a
repository with a GoReleaser configuration (it assembles the context itself). A file
that exists but is excluded by `.dockerignore` is not reported.

## Bad
```yaml
- name: Run smoke tests
  run: npx jest --config test/smoke/jest.config.js   # test/smoke/ does not exist
```

## Good
```yaml
- name: Run smoke tests
  run: npx jest --config test/smoke/jest.config.js   # committed with the workflow
```
"#,
    fix: FixMeta {
        description: "Commit the missing file, or fix the path.",
        snippet: "- name: Verify smoke tests exist\n  run: test -f test/smoke/jest.config.js",
        effort_minutes: 30,
    },
    references: &["seed: 000 CRITICAL-4"],
};

/// First path segments that hold generated or downloaded files.
const GENERATED: &[&str] = &[
    "dist",
    "build",
    "out",
    "target",
    "node_modules",
    ".venv",
    "venv",
    "vendor",
    "tmp",
    "artifacts",
    "artifact",
    "coverage",
    "bin",
    "_build",
    ".next",
    "release",
    "releases",
    "output",
    "reports",
    "site",
    "public",
    "lib",
    "pkg",
    "packages",
    ".cache",
    "obj",
];

/// Whether a path argument is worth checking: relative, literal, file-like.
fn checkable(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.starts_with('~')
        && !p.starts_with('-')
        && !p.contains(['$', '*', '{', '?', '[', '%', '<', '>', ':', '='])
        && !p.starts_with("http")
        && p != "."
        && p != "-"
}

pub(super) fn generated(p: &str) -> bool {
    let n = crate::repo::normalize(p);
    let first = n.split('/').next().unwrap_or("");
    GENERATED.contains(&first)
        || n.contains("/dist/")
        || n.contains("/build/")
        || n.contains("/node_modules/")
}

/// Everything the job did before this step, for "created earlier" checks.
fn earlier_text(job: Option<&Job>, step: &Step) -> String {
    let mut s = String::new();
    if let Some(j) = job {
        for st in j.steps.iter().take_while(|x| x.index < step.index) {
            s.push_str(st.haystack());
            if let Some(w) = st.with {
                let src: String = w
                    .as_map()
                    .map(|m| {
                        m.iter()
                            .filter_map(|e| e.value.as_str())
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default();
                s.push_str(&src.to_ascii_lowercase());
            }
        }
    }
    s
}

struct Check<'s> {
    site: &'s StepSite<'s, 's>,
    cwd: String,
    /// Built on first use: most steps reference nothing missing.
    earlier: std::cell::OnceCell<String>,
    /// The job checks out another repository or into a sub-folder: paths are unknowable.
    foreign: bool,
}

impl Check<'_> {
    fn missing(&self, cx: &Ctx, p: &str) -> Option<String> {
        if !checkable(p) || self.foreign {
            return None;
        }
        let full = crate::repo::join(&self.cwd, p);
        if full == ".." || generated(&full) || generated(p) || cx.repo.exists(&full) {
            return None;
        }
        let base = p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
        let earlier = self
            .earlier
            .get_or_init(|| earlier_text(self.site.job, self.site.step));
        if earlier.contains(&base) {
            return None;
        }
        // The step itself may create it (`mkdir -p x`, `> x`, `wget -O x`).
        if let Some(r) = &self.site.step.run {
            let t = r.text.to_ascii_lowercase();
            let first = t.find(&base);
            let last = t.rfind(&base);
            if first != last {
                return None;
            }
        }
        Some(full)
    }
}

fn severity(i: Intent) -> Severity {
    match i {
        Intent::Test
        | Intent::SecurityScan
        | Intent::Deploy
        | Intent::Publish
        | Intent::Migration
        | Intent::Backup => Severity::High,
        _ => Severity::Medium,
    }
}

/// The inputs a command packs into an archive: `zip [-opts] out.zip in…` (up to an
/// `-x`/`-i` pattern list) and `tar -c…f out.tar in…` (none after `-C`, which changes
/// the folder they are read from). Word indexes into `c.words`.
fn archive_inputs(c: &Command) -> Vec<usize> {
    let args = c.args();
    let mut out = vec![];
    match c.base_name() {
        "zip" => {
            let mut archive = false;
            let mut skip = false;
            for (i, w) in args.iter().enumerate() {
                let t = w.text.as_str();
                if skip {
                    skip = false;
                } else if matches!(t, "-x" | "-i" | "--exclude" | "--include")
                    || t.starts_with("-x@")
                {
                    break;
                } else if matches!(t, "-b" | "-n" | "-t" | "-tt" | "-P" | "-O" | "-Z" | "-s") {
                    skip = true;
                } else if t.starts_with('-') {
                    // -r, -q, -9, -j, …
                } else if !archive {
                    archive = true;
                } else {
                    out.push(i + 1);
                }
            }
        }
        "tar" => {
            let Some(first) = args.first().map(|w| w.text.trim_start_matches('-')) else {
                return out;
            };
            let create = first.contains('c') && first.ends_with('f') && !first.contains('=');
            if !create
                || first.contains(['C', 'T'])
                || args.iter().any(|w| {
                    matches!(
                        w.text.as_str(),
                        "-C" | "--directory" | "-T" | "--files-from"
                    ) || w.text.starts_with("--directory=")
                        || w.text.starts_with("--files-from=")
                })
            {
                return out;
            }
            // args[1] is the archive.
            for (i, w) in args.iter().enumerate().skip(2) {
                if w.text.starts_with('-') {
                    // `--exclude=x`; `--exclude x` takes the next word.
                    if !w.text.contains('=') && w.text.starts_with("--") {
                        break;
                    }
                    continue;
                }
                out.push(i + 1);
            }
        }
        _ => {}
    }
    out
}

/// Whether a path looks like what a tool writes (reports, logs, packages, binaries),
/// which a tool's own configuration can name without the workflow mentioning it.
pub(super) fn tool_output(p: &str) -> bool {
    const EXT: &[&str] = &[
        ".json", ".xml", ".html", ".log", ".txt", ".sarif", ".out", ".zip", ".tgz", ".gz", ".tar",
        ".whl", ".jar", ".exe", ".bin", ".so", ".dll", ".dylib", ".deb", ".rpm", ".apk", ".map",
        ".lcov", ".info",
    ];
    let lower = p.to_ascii_lowercase();
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    (EXT.iter().any(|e| base.ends_with(e)) && !base.starts_with("package"))
        || base.ends_with("-results")
        || base.ends_with("-report")
        || base.ends_with("-reports")
}

/// Flags that take a config file, for commands known to use them so.
fn config_args(c: &Command) -> Vec<(usize, &str)> {
    let name = c.base_name();
    let words = &c.words;
    let mut out = vec![];
    let takes_f = matches!(
        name,
        "docker" | "docker-compose" | "kubectl" | "helm" | "podman" | "skaffold" | "k6"
    );
    let sub = words.get(1).map(|w| w.text.as_str()).unwrap_or("");
    let takes_c = matches!(
        name,
        "flyctl"
            | "fly"
            | "jest"
            | "vitest"
            | "mocha"
            | "eslint"
            | "pytest"
            | "golangci-lint"
            | "playwright"
            | "cypress"
            | "trivy"
            | "semgrep"
            | "hadolint"
            | "yamllint"
            | "k6"
            | "terraform"
            | "tflint"
            | "wrangler"
            | "nyc"
    ) || (matches!(name, "npx" | "pnpx" | "bunx")
        && matches!(
            sub,
            "jest"
                | "vitest"
                | "mocha"
                | "eslint"
                | "playwright"
                | "cypress"
                | "nyc"
                | "c8"
                | "tsc"
                | "webpack"
                | "vite"
                | "rollup"
        ));
    for (i, w) in words.iter().enumerate().skip(1) {
        let t = w.text.as_str();
        if let Some(v) = t
            .strip_prefix("--config=")
            .or_else(|| t.strip_prefix("--config-file="))
        {
            if takes_c {
                out.push((i, v));
            }
            continue;
        }
        let flag_f = takes_f && (t == "-f" || t == "--file");
        let flag_c = takes_c
            && (t == "--config"
                || t == "-c"
                || t == "--config-file"
                || t == "--project" && name != "flyctl");
        if flag_f || flag_c {
            if let Some(v) = words.get(i + 1) {
                if !v.dynamic && (v.text.contains('.') || v.text.contains('/')) {
                    out.push((i + 1, v.text.as_str()));
                }
            }
        }
    }
    // `kubectl apply -f k8s/` or a URL are folders or remote.
    out.retain(|(_, v)| !v.starts_with("http"));
    out
}

/// The config files a `package.json` script's commands name
/// (`jest --config test/smoke/jest.config.js`).
fn configs_of(s: &PkgScript) -> impl Iterator<Item = &str> {
    s.script
        .commands
        .iter()
        .flat_map(|c| config_args(c).into_iter().map(|(_, p)| p))
}

/// The config files a script names that do not exist, following the scripts it runs
/// (`"smoke": "npm run smoke:jest"`), each once: (the chain of script names, the
/// script that names the file, the path as written, the full path).
fn missing_script_configs<'p>(
    scripts: &'p PkgScripts,
    start: &'p str,
    mut missing: impl FnMut(&str) -> Option<String>,
) -> Vec<(Vec<&'p str>, &'p PkgScript, &'p str, String)> {
    let mut out = vec![];
    let mut seen: Vec<&str> = vec![];
    let mut stack: Vec<Vec<&str>> = vec![vec![start]];
    while let Some(chain) = stack.pop() {
        let Some(&name) = chain.last() else { continue };
        if seen.contains(&name) || seen.len() > 32 {
            continue;
        }
        seen.push(name);
        let Some(s) = script_named(scripts, name) else {
            continue;
        };
        for p in configs_of(s) {
            if let Some(full) = missing(p) {
                out.push((chain.clone(), s, p, full));
            }
        }
        for r in s.runs.iter().rev() {
            let mut next = chain.clone();
            next.push(r.as_str());
            stack.push(next);
        }
    }
    out
}

impl Rule for MissingFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        if !complete(cx.repo) {
            return;
        }
        let step = site.step;
        let intent = cx.facts.step_intent(step);
        let sev = severity(intent);
        let foreign = site
            .job
            .map(|j| {
                j.steps.iter().any(|s| {
                    s.action().map(|a| a == "actions/checkout").unwrap_or(false)
                        && (s.with_str("repository").is_some() || s.with_str("path").is_some())
                })
            })
            .unwrap_or(false)
            || site.action.is_some();
        let wd = crate::rules::step_cwd(site);
        let chk = Check {
            site,
            cwd: if checkable(wd) {
                crate::repo::normalize(wd)
            } else {
                String::new()
            },
            earlier: std::cell::OnceCell::new(),
            foreign,
        };
        let label = step.label();
        // working-directory
        if let Some(e) = step.entry("working-directory") {
            if let Some(v) = e.value.as_str() {
                let c0 = Check {
                    cwd: String::new(),
                    ..chk_clone(&chk)
                };
                if let Some(full) = c0.missing(cx, v) {
                    cx.report(&META, site.path, e.value.span, format!("`working-directory: {v}` does not exist in the repository (`{full}`), so step `{label}` fails before it starts."))
                        .severity(sev)
                        .site(site);
                }
            }
        }
        // uses: ./local-action
        if let Some(u) = step.uses_str() {
            if let Some(local) = u.strip_prefix("./") {
                let p = crate::repo::normalize(local);
                let found = p == ".."
                    || p.is_empty()
                    || ["action.yml", "action.yaml", "Dockerfile"]
                        .iter()
                        .any(|f| cx.repo.exists(&format!("{p}/{f}")));
                if !found && !foreign && checkable(local) {
                    if let Some(n) = step.uses {
                        cx.report(&META, site.path, n.span, format!("local action `{u}` has no `action.yml` in the repository, so step `{label}` fails."))
                            .severity(sev)
                            .site(site);
                    }
                }
            }
        }
        // with: inputs that name files
        if let (Some(a), Some(with)) = (step.action(), step.with) {
            let keys: &[&str] = match a {
                "actions/setup-node"
                | "actions/setup-python"
                | "actions/setup-go"
                | "actions/setup-java"
                | "pnpm/action-setup"
                | "oven-sh/setup-bun" => &[
                    "node-version-file",
                    "python-version-file",
                    "go-version-file",
                    "java-version-file",
                    "cache-dependency-path",
                    "package_json_file",
                    "bun-version-file",
                ],
                "docker/build-push-action" => &["context", "file"],
                _ => &[],
            };
            for k in keys {
                let Some(e) = with.entry(k) else { continue };
                let Some(v) = e.value.as_str() else { continue };
                for item in v.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let c0 = Check {
                        cwd: String::new(),
                        ..chk_clone(&chk)
                    };
                    // docker `file` is relative to the repository, `context` too.
                    if let Some(full) = c0.missing(cx, item) {
                        cx.report(&META, site.path, e.value.span, format!("`{k}: {item}` does not exist in the repository (`{full}`), so step `{label}` fails or uses defaults."))
                            .severity(sev)
                            .site(site);
                    }
                }
            }
        }
        let Some(run) = &step.run else { return };
        let Some(script) = &run.script else { return };
        let pkg_path = crate::repo::join(&chk.cwd, "package.json");
        let mut pkg_scripts = None;
        // After a `cd`, relative paths are relative to a folder we do not track.
        let first_cd = script
            .commands
            .iter()
            .filter(|c| matches!(c.base_name(), "cd" | "pushd"))
            .map(|c| c.span.start)
            .min()
            .unwrap_or(usize::MAX);
        for c in &script.commands {
            if c.in_condition || c.in_substitution || c.in_function || c.span.start > first_cd {
                continue;
            }
            // A script run by path.
            let name = c.name();
            let script_arg = match c.base_name() {
                "bash" | "sh" | "zsh" | "source" | "." | "python" | "python3" | "node" | "ruby"
                | "pwsh" | "perl" => {
                    c.args()
                        .iter()
                        .find(|w| !w.text.starts_with('-'))
                        .filter(|w| {
                            !w.dynamic
                                && (w.text.contains('/') || w.text.contains('.'))
                                && !w.text.contains(' ')
                        })
                }
                _ if (name.starts_with("./") || name.contains('/')) && !c.words[0].dynamic => {
                    c.words.first()
                }
                _ => None,
            };
            if let Some(w) = script_arg {
                let looks_file = w
                    .text
                    .rsplit('/')
                    .next()
                    .map(|b| b.contains('.') || w.text.starts_with("./"))
                    .unwrap_or(false);
                if looks_file && !(c.base_name() == "python" || c.base_name() == "python3")
                    || w.text.ends_with(".py")
                {
                    if let Some(full) = chk.missing(cx, &w.text) {
                        let span = run.source_span(site.doc, w.span);
                        cx.report(&META, site.path, span, format!("step `{label}` runs `{}`, which does not exist in the repository (`{full}`).", w.text))
                            .severity(sev)
                            .site(site);
                    }
                }
            }
            // Archive inputs (`zip -r release.zip dist README.md`).
            for i in archive_inputs(c) {
                let Some(w) = c
                    .words
                    .get(i)
                    .filter(|w| !w.dynamic && !tool_output(&w.text))
                else {
                    continue;
                };
                if let Some(full) = chk.missing(cx, &w.text) {
                    let does = cx.facts.command_intent(c);
                    cx.report(
                        &META,
                        site.path,
                        run.source_span(site.doc, w.span),
                        format!(
                            "`{}` packs `{}`, which is neither in the repository (`{full}`) nor made earlier in the job, so the archive fails or ships without it.",
                            crate::rules::shorten_command(&c.argv_text(), 60),
                            w.text
                        ),
                    )
                    .severity(severity(intent.max(does)).max(Severity::Medium))
                    .site(site);
                }
            }
            // --config / -f arguments
            for (i, v) in config_args(c) {
                if let Some(full) = chk.missing(cx, v) {
                    let does = cx.facts.command_intent(c);
                    let span = c
                        .words
                        .get(i)
                        .map(|w| run.source_span(site.doc, w.span))
                        .unwrap_or(run.source_span(site.doc, c.span));
                    cx.report(
                        &META,
                        site.path,
                        span,
                        format!(
                            "`{}` reads `{v}`, which does not exist in the repository (`{full}`).",
                            crate::rules::shorten_command(&c.argv_text(), 60)
                        ),
                    )
                    .severity(severity(intent.max(does)))
                    .site(site);
                }
            }
            // npm run X
            if let Some((i, name)) = npm_run(c) {
                if chk.foreign {
                    continue;
                }
                if pkg_scripts.is_none() {
                    pkg_scripts = Some(cx.repo.file(&pkg_path).and_then(package_scripts));
                }
                let Some(Some(scripts)) = &pkg_scripts else {
                    continue;
                };
                let span_of = |i: usize| {
                    c.words
                        .get(i)
                        .map(|w| run.source_span(site.doc, w.span))
                        .unwrap_or(run.source_span(site.doc, c.span))
                };
                if script_named(scripts, name).is_some() {
                    // The script exists: the config files it (or a script it runs)
                    // names must exist too.
                    for (chain, s, p, full) in
                        missing_script_configs(scripts, name, |p| chk.missing(cx, p))
                    {
                        let via = if chain.len() > 1 {
                            format!(
                                " (through {})",
                                chain[1..]
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(" → ")
                            )
                        } else {
                            String::new()
                        };
                        let last = chain.last().copied().unwrap_or(name);
                        let gate = chain
                            .iter()
                            .map(|n| crate::intent::word_intent(n))
                            .chain(std::iter::once(intent))
                            .max()
                            .unwrap_or(intent);
                        // Point the related location at the script's key.
                        let key = format!("\"{last}\"");
                        let def = cx
                            .repo
                            .file(&pkg_path)
                            .and_then(|f| f.text().find(&key))
                            .map(|at| Span::new(at, at + key.len()))
                            .unwrap_or(Span::new(0, 0));
                        let full = if full == p {
                            String::new()
                        } else {
                            format!(" (`{full}`)")
                        };
                        cx.report(
                            &META,
                            site.path,
                            span_of(i),
                            format!(
                                "`{}` runs package.json script `{name}`{via}, whose `{}` reads `{p}`{full}, which is not in the repository, so step `{label}` fails or runs with defaults.",
                                crate::rules::shorten_command(&c.argv_text(), 60),
                                crate::rules::shorten_command(&s.line, 60)
                            ),
                        )
                        .severity(severity(gate))
                        .site(site)
                        .related(&pkg_path, def, format!("script `{last}` is defined here"));
                    }
                    continue;
                }
                cx.report(&META, site.path, span_of(i), format!("`{}` runs script `{name}`, but `{pkg_path}` has no such script, so the step fails.", crate::rules::shorten_command(&c.argv_text(), 60)))
                    .severity(severity(crate::intent::word_intent(name).max(intent)))
                    .site(site)
                    .related(&pkg_path, Span::new(0, 0), "scripts defined here");
            }
        }
    }
    fn file(&self, file: &SourceFile, cx: &mut Ctx) {
        if file.kind == crate::source::FileKind::Dockerfile {
            if complete(cx.repo) {
                super::docker_sources::check(file, cx);
            }
            return;
        }
        // Config files named in package.json scripts (`jest --config test/smoke/jest.config.js`).
        if !file.path.ends_with("package.json") || !complete(cx.repo) {
            return;
        }
        let Some(scripts) = package_scripts(file) else {
            return;
        };
        let dir = file.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for (name, s) in scripts.iter() {
            {
                for p in configs_of(s) {
                    if !checkable(p) || generated(p) {
                        continue;
                    }
                    let full = crate::repo::join(dir, p);
                    if full == ".." || cx.repo.exists(&full) {
                        continue;
                    }
                    // Point at the path inside the script's JSON string.
                    let text = file.text();
                    let key = format!("\"{name}\"");
                    let at = text
                        .find(&key)
                        .and_then(|k| text[k..].find(p).map(|i| k + i));
                    let span = at
                        .map(|s| Span::new(s, s + p.len()))
                        .unwrap_or(Span::new(0, 0));
                    let intent = crate::intent::word_intent(name);
                    cx.report(&META, &file.path, span, format!("script `{name}` reads `{p}`, which does not exist in the repository (`{full}`)."))
                        .severity(severity(intent));
                }
            }
        }
    }
}

fn chk_clone<'s>(c: &Check<'s>) -> Check<'s> {
    Check {
        site: c.site,
        cwd: c.cwd.clone(),
        earlier: c.earlier.clone(),
        foreign: c.foreign,
    }
}
