//! `pipewise fix` end to end: --diff changes nothing, a run writes the fixes, a
//! second run has nothing left to do, --unsafe gates unsafe fixes, exit codes.

mod support;

use std::fs;
use support::pipewise;

const WF: &str = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest # keep\n    steps:\n      - uses: actions/checkout@v4.2.2\n      - run: npm test || true\n";

fn repo() -> tempfile::TempDir {
    support::repo(&[(".github/workflows/ci.yml", WF)])
}

#[test]
fn diff_prints_and_changes_nothing() {
    let dir = repo();
    let out = pipewise()
        .args(["fix", "--diff", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("--- a/.github/workflows/ci.yml"), "{diff}");
    assert!(
        diff.contains("+          persist-credentials: false"),
        "{diff}"
    );
    assert!(
        diff.contains(
            "+      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"
        ),
        "{diff}"
    );
    // `|| true` removal is unsafe: not without --unsafe.
    assert!(!diff.contains("-      - run: npm test || true"), "{diff}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs --unsafe"), "{stderr}");
    assert_eq!(
        fs::read_to_string(dir.path().join(".github/workflows/ci.yml")).expect("read"),
        WF
    );
}

#[test]
fn fixes_in_place_then_nothing_is_left() {
    let dir = repo();
    let first = pipewise()
        .args(["fix", "--unsafe", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(first.status.success());
    let text = fs::read_to_string(dir.path().join(".github/workflows/ci.yml")).expect("read");
    assert!(text.contains("runs-on: ubuntu-latest # keep\n"), "{text}");
    assert!(text.contains("      - run: npm test\n"), "{text}");
    assert!(text.contains("persist-credentials: false"), "{text}");
    let second = pipewise()
        .args(["fix", "--unsafe", "--diff", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(
        second.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
}

#[test]
fn exit_codes_follow_audit() {
    let dir = repo();
    // The masked test failure (high) remains without --unsafe: exit 1.
    pipewise()
        .args(["fix", "--diff"])
        .arg(dir.path())
        .assert()
        .code(1);
    pipewise()
        .args(["fix", "--rule", "no/such-rule"])
        .arg(dir.path())
        .assert()
        .code(2);
    pipewise()
        .args(["fix", "--rule", "reliability/missing-file"])
        .arg(dir.path())
        .assert()
        .code(2);
}

/// A GitHub API stand-in on 127.0.0.1: answers each request with `respond(path)`
/// and logs `path auth=… accept=…` per request.
struct Mock {
    url: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

fn mock(respond: fn(&str) -> (u16, &'static str, String)) -> Mock {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let log = std::sync::Arc::new(std::sync::Mutex::new(vec![]));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let (mut auth, mut accept) = (String::new(), String::new());
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap_or((&h, ""));
                match k.trim().to_ascii_lowercase().as_str() {
                    "authorization" => auth = v.trim().to_string(),
                    "accept" => accept = v.trim().to_string(),
                    _ => {}
                }
            }
            let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
            seen.lock()
                .expect("log")
                .push(format!("{path} auth={auth} accept={accept}"));
            let (code, headers, body) = respond(&path);
            let _ = write!(
                stream,
                "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
                body.len()
            );
        }
    });
    Mock { url, log }
}

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const THIRD_PARTY: &str = "on: push\npermissions: {}\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: example-org/deploy-action@v1.2.3\n      - uses: example-org/notify-action@v2.0.0\n";

fn online_fix(m: &Mock, extra: &[&str]) -> std::process::Output {
    let dir = support::repo(&[(".github/workflows/ci.yml", THIRD_PARTY)]);
    pipewise()
        .args(["fix", "--diff", "--rule", "security/unpinned-action"])
        .args(extra)
        .arg(dir.path())
        .env("PIPEWISE_GITHUB_API", &m.url)
        .env("GH_TOKEN", "test-token")
        .env_remove("GITHUB_TOKEN")
        .output()
        .expect("runs")
}

#[test]
fn online_resolves_tags_through_the_api_and_only_with_the_flag() {
    let m = mock(|path| match path {
        "/repos/example-org/deploy-action/commits/v1.2.3" => (200, "", SHA.to_string()),
        _ => (404, "", "{\"message\":\"Not Found\"}".to_string()),
    });
    // Without --online: no request, nothing pinned (neither tag is in the table).
    let off = online_fix(&m, &[]);
    assert!(m.log.lock().expect("log").is_empty());
    assert!(String::from_utf8_lossy(&off.stdout).is_empty());
    let on = online_fix(&m, &["--online"]);
    let diff = String::from_utf8_lossy(&on.stdout);
    assert!(
        diff.contains(&format!(
            "+      - uses: example-org/deploy-action@{SHA} # v1.2.3\n"
        )),
        "{diff}\n{}",
        String::from_utf8_lossy(&on.stderr)
    );
    // The unknown tag stays as it is.
    assert!(
        !diff.contains("+      - uses: example-org/notify-action"),
        "{diff}"
    );
    let log = m.log.lock().expect("log").clone();
    assert!(
        log.contains(&"/repos/example-org/deploy-action/commits/v1.2.3 auth=Bearer test-token accept=application/vnd.github.sha".to_string()),
        "{log:?}"
    );
    assert_eq!(log.len(), 2, "{log:?}");
}

#[test]
fn online_stops_at_the_rate_limit_and_says_so() {
    let m = mock(|_| {
        (
            403,
            "x-ratelimit-remaining: 0\r\nx-ratelimit-reset: 1900000000\r\n",
            "{\"message\":\"API rate limit exceeded\"}".to_string(),
        )
    });
    let out = online_fix(&m, &["--online"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("warning: GitHub API rate limit reached (it resets at Unix time 1900000000)"),
        "{stderr}"
    );
    // One request: after the limit, none.
    assert_eq!(m.log.lock().expect("log").len(), 1);
    assert!(String::from_utf8_lossy(&out.stdout).is_empty());
}

/// The bulk-fix commands the reports print (`summary.groups[].command`) run as
/// printed: the CLI accepts each (exit 0, not 2 for an unknown or unfixable rule)
/// and proposes a fix for its rule on the repository they were printed for (except
/// seed-000's one `reliability/toolchain-drift` finding: its version is a matrix
/// value, which the fixer leaves alone; the reports say "automatic where it can").
#[test]
fn the_reports_bulk_fix_commands_are_accepted() {
    let seed = support::workspace().join("tests/repos/seed-000");
    let out = support::succeeds(
        pipewise()
            .args(["audit", "--format", "json", "--fail-on", "none"])
            .arg(&seed),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let groups = report["repositories"][0]["summary"]["groups"]
        .as_array()
        .expect("summary.groups");
    let commands: Vec<&str> = groups
        .iter()
        .filter_map(|g| g["command"].as_str())
        .collect();
    assert!(commands.len() >= 5, "{commands:?}");
    for c in commands {
        let args: Vec<&str> = c.split(' ').collect();
        assert_eq!(args[..2], ["pipewise", "fix"], "{c}");
        let rule = args.last().copied().unwrap_or_default();
        let run = pipewise()
            .args(&args[1..])
            .args(["--diff", "--fail-on", "none"])
            .arg(&seed)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{c}: {stderr}");
        assert!(
            rule == "reliability/toolchain-drift"
                || stderr.contains(&format!(": {rule}: would fix: ")),
            "{c} proposes no fix: {stderr}"
        );
    }
}
