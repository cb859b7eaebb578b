#!/usr/bin/env bash
#
# Run k6 load test scenarios locally or against a deployed environment.
#
# Usage: ./scripts/run-load-tests.sh [scenario] [base-url]
#   scenario  baseline | stress | spike | soak | products | analytics | orchestrator | all
#   base-url  defaults to http://localhost:3000

set -euo pipefail

SCENARIO="${1:-baseline}"
BASE_URL="${2:-${BASE_URL:-http://localhost:3000}}"
SCENARIO_DIR="test/load/scenarios"
REPORT_DIR="test/load/reports"

if ! command -v k6 > /dev/null 2>&1; then
    echo "k6 is not installed. See https://grafana.com/docs/k6/latest/set-up/install-k6/"
    exit 1
fi

mkdir -p "$REPORT_DIR"

run_scenario() {
    local name="$1"
    local script="${SCENARIO_DIR}/${name}-test.js"
    if [ ! -f "$script" ]; then
        echo "Unknown scenario: ${name} (no ${script})"
        return 1
    fi
    echo "▶ Running ${name} against ${BASE_URL}"
    k6 run \
        --out "json=${REPORT_DIR}/${name}-results.json" \
        --summary-export "${REPORT_DIR}/${name}-summary.json" \
        --env "BASE_URL=${BASE_URL}" \
        "$script"
}

if [ "$SCENARIO" = "all" ]; then
    for s in baseline products analytics stress spike; do
        run_scenario "$s"
    done
else
    run_scenario "$SCENARIO"
fi

echo "Reports written to ${REPORT_DIR}/"
