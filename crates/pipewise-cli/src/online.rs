//! `pipewise fix --online`: resolves the tags the offline table does not know (and
//! the repository ids an `actions.lock` entry needs) through the GitHub REST API.
//! Only with the flag: nothing else in pipewise uses the network.
//!
//! - `GET /repos/{owner}/{repo}/commits/{ref}` with `Accept:
//!   application/vnd.github.sha` answers the commit SHA (annotated tags peeled);
//! - `GET /repos/{owner}/{repo}` answers `id` and `owner.id`.
//!
//! The token comes from `GH_TOKEN` or `GITHUB_TOKEN` (unauthenticated requests get
//! 60 an hour). Rate-limit aware: once GitHub answers that the limit is reached (403
//! or 429 with `x-ratelimit-remaining: 0` or `retry-after`), or a response says no
//! request is left, no further request is made and the fix run says so. Answers are
//! cached for the run. `PIPEWISE_GITHUB_API` replaces `https://api.github.com` (the
//! tests point it at a mock server on 127.0.0.1).

use pipewise::fix::ShaResolver;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub struct GithubApi {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    cache: HashMap<String, Option<String>>,
    /// Why requests stopped (rate limit), said once at the end.
    stopped: Option<String>,
    /// Failures other than the rate limit, said at the end.
    failures: Vec<String>,
}

fn valid_repo(repo: &str) -> bool {
    let mut parts = repo.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// Percent-encodes a ref for one URL path segment.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `owner/repo[/path]` → `owner/repo`.
fn repo_of(action: &str) -> Option<String> {
    let mut parts = action.split('/');
    let repo = format!("{}/{}", parts.next()?, parts.next()?);
    valid_repo(&repo).then_some(repo)
}

impl GithubApi {
    pub fn from_env() -> GithubApi {
        let base = std::env::var("PIPEWISE_GITHUB_API")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "https://api.github.com".to_string());
        let token = ["GH_TOKEN", "GITHUB_TOKEN"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|t| !t.trim().is_empty()));
        GithubApi {
            base: base.trim_end_matches('/').to_string(),
            token,
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(20))
                .redirects(0)
                .build(),
            state: Mutex::new(State::default()),
        }
    }

    /// What the run should tell the user: the rate limit reached, failed requests.
    pub fn notes(&self) -> Vec<String> {
        let Ok(s) = self.state.lock() else {
            return vec![];
        };
        s.stopped.iter().chain(s.failures.iter()).cloned().collect()
    }

    fn get(&self, path: &str, accept: &str) -> Option<String> {
        let mut state = self.state.lock().ok()?;
        if let Some(hit) = state.cache.get(path) {
            return hit.clone();
        }
        if state.stopped.is_some() {
            return None;
        }
        let mut req = self
            .agent
            .get(&format!("{}{path}", self.base))
            .set("Accept", accept)
            .set(
                "User-Agent",
                concat!("pipewise/", env!("CARGO_PKG_VERSION")),
            )
            .set("X-GitHub-Api-Version", "2022-11-28");
        if let Some(t) = &self.token {
            req = req.set("Authorization", &format!("Bearer {}", t.trim()));
        }
        let limit_note = |resp: &ureq::Response| {
            format!(
                "GitHub API rate limit reached{}; the remaining tags were not resolved online",
                resp.header("x-ratelimit-reset")
                    .and_then(|r| r.parse::<u64>().ok())
                    .map(|r| format!(" (it resets at Unix time {r})"))
                    .unwrap_or_default()
            )
        };
        let body = match req.call() {
            Ok(resp) => {
                if resp.header("x-ratelimit-remaining") == Some("0") {
                    state.stopped = Some(limit_note(&resp));
                }
                resp.into_string().ok()
            }
            Err(ureq::Error::Status(code, resp)) => {
                let limited = matches!(code, 403 | 429)
                    && (resp.header("x-ratelimit-remaining") == Some("0")
                        || resp.header("retry-after").is_some());
                if limited {
                    state.stopped = Some(limit_note(&resp));
                    return None; // not cached: the answer is not about this ref
                }
                if code != 404 && code != 422 {
                    state
                        .failures
                        .push(format!("GitHub API: {path}: HTTP {code}"));
                }
                None
            }
            Err(e) => {
                state.failures.push(format!("GitHub API: {path}: {e}"));
                None
            }
        };
        state.cache.insert(path.to_string(), body.clone());
        body
    }
}

impl ShaResolver for GithubApi {
    fn resolve(&self, action: &str, tag: &str) -> Option<String> {
        let repo = repo_of(action)?;
        let body = self.get(
            &format!("/repos/{repo}/commits/{}", encode(tag)),
            "application/vnd.github.sha",
        )?;
        let sha = body.trim();
        (sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| sha.to_ascii_lowercase())
    }

    fn repo_ids(&self, repo: &str) -> Option<(String, String)> {
        if !valid_repo(repo) {
            return None;
        }
        let body = self.get(&format!("/repos/{repo}"), "application/vnd.github+json")?;
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        let owner = v.get("owner")?.get("id")?.as_u64()?;
        let id = v.get("id")?.as_u64()?;
        Some((owner.to_string(), id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_one_path_segment_and_repos_are_checked() {
        assert_eq!(encode("v1.2.3"), "v1.2.3");
        assert_eq!(encode("release/1.0"), "release%2F1.0");
        assert_eq!(encode("../x?y#z"), "..%2Fx%3Fy%23z");
        assert_eq!(
            repo_of("github/codeql-action/init"),
            Some("github/codeql-action".into())
        );
        assert_eq!(repo_of("a/.."), None);
        assert_eq!(repo_of("a/b?c"), None);
        assert_eq!(repo_of("nothing"), None);
    }
}
