#!/usr/bin/env bash
# A full disk and a read-only data directory, on a small tmpfs of the check's own (a mount
# namespace when not root): clear errors with exit status 74, no corruption, nothing lost, and
# everything works again once space returns or the disk is writable again.
#   1. `station print` on a disk that fills mid-job stops with the disk-full message; after space
#      is freed, `job recover` + the operator's resolve + `job resume` finish the job: every stamp
#      on paper has one commissioning event, every serial of the job is printed or void.
#   2. The daemon keeps scans that arrive while the disk is full in memory (/health says so, 503)
#      and records them, with the time they arrived, as soon as space returns.
#   3. Read-only (remounted ro): print and doctor fail clearly; writable again, printing works.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ] && [ "${STATION_DISKFULL_NS:-}" != 1 ]; then
  exec unshare --user --map-root-user --mount env STATION_DISKFULL_NS=1 bash "$0" "$@"
fi
bin="$(pwd)/.build/debug/station"
[ -x "$bin" ] || { echo "check-disk-full: build first (swift build)"; exit 1; }
work=$(mktemp -d)
disk="$work/disk"
mkdir "$disk"
mount -t tmpfs -o size=3m,mode=0755 tmpfs "$disk" || { echo "check-disk-full: cannot mount a tmpfs (needs root or user namespaces)"; exit 1; }
daemon=""
cleanup() {
  [ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  umount "$disk" 2>/dev/null || umount -l "$disk" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
data="$disk/var"
st() { "$bin" "$@" --config Config/station.toml --data-dir "$data" --log-level error --set printers.line1.mode=native; }
fail() { echo "check-disk-full: FAIL: $*"; [ -f "$work/daemon.log" ] && tail -20 "$work/daemon.log"; exit 1; }
fill() { dd if=/dev/zero of="$disk/filler" bs=4k 2>/dev/null || true; }   # until the disk is full
sql() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$data/station.sqlite" "$1"; }

st product add --gtin 8938512345017 --name "Miến dong Na Rì" --producer "HTX Na Rì" --producer-gln 8938512340005 --shelf-life-days 364 >/dev/null
st batch create --product 8938512345017 --lot DF1 --produced 2025-03-14 --quantity 100000 >/dev/null

# 1. The disk fills during a print job (labels and database share it).
set +e
out=$(st print --batch DF1 --count 1500 2>&1); code=$?
set -e
[ $code -ne 0 ] || fail "a job of 1500 labels fit on a 3 MB disk?"
[ $code -eq 74 ] || [ $code -eq 3 ] || fail "exit status $code on a full disk (want 74, or 3 when the printer's write failed first): $out"
grep -Eq "disk holding .* is full|No space left|đĩa đầy" <<<"$out" || fail "no disk-full message: $out"
grep -q "SQLite error" <<<"$out" && fail "a raw SQLite error reached the operator: $out"
printed_before=$(ls "$data/labels" | grep -c '\.zpl$' || true)
echo "check-disk-full: disk full after $printed_before labels: exit $code, $(grep -Eo 'disk holding [^;]*is full|No space left' <<<"$out" | head -1)"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "database damaged by the full disk"

mount -o remount,size=64m "$disk"   # space returns (a bigger card, files moved away)
st job recover >/dev/null || fail "job recover after space returned"
uncertain=$(st job show 1 | sed -n 's/^  uncertain: //p')
printed=(); void=()
for s in $uncertain; do
  if grep -lq "/21/$s?" "$data"/labels/*.zpl 2>/dev/null; then printed+=("$s"); else void+=("$s"); fi
done
if [ -n "$uncertain" ]; then
  args=(job resolve 1)
  [ ${#printed[@]} -gt 0 ] && args+=(--printed "${printed[@]}")
  [ ${#void[@]} -gt 0 ] && args+=(--void "${void[@]}")
  st "${args[@]}" >/dev/null || fail "resolve the uncertain stamps"
fi
st job resume 1 >/dev/null 2>&1 || fail "resume after space returned"
st job show 1 | grep -q "completed" || fail "job 1 did not complete: $(st job show 1 | head -3)"
on_paper=$(grep -ho '/21/[0-9A-Z]\{10\}?' "$data"/labels/*.zpl | sort)
[ "$(uniq -d <<<"$on_paper" | wc -l)" -eq 0 ] || fail "a stamp is on paper twice"
commissioned=$(sql "SELECT COUNT(DISTINCT p.epc) FROM events e JOIN event_epcs p ON p.seq = e.seq WHERE e.biz_step = 'commissioning'")
[ "$commissioned" -eq "$(wc -l <<<"$on_paper")" ] || fail "$(wc -l <<<"$on_paper") stamps on paper, $commissioned commissioned"
[ "$(sql "SELECT COUNT(*) FROM serial_states WHERE state IN ('sent', 'uncertain')")" -eq 0 ] || fail "serials left unsettled"
st events verify >/dev/null || fail "event chain after the full disk"
echo "check-disk-full: job finished after space returned: $(wc -l <<<"$on_paper") stamps on paper, $commissioned commissioned, ${#printed[@]} uncertain confirmed, ${#void[@]} voided"

# 2. Scans while the disk is full are held, then recorded.
mkfifo "$work/scanner"
"$bin" run --config Config/station.toml --data-dir "$data" --port 0 --set printers.line1.mode=native < "$work/scanner" > "$work/daemon.log" 2>&1 &
daemon=$!
exec 3> "$work/scanner"
for _ in $(seq 100); do [ -s "$data/web.port" ] && break; sleep 0.1; done
port=$(cat "$data/web.port")
events_before=$(sql "SELECT COUNT(*) FROM events WHERE biz_step = 'inspecting'")
fill
links=$(cat "$data"/labels/00000[1-4].zpl | grep -o 'https://[^^]*')
printf '%s\nnot a stamp\n' "$links" >&3
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/health" | grep -q '"heldScans":5' && break; sleep 0.1; done
health=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$port/health")
grep -q '"heldScans":5' <<<"$health" || fail "/health does not show 5 held scans: $health"
[ "$(tail -1 <<<"$health")" = 503 ] || fail "/health with held scans answered $(tail -1 <<<"$health")"
rm -f "$disk/filler"
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/health" | grep -q '"heldScans":0' && break; sleep 0.1; done
curl -s "http://127.0.0.1:$port/health" | grep -q '"heldScans":0' || fail "held scans were not recorded after space returned"
events_after=$(sql "SELECT COUNT(*) FROM events WHERE biz_step = 'inspecting'")
[ $((events_after - events_before)) -eq 4 ] || fail "$((events_after - events_before)) inspecting events for 4 held stamp scans"
[ "$(sql "SELECT COUNT(*) FROM scan_log WHERE raw = CAST('not a stamp' AS BLOB)")" -eq 1 ] || fail "the held non-stamp scan is not in the scan log"
kill -TERM "$daemon"; wait "$daemon" || fail "daemon did not stop cleanly"; daemon=""
exec 3>&-
echo "check-disk-full: 5 scans held while the disk was full, recorded when space returned (4 inspecting events, 1 rejection)"

# 3. Read-only data directory.
mount -o remount,ro "$disk"
set +e
out=$(st print --batch DF1 --count 3 2>&1); code=$?
doctor=$(st doctor 2>&1); dcode=$?
set -e
[ $code -eq 74 ] || fail "print on a read-only disk: exit $code: $out"
grep -q "read-only" <<<"$out" || fail "no read-only message: $out"
[ $dcode -eq 1 ] && grep -q "LỖI" <<<"$doctor" || fail "doctor on a read-only disk: exit $dcode: $doctor"
mount -o remount,rw "$disk"
st job recover >/dev/null
st print --batch DF1 --count 3 >/dev/null || fail "print after the disk is writable again"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "database damaged"
st events verify >/dev/null || fail "event chain after read-only"
echo "check-disk-full: read-only: exit 74 with the read-only message, doctor LỖI; writable again: printing works, chain intact"
echo "check-disk-full: OK"
