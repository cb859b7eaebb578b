#!/usr/bin/env bash
# Fails when the 5xx ratio of <release> over the last <window> exceeds <max-ratio>.
set -euo pipefail

RELEASE="${1:?usage: check-error-rate.sh <release> <max-ratio> [window]}"
MAX_RATIO="${2:?usage: check-error-rate.sh <release> <max-ratio> [window]}"
WINDOW="${3:-5m}"
: "${PROMETHEUS_URL:?PROMETHEUS_URL is required}"

QUERY="sum(rate(http_requests_total{release=\"$RELEASE\",code=~\"5..\"}[$WINDOW])) / clamp_min(sum(rate(http_requests_total{release=\"$RELEASE\"}[$WINDOW])), 1e-9)"
RATIO=$(curl -fsS --max-time 10 --get "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$QUERY" \
  | jq -er '.data.result[0].value[1] // "0"')

echo "5xx ratio for $RELEASE over $WINDOW: $RATIO (max $MAX_RATIO)"
if awk -v r="$RATIO" -v m="$MAX_RATIO" 'BEGIN { exit !(r > m) }'; then
  echo "::error::error ratio $RATIO above $MAX_RATIO" >&2
  exit 1
fi
