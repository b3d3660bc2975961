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
if [ "${#TARGETS[@]}" -eq 0 ]; then TARGETS=(slip response device commands image config ram_image usb_device_id partition_table name_template); fi
BUILD="${ESPBAK_FUZZ_BUILD:-build-fuzz}"

cmake -S . -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DESPBAK_FUZZ=ON -DESPBAK_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${TARGETS[@]}")

status=0
for t in "${TARGETS[@]}"; do
  work="$BUILD/fuzz-corpus/$t"
  mkdir -p "$work" "$BUILD/fuzz-artifacts"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  if ! "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" "$work" "tests/fuzz/corpus/$t" \
       >"$BUILD/fuzz-$t.log" 2>&1; then
    echo "fuzz: $t FAILED (log: $BUILD/fuzz-$t.log)"
    tail -n 40 "$BUILD/fuzz-$t.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$BUILD/fuzz-$t.log" | tail -n 2 || true
  fi
done
exit "$status"
