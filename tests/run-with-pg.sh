#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster:
#   tests/run-with-pg.sh COMMAND [ARGS...]
# starts one (cmake/pg-cluster.sh), exports ORDERSTATE_TEST_PG_URI (its libpq URI), plus
# ORDERSTATE_TEST_PG_DIR and ORDERSTATE_TEST_PG_CLUSTER for the tests that restart it, runs
# the command, stops and removes the cluster, and exits with the command's status.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cluster="$here/../cmake/pg-cluster.sh"
[ $# -ge 1 ] || { echo "usage: run-with-pg.sh COMMAND [ARGS...]" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/orderstate-pg.XXXXXX") || exit 1
trap 'bash "$cluster" stop "$dir" >/dev/null 2>&1 || rm -rf -- "$dir"' EXIT
trap 'exit 130' INT TERM

uri=$(bash "$cluster" start "$dir") || { echo "run-with-pg: cannot start PostgreSQL" >&2; exit 1; }
export ORDERSTATE_TEST_PG_URI="$uri" ORDERSTATE_TEST_PG_DIR="$dir"
export ORDERSTATE_TEST_PG_CLUSTER="$cluster"
"$@"
