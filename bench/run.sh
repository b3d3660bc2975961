#!/usr/bin/env bash
# One command for the espbak benchmarks (docs/benchmarks.md):
#
#   bench/run.sh [--quick|--full|--connect|--breakdown] [--no-build] [--no-install] [--dry-run] [-- bench.mjs options]
#
#   --quick       (default) 1 MB at 921600 and 2000000 baud, 1 and 16 ms, espbak and
#                 esptool-js, plus the feature scenarios for espbak: 5-6 minutes
#   --full        1 MB and 4 MB at 115200, 460800, 921600, 2000000 baud, 1 and 16 ms,
#                 both tools, feature scenarios at two bauds and both latencies, the connect
#                 rows once: about 2 hours
#   --connect     `flash_id` at 921600 per chip family (esp8266, esp32, esp32s3, esp32c3,
#                 esp32c6, esp32p4), 1 and 16 ms, both tools, 3 runs each: about 3 minutes
#                 (bench/results/connect.md)
#   --breakdown   where each second of `read_flash 0 ALL` of a fully used 4 MB ESP32 goes,
#                 921600 baud, 1 and 16 ms, espbak, 3 runs each: about 5 minutes
#                 (bench/results/breakdown.md)
#   --no-build    use the binaries in BUILD_DIR as they are
#   --no-install  never apt-get install gnuplot-nox / time / hyperfine
#   --dry-run     list the runs and the estimated time; no install, no build, no run
#
# BUILD_DIR (default: <source>/build-bench) is configured as Release if it does
# not exist yet. Results: bench/results/results.md, results.csv, fraction-*.png.
# Runs are sequential (timing fidelity); nothing is asserted.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$SRC/build-bench}"
MODE=quick
BUILD=1
INSTALL=1
DRY=0
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    --connect) MODE=connect ;;
    --breakdown) MODE=breakdown ;;
    --no-build) BUILD=0 ;;
    --no-install) INSTALL=0 ;;
    --dry-run) EXTRA+=(--dry-run); DRY=1 ;;
    --) shift; EXTRA+=("$@"); break ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "[run.sh] $*" >&2; }

# --- tools -------------------------------------------------------------------
if ! command -v node >/dev/null; then
  say "node (Node.js >= 18.19) is required: apt-get install nodejs"; exit 1
fi
missing=()
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
[ -x /usr/bin/time ] || missing+=(time)
command -v hyperfine >/dev/null || missing+=(hyperfine)
if [ "$DRY" = 1 ]; then
  exec node "$SRC/bench/bench.mjs" --mode "$MODE" --build-dir "$BUILD_DIR" --out "$SRC/bench/results" "${EXTRA[@]}"
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$INSTALL" = 1 ] && command -v apt-get >/dev/null; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo -n"
    say "installing ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
      say "could not install ${missing[*]}: charts / memory / hyperfine parts fall back or are skipped"
    fi
  else
    say "missing ${missing[*]}: charts / memory / hyperfine parts fall back or are skipped"
  fi
fi
if [ ! -f "$SRC/node_modules/esptool-js/package.json" ]; then
  say "esptool-js missing: running npm ci in $SRC"
  (cd "$SRC" && npm ci --no-audit --no-fund) >&2
fi

# --- build -------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$SRC" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >&2
  fi
  type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt")
  case "$type" in
    Release|RelWithDebInfo) ;;
    *) say "warning: $BUILD_DIR is a '$type' build; timings of an unoptimised build mislead" ;;
  esac
  cmake --build "$BUILD_DIR" --target espbak espsim -j"$(nproc)" >&2
fi

exec node "$SRC/bench/bench.mjs" --mode "$MODE" --build-dir "$BUILD_DIR" --out "$SRC/bench/results" "${EXTRA[@]}"
