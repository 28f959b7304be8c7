#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the trace-server tests and exports its URL as
# TRACE_SERVER_TEST_PG_URL. Idempotent: installs PostgreSQL only if missing, creates the cluster
# only once, and reuses a server that is already running. No systemd needed: the server runs
# from a data directory of its own (default /tmp/station-pg) on 127.0.0.1 only.
#
#   source Tests/scripts/postgres.sh      # start (or reuse) and export the URL into this shell
#   bash Tests/scripts/postgres.sh        # the same, printing the URL (also a smoke check)
#   bash Tests/scripts/postgres.sh stop   # stop the server
#
# Settings: TRACE_SERVER_TEST_PG_DIR (data directory), TRACE_SERVER_TEST_PG_PORT (default 55432).
# Run as root (PostgreSQL then runs as the `postgres` user) or as an ordinary user (it runs as you).

station_pg_main() {
  local dir="${TRACE_SERVER_TEST_PG_DIR:-/tmp/station-pg}"
  local port="${TRACE_SERVER_TEST_PG_PORT:-55432}"
  local action="${1:-start}"

  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
      echo "postgres.sh: PostgreSQL is not installed and this user cannot install it (apt-get install postgresql)" >&2
      return 1
    fi
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "postgres.sh: installing postgresql" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null || return 1
  fi
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

  # Everything PostgreSQL does runs as `postgres` when we are root: it refuses to run as root.
  local as=()
  if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi

  if [ "$action" = "stop" ]; then
    [ -f "$dir/PG_VERSION" ] && "${as[@]}" "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1
    echo "postgres.sh: stopped" >&2
    return 0
  fi

  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir" || return 1
    chmod 700 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; return 1; }
  fi

  if ! "${as[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    "${as[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=300" start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; return 1; }
  fi

  local psql=("${as[@]}" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres)
  "${psql[@]}" -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'trace') THEN
        CREATE ROLE trace LOGIN PASSWORD 'trace' CREATEDB;
      END IF; END \$\$;" || return 1
  if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'trace'")" != "1" ]; then
    "${psql[@]}" -c "CREATE DATABASE trace OWNER trace" || return 1
  fi

  export TRACE_SERVER_TEST_PG_URL="postgres://trace:trace@127.0.0.1:$port/trace?sslmode=disable"
  echo "TRACE_SERVER_TEST_PG_URL=$TRACE_SERVER_TEST_PG_URL"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  station_pg_main "$@"
  exit $?
else
  station_pg_main "$@"
fi
