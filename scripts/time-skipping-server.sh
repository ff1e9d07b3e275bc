#!/usr/bin/env bash
# Temporal's time-skipping test server (Java, from Maven Central), for
# TestWorkflowEnvironment.createTimeSkipping({ server: { executable:
# { type: 'existing-path', path: 'scripts/time-skipping-server.sh' } } }).
# `--prepare` only resolves and caches the classpath (needs mvn and java).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache_dir="$here/../.data/tools"
cp_file="$cache_dir/temporal-test-server.classpath"

if [ ! -s "$cp_file" ]; then
  command -v mvn >/dev/null || { echo "mvn is needed once to fetch temporal-test-server 1.31.0" >&2; exit 1; }
  mkdir -p "$cache_dir"
  mvn -q -f "$here/time-skipping-server/pom.xml" dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" >&2
fi
if [ "${1:-}" = "--prepare" ]; then echo "classpath ready: $cp_file" >&2; exit 0; fi
exec java -cp "$(cat "$cp_file")" io.temporal.testserver.TestServer "$@"
