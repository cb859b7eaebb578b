#!/usr/bin/env python3
"""Class-by-class comparison of pipewise, zizmor and actionlint on the documented test
workflows of issue 15 (the trigger/benign fixtures of each class, written from the
public documentation named in each fixture's header comment).

    cargo build -p pipewise-cli
    python3 bench/class_compare.py ./target/debug/pipewise

For every class, each workflow file of the `trigger` fixture must be reported and each
workflow file of the `benign` fixture must not be. A tool "detects" a trigger file when
it reports one of its rules for that class in the file; a report of such a rule in a
benign file is a false positive. Granularity is the workflow file (one or more planted
instances per file), so recall is "trigger files detected / trigger files".
"""
import json
import os
import subprocess
import sys

FIX = os.path.join(os.path.dirname(__file__), "..", "crates", "pipewise", "tests", "fixtures")

# class -> (fixture id, zizmor audits, actionlint kinds, actionlint message filter)
CLASSES = [
    ("always-true condition", "security/unsound-condition", {"unsound-condition"}, {"if-cond"}),
    ("spoofable bot check", "security/spoofable-bot-check", {"bot-conditions"}, set()),
    ("contains() on a string", "security/unsound-contains", {"unsound-contains"}, set()),
    ("debug logging on", "security/debug-logging", set(), set()),
    ("artifact poisoning", "security/artifact-poisoning", set(), set()),
    ("known-vulnerable action", "security/known-vulnerable-action", {"known-vulnerable-actions"}, set()),
    ("localhost without server", "reliability/localhost-without-server", set(), set()),
    ("release tool on a tag", "deployment/release-tool-on-tag", set(), set()),
    ("tested image is not pushed", "deployment/tested-image-mismatch", set(), set()),
    # Only the named fixture files (the rule's fixture holds other classes too).
    ("taint via shell vars/groups into GITHUB_ENV", "security/github-env-injection", {"github-env"}, set(),
     (["shell-taint.yml", "grouped.yml"], ["shell-safe.yml", "grouped-safe.yml"])),
    ("taint via step/job outputs into run:", "security/template-injection", {"template-injection"}, {"expression"},
     (["step-outputs.yml"], ["step-outputs.yml"])),
    ("archive packs missing files", "reliability/missing-file", set(), set(), (["release.yml"], ["release.yml"])),
    # Cross-step checks of issue 15 round 3 (2026-12-05).
    ("artifact used where it is not downloaded", "reliability/artifact-not-downloaded", set(), set()),
    # A Dockerfile, not a workflow: matched by file name (trigger `images/api/Dockerfile`,
    # benign `Dockerfile`, `docker/ui/Dockerfile`, `docker/worker/Dockerfile`).
    ("Dockerfile COPY/ADD source missing", "reliability/missing-file", set(), set(), (["Dockerfile"], ["Dockerfile"])),
]


def workflows(d):
    w = os.path.join(d, ".github", "workflows")
    return sorted(f for f in os.listdir(w) if f.endswith((".yml", ".yaml"))) if os.path.isdir(w) else []


def pipewise(exe, d, rule):
    out = subprocess.run([exe, "audit", "-f", "json", "--fail-on", "none", d], capture_output=True, text=True).stdout
    rep = json.loads(out)
    files = set()
    for r in rep.get("repositories", [rep]):
        for f in r.get("findings", []):
            if f["rule"] == rule:
                files.add(os.path.basename(f["file"]))
    return files


def zizmor(d, audits):
    if not audits:
        return set()
    p = subprocess.run(["zizmor", "--offline", "--no-progress", "--format", "json", d + "/"], capture_output=True, text=True)
    files = set()
    for f in json.loads(p.stdout or "[]"):
        if f["ident"] in audits:
            for loc in f["locations"]:
                k = loc["symbolic"]["key"].get("Local", {})
                path = k.get("verbatim_path") or k.get("given_path") or ""
                files.add(os.path.basename(path))
    return files


def actionlint(d, kinds):
    if not kinds:
        return set()
    w = os.path.join(d, ".github", "workflows")
    args = [os.path.join(".github", "workflows", f) for f in workflows(d)]
    p = subprocess.run(["actionlint", "-format", "{{json .}}", "-shellcheck=", "-pyflakes="] + args, cwd=d, capture_output=True, text=True)
    files = set()
    for f in json.loads(p.stdout or "[]"):
        if f["kind"] in kinds:
            files.add(os.path.basename(f["filepath"]))
    _ = w
    return files


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else "./target/debug/pipewise"
    print("| class | trigger files | benign files | pipewise recall | pipewise FP | zizmor recall | zizmor FP | actionlint recall | actionlint FP |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rule, zz, al, *only in CLASSES:
        t = os.path.join(FIX, rule, "trigger")
        b = os.path.join(FIX, rule, "benign")
        tw, bw = (only[0][0], only[0][1]) if only else (workflows(t), workflows(b))
        row = [name, str(len(tw)), str(len(bw))]
        for tool in ("pipewise", "zizmor", "actionlint"):
            if tool == "pipewise":
                ht, hb = pipewise(exe, t, rule), pipewise(exe, b, rule)
            elif tool == "zizmor":
                if not zz:
                    row += ["no check", "-"]
                    continue
                ht, hb = zizmor(t, zz), zizmor(b, zz)
            else:
                if not al:
                    row += ["no check", "-"]
                    continue
                ht, hb = actionlint(t, al), actionlint(b, al)
            row += [f"{len(ht & set(tw))}/{len(tw)}", f"{len(hb & set(bw))}/{len(bw)}"]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
