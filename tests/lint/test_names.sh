#!/usr/bin/env bash
# Catch test names ctest can hand back to the test binary: catch_discover_tests
# registers each name as a ctest test and passes it as an argument, so a ';'
# splits it (CMake list) and a leading '-' or '@' reads as an option. Fails,
# listing them, on any such TEST_CASE name.
set -euo pipefail
root="${1:-$(dirname "$0")/../..}"
cd "$root"
bad=$(grep -rnE 'TEST_CASE\("([-@]|[^"]*;)' tests --include='*.cpp' || true)
if [ -n "$bad" ]; then
  echo "test names with ';' or a leading '-' / '@' (ctest cannot run them):"
  echo "$bad"
  exit 1
fi
echo "every test name is safe for ctest"
