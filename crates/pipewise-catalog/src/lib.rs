//! The tool catalogue: one place that teaches pipewise a command-line tool or a
//! GitHub action, as data (`catalog/*.toml`, compiled into the binary and read once).
//!
//! An entry says what a tool *is*: its names, how its command line reads (global flags
//! that take a value, so that `kubectl -n prod rollout undo` is read as `rollout undo`),
//! what it does ([`Intent`]), which capabilities it provides (always, or for some
//! subcommands), where it deploys, which migration tool it is, which token scopes an
//! action needs and whether it requests an OIDC token, and the pinned reference
//! pipewise's templates use. How a tool's *configuration* weakens it (a scanner that
//! cannot fail) stays in code next to the analysis that judges it.
//!
//! Every entry carries a real command line (`example`), which the table test in
//! `crates/pipewise/tests/catalog.rs` runs through the classifiers.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What a piece of pipeline does. Ordered roughly by how much it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Intent {
    /// Cleanup, probes, diagnostics: failing quietly is fine.
    Harmless,
    Other,
    Lint,
    Build,
    Test,
    SecurityScan,
    Migration,
    Backup,
    Publish,
    Deploy,
}

impl Intent {
    pub fn label(self) -> &'static str {
        match self {
            Intent::Harmless => "harmless",
            Intent::Other => "command",
            Intent::Lint => "lint",
            Intent::Build => "build",
            Intent::Test => "test",
            Intent::SecurityScan => "security scan",
            Intent::Migration => "migration",
            Intent::Backup => "backup",
            Intent::Publish => "publish",
            Intent::Deploy => "deploy",
        }
    }
    /// A gate: its failure must stop the pipeline.
    pub fn is_gate(self) -> bool {
        matches!(
            self,
            Intent::Test
                | Intent::SecurityScan
                | Intent::Migration
                | Intent::Backup
                | Intent::Publish
                | Intent::Deploy
                | Intent::Build
                | Intent::Lint
        )
    }
}

/// A command-line tool.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Tool {
    /// The name the entry is filed under (filled in when the catalogue is read).
    #[serde(skip)]
    pub name: String,
    /// The name shown in evidence, when not the command name (`coverage.py`).
    pub label: Option<String>,
    /// Other command names of the same tool (`fly` for `flyctl`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What the tool does whenever it runs (`pytest`: test, `echo`: harmless).
    pub intent: Option<Intent>,
    /// Its commands deploy somewhere; which ones is read from its subcommands.
    #[serde(default)]
    pub deploys: bool,
    /// It publishes packages or images, but only through explicit subcommands.
    #[serde(default)]
    pub ships: bool,
    /// It runs the command that follows its own options (`sudo`, `timeout 60`).
    #[serde(default)]
    pub wrapper: bool,
    /// Global options that take a value, before the subcommand (`kubectl -n NS`).
    #[serde(default)]
    pub value_flags: Vec<String>,
    /// Capabilities the tool provides whenever it runs.
    #[serde(default)]
    pub provides: Vec<String>,
    /// Capabilities provided by a subcommand (`cosign sign`: signing).
    #[serde(default)]
    pub subcommands: BTreeMap<String, Vec<String>>,
    /// The deploy target its commands talk to.
    pub target: Option<String>,
    /// Deploy targets for commands that have all the given words (`["ecs", "ecs"]`,
    /// `["s3 sync", "s3"]`), first match wins.
    #[serde(default)]
    pub targets: Vec<[String; 2]>,
    /// The migration tool it is, when it runs at all.
    pub migrates: Option<String>,
    /// The migration tool it is for commands with all the given words, first match wins.
    #[serde(default)]
    pub migrates_when: Vec<[String; 2]>,
    /// The folder its shipping commands build into and always start from empty
    /// (goreleaser's `dist`: `--clean` deletes it, and without it goreleaser refuses a
    /// folder that is not empty): nothing restored there before it runs can ship.
    pub fresh_output: Option<FreshOutput>,
    /// A real command line that uses the tool (the table test runs it).
    pub example: Option<String>,
}

/// A tool's output folder that it empties before it builds ([`Tool::fresh_output`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FreshOutput {
    /// The folder, relative to the directory the tool runs in (`dist`).
    pub dir: String,
    /// Configuration files (repository paths, relative to where the tool runs) that
    /// may move the folder; when one of them sets `key`, the folder is unknown.
    #[serde(default)]
    pub config: Vec<String>,
    /// The top-level configuration key that moves the folder (`dist`).
    pub key: Option<String>,
}

/// A GitHub action (`uses:`), matched by prefix of its lowercased name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Action {
    /// `owner/repo[/path]`, lowercased; matches that action and everything under it.
    pub uses: String,
    /// Only this action or a path under it (`actions/attest`, `actions/attest/x`), not
    /// every name it starts (`actions/attest-sbom`).
    #[serde(default)]
    pub exact: bool,
    /// The tool named in evidence (`semgrep` for `semgrep/semgrep-action`).
    pub tool: Option<String>,
    /// Capabilities the action provides whenever it runs.
    #[serde(default)]
    pub provides: Vec<String>,
    /// What it ships, from what it does (not from its name): `publish` (a package, an
    /// image, a GitHub release) or `deploy` (a site or a service). Actions without it
    /// ship nothing pipewise knows of (`getsentry/release-comment-issues-gh-action`).
    pub ships: Option<Intent>,
    /// The deploy target it deploys to.
    pub target: Option<String>,
    /// Token scopes it needs: `[scope, level, why]`.
    #[serde(default)]
    pub permissions: Vec<[String; 3]>,
    /// It requests an OIDC token: `"always"`, or only with one of `oidc-inputs`, or
    /// only without one of `oidc-unless-inputs`.
    pub oidc: Option<Oidc>,
    #[serde(default)]
    pub oidc_inputs: Vec<String>,
    #[serde(default)]
    pub oidc_unless_inputs: Vec<String>,
    /// `input=value` that makes it request an OIDC token.
    pub oidc_input_equals: Option<[String; 2]>,
    /// The reference pipewise's templates use: `owner/repo@<sha> # vX.Y.Z`.
    pub pin: Option<String>,
    /// Why the action should no longer be used, and what replaces it.
    pub deprecated: Option<String>,
}

/// When an action requests an OIDC token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Oidc {
    Always,
    /// With one of `oidc-inputs` set.
    WithInput,
    /// Unless one of `oidc-unless-inputs` is set.
    UnlessInput,
    /// When `oidc-input-equals` holds.
    InputEquals,
}

/// A migration tool as the stack names it (`prisma`, `django`, `rails`, `flyway`): how
/// pipewise's templates apply its migrations and check them against the schema.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Migrator {
    /// The name in the stack's `migrations`.
    pub name: String,
    /// The command that applies the migrations.
    pub apply: String,
    /// A command that fails when the migrations and the schema disagree.
    pub drift: Option<String>,
}

/// An HTTP endpoint whose call deploys (a platform's deploy hook or deploy API):
/// `curl`/`wget` to it is a deploy, whatever the script around it is called.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Endpoint {
    /// Parts the URL has, in this order (lowercase): `["api.render.com/v1/services/",
    /// "/deploys"]`.
    pub url: Vec<String>,
    /// Only a request that sends something deploys (`-X POST`, `-d …`): the same URL
    /// read with GET only asks for a deploy's status.
    #[serde(default)]
    pub post: bool,
    /// A real command line that calls it (the table test checks it deploys).
    pub example: String,
}

impl Endpoint {
    /// Whether `url` (lowercase) has this endpoint's parts, in order.
    pub fn matches(&self, url: &str) -> bool {
        let mut rest = url;
        self.url.iter().all(|part| match rest.find(part.as_str()) {
            Some(i) => {
                rest = &rest[i + part.len()..];
                true
            }
            None => false,
        })
    }
}

/// An environment variable that only a registry's publish command reads
/// (`CARGO_REGISTRY_TOKEN`: `cargo publish`, never a download): a step handed it is
/// meant to publish.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PublishCredential {
    /// The variable's name, or its prefix when `prefix` (`POETRY_PYPI_TOKEN_`).
    pub name: String,
    #[serde(default)]
    pub prefix: bool,
    /// The command that reads it (`cargo publish`), for messages and docs.
    pub read_by: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    tool: BTreeMap<String, Tool>,
    #[serde(default)]
    action: Vec<Action>,
    #[serde(default)]
    migrator: Vec<Migrator>,
    #[serde(default)]
    endpoint: Vec<Endpoint>,
    #[serde(default)]
    publish_credential: Vec<PublishCredential>,
}

/// The catalogue files, in the order their actions are tried.
pub const FILES: &[(&str, &str)] = &[
    ("catalog/shell.toml", include_str!("../catalog/shell.toml")),
    ("catalog/build.toml", include_str!("../catalog/build.toml")),
    ("catalog/test.toml", include_str!("../catalog/test.toml")),
    (
        "catalog/security.toml",
        include_str!("../catalog/security.toml"),
    ),
    (
        "catalog/release.toml",
        include_str!("../catalog/release.toml"),
    ),
    (
        "catalog/deploy.toml",
        include_str!("../catalog/deploy.toml"),
    ),
    (
        "catalog/database.toml",
        include_str!("../catalog/database.toml"),
    ),
    ("catalog/ops.toml", include_str!("../catalog/ops.toml")),
    (
        "catalog/github.toml",
        include_str!("../catalog/github.toml"),
    ),
    (
        "catalog/gitlab.toml",
        include_str!("../catalog/gitlab.toml"),
    ),
];

/// The whole catalogue.
#[derive(Debug, Default)]
pub struct Catalog {
    tools: Vec<Tool>,
    /// foldhash, not SipHash: looked up for every command's name (~480,000 times on
    /// the corpus), from a fixed set of keys.
    by_name: foldhash::HashMap<String, usize>,
    /// [`Catalog::by_name`] for lookups ([`NameTable`]), built after parsing.
    names: NameTable,
    actions: Vec<Action>,
    migrators: Vec<Migrator>,
    endpoints: Vec<Endpoint>,
    publish_credentials: Vec<PublishCredential>,
    /// Actions by the owner of `uses` (before its first `/`), in catalogue order, each
    /// list with the entries of [`Catalog::loose_by_first_byte`] that start like the
    /// owner: an entry with a `/` matches only actions of its owner.
    by_owner: foldhash::HashMap<String, Vec<usize>>,
    /// Actions whose `uses` has no `/`, by its first byte: the candidates of an
    /// action whose owner no entry names.
    loose_by_first_byte: foldhash::HashMap<u8, Vec<usize>>,
}

/// Tool names by length, first and last byte: a lookup (every command of every
/// script asks, ~200,000 times on the corpus) hashes three bytes instead of the
/// whole name, and compares the one or two names of its bucket.
#[derive(Debug, Default)]
struct NameTable {
    /// Bucket `b`'s names are `entries[starts[b]..starts[b + 1]]`.
    starts: Vec<u32>,
    entries: Vec<(Box<str>, usize)>,
}

/// 2^12 buckets for ~350 names.
const NAME_BITS: u32 = 12;

fn name_bucket(name: &[u8]) -> usize {
    let (Some(&f), Some(&l)) = (name.first(), name.last()) else {
        return 0;
    };
    let key = (name.len() as u32) << 16 | u32::from(f) << 8 | u32::from(l);
    (key.wrapping_mul(0x9E37_79B1) >> (32 - NAME_BITS)) as usize
}

impl NameTable {
    fn new<'a>(names: impl Iterator<Item = (&'a str, usize)>) -> NameTable {
        let mut all: Vec<(usize, Box<str>, usize)> = names
            .map(|(n, i)| (name_bucket(n.as_bytes()), n.into(), i))
            .collect();
        all.sort_unstable();
        let mut starts = Vec::with_capacity((1 << NAME_BITS) + 1);
        let mut at = 0;
        for b in 0..=(1usize << NAME_BITS) {
            while all.get(at).is_some_and(|e| e.0 < b) {
                at += 1;
            }
            starts.push(at as u32);
        }
        NameTable {
            starts,
            entries: all.into_iter().map(|(_, n, i)| (n, i)).collect(),
        }
    }

    fn get(&self, name: &str) -> Option<usize> {
        let b = name_bucket(name.as_bytes());
        let (&s, &e) = (self.starts.get(b)?, self.starts.get(b + 1)?);
        self.entries
            .get(s as usize..e as usize)?
            .iter()
            .find(|(n, _)| **n == *name)
            .map(|(_, i)| *i)
    }
}

/// Reads catalogue files. Errors name the file and the entry.
pub fn parse(files: &[(&str, &str)]) -> Result<Catalog, String> {
    let mut c = Catalog::default();
    for (path, text) in files {
        let f: File = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        for (name, mut t) in f.tool {
            t.name = name.clone();
            let i = c.tools.len();
            for n in std::iter::once(&name).chain(&t.aliases) {
                if c.by_name.insert(n.clone(), i).is_some() {
                    return Err(format!("{path}: tool `{n}` is defined twice"));
                }
            }
            c.tools.push(t);
        }
        for a in f.action {
            if a.uses != a.uses.to_ascii_lowercase() {
                return Err(format!("{path}: action `{}` must be lowercase", a.uses));
            }
            c.actions.push(a);
        }
        c.migrators.extend(f.migrator);
        for e in &f.endpoint {
            // Lowercase (arguments are compared lowercased), and with a `/` (callers
            // skip arguments without one).
            if e.url.is_empty()
                || e.url.iter().any(|u| *u != u.to_ascii_lowercase())
                || !e.url.iter().any(|u| u.contains('/'))
            {
                return Err(format!(
                    "{path}: endpoint {:?} must be lowercase parts, one with a `/`",
                    e.url
                ));
            }
        }
        c.endpoints.extend(f.endpoint);
        c.publish_credentials.extend(f.publish_credential);
    }
    c.names = NameTable::new(c.by_name.iter().map(|(n, i)| (n.as_str(), *i)));
    for (i, a) in c.actions.iter().enumerate() {
        match a.uses.split_once('/') {
            Some((owner, _)) => c.by_owner.entry(owner.to_string()).or_default().push(i),
            None => {
                if let Some(b) = a.uses.as_bytes().first() {
                    c.loose_by_first_byte.entry(*b).or_default().push(i);
                }
            }
        }
    }
    for (owner, ids) in c.by_owner.iter_mut() {
        if let Some(loose) = owner
            .as_bytes()
            .first()
            .and_then(|b| c.loose_by_first_byte.get(b))
        {
            ids.extend(loose);
            ids.sort_unstable();
        }
    }
    Ok(c)
}

/// The compiled-in catalogue, read once.
pub fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| match parse(FILES) {
        Ok(c) => c,
        // The files are part of the binary and checked by the tests.
        Err(e) => panic!("the compiled-in tool catalogue is invalid: {e}"),
    })
}

impl Catalog {
    /// The tool a command name (or alias) names.
    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.names.get(name).and_then(|i| self.tools.get(i))
    }
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }
    /// Migration tools, in the order templates prefer them when a repository has
    /// several.
    pub fn migrators(&self) -> &[Migrator] {
        &self.migrators
    }
    /// Endpoints whose call deploys ([`Endpoint`]).
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }
    /// The deploy endpoint a URL (lowercase) calls, if any.
    pub fn endpoint_for(&self, url: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.matches(url))
    }
    /// Variables only a publish command reads ([`PublishCredential`]).
    pub fn publish_credentials(&self) -> &[PublishCredential] {
        &self.publish_credentials
    }
    /// The publish-only credential an environment variable named `name` is, if any.
    pub fn publish_credential(&self, name: &str) -> Option<&PublishCredential> {
        self.publish_credentials.iter().find(|c| {
            if c.prefix {
                name.len() > c.name.len() && name.starts_with(c.name.as_str())
            } else {
                name == c.name
            }
        })
    }
    /// The entries that match an action (`uses:` lowercased, without `@ref`), in
    /// catalogue order.
    pub fn actions_for<'a, 'u>(
        &'a self,
        uses: &'u str,
    ) -> impl Iterator<Item = &'a Action> + use<'a, 'u> {
        // One hash of the owner, where a scan of every entry of the first byte cost
        // ~25 M instructions on the corpus (`actions/…` has many).
        let owner = uses.split_once('/').map_or(uses, |(o, _)| o);
        let ids = self
            .by_owner
            .get(owner)
            .or_else(|| {
                uses.as_bytes()
                    .first()
                    .and_then(|b| self.loose_by_first_byte.get(b))
            })
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        ids.iter()
            .filter_map(|i| self.actions.get(*i))
            .filter(move |a| a.matches(uses))
    }
    /// The entry whose `uses` is exactly this action.
    pub fn action(&self, uses: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.uses == uses)
    }
}

impl Action {
    /// Whether this entry describes `uses` (lowercased, without `@ref`).
    pub fn matches(&self, uses: &str) -> bool {
        if self.exact {
            uses.strip_prefix(self.uses.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        } else {
            uses.starts_with(&self.uses)
        }
    }
    /// Whether the action, with these inputs, requests an OIDC token.
    pub fn requests_oidc(&self, input: &dyn Fn(&str) -> Option<String>) -> bool {
        match self.oidc {
            None => false,
            Some(Oidc::Always) => true,
            Some(Oidc::WithInput) => self.oidc_inputs.iter().any(|k| input(k).is_some()),
            Some(Oidc::UnlessInput) => !self.oidc_unless_inputs.iter().any(|k| input(k).is_some()),
            Some(Oidc::InputEquals) => self
                .oidc_input_equals
                .as_ref()
                .is_some_and(|[k, v]| input(k).as_deref() == Some(v.as_str())),
        }
    }
}

impl Tool {
    /// The name shown in evidence.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
    /// Where the subcommand starts in `args` (the words after the command name):
    /// past global options, and past the value of those in `value-flags` (compared
    /// without case: the classifiers read lowercased words).
    pub fn subcommand_start<S: AsRef<str>>(&self, args: &[S]) -> usize {
        let mut i = 0;
        while let Some(a) = args.get(i).map(AsRef::as_ref) {
            if !a.starts_with('-') || a == "-" {
                break;
            }
            let takes_value =
                !a.contains('=') && self.value_flags.iter().any(|f| f.eq_ignore_ascii_case(a));
            i += if takes_value { 2 } else { 1 };
        }
        i.min(args.len())
    }
    /// Capabilities its subcommand provides (`args` are the words after the name).
    pub fn subcommand_provides<S: AsRef<str>>(&self, args: &[S]) -> &[String] {
        if self.subcommands.is_empty() {
            return &[];
        }
        let start = self.subcommand_start(args);
        let a0 = args.get(start).map(AsRef::as_ref).unwrap_or("");
        let a1 = args.get(start + 1).map(AsRef::as_ref).unwrap_or("");
        // `a0 a1` in a stack buffer (asked for every command of such a tool).
        let mut buf = [0u8; 96];
        let two = match buf.get_mut(..a0.len() + 1 + a1.len()) {
            Some(b) => {
                let (x, rest) = b.split_at_mut(a0.len());
                x.copy_from_slice(a0.as_bytes());
                let (space, y) = rest.split_at_mut(1);
                space.copy_from_slice(b" ");
                y.copy_from_slice(a1.as_bytes());
                std::str::from_utf8(b).ok().map(std::borrow::Cow::Borrowed)
            }
            None => Some(std::borrow::Cow::Owned(format!("{a0} {a1}"))),
        };
        two.and_then(|two| self.subcommands.get(two.as_ref()))
            .or_else(|| self.subcommands.get(a0))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    /// The deploy target a command (`args` after the name) talks to.
    pub fn target_of<S: AsRef<str>>(&self, args: &[S]) -> Option<&str> {
        if let Some(t) = &self.target {
            return Some(t);
        }
        first_when(&self.targets, args)
    }
    /// The migration tool a command (`args` after the name) runs.
    pub fn migration_of<S: AsRef<str>>(&self, args: &[S]) -> Option<&str> {
        if let Some(t) = &self.migrates {
            return Some(t);
        }
        first_when(&self.migrates_when, args)
    }
}

/// The value of the first `[words, value]` whose words all occur among `args`.
fn first_when<'a, S: AsRef<str>>(table: &'a [[String; 2]], args: &[S]) -> Option<&'a str> {
    table
        .iter()
        .find(|[words, _]| {
            words
                .split_whitespace()
                .all(|w| args.iter().any(|a| a.as_ref() == w))
        })
        .map(|[_, v]| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_catalogue_reads() {
        let c = parse(FILES).expect("catalogue parses");
        assert!(c.tools().len() > 100);
        assert!(c.actions().len() > 50);
    }

    #[test]
    fn global_flags_before_the_subcommand() {
        let c = catalog();
        let k = c.tool("kubectl").expect("kubectl");
        let args = ["-n", "prod", "--context=x", "rollout", "undo", "deploy/api"];
        assert_eq!(k.subcommand_start(&args), 3);
        let args = ["--namespace", "prod", "rollout", "status"];
        assert_eq!(k.subcommand_start(&args), 2);
        // A flag the catalogue does not list as taking a value is skipped alone.
        let args = ["--insecure-skip-tls-verify", "apply", "-f", "x"];
        assert_eq!(k.subcommand_start(&args), 1);
        let h = c.tool("helm").expect("helm");
        assert_eq!(h.subcommand_start(&["-n", "prod", "rollback", "api"]), 2);
    }

    #[test]
    fn duplicates_are_errors() {
        let e = parse(&[("a.toml", "[tool.x]\n[tool.y]\naliases = [\"x\"]\n")]);
        assert!(e.is_err_and(|e| e.contains("`x` is defined twice")));
        let e = parse(&[("a.toml", "[tool.x]\nintnet = \"test\"\n")]);
        assert!(e.is_err_and(|e| e.starts_with("a.toml:")));
    }

    /// The name table answers as the map it is built from, for every name, alias,
    /// and near miss.
    #[test]
    fn name_table_is_the_map() {
        let c = catalog();
        let mut asked: Vec<String> = vec![String::new(), "x".into(), "zz-not-a-tool".into()];
        for n in c.by_name.keys() {
            asked.push(n.clone());
            asked.push(format!("{n}x"));
            asked.push(format!("x{n}"));
            asked.push(n.to_ascii_uppercase());
            asked.push(n.get(..n.len().saturating_sub(1)).unwrap_or("").to_string());
        }
        for n in &asked {
            assert_eq!(c.names.get(n), c.by_name.get(n.as_str()).copied(), "{n:?}");
        }
        let buckets = c.names.starts.windows(2).filter(|w| w[1] > w[0]).count();
        assert!(buckets * 4 >= c.by_name.len() * 3, "{buckets} buckets");
    }

    /// The owner index finds what a scan of every entry finds, in the same order.
    #[test]
    fn actions_for_is_the_scan_of_every_entry() {
        let extra = "[[action]]\nuses = \"act\"\n[[action]]\nuses = \"actions-x\"\nexact = true\n\
                     [[action]]\nuses = \"zz/yy\"\n[[action]]\nuses = \"z\"\n";
        let mut files = FILES.to_vec();
        files.push(("extra.toml", extra));
        let c = parse(&files).expect("catalogue parses");
        let mut asked: Vec<String> = vec![];
        for a in c.actions() {
            let u = a.uses.as_str();
            asked.push(u.to_string());
            asked.push(format!("{u}/sub/path"));
            asked.push(format!("{u}x"));
            asked.push(format!("{u}-x/y"));
            asked.push(u.trim_end_matches('/').to_string());
            if let Some((owner, rest)) = u.split_once('/') {
                asked.push(owner.to_string());
                asked.push(format!("{owner}/"));
                asked.push(format!("{owner}x/{rest}"));
                asked.push(rest.to_string());
            }
            asked.push(u.get(..u.len() / 2).unwrap_or("").to_string());
        }
        asked.extend(
            [
                "",
                "/",
                "a",
                "z",
                "zz",
                "zz/",
                "act",
                "actions",
                "actions-x/y",
                "x/y",
            ]
            .map(String::from),
        );
        for u in &asked {
            let fast: Vec<*const Action> = c.actions_for(u).map(|a| a as *const _).collect();
            let scan: Vec<*const Action> = c
                .actions()
                .iter()
                .filter(|a| a.matches(u))
                .map(|a| a as *const _)
                .collect();
            assert_eq!(fast, scan, "{u:?}");
        }
        assert!(c.actions_for("actions/checkout").next().is_some());
        assert!(c.actions_for("act/x").any(|a| a.uses == "act"));
    }

    #[test]
    fn oidc_by_inputs() {
        let c = catalog();
        let aws = c
            .action("aws-actions/configure-aws-credentials")
            .expect("aws");
        assert!(aws.requests_oidc(&|k| (k == "role-to-assume").then(|| "arn".to_string())));
        assert!(!aws.requests_oidc(&|_| None));
    }
}
