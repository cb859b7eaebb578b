#!/usr/bin/env python3
"""Build crates/pipewise/data/action-shas.txt: the offline table of known release
SHAs of widely used GitHub Actions (tag -> commit SHA), read from git data only.

Every SHA<->tag pair comes from a repository's own refs: a local mirror (a git
directory) or the output of `git ls-remote --tags`. Version comments in workflows
(`uses: x@<sha> # v1.2.3`) are never used: they are claims, not proof.

Inputs (any number, mixed):
  owner/name=PATH   PATH is a git directory (bare mirror or a work tree's .git),
                    or a file holding `git ls-remote --tags URL` output
  PATH              a git directory named like `owner+name/repo` (the layout of
                    `fetch github:owner/name` mirrors) or `owner+name.git`

Refreshing the table (needs network; run from the repository root):
  mkdir -p /tmp/refs
  for a in $(grep -v '^[#@ ]' crates/pipewise/data/action-shas.txt); do
    git ls-remote --tags "https://github.com/$a" > "/tmp/refs/${a/\\//+}.txt"
    set -- "$@" "$a=/tmp/refs/${a/\\//+}.txt"
  done
  python3 scripts/action-shas.py "$@" > crates/pipewise/data/action-shas.txt
Add an action by adding its `owner/name=...` input. Then run
`cargo test -p pipewise action_shas` and commit the data file.

Output format (compact, line oriented, parsed by crates/pipewise/src/github/action_shas.rs):
  # comment lines
  @snapshot YYYY-MM-DD        newest commit date seen in the inputs
  owner/name                  an action repository (lower case)
   SHA tag tag ...            a commit and the version tags that point at it
Tags kept: version tags (`v1`, `v1.2`, `1.2.3`, `v2.0.0-beta.1`). Per action, the
newest --max-versions exact versions are kept, plus every tag sharing a SHA with a
kept one and every major tag (`v4`); older releases are dropped to keep the file
small.
"""

import argparse
import os
import re
import subprocess
import sys
from datetime import datetime, timezone

VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?([-+][0-9A-Za-z.+-]+)?$")
SHA = re.compile(r"^[0-9a-f]{40}$")


def version_key(tag):
    m = VERSION.match(tag)
    nums = tuple(int(g) if g is not None else -1 for g in m.groups()[:4])
    # A pre-release sorts before its release.
    return nums + (0 if m.group(5) else 1, tag)


def specificity(tag):
    m = VERSION.match(tag)
    return 0 if m.group(3) is not None else 1 if m.group(2) is not None else 2


def parse_refs(text):
    """`SHA refs/tags/NAME` (or tab) lines, with `^{}` peeled lines; returns tag -> commit."""
    direct, peeled = {}, {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 2 or not SHA.match(parts[0]) or not parts[1].startswith("refs/tags/"):
            continue
        name = parts[1][len("refs/tags/"):]
        if name.endswith("^{}"):
            peeled[name[:-3]] = parts[0]
        else:
            direct[name] = parts[0]
    direct.update(peeled)  # an annotated tag's commit is the peeled one
    return direct


def read_input(arg):
    if "=" in arg:
        name, path = arg.split("=", 1)
    else:
        path = arg.rstrip("/")
        base = path
        for tail in ("/.git", "/repo", ".git"):
            if base.endswith(tail):
                base = base[: -len(tail)]
        leaf = os.path.basename(base)
        if "+" not in leaf:
            sys.exit(f"cannot tell owner/name from {arg!r}; pass owner/name={arg}")
        name = leaf.replace("+", "/", 1)
    name = name.strip().lower()
    if os.path.isdir(path):
        if os.path.isdir(os.path.join(path, ".git")):
            path = os.path.join(path, ".git")
        text = subprocess.run(
            ["git", "--git-dir", path, "show-ref", "--tags", "-d"],
            check=False, capture_output=True, text=True,
        ).stdout
        date = subprocess.run(
            ["git", "--git-dir", path, "log", "-1", "--all", "--format=%cs"],
            check=False, capture_output=True, text=True,
        ).stdout.strip()
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        date = datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).strftime("%Y-%m-%d")
    return name, parse_refs(text), date


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--max-versions", type=int, default=60)
    args = ap.parse_args()

    table, dates = {}, []
    for arg in args.inputs:
        name, tags, date = read_input(arg)
        if date:
            dates.append(date)
        versions = {t: s for t, s in tags.items() if VERSION.match(t)}
        if not versions:
            print(f"warning: {name}: no version tags", file=sys.stderr)
            continue
        table.setdefault(name, {}).update(versions)

    out = [
        "# Known release SHAs of widely used GitHub Actions (tag -> commit), from git refs only.",
        "# Built by scripts/action-shas.py; see its header to refresh. Do not edit by hand.",
        f"@snapshot {max(dates) if dates else 'unknown'}",
    ]
    for name in sorted(table):
        tags = table[name]
        ordered = sorted(tags, key=version_key, reverse=True)
        exact = [t for t in ordered if specificity(t) == 0]
        keep_shas = {tags[t] for t in exact[: args.max_versions]}
        majors = [t for t in ordered if specificity(t) == 2]
        keep_shas.update(tags[t] for t in majors)
        by_sha = {}
        for t in ordered:
            if tags[t] in keep_shas:
                by_sha.setdefault(tags[t], []).append(t)
        out.append(name)
        # Newest first: the first tag of a line is its most specific newest version.
        rows = sorted(by_sha.items(), key=lambda kv: version_key(kv[1][0]), reverse=True)
        for sha, ts in rows:
            # Most specific first: exact versions, then minor, then major tags.
            ts.sort(key=version_key, reverse=True)
            ts.sort(key=specificity)
            out.append(f" {sha} {' '.join(ts)}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
