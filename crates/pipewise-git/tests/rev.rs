//! `audit --rev`: a commit read straight from the object database audits exactly
//! as a checkout of it, for every commit of a scripted history (workflows,
//! actions, scripts a step calls, Dockerfiles, compose, Dependabot, GitLab CI with
//! a local include, pipewise's config, a file over the size limit), in a work
//! tree and in a bare mirror; links are not followed; bad revisions are errors.

mod support;

use pipewise_git::{audit_rev, GitRepo};
use support::{json, Scripted};

const CI: &str = "name: CI\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./.github/actions/setup\n      - run: ./scripts/test.sh\n      - run: npm test || echo \"tests failed\"\n";
const ACTION: &str = "name: setup\nruns:\n  using: composite\n  steps:\n    - run: curl -sSL https://example.com/install.sh | bash\n      shell: bash\n";
const SCRIPT: &str = "#!/bin/sh\nnpm ci\nnpm run lint || true\n";
const DEPLOY: &str = "name: Deploy\non:\n  pull_request_target:\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: echo \"${{ github.event.pull_request.title }}\"\n      - run: kubectl apply -f k8s/\n";
const GITLAB: &str = "include:\n  - local: ci/build.yml\nstages: [test]\nunit:\n  stage: test\n  script:\n    - make test || true\n";
const GITLAB_INC: &str = "build:\n  stage: test\n  image: node:latest\n  script:\n    - npm ci\n";

fn scripted() -> (Scripted, Vec<String>) {
    let mut s = Scripted::new();
    let mut commits = vec![];
    s.write("README.md", "# demo\n");
    s.write(".github/workflows/ci.yml", CI);
    s.write(".github/actions/setup/action.yml", ACTION);
    s.write("scripts/test.sh", SCRIPT);
    s.write(
        "package.json",
        "{\"name\": \"demo\", \"scripts\": {\"test\": \"jest\"}}\n",
    );
    commits.push(s.commit("add CI"));
    s.write("Dockerfile", "FROM node:latest\nRUN npm ci\nUSER root\n");
    s.write(
        "docker-compose.yml",
        "services:\n  web:\n    image: nginx:latest\n    privileged: true\n",
    );
    s.write(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n");
    commits.push(s.commit("containers"));
    s.write(".github/workflows/deploy.yml", DEPLOY);
    s.write(".github/workflows/broken.yml", "on: [push\n");
    s.write(".gitlab-ci.yml", GITLAB);
    s.write("ci/build.yml", GITLAB_INC);
    commits.push(s.commit("deploy, gitlab, a broken workflow"));
    s.write(
        "pipewise.toml",
        "disable = [\"security/unpinned-action\"]\n",
    );
    s.write(
        "scripts/test.sh",
        "#!/bin/sh\nset -e\nnpm ci\nnpm run lint\n",
    );
    s.remove(".github/workflows/broken.yml");
    // Over the 4 MiB limit: refused from git as from disk.
    s.write(".github/workflows/huge.yml", &"# x\n".repeat(1_100_000));
    commits.push(s.commit("config, fixes, a huge file"));
    s.write("pipewise.toml", "disable = [\"no-such/rule\"]\n");
    commits.push(s.commit("an invalid config"));
    (s, commits)
}

#[test]
fn every_commit_audits_as_its_checkout_in_a_work_tree_and_a_bare_mirror() {
    let (s, commits) = scripted();
    let mirror = tempfile::TempDir::new().expect("tmp");
    let bare = mirror.path().join("mirror.git");
    s.git(&[
        "clone",
        "-q",
        "--mirror",
        &s.path().display().to_string(),
        &bare.display().to_string(),
    ]);
    for (i, c) in commits.iter().enumerate() {
        let (_t, dir) = s.checkout(c);
        let expected = pipewise::audit::audit_path(&dir, None).expect("audits");
        assert!(!expected.files.is_empty());
        let expected = json(expected, "repo");
        for (repo, rev) in [(s.path(), c.as_str()), (bare.as_path(), c.as_str())] {
            let got = audit_rev(repo, rev, "repo", None, None).expect("audits from git");
            let got = json(got, "repo");
            assert!(
                got == expected,
                "commit {i} ({c}) from {}:\n{}",
                repo.display(),
                first_difference(&expected, &got)
            );
        }
    }
    // The checks above must see something: findings, errors and the config's effect.
    let last = audit_rev(s.path(), "HEAD~1", "repo", None, None).expect("audits");
    assert!(last
        .findings
        .iter()
        .any(|f| f.rule == "reliability/masked-failure"));
    assert!(last
        .errors
        .iter()
        .any(|e| e.file == ".github/workflows/huge.yml" && e.message.contains("MiB limit")));
    assert!(!last
        .findings
        .iter()
        .any(|f| f.rule == "security/unpinned-action"));
    let invalid = audit_rev(s.path(), "HEAD", "repo", None, None).expect("audits");
    assert!(invalid
        .errors
        .iter()
        .any(|e| e.message.contains("invalid configuration")));
    let third = audit_rev(s.path(), &commits[2], "repo", None, None).expect("audits");
    assert!(third.files.iter().any(|f| f.path == "ci/build.yml"));
    assert!(third
        .errors
        .iter()
        .any(|e| e.file == ".github/workflows/broken.yml"));
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}: checkout `{x}` vs git `{y}`", i + 1);
        }
    }
    format!("lengths {} vs {}", a.len(), b.len())
}

#[test]
fn revisions_are_resolved_and_bad_ones_are_errors() {
    let (s, commits) = scripted();
    s.git(&["tag", "v1.0", &commits[1]]);
    s.git(&["tag", "-a", "-m", "annotated", "v2.0", &commits[2]]);
    let git = GitRepo::open(s.path()).expect("opens");
    assert_eq!(git.resolve("v1.0").expect("tag").id.to_string(), commits[1]);
    assert_eq!(
        git.resolve("v2.0").expect("annotated tag").id.to_string(),
        commits[2]
    );
    assert_eq!(
        git.resolve("HEAD~2").expect("ancestor").id.to_string(),
        commits[2]
    );
    assert_eq!(
        git.resolve(&commits[0][..10])
            .expect("short id")
            .id
            .to_string(),
        commits[0]
    );
    assert!(git
        .resolve("no-such-branch")
        .unwrap_err()
        .contains("no-such-branch"));
    let not_git = tempfile::TempDir::new().expect("tmp");
    assert!(GitRepo::open(not_git.path())
        .unwrap_err()
        .contains("not a git repository"));
}

#[test]
fn symbolic_links_are_not_followed() {
    let mut s = Scripted::new();
    s.write(".github/workflows/ci.yml", CI);
    s.write("outside.yml", CI);
    std::os::unix::fs::symlink("/etc/passwd", s.path().join(".github/workflows/passwd.yml"))
        .expect("link");
    std::os::unix::fs::symlink(
        "../../outside.yml",
        s.path().join(".github/workflows/inside.yml"),
    )
    .expect("link");
    std::os::unix::fs::symlink("/etc", s.path().join(".github/etc")).expect("link");
    s.commit("links");
    let r = audit_rev(s.path(), "HEAD", "repo", None, None).expect("audits");
    for f in [
        ".github/workflows/passwd.yml",
        ".github/workflows/inside.yml",
    ] {
        let e = r
            .errors
            .iter()
            .find(|e| e.file == f)
            .unwrap_or_else(|| panic!("{f}: {:?}", r.errors));
        assert!(e.message.contains("symbolic link"), "{}", e.message);
    }
    assert!(r.files.iter().any(|f| f.path == ".github/workflows/ci.yml"));
    assert!(!r.files.iter().any(|f| f.path.starts_with(".github/etc")));
}

/// This repository's own history: the last commits of its first-parent line,
/// audited from git and from `git archive` checkouts.
#[test]
#[ignore = "reads this repository's own git history (a clone with history); run with --ignored"]
fn own_history_audits_as_its_checkouts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let git = GitRepo::open(&root).expect("this repository is a git repository with its history");
    let mut at = git.resolve("HEAD").expect("HEAD");
    for _ in 0..6 {
        let id = at.id.to_string();
        let (_t, dir) = support::checkout_of(&root, &id);
        let expected = json(
            pipewise::audit::audit_path(&dir, None).expect("audits"),
            "repo",
        );
        let got = json(
            audit_rev(&root, &id, "repo", None, None).expect("audits"),
            "repo",
        );
        assert!(
            got == expected,
            "commit {id}:\n{}",
            first_difference(&expected, &got)
        );
        match at.parents.first() {
            Some(p) => at = git.commit(*p).expect("parent"),
            None => break,
        }
    }
}
