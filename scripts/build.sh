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
# Bison's header is rewritten only when its contents change (ylwrap),
# so after a grammar change it stays older than its .c and every later
# make "remakes" it and rebuilds and relinks all that depends on it: a
# `make install` run by one test would then replace the programs other
# tests are running. Dated with its .c, the tree is up to date.
for h in parser/grammar.h parser/nft_grammar.h; do
	if [ -f "$h" ] && [ "$h" -ot "${h%.h}.c" ]; then
		touch -r "${h%.h}.c" "$h"
	fi
done
make -q qtables qtablesd qtables-replay 2>/dev/null || {
	echo "build: $dir is not up to date after make (a later make would rebuild)"
	exit 1
}
