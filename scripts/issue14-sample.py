#!/usr/bin/env python3
"""Draw issue 14's judged sample of corpus findings (docs/rules-review.md).

Usage:

    pipewise audit /work/shared/corpus/* -f json -o /tmp/corpus.json --fail-on none
    python3 scripts/issue14-sample.py /tmp/corpus.json \
        --previous docs/rules-review-issue14-sample.json \
        --out docs/rules-review-issue14-sample.json [--show]

Per rule, over the findings sorted by (repository, file, line, message), with
`random.Random(14)` seeded once per rule: 25 findings of a rule with >= 100
findings ("high volume"), 15 of a rule with 20-99, every finding of a rarer rule.
Verdicts of a finding already judged in --previous (same rule, repository, file,
line and message) are carried over; new entries get verdict "not judged".
`--show` prints each sampled finding with the workflow lines around it, for reading.

Standard library only; nothing is executed or fetched.
"""

import argparse
import collections
import json
import os
import random
import sys

HIGH_VOLUME = 100
MEDIUM_VOLUME = 20


def repo_name(path):
    return os.path.basename(os.path.normpath(path))


def load_findings(report):
    with open(report) as f:
        data = json.load(f)
    out = []
    for repo in data.get("repositories", []):
        name = repo_name(repo.get("path") or repo.get("root") or repo.get("name", ""))
        for f in repo.get("findings", []):
            out.append(
                {
                    "rule": f["rule"],
                    "severity": f["severity"],
                    "repo": name,
                    "file": f["file"],
                    "line": f["line"],
                    "message": f["message"],
                }
            )
    return out


def draw(findings):
    by_rule = collections.defaultdict(list)
    for f in findings:
        by_rule[f["rule"]].append(f)
    sample = []
    for rule in sorted(by_rule):
        items = sorted(by_rule[rule], key=lambda f: (f["repo"], f["file"], f["line"], f["message"]))
        n = len(items)
        k = 25 if n >= HIGH_VOLUME else 15 if n >= MEDIUM_VOLUME else n
        picked = random.Random(14).sample(items, k) if k < n else items
        for f in sorted(picked, key=lambda f: (f["repo"], f["file"], f["line"])):
            sample.append(dict(f, volume=n))
    return sample


def key(f):
    return (f["rule"], f["repo"], f["file"], f["line"], f["message"])


def show(sample, corpus):
    for i, f in enumerate(sample):
        print(f"=== [{i}] {f['rule']} {f['severity']} {f['repo']}/{f['file']}:{f['line']}")
        print(f"    {f['message']}")
        path = os.path.join(corpus, f["repo"], f["file"])
        try:
            with open(path, errors="replace") as fh:
                lines = fh.read().split("\n")
        except OSError:
            continue
        lo, hi = max(1, f["line"] - 6), min(len(lines), f["line"] + 6)
        for n in range(lo, hi + 1):
            print(f"  {'>' if n == f['line'] else ' '}{n:5d} {lines[n - 1][:160]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--previous")
    ap.add_argument("--out")
    ap.add_argument("--corpus", default="/work/shared/corpus")
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()
    sample = draw(load_findings(a.report))
    prev = {}
    if a.previous and os.path.exists(a.previous):
        with open(a.previous) as f:
            for e in json.load(f):
                if e.get("verdict") not in (None, "", "not judged", "PENDING"):
                    prev[key(e)] = e
    for i, f in enumerate(sample):
        old = prev.get(key(f))
        f["index"] = i
        f["verdict"] = old["verdict"] if old else "not judged"
        f["note"] = old.get("note", "") if old else ""
    counts = collections.Counter(f["rule"] for f in sample)
    print(f"{len(sample)} findings sampled over {len(counts)} rules", file=sys.stderr)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(sample, f, indent=1)
            f.write("\n")
    if a.show:
        show(sample, a.corpus)


if __name__ == "__main__":
    main()
