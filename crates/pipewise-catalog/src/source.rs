//! The catalogue files as written (`catalog/*.toml`): their schema, their checks, and
//! the Rust the build script writes from them. `build.rs` includes this file with
//! `#[path]` and writes [`render`]'s output to `$OUT_DIR/catalog.rs`, which the library
//! includes: a run reads statics and parses nothing. The library's tests include it
//! too (a bad entry is an error naming the file and the entry).
//!
//! The fields are documented on the library's types of the same names (`Tool`,
//! `Action`, ...), which hold what these hold as `&'static` data.

use crate::kinds::{Intent, Oidc};
use crate::lit::Lit;
use crate::table;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The catalogue files, in the order their actions are tried.
pub const FILES: &[&str] = &[
    "shell.toml",
    "build.toml",
    "test.toml",
    "security.toml",
    "release.toml",
    "deploy.toml",
    "database.toml",
    "ops.toml",
    "github.toml",
    "gitlab.toml",
];

/// Entries the library's tests add after the catalogue (`catalog_test.rs`): actions
/// without an owner, and one whose name starts another's.
pub const TEST_EXTRA: &str =
    "[[action]]\nuses = \"act\"\n[[action]]\nuses = \"actions-x\"\nexact = true\n\
                              [[action]]\nuses = \"zz/yy\"\n[[action]]\nuses = \"z\"\n";

/// Buckets of the tool name table: 2^12 for ~350 names and aliases.
pub const NAME_BITS: u32 = 12;
/// Buckets of the action owner table: 2^10 for ~150 owners.
pub const OWNER_BITS: u32 = 10;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Tool {
    #[serde(skip)]
    pub name: String,
    pub label: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub intent: Option<Intent>,
    #[serde(default)]
    pub deploys: bool,
    #[serde(default)]
    pub ships: bool,
    #[serde(default)]
    pub wrapper: bool,
    #[serde(default)]
    pub value_flags: Vec<String>,
    #[serde(default)]
    pub provides: Vec<String>,
    #[serde(default)]
    pub subcommands: BTreeMap<String, Vec<String>>,
    pub target: Option<String>,
    #[serde(default)]
    pub targets: Vec<[String; 2]>,
    pub migrates: Option<String>,
    #[serde(default)]
    pub migrates_when: Vec<[String; 2]>,
    pub fresh_output: Option<FreshOutput>,
    pub example: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FreshOutput {
    pub dir: String,
    #[serde(default)]
    pub config: Vec<String>,
    pub key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Action {
    pub uses: String,
    #[serde(default)]
    pub exact: bool,
    pub tool: Option<String>,
    #[serde(default)]
    pub provides: Vec<String>,
    pub ships: Option<Intent>,
    pub target: Option<String>,
    #[serde(default)]
    pub permissions: Vec<[String; 3]>,
    pub oidc: Option<Oidc>,
    #[serde(default)]
    pub oidc_inputs: Vec<String>,
    #[serde(default)]
    pub oidc_unless_inputs: Vec<String>,
    pub oidc_input_equals: Option<[String; 2]>,
    pub pin: Option<String>,
    pub deprecated: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Migrator {
    pub name: String,
    pub apply: String,
    pub drift: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Endpoint {
    pub url: Vec<String>,
    #[serde(default)]
    pub post: bool,
    pub example: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PublishCredential {
    pub name: String,
    #[serde(default)]
    pub prefix: bool,
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

/// The whole catalogue as read, with its lookup tables.
#[derive(Debug, Default)]
pub struct Source {
    pub tools: Vec<Tool>,
    pub actions: Vec<Action>,
    pub migrators: Vec<Migrator>,
    pub endpoints: Vec<Endpoint>,
    pub publish_credentials: Vec<PublishCredential>,
    /// Every tool name and alias with its tool.
    pub names: StrTable<usize>,
    /// Action owners (`uses` before its first `/`), each with the actions of that
    /// owner in catalogue order, merged with the entries of
    /// [`Source::loose_by_first_byte`] that start like the owner: an entry with a `/`
    /// matches only actions of its owner.
    pub by_owner: StrTable<Vec<usize>>,
    /// Actions whose `uses` has no `/`, by its first byte (ascending): the candidates
    /// of an action whose owner no entry names.
    pub loose_by_first_byte: Vec<(u8, Vec<usize>)>,
}

/// A table of [`table::layout`]: `entries` in bucket order, bucket `b`'s are
/// `entries[starts[b]..starts[b + 1]]`.
#[derive(Debug, Default)]
pub struct StrTable<V> {
    pub bits: u32,
    pub starts: Vec<u32>,
    pub entries: Vec<(String, V)>,
}

impl<V> StrTable<V> {
    fn new(keyed: Vec<(String, V)>, bits: u32) -> StrTable<V> {
        let keys: Vec<&str> = keyed.iter().map(|(k, _)| k.as_str()).collect();
        let (starts, order) = table::layout(&keys, bits);
        let mut slots: Vec<Option<(String, V)>> = keyed.into_iter().map(Some).collect();
        let entries = order
            .iter()
            .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
            .collect();
        StrTable {
            bits,
            starts,
            entries,
        }
    }
}

/// Reads catalogue files (`(path, text)`). Errors name the file and the entry.
pub fn parse(files: &[(&str, &str)]) -> Result<Source, String> {
    let mut c = Source::default();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (path, text) in files {
        let f: File = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        for (name, mut t) in f.tool {
            t.name = name.clone();
            let i = c.tools.len();
            for n in std::iter::once(&name).chain(&t.aliases) {
                if by_name.insert(n.clone(), i).is_some() {
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
    c.names = StrTable::new(by_name.into_iter().collect(), NAME_BITS);

    let mut by_owner: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut loose: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
    for (i, a) in c.actions.iter().enumerate() {
        match a.uses.split_once('/') {
            Some((owner, _)) => by_owner.entry(owner.to_string()).or_default().push(i),
            None => {
                if let Some(b) = a.uses.as_bytes().first() {
                    loose.entry(*b).or_default().push(i);
                }
            }
        }
    }
    for (owner, ids) in by_owner.iter_mut() {
        if let Some(l) = owner.as_bytes().first().and_then(|b| loose.get(b)) {
            ids.extend(l);
            ids.sort_unstable();
        }
    }
    c.by_owner = StrTable::new(by_owner.into_iter().collect(), OWNER_BITS);
    c.loose_by_first_byte = loose.into_iter().collect();
    Ok(c)
}

crate::lit_display!(Intent => "Intent::", Oidc => "Oidc::");

crate::lit_struct!(Tool {
    name,
    label,
    aliases,
    intent,
    deploys,
    ships,
    wrapper,
    value_flags,
    provides,
    subcommands,
    target,
    targets,
    migrates,
    migrates_when,
    fresh_output,
    example,
});
crate::lit_struct!(FreshOutput { dir, config, key });
crate::lit_struct!(Action {
    uses,
    exact,
    tool,
    provides,
    ships,
    target,
    permissions,
    oidc,
    oidc_inputs,
    oidc_unless_inputs,
    oidc_input_equals,
    pin,
    deprecated,
});
crate::lit_struct!(Migrator { name, apply, drift });
crate::lit_struct!(Endpoint { url, post, example });
crate::lit_struct!(PublishCredential {
    name,
    prefix,
    read_by
});

crate::lit_struct!(Source as Catalog {
    tools,
    names,
    actions,
    migrators,
    endpoints,
    publish_credentials,
    by_owner,
    loose_by_first_byte,
});

impl<V: Lit> Lit for StrTable<V> {
    fn lit(&self, out: &mut String) {
        out.push_str("StrTable { bits: ");
        self.bits.lit(out);
        out.push_str(", starts: ");
        self.starts.lit(out);
        out.push_str(", entries: ");
        self.entries.lit(out);
        out.push_str(" }");
    }
}

/// The catalogue as Rust: the initialiser of `static CATALOG: Catalog`.
pub fn render(c: &Source) -> String {
    let mut out = String::with_capacity(256 * 1024);
    c.lit(&mut out);
    out
}
