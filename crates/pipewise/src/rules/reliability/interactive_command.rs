//! `reliability/interactive-command`: commands that wait for a human at a prompt
//! (`read`, `select`, `apt-get install` without `-y`, `npm init` without `-y`,
//! `docker login` with no password source, `ssh`/`scp` that can ask about host keys),
//! in `run:` blocks and in every script a step calls, transitively.

use crate::finding::{Category, Confidence, Severity};
use crate::intent::{step_intent, word_intent_phrase, Intent};
use crate::rules::{step_scripts, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::{Command, Script};

pub struct InteractiveCommand;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/interactive-command",
    title: "Interactive prompt in CI",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Deployment,
    summary: "A command that waits for keyboard input (`read -p`, `select`, `apt-get install` without `-y`, …) in a step or in a script a step calls. CI has no terminal: the step hangs until the job times out, or reads end-of-file and takes the default.",
    impact: "The job hangs for up to 6 hours, or silently takes the 'no' branch: a rollback that never happens.",
    doc: r#"
## Why it matters
GitHub Actions runs steps with no terminal attached. A `read -p "Continue?"` waits on
standard input: depending on the runner it blocks until the job's timeout, or gets
end-of-file and takes whatever branch an empty answer leads to. In a rollback script
that is the worst possible moment. pipewise follows the scripts a step calls
(`./scripts/rollback.sh`, `bash deploy.sh`, `source lib.sh`), transitively, and
reports the line in the script, naming the step that reaches it. Prompts guarded by a
CI or terminal check (`if [ "$CI" != "true" ]`, `[ -t 0 ]`) are not reported.

## Bad
```bash
read -p "Continue with rollback? (yes/no): " -r
```

## Good
```bash
if [ "${CI:-}" != "true" ] && [ -t 0 ]; then
  read -p "Continue with rollback? (yes/no): " -r
  [[ $REPLY =~ ^[Yy][Ee][Ss]$ ]] || exit 0
fi
```
"#,
    fix: FixMeta {
        description: "Skip the prompt when running non-interactively (CI=true or no terminal), or pass the answer as a flag.",
        snippet: "if [ \"${CI:-}\" != \"true\" ] && [ -t 0 ]; then\n  read -p \"Continue? (yes/no): \" -r\nfi",
        effort_minutes: 15,
    },
    references: &["seed: 000 CRITICAL-1"],
};

impl Rule for InteractiveCommand {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let step_i = step_intent(site.step).max(
            site.step
                .name
                .map(word_intent_phrase)
                .unwrap_or(Intent::Other),
        );
        let rollback = site.step.haystack().contains("rollback")
            || site.job.map(|j| j.id.contains("rollback")).unwrap_or(false);
        for ss in step_scripts(site, cx.scripts, cx.repo) {
            if ss.run.is_none() && ss.path.ends_with(".py") {
                continue;
            }
            for (idx, c) in ss.script.commands.iter().enumerate() {
                let in_pipe = ss
                    .script
                    .lists
                    .get(c.list)
                    .and_then(|l| l.items.get(c.item))
                    .map(|it| it.pipeline && it.commands.first() != Some(&idx))
                    .unwrap_or(false);
                let Some(why) = prompts(c, in_pipe) else {
                    continue;
                };
                if guarded(ss.script, c) {
                    continue;
                }
                let sev = if step_i == Intent::Deploy || rollback || step_i == Intent::Publish {
                    Severity::Critical
                } else {
                    Severity::High
                };
                let span = ss.span(site.doc, c.span);
                let what = if rollback { "rollback" } else { step_i.label() };
                let msg = match &ss.via {
                    Some((_, chain)) => format!(
                        "{why}; step `{}` runs it through {} with no terminal, so the {what} step hangs or takes the default answer.",
                        site.step.label(),
                        chain.join(" → ")
                    ),
                    None => format!("{why}; CI has no terminal, so this step hangs or takes the default answer."),
                };
                let mut b = cx
                    .report(&META, ss.path, span, msg)
                    .severity(sev)
                    .site(site);
                if let Some((via, _)) = &ss.via {
                    b = b.related(
                        site.path,
                        *via,
                        format!("reached from step `{}`", site.step.label()),
                    );
                }
                if c.base_name() != "read" && c.base_name() != "select" {
                    b = b.confidence(Confidence::Medium);
                }
                let _ = b;
            }
        }
    }
}

/// Why `c` waits for input, if it does.
fn prompts(c: &Command, piped: bool) -> Option<String> {
    let args: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    let has = |f: &str| args.contains(&f);
    let short_flag = |ch: char| {
        args.iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains(ch))
    };
    match c.base_name() {
        "read" => {
            if c.stdin_redirected() || short_flag('t') || short_flag('u') || piped {
                return None;
            }
            Some("`read` waits for input on standard input".into())
        }
        "select" => Some("`select` shows a menu and waits for a choice".into()),
        "apt-get" | "apt" | "yum" | "dnf" => {
            let installs = args.iter().any(|a| {
                matches!(
                    *a,
                    "install" | "upgrade" | "dist-upgrade" | "remove" | "purge"
                )
            });
            let yes =
                has("-y") || has("--yes") || has("--assume-yes") || has("-qq") || short_flag('y');
            (installs && !yes)
                .then(|| format!("`{}` asks for confirmation without `-y`", c.base_name()))
        }
        "npm" | "yarn" | "pnpm" => (args.first() == Some(&"init") && !(has("-y") || has("--yes")))
            .then(|| format!("`{} init` asks questions without `-y`", c.base_name())),
        "docker" => {
            let login = args.first() == Some(&"login");
            let pw = has("--password-stdin")
                || has("-p")
                || has("--password")
                || args.iter().any(|a| a.starts_with("--password="));
            (login && !pw && !c.stdin_redirected() && !piped)
                .then(|| "`docker login` without a password source prompts for one".into())
        }
        "gh" => (args.first() == Some(&"auth")
            && args.get(1) == Some(&"login")
            && !has("--with-token")
            && !c.stdin_redirected()
            && !piped)
            .then(|| "`gh auth login` without `--with-token` is interactive".into()),
        _ => None,
    }
}

/// A prompt inside a check for CI or a terminal is fine.
fn guarded(script: &Script, c: &Command) -> bool {
    script.commands.iter().any(|k| {
        k.in_condition
            && k.span.start < c.span.start
            && k.words.iter().any(|w| {
                let t = w.text.as_str();
                t.contains("CI")
                    || t.contains("GITHUB_ACTIONS")
                    || t == "-t"
                    || t.contains("INTERACTIVE")
                    || t.contains("FORCE")
                    || t.contains("YES")
                    || t.contains("ASSUME")
            })
    })
}
