//! `deployment/placeholder-step`: a deploy, health-check, smoke-test, monitoring,
//! notification or rollback step that does nothing real: it only echoes, holds
//! comments, says TODO/placeholder/"would integrate", or has its commands commented out.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::intent::{step_role, StepRole};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};

pub struct PlaceholderStep;

pub static META: RuleMeta = RuleMeta {
    id: "deployment/placeholder-step",
    title: "Placeholder step",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Deployment,
    summary: "A step named as a deploy, health check, smoke test, monitoring check, notification or rollback whose script only echoes, holds comments or TODOs, or has its real commands commented out.",
    impact: "The pipeline shows a green 'Check error rates' or 'Deploy' step that checked or deployed nothing, and everyone believes it did.",
    doc: r#"
## Why it matters
A placeholder step looks exactly like a real one in the run log. "Check error rates"
passes, "Rollback on failure" passes, and nobody notices that the script is
`echo "Checking error rates..."` plus a comment saying it "would integrate" with a
monitoring service. Writing step outputs (`echo "url=…" >> $GITHUB_OUTPUT`, also
`$GITHUB_ENV`, `$GITHUB_STEP_SUMMARY`) is not work either: a "Deploy to server" step
that only sets the URL under a `# Replace with your deployment method` comment deploys
nothing. The finding points at the placeholder evidence (the TODO or example comment,
the commented-out command), else at the script. Severity: high for deploy and rollback
steps, medium for health, smoke and monitoring checks (error rates, response times,
latency), low for notifications.

## Bad
```yaml
- name: Check error rates
  run: |
    # This would integrate with your monitoring service (e.g., Sentry, Datadog)
    echo "Checking error rates..."
```

## Good
```yaml
- name: Check error rates
  run: |
    count=$(curl -fsS -H "Authorization: Bearer $SENTRY_TOKEN" "$SENTRY_STATS_URL" | jq '.[0][1]')
    [ "$count" -le 10 ] || { echo "::error::error rate $count"; exit 1; }
```
Or delete the step until it is real.
"#,
    fix: FixMeta {
        description: "Implement the step (a real deploy, probe or API call that can fail), or remove it so the pipeline does not claim a check it does not make.",
        snippet: "- name: Smoke test\n  run: curl -fsS --retry 10 --retry-connrefused https://staging.example.com/health",
        effort_minutes: 60,
    },
    references: &["seed: 000 HIGH-5", "seed: 004 gaps 1, 3, 4"],
};

/// Words that mark a stub.
const STUB_WORDS: &[&str] = &[
    "todo",
    "fixme",
    "placeholder",
    "would integrate",
    "implement",
    "not implemented",
    "stub",
    "replace with",
    "add your",
    "example:",
    "coming soon",
];

/// Commands that do something a check or deploy could rely on.
fn real_command(name: &str) -> bool {
    !matches!(
        name,
        "echo" | "printf" | "true" | ":" | "sleep" | "date" | "exit" | "cat" | "set" | "export"
    )
}

fn severity(r: StepRole) -> Severity {
    match r {
        StepRole::Deploy | StepRole::Rollback => Severity::High,
        StepRole::HealthCheck | StepRole::Monitoring => Severity::Medium,
        StepRole::Notification => Severity::Low,
    }
}

/// A comment that is a commented-out command (`# kubectl rollout undo …`).
fn commented_command(text: &str) -> bool {
    let t = text.trim_start_matches('#').trim();
    let first = t.split_whitespace().next().unwrap_or("");
    matches!(
        first,
        "kubectl"
            | "helm"
            | "flyctl"
            | "fly"
            | "curl"
            | "wget"
            | "aws"
            | "gcloud"
            | "az"
            | "npm"
            | "npx"
            | "yarn"
            | "pnpm"
            | "docker"
            | "ssh"
            | "scp"
            | "rsync"
            | "terraform"
            | "vercel"
            | "netlify"
            | "heroku"
            | "railway"
            | "./scripts"
            | "bash"
            | "sh"
            | "python"
            | "make"
    ) || first.starts_with("./")
}

impl Rule for PlaceholderStep {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads scripts and images only: holds on every platform.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(name) = site.step.name else { return };
        // A script first: the name's role is read for `run:` steps only.
        let Some(run) = &site.step.run else { return };
        let Some(script) = &run.script else { return };
        let Some(role) = step_role(name) else { return };
        // A script the shell parser only partly understood (often just `${{ }}` in
        // quotes): judge it by its lines, and only call it empty if every line is.
        if script.has_errors {
            let trivial = run.text.lines().map(str::trim).all(|l| {
                l.is_empty()
                    || l.starts_with('#')
                    || ["echo ", "echo\t", "printf ", "true", ":", "sleep "]
                        .iter()
                        .any(|p| l.starts_with(p))
            });
            if !trivial {
                return;
            }
        }
        let real: Vec<_> = script
            .commands
            .iter()
            .filter(|c| {
                !c.in_substitution
                    && (real_command(c.base_name())
                        || c.redirects.iter().any(|r| r.op.starts_with('>')))
            })
            .collect();
        // `echo "url=…" >> $GITHUB_OUTPUT`: sets outputs for later steps, ships nothing.
        let only_outputs = !real.is_empty()
            && real.iter().all(|c| {
                !real_command(c.base_name())
                    && c.redirects
                        .iter()
                        .filter(|r| r.op.starts_with('>'))
                        .all(|r| runner_file(&r.target))
            });
        let lower = run.text.to_ascii_lowercase();
        let stub_comment = script.comments.iter().find(|c| {
            let l = c.text.to_ascii_lowercase();
            STUB_WORDS.iter().any(|w| l.contains(w))
        });
        let commented = script.comments.iter().find(|c| commented_command(&c.text));
        let echoes_only = real.is_empty() && !script.commands.is_empty();
        let stub_echo = script.commands.iter().any(|c| {
            c.base_name() == "echo" && {
                let l = c.argv_text().to_ascii_lowercase();
                STUB_WORDS.iter().any(|w| l.contains(w)) || l.contains("would ")
            }
        });
        let evidence =
            stub_comment.is_some() || commented.is_some() || stub_echo || lower.contains("would");
        let (why, span) = if only_outputs && evidence {
            // The placeholder evidence (the stub comment), not the output line.
            let s = stub_comment
                .or(commented)
                .map(|c| c.span)
                .unwrap_or_else(|| Span::new(0, run.text.trim_end().len()));
            (
                "only echoes and writes step outputs, and is marked as a placeholder",
                s,
            )
        } else if echoes_only && (evidence || script.comments.is_empty()) {
            let s = stub_comment
                .or(commented)
                .map(|c| c.span)
                .unwrap_or_else(|| Span::new(0, run.text.trim_end().len()));
            (
                if commented.is_some() && stub_comment.is_none() {
                    "only echoes, and its real commands are commented out"
                } else if stub_comment.is_some() || stub_echo {
                    "only echoes and is marked as a placeholder"
                } else {
                    "only echoes"
                },
                s,
            )
        } else if let (false, Some(c)) = (
            real.is_empty(),
            stub_comment.filter(|c| {
                let l = c.text.to_ascii_lowercase();
                l.contains("todo")
                    || l.contains("fixme")
                    || l.contains("placeholder")
                    || l.contains("would integrate")
                    || l.contains("not implemented")
            }),
        ) {
            // Real commands, but a TODO inside a deploy/health/rollback step.
            if role == StepRole::Notification {
                return;
            }
            ("is marked unfinished", c.span)
        } else {
            return;
        };
        let span = run.source_span(site.doc, span);
        let sev = if why == "is marked unfinished" {
            Severity::Low.max(severity(role).min(Severity::Medium))
        } else {
            severity(role)
        };
        cx.report(
            &META,
            site.path,
            span,
            format!(
                "{} step `{name}` {why}: it passes without doing what its name says.",
                capital(role.label())
            ),
        )
        .severity(sev)
        .site(site);
    }
}

/// A file the runner reads back (`$GITHUB_OUTPUT`, `$GITHUB_ENV`,
/// `$GITHUB_STEP_SUMMARY`, `$GITHUB_PATH`) or `/dev/null`.
fn runner_file(target: &str) -> bool {
    let t = target.trim_matches(|c| c == '"' || c == '\'');
    let t = t.trim_start_matches('$').trim_start_matches('{');
    let t = t.trim_end_matches('}');
    matches!(
        t,
        "GITHUB_OUTPUT" | "GITHUB_ENV" | "GITHUB_STEP_SUMMARY" | "GITHUB_PATH" | "/dev/null"
    )
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
