#!/bin/bash
# run.sh [WORKDIR] — authenticated SMTP submission throughput of Mailwarden (this checkout) next to the
# bare baseline relay of the shared peer harness, in one run, same sink, same loads.
#
# It drives ../shared/bench/peers (read-only, referenced in place, nothing copied) the way its run.sh
# does: start sink.mjs, then for each round and each system (order rotated per round): up.sh, warm-up,
# every load (order flipped per round) measured with lib/measure.mjs, down.sh. The peers' run.sh only
# finds systems in its own read-only systems/ folder, hence this driver. Mailwarden's up/down/sut.env
# are in ./mailwarden/, the baseline's are used as they are from the harness.
#
# Knobs (environment): SYSTEMS, ROUNDS, LOADS, CONNS, RCPTS, SIZE, WARMUP, DRAIN_TIMEOUT, MAX_SECONDS,
# SINK_PORT, SINK_HTTP_PORT (as in the harness README), plus BUILD=0 (use dist/ as it is),
# BENCH_PEERS_DIR (where the harness is; default REPO/../shared/bench/peers).
# Results: WORKDIR/results/<stamp>/ (results.jsonl, summary.txt/.md from the harness's summarize.mjs,
# compare.txt/.md with the Mailwarden/baseline ratios, env.txt, updown.log, warmup.log, sink.log).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PEERS=${BENCH_PEERS_DIR:-$REPO/../shared/bench/peers}
[ -f "$PEERS/lib/common.sh" ] && [ -f "$PEERS/loadgen.mjs" ] || {
  echo "peer harness not found at $PEERS (expected shared/ beside the repo; or set BENCH_PEERS_DIR)" >&2; exit 1; }
PEERS=$(cd "$PEERS" && pwd); export BENCH_PEERS_DIR=$PEERS
. "$PEERS/lib/common.sh"
export SINK_HOST SINK_PORT SINK_HTTP_PORT   # the systems' up.sh read them through common.sh

W=${1:-${TMPDIR:-/tmp}/mailwarden-gateway-bench}; mkdir -p "$W"; W=$(cd "$W" && pwd)
case "$W/" in "$PEERS"/*) die "WORKDIR must not be inside the read-only harness ($PEERS)" ;; esac

SYSTEMS=${SYSTEMS:-"baseline baseline:greet0 mailwarden"}
ROUNDS=${ROUNDS:-3}
LOADS=${LOADS:-"per-conn=50:50:5000 per-conn=1:1:2000 tls-per-conn=50:50:5000:tls"}  # name:per-conn:total[:tls]
CONNS=${CONNS:-20}; RCPTS=${RCPTS:-1}; SIZE=${SIZE:-2048}
WARMUP=${WARMUP:-500}; DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-60}; MAX_SECONDS=${MAX_SECONDS:-120}

# proc_ticks NAME: user+system CPU clock ticks of every process recorded in WORKDIR/NAME/run/*.pid and
# their descendants (the SUT's own CPU, without the kernel's loopback work that measure.mjs also counts)
proc_ticks() {
  local f p pids="" sum=0 st
  for f in "$W/$1"/run/*.pid; do [ -f "$f" ] || continue; p=$(cat "$f"); pids="$pids $p $(descendants "$p" | tr '\n' ' ')"; done
  for p in $pids; do st=$(cat /proc/"$p"/stat 2>/dev/null) || continue; st=${st##*) }; set -- $st; sum=$((sum + ${12} + ${13})); done
  echo "$sum"
}
CLK_TCK=$(getconf CLK_TCK)

# system name -> folder with up.sh/down.sh/sut.env: ours first, then the harness's
sysdir() { if [ -d "$HERE/$1" ] && [ -x "$HERE/$1/up.sh" ]; then echo "$HERE/$1"; else echo "$PEERS/systems/$1"; fi; }

if [ "${BUILD:-1}" = 1 ]; then
  log "building Mailwarden (npx tsc -p .) in $REPO"
  (cd "$REPO" && npx tsc -p .) >&2 || die "build failed (BUILD=0 uses dist/ as it is)"
fi
[ -f "$REPO/dist/src/cli/main.js" ] || die "no dist/ in $REPO: build first"

OUT=$W/results/$(date +%Y%m%d-%H%M%S); mkdir -p "$OUT" "$W/run"; RES=$OUT/results.jsonl; : >"$RES"
CURRENT=""
cleanup() {
  local rc=$?
  if [ -n "$CURRENT" ]; then "$(sysdir "${CURRENT%%:*}")/down.sh" "$W" >>"$OUT/updown.log" 2>&1 || true; fi
  stop_pidfile "$W/run/sink.pid" 5
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in "$SINK_PORT" "$SINK_HTTP_PORT"; do (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null && die "port $p is already in use"; done
node "$PEERS/sink.mjs" --port "$SINK_PORT" --http-port "$SINK_HTTP_PORT" </dev/null >"$OUT/sink.log" 2>&1 &
echo $! >"$W/run/sink.pid"
wait_port "$SINK_HTTP_PORT" 10 || die "sink did not start"
SINK_HTTP=http://127.0.0.1:$SINK_HTTP_PORT

{
  echo "date: $(date -Is)"; echo "host: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/{print $2" kB"}' /proc/meminfo)"
  echo "cpu: $(awk -F: '/model name/{print $2; exit}' /proc/cpuinfo)"; echo "node: $(node --version)"
  echo "mailwarden: $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')$( (cd "$REPO" && git status --porcelain -- src 2>/dev/null | grep -q .) && echo ' (src/ has uncommitted changes)')"
  echo "harness: $PEERS"
  echo "systems: $SYSTEMS"; echo "loads: $LOADS"; echo "conns=$CONNS rcpts=$RCPTS size=$SIZE rounds=$ROUNDS warmup=$WARMUP max_seconds=$MAX_SECONDS"
} >"$OUT/env.txt"
log "results in $OUT"; sed 's/^/  /' "$OUT/env.txt" >&2

read -r -a SYS <<<"$SYSTEMS"; read -r -a LDS <<<"$LOADS"
T0=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  n=${#SYS[@]}; off=$(( (round - 1) % n ))
  for i in $(seq 0 $((n - 1))); do
    entry=${SYS[$(( (i + off) % n ))]}
    name=${entry%%:*}; variant=""; [[ $entry == *:* ]] && variant=${entry#*:}
    label=${entry/:/ }; dir=$(sysdir "$name")
    [ -x "$dir/up.sh" ] || die "no up.sh for system $name (looked in $HERE/$name and $PEERS/systems/$name)"
    unset SUT_HOST SUT_PORT SUT_USER SUT_PASS SUT_STARTTLS; . "$dir/sut.env"
    log "round $round: $label up"
    if ! "$dir/up.sh" "$W" "$variant" >>"$OUT/updown.log" 2>&1; then
      log "round $round: $label FAILED to start (see $OUT/updown.log)"
      "$dir/down.sh" "$W" >>"$OUT/updown.log" 2>&1 || true
      echo "{\"system\":\"$label\",\"load\":\"(up)\",\"round\":$round,\"error\":\"up.sh failed\"}" >>"$RES"
      continue
    fi
    CURRENT=$entry
    LG=(--host "$SUT_HOST" --port "$SUT_PORT" --user "$SUT_USER" --pass "$SUT_PASS" --conns "$CONNS" --rcpts "$RCPTS" --size "$SIZE" --max-seconds "$MAX_SECONDS")
    # warm-up (not recorded): JIT, relay pool, Mailwarden's verified-credential cache (first AUTH pays argon2id)
    node "$PEERS/loadgen.mjs" "${LG[@]}" --per-conn 50 --total "$WARMUP" --label warmup >>"$OUT/warmup.log" 2>&1 || log "warm-up had errors (see warmup.log)"
    node "$PEERS/loadgen.mjs" "${LG[@]}" --per-conn 1 --total $(( WARMUP / 5 )) --label warmup >>"$OUT/warmup.log" 2>&1 || log "warm-up had errors (see warmup.log)"
    order=("${LDS[@]}"); if [ $((round % 2)) -eq 0 ]; then order=(); for ((j = ${#LDS[@]} - 1; j >= 0; j--)); do order+=("${LDS[$j]}"); done; fi
    for ld in "${order[@]}"; do
      IFS=: read -r lname perconn total tlsflag <<<"$ld"
      extra=(); if [ "${tlsflag:-}" = tls ]; then
        [ "${SUT_STARTTLS:-0}" = 1 ] || { log "  $label $lname: skipped (no STARTTLS)"; continue; }
        extra=(--starttls); fi
      sleep 1
      load1=$(cut -d' ' -f1 /proc/loadavg); t0=$(proc_ticks "$name")
      line=$(node "$PEERS/lib/measure.mjs" --system "$label" --load "$lname" --round "$round" --sink-http "$SINK_HTTP" \
               --drain-timeout "$DRAIN_TIMEOUT" -- "${LG[@]}" --per-conn "$perconn" --total "$total" "${extra[@]}" --label "$label $lname") || true
      t1=$(proc_ticks "$name")
      if [ -n "$line" ]; then
        # proc_cpu: the SUT's processes only. other_cpu: the rest of measure.mjs's "sut" share, i.e. kernel
        # loopback work plus anything else running on the machine (high values mean a disturbed run).
        line=$(node -e 'const r=JSON.parse(process.argv[1]); const s=(process.argv[2]-process.argv[3])/process.argv[4];
          r.proc_cpu_s=+s.toFixed(2); r.proc_cpu_ms_per_msg=r.msgs_ok?+(1000*s/r.msgs_ok).toFixed(3):null;
          r.other_cpu_ms_per_msg=r.msgs_ok&&r.cpu?+(1000*(r.cpu.sut_s-s)/r.msgs_ok).toFixed(3):null;
          r.loadavg_1m_before=+process.argv[5]; console.log(JSON.stringify(r))' \
          "$line" "$t1" "$t0" "$CLK_TCK" "$load1") || true
      fi
      if [ -z "$line" ]; then line="{\"system\":\"$label\",\"load\":\"$lname\",\"round\":$round,\"error\":\"measure failed\"}"; fi
      echo "$line" >>"$RES"
      node -e 'const r=JSON.parse(process.argv[1]); if (r.error) console.error(`  ${r.system} ${r.load}: ERROR ${r.error}`); else console.error(`  ${r.system} ${r.load}: ${r.msgs_per_s} msgs/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, failed ${r.msgs_failed}, lost ${r.lost}, busy ${r.cpu.busy_pct_client_phase}%, sut ${r.cpu.sut_ms_per_msg} ms/msg, process ${r.proc_cpu_ms_per_msg} ms/msg, other ${r.other_cpu_ms_per_msg} ms/msg`)' "$line"
    done
    "$dir/down.sh" "$W" >>"$OUT/updown.log" 2>&1 || log "down.sh of $label failed"
    CURRENT=""
  done
done
log "done in $(( $(date +%s) - T0 )) s"
echo
node "$PEERS/lib/summarize.mjs" "$RES" >"$OUT/summary.txt"
node "$PEERS/lib/summarize.mjs" "$RES" --markdown >"$OUT/summary.md"
node "$HERE/compare.mjs" "$RES" | tee "$OUT/compare.txt"
node "$HERE/compare.mjs" "$RES" --markdown >"$OUT/compare.md"
ln -sfn "$OUT" "$W/results/latest"
echo; echo "medians over $ROUNDS rounds; conns=$CONNS rcpts=$RCPTS size=$SIZE; harness table: $OUT/summary.txt; raw: $RES"
