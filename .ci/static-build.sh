#!/usr/bin/env bash
# Runs the Dockerfile's own `go build` line (Docker cannot run in CI) and
# checks that the result is a static binary that starts: the final image is
# distroless/static and has no libc. Run from the repository root.
set -euo pipefail

build=$(grep -E '^RUN .*go build' Dockerfile | head -n 1 | sed 's/^RUN //')
if [ -z "$build" ]; then
  echo "ci/static-build: Dockerfile has no RUN line with go build" >&2
  exit 1
fi
case "$build" in
  *CGO_ENABLED=0*) ;;
  *) echo "ci/static-build: Dockerfile build line lacks CGO_ENABLED=0: $build" >&2; exit 1 ;;
esac

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cmdline=${build//\/out\//$out/}
cmdline=${cmdline//\$\{VERSION\}/ci-static}
sh -c "$cmdline"

bin="$out/scopegate"
# A dynamically linked ELF has an INTERP or DYNAMIC program header.
if readelf -lW "$bin" | grep -Eq '^[[:space:]]*(INTERP|DYNAMIC)[[:space:]]'; then
  echo "ci/static-build: $bin is dynamically linked; the static image cannot run it" >&2
  readelf -lW "$bin" | grep -E 'INTERP|DYNAMIC' >&2
  exit 1
fi
v=$("$bin" version)
case "$v" in
  *"scopegate ci-static"*) ;;
  *) echo "ci/static-build: scopegate version printed \"$v\", want the -X version \"scopegate ci-static\"" >&2; exit 1 ;;
esac
echo "ci/static-build: static binary OK ($v)"
