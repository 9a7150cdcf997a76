#!/usr/bin/env bash
# Restarts the private PostgreSQL cluster that .ci/postgres.sh started, for the store's
# restart tests: `bash .ci/postgres-restart.sh fast|immediate`. "immediate" is a crash:
# the server stops without a checkpoint and recovers from its WAL on start.
set -euo pipefail
MODE=${1:-fast}
PORT=54329
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DATA=${INQUIRY_PG_DATA:-/tmp/inquiry-lifecycle-pg}
su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/server.log -w -m $MODE -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1' restart" >&2
