#!/usr/bin/env bash
# Configures and builds espbak, espsim and the tests (or the targets named) into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# With target names (`./scripts/build.sh espbak espsim`, the README's demo)
# only those are built; without, everything, tests included.
if [ "$#" -gt 0 ]; then
  cmake --build build -j"$(nproc)" --target "$@"
else
  cmake --build build -j"$(nproc)"
fi
echo "build: ok (build/espbak, build/espsim)"
