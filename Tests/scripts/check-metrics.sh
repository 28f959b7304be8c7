#!/usr/bin/env bash
# /metrics of the real station daemon and trace-server, read by an independent parser
# (prometheus_client.parser from PyPI): a station prints 5 stamps, syncs them to a trace-server,
# scans a genuine stamp, the same stamp again at once, and garbage; the trace-server also gets a
# re-sent document (duplicates), a malformed one, an unauthenticated one and two verify requests.
# Every figure must match what was done. /health answers 200, and the station token never appears
# in either process's debug logs.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "check-metrics: FAIL: $*"; [ -n "${work:-}" ] && tail -n 20 "$work/station.log" "$work/server.log" >&2 || true; exit 1; }
for b in station trace-server; do [ -x ".build/debug/$b" ] || fail "build first (swift build)"; done
command -v zbarimg >/dev/null || fail "zbarimg missing: run scripts/install-deps --test"
venv=$(Tests/scripts/python-venv.sh)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
bin="$PWD/.build/debug"

wait_file() { for _ in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# trace-server (SQLite) with one registered station.
token=$("$bin/trace-server" station add --id BK-NARI-01 --name "Trạm Na Rì" --gln 8938512340005 --data-dir "$work/server" \
  | grep -E '^[A-Za-z0-9_-]{43}$' | head -1)
[ -n "$token" ] || fail "trace-server station add printed no token"
(umask 077; echo "$token" > "$work/server.token")
"$bin/trace-server" serve --data-dir "$work/server" --port 0 --log-level trace > "$work/server.log" 2>&1 &
pids+=($!)
wait_file "$work/server/server.port" || fail "trace-server did not start"
server="http://127.0.0.1:$(cat "$work/server/server.port")"

st() { "$bin/station" "$@" --config Config/station.toml --data-dir "$work/station" --log-level error \
  --set "server.url=$server" --set "server.token_file=$work/server.token"; }
st product add --gtin 8938512345017 --name "Miến dong Na Rì" --producer "HTX Miến dong Na Rì" \
  --producer-gln 8938512340005 --address "Na Rì, Bắc Kạn" --shelf-life-days 364 >/dev/null
st batch create --product 8938512345017 --lot MD250314A --produced 2025-03-14 --quantity 100 >/dev/null
st print --batch MD250314A --count 5 >/dev/null
stamp=$(zbarimg -q --raw "$work/station/labels/000001.png" 2>/dev/null) || fail "printed stamp does not decode"

# The daemon, its scanner on a pipe that stays open.
mkfifo "$work/scanner"
"$bin/station" run --config Config/station.toml --data-dir "$work/station" --port 0 --log-level debug \
  --set "server.url=$server" --set "server.token_file=$work/server.token" < "$work/scanner" > "$work/station.log" 2>&1 &
pids+=($!)
exec 3> "$work/scanner"
wait_file "$work/station/web.port" || fail "station did not start"
station="http://127.0.0.1:$(cat "$work/station/web.port")"
printf '%s\n%s\nnot a stamp at all\n' "$stamp" "$stamp" >&3

metric() { # url name labels-json -> value (or "absent")
  curl -sf "$1/metrics" | "$venv/bin/python" -c '
import json, sys
from prometheus_client.parser import text_string_to_metric_families
name, labels = sys.argv[1], json.loads(sys.argv[2])
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            print(int(s.value) if s.value == int(s.value) else s.value); sys.exit(0)
print("absent")' "$2" "$3"
}
expect() { # url name labels want
  local got; got=$(metric "$1" "$2" "$3")
  [ "$got" = "$4" ] || fail "$2$3 = $got, want $4"
}
# Scans are recorded (6 events: 5 printed, 1 inspected), and the daemon's own sync sends them to
# the server: its metrics show the backlog falling to zero without anyone running `station sync`.
for _ in $(seq 150); do
  [ "$(metric "$station" station_scans_total '{"outcome":"rejected"}')" = 1 ] && \
  [ "$(metric "$station" station_events '{}')" = 6 ] && break
  sleep 0.2
done
for _ in $(seq 150); do
  [ "$(metric "$station" station_sync_backlog_events '{}')" = 0 ] && break
  sleep 0.2
done
expect "$station" station_sync_backlog_events '{}' 0

# The trace-server: the same events again (duplicates), a malformed and an unauthenticated capture, verify requests.
st events export --out "$work/all.json" >/dev/null
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/ld+json' --data-binary @"$work/all.json" "$server/epcis/capture")" = 200 ] \
  || fail "re-sent capture not answered 200"
[ "$(code -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/ld+json' --data-binary '{not json' "$server/epcis/capture")" = 400 ] \
  || fail "malformed capture not answered 400"
[ "$(code -X POST --data-binary @"$work/all.json" "$server/epcis/capture")" = 401 ] || fail "unauthenticated capture not refused with 401"
path=${stamp#https://*/}
[ "$(code -H 'Accept: application/json' "$server/$path")" = 200 ] || fail "verify of a printed stamp not answered 200"
[ "$(code -H 'Accept: application/json' "$server/01/123")" = 400 ] || fail "verify of a non-stamp not answered 400"

# Both outputs parse as a whole with the independent parser.
for url in "$station" "$server"; do
  curl -sf "$url/metrics" > "$work/metrics.txt" || fail "GET $url/metrics"
  "$venv/bin/python" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
families = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert families and all(f.documentation and f.type in ("counter", "gauge") for f in families), "a family lacks HELP or TYPE"
print("check-metrics: %s: %d families, %d samples" % (sys.argv[2], len(families), sum(len(f.samples) for f in families)))' \
    "$work/metrics.txt" "$url" || fail "$url/metrics does not parse"
done

expect "$station" station_labels_printed_total '{"station":"BK-NARI-01"}' 5
expect "$station" station_reprints_total '{}' 0
expect "$station" station_voids_total '{}' 0
expect "$station" station_serials '{"state":"commissioned"}' 5
expect "$station" station_scans_total '{"outcome":"accepted"}' 1
expect "$station" station_scans_total '{"outcome":"duplicate"}' 1
expect "$station" station_scans_total '{"outcome":"rejected"}' 1
expect "$station" station_scans_total '{"outcome":"flagged"}' 0
expect "$station" station_rejects_total '{"source":"scan"}' 1
expect "$station" station_print_jobs '{"state":"completed"}' 1
expect "$station" station_print_jobs '{"state":"paused"}' 0
expect "$station" station_printer_condition '{"printer":"line1","condition":"ready"}' 1
expect "$station" station_printer_condition '{"printer":"line1","condition":"paper_out"}' 0
expect "$station" station_sync_configured '{}' 1
expect "$station" station_sync_backlog_events '{}' 0
expect "$station" station_sync_last_contact_failed '{}' 0
expect "$station" station_events '{}' 6
age=$(metric "$station" station_sync_last_success_age_seconds '{}')
[ "$age" != absent ] && [ "$age" -le 60 ] || fail "station_sync_last_success_age_seconds = $age"
[ "$(metric "$station" station_store_size_bytes '{}')" -gt 4096 ] || fail "station_store_size_bytes too small"

expect "$server" trace_server_capture_events_total '{"outcome":"accepted"}' 6
expect "$server" trace_server_capture_events_total '{"outcome":"duplicate"}' 6
expect "$server" trace_server_capture_events_total '{"outcome":"rejected"}' 1
expect "$server" trace_server_capture_requests_total '{"code":"400"}' 1
expect "$server" trace_server_capture_requests_total '{"code":"401"}' 1
expect "$server" trace_server_verify_requests_total '{"code":"200"}' 1
expect "$server" trace_server_verify_requests_total '{"code":"400"}' 1
expect "$server" trace_server_storage_up '{}' 1

# Health: 200 with every component; no credential needed for /health and /metrics.
health=$(curl -s -w '\n%{http_code}' "$station/health")
[ "$(tail -1 <<<"$health")" = 200 ] || fail "/health: $health"
grep -q '"status":"ok"' <<<"$health" || fail "/health not ok: $health"
grep -q '"storeWritable":true' <<<"$health" || fail "/health lacks the store: $health"
[ "$(code "$station/api/status")" = 401 ] || fail "/api/status must need the operator credential"

# The station's server token appears in no log line of either process (debug / trace level).
grep -qF "$token" "$work/station.log" "$work/server.log" && fail "the station token appears in a log"
[ -s "$work/station.log" ] && [ -s "$work/server.log" ] || fail "no logs captured"
echo "check-metrics: OK"
