#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests.
#
#   pg-cluster.sh start [DIR]   initdb into DIR (a fresh temp dir when omitted), start it,
#                               print its libpq URI on stdout (also saved in DIR/uri)
#   pg-cluster.sh stop DIR      stop the server and remove DIR
#   pg-cluster.sh down DIR      stop the server, keep its data (an outage, for tests)
#   pg-cluster.sh up DIR        start a cluster that is down again, on the same port
#   pg-cluster.sh restart DIR   down + up
#
# The server listens on a unix socket in DIR and on 127.0.0.1 at a free port, with trust
# authentication for the `postgres` role and fsync on. As root, the server runs as the
# `postgres` OS user (PostgreSQL refuses to run as root); otherwise as the caller.
# Diagnostics go to stderr and DIR/server.log; stdout carries only the URI.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

die() { echo "pg-cluster: $*" >&2; exit 1; }
usage() { die "usage: pg-cluster.sh start [DIR] | stop DIR | down DIR | up DIR | restart DIR"; }

[ -x "$PG_BIN/initdb" ] || die "no initdb in $PG_BIN (install postgresql-15: cmake/install-deps.sh)"

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

pg_ctl_start() {
  local dir=$1
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
}

print_uri() {
  local dir=$1 port
  port=$(cat "$dir/port")
  echo "postgresql://postgres@127.0.0.1:$port/postgres" | tee "$dir/uri"
}

start() {
  local dir=${1:-}
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/orderstate-pg.XXXXXX")
  else
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  fi
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null || die "running as root but there is no 'postgres' user"
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"

  as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # The unix socket lives in DIR; TCP only on loopback. A port taken between our pick and
  # the bind makes the start fail: pick another and try again.
  local attempt port
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 30000))
    cat >"$dir/data/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
max_connections = 200
shared_buffers = 32MB
log_min_messages = warning
EOF
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/data/postgresql.auto.conf"
    echo "$port" >"$dir/port"
    if pg_ctl_start "$dir"; then
      print_uri "$dir"
      return 0
    fi
    echo "pg-cluster: start on port $port failed (attempt $attempt), retrying" >&2
  done
  tail -n 20 "$dir/server.log" >&2 || true
  die "could not start a cluster in $dir"
}

down() {
  local dir=$1
  [ -d "$dir/data" ] || die "$dir holds no cluster"
  if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
  fi
}

up() {
  local dir=$1
  [ -d "$dir/data" ] || die "$dir holds no cluster"
  pg_ctl_start "$dir" || { tail -n 20 "$dir/server.log" >&2 || true; die "could not start $dir"; }
  print_uri "$dir"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || die "no such directory: $dir"
  if [ -d "$dir/data" ]; then
    down "$dir" ||
      as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir"
}

cmd=${1:-}
case "$cmd" in
  start) [ $# -le 2 ] || usage; start "${2:-}" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  down) [ $# -eq 2 ] || usage; down "$2" ;;
  up) [ $# -eq 2 ] || usage; up "$2" ;;
  restart) [ $# -eq 2 ] || usage; down "$2"; up "$2" ;;
  *) usage ;;
esac
