#!/usr/bin/env bash
# Runs the README's curl walkthrough against the real server and checks that
# each command prints what the README shows (timestamps and ids normalized,
# since the server stamps records with the real clock). Usage: SERVER README
set -euo pipefail
server=$1
readme=$2
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$server" --db "$work/walk.db" --port 0 --api-key default:s3cret > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 50); do
  port=$(sed -n 's#^listening on http://[^:]*:\([0-9]*\).*#\1#p' "$work/out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start"; cat "$work/err"; exit 1; }

normalize() { sed -E 's/[0-9]{14}/YYYYMMDDHHMMSS/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g'; }

# The block between the walkthrough markers: "$ command" lines, then output.
sed -n '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/p' "$readme" |
  sed -n '/^```sh$/,/^```$/p' | grep -v '^```' > "$work/block"
[ -s "$work/block" ] || { echo "no walkthrough in $readme"; exit 1; }

export KEY=s3cret
commands=0
failed=0
expected=""
# Ids carry the time they were made: each id the README shows maps to the id
# the real run made in its place (paired in order of appearance), and
# commands use the real ones.
declare -A real_id=()
ids_of() { grep -oE '(ord|pos)-[0-9]{14}-[0-9]+' <<<"$1" || true; }
run_pending() {
  [ -n "${cmd:-}" ] || return 0
  local run=${cmd//localhost:8080/127.0.0.1:$port} raw real id
  for id in "${!real_id[@]}"; do run=${run//$id/${real_id[$id]}}; done
  raw=$(eval "$run")
  local -a shown made
  mapfile -t shown < <(ids_of "$expected")
  mapfile -t made < <(ids_of "$raw")
  for i in "${!shown[@]}"; do
    [ -n "${made[$i]:-}" ] && [ -z "${real_id[${shown[$i]}]:-}" ] && real_id[${shown[$i]}]=${made[$i]}
  done
  real=$(normalize <<<"$raw")
  if [ "$real" != "$(normalize <<<"$expected")" ]; then
    echo "MISMATCH for: $cmd"
    echo "  README: $expected"
    echo "  real:   $real"
    failed=$((failed + 1))
  fi
  commands=$((commands + 1))
}
while IFS= read -r line; do
  if [[ $line == '$ '* ]]; then
    run_pending
    cmd=${line#'$ '}
    expected=""
  else
    expected+="${expected:+$'\n'}$line"
  fi
done < "$work/block"
run_pending
echo "$commands commands, $failed mismatches"
[ "$commands" -ge 3 ] && [ "$failed" -eq 0 ]
