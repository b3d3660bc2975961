#!/usr/bin/env bash
# A long fault soak (issue 18, not CI): N backups and restores through espsim
# with random fault mixes, every chip, and a count of what came of them.
#
#   bench/soak.sh [N] [--chips a,b,c] [--seed S] [--keep DIR] [--build DIR]
#
#   N            runs (default 1000), alternating read_flash (backup) and
#                write_flash (restore) over the chips in turn
#   --chips      chips to cycle through (default: every chip espsim has)
#   --seed       seed of the plan (default 1): the same seed, the same runs
#   --keep DIR   keep the files of every run that was not exact there
#   --build DIR  where espbak and espsim are (default: <source>/build)
#
# Each run: a 1 MB flash of random bytes, 1-2 faults drawn from every kind
# espsim has (drop, corrupt, noise, stray, stall, reset, close; either
# direction; docs/espsim.md "Faults"), espbak at 460800 baud on a 256 KB
# range at a random 64 KB-aligned address. Outcomes:
#   exact              exit 0 and the bytes are right
#   clean failure      exit != 0, exactly one "espbak: error:" line, last;
#                      a backup left neither FILE nor FILE.*.part
#   SILENT CORRUPTION  exit 0 with wrong bytes (in the file or the flash)
#   UNCLEAN FAILURE    exit != 0 but a file under the final name, a
#                      temporary file left, or no one-line error
#   HANG               espbak still running after 300 s (killed)
# Clean failures are grouped by their message with numbers blanked, so the
# fault class each one names can be read off. Nothing is asserted: the
# figures go to docs/benchmarks.md ("Fault soak"). Exit 1 if any run was a
# silent corruption, an unclean failure or a hang.
set -uo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=1000
SEED=1
KEEP=""
BUILD="$SRC/build"
CHIPS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --chips) CHIPS="$2"; shift ;;
    --seed) SEED="$2"; shift ;;
    --keep) KEEP="$2"; shift ;;
    --build) BUILD="$2"; shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) N="$1" ;;
    *) echo "bench/soak.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
ESPBAK="$BUILD/espbak"
ESPSIM="$BUILD/espsim"
for bin in "$ESPBAK" "$ESPSIM"; do
  [ -x "$bin" ] || { echo "bench/soak.sh: $bin not built (./scripts/build.sh espbak espsim)" >&2; exit 2; }
done
if [ -z "$CHIPS" ]; then
  # espsim's --chip help line lists its chips: "esp8266 | esp32 | ...".
  CHIPS="$("$ESPSIM" --help | grep -- '--chip TEXT' | grep -o 'esp[0-9a-z]*' | paste -sd, -)"
fi
IFS=, read -r -a CHIP_LIST <<<"$CHIPS"

RANDOM=$SEED
rand() { echo $(( (RANDOM << 15 | RANDOM) % $1 )); }
rate() {  # a rate between 10^$1 and 10^$2, log-uniform
  awk -v lo="$1" -v hi="$2" -v u="$(rand 1000000)" 'BEGIN { printf "%.3g", 10 ^ (lo + (hi - lo) * u / 1000000) }'
}
draw_faults() {
  local n=$((1 + $(rand 2))) i out=()
  for ((i = 0; i < n; i++)); do
    case $(rand 10) in
      0) out+=("drop:$(rate -7 -4.5)") ;;
      1) out+=("corrupt:$(rate -7 -4.5)") ;;
      2) out+=("noise:$(rate -1.3 0)") ;;
      3) out+=("stray:$(rate -1.3 0)") ;;
      4) out+=("stall:$(rand 300000):$((100 + $(rand 3500)))") ;;
      5) out+=("reset:$(rand 300000)") ;;
      6) out+=("close:$(rand 300000)") ;;
      7) out+=("drop:$(rate -6 -4):to-device") ;;
      8) out+=("corrupt:$(rate -6 -4):to-device") ;;
      9) out+=("reset:$(rand 300000):to-device") ;;
    esac
  done
  echo "${out[@]}"
}

WORK="$(mktemp -d /tmp/espbak-soak.XXXXXX)"
trap 'kill "$SIM_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
SIM_PID=""
declare -A OUTCOME MESSAGES
RANGE=$((256 * 1024))
START=$(date +%s)

for ((run = 0; run < N; run++)); do
  chip="${CHIP_LIST[$((run / 2 % ${#CHIP_LIST[@]}))]}"
  op=$([ $((run % 2)) -eq 0 ] && echo backup || echo restore)
  dir="$WORK/run"
  rm -rf "$dir" && mkdir -p "$dir"
  head -c $((1024 * 1024)) /dev/urandom >"$dir/flash.bin"
  cp "$dir/flash.bin" "$dir/flash.before"
  faults="$(draw_faults)"
  seed=$(rand 1000000000)
  address=$(($(rand 13) * 0x10000))
  fault_args=()
  for f in $faults; do fault_args+=(--fault "$f"); done
  "$ESPSIM" --chip "$chip" --flash-size 1MB --flash-file "$dir/flash.bin" --listen tcp:127.0.0.1:0 \
    "${fault_args[@]}" --seed "$seed" >"$dir/espsim.log" 2>&1 &
  SIM_PID=$!
  port=""
  for _ in $(seq 100); do
    port="$(grep -o 'socket://127.0.0.1:[0-9]*' "$dir/espsim.log" | head -n 1)"
    [ -n "$port" ] && break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "run $run: espsim did not start: $(tail -n 1 "$dir/espsim.log")" >&2
    kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null
    exit 2
  fi
  if [ "$op" = backup ]; then
    timeout -k 5 300 "$ESPBAK" -p "$port" -b 460800 read_flash "$address" "$RANGE" "$dir/out.bin" \
      >"$dir/stdout" 2>"$dir/stderr"
  else
    head -c "$RANGE" /dev/urandom >"$dir/image.bin"
    timeout -k 5 300 "$ESPBAK" -p "$port" -b 460800 write_flash "$address" "$dir/image.bin" \
      >"$dir/stdout" 2>"$dir/stderr"
  fi
  code=$?
  kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null
  errors=$(grep -c '^espbak: error: ' "$dir/stderr")
  last="$(grep -v '^$' "$dir/stderr" | tail -n 1)"
  leftovers=$(find "$dir" -name 'out.bin.*.part' | wc -l)
  if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then
    outcome="HANG"
  elif [ "$code" -eq 0 ]; then
    if [ "$op" = backup ]; then
      want="$(dd if="$dir/flash.bin" bs=65536 skip=$((address / 65536)) count=4 status=none | md5sum)"
      got="$(md5sum <"$dir/out.bin" 2>/dev/null)"
    else
      want="$(md5sum <"$dir/image.bin")"
      got="$(dd if="$dir/flash.bin" bs=65536 skip=$((address / 65536)) count=4 status=none | md5sum)"
    fi
    [ "$want" = "$got" ] && [ "$leftovers" -eq 0 ] && outcome="exact" || outcome="SILENT CORRUPTION"
  elif [ "$errors" -eq 1 ] && [[ "$last" == "espbak: error: "* ]] && [ "$leftovers" -eq 0 ] &&
       { [ "$op" = restore ] || [ ! -e "$dir/out.bin" ]; }; then
    outcome="clean failure"
    class="$(sed -E 's/^espbak: error: //; s/0x[0-9a-f]+/N/g; s/[0-9]+/N/g' <<<"$last")"
    MESSAGES["$class"]=$(( ${MESSAGES["$class"]:-0} + 1 ))
  else
    outcome="UNCLEAN FAILURE"
  fi
  OUTCOME["$outcome"]=$(( ${OUTCOME["$outcome"]:-0} + 1 ))
  if [ "$outcome" != exact ]; then
    echo "run $run: $chip $op at $address, faults: $faults, seed $seed: $outcome (exit $code) ${last:-}" >&2
    if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && cp -r "$dir" "$KEEP/run-$run"; fi
  fi
  if [ $(((run + 1) % 50)) -eq 0 ]; then echo "[soak] $((run + 1))/$N runs, $(($(date +%s) - START)) s" >&2; fi
done

echo "Fault soak: $N runs (seed $SEED) over ${#CHIP_LIST[@]} chips ($CHIPS), $(($(date +%s) - START)) s"
for outcome in "exact" "clean failure" "SILENT CORRUPTION" "UNCLEAN FAILURE" "HANG"; do
  printf '  %-18s %d\n' "$outcome" "${OUTCOME[$outcome]:-0}"
done
if [ "${#MESSAGES[@]}" -gt 0 ]; then
  echo "Clean failures by message:"
  for m in "${!MESSAGES[@]}"; do printf '  %5d  %s\n' "${MESSAGES[$m]}" "$m"; done | sort -rn
fi
bad=$(( ${OUTCOME["SILENT CORRUPTION"]:-0} + ${OUTCOME["UNCLEAN FAILURE"]:-0} + ${OUTCOME["HANG"]:-0} ))
[ "$bad" -eq 0 ]
