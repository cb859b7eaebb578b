//! `container/compose-exposed-port`: a database, cache, search or admin port
//! published on all interfaces (`"5432:5432"` instead of `"127.0.0.1:5432:5432"`).

use super::{compose_services, is_dev_compose, service_image, svc_get};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;
use pipewise_yaml::Node;

pub struct ComposeExposedPort;

pub static META: RuleMeta = RuleMeta {
    id: "container/compose-exposed-port",
    title: "Database or admin port published on all interfaces",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A compose service publishes a database, cache, search, message-broker, Docker API or admin-UI port without binding it to `127.0.0.1`.",
    impact: "Docker's published ports bypass host firewalls such as ufw, so the database or admin UI is reachable from the network (or the internet) with whatever credentials the compose file holds.",
    doc: r#"
## Why it matters
`ports: ["5432:5432"]` listens on `0.0.0.0`. Docker inserts its own iptables rules,
so `ufw deny 5432` does not help: the database is reachable by anyone who can reach
the host. Exposed Redis, MongoDB and Elasticsearch instances are among the most
common causes of data breaches, and the Docker API on 2375 is remote root.
Services only need to reach each other on the compose network (no `ports:` at all);
a developer who wants a local client binds to `127.0.0.1`.

Reported: container ports 5432, 3306, 1433, 1521, 27017, 6379, 11211, 9200, 9300,
5601, 5672, 15672, 9092 (Kafka), 2181 (ZooKeeper), 9042, 7474, 8086, 5984, 8123, 2379, 8500, 8001/8444 (Kong admin),
2375/2376 (Docker API, high), and every port of admin UIs (Adminer, pgAdmin,
phpMyAdmin, mongo-express, redis-commander, Portainer) and Traefik's dashboard
(8080). Files meant for development, tests or CI (by name or folder) are **low**.
A host IP given by a variable is not reported.

## Bad
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "5432:5432"
```

## Good
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "127.0.0.1:5432:5432"   # or no ports at all: other services use db:5432
```
"#,
    fix: FixMeta {
        description: "Remove the published port (services reach each other by name) or bind it to the loopback interface.",
        snippet: "    ports:\n      - \"127.0.0.1:5432:5432\"",
        effort_minutes: 5,
    },
    references: &[
        "https://docs.docker.com/engine/network/packet-filtering-firewalls/#docker-and-ufw",
        "CIS Docker Benchmark 5.13 (bind incoming traffic to a specific host interface)",
    ],
};

fn port_service(port: u32) -> Option<&'static str> {
    Some(match port {
        5432 => "PostgreSQL",
        3306 => "MySQL",
        1433 => "SQL Server",
        1521 => "Oracle",
        27017 => "MongoDB",
        6379 => "Redis",
        11211 => "Memcached",
        9200 | 9300 => "Elasticsearch",
        5601 => "Kibana",
        5672 => "RabbitMQ",
        15672 => "RabbitMQ management",
        9042 => "Cassandra",
        7474 => "Neo4j",
        8086 => "InfluxDB",
        5984 => "CouchDB",
        8123 => "ClickHouse",
        2379 => "etcd",
        8500 => "Consul",
        8001 | 8444 => "Kong admin API",
        9092 => "Kafka",
        2181 => "ZooKeeper",
        2375 | 2376 => "Docker API",
        _ => return None,
    })
}

const ADMIN_IMAGES: &[(&str, &str)] = &[
    ("adminer", "Adminer"),
    ("pgadmin", "pgAdmin"),
    ("phpmyadmin", "phpMyAdmin"),
    ("mongo-express", "mongo-express"),
    ("redis-commander", "redis-commander"),
    ("redisinsight", "RedisInsight"),
    ("portainer", "Portainer"),
];

/// `(host_ip, container_port)` of a short-syntax port, `None` for container-only
/// ports (random host port) and what cannot be parsed.
fn parse_short(s: &str) -> Option<(String, String)> {
    let s = s.trim();
    let s = s.split('/').next().unwrap_or(s);
    let (ip, rest) = if let Some(r) = s.strip_prefix('[') {
        let (ip, rest) = r.split_once(']')?;
        (ip.to_string(), rest.trim_start_matches(':'))
    } else {
        (String::new(), s)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    match (ip.is_empty(), parts.as_slice()) {
        (true, [ip, _host, container]) => Some((ip.to_string(), container.to_string())),
        (_, [_host, container]) => Some((ip, container.to_string())),
        _ => None,
    }
}

fn is_loopback(ip: &str) -> bool {
    let ip = ip.trim();
    ip.starts_with("127.") || ip == "::1" || ip == "localhost"
}

/// First port of `5432` or `5432-5433`.
fn first_port(s: &str) -> Option<u32> {
    s.split('-').next()?.trim().parse().ok()
}

impl Rule for ComposeExposedPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads Dockerfiles and compose files (its `file` hook), whatever CI runs them:
    /// its workflow, job and step hooks see no platform's workflows.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        &[]
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        let dev = is_dev_compose(&f.path);
        for svc in compose_services(f) {
            let name = svc.key.as_str().unwrap_or("?");
            let image = service_image(&svc.value);
            let admin = ADMIN_IMAGES
                .iter()
                .find(|(k, _)| image.contains(k))
                .map(|(_, n)| *n);
            let traefik = image.contains("traefik");
            let Some(ports) = svc_get(&svc.value, "ports").and_then(|p| p.as_seq()) else {
                continue;
            };
            for p in ports {
                let (ip, container) = match p.as_str() {
                    Some(s) => match parse_short(s) {
                        Some(x) => x,
                        None => continue,
                    },
                    None => {
                        let get =
                            |k: &str| p.get(k).and_then(Node::as_str).unwrap_or("").to_string();
                        if get("published").is_empty() {
                            continue;
                        }
                        (get("host_ip"), get("target"))
                    }
                };
                let all = ip.is_empty() || ip == "0.0.0.0" || ip == "::";
                if ip.contains('$') || is_loopback(&ip) || !all {
                    continue;
                }
                let Some(port) = first_port(&container) else {
                    continue;
                };
                let what = match (port_service(port), admin) {
                    (_, Some(a)) => a,
                    (Some(w), None) => w,
                    (None, None) if traefik && port == 8080 => "Traefik dashboard",
                    _ => continue,
                };
                let sev = if port == 2375 || port == 2376 {
                    Severity::High
                } else if dev {
                    Severity::Low
                } else {
                    Severity::Medium
                };
                cx.report(
                    &META,
                    &f.path,
                    p.span,
                    format!("Service `{name}` publishes its {what} port {port} on all interfaces; bind it to `127.0.0.1` or drop the mapping."),
                )
                .severity(sev);
            }
        }
    }
}
