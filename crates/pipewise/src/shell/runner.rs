//! Wrappers that run another tool (`npx x`, `uv run x`, `bundle exec x`, …): how a
//! command line reads past them to the tool it runs. Used wherever a command is
//! classified (the tool catalogue's readers, the scripts a step calls).

/// Strips wrappers that run another tool: `npx x`, `python -m x`, `uv run x`,
/// `bundle exec x`, `sudo x`, `go run pkg@v`. Returns the inner words.
pub fn unwrap_runner(w: &[String]) -> &[String] {
    // (Every name an arm below matches is in [`RUNNERS`].)
    let mut w = w;
    for _ in 0..3 {
        let Some(first) = w.first() else { return w };
        let name = first.rsplit('/').next().unwrap_or(first);
        let skip = match name {
            "npx" | "pnpx" | "bunx" => {
                1 + w.iter().skip(1).take_while(|a| a.starts_with('-')).count()
            }
            "sudo" | "time" | "exec" | "nohup" => 1,
            // `php vendor/bin/phpunit`: the tool is the script.
            "php"
                if w.get(1).is_some_and(|a| {
                    ["phpunit", "pest", "phpstan", "psalm", "phpcs"]
                        .iter()
                        .any(|t| a.rsplit('/').next() == Some(t))
                }) =>
            {
                1
            }
            "python" | "python3" | "py" if w.get(1).map(String::as_str) == Some("-m") => 2,
            // `uv run --with pytest-cov --python 3.12 pytest`: past the runner's
            // options and their values.
            "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "rye"
                if w.get(1).map(String::as_str) == Some("run") =>
            {
                let mut i = 2;
                while let Some(a) = w.get(i).filter(|a| a.starts_with('-')) {
                    let takes_value = !a.contains('=')
                        && matches!(
                            a.as_str(),
                            "--with"
                                | "--python"
                                | "-p"
                                | "--group"
                                | "--extra"
                                | "--package"
                                | "--directory"
                                | "--project"
                                | "--env-file"
                                | "--with-requirements"
                                | "-e"
                                | "--env"
                        );
                    i += if takes_value { 2 } else { 1 };
                }
                i
            }
            "uvx" | "pipx" if w.get(1).map(String::as_str) != Some("install") => {
                if name == "pipx" {
                    2
                } else {
                    1
                }
            }
            "bundle" | "pnpm" | "npm" if w.get(1).map(String::as_str) == Some("exec") => 2,
            "yarn" if w.get(1).map(String::as_str) == Some("dlx") => 2,
            // `go run -tags postgres pkg@v …`: past the build flags and their values.
            "go" if w.get(1).map(String::as_str) == Some("run") => {
                let mut i = 2;
                while let Some(a) = w.get(i).filter(|a| a.starts_with('-')) {
                    let takes_value = !a.contains('=')
                        && matches!(
                            a.as_str(),
                            "-tags" | "-ldflags" | "-gcflags" | "-mod" | "-exec" | "-c"
                        );
                    i += if takes_value { 2 } else { 1 };
                }
                i
            }
            _ => 0,
        };
        if skip == 0 || skip >= w.len() {
            return w;
        }
        w = &w[skip..];
    }
    w
}

/// The names [`unwrap_runner`] reads past (with their guards): a command whose name
/// (past its last `/`) is none of these is its own tool ([`may_unwrap`]).
#[cfg(test)]
const RUNNERS: &[&str] = &[
    "npx", "pnpx", "bunx", "sudo", "time", "exec", "nohup", "php", "python", "python3", "py", "uv",
    "poetry", "pipenv", "pdm", "hatch", "rye", "uvx", "pipx", "bundle", "pnpm", "npm", "yarn",
    "go",
];

/// Whether [`unwrap_runner`] may read past a command named `name` (its first word
/// past its last `/`, lowercased): `false` when it returns the words as they are.
pub fn may_unwrap(name: &str) -> bool {
    // (A `match`, not a search of the list: asked of every command of the scripts
    // GitLab jobs call.)
    matches!(
        name,
        "npx"
            | "pnpx"
            | "bunx"
            | "sudo"
            | "time"
            | "exec"
            | "nohup"
            | "php"
            | "python"
            | "python3"
            | "py"
            | "uv"
            | "poetry"
            | "pipenv"
            | "pdm"
            | "hatch"
            | "rye"
            | "uvx"
            | "pipx"
            | "bundle"
            | "pnpm"
            | "npm"
            | "yarn"
            | "go"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`RUNNERS`] is exactly the names of `unwrap_runner`'s arms (the string
    /// patterns of the lines at the arms' depth, before a guard or `=>`), read from
    /// this file: a runner added to an arm and not to the list fails here.
    #[test]
    fn runners_are_the_match_arms() {
        let mut arms =
            crate::test_support::match_arm_names(include_str!("runner.rs"), "unwrap_runner", 12);
        arms.sort_unstable();
        let mut runners = RUNNERS.to_vec();
        runners.sort_unstable();
        assert_eq!(arms, runners);
        // And a name that is none of them is returned as it is.
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<String>>();
        for line in [
            "echo hi",
            "make test",
            "./x.sh a",
            "/usr/bin/env x",
            "sudox y",
        ] {
            let words = w(line);
            assert!(
                !may_unwrap(words[0].rsplit('/').next().unwrap_or("")),
                "{line}"
            );
            assert_eq!(unwrap_runner(&words), words.as_slice(), "{line}");
        }
        for r in RUNNERS {
            assert!(may_unwrap(r), "{r}");
        }
        assert_eq!(unwrap_runner(&w("sudo make")), &w("make")[..]);
    }
}
