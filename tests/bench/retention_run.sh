#!/usr/bin/env bash
# Cancels on one SQLite file without and with --keep-events 1000 (every
# cancel's event past an account's 1000th is pruned), three interleaved
# pairs, to show what retention costs the writes.
# Usage: tests/bench/retention_run.sh BUILD   (BENCH_SECONDS, default 8)
set -euo pipefail
build=${1:-build}
bin=$build/bin
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
conns=16
seconds=${BENCH_SECONDS:-8}
per=60000
work=$(mktemp -d)
pids=()
rows=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$here/common.sh"
db=$work/orders.db
"$bin/orderstate-bench-seed" "$db" $((6 * per)) >/dev/null
i=0
for round in 1 2 3; do
  for keep in 0 1000; do
    start "$bin/orderstate-server" --db "$db" --port 0 --api-key bench:benchkey --threads 32 \
      --keep-events "$keep"
    read -r rps p50 p99 _ st < <(load "$port" $((i * per + 1)))
    echo "round $round, --keep-events $keep: $rps req/s, p50 $p50 ms, p99 $p99 ms [$st]"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    i=$((i + 1))
  done
done
