#!/usr/bin/env bash
# Entry script of the pipewise GitHub Action (action.yml at the repository root):
# audits INPUT_PATH once per output (SARIF for code scanning, annotations for the run
# log, Markdown for the job summary) and records pipewise's exit code and the SARIF
# path as step outputs. It exits 0 itself so the SARIF upload still runs; the
# action's last step fails with the recorded code.
#
# Inputs come from the environment (INPUT_*; see action.yml). PIPEWISE names the
# binary (default: pipewise on PATH). Runs locally too: the test suite runs it
# against a fixture with GITHUB_OUTPUT and GITHUB_STEP_SUMMARY set to files.
set -uo pipefail

PIPEWISE=${PIPEWISE:-pipewise}
path=${INPUT_PATH:-.}
sarif=${INPUT_SARIF:-pipewise.sarif}

args=(audit "$path" --fail-on "${INPUT_FAIL_ON:-high}")
if [[ ${INPUT_NO_CONFIG:-false} == true ]]; then args+=(--no-config); fi
if [[ -n ${INPUT_CONFIG:-} ]]; then args+=(--config "$INPUT_CONFIG"); fi
if [[ -n ${INPUT_BASELINE:-} ]]; then args+=(--baseline "$INPUT_BASELINE"); fi

# The SARIF run decides the exit code.
"$PIPEWISE" "${args[@]}" --format sarif --output "$sarif"
code=$?

if [[ ${INPUT_ANNOTATIONS:-true} == true ]]; then
    "$PIPEWISE" "${args[@]}" --format github --quiet || true
fi

if [[ ${INPUT_SUMMARY:-true} == true && -n ${GITHUB_STEP_SUMMARY:-} ]]; then
    report=$(mktemp)
    "$PIPEWISE" "${args[@]}" --format markdown --quiet --output "$report" || true
    # GitHub keeps at most 1 MiB of summary per step.
    limit=$((1000 * 1000))
    if (($(wc -c <"$report") > limit)); then
        head -c "$limit" "$report" >>"$GITHUB_STEP_SUMMARY"
        printf '\n\n_Report truncated: the full report is in the SARIF upload._\n' >>"$GITHUB_STEP_SUMMARY"
    else
        cat "$report" >>"$GITHUB_STEP_SUMMARY"
    fi
    rm -f "$report"
fi

if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    echo "exit-code=$code" >>"$GITHUB_OUTPUT"
    if [[ -s $sarif ]]; then echo "sarif=$sarif" >>"$GITHUB_OUTPUT"; fi
fi
echo "pipewise: exit code $code"
exit 0
