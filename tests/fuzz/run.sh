#!/usr/bin/env bash
# Build the libFuzzer target for the restore parser and run it.
#
#   tests/fuzz/run.sh SECONDS [BUILD_DIR]     build, then fuzz for SECONDS
#   tests/fuzz/run.sh --build-only [BUILD_DIR]
#
# BUILD_DIR (default _build_fuzz) is configured with clang,
# -fsanitize=fuzzer-no-link,address,undefined. New inputs go to
# BUILD_DIR/fuzz-corpus (the seeds in tests/fuzz/corpus are only read),
# crashes to BUILD_DIR/fuzz-artifacts/. Not part of CI: check.sh only
# checks that the target builds.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 SECONDS|--build-only [BUILD_DIR]" >&2; exit 2; }
secs=$1
dir=${2:-$top/_build_fuzz}
case $secs in
--build-only) ;;
'' | *[!0-9]*) echo "$0: SECONDS must be a number" >&2; exit 2 ;;
esac
command -v clang >/dev/null || { echo "$0: clang is needed" >&2; exit 1; }

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ] ||
	[ extensions/sources.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ]; then
	"$top/configure" CC=clang \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
		>configure.out 2>&1 || { cat configure.out; exit 1; }
fi
# the library first (its generated headers), then the target
make parser/grammar.h >make.out 2>&1 &&
	make -j"$(nproc)" libqtables.a >>make.out 2>&1 &&
	make tests/fuzz/fuzz_restore >>make.out 2>&1 ||
	{ grep -E 'error|Error' -A5 make.out | head -60; exit 1; }
echo "fuzz: built $dir/tests/fuzz/fuzz_restore"
[ "$secs" != --build-only ] || exit 0

mkdir -p fuzz-corpus fuzz-artifacts
# leaks are bugs too; a 1 MiB input is the target's own cap
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	./tests/fuzz/fuzz_restore -max_total_time="$secs" -timeout=10 \
	-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	-artifact_prefix="$dir/fuzz-artifacts/" \
	fuzz-corpus "$top/tests/fuzz/corpus"
