#!/bin/bash
# up.sh WORKDIR [VARIANT] — start Mailwarden from this checkout (dist/ must be built) as a system under
# test of the shared peer harness: STARTTLS submission on $SUT_PORT, relaying to the harness sink
# ($SINK_HOST:$SINK_PORT from the harness's lib/common.sh). Every start gets a fresh data dir (empty
# audit log) with domain bench.test and the bench user, created with the CLI. MW_ROOT (set by ../run.sh
# to its private build) is the Mailwarden tree to run; default: this checkout.
# VARIANT: comma-separated options:
#   greet=MS     smtp.greetingDelayMs (default 0, Mailwarden's default; smtp-server stock is 100)
#   pool=N       relay.poolSize (default 20, Mailwarden's default and the baseline's pool)
#   requiretls   smtp.requireTls=true (Mailwarden's default; then only `:tls` loads can AUTH)
#   cpuprof      run node with --cpu-prof; the profile lands in WORKDIR/mailwarden/prof/ at down.sh
#   workers=N    MAILWARDEN_WORKERS (default 1: one process, as before; `auto` is one per core): a
#                supervisor and N worker processes on the same port; run.sh counts all their CPU
#   pg           PostgreSQL instead of SQLite: a fresh database mw_gwbench_<port> on MW_BENCH_PG
#                (default postgres://postgres@127.0.0.1:5432), dropped by down.sh. The PostgreSQL
#                server's CPU is not in "process cpu" (it is not ours to count): it shows in "other"
# Writes only under WORKDIR/mailwarden. Records the PID it starts in WORKDIR/mailwarden/run/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PEERS=${BENCH_PEERS_DIR:-$REPO/../shared/bench/peers}
[ -f "$PEERS/lib/common.sh" ] || { echo "peer harness not found at $PEERS (set BENCH_PEERS_DIR)" >&2; exit 1; }
. "$PEERS/lib/common.sh"; . "$HERE/sut.env"
W=${1:?usage: up.sh WORKDIR [VARIANT]}; mkdir -p "$W"; W=$(cd "$W" && pwd)/mailwarden; VARIANT=${2:-}
MW_ROOT=${MW_ROOT:-$REPO}
[ -f "$MW_ROOT/dist/src/cli/main.js" ] || die "no $MW_ROOT/dist/src/cli/main.js: build first (npx tsc -p .)"
[ -d "$MW_ROOT/node_modules" ] || die "no $MW_ROOT/node_modules: run npm ci in $REPO first"

GREET=0; POOL=20; REQUIRE_TLS=false; NODE_FLAGS=(); WORKERS=1; PG=0
for opt in ${VARIANT//,/ }; do
  case "$opt" in
    greet=*) GREET=${opt#greet=} ;;
    pool=*) POOL=${opt#pool=} ;;
    workers=*) WORKERS=${opt#workers=} ;;
    requiretls) REQUIRE_TLS=true ;;
    pg) PG=1 ;;
    cpuprof) NODE_FLAGS+=(--cpu-prof --cpu-prof-dir "$W/prof") ;;
    *) die "unknown variant option $opt" ;;
  esac
done

if [ -f "$W/run/mw.pid" ] && kill -0 "$(cat "$W/run/mw.pid")" 2>/dev/null; then die "already running (pid $(cat "$W/run/mw.pid")); run down.sh first"; fi
mkdir -p "$W/log" "$W/run"
# The anchor file is append-only (chattr +a, when the file system allows it): lift that to remove it.
chattr -a "$W/data/audit-anchors.jsonl" 2>/dev/null || true
rm -rf "$W/data"; mkdir -p "$W/data"
make_cert "$W/tls"   # the same kind of certificate (RSA 2048, self-signed) as the baseline peer

# Only the variables set here reach Mailwarden: it refuses unknown MAILWARDEN_* names, and a stray
# MAILWARDEN_CONFIG or MAILWARDEN_DATABASE_URL from the caller's shell must not change what is measured.
for v in $(compgen -e); do case "$v" in MAILWARDEN_*) unset "$v" ;; esac; done
export MAILWARDEN_DATA_DIR="$W/data" \
  MAILWARDEN_LISTEN=127.0.0.1 \
  MAILWARDEN_SMTP_PORT="$SUT_PORT" \
  MAILWARDEN_SMTPS_PORT="$SUTS_PORT" \
  MAILWARDEN_HTTP_ENABLED=false \
  MAILWARDEN_RELAY_URL="smtp://$SINK_HOST:$SINK_PORT" \
  MAILWARDEN_RELAY_POOL_SIZE="$POOL" \
  MAILWARDEN_SMTP_REQUIRE_TLS="$REQUIRE_TLS" \
  MAILWARDEN_SMTP_GREETING_DELAY_MS="$GREET" \
  MAILWARDEN_TLS_CERT_FILE="$W/tls/cert.pem" \
  MAILWARDEN_TLS_KEY_FILE="$W/tls/key.pem" \
  MAILWARDEN_SHUTDOWN_GRACE_MS=2000 \
  MAILWARDEN_LOG_LEVEL=warn
if [ "$PG" = 1 ]; then
  PG_SERVER=${MW_BENCH_PG:-postgres://postgres@127.0.0.1:5432}; PG_DB=mw_gwbench_$SUT_PORT
  psql "$PG_SERVER/postgres" -qAtc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null \
    || die "could not create database $PG_DB on $PG_SERVER"
  echo "$PG_SERVER $PG_DB" >"$W/run/pgdb"
  export MAILWARDEN_DATABASE_URL="$PG_SERVER/$PG_DB"
fi
# Builds with MAILWARDEN_WORKERS (issue 22) default to one per core: the plain variant stays one process.
if grep -q "path: 'workers'" "$MW_ROOT/dist/src/config/config-keys.js" 2>/dev/null; then export MAILWARDEN_WORKERS="$WORKERS"
elif [ "$WORKERS" != 1 ]; then die "this build has no MAILWARDEN_WORKERS"; fi
# The Postfix policy listener (policy.enabled, newer builds only) is not part of the submission path.
if grep -q "'policy.enabled'" "$MW_ROOT/dist/src/config/config-keys.js" 2>/dev/null; then export MAILWARDEN_POLICY_ENABLED=false; fi
# Nor is the Secure Score daily snapshot (its DNS checks would reach out at start; newer builds only).
if grep -q "'score.dailySnapshot'" "$MW_ROOT/dist/src/config/config-keys.js" 2>/dev/null; then export MAILWARDEN_SCORE_DAILY_SNAPSHOT=false; fi
MW=("$MW_ROOT/bin/mailwarden.js")

{ node "${MW[@]}" domain add "${SUT_USER#*@}" && printf '%s\n' "$SUT_PASS" | node "${MW[@]}" user add "$SUT_USER" --password-stdin; } \
  >"$W/log/setup.log" 2>&1 || { cat "$W/log/setup.log" >&2; die "could not create the bench user"; }
# The shared load generator signs in with the account password; builds with the sign-in pipeline
# (issue 4) allow that to mail clients only when the org says so (the default is app passwords only).
if node "${MW[@]}" org set mailSignIn.accountPassword allowed >>"$W/log/setup.log" 2>&1; then :; fi
# Sending policy (when this build has one): the default allows 30 messages a minute, so a run would
# mostly measure 451 4.7.1 throttling. The bench user gets limits far above the run (builds before
# 6895f80 allow at most 10,000 recipients per hour/day: then that) and `alert` instead of restricting;
# every check still runs on every message.
help=$(node "${MW[@]}" --help 2>&1 || true)   # not `| grep -q`: with pipefail, grep's early exit fails the pipe
if [[ $help == *"policy set"* ]]; then
  for limit in 1000000 10000; do
    if node "${MW[@]}" policy set bench --users "$SUT_USER" --per-minute 100000 --external-per-hour "$limit" \
      --internal-per-hour "$limit" --per-day "$limit" --action alert >>"$W/log/setup.log" 2>&1; then limit=ok; break; fi
  done
  [ "$limit" = ok ] || { cat "$W/log/setup.log" >&2; die "could not set the bench sending policy"; }
fi

nohup node "${NODE_FLAGS[@]}" "${MW[@]}" serve </dev/null >"$W/log/mailwarden.log" 2>&1 &
echo $! >"$W/run/mw.pid"
# With workers the port opens with worker 1, and the others start after it (at log level warn the
# supervisor's "mailwarden started" is not written): wait for all of them, then for their start-up.
if [ "$WORKERS" != 1 ]; then
  for _ in $(seq 1 60); do [ "$(pgrep -c -P "$(cat "$W/run/mw.pid")")" -ge "${WORKERS/auto/$(nproc)}" ] && break; sleep 0.5; done
  sleep 8
fi
if ! wait_port "$SUT_PORT" 30; then cat "$W/log/mailwarden.log" >&2; die "mailwarden not listening on $SUT_PORT"; fi
kill -0 "$(cat "$W/run/mw.pid")" 2>/dev/null || { cat "$W/log/mailwarden.log" >&2; die "mailwarden exited"; }
log "mailwarden up (${VARIANT:-default}; $(pgrep -c -P "$(cat "$W/run/mw.pid")") worker processes) on 127.0.0.1:$SUT_PORT, pid $(cat "$W/run/mw.pid"), relay smtp://$SINK_HOST:$SINK_PORT"
