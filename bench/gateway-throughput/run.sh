#!/bin/bash
# run.sh [WORKDIR] — authenticated SMTP submission throughput of Mailwarden (this checkout) next to the
# bare baseline relay of the shared peer harness, in one run, same sink, same loads.
#
# It drives ../shared/bench/peers (read-only, referenced in place, nothing copied) the way its run.sh
# does: start sink.mjs, then for each round and each system (order rotated per round) and each load
# (order flipped per round): up.sh, warm-up, one measurement with lib/measure.mjs, down.sh. (The
# peers' run.sh only finds systems in its own read-only systems/ folder, hence this driver.) Mailwarden's
# up/down/sut.env are in ./mailwarden/; the baseline's are used as they are from the harness.
#
# Knobs (environment): SYSTEMS, ROUNDS, LOADS, CONNS, RCPTS, SIZE, WARMUP, DRAIN_TIMEOUT, MAX_SECONDS,
# SINK_PORT, SINK_HTTP_PORT (as in the harness README), and:
#   RESTART=per-load|per-round   fresh start per measurement (default) or per round (as the harness)
#   MW_REF=<git ref>             build that commit instead of the working tree; BUILD=0: run dist/ as is
#   QUIET_MAX_BUSY=25 QUIET_TIMEOUT=30   wait (up to 30 s) before each measurement until the machine is
#                                at most 25 % busy (other work on a shared box); recorded either way
#   BENCH_PEERS_DIR              where the harness is (default: REPO/../shared/bench/peers)
# Results: WORKDIR/results/<stamp>/ (and WORKDIR/results/latest): results.jsonl, compare.txt/.md (this
# folder's table with the Mailwarden/baseline ratios), summary.txt/.md (the harness's table), env.txt,
# updown.log, warmup.log, sink.log.
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

# SMOKE=1: one tiny measurement of Mailwarden alone (no baseline: the harness's baseline listens on a
# fixed port), from dist/ as built, without waiting for a quiet machine; about 15 s. What `npm test`
# runs (test/bench/smoke.test.ts) so that this driver cannot rot unnoticed; its figures mean nothing.
# Set SINK_PORT, SINK_HTTP_PORT, MW_BENCH_SMTP_PORT and MW_BENCH_SMTPS_PORT to free ports on a
# shared machine. Any knob set explicitly still wins.
if [ "${SMOKE:-0}" = 1 ]; then
  : "${SYSTEMS:=mailwarden}" "${ROUNDS:=1}" "${LOADS:=per-conn=10:10:200}" "${CONNS:=4}" "${WARMUP:=20}"
  : "${MAX_SECONDS:=30}" "${DRAIN_TIMEOUT:=10}" "${QUIET_TIMEOUT:=0}" "${BUILD:=0}"
fi
case "$W/" in "$PEERS"/*) die "WORKDIR must not be inside the read-only harness ($PEERS)" ;; esac

SYSTEMS=${SYSTEMS:-"baseline baseline:greet0 mailwarden"}
ROUNDS=${ROUNDS:-3}
# name:per-conn:total[:tls[:conns]]; e.g. per-conn=1,conns=100:1:3000::100 (conns overrides CONNS)
LOADS=${LOADS:-"per-conn=50:50:5000 per-conn=1:1:2000 tls-per-conn=50:50:5000:tls"}
CONNS=${CONNS:-20}; RCPTS=${RCPTS:-1}; SIZE=${SIZE:-2048}
WARMUP=${WARMUP:-500}; DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-60}; MAX_SECONDS=${MAX_SECONDS:-120}
# per-load (default): every system is started fresh (and warmed up) for each measurement, because
# Mailwarden's sending policy allows at most 10,000 recipients per rolling hour and day: one start
# that took every load of a round (12,600 messages with warm-ups) would pass that limit and measure
# the over-limit path (an alert transaction per message). per-round: one start per round, as the
# harness's run.sh does.
RESTART=${RESTART:-per-load}
case "$RESTART" in per-load|per-round) ;; *) echo "RESTART must be per-load or per-round" >&2; exit 2 ;; esac

# proc_ticks NAME: user+system CPU clock ticks of every process recorded in WORKDIR/NAME/run/*.pid and
# their descendants (the SUT's own CPU, without the kernel's loopback work that measure.mjs also counts)
proc_ticks() {
  local f p pids="" sum=0 st
  for f in "$W/$1"/run/*.pid; do [ -f "$f" ] || continue; p=$(cat "$f"); pids="$pids $p $(descendants "$p" | tr '\n' ' ')"; done
  for p in $pids; do st=$(cat /proc/"$p"/stat 2>/dev/null) || continue; st=${st##*) }; set -- $st; sum=$((sum + ${12} + ${13})); done
  echo "$sum"
}
CLK_TCK=$(getconf CLK_TCK)

# wait_quiet: before each measurement, until the whole machine was at most QUIET_MAX_BUSY % busy over
# one second (the SUT is idle then, so anything busy is someone else), for at most QUIET_TIMEOUT s.
# Prints the last busy % seen; the measurement goes ahead either way and records it.
QUIET_MAX_BUSY=${QUIET_MAX_BUSY:-25}; QUIET_TIMEOUT=${QUIET_TIMEOUT:-30}
wait_quiet() {
  local a b busy=100 t0=$SECONDS
  while :; do
    read -r -a a < <(head -1 /proc/stat); sleep 1; read -r -a b < <(head -1 /proc/stat)
    busy=$(( ( (b[1]+b[2]+b[3]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[6]+a[7]+a[8]) ) * 100 /
             ( (b[1]+b[2]+b[3]+b[4]+b[5]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[4]+a[5]+a[6]+a[7]+a[8]) + 1 ) ))
    if [ "$busy" -le "$QUIET_MAX_BUSY" ] || [ $((SECONDS - t0)) -ge "$QUIET_TIMEOUT" ]; then break; fi
  done
  [ "$busy" -le "$QUIET_MAX_BUSY" ] || log "  machine still ${busy}% busy before the measurement (other work running)"
  echo "$busy"
}

# system name -> folder with up.sh/down.sh/sut.env: ours first, then the harness's
sysdir() { if [ -d "$HERE/$1" ] && [ -x "$HERE/$1/up.sh" ]; then echo "$HERE/$1"; else echo "$PEERS/systems/$1"; fi; }

# Mailwarden runs from a private build of this checkout in WORKDIR (dist/ + bin/ + package.json, and a
# link to the checkout's node_modules), so that a rebuild of the shared dist/ or an edit under src/
# while the benchmark runs cannot change what is measured half-way. BUILD=0: run the checkout's dist/.
# MW_REF=<git ref> (e.g. HEAD): build that commit (git archive) instead of the working tree.
[ -d "$REPO/node_modules" ] || die "no node_modules in $REPO: run npm ci there first"
MW_REF=${MW_REF:-}
if [ "${BUILD:-1}" = 1 ]; then
  MW_ROOT=$W/mailwarden-build; TREE=$REPO
  rm -rf "$MW_ROOT"; mkdir -p "$MW_ROOT"
  if [ -n "$MW_REF" ]; then
    TREE=$MW_ROOT/tree; mkdir -p "$TREE"
    git -C "$REPO" archive --format=tar "$MW_REF" | tar -x -C "$TREE" || die "git archive $MW_REF failed"
    ln -s "$REPO/node_modules" "$TREE/node_modules"
  fi
  log "building Mailwarden ${MW_REF:-working tree} (npx tsc -p . --outDir $MW_ROOT/dist)"
  (cd "$TREE" && npx tsc -p . --outDir "$MW_ROOT/dist") >&2 || die "build failed (BUILD=0 runs dist/ as it is)"
  cp -r "$TREE/bin" "$TREE/package.json" "$MW_ROOT/"; ln -s "$REPO/node_modules" "$MW_ROOT/node_modules"
else
  MW_ROOT=$REPO
fi
[ -f "$MW_ROOT/dist/src/cli/main.js" ] || die "no $MW_ROOT/dist/src/cli/main.js: build first"
export MW_ROOT   # read by mailwarden/up.sh

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
  if [ -n "$MW_REF" ]; then echo "mailwarden: $MW_REF = $(git -C "$REPO" rev-parse --short "$MW_REF"), run from $MW_ROOT"
  else echo "mailwarden: working tree on $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" status --porcelain -- src 2>/dev/null | grep -q . && echo ' (src/ has uncommitted changes)'), run from $MW_ROOT"; fi
  echo "harness: $PEERS"
  echo "systems: $SYSTEMS"; echo "loads: $LOADS"; echo "conns=$CONNS rcpts=$RCPTS size=$SIZE rounds=$ROUNDS warmup=$WARMUP max_seconds=$MAX_SECONDS restart=$RESTART"
} >"$OUT/env.txt"
log "results in $OUT"; sed 's/^/  /' "$OUT/env.txt" >&2

read -r -a SYS <<<"$SYSTEMS"; read -r -a LDS <<<"$LOADS"

# up ROUND: start the current system (name, variant, label, dir) and warm it up; 1 if it did not start
up() {
  log "round $1: $label up"
  if ! "$dir/up.sh" "$W" "$variant" >>"$OUT/updown.log" 2>&1; then
    log "round $1: $label FAILED to start (see $OUT/updown.log)"
    "$dir/down.sh" "$W" >>"$OUT/updown.log" 2>&1 || true
    echo "{\"system\":\"$label\",\"load\":\"(up)\",\"round\":$1,\"error\":\"up.sh failed\"}" >>"$RES"
    return 1
  fi
  CURRENT=$entry
  # warm-up (not recorded): JIT, relay pool, Mailwarden's verified-credential cache (first AUTH pays argon2id)
  node "$PEERS/loadgen.mjs" "${LG[@]}" --per-conn 50 --total "$WARMUP" --label warmup >>"$OUT/warmup.log" 2>&1 || log "warm-up had errors (see warmup.log)"
  node "$PEERS/loadgen.mjs" "${LG[@]}" --per-conn 1 --total $(( WARMUP / 5 )) --label warmup >>"$OUT/warmup.log" 2>&1 || log "warm-up had errors (see warmup.log)"
}
down() { "$dir/down.sh" "$W" >>"$OUT/updown.log" 2>&1 || log "down.sh of $label failed"; CURRENT=""; }

# measure ROUND LOAD: one recorded measurement of the running system
measure() {
  local round=$1 lname perconn total tlsflag conns extra=() quiet load1 t0 t1 line
  IFS=: read -r lname perconn total tlsflag conns <<<"$2"
  [ "${tlsflag:-}" = tls ] && extra=(--starttls)
  # A fifth field overrides CONNS for this load (the loadgen takes the last --conns given).
  [ -n "${conns:-}" ] && extra+=(--conns "$conns")
  quiet=$(wait_quiet); load1=$(cut -d' ' -f1 /proc/loadavg); t0=$(proc_ticks "$name")
  line=$(node "$PEERS/lib/measure.mjs" --system "$label" --load "$lname" --round "$round" --sink-http "$SINK_HTTP" \
           --drain-timeout "$DRAIN_TIMEOUT" -- "${LG[@]}" --per-conn "$perconn" --total "$total" "${extra[@]}" --label "$label $lname") || true
  t1=$(proc_ticks "$name")
  if [ -n "$line" ]; then
    # proc_cpu: the SUT's processes only. other_cpu: the rest of measure.mjs's "sut" share, i.e. kernel
    # loopback work plus anything else running on the machine (high values mean a disturbed run).
    line=$(node -e 'const r=JSON.parse(process.argv[1]); const s=(process.argv[2]-process.argv[3])/process.argv[4];
      r.proc_cpu_s=+s.toFixed(2); r.proc_cpu_ms_per_msg=r.msgs_ok?+(1000*s/r.msgs_ok).toFixed(3):null;
      r.other_cpu_ms_per_msg=r.msgs_ok&&r.cpu?+(1000*(r.cpu.sut_s-s)/r.msgs_ok).toFixed(3):null;
      r.loadavg_1m_before=+process.argv[5]; r.busy_pct_before=+process.argv[6]; console.log(JSON.stringify(r))' \
      "$line" "$t1" "$t0" "$CLK_TCK" "$load1" "$quiet") || true
  fi
  if [ -z "$line" ]; then line="{\"system\":\"$label\",\"load\":\"$lname\",\"round\":$round,\"error\":\"measure failed\"}"; fi
  echo "$line" >>"$RES"
  node -e 'const r=JSON.parse(process.argv[1]); if (r.error) console.error(`  ${r.system} ${r.load}: ERROR ${r.error}`); else console.error(`  ${r.system} ${r.load}: ${r.msgs_per_s} msgs/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, failed ${r.msgs_failed}, lost ${r.lost}, busy ${r.cpu.busy_pct_client_phase}%, process ${r.proc_cpu_ms_per_msg} ms/msg, other ${r.other_cpu_ms_per_msg} ms/msg`)' "$line"
}

T0=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  n=${#SYS[@]}; off=$(( (round - 1) % n ))
  order=("${LDS[@]}"); if [ $((round % 2)) -eq 0 ]; then order=(); for ((j = ${#LDS[@]} - 1; j >= 0; j--)); do order+=("${LDS[$j]}"); done; fi
  for i in $(seq 0 $((n - 1))); do
    entry=${SYS[$(( (i + off) % n ))]}
    name=${entry%%:*}; variant=""; [[ $entry == *:* ]] && variant=${entry#*:}
    label=${entry/:/ }; dir=$(sysdir "$name")
    [ -x "$dir/up.sh" ] || die "no up.sh for system $name (looked in $HERE/$name and $PEERS/systems/$name)"
    unset SUT_HOST SUT_PORT SUT_USER SUT_PASS SUT_STARTTLS; . "$dir/sut.env"
    LG=(--host "$SUT_HOST" --port "$SUT_PORT" --user "$SUT_USER" --pass "$SUT_PASS" --conns "$CONNS" --rcpts "$RCPTS" --size "$SIZE" --max-seconds "$MAX_SECONDS")
    if [ "$RESTART" = per-round ]; then up "$round" || continue; fi
    for ld in "${order[@]}"; do
      if [[ $ld == *:tls ]] && [ "${SUT_STARTTLS:-0}" != 1 ]; then log "  $label ${ld%%:*}: skipped (no STARTTLS)"; continue; fi
      if [ "$RESTART" = per-load ]; then up "$round" || continue; fi
      measure "$round" "$ld"
      if [ "$RESTART" = per-load ]; then down; fi
    done
    if [ "$RESTART" = per-round ]; then down; fi
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
