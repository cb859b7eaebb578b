//! `reliability/masked-failure`: a command whose failure is swallowed (`|| true`,
//! `|| echo …`, `|| exit 0`, `|| :`, fallback chains ending in a no-op, `set +e` with
//! no later status check).

use super::{explains_intent, writes_fixes};
use crate::facts::Facts;
use crate::finding::{Category, Confidence, Severity, Span};
use crate::intent::Intent;
use crate::rules::{step_scripts_iter, Ctx, FixMeta, Rule, RuleMeta, StepScript, StepSite};
use crate::shell::{Command, List, Names, Op, Script};

pub struct MaskedFailure;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/masked-failure",
    title: "Command failure is masked",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Testing,
    summary: "A test, build, scan, backup, migration or deploy command whose failure is swallowed by `|| true`, `|| echo`, `|| exit 0`, `|| :` or `set +e`, so the step always succeeds.",
    impact: "The pipeline reports success while the command failed: broken code ships, vulnerabilities pass, backups are silently missing.",
    doc: r#"
## Why it matters
A step passes when its script exits 0. `npm test || echo "tests failed"` always exits 0,
so a failing test suite turns green and whatever runs next (a release, a deploy) goes
ahead. Fallback chains such as `npm run test:cov || npm test || echo "No tests configured"`
end in a no-op, and mask every command before it. Severity follows what is masked:
critical for deploy and publish commands, high for tests, scans, backups and
migrations, low for other commands. Load tests (`k6 run`, `npx autocannon`,
`artillery run`, `locust`, `wrk`, `ab`, `jmeter`) are tests: a masked load test lets a
performance regression through. Harmless commands (`rm -f x || true`,
`command -v x || echo missing`, `git commit … || echo "no changes"`) are not reported.

## Bad
```yaml
- name: Run tests
  run: npm test || echo "Tests failed, continuing"
```

## Good
```yaml
- name: Run tests
  run: npm test
```
If a failure really is acceptable, say so where it is visible and decided:
`continue-on-error: ${{ matrix.experimental }}`, or handle the status explicitly.
"#,
    fix: FixMeta {
        description: "Let the command fail the step; remove the `|| …` fallback.",
        snippet: "- name: Run tests\n  run: npm test",
        effort_minutes: 15,
    },
    references: &["seed: 000 HIGH-1", "seed: 002 critical 1-3"],
};

impl Rule for MaskedFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads scripts and images only: holds on every platform.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        for ss in step_scripts_iter(site, cx.facts, cx.scripts, cx.repo) {
            // Every check starts from a list ending in `|| …`, a `true`/`:` or a
            // `set`: most scripts have none (the name filter and the lists say so
            // without a look at the commands).
            if may_mask_quick(ss.script) && cx.script_fact(&ss, "may mask a failure", may_mask) {
                check_script(site, &ss, cx);
            }
        }
    }
}

/// The command names [`may_mask`] looks for, and their name filter.
const MASK: &[&str] = &["true", ":", "set"];
const MASK_NAMES: Names = Names::of(MASK);

/// Whether [`check_script`] can report in `script`: a list of two or more items
/// ending in `|| …` (masked by a fallback), a `true` or `:` (a trailing no-op), or a
/// `set` (`set +e`).
fn may_mask(script: &Script) -> bool {
    ends_in_fallback(script) || script.runs_any(MASK)
}

/// [`may_mask`] when the script's name filter says no command can be a `true`, `:`
/// or `set`, "maybe" otherwise: `false` means [`may_mask`] is `false`.
fn may_mask_quick(script: &Script) -> bool {
    script.names.any_of(MASK_NAMES) || ends_in_fallback(script)
}

/// Whether a list of two or more items of `script` ends in `|| …`.
fn ends_in_fallback(script: &Script) -> bool {
    script.lists.iter().any(ends_in_or)
}

/// Whether `list` has two or more items and ends in `|| …`.
fn ends_in_or(list: &List) -> bool {
    list.items.len() >= 2 && list.items.last().is_some_and(|i| i.op == Some(Op::Or))
}

fn is_noop(c: &Command) -> bool {
    match c.base_name() {
        "true" | ":" | "echo" | "printf" => true,
        "exit" | "return" => c.args().first().map(|a| a.text == "0").unwrap_or(true),
        _ => false,
    }
}

fn severity_for(intent: Intent) -> Option<Severity> {
    match intent {
        Intent::Deploy | Intent::Publish => Some(Severity::Critical),
        Intent::Test
        | Intent::SecurityScan
        | Intent::Backup
        | Intent::Migration
        | Intent::Build => Some(Severity::High),
        Intent::Lint => Some(Severity::Medium),
        // Cleanup, probes and tolerated failures of other commands: not reported.
        Intent::Other => None,
        Intent::Harmless => None,
    }
}

/// The strongest intent among commands, and the command that has it.
fn strongest<'a>(
    facts: &Facts,
    script: &'a Script,
    cmds: impl Iterator<Item = &'a usize>,
) -> Option<(Intent, &'a Command)> {
    cmds.filter_map(|&i| script.commands.get(i))
        .filter(|c| !c.in_substitution)
        .map(|c| (facts.command_intent(c), c))
        .max_by_key(|(i, c)| (*i, std::cmp::Reverse(c.span.start)))
}

/// The fallback of `list` when the list has two or more items and ends in `|| …`
/// whose commands are all no-ops (`|| true`, `|| echo …`, `|| exit 0`) outside any
/// condition: what can mask the items before it.
fn noop_fallback<'s>(script: &'s Script, list: &List) -> Option<Vec<&'s Command>> {
    if !ends_in_or(list) {
        return None;
    }
    let last = list.items.last()?;
    let fallback: Vec<&Command> = last
        .commands
        .iter()
        .filter_map(|&i| script.commands.get(i))
        .collect();
    if fallback.is_empty() || !fallback.iter().all(|c| is_noop(c)) {
        return None;
    }
    if fallback.iter().any(|c| c.in_condition) {
        return None;
    }
    Some(fallback)
}

fn check_script(site: &StepSite, ss: &StepScript, cx: &mut Ctx) {
    let script = ss.script;
    let mut later: Option<LaterIndex> = None;
    // A script several steps run (a repository script, a GitLab template's line) is
    // searched for a no-op fallback once, not once for each step (a script of its
    // own is searched by the loop itself).
    let lists: &[List] = if ends_in_fallback(script)
        && (!ss.shared()
            || cx.script_fact(ss, "has a no-op fallback", |s| {
                s.lists.iter().any(|l| noop_fallback(s, l).is_some())
            })) {
        &script.lists
    } else {
        &[]
    };
    for list in lists {
        let Some(fallback) = noop_fallback(script, list) else {
            continue;
        };
        let masked = &list.items[..list.items.len() - 1];
        // `[[ -f lock ]] && npm ci || true`: the fallback is the condition's else.
        let starts_with_test = masked.first().is_some_and(|first| {
            first
                .commands
                .iter()
                .filter_map(|&i| script.commands.get(i))
                .all(|c| matches!(c.base_name(), "[" | "[[" | "test"))
        }) && masked.get(1).is_some_and(|i| i.op == Some(Op::And));
        if starts_with_test {
            continue;
        }
        let Some((intent, cmd)) = strongest(
            cx.facts,
            script,
            masked.iter().flat_map(|i| i.commands.iter()),
        ) else {
            continue;
        };
        let Some(mut sev) = severity_for(intent) else {
            continue;
        };
        // Not a gate: a formatter or fixer that writes its result, a check that runs
        // again unmasked later (the masked run only annotates), or a check whose
        // result the next command acts on (`npm audit || true; npm audit fix`).
        let later = later.get_or_insert_with(|| LaterIndex::build(site, script));
        if writes_fixes(cmd) || later.runs_again(cmd) {
            continue;
        }
        let (Some(first), Some(fb)) = (masked.first(), fallback.last()) else {
            continue;
        };
        // A fallback message that explains the intent ("known flaky", "warning
        // only"): still reported, at low, as a debatable choice.
        let explained = fallback.iter().any(|c| explains_intent(&c.argv_text()))
            || site.step.name.is_some_and(explains_intent)
            || explained_by_comment(site);
        // A repository script (`./contrib/check-config.sh`) is a test only by its
        // name: debatable (it may be a diagnostic), so low.
        // Likewise a build command in a step named for set-up (`Setup`, `Install …`):
        // preparing the tree, often idempotently (`make patch || echo done`).
        let by_name = cmd.name().contains('/')
            || cmd.name().ends_with(".sh")
            || intent == Intent::Build && site.step.name.is_some_and(crate::intent::housekeeping);
        if explained || by_name {
            sev = Severity::Low;
        }
        let span = ss.span(site.doc_for(ss), Span::new(first.span.start, fb.span.end));
        // The list as written (operators included), on one line.
        let text = crate::rules::reliability::script_text(ss, cx);
        let shown = crate::rules::shorten_command(
            text.get(first.span.start..fb.span.end).unwrap_or(""),
            90,
        );
        let msg = if crate::intent::load_test_tool(cmd).is_some() {
            format!(
                "`{shown}` always exits 0, so a failing load test does not fail the step and a performance regression passes."
            )
        } else {
            format!(
                "`{shown}` always exits 0, so a failing {} command does not fail the step{}.",
                intent.label(),
                consequence(intent)
            )
        };
        let msg = if explained {
            format!("{msg} The step explains why the failure is tolerated; make sure another step or job runs this check and can fail.")
        } else if by_name {
            format!("{msg} (Judged by names: if this prepares or diagnoses rather than checks, it is fine.)")
        } else {
            msg
        };
        let mut b = cx
            .report(&META, ss.path, span, msg)
            .severity(sev)
            .confidence(if explained || by_name {
                Confidence::Low
            } else {
                META.confidence
            })
            .site(site)
            .title(format!(
                "{} failure is masked by `|| {}`",
                capital(intent.label()),
                fb.base_name()
            ));
        if let Some((via, chain)) = &ss.via {
            b = b.related(
                site.path,
                *via,
                format!("reached from this step (via {})", chain.join(" → ")),
            );
        }
        let _ = b.fix(
            "Let the command fail the step: remove the `|| …` fallback.",
            format!("run: {}", cmd.argv_text()),
            10,
        );
    }
    check_trailing_true(site, ss, cx);
    check_set_plus_e(site, ss, cx);
}

/// `cmd; true` as the last statement of a script that does not stop at errors: the
/// script's exit status is the no-op's, so `cmd` can fail unnoticed.
fn check_trailing_true(site: &StepSite, ss: &StepScript, cx: &mut Ctx) {
    let script = ss.script;
    // Only when it may run a `true` or `:`; once per shared script.
    const NOOPS: Names = Names::of(&["true", ":"]);
    if !script.names.any_of(NOOPS)
        || ss.shared()
            && !cx.script_fact(ss, "ends in a lone no-op", |s| trailing_noop(s).is_some())
    {
        return;
    }
    let Some(last) = trailing_noop(script) else {
        return;
    };
    let text = match ss.run {
        Some(r) => r.text,
        None => cx.script(ss.path).map(|s| s.file.text()).unwrap_or(""),
    };
    let set_plus_e = script.commands.iter().any(|c| {
        c.span.end <= last.span.start
            && c.base_name() == "set"
            && c.args()
                .iter()
                .any(|a| a.text.starts_with('+') && a.text.contains('e'))
    });
    if ss.errexit && !set_plus_e {
        return;
    }
    // The statement right before it, on the same line (`cmd; true`).
    let Some(prev) = script
        .commands
        .iter()
        .filter(|c| c.span.end <= last.span.start && !c.in_substitution)
        .max_by_key(|c| c.span.end)
    else {
        return;
    };
    let between = text.get(prev.span.end..last.span.start).unwrap_or("\n");
    if between.contains('\n') || !between.contains(';') {
        return;
    }
    let cmds: Vec<usize> = script
        .lists
        .get(prev.list)
        .map(|l| {
            l.items
                .iter()
                .flat_map(|i| i.commands.iter().copied())
                .collect()
        })
        .unwrap_or_default();
    let Some((intent, cmd)) = strongest(cx.facts, script, cmds.iter()) else {
        return;
    };
    let Some(sev) = severity_for(intent) else {
        return;
    };
    let span = ss.span(site.doc_for(ss), Span::new(prev.span.start, last.span.end));
    cx.report(
        &META,
        ss.path,
        span,
        format!(
            "`{}; {}` ends the script with a no-op, so a failing {} command does not fail the step{}.",
            crate::rules::shorten_command(&cmd.argv_text(), 50),
            last.base_name(),
            intent.label(),
            consequence(intent)
        ),
    )
    .severity(sev)
    .site(site)
    .title(format!("{} failure is masked by a trailing `; {}`", capital(intent.label()), last.base_name()))
    .fix(
        "Remove the trailing no-op so the command's status is the step's status.",
        format!("run: {}", cmd.argv_text()),
        5,
    );
}

/// The script's last command outside substitutions when it is a `true` or `:` alone
/// in its list, outside conditions and functions: what [`check_trailing_true`]
/// starts from.
fn trailing_noop(script: &Script) -> Option<&Command> {
    let last = script
        .commands
        .iter()
        .filter(|c| !c.in_substitution)
        .max_by_key(|c| c.span.start)?;
    if !matches!(last.base_name(), "true" | ":") || last.in_condition || last.in_function {
        return None;
    }
    let single = script
        .lists
        .get(last.list)
        .map(|l| l.items.len() == 1)
        .unwrap_or(false);
    single.then_some(last)
}

/// The first `set` of `script` that turns exit-on-error off (`set +e`, `set +ex`).
fn set_plus_e(script: &Script) -> Option<&Command> {
    script.commands.iter().find(|c| {
        c.base_name() == "set"
            && c.args()
                .iter()
                .any(|a| a.text.starts_with('+') && a.text.contains('e'))
    })
}

fn check_set_plus_e(site: &StepSite, ss: &StepScript, cx: &mut Ctx) {
    // Already marked as allowed to fail (and reported as such when it is a gate).
    if site
        .step
        .allow_failure
        .is_some_and(crate::rules::reliability::literal_true)
    {
        return;
    }
    let script = ss.script;
    // Only when it may run a `set`; once per shared script.
    const SET: Names = Names::of(&["set"]);
    if !script.names.any_of(SET)
        || ss.shared()
            && !cx.script_fact(ss, "turns exit-on-error off", |s| set_plus_e(s).is_some())
    {
        return;
    }
    let Some(set) = set_plus_e(script) else {
        return;
    };
    let text = match ss.run {
        Some(r) => r.text,
        None => cx.script(ss.path).map(|s| s.file.text()).unwrap_or(""),
    };
    let rest = text.get(set.span.end..).unwrap_or("");
    let checks = [
        "$?",
        "PIPESTATUS",
        "set -e",
        "set -o errexit",
        "|| exit",
        "if !",
        "&& exit",
        "exit $",
        "exit 1",
        "exit \"$",
    ];
    if checks.iter().any(|c| rest.contains(c)) {
        return;
    }
    let after = script
        .commands
        .iter()
        .enumerate()
        .filter(|(_, c)| c.span.start > set.span.end && !c.in_condition && !c.in_substitution)
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    let Some((intent, cmd)) = strongest(cx.facts, script, after.iter()) else {
        return;
    };
    let Some(sev) = severity_for(intent) else {
        return;
    };
    if intent == Intent::Other {
        return;
    }
    let span = ss.span(site.doc_for(ss), set.span);
    cx.report(
        &META,
        ss.path,
        span,
        format!(
            "`set +e` turns off exit-on-error and no exit status is checked afterwards, so a failing `{}` does not fail the step{}.",
            crate::rules::shorten_command(&cmd.argv_text(), 50),
            consequence(intent)
        ),
    )
    .severity(sev)
    .site(site)
    .title(format!("{} failure is masked by `set +e`", capital(intent.label())))
    .fix(
        "Remove `set +e`, or check the status of the command explicitly.",
        format!("if ! {}; then\n  echo \"::error::{} failed\"\n  exit 1\nfi", cmd.argv_text(), intent.label()),
        15,
    );
}

fn consequence(i: Intent) -> &'static str {
    match i {
        Intent::Deploy => " and a failed deploy is reported as a success",
        Intent::Publish => " and a broken artifact is still published",
        Intent::Test => " and failing tests pass",
        Intent::SecurityScan => " and vulnerabilities do not block the pipeline",
        Intent::Backup => " and the pipeline continues without a backup",
        Intent::Migration => " and the pipeline continues with a failed migration",
        _ => "",
    }
}

/// A YAML comment on the step (above it, or between its first key and `run:`) that
/// explains why the failure is tolerated ("Ignore errors … just to get annotations").
fn explained_by_comment(site: &StepSite) -> bool {
    let doc = site.doc;
    let start = doc.position(site.step.node.span.start).line;
    let end = site
        .step
        .run
        .as_ref()
        .map(|r| doc.position(r.node.span.start).line)
        .unwrap_or(start);
    let mut comments = String::new();
    // Up to three comment lines directly above the step, then the step's own lines.
    let mut line = start;
    while line > 1 && start - line < 3 {
        let t = doc.line_text(line - 1).trim();
        if !t.starts_with('#') {
            break;
        }
        comments.push_str(t);
        comments.push('\n');
        line -= 1;
    }
    for l in start..=end.min(start + 20) {
        let t = doc.line_text(l).trim();
        if t.starts_with('#') {
            comments.push_str(t);
            comments.push('\n');
        }
    }
    explains_intent(&comments)
}

/// The same check runs again later in the step or the job without being masked
/// (`cargo test … || true` for annotations, then `cargo test …`), or a later command
/// acts on its result (`npm audit || true` then `npm audit fix`).
/// The latest start of a command with some key, and the latest start among commands of
/// other lists than that one: enough to answer "is there a later command with this key
/// in another list" in constant time.
#[derive(Clone, Copy)]
struct Latest {
    start: usize,
    list: usize,
    other: Option<usize>,
}

impl Latest {
    fn add(slot: &mut Option<Latest>, start: usize, list: usize) {
        let Some(l) = slot else {
            *slot = Some(Latest {
                start,
                list,
                other: None,
            });
            return;
        };
        if start > l.start {
            if list != l.list {
                l.other = Some(l.start);
            }
            l.start = start;
            l.list = list;
        } else if list != l.list {
            l.other = Some(l.other.map_or(start, |o| o.max(start)));
        }
    }

    fn later_in_other_list(&self, start: usize, list: usize) -> bool {
        if self.list != list {
            self.start > start
        } else {
            self.other.is_some_and(|o| o > start)
        }
    }
}

/// Commands of a step's script and of the job's later steps, indexed once per script
/// so that checking every masked command is linear (it was a scan of every later
/// command per masked command: quadratic on generated scripts).
#[derive(Default)]
struct LaterIndex<'a> {
    /// By the first one, two and three words of each command.
    by_prefix: foldhash::HashMap<Prefix<'a>, Option<Latest>>,
    /// `TOOL SUB fix` by (base name, SUB).
    by_fix: foldhash::HashMap<(&'a str, &'a str), Option<Latest>>,
    later_prefix: foldhash::HashSet<Prefix<'a>>,
    later_fix: foldhash::HashSet<(&'a str, &'a str)>,
}

/// The first `n` words of a command (`n` of at most three; the other places empty):
/// a key that needs no allocation (a list of words cost one per key, thousands for a
/// long script that a GitLab job's lines call).
type Prefix<'a> = (usize, [&'a str; 3]);

/// The first `n` words of `c` (at most three).
fn prefix(c: &Command, n: usize) -> Prefix<'_> {
    let mut words = [""; 3];
    for (slot, w) in words.iter_mut().zip(c.words.iter().take(n)) {
        *slot = w.text.as_str();
    }
    (n.min(3).min(c.words.len()), words)
}

fn prefixes(c: &Command) -> impl Iterator<Item = Prefix<'_>> {
    (1..=c.words.len().min(3)).map(|n| prefix(c, n))
}

fn fix_key(c: &Command) -> Option<(&str, &str)> {
    let args = c.args();
    match (args.first(), args.get(1)) {
        (Some(sub), Some(f)) if f.text == "fix" => Some((c.base_name(), sub.text.as_str())),
        _ => None,
    }
}

impl<'a> LaterIndex<'a> {
    fn build(site: &'a StepSite<'_, '_>, script: &'a Script) -> Self {
        let mut ix = LaterIndex::default();
        // Sized once (up to three keys a command): no table grown key by key.
        ix.by_prefix.reserve(script.commands.len() * 3);
        for c in &script.commands {
            for p in prefixes(c) {
                Latest::add(ix.by_prefix.entry(p).or_default(), c.span.start, c.list);
            }
            if let Some(k) = fix_key(c) {
                Latest::add(ix.by_fix.entry(k).or_default(), c.span.start, c.list);
            }
        }
        if let Some(job) = site.job {
            let later = || {
                job.steps
                    .iter()
                    .skip(site.step.index + 1)
                    .filter_map(|s| s.run.as_ref().and_then(|r| r.script.as_ref()))
            };
            ix.later_prefix
                .reserve(later().map(|sc| sc.commands.len() * 3).sum());
            for sc in later() {
                for c in &sc.commands {
                    ix.later_prefix.extend(prefixes(c));
                    if let Some(k) = fix_key(c) {
                        ix.later_fix.insert(k);
                    }
                }
            }
        }
        ix
    }

    /// The check runs again later (unmasked, in another list of this script or in a
    /// later step of the job), or a later command acts on its result
    /// (`npm audit` → `npm audit fix`).
    fn runs_again(&self, cmd: &Command) -> bool {
        let key = prefix(cmd, 3);
        let fix = cmd
            .args()
            .first()
            .map(|sub| (cmd.base_name(), sub.text.as_str()));
        let later_here = |l: Option<&Option<Latest>>| {
            l.and_then(|l| l.as_ref())
                .is_some_and(|l| l.later_in_other_list(cmd.span.start, cmd.list))
        };
        later_here(self.by_prefix.get(&key))
            || fix.is_some_and(|f| later_here(self.by_fix.get(&f)))
            || self.later_prefix.contains(&key)
            || fix.is_some_and(|f| self.later_fix.contains(&f))
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
