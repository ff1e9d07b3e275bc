#!/usr/bin/env bash
# Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes a
# database holding every committed migration to prisma/schema.prisma.
# `prisma migrate dev` would download an engine; `migrate diff` does not.
# Needs DATABASE_URL pointing at a PostgreSQL server where it may create a scratch database.
set -euo pipefail
name="${1:?usage: scripts/new-migration.sh <name>}"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server (any database on it)}"
cd "$(dirname "$0")/.."
scratch="migration_scratch_$$"
base="${DATABASE_URL%/*}"
psql "$DATABASE_URL" -qc "CREATE DATABASE $scratch" >/dev/null
trap 'psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null' EXIT
DATABASE_URL="$base/$scratch" npx prisma migrate deploy >/dev/null
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
DATABASE_URL="$base/$scratch" npx prisma migrate diff \
  --from-url "$base/$scratch" --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
echo "wrote $dir/migration.sql" >&2
