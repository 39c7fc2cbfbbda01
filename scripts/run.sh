#!/usr/bin/env bash
# Sets up a fresh machine, builds owl and generates text. Usage: scripts/run.sh [MODEL] [owl run options]
# With no model, runs ../shared/models/stories260K/stories260K.bin.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh release >&2
model="${1:-}"
if [ -z "$model" ] || [[ "$model" == -* ]]; then
  model="../shared/models/stories260K/stories260K.bin"
  [ -f "$model" ] || { echo "no model given and $model is not there" >&2; exit 2; }
else
  shift
fi
if [ $# -eq 0 ]; then set -- -p "Once upon a time" -n 128; fi
exec build/release/apps/cli/owl run "$model" "$@"
