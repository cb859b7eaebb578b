//! Pipeline economics: the hand-worked fixture (`fixtures/economics/full/EXPECTED.md`
//! is read and compared with the report), run data, and the corpus (every workflow
//! gets an estimate or a stated reason).

#[path = "support/corpus.rs"]
mod corpus;

use pipewise::analysis::settings::RepoSettings;
use pipewise::audit::audit_path_with;
use pipewise::config::Config;
use pipewise::economics::report::Economics;
use pipewise::economics::runs::Runs;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/economics/full")
}

fn economics(dir: &Path, settings: Option<&RepoSettings>) -> Economics {
    let r = audit_path_with(dir, Some(&Config::default()), settings).expect("audits");
    r.economics.expect("an economics section")
}

/// The rows of the Markdown table whose header starts with `header`.
fn table(md: &str, header: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let mut inside = false;
    for l in md.lines() {
        if l.starts_with(header) {
            inside = true;
            continue;
        }
        if inside {
            if !l.starts_with('|') {
                break;
            }
            if l.starts_with("|---") {
                continue;
            }
            rows.push(
                l.trim_matches('|')
                    .split('|')
                    .map(|c| c.trim().to_string())
                    .collect(),
            );
        }
    }
    rows
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

#[test]
fn fixture_matches_the_numbers_worked_out_by_hand() {
    let md = std::fs::read_to_string(fixture().join("EXPECTED.md")).expect("EXPECTED.md");
    let e = economics(&fixture(), None);
    let rows = table(&md, "| workflow | event |");
    assert_eq!(rows.len(), 4, "EXPECTED.md lists four runs");
    let mut seen = 0;
    for w in &e.workflows {
        let file = w.file.rsplit('/').next().unwrap_or(&w.file);
        for ev in &w.events {
            let row = rows
                .iter()
                .find(|r| r[0] == file && r[1] == ev.event)
                .unwrap_or_else(|| panic!("{file} {} is not in EXPECTED.md", ev.event));
            seen += 1;
            assert_eq!(ev.jobs.join(", "), row[2], "{file} {} jobs", ev.event);
            assert_eq!(
                ev.billable_minutes.expected,
                num(&row[3]),
                "{file} {} billable",
                ev.event
            );
            assert_eq!(ev.usd, num(&row[4]), "{file} {} usd", ev.event);
            assert_eq!(
                ev.wall_minutes.expected,
                num(&row[5]),
                "{file} {} wall",
                ev.event
            );
            assert_eq!(
                ev.critical_path.join(" → "),
                row[6],
                "{file} {} path",
                ev.event
            );
            assert_eq!(ev.runs_per_month, num(&row[7]), "{file} {} runs", ev.event);
            assert!(ev.basis.starts_with("model"), "{}", ev.basis);
        }
    }
    assert_eq!(
        seen,
        rows.len(),
        "every run in EXPECTED.md is in the report"
    );
    let month = table(&md, "| workflow | billable minutes |");
    let last = |s: &str| num(s.rsplit("= ").next().unwrap_or(s));
    for r in &month {
        if r[0] == "total" {
            assert_eq!(e.monthly_minutes, last(&r[1]));
            assert_eq!(e.monthly_usd, last(&r[2]));
            assert_eq!(e.self_hosted_monthly_minutes, last(&r[3]));
            continue;
        }
        let w = e
            .workflows
            .iter()
            .find(|w| w.file.ends_with(&r[0]))
            .expect("workflow");
        assert_eq!(w.monthly_minutes, last(&r[1]), "{} month", r[0]);
        assert_eq!(w.monthly_usd, last(&r[2]), "{} usd", r[0]);
        assert_eq!(
            w.self_hosted_monthly_minutes,
            last(&r[3]),
            "{} self-hosted",
            r[0]
        );
    }
    let deploy = e
        .workflows
        .iter()
        .find(|w| w.file.ends_with("deploy.yml"))
        .expect("deploy.yml");
    assert!(md.contains(&deploy.status), "{}", deploy.status);
    let test = e.workflows[0]
        .jobs
        .iter()
        .find(|j| j.id == "test")
        .expect("test job");
    assert_eq!(test.legs, Some(6));
    let legs: Vec<(String, u32)> = test
        .runners
        .iter()
        .map(|r| (r.class.clone(), r.legs))
        .collect();
    assert_eq!(
        legs,
        vec![
            ("Linux 2-core".to_string(), 3),
            ("Windows 2-core".to_string(), 2),
            ("macOS 3/4-core".to_string(), 1)
        ]
    );
    let lint = &e.workflows[0].jobs[0];
    assert_eq!(lint.minutes.high, 5.0);
    assert_eq!(lint.basis, "model, high end timeout bound");
    let savings: Vec<(&str, f64)> = e
        .savings
        .iter()
        .map(|s| (s.rule.as_str(), s.minutes_per_month))
        .collect();
    assert_eq!(
        savings,
        vec![
            ("cost/missing-cancel-in-progress", 1690.0),
            ("cost/no-docs-path-filter", 507.0),
            ("cost/multi-arch-every-push", 825.0),
            ("cost/no-dependency-cache", 27.9)
        ]
    );
}

#[test]
fn run_data_replaces_the_model_and_says_so() {
    let runs = Runs::parse(
        r#"{"workflowName":"CI","jobs":[
        {"name":"test (ubuntu-latest, 18)","startedAt":"2026-05-01T12:00:00Z","completedAt":"2026-05-01T12:09:30Z","conclusion":"success"},
        {"name":"test (macos-latest, 20)","startedAt":"2026-05-01T12:00:00Z","completedAt":"2026-05-01T12:12:00Z","conclusion":"success"},
        {"name":"test (windows-latest, 20)","startedAt":"2026-05-01T12:00:00Z","completedAt":"2026-05-01T12:10:00Z","conclusion":"success"},
        {"name":"build-image","startedAt":"2026-05-01T12:10:00Z","completedAt":"2026-05-01T12:14:00Z","conclusion":"success"},
        {"name":"build-image","startedAt":"2026-05-02T12:10:00Z","completedAt":"2026-05-02T12:13:00Z","conclusion":"success"},
        {"name":"build-image","startedAt":"2026-05-03T12:10:00Z","completedAt":"2026-05-03T12:15:00Z","conclusion":"success"}]}"#,
    )
    .expect("run data");
    let mut settings = RepoSettings::default();
    settings.economics.runs = Some(runs);
    let e = economics(&fixture(), Some(&settings));
    let ci = &e.workflows[0];
    let test = ci.jobs.iter().find(|j| j.id == "test").expect("test");
    assert_eq!(test.basis, "run data (3 runs)");
    assert_eq!(test.minutes.expected, 10.0, "the median of 9.5, 10 and 12");
    assert_eq!((test.minutes.low, test.minutes.high), (9.5, 12.0));
    let pr = ci
        .events
        .iter()
        .find(|e| e.event == "pull_request")
        .expect("pr");
    // lint (model) ⌈2.5⌉ = 3, test 6 legs × ⌈10⌉ = 60.
    assert_eq!(pr.billable_minutes.expected, 63.0);
    assert!(pr.basis.starts_with("run data + model"), "{}", pr.basis);
    // Without run data for the other workflow, it stays on the model.
    let nightly = e
        .workflows
        .iter()
        .find(|w| w.file.ends_with("nightly.yml"))
        .expect("nightly");
    assert!(nightly.events.iter().all(|e| e.basis == "model"));
    // build-image took at most 5 min in 3 runs against its `timeout-minutes: 60`: a
    // timeout of 3 × 5 = 15 min caps a hung run 45 min lower. The test job (at most
    // 12 min, `timeout-minutes: 30` < 3 × 12) is not reported.
    let t: Vec<&pipewise::economics::report::Saving> = e
        .savings
        .iter()
        .filter(|s| s.rule == "cost/timeout-above-observed")
        .collect();
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].job.as_deref(), Some("build-image"));
    assert!(
        t[0].message.contains("set `timeout-minutes: 15`"),
        "{}",
        t[0].message
    );
    assert!(t[0].message.contains("45 min less"), "{}", t[0].message);
    assert_eq!(t[0].basis, "run data (3 runs)");
    // Without run data there is nothing to judge the timeout against.
    let model_only = economics(&fixture(), None);
    assert!(model_only
        .savings
        .iter()
        .all(|s| s.rule != "cost/timeout-above-observed"));
}

#[test]
fn assumptions_change_the_month_not_the_run() {
    let mut settings = RepoSettings::default();
    settings.economics.assumptions.pushes_per_day = 10.0;
    let e = economics(&fixture(), Some(&settings));
    let push = &e.workflows[0].events[0];
    assert_eq!(push.event, "push");
    assert_eq!(push.billable_minutes.expected, 57.0);
    assert_eq!(push.runs_per_month, 150.0);
}

#[test]
fn gitlab_fixture_matches_the_numbers_worked_out_by_hand() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/economics/gitlab");
    let md = std::fs::read_to_string(dir.join("EXPECTED.md")).expect("EXPECTED.md");
    let e = economics(&dir, None);
    let rows = table(&md, "| event | jobs |");
    assert_eq!(rows.len(), 3, "EXPECTED.md lists three pipelines");
    assert_eq!(e.workflows.len(), 1);
    let w = &e.workflows[0];
    assert_eq!(w.status, "estimated");
    assert_eq!(w.events.len(), rows.len(), "{:?}", w.events);
    for (row, ev) in rows.iter().zip(&w.events) {
        assert_eq!(ev.event, row[0]);
        assert_eq!(ev.jobs.join(", "), row[1], "{}", row[0]);
        assert_eq!(ev.billable_minutes.expected, num(&row[2]), "{}", row[0]);
        assert_eq!(ev.usd, num(&row[3]), "{}", row[0]);
        assert_eq!(ev.wall_minutes.expected, num(&row[4]), "{}", row[0]);
        assert_eq!(ev.critical_path.join(" → "), row[5], "{}", row[0]);
        assert_eq!(ev.runs_per_month, num(&row[6]), "{}", row[0]);
    }
    assert_eq!(w.monthly_minutes, 10682.0);
    assert_eq!(w.monthly_usd, 106.84);
    let deploy = w.jobs.iter().find(|j| j.id == "deploy").expect("deploy");
    assert_eq!(deploy.runners[0].multiplier, 2.0);
    assert!(w.notes.iter().any(|n| n.contains("scheduled pipelines")));
}

#[test]
fn gitlab_unknown_runner_tags_are_not_priced() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".gitlab-ci.yml"),
        "build:\n  tags: [docker, our-fleet]\n  script: [cargo build]\n",
    )
    .expect("write");
    let e = economics(dir.path(), None);
    let w = &e.workflows[0];
    assert_eq!(w.status, "estimated");
    assert_eq!(w.monthly_usd, 0.0, "a project's own runner is not priced");
    assert!(w.self_hosted_monthly_minutes > 0.0);
    assert!(
        w.notes.iter().any(|n| n.contains("not priced")),
        "{:?}",
        w.notes
    );
}

#[test]
fn gitlab_workflow_rules_decide_the_pipelines_costed() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".gitlab-ci.yml"),
        "include:\n  - local: templates.yml\nworkflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n    - if: $DEPLOY\nbuild:\n  script: [cargo build]\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("templates.yml"),
        ".tpl:\n  script: [echo]\n",
    )
    .expect("write");
    let e = economics(dir.path(), None);
    let main = e
        .workflows
        .iter()
        .find(|w| w.file == ".gitlab-ci.yml")
        .expect("the pipeline's file");
    // `workflow:rules` creates merge request pipelines, and push and tag pipelines
    // only when `$DEPLOY` is set (not decided: counted, with a note).
    let events: Vec<&str> = main.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["push", "merge_request", "tag"]);
    let undecided = |w: &pipewise::economics::report::WorkflowCost| {
        w.notes
            .iter()
            .filter(|n| n.contains("`workflow:rules` not decided"))
            .count()
    };
    assert_eq!(undecided(main), 2, "{:?}", main.notes);
    // The included file defines no job: no pipeline of its own, and no note about
    // the pipeline's `workflow:rules`.
    let tpl = e
        .workflows
        .iter()
        .find(|w| w.file == "templates.yml")
        .expect("the included file");
    assert!(tpl.events.is_empty(), "{:?}", tpl.events);
    assert_eq!(undecided(tpl), 0, "{:?}", tpl.notes);
    assert!(tpl.status.starts_with("not estimated"), "{}", tpl.status);
}

/// Each pipeline's `workflow:rules` decide its own files' events: read once for a
/// pipeline whose files all define jobs, and not taken for another pipeline's (a
/// child pipeline with rules of its own).
#[test]
fn gitlab_workflow_rules_are_each_pipelines_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".gitlab-ci.yml"),
        "include:\n  - local: jobs.yml\nworkflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\nbuild:\n  script: [cargo build]\nchild:\n  trigger:\n    include: child.yml\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("jobs.yml"),
        "test:\n  script: [cargo test]\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("child.yml"),
        "workflow:\n  rules:\n    - if: $CI_COMMIT_TAG\ndeploy:\n  script: [make deploy]\n",
    )
    .expect("write");
    let e = economics(dir.path(), None);
    let events = |file: &str| {
        let w = e.workflows.iter().find(|w| w.file == file).expect(file);
        w.events.iter().map(|e| e.event.clone()).collect::<Vec<_>>()
    };
    assert_eq!(events(".gitlab-ci.yml"), ["merge_request"]);
    assert_eq!(events("jobs.yml"), ["merge_request"]);
    assert_eq!(events("child.yml"), ["tag"]);
}

/// A file of a pipeline that defines no jobs is not costed; why depends on whether
/// the pipeline is complete (`Workflow::incomplete`): with an include pipewise cannot
/// read (another project's file), its jobs may come from there.
#[test]
fn gitlab_file_without_jobs_says_whether_the_pipeline_is_complete() {
    let status = |root: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".gitlab-ci.yml"), root).expect("write");
        std::fs::write(dir.path().join("vars.yml"), "variables:\n  A: b\n").expect("write");
        let e = economics(dir.path(), None);
        let w = e.workflows.iter().find(|w| w.file == "vars.yml");
        w.expect("the included file").status.clone()
    };
    let complete = status("include:\n  - local: vars.yml\nbuild:\n  script: [make]\n");
    assert!(
        complete.contains("its jobs are costed in the file"),
        "{complete}"
    );
    let incomplete = status(
        "include:\n  - local: vars.yml\n  - project: group/ci\n    file: jobs.yml\nbuild:\n  script: [make]\n",
    );
    assert!(
        incomplete.contains("includes pipewise cannot read"),
        "{incomplete}"
    );
}

#[test]
#[ignore = "reads /work/shared/corpus-full (or PIPEWISE_SHARED); run with --ignored"]
fn every_corpus_workflow_gets_an_estimate_or_a_reason() {
    let root = corpus::corpus("corpus-full");
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    assert!(repos.len() >= 30, "corpus-full has its repositories");
    let (mut estimated, mut reasons, mut total) = (0, 0, 0);
    for r in &repos {
        let report = audit_path_with(r, Some(&Config::default()), None).expect("audits");
        let e = report
            .economics
            .unwrap_or_else(|| panic!("{}: no economics", r.display()));
        let workflow_files = report.files.iter().filter(|f| f.kind == "workflow").count();
        let github: Vec<_> = e
            .workflows
            .iter()
            .filter(|w| w.file.starts_with(".github/workflows/"))
            .collect();
        assert!(
            github.len() + report.errors.len() >= workflow_files,
            "{}: {} workflow files, {} costed",
            r.display(),
            workflow_files,
            github.len()
        );
        for w in &e.workflows {
            total += 1;
            if w.status.starts_with("estimated") {
                estimated += 1;
                assert!(
                    !w.events.is_empty(),
                    "{} {}: estimated without events",
                    r.display(),
                    w.file
                );
                for ev in &w.events {
                    assert!(
                        ev.billable_minutes.expected.is_finite()
                            && ev.billable_minutes.expected >= 0.0
                    );
                    assert!(!ev.basis.is_empty());
                }
            } else {
                reasons += 1;
                assert!(
                    w.status.starts_with("not estimated: ")
                        || w.status.starts_with("costed in the runs of its callers"),
                    "{} {}: status without a reason: {}",
                    r.display(),
                    w.file,
                    w.status
                );
            }
        }
    }
    eprintln!("{total} workflows: {estimated} estimated, {reasons} with a reason");
    assert!(estimated * 10 >= total * 7, "most workflows are estimated");
}

#[test]
#[ignore = "reads /work/shared/corpus-gitlab (or PIPEWISE_SHARED); run with --ignored"]
fn every_gitlab_pipeline_gets_an_estimate_or_a_reason() {
    let root = corpus::corpus("corpus-gitlab");
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(".gitlab-ci.yml").is_file())
        .collect();
    repos.sort();
    assert!(repos.len() >= 70, "corpus-gitlab has its pipelines");
    let (mut estimated, mut total, mut pipelines_estimated) = (0, 0, 0);
    for r in &repos {
        let report = audit_path_with(r, Some(&Config::default()), None).expect("audits");
        let e = report
            .economics
            .unwrap_or_else(|| panic!("{}: no economics", r.display()));
        let root = e
            .workflows
            .iter()
            .find(|w| w.file == ".gitlab-ci.yml")
            .unwrap_or_else(|| panic!("{}: .gitlab-ci.yml not costed", r.display()));
        assert!(
            !root.status.contains("not costed yet"),
            "{}: {}",
            r.display(),
            root.status
        );
        if e.workflows
            .iter()
            .any(|w| w.status.starts_with("estimated"))
        {
            pipelines_estimated += 1;
        }
        for w in &e.workflows {
            total += 1;
            if w.status.starts_with("estimated") {
                estimated += 1;
                assert!(!w.events.is_empty(), "{} {}", r.display(), w.file);
                for ev in &w.events {
                    assert!(
                        ev.billable_minutes.expected.is_finite()
                            && ev.billable_minutes.expected >= 0.0
                            && ev.usd.is_finite()
                    );
                }
            } else {
                assert!(
                    w.status.starts_with("not estimated: "),
                    "{} {}: status without a reason: {}",
                    r.display(),
                    w.file,
                    w.status
                );
            }
        }
    }
    eprintln!(
        "{} pipelines: {pipelines_estimated} with an estimate; {total} files: {estimated} estimated",
        repos.len()
    );
    // Files without jobs of their own (included templates) keep a reason; most
    // pipelines get an estimate.
    assert!(
        pipelines_estimated * 10 >= repos.len() * 8,
        "most pipelines are estimated"
    );
}
