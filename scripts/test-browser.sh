#!/usr/bin/env bash
# The browser tests (npm run test:browser): the demo and the training page in headless Debian
# Chromium. Installs Chromium first when it is missing (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
npm run test:browser
