#!/usr/bin/env bash
# Files stay small enough to read in one sitting (docs/architecture.md):
# fails, listing them, when a C++ source or header of the project is longer
# than 600 lines.
set -euo pipefail
root="${1:-$(dirname "$0")/../..}"
cd "$root"
limit=600
long=$(find src include tools tests -name '*.cpp' -o -name '*.hpp' | sort | while read -r f; do
  n=$(wc -l <"$f")
  if [ "$n" -gt "$limit" ]; then echo "$f: $n lines"; fi
done)
if [ -n "$long" ]; then
  echo "files over $limit lines (split them along the state each part owns):"
  echo "$long"
  exit 1
fi
echo "no source file over $limit lines"
