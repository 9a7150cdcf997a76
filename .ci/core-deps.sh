#!/usr/bin/env bash
# The core crate promises no clock, network, database or file-system I/O, and no async
# runtime at all (tokio included, with every feature on), and so does the wire crate
# (documents and signatures only). Their normal dependency trees, with every
# feature on, must hold none of the crates that would bring them. Prints each tree's crate
# names and fails naming any forbidden one.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(tempfile|rusty-fork|tokio|tokio-postgres|postgres-protocol|postgres|sqlx|mio|socket2|hyper|reqwest|axum|tower|tower-http|deadpool-postgres|bb8|native-tls|rustls)$'
for package in inquiry-lifecycle inquiry-lifecycle-wire; do
  tree=$(cargo tree -e normal -p "$package" --all-features --prefix none --format '{p}' | awk '{print $1}' | sort -u)
  echo "$package: $(echo "$tree" | tr '\n' ' ')"
  bad=$(echo "$tree" | grep -E "$forbidden" || true)
  if [ -n "$bad" ]; then
    echo "$package depends on I/O crates: $bad" >&2
    exit 1
  fi
done
echo "core and wire dependency trees: no database, network or I/O runtime crates"
