#!/usr/bin/env bash
# Creates (once) the virtualenv of Python checkers the script checks use, outside the repository,
# and prints its path. Pinned versions from PyPI; idempotent.
#   prometheus-client: its parser reads /metrics independently of the station's renderer.
set -euo pipefail
VENV="${STATION_CHECKS_VENV:-$HOME/.cache/station-checks}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import prometheus_client" 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q prometheus-client==0.26.0 >&2
fi
echo "$VENV"
