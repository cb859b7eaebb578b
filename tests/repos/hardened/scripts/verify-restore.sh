#!/usr/bin/env bash
# Restores the newest automated snapshot of <instance> into a temporary instance,
# checks that the data is there, and always deletes the temporary instance.
set -euo pipefail

INSTANCE="${1:?usage: verify-restore.sh <db-instance-identifier>}"
TEMP="${INSTANCE}-restore-check-$(date -u +%Y%m%d%H%M)"

SNAPSHOT=$(aws rds describe-db-snapshots --db-instance-identifier "$INSTANCE" --snapshot-type automated \
  --query 'reverse(sort_by(DBSnapshots, &SnapshotCreateTime))[0].DBSnapshotIdentifier' --output text)
echo "restoring $SNAPSHOT into $TEMP"

cleanup() {
  if ! aws rds delete-db-instance --db-instance-identifier "$TEMP" --skip-final-snapshot --delete-automated-backups >/dev/null; then
    echo "::warning::could not delete $TEMP; delete it by hand"
  fi
}
trap cleanup EXIT

aws rds restore-db-instance-from-db-snapshot --db-instance-identifier "$TEMP" \
  --db-snapshot-identifier "$SNAPSHOT" --db-instance-class db.t4g.small --no-publicly-accessible >/dev/null
aws rds wait db-instance-available --db-instance-identifier "$TEMP"

HOST=$(aws rds describe-db-instances --db-instance-identifier "$TEMP" --query 'DBInstances[0].Endpoint.Address' --output text)
COUNT=$(PGPASSWORD="$RESTORE_DB_PASSWORD" psql "host=$HOST dbname=ledgerline user=ledgerline sslmode=require" \
  -tAc 'SELECT count(*) FROM "Invoice"')
echo "restored invoices: $COUNT"
if [ "$COUNT" -lt 1 ]; then
  echo "::error::restored database has no invoices" >&2
  exit 1
fi
