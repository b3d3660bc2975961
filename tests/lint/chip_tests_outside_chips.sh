#!/usr/bin/env bash
# A chip is data (docs/architecture.md, "Adding a chip"): outside src/chips
# no code asks which chip it is. Fails, listing the lines, when any source
# file outside src/chips compares or switches on a ChipId value.
set -euo pipefail
root="${1:-$(dirname "$0")/../..}"
cd "$root"
pattern='ChipId::[a-z0-9_]+[[:space:]]*[!=]=|[!=]=[[:space:]]*ChipId::|case[[:space:]]+ChipId::|\.id[[:space:]]*[!=]=|[!=]=[[:space:]]*[a-z_().]*\.id\b'
hits=$(grep -rnE "$pattern" --include='*.cpp' --include='*.hpp' src tools tests | grep -v '^src/chips/' || true)
if [ -n "$hits" ]; then
  echo "chip tests outside src/chips (make them fields of the chip file):"
  echo "$hits"
  exit 1
fi
echo "no chip tests outside src/chips"
