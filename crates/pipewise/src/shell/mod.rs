//! Shell scripts as commands, not text: the data model of a parsed `run:` block (or a
//! script it calls) and the questions rules ask of it. The parsing itself is the
//! hand-written, linear-time bash parser in [`parser`].
//!
//! [`Script::parse`] turns bash source into a flat list of [`Command`]s (in source
//! order, with spans relative to the script text) and the and-or [`List`]s that join
//! them (`a && b || c`, pipelines), so rules can ask "is the last item of this list an
//! `|| echo`?" or "is this `read` inside an `if` condition?" without regexes.
//! Comments are kept (placeholder detection needs them). Unparseable regions are
//! tolerated: the parser recovers (best effort) and `has_errors` says so. GitHub
//! `${{ … }}` expressions are opaque parts of words, never shell syntax.

mod parser;
mod runner;
mod value;

use crate::finding::Span;
pub use runner::{may_unwrap, unwrap_runner};

/// The operator that joins an item to the previous one in an and-or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    And,
    Or,
}

/// One word of a command (name or argument), approximately unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Unquoted text; expansions are kept as written (`$X`, `$(cmd)`).
    pub text: String,
    pub span: Span,
    /// Contains a parameter expansion or command substitution.
    pub dynamic: bool,
}

impl AsRef<str> for Word {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

/// A redirect attached to a command (`> file`, `< file`, `<<EOF`, `<<< str`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub op: String,
    pub target: String,
}

/// One simple command.
#[derive(Debug, Clone)]
pub struct Command {
    pub words: Vec<Word>,
    pub span: Span,
    /// Index into [`Script::lists`] and the item within that list.
    pub list: usize,
    pub item: usize,
    /// Inside an `if`/`while`/`until` condition, or negated with `!`.
    pub in_condition: bool,
    /// Inside `$(…)` or backticks.
    pub in_substitution: bool,
    /// Inside a function body.
    pub in_function: bool,
    /// Inside a loop body.
    pub in_loop: bool,
    pub redirects: Vec<Redirect>,
}

impl Command {
    /// The same command with other words (a wrapper's inner command: `sudo apt-get …`
    /// → `apt-get …`).
    pub fn with_words(&self, words: Vec<Word>) -> Command {
        Command {
            words,
            span: self.span,
            list: self.list,
            item: self.item,
            in_condition: self.in_condition,
            in_substitution: self.in_substitution,
            in_function: self.in_function,
            in_loop: self.in_loop,
            redirects: self.redirects.clone(),
        }
    }
    /// The command name, e.g. `npm`.
    pub fn name(&self) -> &str {
        self.words.first().map(|w| w.text.as_str()).unwrap_or("")
    }
    /// Whether the command may run a script file of the repository: its name is a
    /// path or a `.sh` file (`./x.sh`, `scripts/x`), or it is a shell or a runner
    /// ([`SCRIPT_SHELLS`], [`SCRIPT_WRAPPERS`]). `crate::repo::called_script` reads
    /// no other command.
    #[inline]
    pub fn may_run_script(&self) -> bool {
        let n = self.name();
        // Without a `/`, the name is the base name. (Asked of every parsed command:
        // a byte loop, not a search, over a short name.)
        n.bytes().any(|b| b == b'/')
            || n.ends_with(".sh")
            || SCRIPT_SHELLS.contains(&n)
            || SCRIPT_WRAPPERS.contains(&n)
    }
    /// The command name without a leading path (`./scripts/x.sh` stays as is; `/usr/bin/env` → `env`).
    pub fn base_name(&self) -> &str {
        base_name(self.name())
    }
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }
    pub fn has_arg(&self, a: &str) -> bool {
        self.args().iter().any(|w| w.text == a)
    }
    /// True if any argument starts with `prefix`.
    pub fn has_arg_prefix(&self, prefix: &str) -> bool {
        self.args().iter().any(|w| w.text.starts_with(prefix))
    }
    /// Argument words joined by spaces.
    pub fn argv_text(&self) -> String {
        self.words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// Standard input comes from somewhere other than the terminal.
    pub fn stdin_redirected(&self) -> bool {
        self.redirects
            .iter()
            .any(|r| r.op.starts_with('<') && !r.op.starts_with("<("))
    }
}

/// A command name without a leading path (`./scripts/x.sh` stays as is;
/// `/usr/bin/env` → `env`): [`Command::base_name`].
pub fn base_name(n: &str) -> &str {
    if n.starts_with("./") || n.starts_with("../") {
        return n;
    }
    match n.as_bytes().iter().rposition(|&b| b == b'/') {
        Some(i) => n.get(i + 1..).unwrap_or(n),
        None => n,
    }
}

/// Pipelines joined by `&&` / `||`.
#[derive(Debug, Clone, Default)]
pub struct List {
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone, Default)]
pub struct ListItem {
    /// Operator before this item (`None` for the first).
    pub op: Option<Op>,
    /// Commands of the pipeline or compound statement, in order.
    pub commands: Vec<usize>,
    /// Piped into the next command (`a | b`).
    pub pipeline: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// A shell variable assignment (`NAME=value`, `export NAME=value`, `local NAME=…`), in
/// source order: what taint rules follow from a value to a later `$NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Span of the variable's name in the script text.
    pub name: Span,
    /// Span of the value as written (quotes and expansions kept: `"pre-${X##*/}"`).
    pub span: Span,
    /// Inside `$(…)` or backticks.
    pub in_substitution: bool,
}

/// A parsed script.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub commands: Vec<Command>,
    pub lists: Vec<List>,
    pub comments: Vec<Comment>,
    /// Variable assignments, in source order.
    pub assignments: Vec<Assignment>,
    pub has_errors: bool,
    /// No command of the script can run a script file ([`Command::may_run_script`]),
    /// so it calls none: set by the parser from the commands; `false` (may) when
    /// the script was not parsed.
    pub runs_no_script: bool,
    /// The base names of the script's commands ([`Command::base_name`]) as a filter:
    /// a rule that looks for commands of some names asks [`Names::any_of`] first,
    /// and reads the commands only when it says "maybe". Set by the parser; "any
    /// name" when the script was not parsed.
    pub names: Names,
}

/// A filter of command names (a Bloom filter with one hash): each name sets one of
/// 128 bits ([`Names::of`]). Names that share a bit make a filter say "maybe" for a
/// name it does not hold; a clear bit means "certainly not", so a filter never hides
/// a name it holds. (A script of one line holds a few names: one, two or three bits
/// of 128 are set, and a question about two names is answered "no" for most.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names(u128);

impl Default for Names {
    /// Any name (a script built by hand rather than parsed).
    fn default() -> Self {
        Names(u128::MAX)
    }
}

impl Names {
    /// No name.
    pub const NONE: Names = Names(0);

    /// The filter holding `names` (a `const`: a rule builds its list's filter once).
    pub const fn of(names: &[&str]) -> Names {
        let mut bits = 0;
        let mut i = 0;
        while i < names.len() {
            bits |= Names::bit(names[i]);
            i += 1;
        }
        Names(bits)
    }

    /// The bit of `name`: FNV-1a over its bytes, folded to 0..128.
    #[inline]
    const fn bit(name: &str) -> u128 {
        let b = name.as_bytes();
        let mut h: u32 = 0x811c_9dc5;
        let mut i = 0;
        while i < b.len() {
            h ^= b[i] as u32;
            h = h.wrapping_mul(0x0100_0193);
            i += 1;
        }
        1u128 << ((h ^ (h >> 7) ^ (h >> 14)) & 127)
    }

    /// The names of `self` and of `other`.
    pub const fn union(self, other: Names) -> Names {
        Names(self.0 | other.0)
    }

    /// Adds `name`.
    #[inline]
    pub fn add(&mut self, name: &str) {
        self.0 |= Names::bit(name);
    }

    /// Whether a name of `wanted` may be held: `false` when none is.
    #[inline]
    pub fn any_of(self, wanted: Names) -> bool {
        self.0 & wanted.0 != 0
    }
}

/// The shells through which a command runs a script file given as its first
/// operand (`bash x.sh`, `. x.sh`): `crate::repo::called_script` reads them.
pub const SCRIPT_SHELLS: &[&str] = &["bash", "sh", "zsh", "dash", "source", "."];

/// The runners that wrap a command through which a command may run a script file
/// (`uv run ./x.sh`, `sudo ./x.sh`, `bundle exec bin/x`): `crate::repo::called_script`
/// reads the command they wrap.
pub const SCRIPT_WRAPPERS: &[&str] = &[
    "uv", "poetry", "pipenv", "pdm", "hatch", "rye", "sudo", "time", "exec", "nohup", "bundle",
    "pnpm", "npm",
];

/// Nesting limit (substitutions, compound commands, quotes in expansions): deeper
/// input sets `has_errors` and the rest of it is skipped.
pub const MAX_DEPTH: usize = 400;

/// Time spent in [`Script::parse`] (parse + mapping), summed over all threads, in ns.
static SHELL_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether [`Script::parse`] measures its time: off by default, because reading a
/// thread's CPU clock is a system call (two per script, ~14,000 on the corpus).
static SHELL_TIMING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns on the measurement behind [`shell_time`] (for `PIPEWISE_TIMINGS` and the
/// benchmarks); until then `shell_time` stays zero.
pub fn enable_shell_timing() {
    SHELL_TIMING.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// This thread's CPU time in ns (so that time spent waiting for a core on a busy
/// machine is not counted); a monotonic clock where that is not available.
fn thread_cpu_nanos() -> u64 {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return (ts.tv_sec as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(ts.tv_nsec as u64);
        }
    }
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    u64::try_from(
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos(),
    )
    .unwrap_or(u64::MAX)
}

/// CPU time spent so far in shell analysis of `run:` blocks and script files, summed
/// over threads (for `PIPEWISE_TIMINGS` and the benchmarks), once
/// [`enable_shell_timing`] was called.
pub fn shell_time() -> std::time::Duration {
    std::time::Duration::from_nanos(SHELL_NANOS.load(std::sync::atomic::Ordering::Relaxed))
}

impl Script {
    /// Parses bash source. Never fails: syntax errors set `has_errors`.
    pub fn parse(src: &str) -> Script {
        pipewise_yaml::work::add(pipewise_yaml::work::Work::ShellBytes, src.len());
        if !SHELL_TIMING.load(std::sync::atomic::Ordering::Relaxed) {
            return parser::parse(src);
        }
        let started = thread_cpu_nanos();
        let script = parser::parse(src);
        SHELL_NANOS.fetch_add(
            thread_cpu_nanos().saturating_sub(started),
            std::sync::atomic::Ordering::Relaxed,
        );
        script
    }

    /// The last assignment of `name` that starts before byte `before` of `src` (the
    /// parsed text; source order, not control flow: a branch's assignment counts).
    pub fn assignment_before(&self, src: &str, name: &str, before: usize) -> Option<&Assignment> {
        self.assignments
            .iter()
            .filter(|a| a.span.start < before && src.get(a.name.start..a.name.end) == Some(name))
            .max_by_key(|a| a.span.start)
    }

    /// Whether a command of the script has one of `names` as its base name
    /// ([`Command::base_name`]); the exact test behind a [`Names`] filter built from
    /// the same list (`Names::of(names)`), so that the two cannot disagree.
    pub fn runs_any(&self, names: &[&str]) -> bool {
        self.commands.iter().any(|c| names.contains(&c.base_name()))
    }

    /// Commands in a given list item.
    pub fn item_commands(&self, list: usize, item: usize) -> impl Iterator<Item = &Command> {
        self.lists
            .get(list)
            .and_then(|l| l.items.get(item))
            .map(|i| i.commands.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(|&c| self.commands.get(c))
    }

    /// The `||` fallback items that follow item `item` of list `list`, if any.
    pub fn or_fallbacks(&self, list: usize, item: usize) -> Vec<usize> {
        let Some(l) = self.lists.get(list) else {
            return vec![];
        };
        let mut out = vec![];
        let mut i = item + 1;
        while let Some(it) = l.items.get(i) {
            if it.op == Some(Op::Or) {
                out.push(i);
            }
            i += 1;
        }
        out
    }
}

/// Shell names whose bodies are bash-compatible enough to parse as bash.
pub fn is_posix_shell(shell: Option<&str>) -> bool {
    match shell.map(str::trim) {
        None => true,
        Some(s) => {
            let first = s.split_whitespace().next().unwrap_or("");
            let base = first.rsplit('/').next().unwrap_or(first);
            matches!(base, "bash" | "sh" | "dash" | "zsh" | "ksh")
        }
    }
}

/// True when the shell runs with errexit: GitHub's default `bash -e {0}`, `sh -e {0}`,
/// `shell: bash` (expands to `bash --noprofile --norc -eo pipefail {0}`).
pub fn shell_has_errexit(shell: Option<&str>) -> bool {
    match shell.map(str::trim) {
        None | Some("bash") | Some("sh") => true,
        Some(s) => s
            .split_whitespace()
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('e')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Script) -> Vec<String> {
        s.commands.iter().map(|c| c.argv_text()).collect()
    }

    #[test]
    fn simple_and_or_lists() {
        let s = Script::parse("npm ci\nnpm test || echo \"no tests\"\n");
        assert_eq!(names(&s), vec!["npm ci", "npm test", "echo no tests"]);
        let t = &s.commands[1];
        assert_eq!(s.lists[t.list].items.len(), 2);
        assert_eq!(s.lists[t.list].items[1].op, Some(Op::Or));
        assert_eq!(s.or_fallbacks(t.list, t.item), vec![1]);
    }

    /// The name filter holds every base name of the parsed commands (those of
    /// substitutions, pipelines and bodies too), so a rule that skips a script on
    /// its "no" never skips a command it looks for; most other names are "no".
    #[test]
    fn name_filter_holds_every_command_name() {
        let src = "set -e\n/usr/bin/curl -k x | sudo bash\necho \"$(sleep 5)\" || true\nif read -r x; then ./run.sh; fi\nf() { npm ci; }\n";
        let s = Script::parse(src);
        assert!(s.commands.len() >= 9, "{:?}", names(&s));
        for c in &s.commands {
            assert!(
                s.names.any_of(Names::of(&[c.base_name()])),
                "{}",
                c.base_name()
            );
        }
        let common = [
            "git", "docker", "make", "cargo", "python", "wget", "ls", "cd", "mkdir", "cp",
        ];
        let no = common
            .iter()
            .filter(|n| !s.names.any_of(Names::of(&[n])))
            .count();
        assert!(no >= 7, "{no} of {} common names are \"no\"", common.len());
        let one = Script::parse("docker build .\n");
        assert!(!one
            .names
            .any_of(Names::of(&["sleep", "curl", "true", ":", "set"])));
        // Not parsed: any name.
        assert!(Script::default().names.any_of(Names::of(&["anything"])));
        assert!(!Names::NONE.any_of(Names::of(&["x"])));
    }

    #[test]
    fn chains_flatten_left_to_right() {
        let s = Script::parse("a && b || c || d");
        let l = &s.lists[0];
        let ops: Vec<_> = l.items.iter().map(|i| i.op).collect();
        assert_eq!(ops, vec![None, Some(Op::And), Some(Op::Or), Some(Op::Or)]);
    }

    #[test]
    fn conditions_and_substitutions() {
        let s = Script::parse("if grep -q x f; then\n  echo yes\nfi\nV=$(git rev-parse HEAD)\n");
        let grep = s.commands.iter().find(|c| c.name() == "grep").unwrap();
        assert!(grep.in_condition);
        let echo = s.commands.iter().find(|c| c.name() == "echo").unwrap();
        assert!(!echo.in_condition);
        let git = s.commands.iter().find(|c| c.name() == "git").unwrap();
        assert!(git.in_substitution);
    }

    #[test]
    fn redirects_and_spans() {
        let src = "read -p 'Continue?' answer < /dev/null\n";
        let s = Script::parse(src);
        let r = &s.commands[0];
        assert_eq!(r.name(), "read");
        assert!(r.stdin_redirected());
        assert_eq!(
            &src[r.words[2].span.start..r.words[2].span.end],
            "'Continue?'"
        );
        assert_eq!(r.words[2].text, "Continue?");
    }

    #[test]
    fn pipelines_and_subshells() {
        let s = Script::parse("curl -sSL https://x | bash\n(make build; make test) || true\n");
        assert_eq!(s.lists[0].items[0].commands.len(), 2);
        assert!(s.lists[0].items[0].pipeline);
        let l = &s.lists[1];
        assert_eq!(l.items[0].commands.len(), 2);
        assert_eq!(l.items[1].op, Some(Op::Or));
    }

    #[test]
    fn comments_kept() {
        let s = Script::parse("# TODO: deploy\necho hi # trailing\n");
        assert_eq!(s.comments.len(), 2);
        assert!(s.comments[0].text.contains("TODO"));
    }

    #[test]
    fn test_command_words() {
        let s = Script::parse("if [ $? -eq 0 ]; then echo ok; fi");
        let t = &s.commands[0];
        assert!(t.words.iter().any(|w| w.text == "$?"), "{:?}", t.words);
    }

    #[test]
    fn shells() {
        assert!(is_posix_shell(None));
        assert!(is_posix_shell(Some("bash")));
        assert!(!is_posix_shell(Some("pwsh")));
        assert!(!is_posix_shell(Some("python")));
        assert!(shell_has_errexit(None));
        assert!(!shell_has_errexit(Some("bash {0}")));
        assert!(shell_has_errexit(Some("bash -e {0}")));
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in ["((((", "if then fi", "$(", "<<EOF", "`", "a |", "case x in"] {
            let _ = Script::parse(s);
        }
        let deep = "$(".repeat(5000);
        let _ = Script::parse(&deep);
    }
}
