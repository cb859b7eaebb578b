//! `pipewise history` over a scripted history: workflows added, broken, fixed and
//! broken again. The audited commits, the score trend, the findings introduced
//! and fixed per commit and the first appearance of each current high/critical
//! finding are checked exactly (against audits of each commit on their own).

mod support;

use pipewise::finding::Severity;
use pipewise_git::history::{history, Options};
use pipewise_git::{audit_rev, GitRepo};
use std::collections::BTreeMap;
use std::sync::Arc;
use support::Scripted;

const CI_MASKED: &str = "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: npm test || echo \"tests failed\"\n";
const CI_FIXED: &str = "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: npm test\n";
const DEPLOY: &str = "name: Deploy\non:\n  pull_request_target:\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n";

struct Story {
    s: Scripted,
    /// add CI (masked), docs only, add deploy (injection), fix CI, docs only,
    /// break CI again.
    c: Vec<String>,
    git: Arc<GitRepo>,
}

fn story() -> Story {
    let mut s = Scripted::new();
    let mut c = vec![];
    s.write("README.md", "# demo\n");
    s.write("package.json", "{\"name\": \"demo\"}\n");
    s.write(".github/workflows/ci.yml", CI_MASKED);
    c.push(s.commit("add CI"));
    s.write("README.md", "# demo\n\nMore words.\n");
    c.push(s.commit("docs"));
    s.write(".github/workflows/deploy.yml", DEPLOY);
    c.push(s.commit("add deploy"));
    s.write(".github/workflows/ci.yml", CI_FIXED);
    c.push(s.commit("fix CI"));
    s.write("src/main.js", "console.log(1)\n");
    c.push(s.commit("code only"));
    // The masked failure comes back, one line lower (a new comment above it).
    s.write(
        ".github/workflows/ci.yml",
        &CI_MASKED.replace("    steps:\n", "    # the tests\n    steps:\n"),
    );
    c.push(s.commit("break CI again"));
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    Story { s, c, git }
}

fn hist(git: &Arc<GitRepo>, rev: &str, opts: Options) -> pipewise_git::history::History {
    history(git, rev, "repo", &opts).expect("history")
}

type Multiset = BTreeMap<(String, String, String), usize>;

fn findings(s: &Scripted, rev: &str) -> (Multiset, u32) {
    let r = audit_rev(s.path(), rev, "repo", None, None).expect("audits");
    let mut m = Multiset::new();
    for f in &r.findings {
        *m.entry((f.rule.clone(), f.file.clone(), f.fingerprint.clone()))
            .or_default() += 1;
    }
    (m, r.scores.overall)
}

fn diff(a: &Multiset, b: &Multiset) -> Vec<(String, String)> {
    let mut out = vec![];
    for (k, n) in b {
        for _ in *a.get(k).unwrap_or(&0)..*n {
            out.push((k.0.clone(), k.1.clone()));
        }
    }
    out.sort();
    out
}

fn rules(v: &[pipewise_git::history::Change]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        v.iter().map(|c| (c.rule.clone(), c.file.clone())).collect();
    out.sort();
    out
}

#[test]
fn scripted_history_trend_changes_and_first_appearances() {
    let st = story();
    let (c, git) = (&st.c, &st.git);
    let h = hist(git, "HEAD", Options::default());
    assert_eq!(h.commits_walked, 6);
    // Audited: the commits that changed CI/CD files, oldest first.
    let audited: Vec<&str> = h.points.iter().map(|p| p.commit.as_str()).collect();
    assert_eq!(audited, [&c[0], &c[2], &c[3], &c[5]]);
    assert_eq!((h.commits_changed, h.audits), (4, 4));
    // Scores, introduced and fixed: exactly those of the commits audited alone.
    let mut before = Multiset::new();
    for p in &h.points {
        let (now, score) = findings(&st.s, &p.commit);
        assert_eq!(p.score, score, "{}", p.commit);
        assert_eq!(
            rules(&p.introduced),
            diff(&before, &now),
            "introduced at {}",
            p.commit
        );
        assert_eq!(
            rules(&p.fixed),
            diff(&now, &before),
            "fixed at {}",
            p.commit
        );
        before = now;
    }
    let has = |v: &[pipewise_git::history::Change], rule: &str| v.iter().any(|x| x.rule == rule);
    let masked = "reliability/masked-failure";
    let injection = "security/template-injection";
    // The story: masked failure in at c0, injection in at c2, masked failure fixed
    // at c3 and back at c5.
    assert!(has(&h.points[0].introduced, masked));
    assert!(has(&h.points[1].introduced, injection) && !has(&h.points[1].introduced, masked));
    assert!(has(&h.points[2].fixed, masked) && !has(&h.points[2].fixed, injection));
    assert!(has(&h.points[3].introduced, masked));
    assert!(h.points[0].fixed.is_empty() && !h.points[0].baseline);
    // Trend: the deploy workflow costs points, the fix gives some back, breaking
    // again takes them.
    let s: Vec<u32> = h.points.iter().map(|p| p.score).collect();
    assert!(s[1] < s[0] && s[2] > s[1] && s[3] < s[2], "{s:?}");
    // First appearances of the current high/critical findings.
    let appearance = |rule: &str| {
        h.current
            .iter()
            .find(|a| a.finding.rule == rule)
            .unwrap_or_else(|| {
                panic!(
                    "{rule} in {:?}",
                    h.current
                        .iter()
                        .map(|a| &a.finding.rule)
                        .collect::<Vec<_>>()
                )
            })
    };
    let inj = appearance(injection);
    assert!(inj.finding.severity >= Severity::High);
    assert_eq!(
        (inj.first.commit.as_str(), inj.since.commit.as_str()),
        (c[2].as_str(), c[2].as_str())
    );
    let m = appearance(masked);
    assert_eq!(
        (m.first.commit.as_str(), m.since.commit.as_str()),
        (c[0].as_str(), c[5].as_str())
    );
    assert_eq!(m.first.date, pipewise_git::history::date(1_700_000_000));
    // Every current high/critical finding is listed.
    let tip = audit_rev(st.s.path(), "HEAD", "repo", None, None).expect("audits");
    assert_eq!(
        h.current.len(),
        tip.findings
            .iter()
            .filter(|f| f.severity >= Severity::High)
            .count()
    );
}

#[test]
fn windows_and_sampling() {
    let st = story();
    let (c, git) = (&st.c, &st.git);
    let last2 = hist(
        git,
        "HEAD",
        Options {
            last: Some(2),
            ..Options::default()
        },
    );
    let ids: Vec<&str> = last2.points.iter().map(|p| p.commit.as_str()).collect();
    assert_eq!(ids, [&c[3], &c[5]]);
    assert!(last2.points[0].baseline && last2.points[0].introduced.is_empty());
    assert_eq!(last2.commits_changed, 4);
    // Every second changed commit, counted from the newest: c5 and c2.
    let every2 = hist(
        git,
        "HEAD",
        Options {
            every: 2,
            ..Options::default()
        },
    );
    let ids: Vec<&str> = every2.points.iter().map(|p| p.commit.as_str()).collect();
    assert_eq!(ids, [&c[2], &c[5]]);
    // Since the day of c3: c3, c4, c5 walked; c3 and c5 audited, c3 a baseline.
    let since = hist(
        git,
        "HEAD",
        Options {
            since: Some(1_700_000_000 + 3 * 86_400),
            ..Options::default()
        },
    );
    assert_eq!(since.commits_walked, 3);
    let ids: Vec<&str> = since.points.iter().map(|p| p.commit.as_str()).collect();
    assert_eq!(ids, [&c[3], &c[5]]);
    assert!(since.points[0].baseline);
    // An older revision: the history up to c3.
    let old = hist(git, &c[3], Options::default());
    assert_eq!(
        old.points.last().map(|p| p.commit.as_str()),
        Some(c[3].as_str())
    );
}

#[test]
fn outputs_escape_what_the_repository_wrote() {
    let mut s = Scripted::new();
    s.write(".github/workflows/ci.yml", CI_MASKED);
    s.commit("<script>alert(1)</script> \u{1b}[31mred ::error::x");
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let h = hist(&git, "HEAD", Options::default());
    let html = pipewise_git::render::html(&h, "2026-01-01");
    assert!(!html.contains("<script>alert") && html.contains("&lt;script&gt;"));
    assert!(html.contains("<svg") && html.contains("<polyline"));
    let plain = pipewise_git::render::plain(&h);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    assert!(plain.contains("score  "));
    let v: serde_json::Value = serde_json::from_str(&pipewise_git::render::json(&h)).expect("json");
    assert_eq!(v["schema"], "pipewise/history@1");
    assert_eq!(
        v["points"][0]["summary"],
        "<script>alert(1)</script> \u{1b}[31mred ::error::x"
    );
}

#[test]
fn dates_round_trip() {
    use pipewise_git::history::{date, parse_date};
    assert_eq!(date(0), "1970-01-01");
    assert_eq!(date(951_782_400), "2000-02-29");
    for d in ["1970-01-01", "2000-02-29", "2024-12-31", "2026-03-01"] {
        assert_eq!(date(parse_date(d).expect(d)), d);
    }
    assert!(parse_date("2025-02-29").is_err());
    assert!(parse_date("yesterday").is_err());
}

const DEPLOY_ENV: &str = "name: Deploy\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    environment: production\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: kubectl apply -f k8s/\n";
const GITLAB_DEPLOY: &str = "deploy:\n  stage: deploy\n  environment: production\n  script:\n    - kubectl apply -f k8s/\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\n";

#[test]
fn deploy_workflow_changes_count_the_commits_that_changed_a_deploy_file() {
    let mut s = Scripted::new();
    s.write("README.md", "# demo\n");
    s.write(".github/workflows/ci.yml", CI_FIXED);
    s.commit("add CI");
    s.write(".github/workflows/deploy.yml", DEPLOY_ENV);
    s.commit("add deploy");
    // The deploy file's folder changes, the deploy file does not.
    s.write(".github/workflows/ci.yml", CI_MASKED);
    s.commit("break CI");
    s.write("src/main.js", "console.log(1)\n");
    s.commit("code only");
    let edited = DEPLOY_ENV.replace("kubectl apply", "kubectl apply --wait");
    s.write(".github/workflows/deploy.yml", &edited);
    s.commit("edit deploy");
    s.remove(".github/workflows/deploy.yml");
    s.commit("remove deploy");
    // Back with the same text (the same blob as two commits before).
    s.write(".github/workflows/deploy.yml", &edited);
    s.commit("restore deploy");
    s.commit("empty");
    s.write(".gitlab-ci.yml", GITLAB_DEPLOY);
    s.commit("gitlab deploy");
    s.write("README.md", "# demo\n\nMore.\n");
    s.commit("docs");
    s.write(".github/workflows/ci.yml", CI_FIXED);
    s.write(
        ".gitlab-ci.yml",
        &GITLAB_DEPLOY.replace("k8s/", "k8s/ --prune"),
    );
    s.commit("fix CI, edit the GitLab deploy");
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let h = hist(&git, "HEAD", Options::default());
    let tip = audit_rev(s.path(), "HEAD", "repo", None, None).expect("audits");
    let files = pipewise_git::delivery::deploy_files(&tip);
    assert!(files.contains(&".github/workflows/deploy.yml"), "{files:?}");
    // Independently: the deploy files' blob ids per first-parent commit, as git
    // names them.
    let line = s.git(&["rev-list", "--first-parent", "--reverse", "HEAD"]);
    let mut expected = 0;
    let mut before: Vec<Option<String>> = vec![None; files.len()];
    for c in line.lines() {
        let now: Vec<Option<String>> = files
            .iter()
            .map(|f| {
                let listed = s.git(&["ls-tree", c, "--", f]);
                listed.split_whitespace().nth(2).map(str::to_string)
            })
            .collect();
        expected += usize::from(now != before);
        before = now;
    }
    // add, edit, remove, restore, and the GitLab file's two when it is one.
    let gitlab = files.contains(&".gitlab-ci.yml");
    assert_eq!(expected, 4 + 2 * usize::from(gitlab), "{files:?}");
    let d = h.delivery.expect("delivery");
    assert_eq!(d.deploy_workflow_changes, expected);
    // Every push to the line deploys: one lead-time sample per first-parent
    // commit (the count was once taken after the samples were moved out: 0).
    let lead = d.lead_time.expect("lead time from the deploy on push");
    assert_eq!(lead.samples, line.lines().count(), "{lead:?}");
}
