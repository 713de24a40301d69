#!/usr/bin/env bash
# HTTP cancel_order on PostgreSQL: one orderstate-server, then two on the same
# database, under wrk (tests/bench/cancel.lua), next to pg_bench's library vs
# raw libpq rows. Starts (and removes) its own throwaway cluster with
# cmake/pg-cluster.sh. Prints rows as run.sh does and writes them to
# BUILD/bench/pg_results.json. Usage: tests/bench/pg_run.sh BUILD
#   BENCH_CONNECTIONS (16, per wrk), BENCH_SECONDS (10), BENCH_PG_ORDERS (40000 per
#   phase: a phase must not run out of open orders, see the 200 count in the note)
set -euo pipefail
build=${1:-build}
bin=$build/bin
out=$build/bench
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cluster="$here/../../cmake/pg-cluster.sh"
mkdir -p "$out"
conns=${BENCH_CONNECTIONS:-16}
seconds=${BENCH_SECONDS:-10}
per_phase=${BENCH_PG_ORDERS:-40000}
work=$(mktemp -d)
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/orderstate-pg.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bash "$cluster" stop "$pgdir" >/dev/null 2>&1 || rm -rf -- "$pgdir"
  rm -rf "$work"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
echo "command: tests/bench/pg_run.sh $build, $conns connections per wrk, ${seconds}s per row"
echo

uri=$(bash "$cluster" start "$pgdir")
"$bin/pg_bench" --uri "$uri" --json "$out/pg_core.json"
echo

rows=()
row() {  # name value unit note
  printf '%-58s %12s %-9s %s\n' "$1" "$2" "$3" "$4"
  rows+=("  {\"name\": \"$1\", \"value\": $2, \"unit\": \"$3\", \"note\": \"$4\"}")
}

# Starts "$@" (a server printing "listening on http://HOST:PORT"); sets $port, $pid.
start() {
  local log=$work/server-$RANDOM.log
  "$@" > "$log" 2>/dev/null &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do
    port=$(sed -n 's#^listening on http://[^:]*:\([0-9]*\).*#\1#p' "$log")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "server did not start: $*" >&2
  exit 1
}

# wrk against port $1 from order id $2; prints "rps p50_ms p99_ms statuses".
load() {  # port first_id
  local res rps p50 p99 statuses
  res=$(FIRST=$2 wrk -t1 -c"$conns" -d"${seconds}s" --latency -s "$here/cancel.lua" \
        "http://127.0.0.1:$1" 2>&1)
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$res")
  p50=$(awk '$1=="50%" {print $2}' <<<"$res")
  p99=$(awk '$1=="99%" {print $2}' <<<"$res")
  statuses=$(awk '/^status/ {printf "%s:%s ", $2, $3}' <<<"$res")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $statuses"
}
to_ms() {  # wrk prints 812.00us / 1.23ms / 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'
}

# Ids 1..per_phase for one server, the next 2 x per_phase/2 for two: a fresh
# database's sequence numbers the seeded orders 1..N.
"$bin/pg_bench" --uri "$uri" --seed $((2 * per_phase))
server=("$bin/orderstate-server" --db "$uri" --port 0 --api-key bench:benchkey --threads 32)

printf '%-58s %12s %-9s %s\n' "benchmark (HTTP on PostgreSQL, wrk -t1 -c$conns each)" "value" "unit" "note"
start "${server[@]}"
port1=$port
read -r rps p50 p99 st < <(load "$port1" 1)
row "orderstate-server cancel 200, PostgreSQL, one server" "$rps" "req/s" "p50 $p50 ms, p99 $p99 ms, [$st]"

start "${server[@]}"
port2=$port
load "$port1" $((per_phase + 1)) > "$work/wrk1" &
w1=$!
load "$port2" $((per_phase + per_phase / 2 + 1)) > "$work/wrk2" &
w2=$!
wait "$w1" "$w2"
read -r rps1 p50a p99a st1 < "$work/wrk1"
read -r rps2 p50b p99b st2 < "$work/wrk2"
row "orderstate-server cancel 200, PostgreSQL, two servers (sum)" "$((rps1 + rps2))" "req/s" \
  "$rps1 + $rps2; p99 $p99a / $p99b ms, [$st1] [$st2]"

{
  echo "{\"core\": $(cat "$out/pg_core.json"), \"http\": ["
  (IFS=$'\n'; echo "${rows[*]}" | sed '$!s/$/,/')
  echo "]}"
} > "$out/pg_results.json"
echo
echo "rows written to $out/pg_results.json"
