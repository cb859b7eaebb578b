//! A libFuzzer-free fuzz driver, for toolchains where cargo-fuzz cannot run
//! (no nightly): mutates the seed corpus at random (bit flips, byte edits, splices,
//! inserted syntax tokens, repeated chunks) and runs a target on every input, catching
//! panics. Crashes are saved under `fuzz/artifacts/TARGET/`; slow inputs are reported.
//!
//! Usage: `cargo run --release -p pipewise-fuzz --bin fuzz_driver -- TARGET SECONDS [SEED]`
//! (TARGET: yaml_model, yaml_fast, expr, shell, dockerfile; the corpus is `fuzz/corpus/TARGET/`).
//! `fuzz_driver TARGET --replay FILE...` runs the target on given files.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// An input running longer than this is a hang.
const HANG_SECS: u64 = 10;
static ORIGIN: OnceLock<Instant> = OnceLock::new();

/// Tokens that steer the mutations towards interesting syntax.
const TOKENS: &[&[u8]] = &[
    b"${{",
    b"}}",
    b"${{ github.event.issue.title }}",
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"[",
    b"]",
    b"{",
    b"}",
    b"- ",
    b": ",
    b"\n  ",
    b"\n    - run: ",
    b"|\n",
    b">-\n",
    b"\"",
    b"'",
    b"\\",
    b"$(",
    b")",
    b"`",
    b"<<EOF\n",
    b"\nEOF\n",
    b"&&",
    b"||",
    b"|",
    b";",
    b"#",
    b"\t",
    b"\r\n",
    b"\xEF\xBB\xBF",
    b"\xF0\x9F\x92\xA9",
    b"!!binary ",
    b"? ",
    b"---\n",
    b"...\n",
    b"fromJSON(",
    b"format('{0}', ",
    b"RUN ",
    b"FROM ",
    b"\\\n",
    b"# syntax=",
    b"--mount=",
    b"ONBUILD ",
    b"jobs:\n  a:\n    steps:\n",
    b"on: push\n",
    b"uses: a/b@v1",
    b"if: ",
    b"shell: bash\n",
    b"eval ",
    b"set -e\n",
    b"case x in\n",
    b"esac",
    b"for i in",
    b"done",
];

/// xorshift64*: small, seedable, good enough for mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        let len = input.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below(16.min(len - i));
                input.drain(i..i + n);
            }
            3 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(len + 1);
                input.splice(i..i, t.iter().copied());
            }
            4 if len > 0 => {
                // Repeat a chunk (deep nesting, long lines).
                let i = rng.below(len);
                let n = 1 + rng.below(32.min(len - i));
                let chunk: Vec<u8> = input[i..i + n].to_vec();
                let times = 1 + rng.below(64);
                for _ in 0..times {
                    input.splice(i..i, chunk.iter().copied());
                }
            }
            5 if !corpus.is_empty() => {
                // Splice in part of another seed.
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let b = a + rng.below(other.len() - a + 1);
                    let i = rng.below(len + 1);
                    input.splice(i..i, other[a..b].iter().copied());
                }
            }
            6 if len > 1 => {
                // Swap two bytes (indentation, brackets).
                let (i, j) = (rng.below(len), rng.below(len));
                input.swap(i, j);
            }
            7 if len > 0 => {
                input.truncate(rng.below(len));
            }
            _ => {
                let i = rng.below(len + 1);
                input.insert(i, b" \n-:[]{}\"'$|&;#*&!%@`\\"[rng.below(22)]);
            }
        }
        if input.len() > 256 * 1024 {
            input.truncate(256 * 1024);
        }
    }
}

fn load_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(name) = args.first() else {
        eprintln!("usage: fuzz_driver TARGET SECONDS [SEED] | fuzz_driver TARGET --replay FILE...");
        std::process::exit(2);
    };
    let Some(&(_, target)) = pipewise_fuzz::TARGETS.iter().find(|(n, _)| n == name) else {
        eprintln!("unknown target {name}");
        std::process::exit(2);
    };
    if args.get(1).map(String::as_str) == Some("--replay") {
        let mut failed = 0;
        for f in &args[2..] {
            let data = std::fs::read(f).unwrap_or_default();
            let ok = catch_unwind(AssertUnwindSafe(|| target(&data))).is_ok();
            println!("{f}: {}", if ok { "ok" } else { "PANIC" });
            failed += usize::from(!ok);
        }
        std::process::exit(i32::from(failed > 0));
    }
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let corpus = load_corpus(&fuzz_dir().join("corpus").join(name));
    if corpus.is_empty() {
        eprintln!("no seeds in fuzz/corpus/{name}");
        std::process::exit(2);
    }
    // Panics are expected and counted; keep stderr readable.
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed | 1);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut execs, mut crashes, mut slowest) = (0u64, 0u64, Duration::ZERO);
    let mut slow_inputs = 0u64;
    let artifacts = fuzz_dir().join("artifacts").join(name);
    // Watchdog: an input running for over HANG_SECS is saved as `hang-*` and the run
    // stops (a hang cannot be caught like a panic).
    let current: Arc<Mutex<Vec<u8>>> = Arc::default();
    let started_ms = Arc::new(AtomicU64::new(u64::MAX));
    {
        let (current, started_ms, artifacts) =
            (current.clone(), started_ms.clone(), artifacts.clone());
        let origin = Instant::now();
        let _ = ORIGIN.set(origin);
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let s = started_ms.load(Ordering::Relaxed);
            let now = origin.elapsed().as_millis() as u64;
            if s != u64::MAX && now.saturating_sub(s) > HANG_SECS * 1000 {
                let input = current.lock().map(|g| g.clone()).unwrap_or_default();
                let _ = std::fs::create_dir_all(&artifacts);
                let path = artifacts.join(format!("hang-{now}"));
                let _ = std::fs::write(&path, &input);
                println!(
                    "HANG: one input ran over {HANG_SECS} s; saved to {}",
                    path.display()
                );
                std::process::exit(3);
            }
        });
    }
    // Seeds first, unmutated.
    let mut queue: Vec<Vec<u8>> = corpus.clone();
    while Instant::now() < deadline {
        let input = match queue.pop() {
            Some(i) => i,
            None => {
                let mut i = corpus[rng.below(corpus.len())].clone();
                mutate(&mut rng, &mut i, &corpus);
                i
            }
        };
        if let Ok(mut g) = current.lock() {
            g.clear();
            g.extend_from_slice(&input);
        }
        let origin = ORIGIN.get().copied().unwrap_or_else(Instant::now);
        started_ms.store(origin.elapsed().as_millis() as u64, Ordering::Relaxed);
        let t = Instant::now();
        let ok = catch_unwind(AssertUnwindSafe(|| target(&input))).is_ok();
        let took = t.elapsed();
        started_ms.store(u64::MAX, Ordering::Relaxed);
        execs += 1;
        if took > slowest {
            slowest = took;
        }
        if took > Duration::from_secs(1) {
            slow_inputs += 1;
            let _ = std::fs::create_dir_all(&artifacts);
            let _ = std::fs::write(artifacts.join(format!("slow-{execs}")), &input);
        }
        if !ok {
            crashes += 1;
            let _ = std::fs::create_dir_all(&artifacts);
            let _ = std::fs::write(artifacts.join(format!("crash-{execs}")), &input);
        }
    }
    println!(
        "target {name}: {execs} execs in {secs} s ({:.0}/s), {crashes} crashes, {slow_inputs} inputs over 1 s, slowest {:.1} ms, seeds {}",
        execs as f64 / secs as f64,
        slowest.as_secs_f64() * 1000.0,
        corpus.len()
    );
    std::process::exit(i32::from(crashes > 0));
}
