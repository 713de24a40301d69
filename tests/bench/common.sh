# Sourced by run.sh and pg_run.sh: starting servers, driving wrk, printing
# rows and writing them as JSON. The caller sets $work (a scratch folder),
# $conns and $seconds, and the arrays pids=() and rows=().
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

print_machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
}

row() {  # name value unit note
  printf '%-58s %12s %-9s %s\n' "$1" "$2" "$3" "$4"
  rows+=("  {\"name\": \"$1\", \"value\": $2, \"unit\": \"$3\", \"note\": \"$4\"}")
}

# Starts "$@" (a server printing "listening on http://HOST:PORT"); sets $port
# and $pid. Waits $start_tries x 0.1 s (default 30 s: a PostgreSQL server may
# retry its database).
start() {
  local log=$work/server-$RANDOM.log
  "$@" > "$log" 2>/dev/null &
  pid=$!
  pids+=("$pid")
  for _ in $(seq "${start_tries:-300}"); do
    port=$(sed -n 's#^listening on http://[^:]*:\([0-9]*\).*#\1#p' "$log")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "server did not start: $*" >&2
  exit 1
}

# wrk on PORT, cancelling ids from FIRST (wrapping after LAST when given);
# prints "rps p50_ms p99_ms p99.9_ms statuses". CANCEL_SCRIPT=cancel_accounts.lua
# (with IDS=FILE) takes the orders of several accounts from a file instead.
load() {  # port first_id [last_id]
  local res rps p50 p99 p999 statuses
  res=$(FIRST=$2 LAST=${3:-0} wrk -t1 -c"$conns" -d"${seconds}s" --latency \
        -s "$bench_dir/${CANCEL_SCRIPT:-cancel.lua}" "http://127.0.0.1:$1" 2>&1)
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$res")
  p50=$(awk '$1=="50%" {print $2}' <<<"$res")
  p99=$(awk '$1=="99%" {print $2}' <<<"$res")
  p999=$(awk '$1=="p99.9" {printf "%.2f", $2 / 1000}' <<<"$res")
  statuses=$(awk '/^status/ {printf "%s:%s ", $2, $3}' <<<"$res")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $p999 $statuses"
}

# The rate of 200 answers from load's "rps" and "statuses": a row that
# cancels open orders must not count the 404s and 409s of a seed it ran past.
ok_rps() {  # rps statuses...
  local rps=$1
  shift
  awk -v rps="$rps" -v st="$*" 'BEGIN {
    n = split(st, kv, " "); all = 0; ok = 0
    for (i = 1; i <= n; i++) { split(kv[i], p, ":"); all += p[2]; if (p[1] == "200") ok = p[2] }
    printf "%.0f", (all > 0 ? rps * ok / all : 0) }'
}

# The machine's CPU busy % since a cpu_mark: `m=$(cpu_mark); ...; cpu_busy "$m"`.
cpu_mark() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }
cpu_busy() {  # "total idle" from cpu_mark
  local t0 i0
  read -r t0 i0 <<<"$1"
  awk -v t0="$t0" -v i0="$i0" '/^cpu /{t=$2+$3+$4+$5+$6+$7+$8+$9; i=$5+$6; printf "%.0f", 100 - 100 * (i - i0) / (t - t0)}' /proc/stat
}

to_ms() {  # wrk prints 812.00us / 1.23ms / 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'
}

# Writes {"core": CORE_JSON_FILE's rows, "http": the rows printed} to OUT.
write_results() {  # core_json_file out_file
  {
    echo "{\"core\": $(cat "$1"), \"http\": ["
    (IFS=$'\n'; echo "${rows[*]}" | sed '$!s/$/,/')
    echo "]}"
  } > "$2"
  echo
  echo "rows written to $2"
}
