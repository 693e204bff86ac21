#!/usr/bin/env bash
# Installs the Debian packages Almanac needs when they are missing.
#   install-deps.sh run   -> the C libraries (libhiredis-dev libpq-dev libsqlite3-dev)
#   install-deps.sh test  -> plus redis-server and postgresql for the throwaway test servers
#   install-deps.sh browser -> chromium only (the dashboard's browser test)
set -euo pipefail
packages=(libhiredis-dev libpq-dev libsqlite3-dev)
# test also installs chromium: scripts/e2e/browser.sh drives the dashboard in it.
if [ "${1:-run}" = "test" ]; then packages+=(redis-server postgresql postgresql-contrib python3 python3-yaml python3-venv curl jq chromium fonts-dejavu-core); fi
if [ "${1:-run}" = "browser" ]; then packages=(chromium fonts-dejavu-core); fi
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo_cmd=""
[ "$(id -u)" = "0" ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq >/dev/null
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a cluster and a redis service on install; the tests use their own throwaway servers.
