#!/bin/sh
# Install the Debian packages agora needs to build, test and run.
# Idempotent: does nothing when every package is already installed.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libevent-dev libjansson-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev
libarchive-dev libcmocka-dev python3 python3-pytest sqlite3 curl procps
iproute2 runc util-linux passwd tzdata"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
# node and npm run the compat tests against real npm clients; the machine's
# own Node.js is used when present, else Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
  exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n1)" ]; then
  apt-get update -q
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
