#!/usr/bin/env bash
# Soak: the real orderstate-server on a file database under mixed
# place/cancel/get/list traffic for a bounded time, then a report: requests by
# endpoint and status, answers outside the expected codes, 5xx, and the
# server's RSS sampled every 10 s with a verdict on whether it stays flat
# after warm-up. Builds nothing; not part of ctest.
#
#   tests/system/soak.sh BUILD_DIR
#   SOAK_SECONDS=300 SOAK_CONNECTIONS=16 SOAK_WARMUP=<a third of the run>
#   SOAK_DURABILITY=full|normal
# Exit status: 0 when every answer had an expected code and RSS was flat.
set -euo pipefail

build=${1:?usage: soak.sh BUILD_DIR}
seconds=${SOAK_SECONDS:-300}
connections=${SOAK_CONNECTIONS:-16}
warmup=${SOAK_WARMUP:-$((seconds / 3))}
durability=${SOAK_DURABILITY:-full}
server_bin=$build/bin/orderstate-server
load_bin=$build/bin/orderstate-load
for b in "$server_bin" "$load_bin"; do
  [ -x "$b" ] || { echo "soak: $b not built (cmake --build $build)" >&2; exit 2; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/orderstate-soak-XXXXXX")
server_pid=
sampler_pid=
cleanup() {
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

# The per-request log lines of 1xx-4xx answers are dropped as they come (they
# would be gigabytes); everything else the server says is kept.
"$server_bin" --port 0 --db "$dir/soak.db" --api-key soak:soak-key --durability "$durability" \
  >"$dir/stdout" 2> >(grep --line-buffered -Ev '^(GET|POST) [^ ]+ [1-4][0-9][0-9] -?[0-9]+us$' \
                      >"$dir/stderr") &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$dir/stdout" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\)$/\1/p' "$dir/stdout")
[ -n "$port" ] || { echo "soak: the server did not start" >&2; cat "$dir/stderr" >&2; exit 1; }
echo "soak: server pid $server_pid on port $port, $connections connections for ${seconds}s," \
     "durability $durability, warm-up ${warmup}s"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0; }
(
  t=0
  while true; do
    echo "$t $(rss_kb)" >>"$dir/rss"
    sleep 10
    t=$((t + 10))
  done
) &
sampler_pid=$!

load_status=0
"$load_bin" --port "$port" --key soak-key --connections "$connections" --seconds "$seconds" \
  >"$dir/load" || load_status=$?
echo "$((seconds)) $(rss_kb)" >>"$dir/rss"
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=

kill -TERM "$server_pid"
server_exit=0
wait "$server_pid" || server_exit=$?
server_pid=

echo
cat "$dir/load"
echo
echo "server exit status: $server_exit"
echo "server log lines other than 1xx-4xx requests: $(grep -c '' "$dir/stderr" || true)"
echo "  of which 5xx: $(grep -cE ' 5[0-9][0-9] -?[0-9]+us$' "$dir/stderr" || true)," \
     "storage errors: $(grep -c '^storage error' "$dir/stderr" || true)"
head -5 "$dir/stderr" | sed 's/^/  /'
echo
echo "RSS (KiB) every 10 s:"
awk '{printf "  t=%4ds  %8d KiB\n", $1, $2}' "$dir/rss"
verdict=$(awk -v warm="$warmup" '
  $1 >= warm && base == "" { base = $2; base_t = $1 }
  { last = $2; last_t = $1; if ($1 >= warm && $2 > peak) peak = $2 }
  END {
    if (base == "" || last_t <= base_t) { print "unknown (run shorter than warm-up)"; exit }
    growth = last - base
    per_min = growth * 60 / (last_t - base_t)
    flat = (growth <= base * 0.10 && growth <= 8192) ? "flat" : "GROWING"
    printf "%s: %d KiB at t=%ds after warm-up, %d KiB at t=%ds (peak %d): %+d KiB, %+.0f KiB/min",
           flat, base, base_t, last, last_t, peak, growth, per_min
  }' "$dir/rss")
echo "RSS verdict: $verdict"

status=0
[ "$load_status" -eq 0 ] || status=1
[ "$server_exit" -eq 0 ] || status=1
case "$verdict" in GROWING*) status=1 ;; esac
exit $status
