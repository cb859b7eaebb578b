#!/usr/bin/env python3
"""Which action majors actionlint's bundled metadata flags as running on a deprecated
(node20) or retired (node12/node16) runtime; used to review
crates/pipewise/src/rules/github/security/deprecated_actions.toml.

Writes one probe workflow with `uses: NAME@v1 … @vMAX` for every action name given
(one per line on stdin), runs actionlint on it (locally, no network) and prints, per
action, each major's status: `node20`, `retired`, or `ok` (known to actionlint and not
flagged). Majors actionlint does not know are omitted. Usage:

    grep -rhoE "uses: *[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@" corpus | sed 's/uses: *//; s/@$//' \\
        | sort -u | python3 bench/actionlint_runtimes.py [--actionlint PATH] [--max 12]
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--actionlint", default="actionlint")
    ap.add_argument("--max", type=int, default=12)
    a = ap.parse_args()
    names = sorted({l.strip() for l in sys.stdin if l.strip() and not l.startswith("#")}, key=str.lower)
    lines = ["on: push", "jobs:"]
    for i, n in enumerate(names):
        lines.append(f"  j{i}:\n    runs-on: ubuntu-latest\n    steps:")
        for m in range(1, a.max + 1):
            # An undefined input makes actionlint say whether it knows NAME@vM.
            lines.append(f"      - uses: {n}@v{m}\n        with:\n          zzz-probe: x")
    with tempfile.TemporaryDirectory() as d:
        wf = os.path.join(d, "probe.yml")
        with open(wf, "w") as f:
            f.write("\n".join(lines) + "\n")
        out = subprocess.run(
            [a.actionlint, "-format", "{{json .}}", "-shellcheck=", "-pyflakes=", wf],
            capture_output=True,
            text=True,
        ).stdout
    res = collections.defaultdict(dict)
    for e in json.loads(out or "[]"):
        m = e["message"]
        q = re.findall(r'"([^"]+)"', m)
        if "is deprecated in GitHub Actions" in m:
            spec, kind = q[-1], q[0]
        elif "is retired" in m:
            spec, kind = q[0], "retired"
        elif "zzz-probe" in m and "is not defined in action" in m:
            spec, kind = q[1], "ok"
        else:
            continue
        n, v = spec.split("@", 1)
        if res[n].get(v, "ok") == "ok":
            res[n][v] = kind
    json.dump(res, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
