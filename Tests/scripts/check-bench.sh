#!/usr/bin/env bash
# Smoke run of the benchmark harness at tiny sizes on the debug build, so it cannot rot: every
# area runs to the end, prints its table and its peers' rows. The figures of a debug build at this
# size mean nothing and are not checked; the real run is scripts/bench (release, full size).
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=.build/debug/station-bench
swift build --product station-bench >/dev/null   # up to date after scripts/test's build; quick then
swift build --product station >/dev/null
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
if ! "$bench" --scale 0.001 > "$out" 2>&1; then
  echo "check-bench: station-bench failed:"; tail -40 "$out"; exit 1
fi
failed=0
expect() {
  if ! grep -qE "$1" "$out"; then echo "check-bench: missing: $2"; failed=1; fi
}
expect '^# station-bench .*DEBUG build' "the header naming the build"
expect '^## serials' "the serials table"
expect '^## events' "the events table"
expect '^## labels' "the labels table"
expect '^\| station: ZPL native' "our native ZPL row"
expect '^\| peer: Python f-string ZPL template .*\| [0-9]+ \| [0-9]+' "the Python ZPL peer with a figure"
expect '^\| peer: qrencode CLI.*\| [0-9]+ \| [0-9]+' "the qrencode CLI peer with a figure"
expect '^## decode' "the decode table"
expect '^\| zbarimg' "the zbarimg peer"
expect '^## printers' "the printers table"
expect '^\| labels with a status poll .* labels/s' "the USB throughput against the umockdev printer"
expect '^## sync' "the sync table"
expect '^## verify' "the verify table"
expect '^## scanners' "the scanners table"
expect '^## memory: peak resident set' "the memory table (the real station binary ran)"
expect '^\| long job \| 1000 \|' "the long job's row"
if grep -qE "Fatal error|^[0-9T:+-]+ error " "$out"; then grep -nE "Fatal error|^[0-9T:+-]+ error " "$out" | head; failed=1; fi
[ "$failed" -eq 0 ] || { echo "--- output"; cat "$out"; exit 1; }
echo "check-bench: every area ran ($(grep -c '^## ' "$out") tables, $(wc -l < "$out") lines)"
