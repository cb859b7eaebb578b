#!/usr/bin/env python3
"""Builds crates/pipewise/src/rules/security/action_advisories.toml, the offline
snapshot of GitHub Actions ecosystem advisories used by security/known-vulnerable-action.

Source: the GitHub Advisory Database (public, CC-BY 4.0), either a clone of
https://github.com/github/advisory-database or OSV's export of the same ecosystem
(https://osv-vulnerabilities.storage.googleapis.com/GitHub%20Actions/all.zip). Both use
the OSV JSON format.

    git clone --depth 1 https://github.com/github/advisory-database /tmp/adb
    python3 scripts/build_action_advisories.py /tmp/adb > crates/pipewise/src/rules/security/action_advisories.toml
    # or: python3 scripts/build_action_advisories.py all.zip > ...

The snapshot date written in the header is today's date (or $SNAPSHOT_DATE). Review
the diff: pipewise reads only `id`, `action`, `introduced`, `fixed`, `last_affected`,
`versions`, `severity`, `summary` and `cve`. pipewise itself never uses the network.
"""
import datetime
import io
import json
import os
import sys
import zipfile

ECOSYSTEM = "GitHub Actions"


def records(src):
    """Every OSV record under a directory (advisory-database layout) or in a zip."""
    if src.endswith(".zip"):
        with zipfile.ZipFile(src) as z:
            for n in z.namelist():
                if n.endswith(".json"):
                    yield json.load(io.TextIOWrapper(z.open(n), encoding="utf-8"))
        return
    root = os.path.join(src, "advisories", "github-reviewed")
    if not os.path.isdir(root):
        root = src
    for d, _, files in os.walk(root):
        for f in sorted(files):
            if f.endswith(".json"):
                with open(os.path.join(d, f), encoding="utf-8") as fh:
                    yield json.load(fh)


def q(s):
    return json.dumps(s, ensure_ascii=False)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = []
    for rec in records(sys.argv[1]):
        if rec.get("withdrawn"):
            continue
        sev = (rec.get("database_specific") or {}).get("severity", "MODERATE").lower()
        cve = next((a for a in rec.get("aliases", []) if a.startswith("CVE-")), "")
        for aff in rec.get("affected", []):
            pkg = aff.get("package") or {}
            if pkg.get("ecosystem") != ECOSYSTEM:
                continue
            entry = {
                "id": rec["id"],
                "cve": cve,
                "action": pkg["name"].lower(),
                "severity": {"moderate": "medium"}.get(sev, sev),
                "summary": rec.get("summary", "").strip(),
            }
            for r in aff.get("ranges", []):
                if r.get("type") != "ECOSYSTEM":
                    continue
                e = dict(entry)
                for ev in r.get("events", []):
                    for k in ("introduced", "fixed", "last_affected"):
                        if k in ev:
                            e[k] = ev[k]
                out.append(e)
            if aff.get("versions") and not aff.get("ranges"):
                e = dict(entry)
                e["versions"] = aff["versions"]
                out.append(e)
    out.sort(key=lambda e: (e["action"], e["id"]))
    date = os.environ.get("SNAPSHOT_DATE", datetime.date.today().isoformat())
    print("# GitHub Actions ecosystem advisories (GitHub Advisory Database, CC-BY 4.0).")
    print(f"# Snapshot date: {date}. Built by scripts/build_action_advisories.py; see")
    print("# docs/advisories.md for the refresh procedure.")
    print(f'snapshot = "{date}"')
    for e in out:
        print()
        print("[[advisory]]")
        for k in ("id", "cve", "action", "introduced", "fixed", "last_affected", "severity", "summary"):
            if e.get(k):
                print(f"{k} = {q(e[k])}")
        if e.get("versions"):
            print(f"versions = {q(e['versions'])}")


if __name__ == "__main__":
    main()
