#!/usr/bin/env bash
# Makes sure the browser the webview and end-to-end tests drive is present: Debian's chromium,
# controlled through playwright-core (a devDependency). Installs it via setup-system.sh if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! [ -x /usr/bin/chromium ]; then
  echo "[setup-browser] /usr/bin/chromium missing; installing Debian packages"
  bash scripts/setup-system.sh
fi
/usr/bin/chromium --version
[ -d node_modules/playwright-core ] || { echo "[setup-browser] playwright-core missing: run npm ci" >&2; exit 1; }
