//! The tool catalogue: one place that teaches pipewise a command-line tool or a
//! GitHub action, as data (`catalog/*.toml`). The build script (`build.rs`, with
//! `src/source.rs`) reads the files, checks them and writes them as Rust statics: a
//! run reads [`catalog`] and parses nothing.
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

mod kinds;
pub mod lit;
#[cfg(test)]
#[allow(dead_code)] // what only the build script uses
mod source;
mod table;

pub use kinds::{Intent, Oidc};

/// A command-line tool.
#[derive(Debug, Clone)]
pub struct Tool {
    /// The name the entry is filed under (filled in when the catalogue is read).
    pub name: &'static str,
    /// The name shown in evidence, when not the command name (`coverage.py`).
    pub label: Option<&'static str>,
    /// Other command names of the same tool (`fly` for `flyctl`).
    pub aliases: &'static [&'static str],
    /// What the tool does whenever it runs (`pytest`: test, `echo`: harmless).
    pub intent: Option<Intent>,
    /// Its commands deploy somewhere; which ones is read from its subcommands.
    pub deploys: bool,
    /// It publishes packages or images, but only through explicit subcommands.
    pub ships: bool,
    /// It runs the command that follows its own options (`sudo`, `timeout 60`).
    pub wrapper: bool,
    /// Global options that take a value, before the subcommand (`kubectl -n NS`).
    pub value_flags: &'static [&'static str],
    /// Capabilities the tool provides whenever it runs.
    pub provides: &'static [&'static str],
    /// Capabilities provided by a subcommand (`cosign sign`: signing).
    pub subcommands: &'static [(&'static str, &'static [&'static str])],
    /// The deploy target its commands talk to.
    pub target: Option<&'static str>,
    /// Deploy targets for commands that have all the given words (`["ecs", "ecs"]`,
    /// `["s3 sync", "s3"]`), first match wins.
    pub targets: &'static [[&'static str; 2]],
    /// The migration tool it is, when it runs at all.
    pub migrates: Option<&'static str>,
    /// The migration tool it is for commands with all the given words, first match wins.
    pub migrates_when: &'static [[&'static str; 2]],
    /// The folder its shipping commands build into and always start from empty
    /// (goreleaser's `dist`: `--clean` deletes it, and without it goreleaser refuses a
    /// folder that is not empty): nothing restored there before it runs can ship.
    pub fresh_output: Option<FreshOutput>,
    /// A real command line that uses the tool (the table test runs it).
    pub example: Option<&'static str>,
}

/// A tool's output folder that it empties before it builds ([`Tool::fresh_output`]).
#[derive(Debug, Clone)]
pub struct FreshOutput {
    /// The folder, relative to the directory the tool runs in (`dist`).
    pub dir: &'static str,
    /// Configuration files (repository paths, relative to where the tool runs) that
    /// may move the folder; when one of them sets `key`, the folder is unknown.
    pub config: &'static [&'static str],
    /// The top-level configuration key that moves the folder (`dist`).
    pub key: Option<&'static str>,
}

/// A GitHub action (`uses:`), matched by prefix of its lowercased name.
#[derive(Debug, Clone)]
pub struct Action {
    /// `owner/repo[/path]`, lowercased; matches that action and everything under it.
    pub uses: &'static str,
    /// Only this action or a path under it (`actions/attest`, `actions/attest/x`), not
    /// every name it starts (`actions/attest-sbom`).
    pub exact: bool,
    /// The tool named in evidence (`semgrep` for `semgrep/semgrep-action`).
    pub tool: Option<&'static str>,
    /// Capabilities the action provides whenever it runs.
    pub provides: &'static [&'static str],
    /// What it ships, from what it does (not from its name): `publish` (a package, an
    /// image, a GitHub release) or `deploy` (a site or a service). Actions without it
    /// ship nothing pipewise knows of (`getsentry/release-comment-issues-gh-action`).
    pub ships: Option<Intent>,
    /// The deploy target it deploys to.
    pub target: Option<&'static str>,
    /// Token scopes it needs: `[scope, level, why]`.
    pub permissions: &'static [[&'static str; 3]],
    /// It requests an OIDC token: `"always"`, or only with one of `oidc-inputs`, or
    /// only without one of `oidc-unless-inputs`.
    pub oidc: Option<Oidc>,
    pub oidc_inputs: &'static [&'static str],
    pub oidc_unless_inputs: &'static [&'static str],
    /// `input=value` that makes it request an OIDC token.
    pub oidc_input_equals: Option<[&'static str; 2]>,
    /// The reference pipewise's templates use: `owner/repo@<sha> # vX.Y.Z`.
    pub pin: Option<&'static str>,
    /// Why the action should no longer be used, and what replaces it.
    pub deprecated: Option<&'static str>,
}

/// A migration tool as the stack names it (`prisma`, `django`, `rails`, `flyway`): how
/// pipewise's templates apply its migrations and check them against the schema.
#[derive(Debug, Clone)]
pub struct Migrator {
    /// The name in the stack's `migrations`.
    pub name: &'static str,
    /// The command that applies the migrations.
    pub apply: &'static str,
    /// A command that fails when the migrations and the schema disagree.
    pub drift: Option<&'static str>,
}

/// An HTTP endpoint whose call deploys (a platform's deploy hook or deploy API):
/// `curl`/`wget` to it is a deploy, whatever the script around it is called.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Parts the URL has, in this order (lowercase): `["api.render.com/v1/services/",
    /// "/deploys"]`.
    pub url: &'static [&'static str],
    /// Only a request that sends something deploys (`-X POST`, `-d …`): the same URL
    /// read with GET only asks for a deploy's status.
    pub post: bool,
    /// A real command line that calls it (the table test checks it deploys).
    pub example: &'static str,
}

impl Endpoint {
    /// Whether `url` (lowercase) has this endpoint's parts, in order.
    pub fn matches(&self, url: &str) -> bool {
        let mut rest = url;
        self.url.iter().all(|part| match rest.find(*part) {
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
#[derive(Debug, Clone)]
pub struct PublishCredential {
    /// The variable's name, or its prefix when `prefix` (`POETRY_PYPI_TOKEN_`).
    pub name: &'static str,
    pub prefix: bool,
    /// The command that reads it (`cargo publish`), for messages and docs.
    pub read_by: &'static str,
}

/// The whole catalogue.
#[derive(Debug)]
pub struct Catalog {
    tools: &'static [Tool],
    /// Tool names and aliases: looked up for every command's name (~480,000 times on
    /// the corpus), from a fixed set of keys.
    names: StrTable<usize>,
    actions: &'static [Action],
    migrators: &'static [Migrator],
    endpoints: &'static [Endpoint],
    publish_credentials: &'static [PublishCredential],
    /// Actions by the owner of `uses` (before its first `/`), in catalogue order, each
    /// list with the entries of [`Catalog::loose_by_first_byte`] that start like the
    /// owner: an entry with a `/` matches only actions of its owner.
    by_owner: StrTable<&'static [usize]>,
    /// Actions whose `uses` has no `/`, by its first byte (ascending): the candidates
    /// of an action whose owner no entry names.
    loose_by_first_byte: &'static [(u8, &'static [usize])],
}

/// Keys by length, first and last byte ([`table::bucket`]): a lookup hashes three
/// bytes instead of the whole key, and compares the one or two keys of its bucket.
#[derive(Debug)]
struct StrTable<V: 'static> {
    /// 2^`bits` buckets.
    bits: u32,
    /// Bucket `b`'s keys are `entries[starts[b]..starts[b + 1]]`.
    starts: &'static [u32],
    entries: &'static [(&'static str, V)],
}

impl<V> StrTable<V> {
    fn get(&self, key: &str) -> Option<&V> {
        let b = table::bucket(key.as_bytes(), self.bits);
        let (&s, &e) = (self.starts.get(b)?, self.starts.get(b + 1)?);
        self.entries
            .get(s as usize..e as usize)?
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// The catalogue, written by `build.rs` from `catalog/*.toml`.
static CATALOG: Catalog = include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// The compiled-in catalogue.
pub fn catalog() -> &'static Catalog {
    &CATALOG
}

impl Catalog {
    /// The tool a command name (or alias) names.
    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.names.get(name).and_then(|&i| self.tools.get(i))
    }
    pub fn tools(&self) -> &'static [Tool] {
        self.tools
    }
    pub fn actions(&self) -> &'static [Action] {
        self.actions
    }
    /// Migration tools, in the order templates prefer them when a repository has
    /// several.
    pub fn migrators(&self) -> &'static [Migrator] {
        self.migrators
    }
    /// Endpoints whose call deploys ([`Endpoint`]).
    pub fn endpoints(&self) -> &'static [Endpoint] {
        self.endpoints
    }
    /// The deploy endpoint a URL (lowercase) calls, if any.
    pub fn endpoint_for(&self, url: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.matches(url))
    }
    /// Variables only a publish command reads ([`PublishCredential`]).
    pub fn publish_credentials(&self) -> &'static [PublishCredential] {
        self.publish_credentials
    }
    /// The publish-only credential an environment variable named `name` is, if any.
    pub fn publish_credential(&self, name: &str) -> Option<&PublishCredential> {
        self.publish_credentials.iter().find(|c| {
            if c.prefix {
                name.len() > c.name.len() && name.starts_with(c.name)
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
        // One lookup of the owner, where a scan of every entry of the first byte cost
        // ~25 M instructions on the corpus (`actions/…` has many).
        let owner = uses.split_once('/').map_or(uses, |(o, _)| o);
        let ids: &[usize] = match self.by_owner.get(owner) {
            Some(ids) => ids,
            None => uses.as_bytes().first().map_or(&[], |b| {
                self.loose_by_first_byte
                    .iter()
                    .find(|(l, _)| l == b)
                    .map_or(&[], |(_, ids)| ids)
            }),
        };
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
            uses.strip_prefix(self.uses)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        } else {
            uses.starts_with(self.uses)
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
                .is_some_and(|[k, v]| input(k).as_deref() == Some(*v)),
        }
    }
}

impl Tool {
    /// The name shown in evidence.
    pub fn label(&self) -> &str {
        self.label.unwrap_or(self.name)
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
    pub fn subcommand_provides<S: AsRef<str>>(&self, args: &[S]) -> &'static [&'static str] {
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
        two.and_then(|two| self.subcommand(two.as_ref()))
            .or_else(|| self.subcommand(a0))
            .unwrap_or(&[])
    }
    /// What `subcommands` says of `name` (sorted by name: a binary search).
    fn subcommand(&self, name: &str) -> Option<&'static [&'static str]> {
        let s = self.subcommands;
        s.binary_search_by(|(k, _)| (*k).cmp(name))
            .ok()
            .and_then(|i| s.get(i))
            .map(|(_, v)| *v)
    }
    /// The deploy target a command (`args` after the name) talks to.
    pub fn target_of<S: AsRef<str>>(&self, args: &[S]) -> Option<&'static str> {
        if let Some(t) = self.target {
            return Some(t);
        }
        first_when(self.targets, args)
    }
    /// The migration tool a command (`args` after the name) runs.
    pub fn migration_of<S: AsRef<str>>(&self, args: &[S]) -> Option<&'static str> {
        if let Some(t) = self.migrates {
            return Some(t);
        }
        first_when(self.migrates_when, args)
    }
}

/// The value of the first `[words, value]` whose words all occur among `args`.
fn first_when<S: AsRef<str>>(
    table: &'static [[&'static str; 2]],
    args: &[S],
) -> Option<&'static str> {
    table
        .iter()
        .find(|[words, _]| {
            words
                .split_whitespace()
                .all(|w| args.iter().any(|a| a.as_ref() == w))
        })
        .map(|[_, v]| *v)
}

/// The catalogue with [`source::TEST_EXTRA`]'s entries after it (actions without an
/// owner), written by `build.rs` like [`CATALOG`].
#[cfg(test)]
static TEST_CATALOG: Catalog = include!(concat!(env!("OUT_DIR"), "/catalog_test.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_catalogue_reads() {
        let c = catalog();
        assert!(c.tools().len() > 100);
        assert!(c.actions().len() > 50);
        assert!(c.tool("kubectl").is_some_and(|t| t.name == "kubectl"));
        assert!(c.tool("fly").is_some_and(|t| t.name == "flyctl"));
    }

    /// The statics are the files: every entry as `build.rs` wrote it is the entry as
    /// the files read, field by field, in the same order.
    #[test]
    fn the_statics_are_the_files() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let texts: Vec<(String, String)> = source::FILES
            .iter()
            .map(|f| {
                let path = format!("catalog/{f}");
                let text = std::fs::read_to_string(format!("{dir}/{path}")).expect("readable");
                (path, text)
            })
            .collect();
        let files: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (&**p, &**t)).collect();
        let src = source::parse(&files).expect("the catalogue reads");
        let c = catalog();
        // Field names, order and values print alike; `subcommands` is a sorted slice
        // where the files have a sorted map.
        let tools: Vec<String> = src
            .tools
            .iter()
            .map(|t| {
                let map = format!("{:?}", t.subcommands);
                let list = format!("{:?}", t.subcommands.iter().collect::<Vec<_>>());
                format!("{t:?}").replacen(&map, &list, 1)
            })
            .collect();
        let statics: Vec<String> = c.tools().iter().map(|t| format!("{t:?}")).collect();
        assert_eq!(statics, tools);
        assert!(tools.iter().any(|t| t.contains("subcommands: [(\"")));
        let same = |a: String, b: String| assert_eq!(a, b);
        same(format!("{:?}", c.actions()), format!("{:?}", src.actions));
        same(
            format!("{:?}", c.migrators()),
            format!("{:?}", src.migrators),
        );
        same(
            format!("{:?}", c.endpoints()),
            format!("{:?}", src.endpoints),
        );
        same(
            format!("{:?}", c.publish_credentials()),
            format!("{:?}", src.publish_credentials),
        );
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

    /// A bad entry is an error naming the file and the entry (the build fails with it).
    #[test]
    fn bad_entries_are_errors() {
        let e = source::parse(&[("a.toml", "[tool.x]\n[tool.y]\naliases = [\"x\"]\n")]);
        assert!(e.is_err_and(|e| e.contains("`x` is defined twice")));
        let e = source::parse(&[("a.toml", "[tool.x]\nintnet = \"test\"\n")]);
        assert!(e.is_err_and(|e| e.starts_with("a.toml:") && e.contains("intnet")));
        let e = source::parse(&[("b.toml", "[[action]]\nuses = \"Owner/X\"\n")]);
        assert!(e.is_err_and(|e| e.starts_with("b.toml:") && e.contains("`Owner/X`")));
        let e = source::parse(&[("c.toml", "[[endpoint]]\nurl = [\"x.io\"]\nexample = \"\"\n")]);
        assert!(e.is_err_and(|e| e.starts_with("c.toml:") && e.contains("x.io")));
        assert!(source::parse(&[("d.toml", "[tool.x]\n[tool.y]\naliases = [\"z\"]\n")]).is_ok());
    }

    /// Every subcommand of every tool is found by name, and a name between two is not.
    #[test]
    fn subcommands_are_found_by_name() {
        let mut asked = 0;
        for t in catalog().tools() {
            for (name, caps) in t.subcommands {
                assert_eq!(t.subcommand(name), Some(*caps), "{} {name}", t.name);
                assert_eq!(t.subcommand(&format!("{name}~")), None, "{} {name}", t.name);
                asked += 1;
            }
        }
        assert!(asked > 10);
        let cosign = catalog().tool("cosign").expect("cosign");
        assert!(!cosign.subcommand_provides(&["sign", "x"]).is_empty());
        assert!(cosign.subcommand_provides(&["version"]).is_empty());
    }

    /// The name table answers as a scan of every name and alias, for every name,
    /// alias, and near miss.
    #[test]
    fn name_table_is_the_scan() {
        let c = catalog();
        let scan = |n: &str| {
            c.tools()
                .iter()
                .position(|t| t.name == n || t.aliases.contains(&n))
        };
        let mut asked: Vec<String> = vec![String::new(), "x".into(), "zz-not-a-tool".into()];
        for t in c.tools() {
            for n in std::iter::once(&t.name).chain(t.aliases) {
                asked.push(n.to_string());
                asked.push(format!("{n}x"));
                asked.push(format!("x{n}"));
                asked.push(n.to_ascii_uppercase());
                asked.push(n.get(..n.len().saturating_sub(1)).unwrap_or("").to_string());
            }
        }
        for n in &asked {
            assert_eq!(c.names.get(n).copied(), scan(n), "{n:?}");
        }
        let buckets = c.names.starts.windows(2).filter(|w| w[1] > w[0]).count();
        assert!(
            buckets * 4 >= c.names.entries.len() * 3,
            "{buckets} buckets"
        );
    }

    /// The owner index finds what a scan of every entry finds, in the same order.
    #[test]
    fn actions_for_is_the_scan_of_every_entry() {
        let c = &TEST_CATALOG;
        assert!(c.actions().len() > catalog().actions().len());
        let mut asked: Vec<String> = vec![];
        for a in c.actions() {
            let u = a.uses;
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
