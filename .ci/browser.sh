#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver if they are missing (for the hosted flow's
# browser test, crates/server/tests/browser.rs). Usage: bash .ci/browser.sh
set -euo pipefail
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >&2
fi
chromedriver --version
