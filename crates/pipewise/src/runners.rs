//! What a package manager's script or a make target runs: the `scripts` of a
//! `package.json` (`npm run release` → `"release": "changeset publish"`) and the
//! recipe of a `Makefile` target (`make deploy` → its tab-indented lines), parsed with
//! the shell parser so that callers judge them by their commands, never by their
//! names. Shared by the rules that follow them (`reliability/missing-file`) and by
//! what a step ships (`rules::ships`).

use crate::shell::{Command, Script};
use crate::source::SourceFile;
use foldhash::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};

/// One `package.json` script, parsed once: its command line, its commands and the
/// scripts it runs in turn (`npm run build`).
#[derive(Debug)]
pub struct PkgScript {
    pub line: String,
    pub script: Script,
    pub runs: Vec<String>,
}

/// The `scripts` of one `package.json`, in file order.
pub type PkgScripts = Vec<(String, PkgScript)>;

/// Parsed `package.json` scripts by (text length, text hash).
type PkgCache = HashMap<(usize, u64), Option<Arc<PkgScripts>>>;
static PKG_CACHE: LazyLock<Mutex<PkgCache>> = LazyLock::new(Default::default);
/// Distinct `package.json` texts [`PKG_CACHE`] holds before it starts again: a process
/// that audits many versions (`pipewise history`, an organisation's repositories)
/// keeps a bounded number.
pub const PKG_CACHE_ENTRIES: usize = 1024;

/// `package.json` scripts by file text: each file is parsed once per process (while
/// the bounded cache holds it), however many steps run `npm run`. The file's JSON is
/// the one it holds ([`SourceFile::json`], parsed once for every reader).
pub fn package_scripts(f: &SourceFile) -> Option<Arc<PkgScripts>> {
    cached(f.text(), || scripts_of_json(f.json()?))
}

/// [`package_scripts`] of a text.
pub fn package_scripts_of(text: &str) -> Option<Arc<PkgScripts>> {
    cached(text, || parse_package_scripts(text))
}

/// The scripts of `text` from [`PKG_CACHE`], else `parse`d and kept.
fn cached(text: &str, parse: impl FnOnce() -> Option<PkgScripts>) -> Option<Arc<PkgScripts>> {
    let key = {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        (text.len(), h.finish())
    };
    if let Some(hit) = PKG_CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let parsed = parse().map(Arc::new);
    if let Ok(mut c) = PKG_CACHE.lock() {
        if c.len() >= PKG_CACHE_ENTRIES {
            c.clear();
        }
        c.insert(key, parsed.clone());
    }
    parsed
}

/// How many entries [`PKG_CACHE`] holds now (for its bound's test).
pub fn package_cache_len() -> usize {
    PKG_CACHE.lock().map(|c| c.len()).unwrap_or(usize::MAX)
}

fn parse_package_scripts(text: &str) -> Option<PkgScripts> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    scripts_of_json(&json)
}

/// The scripts of a parsed `package.json`.
fn scripts_of_json(json: &serde_json::Value) -> Option<PkgScripts> {
    let scripts = json.get("scripts")?.as_object()?;
    Some(
        scripts
            .iter()
            .filter_map(|(name, v)| {
                let line = v.as_str()?;
                let script = Script::parse(line);
                let runs = script
                    .commands
                    .iter()
                    .filter_map(|c| npm_run(c).map(|(_, n)| n.to_string()))
                    .collect();
                Some((
                    name.clone(),
                    PkgScript {
                        line: line.to_string(),
                        script,
                        runs,
                    },
                ))
            })
            .collect(),
    )
}

pub fn script_named<'p>(scripts: &'p PkgScripts, name: &str) -> Option<&'p PkgScript> {
    scripts.iter().find(|(n, _)| n == name).map(|(_, s)| s)
}

/// Options that run the script in another package or folder: which `package.json`
/// it reads is not followed.
fn elsewhere(a: &str) -> bool {
    matches!(
        a,
        "--if-present"
            | "-w"
            | "--workspace"
            | "--workspaces"
            | "-ws"
            | "--prefix"
            | "-C"
            | "--dir"
            | "--filter"
            | "-F"
            | "-r"
            | "--recursive"
            | "--cwd"
            | "workspace"
            | "workspaces"
    ) || a.starts_with("--workspace=")
        || a.starts_with("--prefix=")
        || a.starts_with("--filter=")
        || a.starts_with("--cwd=")
}

/// `npm run X` / `yarn run X` / `pnpm run X`: the script name, if checkable, and
/// the index of the word after it.
pub fn npm_run(c: &Command) -> Option<(usize, &str)> {
    if !matches!(c.base_name(), "npm" | "pnpm" | "yarn" | "bun") {
        return None;
    }
    let args = c.args();
    if args.iter().any(|a| elsewhere(&a.text)) {
        return None;
    }
    let pos = args
        .iter()
        .position(|a| a.text == "run" || a.text == "run-script")?;
    let name = args.get(pos + 1)?;
    if name.dynamic || name.text.starts_with('-') {
        return None;
    }
    Some((pos + 2, name.text.as_str()))
}

/// The `package.json` script a command runs, when `scripts` has it: `npm run X`,
/// `npm test`/`npm start`, and the short forms `pnpm X`, `yarn X`, `bun X` (which run
/// the script `X` when the package manager has no command of that name; `publish`
/// is always its own command).
pub fn script_call<'c>(c: &'c Command, scripts: &PkgScripts) -> Option<&'c str> {
    if let Some((_, n)) = npm_run(c) {
        return script_named(scripts, n).map(|_| n);
    }
    let name = c.base_name();
    if !matches!(name, "npm" | "pnpm" | "yarn" | "bun") {
        return None;
    }
    let args = c.args();
    if args.iter().any(|a| elsewhere(&a.text)) {
        return None;
    }
    let first = args.iter().find(|a| !a.text.starts_with('-'))?;
    if first.dynamic || first.text == "publish" {
        return None;
    }
    let short = match name {
        "npm" => matches!(first.text.as_str(), "test" | "start" | "stop" | "restart"),
        _ => true,
    };
    (short && script_named(scripts, &first.text).is_some()).then_some(first.text.as_str())
}

/// Package-manager commands that are their own, not a script of the package
/// (`pnpm --filter web install`).
const OWN_COMMANDS: &[&str] = &[
    "install",
    "i",
    "ci",
    "add",
    "remove",
    "rm",
    "uninstall",
    "update",
    "up",
    "upgrade",
    "exec",
    "dlx",
    "x",
    "publish",
    "pack",
    "list",
    "ls",
    "why",
    "outdated",
    "audit",
    "link",
    "unlink",
    "import",
    "rebuild",
    "prune",
    "deploy",
    "fetch",
    "store",
    "env",
    "init",
    "create",
    "patch",
    "version",
    "info",
    "view",
    "config",
    "set",
];

/// The workspace and the script of `npm run X --workspace W` (`-w W`,
/// `--workspace=W`), `pnpm --filter W run X` (`-F W`, `--filter=W`, and the short
/// `pnpm --filter W X`) and `yarn workspace W [run] X`: one named workspace (a
/// package name or a folder), not `--workspaces`, `-r` or a selector pattern
/// (`./packages/*`, `web...`, `!web`).
pub fn workspace_call(c: &Command) -> Option<(&str, &str)> {
    let pm = c.base_name();
    if !matches!(pm, "npm" | "pnpm" | "yarn") {
        return None;
    }
    let args = c.args();
    let mut ws = None;
    let mut rest: Vec<&str> = vec![];
    let mut i = 0;
    while let Some(w) = args.get(i) {
        if w.dynamic {
            return None;
        }
        let t = w.text.as_str();
        let value = |i: usize| {
            args.get(i + 1)
                .filter(|n| !n.dynamic)
                .map(|n| n.text.as_str())
        };
        match t {
            "--workspace" | "-w" if pm == "npm" => {
                ws = Some(value(i)?);
                i += 1;
            }
            "--filter" | "-F" if pm == "pnpm" => {
                ws = Some(value(i)?);
                i += 1;
            }
            "workspace" if pm == "yarn" && rest.is_empty() && ws.is_none() => {
                ws = Some(value(i)?);
                i += 1;
            }
            "--workspaces" | "-ws" | "-r" | "--recursive" | "--prefix" | "-C" | "--dir"
            | "--cwd" | "workspaces" => return None,
            _ => {
                if let Some(v) = t.strip_prefix("--workspace=").filter(|_| pm == "npm") {
                    ws = Some(v);
                } else if let Some(v) = t.strip_prefix("--filter=").filter(|_| pm == "pnpm") {
                    ws = Some(v);
                } else if !t.starts_with('-') {
                    rest.push(t);
                }
            }
        }
        i += 1;
    }
    let ws = ws?;
    if ws.is_empty() || ws.contains(['*', '{', '!', '[', '^', '$']) || ws.contains("...") {
        return None;
    }
    let script = match rest.as_slice() {
        ["run" | "run-script", x, ..] => *x,
        ["test" | "start", ..] if pm == "npm" => rest[0],
        [x, ..] if pm != "npm" && !OWN_COMMANDS.contains(x) => *x,
        _ => return None,
    };
    Some((ws, script))
}

/// Deepest chain of make targets followed through `$(MAKE) other` (cycles are cut
/// too).
pub const MAX_MAKE_DEPTH: usize = 8;

/// The Makefile (repository path) and targets a `make` command runs in `cwd`:
/// `make release`, `make -C dir deploy`, `make -f build.mk push`. `None` when it runs
/// no named target (the default goal), or names them through a variable.
pub fn make_call(c: &Command, cwd: &str) -> Option<(String, Vec<String>)> {
    if !matches!(c.base_name(), "make" | "gmake") {
        return None;
    }
    let args = c.args();
    let mut dir = cwd.to_string();
    let mut file = None;
    let mut targets = vec![];
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if w.dynamic {
            return None;
        }
        match t {
            "-C" | "--directory" => {
                dir = crate::repo::join(&dir, &args.get(i + 1)?.text);
                i += 1;
            }
            "-f" | "--file" | "--makefile" => {
                file = Some(args.get(i + 1)?.text.clone());
                i += 1;
            }
            "-j" | "-l" | "-o" | "-W" | "-I" => {
                // A value follows unless it is glued on (`-j4`); `-j` alone takes none
                // when the next word is a target, which is then read as one.
                if args
                    .get(i + 1)
                    .is_some_and(|n| n.text.bytes().all(|b| b.is_ascii_digit()))
                {
                    i += 1;
                }
            }
            _ if t.starts_with('-') || t.contains('=') => {}
            _ => targets.push(t.to_string()),
        }
        i += 1;
    }
    if targets.is_empty() {
        return None;
    }
    let path = crate::repo::join(&dir, file.as_deref().unwrap_or("Makefile"));
    Some((path, targets))
}

/// The recipe lines of `target` in a Makefile's text (tab-indented lines after its
/// rule line, `@`/`-`/`+` prefixes and line continuations removed), or `None` when
/// no rule names it (a pattern rule, an included file).
pub fn make_recipe(text: &str, target: &str) -> Option<Vec<String>> {
    let (at, _) =
        rule_lines(text).find(|(_, head)| head.split_whitespace().any(|t| t == target))?;
    Some(recipe_at(text, at))
}

/// Where each target's rule is in a Makefile's text: the byte offset of the first
/// rule line that names it ([`make_recipe`] finds the same), read in one pass, for
/// [`recipe_at`]: a Makefile several targets are looked up in is read once.
pub fn make_rules(text: &str) -> foldhash::HashMap<&str, usize> {
    let mut out = foldhash::HashMap::default();
    for (at, head) in rule_lines(text) {
        for t in head.split_whitespace() {
            out.entry(t).or_insert(at);
        }
    }
    out
}

/// The rule lines of a Makefile's text (not indented, not a comment, not a `:=`
/// assignment), each with its byte offset and the text before its `:` (the
/// targets it names).
fn rule_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let base = text.as_ptr() as usize;
    text.lines().filter_map(move |line| {
        if line.starts_with(['\t', ' ', '#']) {
            return None;
        }
        let (head, _) = line.split_once(':')?;
        // `VAR := value` is an assignment, not a rule.
        if line[head.len()..].starts_with(":=") || line[head.len()..].starts_with("::=") {
            return None;
        }
        Some((line.as_ptr() as usize - base, head))
    })
}

/// The recipe of the rule whose rule line starts at byte `at` of a Makefile's text
/// ([`make_recipe`], [`make_rules`]).
pub fn recipe_at(text: &str, at: usize) -> Vec<String> {
    let mut lines = text.get(at..).unwrap_or("").lines();
    let mut out: Vec<String> = vec![];
    // `target: deps ; command`
    if let Some((_, inline)) = lines.next().and_then(|line| line.split_once(';')) {
        out.push(inline.trim().to_string());
    }
    while let Some(line) = lines.next() {
        if let Some(r) = line.strip_prefix('\t') {
            let mut cmd = r.trim_start_matches(['@', '-', '+', ' ']).to_string();
            // `a \` + newline + `b`: one command.
            let mut cur = line;
            while cur.ends_with('\\') {
                cmd.pop();
                let kept = cmd.trim_end().len();
                cmd.truncate(kept);
                match lines.next() {
                    Some(n) => {
                        cmd.push(' ');
                        cmd.push_str(n.trim());
                        cur = n;
                    }
                    None => break,
                }
            }
            out.push(cmd);
            continue;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        return out;
    }
    out
}

/// The target a recipe line runs in the same Makefile (`$(MAKE) build`, `make
/// build`), for following it.
pub fn sub_make(line: &str) -> Option<Vec<String>> {
    let rest = line
        .strip_prefix("$(MAKE)")
        .or_else(|| line.strip_prefix("${MAKE}"))
        .or_else(|| line.strip_prefix("make "))?;
    let targets: Vec<String> = rest
        .split_whitespace()
        .take_while(|w| !matches!(*w, "&&" | "||" | ";" | "|"))
        .filter(|w| !w.starts_with('-') && !w.contains('=') && !w.contains('$'))
        .map(str::to_string)
        .collect();
    // `$(MAKE) -C sub x` runs another Makefile: not followed.
    (!rest.contains("-C") && !rest.contains("-f ") && !targets.is_empty()).then_some(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(s: &str) -> Command {
        Script::parse(s).commands.remove(0)
    }

    #[test]
    fn the_package_json_cache_stays_bounded() {
        for i in 0..PKG_CACHE_ENTRIES + 10 {
            let text = format!("{{\"scripts\": {{\"t{i}\": \"jest --ci\"}}}}");
            let s = package_scripts_of(&text).expect("package.json parses");
            assert_eq!(s[0].0, format!("t{i}"));
            let held = package_cache_len();
            assert!(held <= PKG_CACHE_ENTRIES, "{held} entries");
        }
    }

    #[test]
    fn script_calls_by_package_manager() {
        let s = package_scripts_of(
            r#"{"scripts": {"release": "changeset publish", "test": "jest", "build": "tsc"}}"#,
        )
        .expect("parses");
        let call = |l: &str| script_call(&cmd(l), &s).map(str::to_string);
        assert_eq!(call("npm run release").as_deref(), Some("release"));
        assert_eq!(call("pnpm release").as_deref(), Some("release"));
        assert_eq!(call("yarn --silent build").as_deref(), Some("build"));
        assert_eq!(call("bun run build").as_deref(), Some("build"));
        assert_eq!(call("npm test").as_deref(), Some("test"));
        // `npm release` is no npm command; `publish` is always the package manager's
        // own; another package's scripts are not followed; an unknown script is none.
        assert_eq!(call("npm release"), None);
        assert_eq!(call("pnpm publish"), None);
        assert_eq!(call("pnpm --filter web release"), None);
        assert_eq!(call("npm run deploy"), None);
    }

    #[test]
    fn workspace_calls() {
        let call = |l: &str| workspace_call(&cmd(l)).map(|(w, s)| format!("{w} {s}"));
        assert_eq!(
            call("npm run deploy --workspace site-worker").as_deref(),
            Some("site-worker deploy")
        );
        assert_eq!(
            call("npm run build -w services/site").as_deref(),
            Some("services/site build")
        );
        assert_eq!(
            call("npm test --workspace=oauth").as_deref(),
            Some("oauth test")
        );
        assert_eq!(
            call("pnpm --filter @acme/web run release").as_deref(),
            Some("@acme/web release")
        );
        assert_eq!(call("pnpm -F web ship").as_deref(), Some("web ship"));
        assert_eq!(
            call("yarn workspace web run ship").as_deref(),
            Some("web ship")
        );
        assert_eq!(call("yarn workspace web ship").as_deref(), Some("web ship"));
        // Several workspaces, selectors, own commands: not followed.
        assert_eq!(call("npm run build --workspaces"), None);
        assert_eq!(call("pnpm -r run build"), None);
        assert_eq!(call("pnpm --filter './packages/*' run build"), None);
        assert_eq!(call("pnpm --filter web... run build"), None);
        assert_eq!(call("pnpm --filter web install"), None);
        assert_eq!(call("npm ci --workspace=oauth"), None);
        assert_eq!(call("npm run build"), None);
    }

    #[test]
    fn make_targets_and_recipes() {
        assert_eq!(
            make_call(&cmd("make -C docs -j 4 deploy V=1"), ""),
            Some(("docs/Makefile".to_string(), vec!["deploy".to_string()]))
        );
        assert_eq!(
            make_call(&cmd("make -f build.mk push"), "web"),
            Some(("web/build.mk".to_string(), vec!["push".to_string()]))
        );
        assert_eq!(make_call(&cmd("make"), ""), None);
        assert_eq!(make_call(&cmd("make $TARGET"), ""), None);
        let mk = "VERSION := 1\n.PHONY: release deploy\n\nrelease: build\n\t@echo releasing \\\n\t  now\n\t-$(MAKE) upload\n\n# comment\nupload:\n\ttwine upload dist/*\nbuild:; python -m build\n";
        assert_eq!(
            make_recipe(mk, "release"),
            Some(vec![
                "echo releasing now".to_string(),
                "$(MAKE) upload".to_string()
            ])
        );
        assert_eq!(
            make_recipe(mk, "build"),
            Some(vec!["python -m build".to_string()])
        );
        assert_eq!(make_recipe(mk, "VERSION"), None);
        assert_eq!(make_recipe(mk, "deploy"), None);
        // The index of a Makefile's rules finds each target's recipe as
        // `make_recipe` does, in one pass; a target is a whole word of a rule line.
        let rules = make_rules(mk);
        for t in [
            "release", "build", "upload", ".PHONY", "VERSION", "deploy", "absent", "rel",
        ] {
            assert_eq!(
                rules.get(t).map(|&at| recipe_at(mk, at)),
                make_recipe(mk, t),
                "{t}"
            );
        }
        assert!(rules.contains_key("release") && !rules.contains_key("rel"));
        assert!(!rules.contains_key("VERSION"));
        assert_eq!(make_recipe(mk, "absent"), None);
        assert_eq!(sub_make("$(MAKE) upload"), Some(vec!["upload".to_string()]));
        assert_eq!(sub_make("$(MAKE) -C sub upload"), None);
    }
}
