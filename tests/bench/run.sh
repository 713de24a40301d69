#!/usr/bin/env bash
# make bench: the core benchmark, then HTTP cancel_order on orderstate-server
# next to a bare cpp-httplib server, then server memory. Prints one table and
# writes every row to OUT/results.json (default BUILD/bench; make bench
# passes build/bench). Usage: run.sh BUILD [OUT]
set -euo pipefail
build=${1:-build}
bin=$build/bin
out=${2:-$build/bench}
work=$(mktemp -d)
mkdir -p "$out"
conns=${BENCH_CONNECTIONS:-16}
seconds=${BENCH_SECONDS:-10}
seed_orders=${BENCH_SEED_ORDERS:-500000}
start_tries=100  # x 0.1 s for a server to start
pids=()
rows=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

print_machine
echo "command: make bench (tests/bench/run.sh $build), $conns connections, ${seconds}s per row"
echo

if [ -z "${BENCH_SKIP_CORE:-}" ]; then
  "$bin/core_bench" --json "$out/core.json" --dir "$work/core"
else
  echo "[]" > "$out/core.json"
fi

printf '%-58s %12s %-9s %s\n' "benchmark (HTTP, wrk -t1 -c$conns)" "value" "unit" "note"
start "$bin/bare_server" 0 32
read -r bare_rps bare_p50 bare_p99 bare_p999 _ < <(load "$port" 1)
row "bare cpp-httplib, parse + constant body" "$bare_rps" "req/s" "p50 ${bare_p50} ms, p99 ${bare_p99} ms, p99.9 ${bare_p999} ms"
kill "$pid"

for durability in full normal; do
  db=$work/$durability.db
  "$bin/orderstate-bench-seed" "$db" "$seed_orders"
  start "$bin/orderstate-server" --db "$db" --port 0 --api-key bench:benchkey --threads 32 \
    --durability "$durability"
  read -r rps p50 p99 p999 st < <(load "$port" 1)
  row "orderstate-server cancel 200, file, durability=$durability" "$rps" "req/s" \
    "p50 $p50 ms, p99 $p99 ms, p99.9 $p999 ms, $(awk -v a="$rps" -v b="$bare_rps" 'BEGIN{printf "%.2f", a/b}')x bare (target >= 0.60), [$st]"
  canceled=$(sed -n 's/.*200:\([0-9]*\).*/\1/p' <<<"$st")
  read -r rps p50 p99 p999 st < <(load "$port" 1 "$canceled")
  row "orderstate-server cancel 409, file, durability=$durability" "$rps" "req/s" "p50 $p50 ms, p99 $p99 ms, p99.9 $p999 ms, [$st]"
  read -r rps p50 p99 p999 st < <(load "$port" 900000000)
  row "orderstate-server cancel 404, file, durability=$durability" "$rps" "req/s" "p50 $p50 ms, p99 $p99 ms, p99.9 $p999 ms, [$st]"
  if [ "$durability" = full ]; then
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    row "server peak RSS, $seed_orders orders + cancel load" "$((rss / 1024))" "MiB" "VmHWM (target < 64)"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

# Memory against table size: 1M orders, then the same cancel load.
db=$work/big.db
"$bin/orderstate-bench-seed" "$db" "${BENCH_BIG_ORDERS:-1000000}"
start "$bin/orderstate-server" --db "$db" --port 0 --api-key bench:benchkey --threads 32
read -r rps p50 p99 p999 st < <(load "$port" 1)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
row "server peak RSS, ${BENCH_BIG_ORDERS:-1000000} orders + cancel load" "$((rss / 1024))" "MiB" \
  "VmHWM (target < 64); cancel $rps req/s, p99 $p99 ms"
# Issue 13: fresh clients while 1,000 idle kept-alive and 200 slow-loris
# connections are open (default flags: 32 threads).
read -r h50 h99 c50 c99 max probes failures idle_open slow_open < \
  <("$bin/edge_bench" "$port" benchkey 900000 1000 200 3)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
row "fresh client p99 with 1000 idle + 200 slow-loris open" "$(awk -v a="$h99" -v b="$c99" 'BEGIN{print (a > b ? a : b)}')" "ms" \
  "healthz p50 $h50 / p99 $h99, cancel p50 $c50 / p99 $c99, max $max ms, $probes probes, $failures failed, $idle_open idle + $slow_open slow open (target < 50 ms, 0 failed)"
row "server peak RSS with those 1200 connections" "$((rss / 1024))" "MiB" "VmHWM (target < 128)"
kill "$pid"; wait "$pid" 2>/dev/null || true

# Instructions per request, counted by callgrind: steady on a noisy machine,
# where the req/s rows above move between runs. A fixed wrk load of
# $cg_conns connections for $cg_seconds s; each total includes the server's
# start and stop (under 1% here).
cg_conns=4
cg_seconds=${BENCH_CG_SECONDS:-8}
instructions() {  # out_file server args...; prints "instructions requests"
  local out=$1 res requests
  shift
  start_tries=300 start valgrind --tool=callgrind --callgrind-out-file="$out" "$@"
  res=$(conns=$cg_conns seconds=$cg_seconds load "$port" 1)
  requests=$(grep -o '200:[0-9]*' <<<"$res" | cut -d: -f2)
  kill "$pid"; wait "$pid" 2>/dev/null || true  # callgrind writes its file on SIGTERM too
  echo "$(callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}') $requests"
}
inclusive() {  # out_file function: the function's inclusive instructions
  callgrind_annotate --inclusive=yes "$1" | awk -v f="$2" '!n && index($0, f) {gsub(",", "", $1); print $1; n = 1}'
}
if command -v valgrind > /dev/null; then
  echo
  printf '%-58s %12s %-9s %s\n' "benchmark (callgrind, wrk -t1 -c$cg_conns)" "value" "unit" "note"
  read -r bare_total bare_n < <(instructions "$work/cg-bare.out" "$bin/bare_server" 0 8)
  bare_per=$((bare_total / bare_n))
  row "instructions per request, bare cpp-httplib" "$bare_per" "instr" "$bare_n requests"
  db=$work/cg.db
  "$bin/orderstate-bench-seed" "$db" 100000
  read -r os_total os_n < <(instructions "$work/cg-os.out" "$bin/orderstate-server" --db "$db" \
    --port 0 --api-key bench:benchkey --threads 8 --durability full)
  os_per=$((os_total / os_n))
  sql_per=$(($(inclusive "$work/cg-os.out" "SqliteRepository::Impl::run_batch(") / os_n))
  row "instructions per request, orderstate-server cancel 200" "$os_per" "instr" \
    "$(awk -v a="$os_per" -v b="$bare_per" 'BEGIN{printf "%.1f", a/b}')x bare, $os_n requests"
  row "instructions per cancel, SQLite batch (statements + commit)" "$sql_per" "instr" \
    "$(awk -v s="$sql_per" -v b="$bare_per" 'BEGIN{printf "%.1f", s/b}')x a whole bare request"
fi

write_results "$out/core.json" "$out/results.json"
