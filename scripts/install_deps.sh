#!/usr/bin/env bash
# Installs the Debian packages owl builds and tests with. Idempotent: installs only what is missing.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  nlohmann-json3-dev libpcre2-dev libcli11-dev libfmt-dev zlib1g-dev libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jinja2 curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}" </dev/null ||
    { "${sudo_cmd[@]}" apt-get update </dev/null && "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}" </dev/null; }
fi
# The OpenAI Node client for owl serve's end-to-end tests (from the npm registry; skipped without npm).
e2e_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/server/e2e"
if command -v npm >/dev/null && [ -f "$e2e_dir/package-lock.json" ]; then
  "$e2e_dir/install.sh" ||
    echo "warning: npm could not install the OpenAI client; its end-to-end tests will be skipped" >&2
fi
