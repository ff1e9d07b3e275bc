#!/usr/bin/env bash
# Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the
# schema of the last commit that added a migration to today's prisma/schema.prisma.
# (`migrate dev` downloads an engine, and with a driver adapter `migrate diff`
# takes no --from-url, so the base is that commit's schema file.)
# Convention: a commit that adds a migration also commits the schema it matches.
set -euo pipefail
name="${1:?usage: scripts/new-migration.sh <name>}"
cd "$(dirname "$0")/.."
base_rev="$(git log -1 --format=%H -- prisma/migrations)"
from="$(mktemp --suffix=.prisma)"
trap 'rm -f "$from"' EXIT
if [ -n "$base_rev" ]; then git show "$base_rev:prisma/schema.prisma" > "$from"; fi
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
# The CLI connects through the adapter even for a file-to-file diff (it changes nothing).
: "${DATABASE_URL:?set DATABASE_URL to any reachable PostgreSQL, e.g. the one npm start runs}"
if [ -n "$base_rev" ]; then
  npx prisma migrate diff --from-schema-datamodel "$from" --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
else
  npx prisma migrate diff --from-empty --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
fi
echo "wrote $dir/migration.sql (base: ${base_rev:-empty})" >&2
