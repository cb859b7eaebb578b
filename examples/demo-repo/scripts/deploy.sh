#!/usr/bin/env bash
# Deploys an image to a Fly.io app: ./scripts/deploy.sh <staging|production> <image-ref>
set -euo pipefail

ENVIRONMENT="${1:?usage: deploy.sh <staging|production> <image-ref>}"
IMAGE_REF="${2:?usage: deploy.sh <staging|production> <image-ref>}"

case "$ENVIRONMENT" in
  staging) APP=tasklane-api-staging ;;
  production) APP=tasklane-api ;;
  *) echo "unknown environment: $ENVIRONMENT" >&2; exit 2 ;;
esac

echo "Deploying $IMAGE_REF to $APP"
flyctl releases list --app "$APP" | head -5

if [ "$ENVIRONMENT" = "production" ]; then
  read -p "Deploy to PRODUCTION ($APP)? [y/N] " answer
  if [ "$answer" != "y" ]; then
    echo "aborted"
    exit 1
  fi
fi

flyctl deploy --app "$APP" --image "$IMAGE_REF" --strategy rolling --wait-timeout 300

for i in $(seq 1 10); do
  if curl -fsS "https://$APP.fly.dev/health" >/dev/null; then
    echo "healthy"
    exit 0
  fi
  sleep 6
done
echo "health check failed" >&2
exit 1
