#!/usr/bin/env bash
# Install what is missing, build, and show qtables judging real packets:
# client -- firewall (qtablesd) -- server, in three network namespaces
# (scripts/demo.sh). Cleans up after itself.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "quickstart.sh: run as root"; exit 1; }
./scripts/deps.sh
./scripts/build.sh "$top/_build"
QT_BUILD="$top/_build" exec ./scripts/demo.sh
