#!/usr/bin/env bash
#
# Roll back AI Affiliate Empire on Fly.io to a previous release.
#
# Usage: ./scripts/rollback.sh <staging|production> [release-version]
#
#   release-version  Fly.io release number to roll back to.
#                    Defaults to the last successful release before the current one.
#
# Requires: flyctl (authenticated, e.g. via FLY_API_TOKEN), jq, curl
# Optional: SLACK_WEBHOOK_URL / DISCORD_WEBHOOK_URL for notifications

set -euo pipefail

RED='\033[0;31m'
GREEN='\033[0;32m'
YELLOW='\033[1;33m'
BLUE='\033[0;34m'
NC='\033[0m'

ENVIRONMENT="${1:-}"
TARGET_VERSION="${2:-}"

if [ -z "$ENVIRONMENT" ]; then
    echo -e "${RED}Usage: $0 <staging|production> [release-version]${NC}"
    exit 1
fi

case "$ENVIRONMENT" in
    staging)
        APP_NAME="ai-affiliate-empire-staging"
        APP_URL="https://ai-affiliate-empire-staging.fly.dev"
        ;;
    production)
        APP_NAME="ai-affiliate-empire"
        APP_URL="https://ai-affiliate-empire.fly.dev"
        ;;
    *)
        echo -e "${RED}Unknown environment: ${ENVIRONMENT}${NC}"
        exit 1
        ;;
esac

echo -e "${BLUE}🔄 Preparing rollback of ${APP_NAME} (${ENVIRONMENT})${NC}"

RELEASES_JSON=$(flyctl releases --app "$APP_NAME" --image --json)
CURRENT_VERSION=$(echo "$RELEASES_JSON" | jq -r '.[0].Version')

if [ -z "$TARGET_VERSION" ]; then
    TARGET_VERSION=$(echo "$RELEASES_JSON" | jq -r '[.[] | select(.Status == "complete")][1].Version')
fi

TARGET_IMAGE=$(echo "$RELEASES_JSON" | jq -r ".[] | select(.Version == ${TARGET_VERSION}) | .ImageRef")

echo -e "${YELLOW}Current release: v${CURRENT_VERSION}${NC}"
echo -e "${YELLOW}Target release:  v${TARGET_VERSION}${NC}"
echo -e "${YELLOW}Target image:    ${TARGET_IMAGE}${NC}"
echo ""

read -p "Continue with rollback? (yes/no): " -r
if [[ ! $REPLY =~ ^[Yy][Ee][Ss]$ ]]; then
    echo -e "${YELLOW}Rollback cancelled${NC}"
    exit 0
fi

if [ -z "$TARGET_IMAGE" ] || [ "$TARGET_IMAGE" = "null" ]; then
    echo -e "${RED}❌ Could not resolve the image for release v${TARGET_VERSION}${NC}"
    exit 1
fi

# ---------------------------------------------------------------------------
# Pre-flight checks
# ---------------------------------------------------------------------------

echo -e "${BLUE}🔍 Running pre-flight checks${NC}"

if ! command -v flyctl > /dev/null 2>&1; then
    echo -e "${RED}❌ flyctl is not installed${NC}"
    exit 1
fi

if ! flyctl auth whoami > /dev/null 2>&1; then
    echo -e "${RED}❌ flyctl is not authenticated (set FLY_API_TOKEN)${NC}"
    exit 1
fi

MACHINE_COUNT=$(flyctl machines list --app "$APP_NAME" --json | jq 'length')
echo -e "${BLUE}   ${MACHINE_COUNT} machine(s) currently running${NC}"

ROLLBACK_LOG="rollback-${ENVIRONMENT}-$(date -u +%Y%m%d-%H%M%S).log"
{
    echo "timestamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "app=${APP_NAME}"
    echo "from=v${CURRENT_VERSION}"
    echo "to=v${TARGET_VERSION}"
    echo "image=${TARGET_IMAGE}"
    echo "operator=${GITHUB_ACTOR:-$(whoami)}"
} > "$ROLLBACK_LOG"

echo -e "${BLUE}📦 Deploying image ${TARGET_IMAGE}${NC}"
START_TIME=$(date +%s)

flyctl deploy \
    --app "$APP_NAME" \
    --image "$TARGET_IMAGE" \
    --strategy immediate \
    --detach=false

echo -e "${BLUE}⏳ Waiting for machines to report healthy...${NC}"

MAX_ATTEMPTS=12
ATTEMPT=1
HEALTHY=false

while [ $ATTEMPT -le $MAX_ATTEMPTS ]; do
    HTTP_CODE=$(curl -s -o /dev/null -w "%{http_code}" "${APP_URL}/health" || echo "000")
    if [ "$HTTP_CODE" = "200" ]; then
        HEALTHY=true
        break
    fi
    echo -e "${YELLOW}  attempt ${ATTEMPT}/${MAX_ATTEMPTS}: HTTP ${HTTP_CODE}${NC}"
    sleep 5
    ATTEMPT=$((ATTEMPT + 1))
done

END_TIME=$(date +%s)
DURATION=$((END_TIME - START_TIME))
echo "duration_seconds=${DURATION}" >> "$ROLLBACK_LOG"

if [ "$HEALTHY" != "true" ]; then
    echo "result=unhealthy" >> "$ROLLBACK_LOG"
    echo -e "${RED}❌ Rollback deployed but ${APP_URL}/health is not returning 200${NC}"
    echo -e "${RED}   Check: flyctl logs --app ${APP_NAME}${NC}"
    STATUS_TEXT="FAILED"
else
    echo "result=healthy" >> "$ROLLBACK_LOG"
    echo -e "${GREEN}✅ Rolled back ${APP_NAME} to v${TARGET_VERSION} in ${DURATION}s${NC}"
    STATUS_TEXT="SUCCEEDED"
fi

# Show machine state after the rollback
flyctl status --app "$APP_NAME" || true

# ---------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------

MESSAGE="Rollback of ${APP_NAME} (${ENVIRONMENT}) from v${CURRENT_VERSION} to v${TARGET_VERSION} ${STATUS_TEXT} in ${DURATION}s"

notify_slack() {
    if [ -z "${SLACK_WEBHOOK_URL:-}" ]; then
        return 0
    fi
    local color="good"; [ "$HEALTHY" = "true" ] || color="danger"
    curl -s -X POST -H 'Content-type: application/json' \
        --data "{
            \"attachments\": [{
                \"color\": \"${color}\",
                \"title\": \"🔄 Rollback ${STATUS_TEXT}\",
                \"text\": \"${MESSAGE}\"
            }]
        }" \
        "$SLACK_WEBHOOK_URL" > /dev/null
}

notify_discord() {
    if [ -z "${DISCORD_WEBHOOK_URL:-}" ]; then
        return 0
    fi
    curl -s -X POST -H 'Content-Type: application/json' \
        --data "{\"content\": \"🔄 ${MESSAGE}\"}" \
        "$DISCORD_WEBHOOK_URL" > /dev/null
}

echo -e "${BLUE}📣 Sending notifications${NC}"
notify_slack
notify_discord

echo ""
echo -e "${BLUE}Rollback log written to ${ROLLBACK_LOG}${NC}"

if [ "$HEALTHY" != "true" ]; then
    exit 1
fi
