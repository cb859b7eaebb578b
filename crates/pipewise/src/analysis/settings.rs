//! Repository settings pipewise cannot see in the files: GitHub environments and
//! their protection rules, read from a JSON file given with `--settings FILE`.
//!
//! Accepted shapes (the second is what `gh api repos/OWNER/REPO/environments` prints):
//! `{"environments": [{"name": "production", "required_reviewers": 2, "wait_timer": 0,
//! "branch_policy": true}]}` or `{"environments": [{"name": "production",
//! "protection_rules": [{"type": "required_reviewers", ...}, {"type": "wait_timer"}]}]}`.

use serde_json::Value;

/// One environment and how it is protected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub required_reviewers: usize,
    pub wait_timer: u64,
    pub branch_policy: bool,
}

impl Environment {
    /// A person must approve, or a wait timer gives time to cancel.
    pub fn is_protected(&self) -> bool {
        self.required_reviewers > 0 || self.wait_timer > 0
    }
}

/// Exported repository settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoSettings {
    pub environments: Vec<Environment>,
    /// Run data and frequency assumptions for the cost estimate (`--runs FILE`,
    /// `--pushes-per-day N`, …).
    pub economics: crate::economics::Inputs,
    /// GitHub secret scanning (or its push protection) is enabled: `Some(true)`,
    /// disabled: `Some(false)`, not exported: `None`.
    pub secret_scanning: Option<bool>,
}

impl RepoSettings {
    /// Parses the settings JSON; errors say what is wrong.
    pub fn parse(text: &str) -> Result<RepoSettings, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let mut out = RepoSettings {
            secret_scanning: secret_scanning(&v),
            ..RepoSettings::default()
        };
        let envs = match v.get("environments") {
            None if out.secret_scanning.is_some() => return Ok(out),
            e => e
                .and_then(Value::as_array)
                .ok_or("expected an object with an `environments` list")?,
        };
        for e in envs {
            let name = e
                .get("name")
                .and_then(Value::as_str)
                .ok_or("every environment needs a `name` string")?;
            let mut env = Environment {
                name: name.to_string(),
                required_reviewers: count(e.get("required_reviewers")),
                wait_timer: e.get("wait_timer").and_then(Value::as_u64).unwrap_or(0),
                branch_policy: e
                    .get("branch_policy")
                    .map(|b| b.as_bool().unwrap_or(!b.is_null()))
                    .unwrap_or(false),
            };
            for r in e
                .get("protection_rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match r.get("type").and_then(Value::as_str) {
                    Some("required_reviewers") => {
                        env.required_reviewers =
                            env.required_reviewers.max(count(r.get("reviewers")).max(1));
                    }
                    Some("wait_timer") => {
                        env.wait_timer = env
                            .wait_timer
                            .max(r.get("wait_timer").and_then(Value::as_u64).unwrap_or(1));
                    }
                    Some("branch_policy") => env.branch_policy = true,
                    _ => {}
                }
            }
            if e.get("deployment_branch_policy")
                .is_some_and(|b| !b.is_null())
            {
                env.branch_policy = true;
            }
            out.environments.push(env);
        }
        Ok(out)
    }

    /// The environment of this name (case-insensitive, as GitHub compares them).
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }
}

/// `"secret_scanning": true`, or what `gh api repos/OWNER/REPO` prints:
/// `"security_and_analysis": {"secret_scanning": {"status": "enabled"},
/// "secret_scanning_push_protection": {"status": "enabled"}}`.
fn secret_scanning(v: &Value) -> Option<bool> {
    if let Some(b) = v.get("secret_scanning").and_then(Value::as_bool) {
        return Some(b);
    }
    let sa = v.get("security_and_analysis")?;
    let status = |k: &str| {
        sa.get(k)
            .and_then(|x| x.get("status"))
            .and_then(Value::as_str)
            .map(|s| s == "enabled")
    };
    match (
        status("secret_scanning"),
        status("secret_scanning_push_protection"),
    ) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
    }
}

/// A count given as a number or as a list of reviewers.
fn count(v: Option<&Value>) -> usize {
    match v {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_shapes() {
        let s = RepoSettings::parse(
            r#"{"environments":[{"name":"production","required_reviewers":2},
            {"name":"Staging","protection_rules":[{"type":"wait_timer","wait_timer":5}]},
            {"name":"dev"}]}"#,
        )
        .unwrap();
        assert!(s.environment("production").unwrap().is_protected());
        assert!(s.environment("staging").unwrap().is_protected());
        assert!(!s.environment("dev").unwrap().is_protected());
        assert!(s.environment("qa").is_none());
        assert!(RepoSettings::parse("[]").is_err());
        assert_eq!(s.secret_scanning, None);
        let s = RepoSettings::parse(
            r#"{"security_and_analysis":{"secret_scanning":{"status":"disabled"},
            "secret_scanning_push_protection":{"status":"enabled"}}}"#,
        )
        .unwrap();
        assert_eq!(s.secret_scanning, Some(true));
        let s = RepoSettings::parse(r#"{"secret_scanning":false,"environments":[]}"#).unwrap();
        assert_eq!(s.secret_scanning, Some(false));
        assert!(RepoSettings::parse(r#"{"environments":[{}]}"#).is_err());
    }
}
