//! `reliability/interactive-command`: commands that wait for a human at a prompt
//! (`read`, `select`, `apt-get install` without `-y`, `npm init` without `-y`,
//! `docker login` with no password source or `-p`, `ssh`/`scp` that can ask about host
//! keys, `terraform apply` without `-auto-approve`, `git commit` without `-m`, …),
//! in `run:` blocks and in every script a step calls, transitively.

use crate::finding::{Category, Confidence, Severity};
use crate::intent::Intent;
use crate::rules::{step_scripts_iter, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::{Command, Script};
use crate::workflow::Platform;
use pipewise_yaml::Node;

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

`apt` without `-y` prompts where nothing sets `APT::Get::Assume-Yes`: GitHub-hosted
runners' images set it, so there it is reported in a `container:` or on a
self-hosted runner; a GitLab job runs in its `image:` (or the runner's default),
whose configuration pipewise cannot see, so there it is reported in the official
Debian and Ubuntu images, which set nothing. A pipeline file that writes
`APT::Get::Assume-Yes` into `/etc/apt/apt.conf.d` itself is not reported.

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
    /// Reads scripts and images only: holds on every platform.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        // What the step is for, asked only when a command prompts (most steps have
        // none): the step's intent (which counts its name) and "rollback".
        let mut known: Option<(Intent, bool)> = None;
        let facts = cx.facts;
        let mut purpose = || {
            *known.get_or_insert_with(|| {
                static ROLLBACK: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
                    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("rollback"));
                let rollback = ROLLBACK.find(site.step.haystack().as_bytes()).is_some()
                    || site
                        .job
                        .is_some_and(|j| ROLLBACK.find(j.id.as_bytes()).is_some());
                (facts.step_intent(site.step), rollback)
            })
        };
        // Whether host keys are set up: asked at most once per step.
        let mut keys_known: Option<bool> = None;
        for ss in step_scripts_iter(site, cx.facts, cx.scripts, cx.repo) {
            if ss.run.is_none() && ss.path.ends_with(".py") {
                continue;
            }
            report_select(site, &ss, &mut purpose, cx);
            // Most scripts have no command that can prompt or ask about host keys (the
            // name filter says so for most without a look at the commands). What the
            // commands ask does not depend on the step: a script several steps share
            // (a GitLab line a template gives many jobs) is looked at once.
            if !ss.script.names.any_of(MAY_ASK)
                || !cx.script_fact(&ss, "may prompt or ask about a host key", |s| {
                    s.commands
                        .iter()
                        .enumerate()
                        .any(|(idx, c)| asks(s, idx, c).is_some())
                })
            {
                continue;
            }
            for (idx, c) in ss.script.commands.iter().enumerate() {
                // Most commands can neither prompt nor ask about host keys.
                let Some((why, ssh)) = asks(ss.script, idx, c) else {
                    continue;
                };
                let name = c.base_name();
                // `git commit -F-<<EOF`: the message flag is parsed with the heredoc.
                // (Read only when `git` prompts by its words: most do not.)
                if name == "git" && why.is_some() {
                    let text = crate::rules::reliability::script_text(&ss, cx);
                    let line_end = text[c.span.start.min(text.len())..]
                        .find('\n')
                        .map(|i| i + c.span.start)
                        .unwrap_or(text.len());
                    let line = text.get(c.span.start..line_end).unwrap_or("");
                    if line.contains(" -F") || line.contains(" -m") {
                        continue;
                    }
                }
                let why = match why {
                    // GitHub-hosted images configure apt with `Assume-Yes`: only
                    // containers and self-hosted runners prompt.
                    Some(w) if w.starts_with("`apt") && !apt_prompts(site, cx) => continue,
                    // setup-miniconda / setup-micromamba configure `always_yes`.
                    Some(w)
                        if w.starts_with("`conda")
                            || w.starts_with("`mamba")
                            || w.starts_with("`micromamba") =>
                    {
                        let configured = site.job.is_some_and(|j| {
                            j.steps.iter().any(|s| {
                                s.action().is_some_and(|a| {
                                    a.contains("setup-miniconda") || a.contains("setup-micromamba")
                                })
                            })
                        });
                        if configured {
                            continue;
                        }
                        w
                    }
                    Some(w) => w,
                    None if ssh
                        && !*keys_known.get_or_insert_with(|| host_keys_known(site, cx)) =>
                    {
                        format!(
                            "`{name}` to a host whose key was never added to `known_hosts` asks to confirm it; with no terminal it fails with \"Host key verification failed\""
                        )
                    }
                    None => continue,
                };
                if guarded(ss.script, c) {
                    continue;
                }
                let (step_i, rollback) = purpose();
                let mut sev = if step_i == Intent::Deploy || rollback || step_i == Intent::Publish {
                    Severity::Critical
                } else {
                    Severity::High
                };
                // Fails loudly rather than hanging: worth fixing, not an outage.
                if ssh || why.starts_with("`docker login -p`") {
                    sev = sev.min(Severity::Medium);
                }
                let span = ss.span(site.doc, c.span);
                let what = if rollback { "rollback" } else { step_i.label() };
                let explained = why.contains("terminal") || why.contains("command line");
                let msg = match (&ss.via, explained) {
                    (Some((_, chain)), false) => format!(
                        "{why}; step `{}` runs it through {} with no terminal, so the {what} step hangs or takes the default answer.",
                        site.step.label(),
                        chain.join(" → ")
                    ),
                    (Some((_, chain)), true) => format!(
                        "{why} (step `{}` runs it through {}).",
                        site.step.label(),
                        chain.join(" → ")
                    ),
                    (None, false) => format!("{why}; CI has no terminal, so this step hangs or takes the default answer."),
                    (None, true) => format!("{why}."),
                };
                let mut b = report(cx, site, &ss, span, msg, sev);
                if name != "read" && name != "select" {
                    b = b.confidence(Confidence::Medium);
                }
                let _ = b;
            }
        }
    }
}

/// The command names [`prompts`] has a case for ([`PROMPTERS`]), and [`prompter`],
/// the same test as one `match` (asked of every command of every step).
macro_rules! prompters {
    ($($name:literal),* $(,)?) => {
        /// The command names [`prompts`] has a case for.
        const PROMPTERS: &[&str] = &[$($name),*];
        /// Whether `name` is one of [`PROMPTERS`].
        fn prompter(name: &str) -> bool {
            matches!(name, $($name)|*)
        }
    };
}

prompters![
    "read",
    "select",
    "apt-get",
    "apt",
    "yum",
    "dnf",
    "npm",
    "yarn",
    "pnpm",
    "docker",
    "terraform",
    "tofu",
    "terragrunt",
    "git",
    "pip",
    "pip3",
    "conda",
    "mamba",
    "micromamba",
    "ssh-keygen",
    "az",
    "heroku",
    "gh",
];

/// Why command `c` (the `idx`th of `script`) waits for input ([`prompts`]), and
/// whether it is an `ssh`/`scp`/`sftp` that may ask about a host key; `None` when
/// neither. It reads the script alone, not the step.
fn asks(script: &Script, idx: usize, c: &Command) -> Option<(Option<String>, bool)> {
    let name = c.base_name();
    if !may_ask(name) {
        return None;
    }
    let in_pipe = script
        .lists
        .get(c.list)
        .and_then(|l| l.items.get(c.item))
        .map(|it| it.pipeline && it.commands.first() != Some(&idx))
        .unwrap_or(false);
    let ssh = matches!(name, "ssh" | "scp" | "sftp")
        && !c.args().iter().any(|a| {
            let t = a.text.to_ascii_lowercase();
            t.contains("stricthostkeychecking") || t.contains("batchmode")
        });
    let why = prompts(c, in_pipe);
    (why.is_some() || ssh).then_some((why, ssh))
}

/// Whether a command named `name` can wait for an answer: [`prompts`] can answer
/// for it (a prompter, or one run through `sudo`/`doas`), or it may ask about a host
/// key (`ssh`, `scp`, `sftp`).
fn may_ask(name: &str) -> bool {
    prompter(name) || ASKERS.contains(&name)
}

/// What [`may_ask`] holds besides the prompters: privilege and remote shells.
const ASKERS: &[&str] = &["sudo", "doas", "ssh", "scp", "sftp"];

/// The names [`may_ask`] holds, as a name filter ([`crate::shell::Names`]).
const MAY_ASK: crate::shell::Names =
    crate::shell::Names::of(PROMPTERS).union(crate::shell::Names::of(ASKERS));

/// Why `c` waits for input, if it does.
fn prompts(c: &Command, piped: bool) -> Option<String> {
    let name = c.base_name();
    if matches!(name, "sudo" | "doas") {
        let skip = 1 + c
            .args()
            .iter()
            .take_while(|w| w.text.starts_with('-') || w.text.contains('='))
            .count();
        let inner = c.with_words(c.words.get(skip..).unwrap_or(&[]).to_vec());
        if inner.words.is_empty() {
            return None;
        }
        return prompts(&inner, piped);
    }
    // Most commands are none of these: no argument list is built for them.
    if !prompter(name) {
        return None;
    }
    // These prompt only for the subcommands (first arguments) listed: the other
    // `git`, `docker` and `npm` commands (most) need no argument list either.
    let only: &[&str] = match name {
        "git" => &["commit"],
        "npm" | "yarn" | "pnpm" => &["login", "adduser", "init"],
        "docker" | "az" | "heroku" => &["login"],
        "pip" | "pip3" => &["uninstall"],
        "gh" => &["auth"],
        _ => &[],
    };
    if !only.is_empty()
        && !c
            .args()
            .first()
            .is_some_and(|a| only.contains(&a.text.as_str()))
    {
        return None;
    }
    let args: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    let has = |f: &str| args.contains(&f);
    let short_flag = |ch: char| {
        args.iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains(ch))
    };
    match name {
        "read" => {
            // `while read -r line; do …` consumes data; it never waits on a person.
            if c.in_condition || c.stdin_redirected() || short_flag('t') || short_flag('u') || piped
            {
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
            let yes = has("-y")
                || has("--yes")
                || has("--assume-yes")
                || has("--assumeyes")
                || has("-qq")
                || short_flag('y');
            (installs && !yes)
                .then(|| format!("`{}` asks for confirmation without `-y`", c.base_name()))
        }
        "npm" | "yarn" | "pnpm" => {
            if matches!(args.first().copied(), Some("login" | "adduser")) {
                return Some(format!(
                    "`{} {}` asks for credentials",
                    c.base_name(),
                    args.first().unwrap_or(&"")
                ));
            }
            (args.first() == Some(&"init") && !(has("-y") || has("--yes")))
                .then(|| format!("`{} init` asks questions without `-y`", c.base_name()))
        }
        "docker" => {
            let login = args.first() == Some(&"login");
            let pw = has("--password-stdin")
                || has("-p")
                || has("--password")
                || args.iter().any(|a| a.starts_with("--password="));
            if login && (has("-p") || has("--password")) && !has("--password-stdin") {
                return Some("`docker login -p` takes the password on the command line (visible to other processes) and prompts for it when the secret is empty; use `--password-stdin`".into());
            }
            (login && !pw && !c.stdin_redirected() && !piped)
                .then(|| "`docker login` without a password source prompts for one".into())
        }
        "terraform" | "tofu" | "terragrunt" => {
            let sub = args.iter().find(|a| !a.starts_with('-'))?;
            let applies = matches!(*sub, "apply" | "destroy");
            let plan_file = *sub == "apply"
                && args
                    .iter()
                    .skip_while(|a| **a != "apply")
                    .skip(1)
                    .any(|a| !a.starts_with('-'));
            let auto = args.iter().any(|a| {
                a.starts_with("-auto-approve")
                    || a.starts_with("--auto-approve")
                    || a.starts_with("-input=false")
            });
            (applies && !plan_file && !auto).then(|| {
                format!(
                    "`{} {sub}` without `-auto-approve` asks for confirmation; with no terminal it reads end-of-file and cancels",
                    c.base_name()
                )
            })
        }
        "git" => {
            let commit = args.first() == Some(&"commit");
            let msg = args.iter().any(|a| {
                matches!(
                    *a,
                    "-m" | "-F" | "--file" | "--no-edit" | "-C" | "--fixup" | "-am"
                ) || a.starts_with("--message")
                    || a.starts_with("--file=")
                    || a.starts_with("--fixup=")
                    || a.starts_with("-C")
                    || a.starts_with("--reuse-message")
                    || a.starts_with("-F")
                    || a.starts_with("-m")
                    || (a.starts_with('-') && !a.starts_with("--") && a.ends_with('m'))
            });
            (commit && !msg && !c.stdin_redirected())
                .then(|| "`git commit` without `-m` opens an editor".into())
        }
        "pip" | "pip3" => (args.first() == Some(&"uninstall") && !(has("-y") || has("--yes")))
            .then(|| "`pip uninstall` asks for confirmation without `-y`".into()),
        "conda" | "mamba" | "micromamba" => {
            let changes = matches!(
                args.first().copied(),
                Some("install" | "create" | "remove" | "update" | "upgrade")
            );
            (changes && !(has("-y") || has("--yes"))).then(|| {
                format!(
                    "`{} {}` asks for confirmation without `-y`",
                    c.base_name(),
                    args.first().unwrap_or(&"")
                )
            })
        }
        "ssh-keygen" => (!has("-N")
            && !args
                .iter()
                .any(|a| matches!(*a, "-l" | "-F" | "-R" | "-y" | "-Y" | "-lf")))
        .then(|| "`ssh-keygen` without `-N` asks for a passphrase".into()),
        "az" => (args.first() == Some(&"login")
            && !args.iter().any(|a| {
                matches!(
                    *a,
                    "--service-principal"
                        | "--identity"
                        | "--federated-token"
                        | "-u"
                        | "--username"
                )
            }))
        .then(|| {
            "`az login` without a service principal or identity opens an interactive login".into()
        }),
        "heroku" => (args.first() == Some(&"login") && !has("-i") && !has("--interactive"))
            .then(|| "`heroku login` opens a browser login and waits".into()),
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

/// The job (or the step's scripts) sets up host keys, or turns host-key checks off.
fn host_keys_known(site: &StepSite, cx: &mut Ctx) -> bool {
    const MARKS: [&str; 5] = [
        "known_hosts",
        "ssh-keyscan",
        "stricthostkeychecking",
        "batchmode",
        "ssh-known-hosts",
    ];
    let has = |h: &str| MARKS.iter().any(|m| h.contains(m));
    // Workflow- or job-level `env:` (`SSH_OPTS: -o StrictHostKeyChecking=no`): one
    // pass over the source per document, without lower-casing a copy of it.
    static ANY_CASE: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let source = site.doc.source();
    let in_source = cx.doc_fact(site.doc, "host-key marks", || {
        match ANY_CASE.get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(MARKS)
                .ok()
        }) {
            Some(ac) => ac.is_match(source),
            None => has(&source.to_ascii_lowercase()),
        }
    });
    if in_source {
        return true;
    }
    let steps: &[crate::workflow::Step] = match (site.job, site.action) {
        (Some(j), _) => &j.steps,
        (None, Some(a)) => &a.steps,
        _ => std::slice::from_ref(site.step),
    };
    if steps.iter().any(|s| {
        has(s.haystack())
            || s.with
                .and_then(|w| w.as_map())
                .map(|m| {
                    m.iter().any(|e| {
                        e.key
                            .as_str()
                            .map(|k| k.contains("known_hosts") || k.contains("known-hosts"))
                            .unwrap_or(false)
                    })
                })
                .unwrap_or(false)
    }) {
        return true;
    }
    step_scripts_iter(site, cx.facts, cx.scripts, cx.repo)
        .filter(|ss| ss.run.is_none())
        .filter_map(|ss| cx.script(ss.path))
        .any(|f| has(&f.file.text().to_ascii_lowercase()))
}

/// `select x in …; do` menus (a loop construct, not a command, so found by line).
fn report_select(
    site: &StepSite,
    ss: &crate::rules::StepScript,
    purpose: &mut dyn FnMut() -> (Intent, bool),
    cx: &mut Ctx,
) {
    let text = match ss.run {
        Some(r) => r.text,
        None => cx.script(ss.path).map(|s| s.file.text()).unwrap_or(""),
    };
    // Most scripts have no `select ` at all: one substring search (a prebuilt
    // searcher) instead of splitting and trimming every line, once per shared script
    // (the text is the script's: a shared `Arc` is parsed from one text).
    static SELECT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("select "));
    if !cx.script_fact(ss, "has `select `", |_| {
        SELECT.find(text.as_bytes()).is_some()
    }) {
        return;
    }
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let start = off + (line.len() - t.len());
        off += line.len();
        let Some(rest) = t.strip_prefix("select ") else {
            continue;
        };
        if !rest.contains(" in ") && !rest.trim_end().ends_with("do") {
            continue;
        }
        if ss
            .script
            .comments
            .iter()
            .any(|c| c.span.start <= start && start < c.span.end)
        {
            continue;
        }
        let end = start + t.trim_end().len();
        let span = ss.span(site.doc, crate::finding::Span::new(start, end));
        let (step_i, rollback) = purpose();
        let sev = if step_i >= Intent::Publish || rollback {
            Severity::Critical
        } else {
            Severity::High
        };
        let msg = match &ss.via {
            Some((_, chain)) => format!(
                "`select` shows a menu and waits for a choice; step `{}` runs it through {} with no terminal, so the step hangs or takes no choice.",
                site.step.label(),
                chain.join(" → ")
            ),
            None => "`select` shows a menu and waits for a choice; CI has no terminal, so this step hangs or takes no choice.".to_string(),
        };
        let _ = report(cx, site, ss, span, msg, sev);
    }
}

/// Records a prompt finding, pointing back at the step when it is in a script file.
fn report<'c>(
    cx: &'c mut Ctx,
    site: &StepSite,
    ss: &crate::rules::StepScript,
    span: crate::finding::Span,
    msg: String,
    sev: Severity,
) -> crate::rules::FindingBuilder<'c> {
    let b = cx
        .report(&META, ss.path, span, msg)
        .severity(sev)
        .site(site);
    match &ss.via {
        Some((via, _)) => b.related(
            site.path,
            *via,
            format!("reached from step `{}`", site.step.label()),
        ),
        None => b,
    }
}

/// Whether apt can prompt in this job. GitHub-hosted runners' images set
/// `APT::Get::Assume-Yes`: there apt prompts in a container (a literal image; an
/// expression may be empty for the legs that use apt) or on a self-hosted runner. A
/// GitLab job runs in its `image:` or the runner's default one, whose apt
/// configuration pipewise cannot see (a project's own image may set it: f-droid's
/// do): apt prompts in the official Debian and Ubuntu images, which set nothing. A
/// pipeline file that sets `APT::Get::Assume-Yes` itself (writes it to
/// `/etc/apt/apt.conf.d`) does not prompt.
fn apt_prompts(site: &StepSite, cx: &mut Ctx) -> bool {
    let (Some(wf), Some(job)) = (site.workflow, site.job) else {
        return false;
    };
    let image = job.container.map(|c| c.image.and_then(Node::as_str));
    let prompts = match wf.platform {
        Platform::GitHub => match image {
            Some(image) => image.is_some_and(|i| !i.contains("${{")),
            None => {
                let texts: Vec<&str> = match job.runner.and_then(|r| r.runs_on()) {
                    Some(n) => match n.as_seq() {
                        Some(items) => items.iter().filter_map(|i| i.as_str()).collect(),
                        None => n.as_str().into_iter().collect(),
                    },
                    None => vec![],
                };
                texts.iter().any(|t| t.contains("self-hosted"))
            }
        },
        Platform::GitLab => image.flatten().is_some_and(official_debian_or_ubuntu),
    };
    prompts
        && ![Some(wf.doc), site.step.origin.map(|o| o.doc)]
            .into_iter()
            .flatten()
            .any(|doc| {
                cx.doc_fact(doc, "sets apt Assume-Yes", || {
                    doc.source().contains("APT::Get::Assume-Yes")
                })
            })
}

/// An official Debian or Ubuntu image (`debian:trixie-slim`, `docker.io/library/ubuntu`).
fn official_debian_or_ubuntu(image: &str) -> bool {
    let name = image
        .trim_start_matches("docker.io/")
        .trim_start_matches("library/");
    let name = name.split([':', '@']).next().unwrap_or(name);
    matches!(name, "debian" | "ubuntu")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case of [`prompts`] is reached: its name is in [`PROMPTERS`].
    #[test]
    fn every_prompting_command_is_listed() {
        let cases = [
            "read x",
            "select",
            "apt-get install curl",
            "apt install curl",
            "yum install curl",
            "dnf install curl",
            "npm login",
            "yarn init",
            "pnpm adduser",
            "docker login",
            "terraform apply",
            "tofu destroy",
            "terragrunt apply",
            "git commit",
            "pip uninstall x",
            "pip3 uninstall x",
            "conda install x",
            "mamba create x",
            "micromamba remove x",
            "ssh-keygen -t ed25519",
            "az login",
            "heroku login",
            "gh auth login",
            "sudo apt-get install curl",
        ];
        for case in cases {
            // (`select` alone is a loop keyword to the parser: the words are taken
            // from an `env` command.)
            let script = Script::parse(&format!("env {case}"));
            let c = script.commands.first().expect("one command");
            let c = c.with_words(c.words.get(1..).unwrap_or(&[]).to_vec());
            assert!(prompts(&c, false).is_some(), "{case}");
        }
        assert_eq!(cases.len() - 1, PROMPTERS.len());
        let script = Script::parse("echo read; ls -la");
        assert!(script.commands.iter().all(|c| prompts(c, false).is_none()));
    }
}
