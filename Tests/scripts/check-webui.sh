#!/usr/bin/env bash
# The operator's web UI driven in a real headless Chromium (Debian's chromium + chromium-driver)
# against the real `station run` daemon on the embedded default with the virtual printer:
# log in with the PIN, create a batch, print 20 stamps and watch the progress bar reach 100%,
# feed a scan on the daemon's stdin and see it in the scan log, upload a label photo and see the
# verdict, switch to English. Writes screenshots to docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/../.."

STATION="${STATION_BIN:-.build/debug/station}"
if [ ! -x "$STATION" ]; then
  echo "check-webui: $STATION is missing: run \`swift build\` first" >&2
  exit 1
fi
for tool in chromium chromedriver zbarimg; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-webui: $tool is missing: run \`scripts/install-deps --test\`" >&2
    exit 1
  fi
done

# Python selenium in a virtualenv of its own, made once (the .build* folders are ignored by git).
VENV="${STATION_WEBUI_VENV:-.build-venv/webui}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import selenium" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "selenium==4.51.0"
fi

exec "$VENV/bin/python" Tests/scripts/webui_check.py --station "$STATION" --screenshots docs/screenshots
