//! Reliability rules that hold on every platform: pipelines that pass when they should
//! fail, hang, or lose work. No peer tool checks these. The GitHub Actions ones are in
//! [`crate::rules::github::reliability`]; the helpers here serve both.

pub mod interactive_command;
pub mod masked_failure;
pub mod stale_exit_status;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &interactive_command::InteractiveCommand,
    &masked_failure::MaskedFailure,
    &stale_exit_status::StaleExitStatus,
];

/// The text of a step script: the `run:` block or the script file.
pub fn script_text<'a>(ss: &crate::rules::StepScript<'a>, cx: &crate::rules::Ctx<'a>) -> &'a str {
    match ss.run {
        Some(r) => r.text,
        None => cx.script(ss.path).map(|s| s.file.text()).unwrap_or(""),
    }
}

/// `continue-on-error` set to a literal true (`true`, `"true"`, `${{ true }}`).
pub fn literal_true(e: &pipewise_yaml::Entry) -> bool {
    if e.value.as_bool() == Some(true) {
        return true;
    }
    match &e.value.kind {
        pipewise_yaml::NodeKind::Scalar { value, .. } => {
            let v = value.trim();
            v == "true" || v.replace(' ', "") == "${{true}}"
        }
        _ => false,
    }
}

/// Whether the repository was read in full (source files, not only pipeline files:
/// a copy of `.github/` alone cannot tell a missing file from one not copied).
pub fn complete(repo: &crate::repo::Repo) -> bool {
    // Reads every path: the answer is recorded for the reuse of findings across
    // versions.
    crate::reads::note(|| crate::reads::Dep::Complete);
    // Asked for every step: a repository of only `.github/` would be scanned in full
    // each time, so the answer is kept per repository (root and path count).
    type Seen = std::collections::HashMap<(std::path::PathBuf, usize), bool>;
    static SEEN: std::sync::LazyLock<std::sync::Mutex<Seen>> =
        std::sync::LazyLock::new(Default::default);
    // The last answer of this thread first: a repository's rules all run on the thread
    // that audits it, so most asks are for the same repository as the one before (no
    // clone of the root, no hash, no lock).
    thread_local! {
        static LAST: std::cell::RefCell<Option<(std::path::PathBuf, usize, bool)>> =
            const { std::cell::RefCell::new(None) };
    }
    let last = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(root, n, _)| {
                *n == repo.paths.len() && root.as_os_str() == repo.root.as_os_str()
            })
            .map(|(_, _, known)| *known)
    });
    if let Some(known) = last {
        return known;
    }
    let answer = complete_shared(repo, &SEEN);
    LAST.with(|l| *l.borrow_mut() = Some((repo.root.clone(), repo.paths.len(), answer)));
    answer
}

fn complete_shared(
    repo: &crate::repo::Repo,
    seen: &std::sync::Mutex<std::collections::HashMap<(std::path::PathBuf, usize), bool>>,
) -> bool {
    let key = (repo.root.clone(), repo.paths.len());
    if let Some(&known) = seen.lock().ok().and_then(|m| m.get(&key).copied()).as_ref() {
        return known;
    }
    let answer = scan_complete(repo);
    if let Ok(mut m) = seen.lock() {
        m.insert(key, answer);
    }
    answer
}

fn scan_complete(repo: &crate::repo::Repo) -> bool {
    repo.paths.iter().any(|p| {
        !p.starts_with(".github/")
            && p != ".github"
            && p.contains('.')
            && crate::discover::classify(p).is_none()
    })
}

/// Words that say a masked failure is deliberate.
pub fn explains_intent(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "flaky",
        "warning-only",
        "warning only",
        "non-blocking",
        "nonblocking",
        "informational",
        "not fatal",
        "allowed to fail",
        "ignore failure",
        "ignore errors",
        "annotations",
        "best effort",
        "best-effort",
        "do not fail",
        "don't fail",
        "diagnostic",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// A formatter or fixer in write mode (`black src`, `cargo fmt`, `prettier --write`,
/// `eslint --fix`, `npm run lint:fix`), also behind a runner (`uv run … black src`,
/// `poetry run black`, `python -m black`): it changes files, it does not gate.
pub fn writes_fixes(c: &crate::shell::Command) -> bool {
    let words: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    // The tool a runner starts and the arguments after it.
    let (tool, args): (&str, &[&str]) = {
        let runner = matches!(
            c.base_name(),
            "uv" | "poetry" | "pipx" | "pdm" | "hatch" | "rye" | "pipenv"
        );
        let python = matches!(c.base_name(), "python" | "python3");
        let start = if runner {
            words.iter().position(|w| *w == "run").map(|i| i + 1)
        } else if python {
            words.iter().position(|w| *w == "-m").map(|i| i + 1)
        } else {
            None
        };
        match start.and_then(|i| {
            words[i..]
                .iter()
                .position(|w| !w.starts_with('-'))
                .map(|j| i + j)
        }) {
            Some(t) => (words[t], &words[t + 1..]),
            None => (c.base_name(), &words[..]),
        }
    };
    let check = args.iter().any(|a| {
        matches!(*a, "--check" | "--diff" | "-l" | "--list-different" | "-d")
            || a.starts_with("--check")
    });
    let fix_arg = args.iter().any(|a| {
        *a == "--fix" || *a == "--write" || *a == "-w" || a.ends_with(":fix") || *a == "fix"
    });
    let formatter = match tool {
        "black" | "isort" | "autopep8" | "yapf" | "rustfmt" | "gofmt" | "shfmt"
        | "clang-format" => true,
        "ruff" | "uv" | "cargo" | "go" | "dotnet" | "terraform" => {
            args.contains(&"format") || args.contains(&"fmt")
        }
        _ => false,
    };
    (fix_arg || formatter) && !check
}
