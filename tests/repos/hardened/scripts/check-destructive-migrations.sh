#!/usr/bin/env bash
# Fails when a migration added since <base-ref> drops or rewrites data without the
# "-- pipewise-approved-destructive" marker reviewed by a DBA.
set -euo pipefail

BASE="${1:?usage: check-destructive-migrations.sh <base-ref>}"
status=0
while IFS= read -r file; do
  if grep -qiE '\b(DROP (TABLE|COLUMN)|TRUNCATE|ALTER COLUMN .* TYPE)\b' "$file" \
     && ! grep -q -- '-- approved-destructive' "$file"; then
    echo "::error file=$file::destructive migration without approval marker"
    status=1
  fi
done < <(git diff --name-only --diff-filter=A "$BASE"...HEAD -- 'prisma/migrations/*.sql')
exit "$status"
