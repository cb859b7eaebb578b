#!/usr/bin/env bash
# Takes an RDS snapshot and waits until it is available; prints the snapshot id.
set -euo pipefail

INSTANCE="${1:?usage: backup-db.sh <db-instance-identifier>}"
SNAPSHOT="${INSTANCE}-predeploy-$(date -u +%Y%m%d%H%M%S)"

aws rds create-db-snapshot \
  --db-instance-identifier "$INSTANCE" \
  --db-snapshot-identifier "$SNAPSHOT" >/dev/null
aws rds wait db-snapshot-available --db-snapshot-identifier "$SNAPSHOT"
echo "$SNAPSHOT"
