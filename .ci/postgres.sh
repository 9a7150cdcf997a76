#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages if it is missing, starts this checkout's
# private cluster on 127.0.0.1 (trust auth; data folder and port of this checkout's own,
# see .ci/postgres-cluster.sh), and prints the connection string for INQUIRY_PG_URL.
# Usage: export INQUIRY_PG_URL="$(bash .ci/postgres.sh)"
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
fi
source "$(dirname "$0")/postgres-cluster.sh"
# Only this checkout's own folder is ever stopped and wiped.
if [ -f "$DATA/postmaster.pid" ]; then
  su postgres -c "$BIN/pg_ctl -D $DATA stop -m fast" >&2 || true
fi
rm -rf "$DATA" && mkdir -p "$DATA" && chown postgres "$DATA"
su postgres -c "$BIN/initdb -D $DATA -A trust -U postgres" >/dev/null
if ! su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/server.log -w -o '$OPTIONS' start" >&2; then
  echo "postgres.sh: the cluster in $DATA did not start on port $PORT (is the port taken? set INQUIRY_PG_PORT); its log:" >&2
  tail -n 20 "$DATA/server.log" >&2 || true
  exit 1
fi
echo "host=127.0.0.1 port=$PORT user=postgres dbname=postgres"
