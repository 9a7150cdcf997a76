#!/usr/bin/env bash
# Sourced by .ci/postgres.sh and .ci/postgres-restart.sh: where this checkout's private
# PostgreSQL cluster lives. Each checkout gets its own data folder and port, both derived
# from the checkout's absolute path, so a second checkout on the same machine never stops
# or wipes the first one's cluster. INQUIRY_PG_DATA and INQUIRY_PG_PORT override them.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
HASH=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
PORT=${INQUIRY_PG_PORT:-$((20000 + HASH % 20000))}
DATA=${INQUIRY_PG_DATA:-/tmp/inquiry-lifecycle-pg-$HASH}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
OPTIONS="-p $PORT -k /tmp -c listen_addresses=127.0.0.1"
