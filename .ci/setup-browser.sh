#!/usr/bin/env bash
# Installs what the browser test (test/e2e/swagger.e2e-spec.ts) needs: Debian's Chromium, driven
# by playwright-core (an npm devDependency; it downloads no browser). Idempotent.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version
