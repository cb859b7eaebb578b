#!/usr/bin/env python3
"""Generates the hostile input families of issue 13 (docs/robustness.md).

usage: bench/hostile.py FAMILY N DIR   -- writes a repository into DIR (created)

families: layers (N layers of 2 jobs, each needing the whole layer below, plus a deploy
job), layers3 (N layers of 3), fanin (N jobs, one deploy job needs them all), chain (a
needs chain of N jobs), commands (one `run:` with N commands on separate lines),
oneline (one line with N masked commands), runline (a Dockerfile RUN line of N
`&&`-joined commands), stages (a Dockerfile with N stages), workflows (N small
workflows), scripts (N scripts of 3.6 MB called from one workflow), alias (a 1 MiB
scalar aliased N times), cr (a workflow with lone-CR line ends, N steps).
"""
import os, sys

fam, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
wfd = os.path.join(out, ".github", "workflows")
os.makedirs(wfd, exist_ok=True)

def w(path, text, mode="w"):
    p = os.path.join(out, path)
    os.makedirs(os.path.dirname(p) or ".", exist_ok=True)
    with open(p, mode, newline="") as f:
        f.write(text)

HEAD = "name: CI\non: push\npermissions:\n  contents: read\njobs:\n"
JOB = "    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: make test\n"
DEPLOY = "    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/\n"

if fam in ("layers", "layers3"):
    width = 2 if fam == "layers" else 3
    s = HEAD
    for i in range(n):
        for k in range(width):
            s += f"  j{i}_{k}:\n"
            if i:
                s += "    needs: [" + ", ".join(f"j{i-1}_{m}" for m in range(width)) + "]\n"
            s += JOB
    s += "  deploy:\n    needs: [" + ", ".join(f"j{n-1}_{m}" for m in range(width)) + "]\n" + DEPLOY
    w(".github/workflows/ci.yml", s)
elif fam == "fanin":
    s = HEAD + "".join(f"  j{i}:\n" + JOB for i in range(n))
    s += "  deploy:\n    needs: [" + ", ".join(f"j{i}" for i in range(n)) + "]\n" + DEPLOY
    w(".github/workflows/ci.yml", s)
elif fam == "chain":
    s = HEAD
    for i in range(n):
        s += f"  j{i}:\n" + (f"    needs: j{i-1}\n" if i else "") + JOB
    s += f"  deploy:\n    needs: j{n-1}\n" + DEPLOY
    w(".github/workflows/ci.yml", s)
elif fam == "commands":
    s = HEAD + "  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: |\n"
    s += "".join(f"          npm test --shard={i} || true\n" for i in range(n))
    w(".github/workflows/ci.yml", s)
elif fam == "oneline":
    s = HEAD + "  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: "
    s += "; ".join("make || true" for _ in range(n)) + "\n"
    w(".github/workflows/ci.yml", s)
elif fam == "runline":
    w("Dockerfile", "FROM alpine:3.19\nRUN " + " && ".join(f"echo {i}" for i in range(n)) + "\n")
elif fam == "stages":
    w("Dockerfile", "".join(f"FROM alpine:3.19 AS s{i}\nRUN echo {i}\n" for i in range(n)))
elif fam == "workflows":
    for i in range(n):
        w(f".github/workflows/w{i}.yml", HEAD + "  t:\n" + JOB)
elif fam == "scripts":
    s = HEAD + "  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n"
    line = "npm test || echo failed\n"
    body = line * (3_600_000 // len(line))
    for i in range(n):
        w(f"scripts/s{i}.sh", body)
        s += f"      - run: ./scripts/s{i}.sh\n"
    w(".github/workflows/ci.yml", s)
elif fam == "alias":
    big = "x" * (1 << 20)
    s = HEAD + f"  test:\n    runs-on: ubuntu-latest\n    env:\n      A: &a {big}\n" + "".join(f"      B{i}: *a\n" for i in range(n))
    s += "    steps:\n      - run: make\n"
    w(".github/workflows/ci.yml", s)
elif fam == "cr":
    s = HEAD + "  test:\n    runs-on: ubuntu-latest\n    steps:\n" + "".join("      - run: npm test || true\n" for _ in range(n))
    s += "# pipewise: ignore[*]\n"
    w(".github/workflows/ci.yml", s.replace("\n", "\r"))
else:
    sys.exit(f"unknown family {fam}")
