#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in their own build
# directory and runs each for a bounded time on its committed seed corpus.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
# New inputs the fuzzer finds go to <build>/fuzz-corpus/<target>/ (the
# committed corpus is only read); a crash leaves
# <build>/fuzz-artifacts/<target>-crash-* and makes this script fail. Fix
# it, and commit the input under tests/fuzz/corpus/<target>/ as a
# regression seed (plus a unit test for the bug).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
if [ "${#TARGETS[@]}" -eq 0 ]; then TARGETS=(slip response device commands image config usb_device_id partition_table backup_diff nvs name_template manifest telnet); fi
BUILD="${ESPBAK_FUZZ_BUILD:-build-fuzz}"

cmake -S . -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DESPBAK_FUZZ=ON -DESPBAK_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${TARGETS[@]}")

# One fuzzer per core at a time (libFuzzer runs single-threaded): on CI's 2
# cores the targets take half the wall time they would one after another.
JOBS="${ESPBAK_FUZZ_JOBS:-$(nproc)}"
mkdir -p "$BUILD/fuzz-artifacts"
run_one() {
  local t="$1" work="$BUILD/fuzz-corpus/$1"
  mkdir -p "$work"
  if "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" "$work" "tests/fuzz/corpus/$t" \
       >"$BUILD/fuzz-$t.log" 2>&1; then
    echo "ok" >"$BUILD/fuzz-$t.status"
  else
    echo "failed" >"$BUILD/fuzz-$t.status"
  fi
}
echo "fuzz: ${#TARGETS[@]} targets, ${SECONDS_PER_TARGET}s each, $JOBS at a time"
running=0
for t in "${TARGETS[@]}"; do
  rm -f "$BUILD/fuzz-$t.status"
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

status=0
for t in "${TARGETS[@]}"; do
  if [ "$(cat "$BUILD/fuzz-$t.status" 2>/dev/null)" = ok ]; then
    echo "fuzz: $t ok: $(grep -E "Done [0-9]+ runs" "$BUILD/fuzz-$t.log" | tail -n 1)"
  else
    echo "fuzz: $t FAILED (log: $BUILD/fuzz-$t.log)"
    tail -n 40 "$BUILD/fuzz-$t.log"
    status=1
  fi
done
exit "$status"
