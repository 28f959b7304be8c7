#!/usr/bin/env bash
# The systemd units and the installer: scripts/install-service stages everything under a temporary
# root (binaries, units, udev rules, config, templates, profiles); systemd-analyze verify finds no
# problem in the installed units (any warning fails too), systemd-analyze security rates their
# exposure as OK, and the units keep what operations rely on (dedicated users, restart on failure,
# graceful stop, USB access through the udev rules' group).
# systemd is not PID 1 in a container, so the units are checked offline, not started.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "check-systemd: FAIL: $*"; exit 1; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing: run scripts/install-deps --test"
for b in station trace-server; do [ -x ".build/debug/$b" ] || fail "build first (swift build)"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

scripts/install-service --binaries .build/debug --destdir "$work/root" >/dev/null
for f in usr/local/bin/station usr/local/bin/trace-server etc/systemd/system/station.service etc/systemd/system/trace-server.service \
         etc/station/station.toml etc/trace-server/trace-server.env usr/share/station/templates usr/share/station/Drivers; do
  [ -e "$work/root/$f" ] || fail "install-service did not install /$f"
done
cmp -s "$work/root/etc/udev/rules.d/60-station.rules" Config/udev/60-station.rules || fail "installed udev rules differ from Config/udev/60-station.rules"
[ "$(stat -c %a "$work/root/etc/trace-server/trace-server.env")" = 600 ] || fail "trace-server.env must be mode 0600"
# The staged tree must hold a working station: it finds its templates and profiles there.
"$work/root/usr/local/bin/station" udev-rules --drivers "$work/root/usr/share/station/Drivers" | cmp -s - Config/udev/60-station.rules \
  || fail "installed binary and profiles do not reproduce the udev rules"

# systemd-analyze checks that ExecStart exists: point the units at the staged binaries.
mkdir "$work/units"
for u in station trace-server; do
  sed "s#/usr/local/bin/#$work/root/usr/local/bin/#g" "$work/root/etc/systemd/system/$u.service" > "$work/units/$u.service"
done
out=$(systemd-analyze verify "$work/units/station.service" "$work/units/trace-server.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"

# A unit with a mistake must be caught by the same check (the check can fail).
sed 's/^KillSignal=SIGTERM/KillSignal=SIGTREM/' "$work/units/station.service" > "$work/units/broken.service"
bad=$(systemd-analyze verify "$work/units/broken.service" 2>&1 || true)
[ -n "$bad" ] || fail "systemd-analyze verify did not notice a misspelt signal"

for u in station trace-server; do
  line=$(systemd-analyze security --offline=true --threshold=25 "$work/units/$u.service" 2>&1 | tail -1) \
    || fail "$u.service exposure above 2.5: $line"
  echo "check-systemd: $line"
done

need() { # unit directive...
  local u=$1; shift
  for d in "$@"; do grep -qx "$d" "Config/systemd/$u.service" || fail "$u.service lacks $d"; done
}
need station User=station Group=station StateDirectory=station Restart=on-failure KillSignal=SIGTERM TimeoutStopSec=30 \
  RestartPreventExitStatus=78 DevicePolicy=closed "DeviceAllow=char-usb_device rw" NoNewPrivileges=yes ProtectSystem=strict
need trace-server User=trace-server Group=trace-server StateDirectory=trace-server Restart=on-failure KillSignal=SIGTERM \
  TimeoutStopSec=30 PrivateDevices=yes NoNewPrivileges=yes ProtectSystem=strict
# The udev rules give devices to the group the station runs as.
grep -q 'GROUP="station"' Config/udev/60-station.rules || fail "udev rules do not use the station group"
# The station must not hide /dev/bus/usb from itself.
! grep -qx "PrivateDevices=yes" Config/systemd/station.service || fail "station.service hides USB devices (PrivateDevices)"
echo "check-systemd: OK"
