#!/usr/bin/env bash
# HTTP cancel_order on PostgreSQL: one orderstate-server, then two on the same
# database, under wrk (tests/bench/cancel.lua), next to pg_bench's library vs
# raw libpq rows. Starts (and removes) its own throwaway cluster with
# cmake/pg-cluster.sh. Prints rows as run.sh does and writes them to
# OUT/pg_results.json (default BUILD/bench). Usage: tests/bench/pg_run.sh BUILD [OUT]
#   BENCH_CONNECTIONS (16; two servers get half each), BENCH_SECONDS (10), BENCH_PG_ORDERS (150000 per
#   phase: a phase must not run out of open orders; rows count 200 answers only)
set -euo pipefail
build=${1:-build}
bin=$build/bin
out=${2:-$build/bench}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cluster="$here/../../cmake/pg-cluster.sh"
mkdir -p "$out"
conns=${BENCH_CONNECTIONS:-16}
seconds=${BENCH_SECONDS:-10}
per_phase=${BENCH_PG_ORDERS:-150000}
work=$(mktemp -d)
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/orderstate-pg.XXXXXX")
pids=()
rows=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bash "$cluster" stop "$pgdir" >/dev/null 2>&1 || rm -rf -- "$pgdir"
  rm -rf "$work"
}
trap cleanup EXIT
source "$here/common.sh"

print_machine
echo "command: tests/bench/pg_run.sh $build, $conns connections in all, ${seconds}s per row"
echo

uri=$(bash "$cluster" start "$pgdir")
"$bin/pg_bench" --uri "$uri" --json "$out/pg_core.json"
echo

# Ids 1..per_phase for one server, then per_phase for each of two: a fresh
# database's sequence numbers the seeded orders 1..N.
printf '%-58s %12s %-9s %s\n' "benchmark (HTTP on PostgreSQL, wrk -t1 -c$conns in all)" "value" "unit" "note"
# The database's own speed on this cluster with the same client count:
# pgbench -N is three writes and a commit per transaction, like a cancel.
base=${uri%/*}
psql -q "$uri" -c "CREATE DATABASE pgbench" -c "CREATE DATABASE fresh" >/dev/null
pgbench -i -q -s 10 "$base/pgbench" >/dev/null 2>&1
mark=$(cpu_mark)
pgb=$(cd "$work" && pgbench -N -c "$conns" -j2 -M prepared -T "$seconds" --log --log-prefix=pgb \
      "$base/pgbench" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3; exit}')
# Its latencies from the per-transaction log (third column, us): the
# database's own tail is the floor of any p99 above it.
busy=$(cpu_busy "$mark")
read -r pgb50 pgb99 < <(cat "$work"/pgb.* | awk '{print $3}' | sort -n |
  awk '{v[NR]=$1} END {printf "%.2f %.2f\n", v[int(NR*0.5)]/1000, v[int(NR*0.99)]/1000}')
row "pgbench -N -c$conns -j2 -M prepared (the database's speed)" "$pgb" "tps" \
  "same cluster, same client count; latency p50 $pgb50 ms, p99 $pgb99 ms; machine $busy% busy"
# Every seed is vacuumed and analyzed before it is measured, as pgbench -i
# does its tables: otherwise autovacuum's first pass over the new rows lands
# in the measured seconds (one server read 288 req/s at 99% CPU, then 5,500
# with the seed vacuumed, on one machine).
seeded() { psql -q "$1" -c "VACUUM ANALYZE" >/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }

# A server started on a freshly created database, orders added after it started.
start "$bin/orderstate-server" --db "$base/fresh" --port 0 --api-key bench:benchkey --threads 32
"$bin/pg_bench" --uri "$base/fresh" --seed $((2 * per_phase)) >/dev/null
seeded "$base/fresh"
read -r rps p50 p99 p999 st < <(load "$port" 1)
rps=$(ok_rps "$rps" $st)
row "cancel 200, server started on a fresh database" "$rps" "req/s" "p50 $p50 ms, p99 $p99 ms, [$st]"
kill "$pid"; wait "$pid" 2>/dev/null || true
start "$bin/orderstate-server" --db "$base/fresh" --port 0 --api-key bench:benchkey --threads 32
read -r rps2 p50 p99 p999 st < <(load "$port" $((per_phase + 1)))
rps2=$(ok_rps "$rps2" $st)
row "cancel 200, a new server on that database" "$rps2" "req/s" \
  "p50 $p50 ms, p99 $p99 ms, fresh/new $(ratio "$rps" "$rps2") (target ~1), [$st]"
kill "$pid"; wait "$pid" 2>/dev/null || true

"$bin/pg_bench" --uri "$uri" --seed $((3 * per_phase))
seeded "$uri"
server=("$bin/orderstate-server" --db "$uri" --port 0 --api-key bench:benchkey --threads 32)

start "${server[@]}"
port1=$port
mark=$(cpu_mark)
read -r rps p50 p99 p999 st < <(load "$port1" 1)
rps=$(ok_rps "$rps" $st)
one=$rps
row "orderstate-server cancel 200, PostgreSQL, one server" "$rps" "req/s" \
  "p50 $p50 ms, p99 $p99 ms (target <= 10), p99.9 $p999 ms, $(ratio "$rps" "$pgb")x pgbench (target >= 0.6), machine $(cpu_busy "$mark")% busy, [$st]"
res=$(wrk -t1 -c"$conns" -d"${seconds}s" --latency -s "$bench_dir/place.lua" "http://127.0.0.1:$port1" 2>&1)
prps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$res")
row "orderstate-server place 201, PostgreSQL, one server" "$prps" "req/s" \
  "p99 $(to_ms "$(awk '$1=="99%" {print $2}' <<<"$res")") ms, $(ratio "$prps" "$pgb")x pgbench (target >= 0.5), [$(awk '/^status/ {printf "%s:%s ", $2, $3}' <<<"$res")]"

# Starts a second "${server[@]}" beside the one on $port1 and loads both at
# once from FIRST1 and FIRST2, half the connections each (the issue's 8 + 8:
# the same clients as one server's row); prints NAME's row against $one.
two_servers() {  # name first1 first2
  start "${server[@]}"
  local port2=$port w1 w2 rps1 rps2 p99a p99b st1 st2 ok1 ok2 mark busy
  conns=$((conns / 2)) load "$port1" "$2" > "$work/wrk1" &
  w1=$!
  conns=$((conns / 2)) load "$port2" "$3" > "$work/wrk2" &
  w2=$!
  mark=$(cpu_mark)
  wait "$w1" "$w2"
  busy=$(cpu_busy "$mark")
  read -r rps1 _ p99a _ st1 < "$work/wrk1"
  read -r rps2 _ p99b _ st2 < "$work/wrk2"
  ok1=$(ok_rps "$rps1" $st1)
  ok2=$(ok_rps "$rps2" $st2)
  row "$1" "$((ok1 + ok2))" "req/s" \
    "$ok1 + $ok2 200s/s; $(ratio $((ok1 + ok2)) "$one")x one server (target >= 1.6 below the database's limit); p99 $p99a / $p99b ms, machine $busy% busy, [$st1] [$st2]"
}
two_servers "orderstate-server cancel 200, PostgreSQL, two servers (sum)" $((per_phase + 1)) $((2 * per_phase + 1))

# The same on 16 accounts. Every account's journal events are numbered in
# commit order (issue 16): the counter row of an account is locked from its
# batch's numbering to its commit, so one account's commits are serial
# across all writers and servers; different accounts' are not.
kill "${pids[@]}" 2>/dev/null || true
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
psql -q "$uri" -c "CREATE DATABASE accounts" >/dev/null
"$bin/pg_bench" --uri "$base/accounts" --seed $((3 * per_phase)) --accounts 16 --ids "$work/ids"
seeded "$base/accounts"
keys=()
for a in $(seq 0 15); do keys+=(--api-key "bench$a:key-bench$a"); done
server=("$bin/orderstate-server" --db "$base/accounts" --port 0 "${keys[@]}" --threads 32)
export CANCEL_SCRIPT=cancel_accounts.lua IDS=$work/ids
start "${server[@]}"
port1=$port
mark=$(cpu_mark)
read -r rps p50 p99 p999 st < <(load "$port1" 1)
rps=$(ok_rps "$rps" $st)
one=$rps
row "cancel 200, 16 accounts, one server" "$rps" "req/s" \
  "p50 $p50 ms, p99 $p99 ms (target <= 10), $(ratio "$rps" "$pgb")x pgbench (target >= 0.6), machine $(cpu_busy "$mark")% busy, [$st]"
two_servers "cancel 200, 16 accounts, two servers (sum)" $((per_phase + 1)) $((2 * per_phase + 1))
unset CANCEL_SCRIPT IDS

write_results "$out/pg_core.json" "$out/pg_results.json"
