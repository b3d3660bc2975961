#!/usr/bin/env bash
# A real backup against the simulator: starts espsim as a 4 MB ESP8266 board
# (a D1 mini), puts a 400 KB "firmware" on it, backs up the whole flash with
# `espbak read_flash 0 ALL`, and checks the backup equals the device's flash.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build}
work=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; rm -rf "$work"' EXIT

"$BIN/espsim" --chip esp8266 --flash-size 4MB --flash-file "$work/device-flash.bin" \
  --listen tcp:127.0.0.1:0 >"$work/sim.out" 2>"$work/sim.err" &
sim=$!
for _ in $(seq 100); do grep -q "listening on" "$work/sim.out" && break; sleep 0.05; done
port=$(sed -n 's/^espsim: listening on //p' "$work/sim.out")
[ -n "$port" ] || { echo "demo: espsim did not start: $(cat "$work/sim.err")" >&2; exit 1; }
echo "demo: simulated ESP8266 at $port"

head -c 409600 /dev/urandom >"$work/firmware.bin"
set -x
"$BIN/espbak" -p "$port" flash_id
"$BIN/espbak" -p "$port" write_flash 0 "$work/firmware.bin"
"$BIN/espbak" -p "$port" read_flash 0 ALL "$work/d1-mini.bin"
{ set +x; } 2>/dev/null
cmp "$work/d1-mini.bin" "$work/device-flash.bin"
echo "demo: backup of $(stat -c %s "$work/d1-mini.bin") bytes equals the device's flash"
