#!/usr/bin/env bash
# Clock jumps, with the real binary under libfaketime (Debian's faketime, an LD_PRELOAD shim):
#   1. stamps printed, then the clock set back an hour (an NTP step, a box without an RTC
#      battery): the new events are not earlier than the old ones, the station warns, the chain
#      verifies, `station doctor` says LỖI for the clock;
#   2. the right time again: events move on; 3. a clock years in the past (before the software
#      was built): doctor says so; 4. a clock that ran a day fast: the daemon warns at start and
#      its /health is degraded with the clock as the reason; events stay in order.
set -euo pipefail
export NO_FAKE_STAT=1                  # libfaketime fakes the clock only, not file times (the build time is the binary's mtime)
export FAKETIME_DONT_FAKE_MONOTONIC=1   # a clock step moves the wall clock, not the monotonic one timers use
cd "$(dirname "$0")/../.."
bin=.build/debug/station
[ -x "$bin" ] || { echo "check-clock: build first (swift build)"; exit 1; }
command -v faketime >/dev/null || { echo "check-clock: faketime missing: run scripts/install-deps --test"; exit 1; }
work=$(mktemp -d)
daemon=""
trap '[ -n "$daemon" ] && kill -9 $daemon 2>/dev/null; rm -rf "$work"' EXIT
st() { "$bin" "$@" --config Config/station.toml --data-dir "$work/data" --log-level warning --set printers.line1.mode=native; }
fail() { echo "check-clock: FAIL: $*"; exit 1; }
times() { python3 -c 'import sqlite3, sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("SELECT event_time FROM events ORDER BY seq")]' "$work/data/station.sqlite"; }
# Event times in chain order never decrease (they are written with the same offset, so text order is time order).
in_order() { times | python3 -c 'import sys; t=[l.strip() for l in sys.stdin]; bad=[i for i in range(1,len(t)) if t[i] < t[i-1]]; print(len(t)); sys.exit(1 if bad else 0)'; }

st product add --gtin 8938512345017 --name "Miến dong Na Rì" --producer "HTX Na Rì" --producer-gln 8938512340005 --shelf-life-days 364 >/dev/null
st batch create --product 8938512345017 --lot CK1 --produced 2025-03-14 --quantity 1000 >/dev/null
st print --batch CK1 --count 5 >/dev/null 2>&1 || fail "print at the right time"
newest_before=$(times | tail -1)

# 1. Set back an hour.
out=$(faketime -f '-1h' "$bin" print --batch CK1 --count 5 --config Config/station.toml --data-dir "$work/data" --set printers.line1.mode=native 2>&1) \
  || fail "print with the clock set back: $out"
grep -q "behind the newest recorded event" <<<"$out" || fail "no warning about the clock: $out"
n=$(in_order) || fail "event times go back along the chain: $(times | tr '\n' ' ')"
[ "$(times | tail -1)" = "$newest_before" ] || fail "events were not held at the newest recorded time ($newest_before): $(times | tail -1)"
st events verify >/dev/null || fail "the chain after a clock set back"
set +e; doctor=$(faketime -f '-1h' "$bin" doctor --config Config/station.toml --data-dir "$work/data" 2>&1); dcode=$?; set -e
[ $dcode -eq 1 ] && grep -q "LỖI.*sớm hơn sự kiện mới nhất" <<<"$doctor" || fail "doctor with the clock set back (exit $dcode): $doctor"
echo "check-clock: clock set back 1 h: $n events in order (held at $newest_before), warning printed, chain intact, doctor LỖI"

# 2. The right time again: new events carry it, doctor is content.
sleep 1.1
st print --batch CK1 --count 2 >/dev/null 2>&1 || fail "print at the right time again"
[ "$(times | tail -1)" \> "$newest_before" ] || fail "events after the clock is right again still held: $(times | tail -1)"
in_order >/dev/null || fail "event times out of order"
st doctor 2>&1 | grep -q "OK.*Đồng hồ hệ thống hợp lý" || fail "doctor with the right time: $(st doctor 2>&1)"
echo "check-clock: right time again: events move on, doctor OK"

# 3. Years in the past, as a box without an RTC battery boots: before the software was built.
set +e; doctor=$(faketime -f '@2001-01-01 00:00:00' "$bin" doctor --config Config/station.toml --data-dir "$work/data" 2>&1); dcode=$?; set -e
[ $dcode -eq 1 ] && grep -q "trước ngày cài chương trình" <<<"$doctor" || fail "doctor with a clock in 2001 (exit $dcode): $doctor"

# 4. A clock that ran a day fast, then corrected: the daemon starts behind its newest event.
faketime -f '+1d' "$bin" print --batch CK1 --count 2 --config Config/station.toml --data-dir "$work/data" --set printers.line1.mode=native >/dev/null 2>&1 \
  || fail "print with a clock a day ahead"
"$bin" run --config Config/station.toml --data-dir "$work/data" --port 0 --set printers.line1.mode=native < /dev/null > "$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do [ -s "$work/data/web.port" ] && break; sleep 0.1; done
[ -s "$work/data/web.port" ] || fail "the daemon did not start: $(cat "$work/daemon.log")"
health=$(curl -s "http://127.0.0.1:$(cat "$work/data/web.port")/health")
grep -q '"status":"degraded"' <<<"$health" && grep -q 'sớm hơn sự kiện mới nhất' <<<"$health" || fail "/health behind the newest event: $health"
grep -q "the clock is implausible" "$work/daemon.log" || fail "the daemon did not warn about the clock: $(cat "$work/daemon.log")"
kill -TERM $daemon; wait $daemon || fail "daemon did not stop cleanly: $(tail -20 "$work/daemon.log")"; daemon=""
st print --batch CK1 --count 2 >/dev/null 2>&1 || fail "print behind the newest event"
n=$(in_order) || fail "event times out of order after a day's correction"
st events verify >/dev/null || fail "chain"
echo "check-clock: clock in 2001: doctor LỖI; a day's correction: daemon warns, /health degraded, $n events still in order"
echo "check-clock: OK"
