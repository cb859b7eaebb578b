#!/usr/bin/env python3
"""Side-by-side comparison of pipewise with zizmor and actionlint on a corpus.

For the checks the three tools share (permissions, unpinned uses, template injection,
dangerous triggers, credential persistence, hardcoded credentials, secrets inherit,
deprecated commands, plus a few extra security checks), this runs each tool on every
repository of the corpus, maps their rule ids onto pipewise's, counts findings per
check per tool, and lists every peer finding that pipewise does not report at the
same place (same file; a line inside the peer's location, or anywhere in the file for
file-level checks such as permissions).

Python standard library only. Usage:

    python3 bench/peer_overlap.py --corpus /work/shared/corpus \
        --pipewise ./target/debug/pipewise [--cache /tmp/peer] [--json out.json]

With --cache, tool outputs are written there and reused on the next run (delete the
files to re-run a tool).
"""

import argparse
import collections
import json
import os
import subprocess
import sys

# check -> (pipewise rules, zizmor idents, actionlint kinds/message filter, file-level)
CHECKS = {
    "permissions": (
        {"security/missing-permissions", "security/overbroad-permissions", "security/unused-id-token"},
        {"excessive-permissions"},
        {"permissions"},
        True,
    ),
    "unpinned-uses": (
        {"security/unpinned-action", "security/unpinned-image"},
        {"unpinned-uses", "unpinned-images"},
        set(),
        False,
    ),
    "template-injection": (
        {"security/template-injection"},
        {"template-injection"},
        {"expression:untrusted"},
        False,
    ),
    "dangerous-triggers": ({"security/dangerous-trigger"}, {"dangerous-triggers"}, set(), True),
    "credential-persistence": ({"security/persisted-credentials"}, {"artipacked"}, set(), False),
    "hardcoded-credentials": (
        {"security/hardcoded-credential"},
        {"hardcoded-container-credentials"},
        {"credentials"},
        False,
    ),
    "secrets-inherit": ({"security/secrets-inherit"}, {"secrets-inherit"}, set(), False),
    "deprecated-commands": ({"security/deprecated-command"}, set(), {"deprecated-commands"}, False),
    # Extra checks pipewise also has (not part of the required overlap).
    "github-env": ({"security/github-env-injection"}, {"github-env"}, set(), False),
    "cache-poisoning": ({"security/cache-poisoning"}, {"cache-poisoning"}, set(), False),
    "overprovisioned-secrets": ({"security/secret-exposure"}, {"overprovisioned-secrets"}, set(), False),
    "archived-uses": ({"security/deprecated-action"}, {"archived-uses"}, {"action:retired"}, False),
    # actionlint's "runtime \"node20\" is deprecated … update the version of action X";
    # pipewise reports these majors (low) under security/deprecated-action too.
    "outdated-runtime": ({"security/deprecated-action:node20"}, set(), {"action:node20"}, False),
    "self-hosted-runner": ({"security/self-hosted-runner"}, {"self-hosted-runner"}, set(), False),
}


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return p.stdout


def cached(cache, name, fn):
    if cache:
        path = os.path.join(cache, name)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return f.read()
    out = fn()
    if cache:
        with open(os.path.join(cache, name), "w") as f:
            f.write(out)
    return out


def load_json(text, default):
    try:
        return json.loads(text) if text.strip() else default
    except json.JSONDecodeError:
        return default


def workflow_files(repo):
    d = os.path.join(repo, ".github", "workflows")
    if not os.path.isdir(d):
        return []
    return sorted(
        os.path.join(".github", "workflows", f)
        for f in os.listdir(d)
        if f.endswith((".yml", ".yaml"))
    )


def zizmor_findings(repo, out):
    """(ident, severity, file, first_line, last_line) with 1-based lines."""
    res = []
    for f in load_json(out, []):
        spans = collections.defaultdict(list)
        for loc in f.get("locations", []):
            key = loc["symbolic"]["key"]
            path = key.get("Local", {}).get("verbatim_path") if isinstance(key, dict) else None
            if not path:
                continue
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(repo))
            c = loc["concrete"]["location"]
            spans[rel].append((c["start_point"]["row"] + 1, c["end_point"]["row"] + 1))
        for rel, sp in spans.items():
            res.append(
                (f["ident"], f["determinations"]["severity"], rel, min(a for a, _ in sp), max(b for _, b in sp))
            )
    return res


def block_end(repo, rel, line):
    """Last line of the YAML block that starts at `line` (deeper-indented lines after
    it), so a finding inside a `run:` block matches actionlint's position of the key."""
    try:
        with open(os.path.join(repo, rel)) as f:
            lines = f.read().split("\n")
    except OSError:
        return line
    if not 1 <= line <= len(lines):
        return line
    ind = len(lines[line - 1]) - len(lines[line - 1].lstrip())
    end = line
    for i in range(line, len(lines)):
        t = lines[i]
        if t.strip() and len(t) - len(t.lstrip()) <= ind:
            break
        end = i + 1
    return end


def actionlint_kind(e):
    k = e.get("kind", "")
    m = e.get("message", "")
    if k == "expression" and "potentially untrusted" in m:
        return "expression:untrusted"
    if k == "action" and "retired" in m:
        return "action:retired"
    if k == "action" and 'runtime "node20" is deprecated' in m:
        return "action:node20"
    return k


def pipewise_kinds(f):
    """The rule id, refined where one pipewise rule covers two peer checks: a
    deprecated-action finding that names the Node.js 20 runtime is also
    `…:node20` (actionlint's runtime-deprecation check); one that is only about
    that runtime ("is outdated: runs on Node.js 20") is not counted as archived."""
    r = f["rule"]
    m = f.get("message", "")
    if r != "security/deprecated-action" or "Node.js 20" not in m:
        return {r}
    if "is outdated: runs on Node.js 20" in m:
        return {r + ":node20"}
    return {r, r + ":node20"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--pipewise", required=True)
    ap.add_argument("--cache")
    ap.add_argument("--json")
    ap.add_argument("--show", type=int, default=0, help="print N unmatched peer findings per check")
    a = ap.parse_args()
    if a.cache:
        os.makedirs(a.cache, exist_ok=True)
    pw_bin = os.path.abspath(a.pipewise)
    repos = sorted(
        os.path.join(a.corpus, d) for d in os.listdir(a.corpus) if os.path.isdir(os.path.join(a.corpus, d))
    )
    counts = collections.defaultdict(lambda: collections.Counter())
    matched = collections.defaultdict(lambda: collections.Counter())
    unmatched = collections.defaultdict(list)
    zz_fail = []
    for repo in repos:
        name = os.path.basename(repo)
        pw = load_json(
            cached(a.cache, f"pw_{name}.json", lambda: run([pw_bin, "audit", "-f", "json", repo + "/"])), {}
        )
        pwf = [f for r in pw.get("repositories", []) for f in r.get("findings", [])]
        zz_out = cached(
            a.cache, f"zz_{name}.json", lambda: run(["zizmor", "--offline", "--no-progress", "--format", "json", repo + "/"])
        )
        if not zz_out.strip():
            zz_fail.append(name)
        zz = zizmor_findings(repo, zz_out)
        files = workflow_files(repo)
        al = load_json(
            cached(
                a.cache,
                f"al_{name}.json",
                lambda: run(["actionlint", "-format", "{{json .}}", "-shellcheck=", "-pyflakes="] + files, cwd=repo)
                if files
                else "[]",
            ),
            [],
        ) or []
        for check, (pw_rules, zz_ids, al_kinds, file_level) in CHECKS.items():
            mine = [f for f in pwf if pipewise_kinds(f) & pw_rules]
            counts[check]["pipewise"] += len(mine)
            by_file = collections.defaultdict(list)
            for f in mine:
                by_file[f["file"]].append(f["line"])

            def hit(rel, lo, hi):
                lines = by_file.get(rel, [])
                return bool(lines) if file_level else any(lo <= l <= hi for l in lines)

            for ident, sev, rel, lo, hi in zz:
                if ident not in zz_ids:
                    continue
                counts[check]["zizmor"] += 1
                if hit(rel, lo, hi):
                    matched[check]["zizmor"] += 1
                else:
                    unmatched[check].append(("zizmor", ident, sev, name, rel, lo, hi))
            for e in al:
                k = actionlint_kind(e)
                if k not in al_kinds:
                    continue
                counts[check]["actionlint"] += 1
                rel = os.path.normpath(e["filepath"])
                line = e.get("line", 0)
                if hit(rel, line, block_end(repo, rel, line)):
                    matched[check]["actionlint"] += 1
                else:
                    unmatched[check].append(("actionlint", k, "", name, rel, line, block_end(repo, rel, line)))
    print("| check | pipewise | zizmor (matched by pipewise) | actionlint (matched by pipewise) |")
    print("|---|---:|---:|---:|")
    for check in CHECKS:
        c, m = counts[check], matched[check]
        print(
            f"| {check} | {c['pipewise']} | {c['zizmor']} ({m['zizmor']}) | {c['actionlint']} ({m['actionlint']}) |"
        )
    if zz_fail:
        print(f"\nzizmor produced no output for: {', '.join(zz_fail)}")
    for check, rows in unmatched.items():
        print(f"\n{check}: {len(rows)} peer findings not matched")
        by = collections.Counter((r[0], r[1], r[2]) for r in rows)
        for k, v in by.most_common():
            print(f"  {v:5d} {k[0]} {k[1]} {k[2]}")
        for r in rows[: a.show]:
            print(f"    {r[3]}/{r[4]}:{r[5]}-{r[6]} ({r[0]} {r[1]} {r[2]})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(
                {
                    "counts": {k: dict(v) for k, v in counts.items()},
                    "matched": {k: dict(v) for k, v in matched.items()},
                    "unmatched": unmatched,
                },
                f,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
