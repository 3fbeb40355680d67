#!/usr/bin/env bash
# Install what is missing, build, and show qtables at work in a network
# namespace of its own. Cleans up after itself.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "quickstart.sh: run as root"; exit 1; }
./scripts/deps.sh
./scripts/build.sh "$top/_build"
exec ./scripts/demo.sh
