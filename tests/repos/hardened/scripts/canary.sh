#!/usr/bin/env bash
# Canary release: deploys <digest> as <release>-canary with 10% then 50% of traffic,
# checks the error rate after each step, then promotes it to the stable release.
set -euo pipefail

RELEASE="${1:?usage: canary.sh <release> <namespace> <digest>}"
NAMESPACE="${2:?usage: canary.sh <release> <namespace> <digest>}"
DIGEST="${3:?usage: canary.sh <release> <namespace> <digest>}"
CHART="$(dirname "$0")/../charts/ledgerline"

for weight in 10 50; do
  helm upgrade --install "$RELEASE-canary" "$CHART" --namespace "$NAMESPACE" \
    --set image.digest="$DIGEST" --set canary.enabled=true --set canary.weight="$weight" \
    --wait --timeout 10m
  kubectl rollout status "deployment/$RELEASE-canary" --namespace "$NAMESPACE" --timeout=10m
  "$(dirname "$0")/check-error-rate.sh" "$RELEASE-canary" 0.01 5m
done

helm upgrade --install "$RELEASE" "$CHART" --namespace "$NAMESPACE" \
  --set image.digest="$DIGEST" --atomic --wait --timeout 15m
helm uninstall "$RELEASE-canary" --namespace "$NAMESPACE" --wait
