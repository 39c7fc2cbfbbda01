#!/usr/bin/env bash
# Sets up a fresh machine, builds owl (release and ASan+UBSan) and runs the whole test suite in both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
for preset in release asan; do
  echo "== build $preset" >&2
  bash scripts/build.sh "$preset"
  echo "== test $preset" >&2
  ctest --preset "$preset"
done
