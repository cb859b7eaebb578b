//! The catalogue's table test: every entry of `crates/pipewise-catalog/catalog/*.toml`
//! is run, with its real command line (`example`), through the classifiers that read
//! it (intent, capabilities, deploy target, migration tool, what ships), and every
//! action through the action classifiers. Adding a tool is one catalogue entry with its
//! `example`; this test then checks it.

use pipewise::analysis::{capabilities, stack, tools};
use pipewise::facts::Facts;
use pipewise::intent::Intent;
use pipewise::shell::{Command, Script};
use pipewise_catalog::{catalog, Tool};

/// What a command does, read alone (no audit's facts table: computed each time).
fn command_intent(c: &Command) -> Intent {
    Facts::none().command_intent(c)
}

/// What a command ships, read alone.
fn command_ships(c: &Command) -> Option<Intent> {
    pipewise::intent::command_ships(c, Facts::none().intents())
}

/// The first command of a command line.
fn command(line: &str) -> pipewise::shell::Command {
    let s = Script::parse(line);
    s.commands
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("`{line}` has no command"))
}

fn words(line: &str) -> Vec<String> {
    command(line)
        .words
        .iter()
        .map(|w| w.text.to_ascii_lowercase())
        .collect()
}

/// Whether the entry says anything the classifiers must show on its example.
fn needs_example(t: &Tool) -> bool {
    t.intent
        .is_some_and(|i| i != Intent::Harmless && i != Intent::Other)
        || t.deploys
        || t.ships
        || !t.provides.is_empty()
        || !t.subcommands.is_empty()
        || t.target.is_some()
        || !t.targets.is_empty()
        || t.migrates.is_some()
        || !t.migrates_when.is_empty()
}

fn check_tool(t: &Tool) -> Vec<String> {
    let mut bad = vec![];
    let Some(example) = t.example else {
        if needs_example(t) {
            bad.push(format!("{}: needs an `example` command line", t.name));
        }
        // Shell built-ins and wrappers: a plain use of the name.
        let line = if t.wrapper {
            format!("{} pytest -q", t.name)
        } else {
            format!("{} x", t.name)
        };
        let c = command(&line);
        let got = command_intent(&c);
        let want = if t.wrapper {
            Some(Intent::Test)
        } else {
            t.intent
        };
        if c.base_name() == t.name && want.is_some_and(|w| w != got) {
            bad.push(format!("{}: `{line}` is {got:?}, want {want:?}", t.name));
        }
        return bad;
    };
    let c = command(example);
    // The tool is the command, or what a runner runs (`python -m build`).
    let named = c.words.iter().take(3).any(|w| {
        let n = w.text.rsplit('/').next().unwrap_or(&w.text);
        n == t.name || t.aliases.contains(&w.text.as_str())
    });
    if !named {
        bad.push(format!("{}: example `{example}` does not run it", t.name));
    }
    let intent = command_intent(&c);
    if let Some(want) = t.intent {
        if intent != want {
            bad.push(format!(
                "{}: `{example}` is {intent:?}, want {want:?}",
                t.name
            ));
        }
    }
    if t.deploys && !matches!(intent, Intent::Deploy | Intent::Migration | Intent::Backup) {
        bad.push(format!(
            "{}: deploy tool, but `{example}` is {intent:?}",
            t.name
        ));
    }
    if t.ships && command_ships(&c).is_none() {
        bad.push(format!("{}: `{example}` ships nothing", t.name));
    }
    let w = words(example);
    let caps: Vec<&str> = tools::command_matches(&w).iter().map(|m| m.cap).collect();
    let args: Vec<&str> = w.iter().skip(1).map(String::as_str).collect();
    for want in t.provides.iter().chain(t.subcommand_provides(&args)) {
        if !caps.contains(want) {
            bad.push(format!(
                "{}: `{example}` provides {caps:?}, not {want}",
                t.name
            ));
        }
    }
    if !t.subcommands.is_empty() && t.subcommand_provides(&args).is_empty() {
        bad.push(format!(
            "{}: `{example}` runs none of its subcommands",
            t.name
        ));
    }
    let raw: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
    if t.target.is_some() || !t.targets.is_empty() {
        let want = t.target_of(&args);
        let got = stack::command_target(&raw);
        if want.is_none() || got != want {
            bad.push(format!(
                "{}: `{example}` targets {got:?}, want {want:?}",
                t.name
            ));
        }
    }
    if t.migrates.is_some() || !t.migrates_when.is_empty() {
        let want = t.migration_of(&args);
        let got = stack::command_migration_tool(&raw);
        if want.is_none() || got != want {
            bad.push(format!(
                "{}: `{example}` migrates {got:?}, want {want:?}",
                t.name
            ));
        }
    }
    bad
}

#[test]
fn every_tool_entry_on_its_command_line() {
    let bad: Vec<String> = catalog().tools().iter().flat_map(check_tool).collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_action_entry() {
    let mut bad = vec![];
    for a in catalog().actions() {
        let caps: Vec<&str> = tools::action_matches(a.uses, None)
            .iter()
            .map(|m| m.cap)
            .collect();
        for want in a.provides {
            if !caps.contains(want) {
                bad.push(format!("{}: provides {caps:?}, not {want}", a.uses));
            }
        }
        if let Some(t) = a.target {
            if !stack::action_targets(a.uses).contains(&t) {
                bad.push(format!("{}: does not target {t}", a.uses));
            }
        }
        if let Some(pin) = &a.pin {
            let (name, rest) = pin.split_once('@').unwrap_or(("", ""));
            let sha = rest.split(' ').next().unwrap_or("");
            if name.to_ascii_lowercase() != a.uses
                || sha.len() != 40
                || !sha.bytes().all(|b| b.is_ascii_hexdigit())
                || !rest.contains(" # v")
            {
                bad.push(format!(
                    "{}: pin `{pin}` is not `{}@<sha> # vX`",
                    a.uses, a.uses
                ));
            }
        }
        for [scope, level, why] in a.permissions {
            if !matches!(*level, "read" | "write") || why.is_empty() || scope.is_empty() {
                bad.push(format!("{}: permission {scope}: {level} ({why})", a.uses));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Every capability the catalogue names is one of the capability ids.
#[test]
fn catalogue_capabilities_are_known() {
    let c = catalog();
    let named = c
        .tools()
        .iter()
        .flat_map(|t| {
            t.provides
                .iter()
                .chain(t.subcommands.iter().flat_map(|(_, caps)| caps.iter()))
        })
        .chain(c.actions().iter().flat_map(|a| a.provides.iter()));
    let unknown: Vec<&&str> = named.filter(|id| !capabilities::IDS.contains(id)).collect();
    assert!(unknown.is_empty(), "unknown capability ids: {unknown:?}");
}

/// Every migration tool's `apply` command is recognised as applying migrations, and
/// its `drift` command as checking them.
#[test]
fn every_migrator_command_is_recognised() {
    let mut bad = vec![];
    for m in catalog().migrators() {
        for (line, want) in [(Some(m.apply), "migration"), (m.drift, "migration-check")] {
            let Some(line) = line else { continue };
            let found = Script::parse(line).commands.iter().any(|c| {
                let w: Vec<String> = c
                    .words
                    .iter()
                    .map(|w| w.text.to_ascii_lowercase())
                    .collect();
                tools::command_matches(&w).iter().any(|x| x.cap == want)
            });
            // Comparing the schema dump after migrating (`git diff --exit-code
            // db/schema.rb`) is a drift check only in its template's context.
            let schema_diff = line.starts_with("git diff --exit-code");
            if !found && !schema_diff {
                bad.push(format!("{}: `{line}` is not seen as {want}", m.name));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Every deploy endpoint's example request deploys (and ships), and the same request
/// without a body does not when the endpoint needs one (`post`).
#[test]
fn every_endpoint_example_deploys() {
    let mut bad = vec![];
    for e in catalog().endpoints() {
        let c = command(e.example);
        if command_intent(&c) != Intent::Deploy || command_ships(&c) != Some(Intent::Deploy) {
            bad.push(format!("{:?}: `{}` does not deploy", e.url, e.example));
        }
        if e.post {
            let get = e.example.replace("-X POST", "-X GET");
            if command_intent(&command(&get)) == Intent::Deploy {
                bad.push(format!("{:?}: `{get}` (a GET) deploys", e.url));
            }
        }
    }
    assert!(!catalog().endpoints().is_empty());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Publish-only credentials are named by the exact variable (or a prefix), and the
/// ones installs also read are not among them.
#[test]
fn publish_credentials_are_publish_only() {
    let c = catalog();
    assert_eq!(
        c.publish_credential("CARGO_REGISTRY_TOKEN")
            .map(|p| p.read_by),
        Some("cargo publish")
    );
    assert!(c.publish_credential("POETRY_PYPI_TOKEN_PYPI").is_some());
    assert!(c.publish_credential("POETRY_PYPI_TOKEN_").is_none());
    for read_by_installs in [
        "NPM_TOKEN",
        "NODE_AUTH_TOKEN",
        "CARGO_REGISTRY_TOKEN_X",
        "GITHUB_TOKEN",
    ] {
        assert!(
            c.publish_credential(read_by_installs).is_none(),
            "{read_by_installs}"
        );
    }
}
