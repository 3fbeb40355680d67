#!/usr/bin/env bats
# What `make install` puts on a system: the programs under their six
# names and the manual pages, which must format cleanly and name every
# extension the build registers.

bats_require_minimum_version 1.5.0

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	B=${QT_BUILD:-$TOP/_build}
	[ -f "$B/Makefile" ] || { echo "no configured build in $B" >&2; return 1; }
}

@test "make install: programs, multi-call names and man pages" {
	local d; d=$(mktemp -d /tmp/qtbats-inst.XXXXXX)
	run make -C "$B" install DESTDIR="$d" prefix=/usr
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	local n
	for n in qtables qtablesd qtables-replay; do
		[ -x "$d/usr/sbin/$n" ] && [ ! -L "$d/usr/sbin/$n" ]
	done
	for n in qtables-save qtables-restore iptables iptables-save iptables-restore \
		 qtables-conntrack; do
		[ "$(readlink "$d/usr/sbin/$n")" = qtables ]
	done
	[ "$("$d/usr/sbin/iptables" -V)" = "iptables v1.8.9 (qtables)" ]
	for n in qtables qtables-save qtables-restore qtablesd qtables-extensions qtables-replay \
		 qtables-conntrack; do
		[ -s "$d/usr/share/man/man8/$n.8" ]
	done
	run make -C "$B" uninstall DESTDIR="$d" prefix=/usr
	[ "$status" -eq 0 ]
	[ -z "$(find "$d" -type f -o -type l)" ]
	rm -rf "$d"
}

@test "man pages format without warnings" {
	command -v groff >/dev/null || skip "groff is not installed"
	local f out
	for f in "$TOP"/man/*.8 "$B"/man/*.8; do
		out=$(groff -man -ww -z "$f" 2>&1)
		echo "$f: $out"
		[ -z "$out" ]
		# and each says what it is
		grep -q '^\.SH NAME' "$f"
		grep -q '^\.SH SYNOPSIS' "$f"
	done
}

@test "qtables-extensions(8) names every extension the build has" {
	local name missing=() n=0
	# every registered extension, as the program lists them
	for name in $("$B/qtables" --completion-words matches) \
		    $("$B/qtables" --completion-words targets); do
		n=$((n + 1))
		# (one of each family, as ah, is named with whose it is)
		grep -qxE "\.B $name|\.BR $name \" \(iptables\)\"" \
			"$B/man/qtables-extensions.8" || missing+=("$name")
	done
	[ "$n" -gt 30 ]
	echo "not in qtables-extensions(8): ${missing[*]}"
	[ ${#missing[@]} -eq 0 ]
	# an entry is the help text the extension prints
	"$B/qtables" -m hashlimit -h | grep -q -- '--hashlimit-upto'
	grep -q -- '\\-\\-hashlimit\\-upto' "$B/man/qtables-extensions.8"
}

@test "the man pages and --help agree on qtablesd's options" {
	local opt
	for opt in $("$B/qtablesd" --help | grep -o -- '--[a-z-]*' | sort -u); do
		[ "$opt" = --help ] && continue
		grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$TOP/man/qtablesd.8" || {
			echo "qtablesd.8 lacks $opt"
			return 1
		}
	done
}

# replay: the same agreement for qtables-replay, both ways (every option
# of the page is one --help knows too).
@test "the man page and --help agree on qtables-replay's options" {
	local opt help page
	help=$("$B/qtables-replay" --help | grep -o -- '--[a-z-]*' | sort -u)
	page=$(grep -o -- '\\-\\-[a-z\\-]*' "$TOP/man/qtables-replay.8" | sed 's/\\//g' | sort -u)
	for opt in $help; do
		[ "$opt" = --help ] && continue
		echo "$page" | grep -qx -- "$opt" || { echo "qtables-replay.8 lacks $opt"; return 1; }
	done
	for opt in $page; do
		echo "$help" | grep -qx -- "$opt" || { echo "--help lacks $opt"; return 1; }
	done
}
