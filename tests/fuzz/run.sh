#!/usr/bin/env bash
# Build the libFuzzer targets and run one of them.
#
#   tests/fuzz/run.sh SECONDS [restore|packet|nft] [BUILD_DIR]
#                                           build, then fuzz for SECONDS
#   tests/fuzz/run.sh --build-only [BUILD_DIR]   build every target
#
# Targets: restore (tests/fuzz/fuzz_restore.c: the restore parser and the
# request path; the default) and packet (tests/fuzz/fuzz_packet.c: the
# packet parser and the walk over a ruleset of every stateless match) and
# nft (tests/fuzz/fuzz_nft.c: nft -f and nft -j -f, the engine's compile
# of what they accept, and the state file's round trip of it).
# BUILD_DIR (default _build_fuzz) is configured with clang,
# -fsanitize=fuzzer-no-link,address,undefined. New inputs go to
# BUILD_DIR/fuzz-corpus (restore), BUILD_DIR/fuzz-corpus-packet or
# BUILD_DIR/fuzz-corpus-nft (the seeds in tests/fuzz/corpus,
# corpus_packet and corpus_nft are only read),
# crashes to BUILD_DIR/fuzz-artifacts/. Not part of CI: check.sh only
# checks that the targets build.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 SECONDS|--build-only [restore|packet|nft] [BUILD_DIR]" >&2; exit 2; }
secs=$1
target=restore
case ${2:-} in
restore | packet | nft) target=$2; shift ;;
esac
dir=${2:-$top/_build_fuzz}
case $secs in
--build-only) ;;
'' | *[!0-9]*) echo "$0: SECONDS must be a number" >&2; exit 2 ;;
esac
command -v clang >/dev/null || { echo "$0: clang is needed" >&2; exit 1; }

cd "$top"
./scripts/gen-am.sh
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ] ||
	[ extensions/sources.am -nt Makefile.in ] ||
	[ tests/unit/tests.am -nt Makefile.in ]; then
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
make parser/grammar.h parser/nft_grammar.h >make.out 2>&1 &&
	make -j"$(nproc)" libqttest.a libqtdaemon.a libqtio.a libqtext.a libqtextlib.a libqtengine.a libqtct.a libqtparser.a libqtipc.a libqtutil.a >>make.out 2>&1 &&
	make tests/fuzz/fuzz_restore tests/fuzz/fuzz_packet tests/fuzz/fuzz_nft >>make.out 2>&1 ||
	{ grep -E 'error|Error' -A5 make.out | head -60; exit 1; }
echo "fuzz: built $dir/tests/fuzz/fuzz_restore $dir/tests/fuzz/fuzz_packet $dir/tests/fuzz/fuzz_nft"
[ "$secs" != --build-only ] || exit 0

if [ "$target" = packet ]; then
	corpus=fuzz-corpus-packet seeds=$top/tests/fuzz/corpus_packet maxlen=2048
elif [ "$target" = nft ]; then
	corpus=fuzz-corpus-nft seeds=$top/tests/fuzz/corpus_nft maxlen=65536
else
	corpus=fuzz-corpus seeds=$top/tests/fuzz/corpus maxlen=65536
fi
mkdir -p "$corpus" fuzz-artifacts
# leaks are bugs too; a 1 MiB input is fuzz_restore's own cap
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	./tests/fuzz/fuzz_$target -max_total_time="$secs" -timeout=10 \
	-rss_limit_mb=2048 -max_len="$maxlen" -print_final_stats=1 \
	-artifact_prefix="$dir/fuzz-artifacts/" \
	"$corpus" "$seeds"
