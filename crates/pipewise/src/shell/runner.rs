//! Wrappers that run another tool (`npx x`, `uv run x`, `bundle exec x`, …): how a
//! command line reads past them to the tool it runs. Used wherever a command is
//! classified (the tool catalogue's readers, the scripts a step calls).

/// Strips wrappers that run another tool: `npx x`, `python -m x`, `uv run x`,
/// `bundle exec x`, `sudo x`, `go run pkg@v`. Returns the inner words.
pub fn unwrap_runner(w: &[String]) -> &[String] {
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
