#!/usr/bin/env bash
# Builds and runs tests/package/consumer the three ways a project can use
# orderstate, and fails unless each prints "consumer: CANCELED":
#   package    `cmake --install` of BUILD_DIR into a temp prefix, then
#              find_package(orderstate) with CMAKE_PREFIX_PATH=<prefix>
#   pkgconfig  the same prefix, compiled with `pkg-config orderstate-http`
#   subdir     add_subdirectory of SOURCE_DIR (tests, examples, postgres off)
# usage: consumer_test.sh SOURCE_DIR BUILD_DIR CXX [package|pkgconfig|subdir ...]
set -euo pipefail

source_dir=$1 build_dir=$2 cxx=$3
shift 3
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(package pkgconfig subdir)
work=$(mktemp -d "${TMPDIR:-/tmp}/orderstate-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
consumer=$source_dir/tests/package/consumer

# Configures, builds and runs the consumer; extra args go to the configure.
build_and_run() {
  local name=$1
  shift
  cmake -S "$consumer" -B "$work/$name" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$cxx" "$@" >"$work/$name.log" 2>&1 ||
    { cat "$work/$name.log"; echo "consumer_test: $name: configure failed" >&2; return 1; }
  cmake --build "$work/$name" -j2 >>"$work/$name.log" 2>&1 ||
    { cat "$work/$name.log"; echo "consumer_test: $name: build failed" >&2; return 1; }
  check "$name" "$work/$name/consumer"
}

check() {
  local name=$1 binary=$2 out
  out=$("$binary")
  if [ "$out" != "consumer: CANCELED" ]; then
    echo "consumer_test: $name: unexpected output '$out'" >&2
    return 1
  fi
  echo "consumer_test: $name: ok"
}

install_prefix() {
  if [ ! -d "$work/prefix" ]; then
    cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
      { cat "$work/install.log"; echo "consumer_test: install failed" >&2; return 1; }
  fi
}

for mode in "${modes[@]}"; do
  case "$mode" in
    package)
      install_prefix
      build_and_run package -DCMAKE_PREFIX_PATH="$work/prefix"
      ;;
    pkgconfig)
      install_prefix
      pc_dir=$(dirname "$(find "$work/prefix" -name orderstate-http.pc)")
      # shellcheck disable=SC2046  # pkg-config's output is a list of flags
      # shellcheck disable=SC2086  # CXXFLAGS and LDFLAGS are lists of flags too
      "$cxx" -std=c++20 -O1 ${CXXFLAGS:-} -o "$work/pkgconfig-consumer" "$consumer/main.cpp" ${LDFLAGS:-} \
        $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs orderstate-http)
      check pkgconfig "$work/pkgconfig-consumer"
      ;;
    subdir)
      build_and_run subdir -DORDERSTATE_SOURCE_DIR="$source_dir" \
        -DORDERSTATE_BUILD_TESTS=OFF -DORDERSTATE_BUILD_EXAMPLES=OFF -DORDERSTATE_WITH_POSTGRES=OFF
      ;;
    *) echo "consumer_test: unknown mode $mode" >&2; exit 2 ;;
  esac
done
