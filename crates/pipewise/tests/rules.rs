//! Fixture-driven rule tests, one `#[test]` per rule. Every rule `group/name` has two mini repositories:
//! `tests/fixtures/<group>/<name>/trigger/` (must produce at least one finding of that
//! rule) and `tests/fixtures/<group>/<name>/benign/` (look-alikes that must produce
//! none). The findings of each are snapshotted with insta, so any change in message,
//! location or severity shows up in review.

use pipewise::audit::audit_path;
use pipewise::config::Config;
use pipewise::rules;
use std::path::{Path, PathBuf};

fn fixture_dir(id: &str, kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(id)
        .join(kind)
}

/// Audits a fixture with every rule enabled and returns this rule's findings as
/// stable one-line records.
fn findings_of(id: &str, dir: &Path) -> Vec<String> {
    let report = audit_path(dir, Some(&Config::default())).expect("fixture audits");
    report
        .findings
        .iter()
        .filter(|f| f.rule == id)
        .map(|f| {
            format!(
                "{}:{}:{}-{}:{} [{}] {}{}",
                f.file,
                f.line,
                f.column,
                f.end_line,
                f.end_column,
                f.severity,
                f.message,
                f.related
                    .iter()
                    .map(|r| format!(" (related {}:{}: {})", r.file, r.line, r.message))
                    .collect::<String>()
            )
        })
        .collect()
}

/// Checks one rule: its fixtures exist, the trigger fires, the benign fixture stays
/// silent, and the trigger findings match their snapshot.
fn check_rule(id: &str) {
    assert!(
        rules::by_id(id).is_some(),
        "{id} is listed in tests/rules.rs but is not a registered rule"
    );
    let trigger = fixture_dir(id, "trigger");
    let benign = fixture_dir(id, "benign");
    assert!(
        trigger.is_dir() && benign.is_dir(),
        "{id}: needs tests/fixtures/{id}/trigger and /benign"
    );
    let found = findings_of(id, &trigger);
    assert!(
        !found.is_empty(),
        "{id}: trigger fixture produced no finding"
    );
    insta::assert_snapshot!(
        format!("{}__trigger", id.replace('/', "__")),
        found.join("\n")
    );
    let found = findings_of(id, &benign);
    assert!(
        found.is_empty(),
        "{id}: benign fixture produced findings:\n  {}",
        found.join("\n  ")
    );
}

/// One `#[test]` per rule, so a failing rule never hides the others: `name => "id",`.
/// Adding a rule is one line here (`every_rule_has_a_test` names a missing one).
macro_rules! rule_tests {
    ($($name:ident => $id:literal,)*) => {
        $(
            #[test]
            #[allow(non_snake_case)] // `group__rule`, as the snapshots are named
            fn $name() {
                check_rule($id);
            }
        )*
        /// The rule ids with a test above.
        const TESTED: &[&str] = &[$($id),*];
    };
}

rule_tests! {
    container__add_local_file => "container/add-local-file",
    container__apt_get_install => "container/apt-get-install",
    container__compose_docker_socket => "container/compose-docker-socket",
    container__compose_exposed_port => "container/compose-exposed-port",
    container__compose_literal_password => "container/compose-literal-password",
    container__compose_privileged => "container/compose-privileged",
    container__copy_before_install => "container/copy-before-install",
    container__missing_healthcheck => "container/missing-healthcheck",
    container__root_user => "container/root-user",
    container__secret_in_env => "container/secret-in-env",
    container__unpinned_base_image => "container/unpinned-base-image",
    cost__missing_cancel_in_progress => "cost/missing-cancel-in-progress",
    cost__multi_arch_every_push => "cost/multi-arch-every-push",
    cost__no_dependency_cache => "cost/no-dependency-cache",
    cost__unused_setup => "cost/unused-setup",
    cost__checks_on_every_os => "cost/checks-on-every-os",
    cost__no_docs_path_filter => "cost/no-docs-path-filter",
    cost__image_built_twice => "cost/image-built-twice",
    cost__unused_needs => "cost/unused-needs",
    deployment__placeholder_step => "deployment/placeholder-step",
    deployment__readiness_wait => "deployment/readiness-wait",
    deployment__release_tool_on_tag => "deployment/release-tool-on-tag",
    deployment__scan_after_push => "deployment/scan-after-push",
    deployment__tested_image_mismatch => "deployment/tested-image-mismatch",
    deployment__ungated_deploy => "deployment/ungated-deploy",
    gitlab__allow_failure_gate => "gitlab/allow-failure-gate",
    gitlab__artifact_secrets => "gitlab/artifact-secrets",
    gitlab__broad_id_token => "gitlab/broad-id-token",
    gitlab__debug_trace => "gitlab/debug-trace",
    gitlab__deploy_without_environment => "gitlab/deploy-without-environment",
    gitlab__dind_tls_disabled => "gitlab/dind-tls-disabled",
    gitlab__duplicate_key => "gitlab/duplicate-key",
    gitlab__hardcoded_variable => "gitlab/hardcoded-variable",
    gitlab__inputs_injection => "gitlab/inputs-injection",
    gitlab__job_token_exposure => "gitlab/job-token-exposure",
    gitlab__merge_request_secrets => "gitlab/merge-request-secrets",
    gitlab__missing_interruptible => "gitlab/missing-interruptible",
    gitlab__missing_timeout => "gitlab/missing-timeout",
    gitlab__script_injection => "gitlab/script-injection",
    gitlab__unpinned_image => "gitlab/unpinned-image",
    gitlab__unpinned_include => "gitlab/unpinned-include",
    quality__non_failing_scanner => "quality/non-failing-scanner",
    reliability__artifact_not_downloaded => "reliability/artifact-not-downloaded",
    reliability__continue_on_error_gate => "reliability/continue-on-error-gate",
    reliability__interactive_command => "reliability/interactive-command",
    reliability__localhost_without_server => "reliability/localhost-without-server",
    reliability__masked_failure => "reliability/masked-failure",
    reliability__missing_concurrency => "reliability/missing-concurrency",
    reliability__missing_file => "reliability/missing-file",
    reliability__missing_timeout => "reliability/missing-timeout",
    reliability__partial_status_check => "reliability/partial-status-check",
    reliability__stale_cache => "reliability/stale-cache",
    reliability__stale_exit_status => "reliability/stale-exit-status",
    reliability__toolchain_drift => "reliability/toolchain-drift",
    reliability__unlocked_action => "reliability/unlocked-action",
    reliability__unpushed_commit => "reliability/unpushed-commit",
    security__artifact_poisoning => "security/artifact-poisoning",
    security__cache_poisoning => "security/cache-poisoning",
    security__dangerous_trigger => "security/dangerous-trigger",
    security__debug_logging => "security/debug-logging",
    security__dependabot_coverage => "security/dependabot-coverage",
    security__dependabot_insecure_execution => "security/dependabot-insecure-execution",
    security__deprecated_action => "security/deprecated-action",
    security__deprecated_command => "security/deprecated-command",
    security__github_env_injection => "security/github-env-injection",
    security__hardcoded_credential => "security/hardcoded-credential",
    security__known_vulnerable_action => "security/known-vulnerable-action",
    security__missing_permissions => "security/missing-permissions",
    security__overbroad_permissions => "security/overbroad-permissions",
    security__persisted_credentials => "security/persisted-credentials",
    security__remote_script => "security/remote-script",
    security__secret_exposure => "security/secret-exposure",
    security__secrets_inherit => "security/secrets-inherit",
    security__self_hosted_runner => "security/self-hosted-runner",
    security__spoofable_bot_check => "security/spoofable-bot-check",
    security__template_injection => "security/template-injection",
    security__tls_verification_disabled => "security/tls-verification-disabled",
    security__unpinned_action => "security/unpinned-action",
    security__unpinned_image => "security/unpinned-image",
    security__unsound_condition => "security/unsound-condition",
    security__unsound_contains => "security/unsound-contains",
    security__unused_id_token => "security/unused-id-token",
}

#[test]
fn every_rule_has_a_test() {
    let missing: Vec<String> = rules::all()
        .into_iter()
        .map(|r| r.meta().id)
        .filter(|id| !TESTED.contains(id))
        .map(|id| {
            format!(
                "    {} => \"{id}\",",
                id.replace('/', "__").replace('-', "_")
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a test: add these lines to `rule_tests!` in tests/rules.rs\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_rule_is_documented() {
    for r in rules::all() {
        let m = r.meta();
        let (group, name) = m.id.split_once('/').expect("id is group/name");
        assert!(
            [
                "reliability",
                "security",
                "deployment",
                "quality",
                "container",
                "gitlab",
                "cost"
            ]
            .contains(&group),
            "{}",
            m.id
        );
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            m.id
        );
        assert!(
            m.doc.contains("## Bad") && m.doc.contains("## Good"),
            "{} doc needs Bad and Good examples",
            m.id
        );
        assert!(
            m.doc.contains("## Why it matters"),
            "{} doc needs 'Why it matters'",
            m.id
        );
        assert!(
            !m.fix.snippet.is_empty() && m.fix.effort_minutes > 0,
            "{} needs a fix",
            m.id
        );
        assert!(!m.impact.is_empty() && !m.summary.is_empty(), "{}", m.id);
        // The rule's source file is named after it (under `rules/github/` for a
        // GitHub-only rule: tests/architecture.rs checks which).
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let file = format!("{group}/{}.rs", name.replace('-', "_"));
        assert!(
            rules.join(&file).is_file() || rules.join("github").join(&file).is_file(),
            "{} should live in {}",
            m.id,
            rules.join(&file).display()
        );
    }
}

/// Issue 14 classes 9 (valid syntax accepted, invalid syntax reported) and 10 (the
/// peer's suppressions honoured, an ignore naming an unknown rule reported) as fixture
/// files under `tests/fixtures/problems/<name>/{trigger,benign}`: load errors and
/// suppression warnings belong to no rule, so the trigger's `errors` and `warnings`
/// are snapshotted, and the benign side must have none and no finding of `silent`.
fn check_problems(name: &str, silent: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/problems")
        .join(name);
    let problems = |kind: &str| -> Vec<String> {
        let r = audit_path(&dir.join(kind), Some(&Config::default())).expect("fixture audits");
        r.errors
            .iter()
            .map(|e| ("error", e))
            .chain(r.warnings.iter().map(|w| ("warning", w)))
            .map(|(k, e)| format!("{k} {}:{}: {}", e.file, e.line, e.message))
            .collect()
    };
    let found = problems("trigger");
    assert!(
        !found.is_empty(),
        "{name}: trigger fixture reported nothing"
    );
    insta::assert_snapshot!(format!("problems__{name}__trigger"), found.join("\n"));
    let found = problems("benign");
    assert!(
        found.is_empty(),
        "{name}: benign fixture reported:\n  {}",
        found.join("\n  ")
    );
    let findings = findings_of(silent, &dir.join("benign"));
    assert!(
        findings.is_empty(),
        "{name}: benign fixture has {silent} findings:\n  {}",
        findings.join("\n  ")
    );
}

#[test]
fn problems_valid_syntax() {
    check_problems("syntax", "security/unpinned-action");
}

#[test]
fn problems_suppressions() {
    check_problems("suppressions", "security/template-injection");
}
