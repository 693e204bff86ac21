#!/usr/bin/env bash
# Starts the throwaway test servers and opens a shell (or runs the given command) with their URLs set.
# Usage: scripts/dev-servers.sh [command...]
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/servers.sh
almanac_start_servers || exit 1
if [ $# -gt 0 ]; then "$@"; else "${SHELL:-bash}"; fi
