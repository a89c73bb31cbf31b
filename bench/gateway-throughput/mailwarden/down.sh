#!/bin/bash
# down.sh WORKDIR — stop what up.sh started (by recorded PID only). SIGTERM lets Mailwarden flush its
# audit log and close the relay pool; stop_pid escalates to SIGKILL after 15 s.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PEERS=${BENCH_PEERS_DIR:-$REPO/../shared/bench/peers}
. "$PEERS/lib/common.sh"; . "$HERE/sut.env"
W=${1:?usage: down.sh WORKDIR}; W=$(cd "$W" && pwd)/mailwarden
stop_pidfile "$W/run/mw.pid" 15
wait_port_free "$SUT_PORT" 10 || log "port $SUT_PORT still busy"
# The pg variant's database (up.sh made it for this start only).
if [ -f "$W/run/pgdb" ]; then
  read -r server db <"$W/run/pgdb"
  psql "$server/postgres" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || log "database $db not dropped"
  rm -f "$W/run/pgdb"
fi
log "mailwarden down"
