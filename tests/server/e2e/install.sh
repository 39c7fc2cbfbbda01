#!/usr/bin/env bash
# Installs the pinned OpenAI Node client used by the owl serve end-to-end tests (npm registry only).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
