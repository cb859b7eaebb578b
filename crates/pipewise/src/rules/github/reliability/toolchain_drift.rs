//! `reliability/toolchain-drift`: a workflow's Node, Python or Go version (literal,
//! or every value of the matrix key it uses) that disagrees with the repository's pin
//! file (`.nvmrc`, `.node-version`, `package.json` engines, `.python-version`,
//! `requires-python`, `go.mod`).

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::source::SourceFile;
use pipewise_yaml::Node;

pub struct ToolchainDrift;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/toolchain-drift",
    title: "CI toolchain version disagrees with the repository pin",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A setup action (`setup-node`, `setup-python`, `setup-go`) installs a version that the repository's pin file (`.nvmrc`, `.node-version`, `engines`, `.python-version`, `requires-python`, `go.mod`) does not allow.",
    impact: "CI tests on a runtime that production and developers do not use: version-specific bugs pass CI, or CI fails on code that is fine.",
    doc: r#"
## Why it matters
The pin file says which runtime the project runs on. When CI installs another one
(a matrix leg on Node 18 while `.nvmrc` says 20, Python 3.8 while `requires-python`
says `>=3.9`), the green build proves nothing about the runtime that ships, and the
two drift further apart with every upgrade.

## Bad
```yaml
# .nvmrc: 20
strategy:
  matrix:
    node-version: [18.x, 20.x]
steps:
  - uses: actions/setup-node@v4
    with:
      node-version: ${{ matrix.node-version }}
```

## Good
```yaml
- uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0
  with:
    node-version-file: .nvmrc
```
A library that supports several versions should say so in `engines.node`
(`">=18"`); versions inside that range are not reported.
"#,
    fix: FixMeta {
        description: "Read the version from the pin file, or widen the pin (engines) to the versions you support.",
        snippet: "- uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0\n  with:\n    node-version-file: .nvmrc",
        effort_minutes: 5,
    },
    references: &["seed: 000 HIGH-4"],
};

/// A version as (major, minor); minor is `None` when not given (`18.x`, `20`).
type Ver = (u64, Option<u64>);

fn parse_ver(s: &str) -> Option<Ver> {
    let s = s
        .trim()
        .trim_matches(['"', '\''])
        .trim_start_matches(['v', 'V', '=']);
    let mut parts = s.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = parts.next().and_then(|m| m.trim().parse().ok());
    Some((major, minor))
}

/// One comparator of a range: `>=18`, `<3.12`, `^20.1`, `~3.9`, `18.x`.
fn satisfies_one(v: Ver, comp: &str, with_minor: bool) -> bool {
    let comp = comp.trim();
    let (op, rest) = [">=", "<=", "==", "~=", "!=", ">", "<", "^", "~", "="]
        .iter()
        .find_map(|op| comp.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("", comp));
    let Some(b) = parse_ver(rest.trim_end_matches(".*").trim_end_matches(".x")) else {
        return true; // Unknown syntax: do not report.
    };
    let key = |x: Ver| {
        if with_minor {
            (x.0, x.1.unwrap_or(0))
        } else {
            (x.0, 0)
        }
    };
    let (vk, bk) = (key(v), key(b));
    // A version without minor (`3.x`, `18`) could be any minor: compare loosely.
    let loose = v.1.is_none() || !with_minor;
    match op {
        ">=" | "~=" => vk >= bk || loose && v.0 >= b.0,
        ">" => vk > bk || loose && v.0 > b.0 || (b.1.unwrap_or(0) > 0 && v.0 == b.0 && !with_minor),
        "<=" => vk <= bk || loose && v.0 <= b.0,
        "<" => vk < bk || loose && v.0 < b.0 || (!with_minor && b.1.unwrap_or(0) > 0 && v.0 == b.0),
        "!=" => vk != bk || loose,
        "^" => v.0 == b.0 && (vk >= bk || loose),
        "~" => v.0 == b.0 && (!with_minor || b.1.is_none() || v.1.is_none() || v.1 == b.1),
        _ => v.0 == b.0 && (!with_minor || b.1.is_none() || v.1.is_none() || v.1 == b.1),
    }
}

/// A range such as `>=18 <21 || ^22`, `>=3.9,<4`.
fn satisfies(v: Ver, range: &str, with_minor: bool) -> bool {
    range.split("||").any(|alt| {
        alt.split([',', ' '])
            .filter(|c| !c.trim().is_empty())
            .all(|c| satisfies_one(v, c, with_minor))
    })
}

struct Pin {
    file: String,
    range: String,
    /// Exact pin (`.nvmrc`) rather than a range (`engines`).
    exact: bool,
}

fn first_line(f: &SourceFile) -> Option<String> {
    let l = f
        .text()
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    Some(l.trim().to_string())
}

fn node_pins(cx: &Ctx) -> Vec<Pin> {
    let mut out = vec![];
    for name in [".nvmrc", ".node-version"] {
        if let Some(v) = cx.repo.file(name).and_then(first_line) {
            if parse_ver(&v).is_some() {
                out.push(Pin {
                    file: name.into(),
                    range: v,
                    exact: true,
                });
                break;
            }
        }
    }
    out.extend(engines(cx));
    out
}

fn engines(cx: &Ctx) -> Option<Pin> {
    let f = cx.repo.file("package.json")?;
    let json = f.json()?;
    let r = json.get("engines")?.get("node")?.as_str()?;
    Some(Pin {
        file: "package.json".into(),
        range: r.to_string(),
        exact: false,
    })
}

fn python_pins(cx: &Ctx) -> Vec<Pin> {
    let mut out = vec![];
    if let Some(v) = cx.repo.file(".python-version").and_then(first_line) {
        if parse_ver(&v).is_some() {
            out.push(Pin {
                file: ".python-version".into(),
                range: v,
                exact: true,
            });
        }
    }
    out.extend(requires_python(cx));
    out
}

fn requires_python(cx: &Ctx) -> Option<Pin> {
    let f = cx.repo.file("pyproject.toml")?;
    let t: toml::Table = toml::from_str(f.text()).ok()?;
    let r = t.get("project")?.get("requires-python")?.as_str()?;
    Some(Pin {
        file: "pyproject.toml".into(),
        range: r.to_string(),
        exact: false,
    })
}

fn go_pin(cx: &Ctx) -> Option<Pin> {
    let f = cx.repo.file("go.mod")?;
    let l = f.text().lines().find(|l| l.starts_with("go "))?;
    let v = l.trim_start_matches("go ").trim();
    parse_ver(v)?;
    // Go compiles older modules: only versions below the directive drift.
    Some(Pin {
        file: "go.mod".into(),
        range: format!(">={v}"),
        exact: false,
    })
}

/// The values a `with:` version input takes: a literal, or each value of the
/// matrix key it names. Returns (value, span to report).
fn values<'a>(site: &StepSite<'_, 'a>, n: &'a Node) -> Vec<(String, Span)> {
    let Some(s) = n.as_str() else { return vec![] };
    let t = s.trim();
    if let Some(key) = t
        .strip_prefix("${{")
        .and_then(|r| r.strip_suffix("}}"))
        .map(str::trim)
        .and_then(|r| r.strip_prefix("matrix."))
    {
        let Some(matrix) = site
            .job
            .and_then(|j| j.get("strategy"))
            .and_then(|s| s.get("matrix"))
        else {
            return vec![];
        };
        let mut out = vec![];
        if let Some(items) = matrix.get(key).and_then(|m| m.as_seq()) {
            for i in items {
                match i.as_str() {
                    Some(v) => out.push((v.to_string(), i.span)),
                    None => return vec![], // nested or expression: unknown
                }
            }
        } else if matrix.get(key).is_some() {
            return vec![];
        }
        if let Some(inc) = matrix.get("include").and_then(|m| m.as_seq()) {
            for i in inc {
                if let Some(v) = i.get(key) {
                    if let Some(vs) = v.as_str() {
                        out.push((vs.to_string(), v.span));
                    }
                }
            }
        }
        return out;
    }
    if t.contains("${{") || t.contains('\n') {
        return vec![];
    }
    vec![(t.to_string(), n.span)]
}

impl Rule for ToolchainDrift {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(a) = site.step.action() else { return };
        let (lang, input, with_minor, pin) = match a {
            "actions/setup-node" => ("Node", "node-version", false, node_pins(cx)),
            "actions/setup-python" => ("Python", "python-version", true, python_pins(cx)),
            "actions/setup-go" => ("Go", "go-version", true, go_pin(cx).into_iter().collect()),
            _ => return,
        };
        let Some(n) = site.step.with.and_then(|w| w.get(input)) else {
            return;
        };
        // A matrix tests several versions on purpose: hold it to the supported range
        // (engines, requires-python) when there is one, else to the exact pin.
        let from_matrix = n.as_str().map(|s| s.contains("matrix.")).unwrap_or(false);
        let range_pin = pin.iter().find(|p| !p.exact).map(|p| p.range.clone());
        let pin = if from_matrix {
            pin.iter().find(|p| !p.exact).or(pin.first())
        } else {
            pin.first()
        };
        let Some(pin) = pin else { return };
        // Range pins live in manifests (`engines`, `requires-python`); a partial copy
        // of the repository (pipeline files only) cannot be judged.
        if !crate::rules::reliability::complete(cx.repo) {
            return;
        }
        let mut bad = vec![];
        let vals = values(site, n);
        for (v, span) in vals {
            let Some(ver) = parse_ver(&v) else { continue };
            let ok = if pin.exact {
                parse_ver(&pin.range)
                    .map(|p| {
                        satisfies(
                            ver,
                            &format!(
                                "{}{}",
                                p.0,
                                p.1.filter(|_| with_minor)
                                    .map(|m| format!(".{m}"))
                                    .unwrap_or_default()
                            ),
                            with_minor,
                        )
                    })
                    .unwrap_or(true)
            } else {
                satisfies(ver, &pin.range, with_minor)
            };
            if !ok {
                // Off the exact pin but inside the supported range: a smaller drift.
                let in_range = range_pin
                    .as_deref()
                    .is_some_and(|r| satisfies(ver, r, with_minor));
                bad.push((v, span, in_range));
            }
        }
        for (v, span, in_range) in bad {
            cx.report(
                &META,
                site.path,
                span,
                format!(
                    "CI installs {lang} `{v}` but `{}` says `{}`: this job tests a runtime the project does not run on.",
                    pin.file, pin.range
                ),
            )
            .site(site)
            .severity(if in_range {
                Severity::Low
            } else {
                Severity::Medium
            })
            .related(&pin.file, Span::new(0, 0), format!("{lang} version pinned here"))
            .fix(
                format!("Use the pinned {lang} version, or widen the pin to the versions you support."),
                format!("- uses: {}\n  with:\n    {}", site.step.uses_str().unwrap_or(a), match lang { "Node" => "node-version-file: .nvmrc", "Python" => "python-version-file: .python-version", _ => "go-version-file: go.mod" }),
                5,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let v = |s| parse_ver(s).unwrap();
        assert!(satisfies(v("20.x"), "20", false));
        assert!(!satisfies(v("18.x"), "20", false));
        assert!(satisfies(v("18"), ">=18", false));
        assert!(!satisfies(v("16"), ">=18.17", false));
        assert!(satisfies(v("22"), "^18 || ^20 || >=22", false));
        assert!(!satisfies(v("3.8"), ">=3.9", true));
        assert!(satisfies(v("3.12"), ">=3.9,<4", true));
        assert!(satisfies(v("3.x"), ">=3.9", true));
        assert!(!satisfies(v("1.20"), ">=1.21", true));
        assert!(satisfies(v("1.22"), ">=1.21.0", true));
    }
}
