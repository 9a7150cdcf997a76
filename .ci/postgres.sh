#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages if it is missing, starts a private cluster on
# 127.0.0.1:54329 (trust auth, data in a temporary folder), and prints the connection
# string for INQUIRY_PG_URL. Usage: export INQUIRY_PG_URL="$(bash .ci/postgres.sh)"
set -euo pipefail
PORT=54329
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DATA=${INQUIRY_PG_DATA:-/tmp/inquiry-lifecycle-pg}
if [ -f "$DATA/postmaster.pid" ]; then
  su postgres -c "$BIN/pg_ctl -D $DATA stop -m fast" >&2 || true
fi
rm -rf "$DATA" && mkdir -p "$DATA" && chown postgres "$DATA"
su postgres -c "$BIN/initdb -D $DATA -A trust -U postgres" >/dev/null
su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/server.log -w -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1' start" >&2
echo "host=127.0.0.1 port=$PORT user=postgres dbname=postgres"
