#!/usr/bin/env bash
# Installs what the real-client checks need (crates/server/tests/clients.rs): curl and jq
# from Debian's packages, Python's `requests` from PyPI, Node's `request` from the npm
# registry (into crates/server/clients/node/node_modules, no lock file written).
# Usage: bash .ci/clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for tool in curl jq python3 node npm; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  packages=()
  for tool in "${missing[@]}"; do
    case "$tool" in python3) packages+=(python3 python3-pip) ;; npm) packages+=(npm) ;; *) packages+=("$tool") ;; esac
  done
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"; } >&2
fi
python3 -c 'import requests' 2>/dev/null || python3 -m pip install --quiet 'requests>=2.31,<3' >&2
( cd crates/server/clients/node && npm install --no-package-lock --no-audit --no-fund --loglevel=error >&2 )
printf 'python3 %s, requests %s; node %s, request %s; %s\n' \
  "$(python3 -c 'import platform; print(platform.python_version())')" \
  "$(python3 -c 'import requests; print(requests.__version__)')" \
  "$(node --version)" \
  "$(node -p 'require("./crates/server/clients/node/node_modules/request/package.json").version')" \
  "$(jq --version)"
