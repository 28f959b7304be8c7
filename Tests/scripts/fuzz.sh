#!/usr/bin/env bash
# Fuzzes the parsers that take untrusted input with libFuzzer + AddressSanitizer (Tests/Fuzz).
#
#   Tests/scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     # default: 60 s, every target
#   FUZZ_MERGE=1 Tests/scripts/fuzz.sh 600 FuzzGS1              # then fold what it found into Corpus/
#
# Each target starts from its committed seeds (Tests/Fuzz/Corpus/<target>) and first replays the
# inputs that once crashed it (Tests/Fuzz/Regressions/<target>). New inputs go to a scratch folder,
# so a run leaves the repository as it was unless FUZZ_MERGE=1. Exit status 1 on any crash, leak
# (where checked), timeout or failed check; the crashing input is kept under $FUZZ_WORK/artifacts.
# Prints one line per target: executions, coverage, corpus size.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"

seconds="${1:-60}"; shift || true
all=(FuzzGS1 FuzzDigitalLink FuzzHIDReports FuzzPrinterStatus FuzzTemplate FuzzImage)
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
work="${FUZZ_WORK:-$(mktemp -d /tmp/station-fuzz.XXXXXX)}"
mkdir -p "$work/artifacts"

# Debug configuration (assertions on); the check below makes sure the station's modules report coverage.
# A build description older than the package's manifest (a target added) is planned anew.
if [ -f .build/debug.yaml ] && [ ../../Package.swift -nt .build/debug.yaml ]; then
  rm -f .build/debug.yaml .build/build.db
fi
# swiftc keeps only the last -sanitize= it is given, and SwiftPM passes one per --sanitize: the
# combined flag, last, gives the Swift modules libFuzzer's coverage counters as well as ASan's
# checks (the --sanitize flags still pick the runtimes the link needs).
swift build -c debug --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -Ev '^\[|Cannot export local symbol' || true
[ -x .build/debug/FuzzGS1 ] || { echo "fuzz: the fuzz targets did not build" >&2; exit 1; }
for o in GS1.build/DigitalLink.swift.o Devices.build/HIDPOSDecoder.swift.o Barcodes.build/PhotoDecoder.swift.o; do
  [ "$(objdump -h ".build/debug/$o" | grep -c __sancov_cntrs)" -gt 0 ] \
    || { echo "fuzz: $o has no coverage counters: libFuzzer would fuzz the Swift code blind" >&2; exit 1; }
done

export SWIFT_BACKTRACE=enable=no   # the Swift backtracer's memory reader trips AddressSanitizer
failed=0
total=0
for t in "${targets[@]}"; do
  bin=".build/debug/$t"
  [ -x "$bin" ] || { echo "fuzz: unknown target $t (known: ${all[*]})" >&2; exit 2; }
  opts=(-max_len=65536 -timeout=10 -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-")
  # TOMLKit 0.6.0 leaks a few hundred bytes per parse (tableGetKeys, the parse error buffer); its
  # leaks are not ours to fix, so leak checking is off for the template target only.
  # LeakSanitizer's report at exit needs ASAN_OPTIONS too.
  env=()
  [ "$t" = FuzzTemplate ] && { opts+=(-detect_leaks=0); env=(ASAN_OPTIONS=detect_leaks=0); }
  if [ -d "Regressions/$t" ] && [ -n "$(ls -A "Regressions/$t")" ]; then
    env "${env[@]}" "$bin" "${opts[@]}" "Regressions/$t"/* > "$work/$t.regressions.log" 2>&1 \
      || { echo "fuzz: $t: a fixed crash is back:"; tail -30 "$work/$t.regressions.log"; failed=1; continue; }
  fi
  # Blind fuzzing finds little: the parsers' own code must report coverage on the seeds.
  seeded=$(env "${env[@]}" "$bin" "${opts[@]}" -runs=0 "Corpus/$t" 2>&1 | sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' | head -1 || true)
  if [ "${seeded:-0}" -lt 100 ]; then
    echo "fuzz: $t: the seeds reach ${seeded:-no} coverage points: the code is not instrumented (stale build? remove Tests/Fuzz/.build)"
    failed=1; continue
  fi
  mkdir -p "$work/corpus/$t"
  if env "${env[@]}" "$bin" "${opts[@]}" -max_total_time="$seconds" "$work/corpus/$t" "Corpus/$t" > "$work/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" || true)
    cov=$(grep -Eo 'cov: [0-9]+' "$work/$t.log" | tail -1 || true)
    echo "fuzz: $t: ${runs:-?} executions in ${seconds} s, coverage from ${seeded} to ${cov#cov: }, corpus $(ls "$work/corpus/$t" | wc -l) new + $(ls "Corpus/$t" | wc -l) seeds, 0 crashes"
    total=$((total + ${runs:-0}))
  else
    echo "fuzz: $t FAILED:"; grep -E 'ERROR|Assertion|Fatal error|precondition|SUMMARY|Test unit written' "$work/$t.log" | head -10
    failed=1
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    env "${env[@]}" "$bin" "${opts[@]}" -merge=1 "Corpus/$t" "$work/corpus/$t" > "$work/$t.merge.log" 2>&1
  fi
done
echo "fuzz: $total executions in all; logs and any crashing inputs in $work"
exit $failed
