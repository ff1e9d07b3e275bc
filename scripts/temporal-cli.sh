#!/usr/bin/env bash
# Prints the path of a Temporal CLI (v1.5.1 builds the dev server with Web UI).
# Order: $TEMPORAL_CLI, PATH, $(go env GOPATH)/bin, else build it with Go.
# Progress goes to stderr; only the path goes to stdout.
set -euo pipefail
VERSION=v1.5.1

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
  echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2
  exit 1
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if command -v go >/dev/null 2>&1; then
  gobin="$(go env GOPATH)/bin/temporal"
  if [ -x "$gobin" ]; then echo "$gobin"; exit 0; fi
  echo "Temporal CLI not found: building $VERSION with go install (about 3 minutes the first time)..." >&2
  start=$(date +%s)
  # -x would be too loud; module download lines show that it is moving.
  if ! go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2; then
    echo "go install of the Temporal CLI failed (see above)." >&2
    exit 1
  fi
  echo "Built the Temporal CLI in $(( $(date +%s) - start ))s: $gobin" >&2
  echo "$gobin"
  exit 0
fi
cat >&2 <<MSG
The Temporal CLI was not found and Go is not installed to build it.
Either:
  - install Go (https://go.dev/dl/) and run this again: it runs
      go install github.com/temporalio/cli/cmd/temporal@$VERSION
  - or download the CLI for your platform from https://github.com/temporalio/cli/releases
    (or 'brew install temporal'), then put it on PATH or set TEMPORAL_CLI=/path/to/temporal.
MSG
exit 1
