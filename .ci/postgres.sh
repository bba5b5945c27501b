# shellcheck shell=bash
# Sourced by .ci/run. Starts a throwaway PostgreSQL cluster for the store
# conformance suite (store/postgres) and exports SCOPEGATE_TEST_POSTGRES_DSN.
#
#   source .ci/postgres.sh     # installs PostgreSQL if no binaries are found
#   trap scopegate_pg_stop EXIT
#
# The cluster lives in a temporary directory, listens only on 127.0.0.1 on a
# free port, requires a random password over TCP, and is owned by an
# unprivileged user when run as root (postgres refuses to run as root).
# Works under `set -euo pipefail`; any failure returns non-zero from `source`.

scopegate_pg_log() { echo "ci/postgres: $*"; }

# scopegate_pg_bindir prints the directory holding initdb, pg_ctl and
# postgres: Debian's versioned directories first (newest first), then PATH.
scopegate_pg_bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			echo "$d"
			return 0
		fi
	done
	if command -v initdb >/dev/null && command -v pg_ctl >/dev/null && command -v postgres >/dev/null; then
		dirname "$(command -v pg_ctl)"
		return 0
	fi
	return 1
}

# scopegate_pg_as runs a command as the cluster's owner.
scopegate_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$SCOPEGATE_PG_USER" -- "$@"
	else
		"$@"
	fi
}

# scopegate_pg_port_free succeeds when nothing accepts connections on the
# loopback port $1 (bash's /dev/tcp: no extra tools needed).
scopegate_pg_port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

scopegate_pg_start() {
	local bindir
	if ! bindir=$(scopegate_pg_bindir); then
		scopegate_pg_log "no PostgreSQL binaries found: installing the postgresql package"
		apt-get update -qq || return 1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
		bindir=$(scopegate_pg_bindir) || {
			scopegate_pg_log "ERROR: postgresql installed but initdb/pg_ctl/postgres still not found"
			return 1
		}
	fi
	scopegate_pg_log "using binaries in $bindir ($("$bindir/postgres" --version))"

	SCOPEGATE_PG_USER=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		SCOPEGATE_PG_USER=nobody
		if id postgres >/dev/null 2>&1; then
			SCOPEGATE_PG_USER=postgres
		fi
	fi
	SCOPEGATE_PG_BINDIR=$bindir
	SCOPEGATE_PG_DIR=$(mktemp -d /tmp/scopegate-pg.XXXXXX) || return 1
	local data=$SCOPEGATE_PG_DIR/data pwfile=$SCOPEGATE_PG_DIR/pwfile password
	password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$password" >"$pwfile"
	chown -R "$SCOPEGATE_PG_USER" "$SCOPEGATE_PG_DIR"
	chmod 700 "$SCOPEGATE_PG_DIR"

	scopegate_pg_log "initdb in $data as user $SCOPEGATE_PG_USER"
	if ! scopegate_pg_as "$bindir/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
		--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-instructions >"$SCOPEGATE_PG_DIR/initdb.log" 2>&1; then
		cat "$SCOPEGATE_PG_DIR/initdb.log"
		scopegate_pg_log "ERROR: initdb failed"
		scopegate_pg_stop
		return 1
	fi
	rm -f "$pwfile"

	local attempt port=""
	for attempt in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		scopegate_pg_port_free "$port" || continue
		scopegate_pg_log "starting postgres on 127.0.0.1:$port (attempt $attempt)"
		if scopegate_pg_as "$bindir/pg_ctl" -D "$data" -l "$SCOPEGATE_PG_DIR/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $SCOPEGATE_PG_DIR -c fsync=off" start >/dev/null; then
			break
		fi
		port=""
	done
	if [ -z "$port" ]; then
		cat "$SCOPEGATE_PG_DIR/server.log" 2>/dev/null
		scopegate_pg_log "ERROR: could not start postgres"
		scopegate_pg_stop
		return 1
	fi

	# createdb may be missing when only the server binaries are on PATH;
	# the built-in "postgres" database then serves instead.
	local db=scopegate_test
	if [ -x "$bindir/createdb" ]; then
		if ! scopegate_pg_as "$bindir/createdb" -h "$SCOPEGATE_PG_DIR" -p "$port" -U postgres "$db"; then
			scopegate_pg_log "ERROR: createdb $db failed"
			scopegate_pg_stop
			return 1
		fi
	else
		scopegate_pg_log "no createdb in $bindir: using the postgres database"
		db=postgres
	fi

	export SCOPEGATE_TEST_POSTGRES_DSN="postgres://postgres:$password@127.0.0.1:$port/$db?sslmode=disable"
	scopegate_pg_log "ready: SCOPEGATE_TEST_POSTGRES_DSN=postgres://postgres:***@127.0.0.1:$port/$db?sslmode=disable"
}

# scopegate_pg_stop stops the cluster and removes its directory. Safe to call
# more than once and when the start failed half-way; meant for an EXIT trap.
scopegate_pg_stop() {
	if [ -z "${SCOPEGATE_PG_DIR:-}" ]; then
		return 0
	fi
	if [ -f "$SCOPEGATE_PG_DIR/data/postmaster.pid" ]; then
		scopegate_pg_log "stopping postgres in $SCOPEGATE_PG_DIR"
		scopegate_pg_as "$SCOPEGATE_PG_BINDIR/pg_ctl" -D "$SCOPEGATE_PG_DIR/data" -m fast -w -t 60 stop >/dev/null ||
			scopegate_pg_log "WARNING: pg_ctl stop failed"
	fi
	rm -rf "$SCOPEGATE_PG_DIR"
	SCOPEGATE_PG_DIR=""
	unset SCOPEGATE_TEST_POSTGRES_DSN
}

scopegate_pg_start || {
	scopegate_pg_log "ERROR: PostgreSQL for the store tests is not available"
	return 1
}
