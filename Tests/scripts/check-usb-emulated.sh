#!/usr/bin/env bash
# The real `station` binary against USB devices emulated with umockdev (no hardware needed):
#   printer   `station print` to a Zebra printer-class device: bulk OUT bytes equal to the ZPL
#             `station label render` makes, status queries answered, a scripted paper-out pauses the
#             job, and resolve + resume finish it with every serial sent once;
#   scanners  `station run` reads a HID keyboard scanner and a HID POS scanner (replayed reports):
#             stamps become inspecting events, a broken scan is logged as rejected, nothing is lost.
# See Tests/USBTests/emulation/station_harness.py. Uses .build/debug/station (or $STATION_BIN).
set -euo pipefail
cd "$(dirname "$0")/../.."
station="${STATION_BIN:-.build/debug/station}"
if [ ! -x "$station" ]; then
  echo "check-usb-emulated: $station not built (run swift build)"; exit 1
fi
for tool in umockdev-wrapper zbarimg /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "check-usb-emulated: $tool missing (scripts/install-deps --test)"; exit 1; }
done
status=0
for mode in printer scanners; do
  echo "--- $mode"
  /usr/bin/python3 Tests/USBTests/emulation/station_harness.py "$station" "$mode" || status=1
done
exit $status
