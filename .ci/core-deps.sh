#!/usr/bin/env bash
# The core crate promises no clock, network, database or file-system I/O. Its normal
# dependency tree, with every feature on, must hold none of the crates that would bring
# them. Prints the tree's crate names and fails naming any forbidden one.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(cargo tree -e normal -p inquiry-lifecycle --all-features --prefix none --format '{p}' | awk '{print $1}' | sort -u)
echo "$tree" | tr '\n' ' '; echo
forbidden='^(tempfile|rusty-fork|tokio-postgres|postgres-protocol|postgres|sqlx|mio|socket2|hyper|reqwest|axum|tower|tower-http|deadpool-postgres|bb8|native-tls|rustls)$'
bad=$(echo "$tree" | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then
  echo "the core depends on I/O crates: $bad" >&2
  exit 1
fi
echo "core dependency tree: no database, network or I/O runtime crates"
