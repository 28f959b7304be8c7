#!/usr/bin/env bash
# A short fuzz run of every target (see fuzz.sh): the committed regressions replay and each
# parser takes FUZZ_SECONDS (default 20) of mutated input with zero crashes.
set -euo pipefail
exec "$(dirname "$0")/fuzz.sh" "${FUZZ_SECONDS:-20}"
