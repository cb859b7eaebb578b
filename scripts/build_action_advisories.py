#!/usr/bin/env python3
"""Builds crates/pipewise/src/rules/github/security/action_advisories.toml, the offline
snapshot of GitHub Actions ecosystem advisories used by security/known-vulnerable-action.

    python3 scripts/build_action_advisories.py SOURCE... > crates/pipewise/src/rules/github/security/action_advisories.toml

Each SOURCE is one of:

- a clone of https://github.com/github/advisory-database (the reviewed advisories
  under advisories/github-reviewed/), or any folder of GHSA/OSV JSON records;
- OSV's export of the ecosystem, `GitHub Actions/all.zip` (OSV JSON records);
- poutine's `opa/rego/external/osv.rego` (boostsecurityio/poutine, Apache-2.0): a
  curated subset of the same advisories converted to Rego by poutine's authors.
  Only a partial source: use it when the database itself cannot be obtained.

The GitHub Advisory Database is CC-BY 4.0; both JSON sources use the OSV format. When
several sources hold the same advisory for the same action, the OSV JSON record wins
over the Rego copy (it is the original). Withdrawn advisories are skipped.

The snapshot date written in the header is today's date (or $SNAPSHOT_DATE); the
header also names each source (or $SNAPSHOT_SOURCES, a description to print instead of
the paths) and the number of advisories. Review the diff: pipewise reads `id`, `cve`,
`action`, `introduced`, `fixed`, `last_affected`, `below`, `versions`, `severity` and
`summary`; `source` says where an entry came from. pipewise itself never uses the
network.
"""
import datetime
import io
import json
import math
import os
import re
import sys
import zipfile

ECOSYSTEM = "GitHub Actions"


def json_records(src):
    """Every OSV record under a directory (advisory-database layout) or in a zip."""
    if src.endswith(".zip"):
        with zipfile.ZipFile(src) as z:
            for n in sorted(z.namelist()):
                if n.endswith(".json"):
                    yield json.load(io.TextIOWrapper(z.open(n), encoding="utf-8"))
        return
    root = os.path.join(src, "advisories", "github-reviewed")
    if not os.path.isdir(root):
        root = src
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".json"):
                with open(os.path.join(d, f), encoding="utf-8") as fh:
                    yield json.load(fh)


# CVSS v3.1 base score (FIRST's specification, section 7), for sources that give the
# vector but not GitHub's severity label.
W = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "CIA": {"H": 0.56, "L": 0.22, "N": 0.0},
}


def roundup(x):
    i = round(x * 100000)
    return i / 100000.0 if i % 10000 == 0 else (math.floor(i / 10000) + 1) / 10.0


def cvss3_score(vector):
    m = dict(p.split(":", 1) for p in vector.split("/")[1:])
    changed = m["S"] == "C"
    pr = {"N": 0.85, "L": 0.68 if changed else 0.62, "H": 0.5 if changed else 0.27}[m["PR"]]
    iss = 1 - (1 - W["CIA"][m["C"]]) * (1 - W["CIA"][m["I"]]) * (1 - W["CIA"][m["A"]])
    if changed:
        impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    else:
        impact = 6.42 * iss
    expl = 8.22 * W["AV"][m["AV"]] * W["AC"][m["AC"]] * pr * W["UI"][m["UI"]]
    if impact <= 0:
        return 0.0
    return roundup(min((1.08 if changed else 1.0) * (impact + expl), 10))


def level(score):
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


def severity_of(rec):
    sev = (rec.get("database_specific") or {}).get("severity")
    if sev:
        return {"moderate": "medium"}.get(sev.lower(), sev.lower())
    for s in rec.get("severity") or []:
        if s.get("type") == "CVSS_V3" and s.get("score", "").startswith("CVSS:3"):
            return level(cvss3_score(s["score"]))
    return "medium"


def bound_from_hint(hint):
    """`< 3.0.0` / `<= 1.2` (GitHub's last_known_affected_version_range) as a bound."""
    m = re.fullmatch(r"\s*(<=?)\s*v?([0-9][^\s,]*)\s*", hint or "")
    if not m:
        return {}
    return {"below" if m.group(1) == "<" else "last_affected": m.group(2)}


def from_osv(rec, source):
    if rec.get("withdrawn"):
        return
    cve = next((a for a in rec.get("aliases", []) if a.startswith("CVE-")), "")
    base = {
        "id": rec["id"],
        "cve": cve,
        "severity": severity_of(rec),
        "summary": summary(rec),
        "source": source,
    }
    for aff in rec.get("affected", []):
        pkg = aff.get("package") or {}
        if pkg.get("ecosystem") != ECOSYSTEM:
            continue
        entry = dict(base, action=pkg["name"].lower())
        hint = (aff.get("database_specific") or {}).get("last_known_affected_version_range")
        for r in aff.get("ranges", []):
            if r.get("type") != "ECOSYSTEM":
                continue
            e = dict(entry)
            for ev in r.get("events", []):
                for k in ("introduced", "fixed", "last_affected"):
                    if k in ev:
                        e[k] = ev[k]
            if "fixed" not in e and "last_affected" not in e:
                # An open range ("every version since"): GitHub bounds it by the last
                # known affected range; without that the whole line is affected.
                e.update(bound_from_hint(hint))
            yield e
        if aff.get("versions") and not aff.get("ranges"):
            yield dict(entry, versions=aff["versions"])


def rego_records(path):
    """poutine's osv.rego: `advisories = { "GHSA-…": {…}, … }` in JSON syntax plus
    trailing commas."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    body = text[text.index("=", text.index("advisories")) + 1 :]
    body = re.sub(r",(\s*[}\]])", r"\1", body)
    data = json.loads(body)
    for key in sorted(data):
        yield data[key]


def from_rego(rec, source):
    cve = next((a for a in rec.get("aliases", []) if a.startswith("CVE-")), "")
    sev = "medium"
    for s in rec.get("severity") or []:
        if s.get("type") == "CVSS_V3":
            sev = level(cvss3_score(s["score"]))
    entry = {
        "id": rec["osv_id"],
        "cve": cve,
        "action": rec["package_name"].lower(),
        "severity": sev,
        "summary": summary(rec),
        "source": source,
    }
    for rng in rec.get("vulnerable_version_ranges") or []:
        e = dict(entry)
        for part in rng.split(","):
            m = re.fullmatch(r"\s*(>=|<=|<)\s*([^\s]+)\s*", part)
            if not m:
                raise SystemExit(f"{rec['osv_id']}: cannot read range {rng!r}")
            e[{">=": "introduced", "<": "fixed", "<=": "last_affected"}[m.group(1)]] = m.group(2)
        yield e
    if rec.get("vulnerable_versions"):
        yield dict(entry, versions=rec["vulnerable_versions"])


def summary(rec):
    """The advisory's one-line summary, without a final period (pipewise adds one)."""
    s = " ".join(rec.get("summary", "").split())
    return s[:-1] if s.endswith(".") else s


def q(s):
    return json.dumps(s, ensure_ascii=False)


def main():
    srcs = sys.argv[1:]
    if not srcs:
        sys.exit(__doc__)
    # Entries keyed by (id, action); an earlier-ranked source replaces a later one.
    by_key = {}
    rank = {}
    for src in srcs:
        if src.endswith(".rego"):
            entries = [e for r in rego_records(src) for e in from_rego(r, "poutine osv.rego")]
            r = 1
        else:
            entries = [e for rec in json_records(src) for e in from_osv(rec, "GHSA record")]
            r = 0
        keys = {}
        for e in entries:
            keys.setdefault((e["id"], e["action"]), []).append(e)
        for k, es in keys.items():
            if k not in rank or r < rank[k]:
                by_key[k] = es
                rank[k] = r
    out = [e for es in by_key.values() for e in es]
    out.sort(key=lambda e: (e["action"], e["id"], e.get("introduced", "")))
    ids = {e["id"] for e in out}
    date = os.environ.get("SNAPSHOT_DATE", datetime.date.today().isoformat())
    described = os.environ.get("SNAPSHOT_SOURCES")
    print("# GitHub Actions ecosystem advisories (GitHub Advisory Database, CC-BY 4.0).")
    print(f"# Snapshot date: {date}. Built by scripts/build_action_advisories.py; see")
    print("# docs/advisories.md for the sources and the refresh procedure.")
    print("# Sources:")
    for line in (described.split("\n") if described else srcs):
        print(f"#   {line}")
    print(f"# {len(ids)} advisories, {len(out)} entries.")
    print(f'snapshot = "{date}"')
    for e in out:
        print()
        print("[[advisory]]")
        for k in ("id", "cve", "action", "introduced", "fixed", "last_affected", "below", "severity", "summary", "source"):
            if e.get(k):
                print(f"{k} = {q(e[k])}")
        if e.get("versions"):
            print(f"versions = {q(e['versions'])}")


if __name__ == "__main__":
    main()
