#!/usr/bin/env bash
# Runs govulncheck against the Go vulnerability database. The database is
# fetched over HTTPS (default https://vuln.go.dev); SCOPEGATE_VULNDB may
# name a mirror or a local copy (file:///path, the layout of vuln.go.dev).
# When the database cannot be reached the step says so and is skipped,
# unless SCOPEGATE_REQUIRE_VULNCHECK is set, which makes that a failure.
# Run from the repository root.
set -euo pipefail

version=v1.9.0
db=${SCOPEGATE_VULNDB:-https://vuln.go.dev}

reachable() {
  case "$db" in
    file://*) [ -r "${db#file://}/index/db.json" ] || [ -r "${db#file://}/index/db.json.gz" ] ;;
    *) curl -fsS --max-time 10 -o /dev/null "$db/index/db.json" 2>/dev/null ;;
  esac
}

if ! reachable; then
  msg="ci/vulncheck: vulnerability database $db is unreachable"
  if [ -n "${SCOPEGATE_REQUIRE_VULNCHECK:-}" ]; then
    echo "$msg" >&2
    exit 1
  fi
  echo "$msg: govulncheck SKIPPED (set SCOPEGATE_VULNDB to a reachable copy)"
  exit 0
fi

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN="$bin" go install "golang.org/x/vuln/cmd/govulncheck@$version"
"$bin/govulncheck" -db "$db" ./...
