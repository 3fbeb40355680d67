#!/usr/bin/env bash
# Configure and build into _build (or $1), quietly unless it fails.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/_build}
shift || true
cd "$top"
./scripts/gen-am.sh
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ] || [ extensions/sources.am -nt Makefile.in ] ||
	[ tests/unit/tests.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ]; then
	"$top/configure" "$@" >configure.out 2>&1 || { cat configure.out; exit 1; }
fi
make -j"$(nproc)" >make.out 2>&1 || { grep -E 'error|Error' -A5 make.out | head -60; exit 1; }
if grep -E 'warning:' make.out | grep -v 'POSIX Yacc'; then
	echo "build: warnings are errors in qtables (see $dir/make.out)"
	exit 1
fi
