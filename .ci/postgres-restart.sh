#!/usr/bin/env bash
# Restarts the private PostgreSQL cluster that .ci/postgres.sh started for this checkout,
# for the store's restart tests: `bash .ci/postgres-restart.sh fast|immediate [SECONDS]`.
# "immediate" is a crash: the server stops without a checkpoint and recovers from its WAL
# on start. With SECONDS, the server stays down that long before it starts again (an
# outage).
set -euo pipefail
MODE=${1:-fast}
source "$(dirname "$0")/postgres-cluster.sh"
if [ -n "${2:-}" ]; then
  su postgres -c "$BIN/pg_ctl -D $DATA -w -m $MODE stop" >&2
  sleep "$2"
  su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/server.log -w -o '$OPTIONS' start" >&2
else
  su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/server.log -w -m $MODE -o '$OPTIONS' restart" >&2
fi
