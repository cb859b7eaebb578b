//! `reliability/localhost-without-server`: a job probes `localhost` (curl, k6, ZAP,
//! Schemathesis, Dredd, newman, …) but nothing in the job starts a server there: no
//! service container, no background process, no `docker run -d`/`compose up`.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::github::security::common::env_value;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::shell::Command;
use crate::workflow::{Job, Step, Workflow};
use pipewise_yaml::Node;

pub struct LocalhostWithoutServer;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/localhost-without-server",
    title: "Job tests `localhost` but never starts a server",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Testing,
    summary: "A step sends requests to `localhost`/`127.0.0.1` (curl, wget, k6, OWASP ZAP, Schemathesis, Dredd, newman, artillery, …) in a job with no service container and no earlier step that starts a server (a background process, `nohup`, `docker run -d`, `docker compose up`, `npm start`, a local script or action).",
    impact: "Each job runs on a fresh runner: nothing is listening, so the load, contract or security test fails on a refused connection — or, when its failure is tolerated, reports success without having tested anything.",
    doc: r#"
## Why it matters
A server started in one job does not exist in the next: every job gets a new virtual
machine. Load tests (k6), contract tests (Dredd, Schemathesis), DAST scans (ZAP) and
smoke tests against `http://localhost:…` need the application started in the same job
— as a service container, a background process or a compose stack — before they run.
The hand-written audits this project grew from found exactly this: contract and load
jobs pointed at `localhost:8080` that no step of the job ever started.

pipewise looks at every step before the probe: a service container with the probed
port, a command sent to the background (`&`, `nohup`, `setsid`), `docker run -d`,
`docker compose up`, `kubectl port-forward`, `npm start`/`npm run dev|serve|preview`,
known servers (`uvicorn`, `flask run`, `python -m http.server`, …), or anything it cannot
see into (a repository script, `make`, a non-setup action) counts as starting one.

## Bad
```yaml
  k6:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: grafana/setup-k6-action@v1
      - run: k6 run --env API_URL=http://localhost:8080 tests/load.js
```

## Good
```yaml
  k6:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - run: |
          docker compose up -d --wait api
      - uses: grafana/setup-k6-action@db07bd9765aac508ef18982e52ab937fe633a065 # v1.2.1
      - run: k6 run --env API_URL=http://localhost:8080 tests/load.js
```
"#,
    fix: FixMeta {
        description: "Start the application in the same job before the test (a service container, `docker compose up -d --wait`, or a background process followed by a readiness loop that fails when it never becomes ready).",
        snippet: "- run: |\n    ./target/release/api > api.log 2>&1 &\n    for i in $(seq 30); do curl -fsS http://localhost:8080/healthz && exit 0; sleep 2; done\n    exit 1",
        effort_minutes: 20,
    },
    references: &["https://docs.github.com/en/actions/use-cases-and-examples/using-containerized-services/about-service-containers"],
};

/// Commands that send requests to a URL given on their command line.
const PROBES: &[&str] = &[
    "curl",
    "wget",
    "http",
    "https",
    "k6",
    "dredd",
    "st",
    "schemathesis",
    "newman",
    "artillery",
    "ab",
    "wrk",
    "hey",
    "vegeta",
    "locust",
    "nuclei",
    "lhci",
    "lighthouse",
    "pa11y",
    "zap-baseline.py",
    "zap-full-scan.py",
    "zap-api-scan.py",
    "wait-on",
];

/// Actions that scan or load-test a `target`-style input.
const PROBE_ACTIONS: &[(&str, &str)] = &[
    ("zaproxy/action-baseline", "target"),
    ("zaproxy/action-full-scan", "target"),
    ("zaproxy/action-api-scan", "target"),
];

/// Actions that only set up tools or fetch code: they start nothing.
fn inert_action(a: &str) -> bool {
    a == "actions/checkout"
        || a.starts_with("actions/setup-")
        || a.contains("/setup-")
        || a.ends_with("-toolchain")
        || matches!(
            a,
            "actions/cache"
                | "actions/upload-artifact"
                | "actions/download-artifact"
                | "actions/github-script"
                | "swatinem/rust-cache"
                | "dtolnay/rust-toolchain"
                | "docker/login-action"
                | "docker/setup-buildx-action"
                | "docker/setup-qemu-action"
        )
}

const LOCAL: &[&str] = &["localhost", "127.0.0.1", "0.0.0.0", "[::1]"];

fn is_local(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    LOCAL.iter().any(|h| {
        l.match_indices(h).any(|(i, _)| {
            let before = l[..i].chars().last();
            let after = l[i + h.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
    })
}

/// The port in a local URL, if written (`http://localhost:8080/x` → 8080).
fn port(s: &str) -> Option<u16> {
    let l = s.to_ascii_lowercase();
    LOCAL.iter().find_map(|h| {
        let i = l.find(h)?;
        let rest = l.get(i + h.len()..)?.strip_prefix(':')?;
        rest.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok()
    })
}

/// The local URL a word names, directly or through an environment variable bound in
/// the workflow (`$API_URL`, `${API_URL}`, `${{ env.API_URL }}`).
fn local_target(wf: &Workflow, job: &Job, step: &Step, word: &str) -> Option<String> {
    if is_local(word) {
        return Some(word.to_string());
    }
    let name = if let Some(i) = word.find("env.") {
        &word[i + 4..]
    } else {
        let i = word.find('$')?;
        word[i + 1..].trim_start_matches('{')
    };
    let name: String = name
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() {
        return None;
    }
    let v = env_value(Some(wf), Some(job), step, &name)?.as_str()?;
    is_local(v).then(|| v.to_string())
}

/// The inner command of `npx`/`bunx`/`pnpm dlx`/`sudo` (`npx --yes dredd@14 …` → `dredd`).
fn probe_name(c: &Command) -> String {
    let n = c.base_name();
    if matches!(n, "npx" | "bunx" | "sudo" | "pipx" | "uvx") {
        if let Some(w) = c
            .args()
            .iter()
            .find(|w| !w.text.starts_with('-') && w.text != "run")
        {
            let t = w.text.rsplit('/').next().unwrap_or(&w.text);
            return t.split('@').next().unwrap_or(t).to_string();
        }
    }
    n.to_string()
}

/// The first local probe of a step: (span in the file, description, port).
fn probe(wf: &Workflow, job: &Job, step: &Step) -> Option<(Span, String, Option<u16>)> {
    if let Some(a) = step.action() {
        for (name, input) in PROBE_ACTIONS {
            if a == *name {
                let w = step.with?.get(input)?;
                let t = local_target(wf, job, step, w.as_str()?)?;
                return Some((w.span, format!("`{a}` scans `{t}`"), port(&t)));
            }
        }
        return None;
    }
    let run = step.run.as_ref()?;
    let script = run.script.as_ref()?;
    for c in &script.commands {
        let n = probe_name(c);
        if !PROBES.contains(&n.as_str()) {
            continue;
        }
        for w in c.args() {
            if let Some(t) = local_target(wf, job, step, &w.text) {
                return Some((
                    run.source_span(wf.doc, c.span),
                    format!("`{n}` sends requests to `{t}`"),
                    port(&t),
                ));
            }
        }
    }
    None
}

/// Whether the text after a command sends it to the background (`cmd &`, not `&&`).
fn backgrounded(text: &str, c: &Command) -> bool {
    let rest = text.get(c.span.end..).unwrap_or("");
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.starts_with('&') && !rest.starts_with("&&") && !rest.starts_with("&>")
}

fn starts_server_cmd(text: &str, c: &Command) -> bool {
    if backgrounded(text, c) {
        return true;
    }
    let n = c.base_name();
    let args: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    let has = |a: &str| args.contains(&a);
    let first = args.first().copied().unwrap_or("");
    let script_name = |i: usize| args.get(i).copied().unwrap_or("");
    let serverish = |s: &str| {
        [
            "start", "serve", "dev", "preview", "up", "server", "run:", "docker",
        ]
        .iter()
        .any(|k| s.contains(k))
    };
    match n {
        "nohup"
        | "setsid"
        | "daemonize"
        | "pm2"
        | "forever"
        | "supervisord"
        | "systemctl"
        | "service"
        | "kubectl"
        | "minikube"
        | "kind"
        | "k3d"
        | "tilt"
        | "skaffold"
        | "helm"
        | "uvicorn"
        | "gunicorn"
        | "hypercorn"
        | "flask"
        | "http-server"
        | "serve"
        | "start-server-and-test"
        | "concurrently"
        | "docker-compose"
        | "podman-compose"
        | "vagrant"
        | "localstack"
        | "sam"
        | "func"
        | "wrangler"
        | "netlify"
        | "vercel" => true,
        "docker" | "podman" => {
            matches!(
                first,
                "run" | "start" | "compose" | "container" | "stack" | "swarm"
            )
        }
        "npm" | "yarn" | "pnpm" | "bun" => {
            serverish(first) || (matches!(first, "run" | "run-script") && serverish(script_name(1)))
        }
        "python" | "python3" => {
            has("http.server")
                || args
                    .iter()
                    .any(|a| a.contains("manage.py") && has("runserver"))
        }
        "php" => has("-S"),
        "rails" | "bin/rails" => matches!(first, "s" | "server"),
        "java" => has("-jar"),
        "mvn" | "./mvnw" | "gradle" | "./gradlew" => args
            .iter()
            .any(|a| a.contains("spring-boot:run") || a.contains("bootRun")),
        "dotnet" | "cargo" | "go" => first == "run",
        // What a repository script, `make` or a task runner does is not visible here.
        "make" | "just" | "task" | "bash" | "sh" | "source" | "." => true,
        _ => c.name().starts_with("./") || c.name().contains('/'),
    }
}

/// A step that (may) start something listening on the runner.
fn starts_server(step: &Step) -> bool {
    if let Some(a) = step.action() {
        return !inert_action(a);
    }
    if step.uses.is_some() {
        // `./local-action` or `docker://…`: opaque.
        return true;
    }
    let Some(run) = &step.run else { return false };
    let Some(script) = &run.script else {
        return true;
    };
    script
        .commands
        .iter()
        .any(|c| starts_server_cmd(run.text, c))
}

/// Published ports of the job's service containers; `None` entry when a service
/// publishes no literal port (it may still listen somewhere).
fn service_ports(job: &Job) -> Option<Vec<Option<u16>>> {
    let services = job.get("services")?.as_map()?;
    let mut out = vec![];
    for s in services {
        let ports = s.value.get("ports").and_then(Node::as_seq).unwrap_or(&[]);
        if ports.is_empty() {
            out.push(None);
        }
        for p in ports {
            let text = p.as_str().unwrap_or("");
            out.push(text.split(':').next().and_then(|h| h.trim().parse().ok()));
        }
    }
    Some(out)
}

impl Rule for LocalhostWithoutServer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if job.uses.is_some() || job.get("container").is_some() {
            return;
        }
        let services = service_ports(job);
        for (i, step) in job.steps.iter().enumerate() {
            let Some((span, what, port)) = probe(wf, job, step) else {
                continue;
            };
            let served = match (&services, port) {
                (Some(ps), Some(p)) => ps.iter().any(|x| x.is_none() || *x == Some(p)),
                (Some(_), None) => true,
                (None, _) => false,
            };
            if served || job.steps[..i].iter().any(starts_server) {
                return;
            }
            // The probe's own script may start the server before it.
            if let Some(run) = &step.run {
                if let Some(script) = &run.script {
                    let at = span.start;
                    if script.commands.iter().any(|c| {
                        run.source_span(wf.doc, c.span).start < at && starts_server_cmd(run.text, c)
                    }) {
                        return;
                    }
                }
            }
            cx.report(
                &META,
                wf.path,
                span,
                format!(
                    "{what}, but job `{}` has no service container{} and no earlier step starts a server; each job runs on a fresh runner, so nothing is listening there.",
                    job.id,
                    if services.is_some() { " on that port" } else { "" }
                ),
            )
            .job(Some(job.id))
            .step(Some(step.label()));
            return;
        }
    }
}
