#!/usr/bin/env bash
# nftables' own tests/py files (tests/compat/nft_py/*.t, see its README)
# through the real nft and qtables' nft, step by step as nftables'
# nft-test.py runs them (tests/compat/nft_py.py): exit codes, messages
# and listings must be the same, except the steps listed in
# tests/compat/nft_py/known-diffs.txt (counted and printed; one that no
# longer differs fails, so the list only shrinks).
#
# Usage: run-nft-py.sh [FILE.t...]      (as root; QT_BUILD: the build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${QT_BUILD:-$here/../../_build}
files=("$@")
[ $# -gt 0 ] || files=("$here"/nft_py/*.t)
exec python3 "$here/nft_py.py" "$build" "$here/nft_py/known-diffs.txt" "${files[@]}"
