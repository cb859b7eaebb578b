//! GitLab CI end to end: loading (includes, extends, `default:`, anchors and `<<:`,
//! `!reference`, the `spec:` header), lowering (neutral rules point into the file a
//! script line comes from), errors GitLab would give (with file and line), a
//! repository with both platforms in one report, and the GitLab corpus (ignored
//! test: `cargo test -p pipewise --test gitlab -- --ignored`).

mod support;

use pipewise::audit::audit_path;
use pipewise::config::Config;
use pipewise::report::RepoReport;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

fn repo(files: &[(&str, &str)]) -> (TempDir, RepoReport) {
    let dir = support::repo(files);
    let r = audit_path(dir.path(), Some(&Config::default())).expect("audits");
    (dir, r)
}

/// The audit's load errors as `file:line message`.
fn load_errors(r: &RepoReport) -> Vec<String> {
    r.errors
        .iter()
        .map(|e| format!("{}:{} {}", e.file, e.line, e.message))
        .collect()
}

/// Every wanted error is the start of one of `errs`.
fn assert_has_errors(errs: &[String], want: &[&str]) {
    for w in want {
        assert!(
            errs.iter().any(|e| e.starts_with(w)),
            "missing {w} in {errs:#?}"
        );
    }
}

fn findings(r: &RepoReport, rule: &str) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| format!("{}:{}:{}", f.file, f.line, f.column))
        .collect()
}

#[test]
fn included_extended_and_referenced_scripts_point_into_their_own_files() {
    let (_d, r) = repo(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: /ci/templates.yml\n  - 'ci/more/*.yml'\nstages: [build, test]\n.setup: &setup\n  before_script:\n    - make deps || true\ntest:\n  <<: *setup\n  extends: .tested\n  stage: test\n  script:\n    - !reference [.shared, script]\n    - npm test\n",
        ),
        (
            "ci/templates.yml",
            ".tested:\n  image: node:22\n  after_script:\n    - echo done\n.shared:\n  script:\n    - npm ci\n    - pytest || echo failed\n",
        ),
        ("ci/more/lint.yml", "lint:\n  stage: build\n  script: npm run lint || true\n"),
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let mut got = findings(&r, "reliability/masked-failure");
    got.sort();
    assert_eq!(
        got,
        [
            ".gitlab-ci.yml:7:7",
            "ci/more/lint.yml:3:11",
            "ci/templates.yml:8:7"
        ]
    );
    let kinds: Vec<_> = r
        .files
        .iter()
        .filter(|f| f.kind == "gitlab-ci")
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        kinds,
        [".gitlab-ci.yml", "ci/more/lint.yml", "ci/templates.yml"]
    );
}

#[test]
fn default_and_extends_merge_like_gitlab() {
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        "default:\n  image: python\n.base:\n  variables:\n    A: '1'\n  image: alpine:3.20\n.mid:\n  extends: .base\n  variables:\n    B: '2'\njob:\n  extends: .mid\n  script: echo hi\nplain:\n  script: echo hi\nno-default:\n  inherit:\n    default: false\n  script: echo hi\n",
    )]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    // `default: image: python` is reported once, where it is written; `job` gets
    // alpine through two levels of extends, `plain` the default.
    assert_eq!(
        findings(&r, "gitlab/unpinned-image"),
        [".gitlab-ci.yml:2:10"]
    );
    let jobs: Vec<&str> = r
        .workflows
        .iter()
        .flat_map(|w| w.jobs.iter().map(|j| j.id.as_str()))
        .collect();
    assert_eq!(jobs, ["job", "plain", "no-default"]);
}

/// The inventory's `runs_on` of a GitLab job is its runner `tags:` (its own, from
/// `default:` or `extends:`), as a GitHub job's is its `runs-on`; no tags, none.
#[test]
fn inventory_lists_gitlab_runner_tags() {
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        "default:\n  tags: [docker]\n.big:\n  tags: [saas-linux-large-amd64, gpu]\nbuild:\n  extends: .big\n  script: make\ntest:\n  script: make test\nlint:\n  inherit:\n    default: false\n  script: make lint\n",
    )]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let runs_on: Vec<(&str, Option<&str>)> = r
        .workflows
        .iter()
        .flat_map(|w| w.jobs.iter().map(|j| (j.id.as_str(), j.runs_on.as_deref())))
        .collect();
    assert_eq!(
        runs_on,
        [
            ("build", Some("saas-linux-large-amd64, gpu")),
            ("test", Some("docker")),
            ("lint", None)
        ]
    );
}

/// Jobs that extend the same list of templates (their merged chain is kept and
/// shared) and the same templates in another order: the last template wins, the
/// job's own keys win over all of them, and sharing the chain changes nothing.
#[test]
fn jobs_extending_the_same_templates_merge_alike() {
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        ".a:\n  before_script:\n    - echo a-before\n  script:\n    - echo a\n  variables:\n    A: '1'\n.b:\n  script:\n    - echo b\n  variables:\n    B: '2'\none:\n  extends: [.a, .b]\ntwo:\n  extends: [.a, .b]\n  before_script:\n    - echo two-before\nthree:\n  extends: [.b, .a]\nfour:\n  extends: [.a, .b]\n",
    )]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let runs: Vec<(&str, Vec<(usize, &str)>)> = r
        .workflows
        .iter()
        .flat_map(|w| &w.jobs)
        .map(|j| {
            let steps = j
                .steps
                .iter()
                .filter_map(|s| Some((s.line, s.run.as_deref()?)))
                .collect();
            (j.id.as_str(), steps)
        })
        .collect();
    assert_eq!(
        runs,
        [
            ("one", vec![(3, "echo a-before"), (10, "echo b")]),
            ("two", vec![(18, "echo two-before"), (10, "echo b")]),
            ("three", vec![(3, "echo a-before"), (5, "echo a")]),
            ("four", vec![(3, "echo a-before"), (10, "echo b")]),
        ]
    );
}

/// The `!reference` pass is skipped only where it would change nothing: a file
/// without the text `!reference` whose key spells the internal marker through
/// escapes is resolved as before.
#[test]
fn references_spelled_through_escapes_are_still_resolved() {
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        ".shared:\n  script:\n    - pytest || echo failed\ntest:\n  script:\n    - {\"\\0\\x21reference\": [.shared, script]}\n    - npm test\n",
    )]);
    assert_eq!(
        findings(&r, "reliability/masked-failure"),
        [".gitlab-ci.yml:3:7"]
    );
}

#[test]
fn spec_header_is_read_and_the_body_audited() {
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        "spec:\n  inputs:\n    v:\n---\nrelease:\n  script:\n    - ./release.sh $[[ inputs.v ]] || true\n",
    )]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        findings(&r, "gitlab/inputs-injection"),
        [".gitlab-ci.yml:7:20"]
    );
}

#[test]
fn what_gitlab_rejects_is_an_error_with_file_and_line() {
    let (_d, r) = repo(&[
        (
            ".gitlab-ci.yml",
            "include: ci/missing.yml\nstages: [build]\njob:\n  extends: .nowhere\n  stage: test\n  script: make\n  bogus: 1\nempty:\n  stage: build\nbad-line:\n  stage: build\n  script:\n    - curl -H \"A: b\" x\nneeds-it:\n  stage: build\n  needs: [ghost]\n  script: make\n",
        ),
        ("broken/.gitlab-ci.yml", "x: [\n"),
    ]);
    let errs = load_errors(&r);
    let want = [
        ".gitlab-ci.yml:1 included file `ci/missing.yml` does not exist",
        ".gitlab-ci.yml:4 `job` extends `.nowhere`, which is not defined",
        ".gitlab-ci.yml:5 stage `test` of job `job` is not in `stages`",
        ".gitlab-ci.yml:7 unknown key `bogus` in job `job`",
        ".gitlab-ci.yml:8 job `empty` has no `script`",
        ".gitlab-ci.yml:13 `script` of job `bad-line` must be a string",
        ".gitlab-ci.yml:16 job `needs-it` needs `ghost`, which is not defined",
    ];
    assert_has_errors(&errs, &want);
}

/// More of what GitLab's schema refuses: each bad value is an error at its own line,
/// in the file it is written in (here an included one for `retry`).
#[test]
fn bad_values_are_errors_with_file_and_line() {
    let (_d, r) = repo(&[
        (
            ".gitlab-ci.yml",
            "include: ci/t.yml\na:\n  script: make\n  when: sometimes\nb:\n  script: make\n  rules:\n    - if: $X\n      when: later\n  only: [main]\nc:\n  extends: .t\n  script: make\n  parallel: 300\n  interruptible: often\n  dependencies: [a, ghost]\nd:\n  script: make\n  when: $[[ inputs.when ]]\n  retry: 2\n  parallel: 4\n",
        ),
        ("ci/t.yml", ".t:\n  retry: 5\n"),
    ]);
    let errs = load_errors(&r);
    let want = [
        ".gitlab-ci.yml:4 `when: sometimes` of job `a` is not one of",
        ".gitlab-ci.yml:9 `when: later` in the `rules:` of job `b`",
        ".gitlab-ci.yml:10 job `b` uses `only:` with `rules:`",
        "ci/t.yml:2 `retry` of job `c` is 5",
        ".gitlab-ci.yml:14 `parallel` of job `c` is 300",
        ".gitlab-ci.yml:15 `interruptible` of job `c` must be `true` or `false`",
        ".gitlab-ci.yml:16 job `c` depends on `ghost`, which is not defined",
    ];
    assert_has_errors(&errs, &want);
    assert_eq!(errs.len(), want.len(), "{errs:#?}");
}

/// Value types GitLab's schema refuses, unknown keys a job gets from a template,
/// and the `needs:` graph GitLab's YAML processor checks (a need or a dependency on a
/// later stage, a need named twice, a cycle): each an error at its own line. The
/// valid look-alikes (a need in the same or an earlier stage, `.pre`, an optional
/// need on an earlier job, a quoted number in `script`, `$[[ inputs ]]` in place of
/// a list) give none.
#[test]
fn wrong_types_and_needs_graph_are_errors_with_file_and_line() {
    let (_d, r) = repo(&[
        (
            ".gitlab-ci.yml",
            concat!(
                "include: ci/t.yml\n",
                "stages: [build, test, deploy]\n",
                "a:\n  stage: build\n  script:\n    - make\n    - 100\n",
                "b:\n  stage: [test]\n  script: make\n  tags: docker\n",
                "c:\n  stage: build\n  script: make\n  needs: d\n  rules: [always]\n",
                "d:\n  stage: deploy\n  script: make\n",
                "e:\n  stage: build\n  script: make\n  needs: [d]\n  dependencies: [d]\n",
                "f:\n  extends: .t\n  stage: test\n  script: make\n  needs: [g, g]\n",
                "g:\n  stage: test\n  script: make\n  needs: [f]\n",
                "ok:\n  stage: deploy\n  script:\n    - '100'\n    - make\n",
                "  needs: [d, a, {job: pre, optional: true}]\n  tags: $[[ inputs.tags ]]\n",
                "pre:\n  stage: .pre\n  script: make\n  allow_failure: {exit_codes: [1]}\n",
            ),
        ),
        (
            "ci/t.yml",
            ".t:
  variables: {A: [x]}
  bogus: 1
",
        ),
    ]);
    let errs = load_errors(&r);
    let want = [
        ".gitlab-ci.yml:7 `script` of job `a` must be a string or a list of strings; `100`",
        ".gitlab-ci.yml:9 `stage` of job `b` must be a string, found a sequence",
        ".gitlab-ci.yml:11 `tags` of job `b` must be a list of strings, found a scalar",
        ".gitlab-ci.yml:15 `needs` of job `c` must be a list (or a mapping), found a scalar",
        ".gitlab-ci.yml:16 `rules` of job `c` must be a list of mappings; this item is a scalar",
        ".gitlab-ci.yml:23 job `e` needs `d`, which runs in a later stage",
        ".gitlab-ci.yml:24 job `e` depends on `d`, which runs in a later stage",
        ".gitlab-ci.yml:29 job `f` needs `g` more than once",
        "ci/t.yml:2 variable `A` of job `f` must be a string or a mapping",
        "ci/t.yml:3 unknown key `bogus` in job `f`",
    ];
    assert_has_errors(&errs, &want);
    let cycle: Vec<&String> = errs.iter().filter(|e| e.contains("form a cycle")).collect();
    assert_eq!(cycle.len(), 1, "{errs:#?}");
    assert!(
        cycle[0].contains("`f` → `g` → `f`") || cycle[0].contains("f → g → f"),
        "{cycle:?}"
    );
    assert_eq!(errs.len(), want.len() + 1, "{errs:#?}");
}

/// Look-alikes of `gitlab/missing-interruptible` and `gitlab/missing-timeout` that
/// need a pipeline of their own (a fixture directory holds one root).
#[test]
fn cancellation_and_timeout_look_alikes() {
    for (src, rule) in [
        (
            "workflow:\n  auto_cancel:\n    on_new_commit: none\ntest:\n  script: make test\nlint:\n  script: make lint\n",
            "gitlab/missing-interruptible",
        ),
        (
            "release:\n  rules:\n    - if: $CI_COMMIT_TAG\n  script: make release\nnightly:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n  script: make fuzz\n",
            "gitlab/missing-interruptible",
        ),
        (
            "default:\n  timeout: 20m\ndeploy:\n  resource_group: production\n  environment: production\n  script: helm upgrade --install app ./chart\n",
            "gitlab/missing-timeout",
        ),
    ] {
        let (_d, r) = repo(&[(".gitlab-ci.yml", src)]);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(findings(&r, rule), Vec::<String>::new(), "{src}");
    }
    // And the same pipelines without what makes them benign do fire.
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        "test:\n  script: make test\nlint:\n  script: make lint\n",
    )]);
    assert_eq!(
        findings(&r, "gitlab/missing-interruptible"),
        [".gitlab-ci.yml:1:1"]
    );
}

#[test]
fn both_platforms_in_one_report() {
    let (_d, r) = repo(&[
        (".gitlab-ci.yml", "test:\n  script: npm test || true\n"),
        (
            ".github/workflows/ci.yml",
            "on: push\npermissions: {}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: npm test || true\n",
        ),
    ]);
    let mut got = findings(&r, "reliability/masked-failure");
    got.sort();
    assert_eq!(
        got,
        [".github/workflows/ci.yml:8:14", ".gitlab-ci.yml:2:11"]
    );
    // GitHub-only rules stay off GitLab files.
    assert!(
        r.findings
            .iter()
            .all(|f| f.file != ".gitlab-ci.yml"
                || !f.rule.starts_with("security/missing-permissions"))
    );
}

/// A GitLab job's `timeout:` is its timeout: `ci.timeouts` takes it (from
/// `default:` in an included file, pointing there) and the deploy path's timeout
/// check passes with it and names GitLab's key and limit without it.
#[test]
fn gitlab_timeouts_count_where_they_are_written() {
    let (_d, r) = repo(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: ci/defaults.yml\nstages: [deploy]\ndeploy:\n  stage: deploy\n  environment: production\n  timeout: 15m\n  resource_group: production\n  script: [kubectl apply -f k8s/]\nrollout:\n  stage: deploy\n  environment: production\n  script: [helm upgrade app ./chart]\n",
        ),
        ("ci/defaults.yml", "default:\n  image: alpine:3\n  timeout: 1h\n"),
    ]);
    let cap = r
        .capabilities
        .iter()
        .find(|c| c.id == "ci.timeouts")
        .expect("ci.timeouts");
    let ev: Vec<String> = cap
        .evidence
        .iter()
        .map(|e| format!("{}:{} {}", e.file, e.line, e.note))
        .collect();
    assert_eq!(
        ev,
        [
            ".gitlab-ci.yml:7 job `deploy`",
            "ci/defaults.yml:3 job `rollout`"
        ],
        "{cap:?}"
    );
    let timeout = |job: &str| {
        let p = r.deploy_paths.iter().find(|p| p.job == job);
        let c = p.and_then(|p| p.checks.iter().find(|c| c.id == "timeout"));
        c.map(|c| format!("{} {}", c.status, c.note))
    };
    assert_eq!(timeout("deploy").as_deref(), Some("pass timeout: 15m"));
    assert_eq!(timeout("rollout").as_deref(), Some("pass timeout: 1h"));
    // A `resource_group` keeps a second run from deploying at once.
    let concurrency = |job: &str| {
        let p = r.deploy_paths.iter().find(|p| p.job == job);
        let c = p.and_then(|p| p.checks.iter().find(|c| c.id == "concurrency"));
        c.map(|c| format!("{} {}", c.status, c.note))
    };
    assert_eq!(
        concurrency("deploy").as_deref(),
        Some("pass resource group set")
    );
    assert_eq!(
        concurrency("rollout").as_deref(),
        Some("fail two runs can deploy at once")
    );
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        "deploy:\n  stage: deploy\n  environment: production\n  script: [kubectl apply -f k8s/]\n",
    )]);
    let p = r
        .deploy_paths
        .iter()
        .find(|p| p.job == "deploy")
        .expect("a deploy path");
    let c = p
        .checks
        .iter()
        .find(|c| c.id == "timeout")
        .expect("its timeout check");
    assert_eq!(
        (c.status.as_str(), c.note.as_str()),
        ("fail", "no timeout (a hung deploy holds the runner for the project's job timeout, an hour by default)")
    );
}

#[test]
fn include_cycles_and_self_includes_end() {
    let (_d, r) = repo(&[
        (".gitlab-ci.yml", "include: [a.yml]\nx:\n  script: make\n"),
        ("a.yml", "include: [b.yml, .gitlab-ci.yml]\n"),
        ("b.yml", "include: [a.yml]\ny:\n  script: make\n"),
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.workflows.iter().map(|w| w.jobs.len()).sum::<usize>(), 2);
}

/// Every GitLab CI file of `../shared/corpus-gitlab` loads without an error (they
/// are real, running pipelines), and every pipeline that defines jobs locally gets
/// them lowered.
#[test]
#[ignore = "reads ../shared/corpus-gitlab (78 real GitLab CI pipelines); run with --ignored"]
fn gitlab_corpus_loads_without_errors() {
    // `../shared` of the checkout (or of the folder holding a git worktree).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("PIPEWISE_GITLAB_CORPUS")
        .map(Into::into)
        .or_else(|| {
            ["../shared/corpus-gitlab", "../../shared/corpus-gitlab"]
                .iter()
                .map(|p| root.join(p))
                .find(|p| p.is_dir())
        });
    let Some(dir) = dir else {
        panic!("the GitLab corpus is absent: expected ../shared/corpus-gitlab next to the checkout, or PIPEWISE_GITLAB_CORPUS");
    };
    let mut repos: Vec<_> = fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let mut errors = vec![];
    let mut jobs = 0;
    for p in &repos {
        let r = audit_path(p, Some(&Config::default())).expect("audits");
        let gitlab: Vec<&str> = r
            .files
            .iter()
            .filter(|f| f.kind == "gitlab-ci")
            .map(|f| f.path.as_str())
            .collect();
        for e in &r.errors {
            if gitlab.contains(&e.file.as_str()) {
                errors.push(format!(
                    "{}/{}:{} {}",
                    p.display(),
                    e.file,
                    e.line,
                    e.message
                ));
            }
        }
        jobs += r.workflows.iter().map(|w| w.jobs.len()).sum::<usize>();
    }
    assert!(repos.len() >= 70, "{} repositories", repos.len());
    assert!(jobs > 2000, "only {jobs} jobs lowered");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn gitlab_templates_provide_capabilities() {
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        "include:\n  - template: Security/SAST.gitlab-ci.yml\n  - template: Jobs/Secret-Detection.gitlab-ci.yml\n  - component: $CI_SERVER_FQDN/components/container-scanning/container-scanning@6.0.0\ntest:\n  script: make test\n",
    )]);
    let status = |id: &str| {
        r.capabilities
            .iter()
            .find(|c| c.id == id)
            .map(|c| format!("{:?}", c.status))
            .unwrap_or_default()
    };
    assert_eq!(status("security.sast"), "Present");
    assert_eq!(status("security.secret-scanning"), "Present");
    assert_eq!(status("security.dependency-audit"), "Missing");
}

/// The inner structure of keywords, as GitLab's schema and validators have it: each
/// bad key or value is an error at its own line, in the file it is written in (a
/// template's `artifacts:` is reported in the template's file). The job `good` holds
/// a valid look-alike of every one, and gives none.
#[test]
fn keyword_structure_errors_have_file_and_line() {
    let (_d, r) = repo(&[
        (
            ".gitlab-ci.yml",
            concat!(
                "include: ci/t.yml\n",
                "art:\n  extends: .t\n  script: make\n",
                "  artifacts:\n    when: sometimes\n    paths: [a, {b: c}]\n",
                "    reports:\n      junit: out.xml\n      jnuit: out.xml\n",
                "cached:\n  script: make\n",
                "  cache:\n    key: $CI_COMMIT_REF_SLUG/deps\n    policy: pull-only\n",
                "    fallback_keys: [a, b, c, d, e, f]\n    untracked: maybe\n",
                "ruled:\n  script: make\n  rules:\n",
                "    - if: $X\n      when: delayed\n",
                "    - if: $Y\n      start_in: 1 hour\n",
                "    - changes: {paths: [a], compare: main}\n      needs: [{job: a, parallel: 2}]\n",
                "env:\n  script: make\n",
                "  environment:\n    url: https://example.com\n    action: destroy\n    deployment_tier: prod\n    on_stop: gone\n",
                "trig:\n  trigger:\n    project: a/b\n    include: c.yml\n    strategy: wait\n",
                "trig2:\n  trigger:\n    branch: main\n    forward: {yaml_variables: true, secrets: true}\n",
                "need:\n  script: make\n  needs:\n    - {jbo: art}\n",
                "par:\n  script: make\n  parallel:\n    matrix:\n      - A: [1, 2]\n    max: 3\n",
                "stop-a:\n  script: make\n  environment: {name: review, on_stop: stop-b}\n",
                "stop-b:\n  script: make\n  environment: {name: other, action: stop}\n",
                "good:\n  script: make\n",
                "  artifacts:\n    when: always\n    paths: [a, b]\n    expire_in: 1 week\n    access: developer\n",
                "    reports: {junit: [a.xml, b.xml], dotenv: x.env, coverage_report: {coverage_format: cobertura, path: c.xml}}\n",
                "  cache:\n    - key: {files: [Gemfile.lock], prefix: $CI_JOB_NAME}\n      policy: $POLICY\n      untracked: true\n",
                "    - key: deps-$CI_COMMIT_REF_SLUG\n      fallback_keys: [a]\n      when: on_failure\n",
                "  rules:\n    - if: $X\n      when: delayed\n      start_in: 5 minutes\n",
                "    - changes: {paths: [a], compare_to: main}\n      exists: [b]\n      allow_failure: true\n      needs: [art, {job: need, optional: true}]\n",
                "  environment:\n    name: review\n    action: prepare\n    deployment_tier: staging\n    kubernetes: {agent: a/b:c, namespace: n}\n    on_stop: stop-good\n",
                "  needs:\n    - {job: par, parallel: {matrix: [{A: '1'}]}}\n    - {pipeline: $PARENT_PIPELINE_ID, job: gen}\n",
                "  parallel: {matrix: [{A: [x, y], B: z}]}\n",
                "  id_tokens:\n    TOKEN:\n      aud: https://vault.example.com\n",
                "stop-good:\n  script: make\n  when: manual\n  environment: {name: review, action: stop}\n",
                "child:\n  trigger:\n    include: [{local: c.yml}]\n    strategy: depend\n    forward: {pipeline_variables: true}\n",
            ),
        ),
        (
            "ci/t.yml",
            ".t:\n  artifacts:\n    expose: out\n.r:\n  rules:\n    - if: $Z\nworkflow:\n  rules:\n    - !reference [.r, rules]\n    - if: $A\n      when: manual\n    - if: $B\n      when: never\n  auto_cancel:\n    on_new_commit: always\n",
        ),
        ("c.yml", "x:\n  script: make\n"),
    ]);
    let errs = load_errors(&r);
    let want = [
        "ci/t.yml:3 unknown key `expose` in `artifacts` of job `art`",
        "ci/t.yml:11 `workflow:rules:when: manual` of `workflow` is not one of always, never",
        "ci/t.yml:15 `workflow:auto_cancel:on_new_commit: always` of `workflow` is not one of",
        ".gitlab-ci.yml:6 `artifacts:when: sometimes` of job `art` is not one of",
        ".gitlab-ci.yml:7 `artifacts:paths` of job `art`: this item must be a string, found a mapping",
        ".gitlab-ci.yml:10 unknown key `jnuit` in `artifacts:reports` of job `art`",
        ".gitlab-ci.yml:14 `cache:key` of job `cached` cannot contain `/`",
        ".gitlab-ci.yml:15 `cache:policy: pull-only` of job `cached` is not one of",
        ".gitlab-ci.yml:16 `cache:fallback_keys` of job `cached` has 6 items; GitLab allows at most 5",
        ".gitlab-ci.yml:17 `cache:untracked` of job `cached` must be `true` or `false`",
        ".gitlab-ci.yml:21 a `rules:` item of job `ruled` has `when: delayed` without `start_in`",
        ".gitlab-ci.yml:24 a `rules:` item of job `ruled` has `start_in` without `when: delayed`",
        ".gitlab-ci.yml:25 unknown key `compare` in `rules:changes` of job `ruled`",
        ".gitlab-ci.yml:26 unknown key `parallel` in `rules:needs` of job `ruled`",
        ".gitlab-ci.yml:30 `environment` of job `env` has no `name`",
        ".gitlab-ci.yml:31 `environment:action: destroy` of job `env` is not one of",
        ".gitlab-ci.yml:32 `environment:deployment_tier: prod` of job `env` is not one of",
        ".gitlab-ci.yml:33 `environment:on_stop` of job `env` names `gone`, which is not defined",
        ".gitlab-ci.yml:37 `trigger` of job `trig` has both `project` and `include`",
        ".gitlab-ci.yml:38 `trigger:strategy: wait` of job `trig` is not one of depend, mirror",
        ".gitlab-ci.yml:41 `trigger` of job `trig2` names neither a `project` nor an `include`",
        ".gitlab-ci.yml:41 `trigger:branch` of job `trig2` needs `trigger:project`",
        ".gitlab-ci.yml:42 unknown key `secrets` in `trigger:forward` of job `trig2`",
        ".gitlab-ci.yml:46 unknown key `jbo` in `needs` of job `need`",
        ".gitlab-ci.yml:46 `needs` of job `need` has no `job`",
        ".gitlab-ci.yml:52 unknown key `max` in `parallel` of job `par`",
        ".gitlab-ci.yml:55 `environment:on_stop` of job `stop-a` names `stop-b`, whose environment has another name",
    ];
    assert_has_errors(&errs, &want);
    assert_eq!(errs.len(), want.len(), "{errs:#?}");
}

/// What GitLab checks in the text of values (`gitlab/values.rs`): include items,
/// durations, `rules:if` expressions, environment names, strings where a number
/// or a boolean is written, keys that make another kind of job, and limits. Each
/// bad line is asserted with its file and line; the valid look-alikes beside them
/// (`fine`, `fine2`, `fine3`, `enough`, the valid include items) must give none,
/// which the exact count checks.
#[test]
fn value_syntax_errors_have_file_and_line() {
    let (_d, r) = repo(&[
        (
            ".gitlab-ci.yml",
            concat!(
                "include:\n",
                "  - local: ci/a.yml\n",
                "  - local: ci/b.txt\n",
                "  - {project: group/p, ref: main}\n",
                "  - {remote: 'https://example.com/x.yml', integrity: md5-abc}\n",
                "  - {template: Jobs/SAST.gitlab-ci.yml, integrity: sha256-abc}\n",
                "  - {local: ci/a.yml, remote: 'https://example.com/y.yml'}\n",
                "  - {file: x.yml}\n",
                "  - {local: ci/a.yml, rules: [{if: '$A == main'}]}\n",
                "  - {artifact: gen.yml}\n",
                "  - {local: ci/a.yml, cache: true}\n",
                "  - {project: group/p, file: [a.yml, b.json]}\n",
                "  - 'https://example.com/z.yml'\n",
                "  - ci/a.yml\n",
                "  - {remote: 'https://example.com/x.yml', integrity: 'sha256-n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='}\n",
                "  - {component: $CI_SERVER_FQDN/g/c@1.0, inputs: {x: 1}}\n",
                "  - {project: group/p, ref: v1.0, file: /t.yml}\n",
                "job:\n",
                "  script: make\n",
            ),
        ),
        ("ci/a.yml", ".a:\n  script: x\n"),
    ]);
    let errs = load_errors(&r);
    let want = [
        ".gitlab-ci.yml:3 included file `ci/b.txt`",
        ".gitlab-ci.yml:4 an item of `include` names a `project` without `file`",
        ".gitlab-ci.yml:5 `integrity` in `include` must start with `sha256-`",
        ".gitlab-ci.yml:6 `integrity` in `include` is only for a `remote` include",
        ".gitlab-ci.yml:7 an item of `include` must name exactly one of local, project, remote, template, component, artifact (it names local, remote)",
        ".gitlab-ci.yml:8 an item of `include` must name exactly one of local, project, remote, template, component, artifact (it names none)",
        ".gitlab-ci.yml:9 `rules:if` of an item of `include` is not an expression GitLab can read: `main` is not a variable",
        ".gitlab-ci.yml:10 an item of `include` names an `artifact` without the `job` that makes it",
        ".gitlab-ci.yml:11 unknown key `cache` in an item of `include`",
        ".gitlab-ci.yml:12 `b.json` in `include` is not a YAML file",
    ];
    assert_has_errors(&errs, &want);
    assert_eq!(errs.len(), want.len(), "{errs:#?}");

    let needs = |k: usize| {
        (0..k)
            .map(|i| format!("{{job: n{i}, optional: true}}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "{}needy:\n  script: make\n  needs: [{}]\nenough:\n  script: make\n  needs: [{}]\n",
        concat!(
                "stages: [build, test, deploy]\n",
                "workflow:\n",
                "  rules:\n",
                "    - if: $A == prod\n",
                "    - if: $CI_PIPELINE_SOURCE == \"push\"\n",
                "dur:\n",
                "  script: make\n",
                "  timeout: 3600\n",
                "  artifacts:\n",
                "    expire_in: 1 fortnight\n",
                "dur2:\n",
                "  script: make\n",
                "  timeout: 2 months\n",
                "  when: delayed\n",
                "  start_in: 8 days\n",
                "  environment:\n",
                "    name: review\n",
                "    auto_stop_in: 1 wek\n",
                "dur3:\n",
                "  script: make\n",
                "  start_in: 10 minutes\n",
                "dur4:\n",
                "  script: make\n",
                "  when: delayed\n",
                "cond:\n",
                "  script: make\n",
                "  rules:\n",
                "    - if: $CI_COMMIT_BRANCH == main\n",
                "    - if: ($A == \"x\"\n",
                "    - if: $A $B\n",
                "    - if: ${A} == \"x\"\n",
                "    - if: $A =~ /x\n",
                "    - if: 1\n",
                "env:\n",
                "  script: make\n",
                "  environment: prod:eu\n",
                "env2:\n",
                "  script: make\n",
                "  environment: {name: /prod}\n",
                "both:\n",
                "  script: make\n",
                "  trigger: {project: a/b}\n",
                "both2:\n",
                "  script: make\n",
                "  run: [{name: a, script: b}]\n",
                "typed:\n",
                "  script: make\n",
                "  stage: 1\n",
                "  tags: [docker, 2]\n",
                "  resource_group: true\n",
                "  cache: {key: 1, paths: [a]}\n",
                "  coverage: 1.5\n",
                "kids:\n",
                "  trigger:\n",
                "    include:\n",
                "      - local: a.yml\n",
                "      - local: b.yml\n",
                "      - local: c.yml\n",
                "      - local: d.json\n",
                "fine:\n",
                "  script: make\n",
                "  timeout: 1h 30m\n",
                "  when: delayed\n",
                "  start_in: 30 minutes\n",
                "  artifacts: {expire_in: never, paths: [a]}\n",
                "  environment: {name: review/$CI_COMMIT_REF_SLUG, auto_stop_in: 1 week, url: 'https://x'}\n",
                "  tags: [docker, '2']\n",
                "  resource_group: deploy\n",
                "  cache: {key: '1', paths: [a]}\n",
                "  coverage: '/\\d+%/'\n",
                "fine2:\n",
                "  script: make\n",
                "  timeout: 3 hours 20 minutes\n",
                "  rules:\n",
                "    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && ($A =~ /^v\\d+/ || $B != null)\n",
                "      when: delayed\n",
                "      start_in: 1 week\n",
                "    - if: '$CI_PIPELINE_SOURCE == \"merge_request_event\"'\n",
                "  environment: production\n",
                "fine3:\n",
                "  trigger:\n",
                "    include:\n",
                "      - local: a.yml\n",
                "      - template: Jobs/x.gitlab-ci.yml\n",
                "      - {artifact: gen.yml, job: fine}\n",
        ),
        needs(51),
        needs(50)
    );
    let child = "x:\n  script: make\n";
    let (_d, r) = repo(&[
        (".gitlab-ci.yml", text.as_str()),
        ("a.yml", child),
        ("b.yml", child),
        ("c.yml", child),
        ("d.json", child),
    ]);
    let errs = load_errors(&r);
    let want = [
        ".gitlab-ci.yml:4 `rules:if` of `workflow` is not an expression GitLab can read: `prod` is not a variable",
        ".gitlab-ci.yml:8 `timeout` of job `dur` must be a duration string such as `30 minutes` or `1h 30m`; `3600` is read as a number",
        ".gitlab-ci.yml:10 `artifacts:expire_in: 1 fortnight` of job `dur` is not a duration GitLab can read (`fortnight` is not a unit",
        ".gitlab-ci.yml:13 `timeout: 2 months` of job `dur2` is longer than GitLab allows (at most a month)",
        ".gitlab-ci.yml:15 `start_in: 8 days` of job `dur2` is longer than GitLab allows (at most a week)",
        ".gitlab-ci.yml:18 `environment:auto_stop_in: 1 wek` of job `dur2` is not a duration GitLab can read (`wek` is not a unit",
        ".gitlab-ci.yml:21 `start_in` of job `dur3` needs `when: delayed`",
        ".gitlab-ci.yml:24 job `dur4` has `when: delayed` without `start_in`",
        ".gitlab-ci.yml:28 `rules:if` of job `cond` is not an expression GitLab can read: `main` is not a variable",
        ".gitlab-ci.yml:29 `rules:if` of job `cond` is not an expression GitLab can read: a `(` is not closed",
        ".gitlab-ci.yml:30 `rules:if` of job `cond` is not an expression GitLab can read: two operands are not joined by an operator",
        ".gitlab-ci.yml:31 `rules:if` of job `cond` is not an expression GitLab can read: `${A}` is not a variable",
        ".gitlab-ci.yml:32 `rules:if` of job `cond` is not an expression GitLab can read: a `/pattern/` is not closed",
        ".gitlab-ci.yml:33 `rules:if` of job `cond` must be a string expression; `1` is read as a number or a boolean",
        ".gitlab-ci.yml:36 environment name `prod:eu` of job `env` can contain only letters, digits",
        ".gitlab-ci.yml:39 environment name `/prod` of job `env2` can contain only letters, digits",
        ".gitlab-ci.yml:42 job `both` has both `script` and `trigger`",
        ".gitlab-ci.yml:45 job `both2` has both `script` and `run`",
        ".gitlab-ci.yml:48 `stage` of job `typed` must be a string; `1` is read as a number or a boolean",
        ".gitlab-ci.yml:48 stage `1` of job `typed` is not in `stages`",
        ".gitlab-ci.yml:49 `tags` of job `typed` must be a string; `2` is read",
        ".gitlab-ci.yml:50 `resource_group` of job `typed` must be a string; `true` is read",
        ".gitlab-ci.yml:51 `cache:key` of job `typed` must be a string; `1` is read",
        ".gitlab-ci.yml:52 `coverage` of job `typed` must be a string; `1.5` is read",
        ".gitlab-ci.yml:56 `trigger:include` of job `kids` names 4 files; GitLab allows at most 3",
        ".gitlab-ci.yml:59 included file `d.json` must be a `.yml` or `.yaml` file",
        ".gitlab-ci.yml:88 job `needy` needs 51 jobs; GitLab allows at most 50",
    ];
    assert_has_errors(&errs, &want);
    assert_eq!(errs.len(), want.len(), "{errs:#?}");
}

/// A template's line that prompts (or asks about a host key) is reported for the
/// jobs that share it, whichever job the rule looked at first; a shared line that
/// cannot prompt is not (`interactive-command` judges a shared line's commands once).
#[test]
fn shared_template_lines_that_prompt_are_reported() {
    let (_d, r) = repo(&[(
        ".gitlab-ci.yml",
        ".deploy:\n  script:\n    - terraform apply\n    - ssh deploy@host ./up.sh\n\
         .quiet:\n  script:\n    - terraform apply -auto-approve\n\
         a: {extends: .deploy}\nb: {extends: .deploy}\n\
         c: {extends: .quiet}\nd: {extends: .quiet}\n",
    )]);
    let found = findings(&r, "reliability/interactive-command");
    for line in [3, 4] {
        assert!(
            found
                .iter()
                .any(|f| f.starts_with(&format!(".gitlab-ci.yml:{line}:"))),
            "line {line} not reported: {found:?}"
        );
    }
    assert!(
        !found.iter().any(|f| f.starts_with(".gitlab-ci.yml:7:")),
        "{found:?}"
    );
}
