#!/usr/bin/env bash
# Installs the Debian packages orderstate builds and tests with. Idempotent: when every
# package is already installed it does nothing (no apt-get update, no root needed).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsqlite3-dev libsqlitecpp-dev libgmp-dev
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev libhttp-parser-dev
  rapidjson-dev catch2
  libpqxx-dev libpq-dev postgresql-15
  curl openssl
  clang-format
)
# Extra groups, asked for by name: `install-deps.sh sanitize bench`.
for extra in "$@"; do
  case "$extra" in
    sanitize|fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    bench) packages+=(wrk valgrind) ;;
    *) echo "install-deps: unknown group '$extra'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
