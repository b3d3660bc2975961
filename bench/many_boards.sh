#!/usr/bin/env bash
# Many boards in one command (docs/benchmarks.md "Many boards"):
#
#   bench/many_boards.sh [--counts "1 4 10"] [--flash-size 1MB] [--baud 921600] [--runs N] [--no-build]
#
# For each count N: one `espsim --count N --link realistic` (N boards, each
# its own port and flash file of random bytes), then one
#   espbak -p PORT0 ... -p PORT{N-1} -b BAUD read_flash 0 ALL 'backup-{mac}.bin'
# timed from start to exit, and every backup compared with its board's flash.
# Prints a table: boards, total seconds (best of --runs), the ratio to one
# board's time, and whether every file matched. It measures, it asserts
# nothing (exit 0 unless the tools are missing).
#
# BUILD_DIR (default <source>/build-bench) is configured as Release and
# espbak / espsim built there unless --no-build.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$SRC/build-bench}"
COUNTS="1 4 10"
FLASH=1MB
BAUD=921600
RUNS=1
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --counts) COUNTS="$2"; shift ;;
    --flash-size) FLASH="$2"; shift ;;
    --baud) BAUD="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/many_boards.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "[many_boards] $*" >&2; }

if [ "$BUILD" = 1 ]; then
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    say "configuring $BUILD_DIR (Release)"
    cmake -S "$SRC" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$BUILD_DIR" -j2 --target espbak espsim >&2
fi
ESPBAK="$BUILD_DIR/espbak"
ESPSIM="$BUILD_DIR/espsim"
[ -x "$ESPBAK" ] && [ -x "$ESPSIM" ] || { say "no espbak / espsim in $BUILD_DIR"; exit 1; }

case "$FLASH" in
  1MB) BYTES=1048576 ;; 2MB) BYTES=2097152 ;; 4MB) BYTES=4194304 ;;
  *) say "--flash-size: 1MB, 2MB or 4MB"; exit 2 ;;
esac

WORK="$(mktemp -d)"
SIM_PID=""
cleanup() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }

say "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$ESPBAK" version | head -1), $FLASH at $BAUD baud"
printf '| boards | total (s) | vs 1 board | per board (KB/s) | files match |\n|---|---|---|---|---|\n'
ONE=""
for N in $COUNTS; do
  dir="$WORK/n$N"
  mkdir -p "$dir"
  # Distinct random contents: the read survey skips erased (0xFF) blocks.
  for ((i = 0; i < N; i++)); do head -c "$BYTES" /dev/urandom >"$dir/flash.bin.$i"; done
  "$ESPSIM" --chip esp32 --flash-size "$FLASH" --flash-file "$dir/flash.bin" --link realistic --count "$N" \
    --listen tcp:127.0.0.1:0 >"$dir/ready" 2>"$dir/espsim.log" &
  SIM_PID=$!
  for _ in $(seq 100); do [ -f "$dir/ready" ] && [ "$(wc -l <"$dir/ready")" -ge "$N" ] && break; sleep 0.1; done
  ports=()
  while read -r line; do ports+=(-p "${line##* }"); done <"$dir/ready"
  best=""
  match=yes
  for ((run = 0; run < RUNS; run++)); do
    rm -f "$dir"/backup-*.bin
    start=$(now)
    # One -p is today's single-board command (no templates): its name is literal.
    name="$dir/backup-{port}.bin"
    [ "$N" = 1 ] && name="$dir/backup-$(echo "${ports[1]#socket://}" | tr ':' '-').bin"
    if ! "$ESPBAK" "${ports[@]}" -q -b "$BAUD" read_flash 0 ALL "$name" >"$dir/out" 2>"$dir/err"; then
      match="FAILED (see $(tail -1 "$dir/err"))"
    fi
    took=$(echo "$(now) - $start" | bc)
    if [ -z "$best" ] || [ "$(echo "$took < $best" | bc)" = 1 ]; then best=$took; fi
    for ((i = 0; i < N; i++)); do
      port="${ports[$((2 * i + 1))]}"
      name="backup-$(echo "${port#socket://}" | tr ':' '-').bin"
      cmp -s "$dir/$name" "$dir/flash.bin.$i" || match=no
    done
  done
  kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null || true
  SIM_PID=""
  [ -z "$ONE" ] && ONE=$best
  ratio=$(echo "scale=2; $best / $ONE" | bc)
  rate=$(echo "scale=1; $BYTES / 1024 / $best" | bc)
  printf '| %s | %.2f | %.2fx | %.1f | %s |\n' "$N" "$best" "$ratio" "$rate" "$match"
  rm -f "$dir"/flash.bin.* "$dir"/backup-*.bin
done
say "load after $(cut -d' ' -f1-3 /proc/loadavg)"
