#!/usr/bin/env bash
# Polls <url>/health until it answers 200 or the attempts run out (then exits 1).
set -euo pipefail

URL="${1:?usage: health-check.sh <base-url> [attempts] [delay-seconds]}"
ATTEMPTS="${2:-30}"
DELAY="${3:-5}"

for i in $(seq 1 "$ATTEMPTS"); do
  if curl -fsS --max-time 5 "$URL/health" >/dev/null; then
    echo "healthy after $i attempt(s)"
    exit 0
  fi
  echo "attempt $i/$ATTEMPTS failed; retrying in ${DELAY}s"
  sleep "$DELAY"
done
echo "::error::$URL/health did not become healthy" >&2
exit 1
