#!/usr/bin/env bash
# Runs the Windows build (scripts/build-windows.sh, ./build-win) under wine:
# espbak.exe --version, the unit tests, espbak.exe against the Linux espsim
# over socket:// and rfc2217:// (write_flash then read_flash, byte-compared)
# and the Linux espbak against espsim.exe over socket:// the same way. Needs wine (Debian: wine64) and
# the Linux build in ./build (scripts/build.sh espbak espsim). Also: a
# read_flash of espbak.exe interrupted by Ctrl+C. Exits
# non-zero on the first failure. Not covered: real COM ports, port
# discovery (wine has no USB serial devices), espsim.exe's RFC 2217 server.
# ESPBAK_WIN_BUILD_DIR: the Windows build directory (default build-win).
set -euo pipefail
cd "$(dirname "$0")/.."
win_dir=${ESPBAK_WIN_BUILD_DIR:-build-win}
# Debian's wine64 without the wine package (its /usr/bin wrapper) has only
# /usr/lib/wine/wine64.
WINE=$(command -v wine64 || command -v wine || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true)
[ -n "$WINE" ] || { echo "test-windows: wine not found (apt-get install -y wine64)" >&2; exit 1; }
for f in "$win_dir"/espbak.exe "$win_dir"/espsim.exe "$win_dir"/tests/unit_tests.exe build/espbak build/espsim; do
  [ -x "$f" ] || [ -f "$f" ] || { echo "test-windows: $f missing (scripts/build-windows.sh, scripts/build.sh)" >&2; exit 1; }
done
export WINEDEBUG=-all WINEPREFIX="${WINEPREFIX:-$PWD/$win_dir/wineprefix}"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test-windows: FAIL: $*" >&2; exit 1; }
# wine sees the Linux file system as drive Z:.
winpath() { echo "Z:${1//\//\\}"; }

# Waits (up to 120 s: wine's first start creates its prefix) for espsim's
# "listening on SCHEME://HOST:PORT" line in $1 (from process $2); prints
# SCHEME://127.0.0.1:PORT.
wait_for_port() {
  local log=$1 pid=$2
  for _ in $(seq 1200); do
    local port
    port=$(sed -n 's|.*listening on \([a-z0-9]*://127\.0\.0\.1:[0-9]*\).*|\1|p' "$log" | head -n1)
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.1
  done
  return 1
}

version=$("$WINE" "$win_dir"/espbak.exe --version 2>/dev/null | tr -d '\r')
[[ "$version" == "espbak "* ]] || fail "espbak.exe --version printed '$version'"
echo "test-windows: ok: espbak.exe --version: $version"

"$WINE" "$win_dir"/tests/unit_tests.exe --warn NoTests >"$work/unit.log" 2>&1 || { tail -n 30 "$work/unit.log" >&2; fail "unit_tests.exe"; }
echo "test-windows: ok: unit_tests.exe: $(grep -E 'All tests passed|test cases' "$work/unit.log" | tail -n1 | tr -d '\r')"

head -c 262144 /dev/urandom >"$work/image.bin"

# Round trip: write_flash then read_flash through the espbak command given
# against the espsim at URL, compared byte for byte.
round_trip() {
  local what=$1 url=$2
  shift 2
  local out="$work/read-${what// /-}.bin"
  "$@" --port "$url" write_flash 0x20000 "$(arg_path "$1" "$work/image.bin")" \
    >"$work/write.log" 2>&1 || { cat "$work/write.log" >&2; fail "$what: write_flash"; }
  "$@" --port "$url" read_flash 0x20000 262144 "$(arg_path "$1" "$out")" \
    >"$work/read.log" 2>&1 || { cat "$work/read.log" >&2; fail "$what: read_flash"; }
  cmp "$work/image.bin" "$out" || fail "$what: the flash read back differs from the image written"
  echo "test-windows: ok: $what: write_flash + read_flash of 256 KiB, byte-identical"
}
arg_path() { if [[ "$1" == *.exe || "$1" == "$WINE" ]]; then winpath "$2"; else echo "$2"; fi; }

# espbak.exe (under wine) against the Linux espsim.
build/espsim --chip esp32 --flash-size 4MB --listen tcp:127.0.0.1:0 >"$work/sim-linux.log" 2>&1 &
pids+=($!)
url=$(wait_for_port "$work/sim-linux.log" "${pids[-1]}") || fail "Linux espsim did not start"
round_trip "espbak.exe vs Linux espsim (socket)" "$url" "$WINE" "$win_dir"/espbak.exe

# espbak.exe over rfc2217:// (Telnet COM-port control: DTR/RTS resets).
build/espsim --chip esp32c3 --flash-size 4MB --listen rfc2217:127.0.0.1:0 >"$work/sim-rfc.log" 2>&1 &
pids+=($!)
url=$(wait_for_port "$work/sim-rfc.log" "${pids[-1]}") || fail "Linux espsim (rfc2217) did not start"
round_trip "espbak.exe vs Linux espsim (rfc2217)" "$url" "$WINE" "$win_dir"/espbak.exe

# The Linux espbak against espsim.exe (under wine).
"$WINE" "$win_dir"/espsim.exe --chip esp32s3 --flash-size 4MB --listen tcp:127.0.0.1:0 >"$work/sim-win.log" 2>&1 &
pids+=($!)
url=$(wait_for_port "$work/sim-win.log" "${pids[-1]}") || fail "espsim.exe did not start"
round_trip "Linux espbak vs espsim.exe (socket)" "$url" build/espbak

# An interrupted read_flash: wine turns the SIGINT its process gets into a
# console Ctrl+C event (interruption_win.cpp), which espbak.exe must handle
# as the POSIX build handles SIGINT: one line, no file left, exit 130.
build/espsim --chip esp8266 --flash-size 4MB --link realistic --listen tcp:127.0.0.1:0 >"$work/sim-slow.log" 2>&1 &
pids+=($!)
url=$(wait_for_port "$work/sim-slow.log" "${pids[-1]}") || fail "Linux espsim (slow link) did not start"
printf old >"$work/dump.bin"
"$WINE" "$win_dir"/espbak.exe --port "$url" read_flash --no-skip-erased 0 ALL "$(winpath "$work/dump.bin")" \
  >"$work/int.out" 2>"$work/int.err" &
reader=$!
pids+=("$reader")
for _ in $(seq 600); do
  compgen -G "$work/dump.bin.*.part" >/dev/null && break
  kill -0 "$reader" 2>/dev/null || break
  sleep 0.1
done
compgen -G "$work/dump.bin.*.part" >/dev/null || { cat "$work/int.err" >&2; fail "interrupted read: no temporary file appeared"; }
kill -INT "$reader"
set +e
wait "$reader"
rc=$?
set -e
err=$(tr -d '\r' <"$work/int.err" | grep 'espbak: error:' || true)
[ "$rc" -eq 130 ] || { cat "$work/int.err" >&2; fail "interrupted read: exit $rc, not 130"; }
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ "$err" == *"interrupted by Ctrl+C"* ]] &&
  [[ "$err" == *"nothing was written to"* ]] && [[ "$err" == *"the existing file is untouched"* ]] ||
  fail "interrupted read: error line '$err'"
[ "$(cat "$work/dump.bin")" = old ] || fail "interrupted read: the earlier dump.bin was changed"
! compgen -G "$work/dump.bin.*.part" >/dev/null || fail "interrupted read: a temporary file was left"
echo "test-windows: ok: read_flash interrupted (SIGINT -> Ctrl+C): exit 130, $err"

# espsim.exe refuses --pty in one line, exit code 2.
set +e
msg=$("$WINE" "$win_dir"/espsim.exe --chip esp32 --flash-size 4MB --pty "$work/tty" 2>&1 | tr -d '\r')
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] && [[ "$msg" == *"--pty is not available on Windows"* ]] ||
  fail "espsim.exe --pty: exit $rc, '$msg'"
echo "test-windows: ok: espsim.exe --pty refused: $msg"
echo "test-windows: all passed"
