#!/usr/bin/env python3
"""Generates a git repository with a long scripted history for `pipewise history`
benchmarks (docs/performance.md), through `git fast-import` (test and bench setup
only: pipewise itself never runs git).

    scripts/gen-history.py DIR [COMMITS]   # default 5000

The repository has 6 workflows, a composite action, 2 Dockerfiles, a compose file,
Dependabot, 3 scripts called from steps and 60 source files. Every commit edits a
source file; every 10th also edits one CI/CD file (a workflow, the action, a
Dockerfile or a called script, in turn), alternately breaking it (a masked
failure, an unpinned tag, a root user) and fixing it. One commit date per hour.
"""
import os
import subprocess
import sys

def workflow(i, broken):
    test = "npm test || true" if broken else "npm test"
    return f"""name: wf{i}
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - uses: ./.github/actions/setup
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: ./scripts/build{i % 3}.sh
      - run: {test}
      - run: npm run lint
  deploy{i}:
    needs: build
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    timeout-minutes: 20
    environment: production
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - run: ./scripts/deploy.sh
        env:
          TOKEN: ${{{{ secrets.DEPLOY_TOKEN }}}}
"""

ACTION = {False: "name: setup\nruns:\n  using: composite\n  steps:\n    - run: npm ci\n      shell: bash\n",
          True: "name: setup\nruns:\n  using: composite\n  steps:\n    - run: curl -sSL https://example.com/i.sh | bash\n      shell: bash\n"}
DOCKER = {False: "FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nUSER node\nCMD [\"node\", \"index.js\"]\n",
          True: "FROM node:latest\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n"}
SCRIPT = {False: "#!/bin/sh\nset -eu\nnpm ci\nnpm run build\n",
          True: "#!/bin/sh\nnpm ci\nnpm run build || echo failed\n"}

def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    os.makedirs(out, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)
    state = {}
    for i in range(6):
        state[f".github/workflows/wf{i}.yml"] = workflow(i, False)
    state[".github/actions/setup/action.yml"] = ACTION[False]
    state["Dockerfile"] = DOCKER[False]
    state["api/Dockerfile"] = DOCKER[False]
    state["docker-compose.yml"] = "services:\n  web:\n    build: .\n    ports:\n      - \"127.0.0.1:3000:3000\"\n"
    state[".github/dependabot.yml"] = "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n"
    for k in range(3):
        state[f"scripts/build{k}.sh"] = SCRIPT[False]
    state["scripts/deploy.sh"] = "#!/bin/sh\nset -eu\nkubectl apply -f k8s/\n"
    state["package.json"] = "{\"name\": \"gen\", \"scripts\": {\"test\": \"jest\", \"lint\": \"eslint .\", \"build\": \"tsc\"}}\n"
    for k in range(60):
        state[f"src/m{k}.js"] = f"export const v{k} = 0;\n"
    ci = [f".github/workflows/wf{i}.yml" for i in range(6)] + [".github/actions/setup/action.yml", "Dockerfile", "api/Dockerfile", "scripts/build0.sh", "scripts/build1.sh"]
    broken = {p: False for p in ci}
    lines = []
    t0 = 1_700_000_000
    def blob(data):
        b = data.encode()
        return f"data {len(b)}\n".encode() + b + b"\n"
    chunks = []
    for c in range(n):
        changed = {}
        if c == 0:
            changed = dict(state)
        else:
            k = c % 60
            changed[f"src/m{k}.js"] = f"export const v{k} = {c};\n"
            if c % 10 == 0:
                p = ci[(c // 10) % len(ci)]
                broken[p] = not broken[p]
                b = broken[p]
                if p.endswith(".yml") and "workflows" in p:
                    changed[p] = workflow(int(p[-5]), b)
                elif p.endswith("action.yml"):
                    changed[p] = ACTION[b]
                elif p.endswith("Dockerfile"):
                    changed[p] = DOCKER[b]
                else:
                    changed[p] = SCRIPT[b]
        state.update(changed)
        when = t0 + c * 3600
        msg = f"commit {c}"
        head = (f"commit refs/heads/main\nmark :{c + 1}\n"
                f"author Gen <gen@example.com> {when} +0000\n"
                f"committer Gen <gen@example.com> {when} +0000\n").encode()
        chunks.append(head + blob(msg))
        if c > 0:
            chunks.append(f"from :{c}\n".encode())
        for p, text in sorted(changed.items()):
            mode = "100755" if p.endswith(".sh") else "100644"
            chunks.append(f"M {mode} inline {p}\n".encode() + blob(text))
        chunks.append(b"\n")
        if c % 500 == 499:
            chunks.append(f"tag v1.{c // 500}.0\nfrom :{c + 1}\ntagger Gen <gen@example.com> {when} +0000\n".encode() + blob("release"))
    subprocess.run(["git", "fast-import", "--quiet"], input=b"".join(chunks), cwd=out, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=out, check=True)

if __name__ == "__main__":
    main()
