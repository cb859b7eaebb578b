//! `container/copy-before-install`: `COPY . .` (the whole build context) before the
//! `RUN` that installs dependencies in the same stage, so every source change
//! re-installs all dependencies (info).

use super::{arg_words, dockerfile, head_span};
use crate::dockerfile::Instruction;
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;

pub struct CopyBeforeInstall;

pub static META: RuleMeta = RuleMeta {
    id: "container/copy-before-install",
    title: "Whole source copied before installing dependencies",
    severity: Severity::Info,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "`COPY . .` (the whole build context) comes before the `RUN` that installs dependencies (`npm ci`, `pip install -r`, `go mod download`, `bundle install`, …) in the same stage.",
    impact: "Any source change invalidates the dependency layer, so every build re-downloads and re-installs all dependencies: slower CI and more load on registries.",
    doc: r#"
## Why it matters
Docker reuses a layer only if everything before it is unchanged. After `COPY . .`
any edit to any file invalidates the cache, so the dependency install that follows
runs on every build. Copy only the manifests and lock files first, install, then copy
the rest.

Installs of the project itself (`pip install .`, `pip install -e .`, `go build`) need
the sources and are not reported.

## Bad
```dockerfile
WORKDIR /app
COPY . .
RUN npm ci
```

## Good
```dockerfile
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
```
"#,
    fix: FixMeta {
        description: "Copy the dependency manifests and lock files first, install, then copy the rest of the sources.",
        snippet: "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .",
        effort_minutes: 10,
    },
    references: &["https://docs.docker.com/build/cache/optimize/#order-your-layers"],
};

/// Dependency-install commands, as text fragments of a `RUN`.
const INSTALLS: &[&str] = &[
    "npm ci",
    "npm install",
    "npm i ",
    "yarn install",
    "yarn --frozen-lockfile",
    "pnpm install",
    "pnpm i ",
    "bun install",
    "pip install -r",
    "pip3 install -r",
    "pip install --requirement",
    "pip install --no-cache-dir -r",
    "pip3 install --no-cache-dir -r",
    "pipenv install",
    "poetry install",
    "uv sync",
    "uv pip install -r",
    "bundle install",
    "composer install",
    "go mod download",
    "cargo fetch",
    "mvn dependency:",
    "dotnet restore",
    "mix deps.get",
];

/// `COPY` whose sources include the whole context (`.`, `./`, `*`).
fn copies_everything(i: &Instruction) -> bool {
    if i.keyword != "COPY" || i.flag("from").is_some() {
        return false;
    }
    let srcs: Vec<&str> = match &i.json_form {
        Some(v) => v
            .iter()
            .take(v.len().saturating_sub(1))
            .map(String::as_str)
            .collect(),
        None => {
            let w = arg_words(&i.args);
            w.iter()
                .take(w.len().saturating_sub(1))
                .map(|(s, e)| &i.args[*s..*e])
                .collect()
        }
    };
    srcs.iter().any(|s| matches!(*s, "." | "./" | "*" | "./*"))
}

fn install_in(i: &Instruction) -> Option<&'static str> {
    if i.keyword != "RUN" {
        return None;
    }
    let mut text = i.args.clone();
    text.push(' ');
    INSTALLS.iter().copied().find(|p| text.contains(p))
}

impl Rule for CopyBeforeInstall {
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
        for stage in &d.stages {
            let mut copy: Option<&Instruction> = None;
            for i in d.instructions_in_stage(stage.index) {
                if copy.is_none() && copies_everything(i) {
                    copy = Some(i);
                    continue;
                }
                let Some(c) = copy else { continue };
                if let Some(cmd) = install_in(i) {
                    cx.report(
                        &META,
                        &f.path,
                        head_span(c),
                        format!(
                            "`COPY {}` copies the whole context before `{}` installs dependencies, so any source change re-installs them all.",
                            c.args.trim(),
                            cmd.trim()
                        ),
                    )
                    .related(&f.path, head_span(i), "dependencies installed here");
                    break;
                }
            }
        }
    }
}
