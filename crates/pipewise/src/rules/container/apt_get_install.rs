//! `container/apt-get-install`: `apt-get install` in a Dockerfile `RUN` without `-y`
//! (low: the build stops at the prompt as soon as extra packages are pulled in) or
//! without `--no-install-recommends` (info), and `apt-get update` layers that keep
//! `/var/lib/apt/lists` (info).

use super::{dockerfile, head_span};
use crate::dockerfile::Instruction;
use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::shell::{Command, Script};
use crate::source::SourceFile;

pub struct AptGetInstall;

pub static META: RuleMeta = RuleMeta {
    id: "container/apt-get-install",
    title: "`apt-get install` is not build-safe",
    severity: Severity::Low,
    confidence: Confidence::High,
    category: Category::Iac,
    summary: "`apt-get install` in a `RUN` without `-y` (low) or without `--no-install-recommends` (info); an `apt-get update` whose layer keeps `/var/lib/apt/lists` (info).",
    impact: "Without `-y` the build aborts at the confirmation prompt the day a dependency pulls in an extra package; recommended packages and package lists bloat the image and its attack surface.",
    doc: r#"
## Why it matters
A Docker build has no terminal. `apt-get install foo` asks "Do you want to
continue?" whenever it must install more than what was named, reads end-of-file and
aborts, so a build that works today breaks when a package gains a dependency. Use
`-y`. Recommended packages are installed by default on Debian/Ubuntu and often
double the size of a layer (and of what a scanner reports). Package lists downloaded
by `apt-get update` stay in the layer unless the same `RUN` deletes them.

Recommends and list clean-up only matter for stages that end up in the final image;
build stages are not checked for them. A `RUN --mount=type=cache` on `/var/lib/apt`
and an `APT::Install-Recommends` setting in the Dockerfile are respected.

## Bad
```dockerfile
RUN apt-get update && apt-get install curl ca-certificates
```

## Good
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
```
"#,
    fix: FixMeta {
        description: "Add `-y --no-install-recommends` and delete the package lists in the same `RUN`.",
        snippet: "RUN apt-get update \\\n && apt-get install -y --no-install-recommends <packages> \\\n && rm -rf /var/lib/apt/lists/*",
        effort_minutes: 3,
    },
    references: &[
        "hadolint: DL3014 (use -y), DL3015 (--no-install-recommends), DL3009 (delete apt lists)",
        "https://docs.docker.com/build/building/best-practices/#apt-get",
    ],
};

/// The index of the `apt-get`/`apt` word after `sudo`/`env` prefixes, if any.
fn apt_word(c: &Command) -> Option<usize> {
    for (i, w) in c.words.iter().enumerate() {
        let base = w.text.rsplit('/').next().unwrap_or(&w.text);
        match base {
            "apt-get" | "apt" => return Some(i),
            "sudo" | "env" => continue,
            _ if w.text.contains('=') || w.text.starts_with('-') => continue,
            _ => return None,
        }
    }
    None
}

fn subcommand(c: &Command, at: usize) -> Option<&str> {
    let mut skip_next = false;
    for w in c.words.iter().skip(at + 1) {
        if skip_next {
            skip_next = false;
            continue;
        }
        if w.text == "-o" || w.text == "-c" || w.text == "-t" {
            skip_next = true;
            continue;
        }
        if !w.text.starts_with('-') {
            return Some(w.text.as_str());
        }
    }
    None
}

fn has_yes(c: &Command, at: usize) -> bool {
    c.words.iter().skip(at + 1).any(|w| {
        let t = w.text.as_str();
        t == "--yes"
            || t == "--assume-yes"
            || t.contains("Assume-Yes=true")
            || t.contains("Assume-Yes=1")
            || (t.starts_with('-') && !t.starts_with("--") && t.contains('y'))
    })
}

fn has_no_recommends(c: &Command, at: usize) -> bool {
    c.words.iter().skip(at + 1).any(|w| {
        w.text == "--no-install-recommends"
            || w.text.contains("Install-Recommends=false")
            || w.text.contains("Install-Recommends=0")
    })
}

/// Where a script of a `RUN` sits in the file.
enum Origin {
    /// The instruction's arguments (continuation lines mapped by the parser).
    Args,
    /// A heredoc body starting at this byte.
    Heredoc(usize),
}

/// The shell scripts of a `RUN` that mention apt: its arguments, and its heredoc
/// bodies when their offsets map one to one onto the source.
fn run_scripts(i: &Instruction) -> Vec<(Script, Origin)> {
    let mut out = vec![];
    if i.json_form.is_none() && i.args.contains("apt") {
        out.push((Script::parse(&i.args), Origin::Args));
    }
    for h in &i.heredocs {
        if !h.strip_tabs && !h.body.contains('\r') && h.body.contains("apt") {
            out.push((Script::parse(&h.body), Origin::Heredoc(h.body_span.start)));
        }
    }
    out
}

fn map(src: &str, i: &Instruction, o: &Origin, s: Span) -> Span {
    match o {
        Origin::Args => i.args_range_to_span(src, s.start, s.end),
        Origin::Heredoc(base) => s.offset(*base),
    }
}

impl Rule for AptGetInstall {
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
        let text = f.text();
        let shipped = super::stage_set(d, &super::final_chain(d));
        let recommends_configured = text.contains("Install-Recommends");
        let yes_configured = text.contains("Assume-Yes");
        for i in d.instructions.iter().filter(|i| i.keyword == "RUN") {
            let in_final = shipped.get(i.stage).copied().unwrap_or(false);
            let apt_cache = i.flags.iter().any(|(n, v)| {
                n == "mount" && v.as_deref().is_some_and(|v| v.contains("/var/lib/apt"))
            });
            let mut updated: Option<String> = None;
            let mut cleaned = false;
            for (script, origin) in run_scripts(i) {
                for c in &script.commands {
                    if c.base_name() == "rm"
                        && c.args()
                            .iter()
                            .any(|w| w.text.contains("/var/lib/apt/lists"))
                    {
                        cleaned = true;
                    }
                    let Some(at) = apt_word(c) else { continue };
                    match subcommand(c, at) {
                        Some("update") => updated = Some(c.words[at].text.clone()),
                        Some("install") => {
                            let yes = yes_configured || has_yes(c, at);
                            let rec =
                                recommends_configured || has_no_recommends(c, at) || !in_final;
                            if yes && rec {
                                continue;
                            }
                            let mut missing = vec![];
                            if !yes {
                                missing.push("`-y`");
                            }
                            if !rec {
                                missing.push("`--no-install-recommends`");
                            }
                            let cmd = c.words[at].text.clone();
                            let msg = if !yes {
                                format!("`{cmd} install` runs without {}: the build aborts at the confirmation prompt as soon as an extra package is needed.", missing.join(" and "))
                            } else {
                                format!("`{cmd} install` runs without `--no-install-recommends`, so recommended packages bloat the final image.")
                            };
                            let b = cx.report(&META, &f.path, map(text, i, &origin, c.span), msg);
                            if yes {
                                b.severity(Severity::Info);
                            }
                        }
                        _ => {}
                    }
                }
            }
            if let Some(cmd) = updated.filter(|_| !cleaned && in_final && !apt_cache) {
                cx.report(
                    &META,
                    &f.path,
                    head_span(i),
                    format!("This `RUN` runs `{cmd} update` but does not `rm -rf /var/lib/apt/lists/*`, so the package lists stay in the image layer."),
                )
                .severity(Severity::Info)
                .title("apt package lists kept in the image");
            }
        }
    }
}
