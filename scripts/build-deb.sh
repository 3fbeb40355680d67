#!/usr/bin/env bash
# Build the Debian package from the work tree (committed or not, minus
# what git ignores) with dpkg-buildpackage -us -uc -b, in a copy outside
# the tree, so the tree gets no build products.
#
#   scripts/build-deb.sh [OUTDIR]    default OUTDIR: /tmp/qtables-deb
#
# The .deb, .buildinfo and .changes land in OUTDIR, with build.log and
# lintian.txt (lintian's report, when lintian is installed, also appended
# to build.log so that one log holds the whole build). Exits non-zero
# when the build fails or lintian reports an error.
# DEB_BUILD_OPTIONS=nocheck skips the unit tests.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/qtables-deb}
case $out in "$top"|"$top"/*) echo "build-deb: $out is inside the tree" >&2; exit 2 ;; esac
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
upver=${ver%-*}
work=$(mktemp -d /tmp/qtables-debbuild.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/qtables-$upver
mkdir -p "$src" "$out"
# what git knows, and new files it does not ignore
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf -) | tar -xf - -C "$src"
# autoreconf's macro directory (ignored by git, so not copied)
mkdir -p "$src/m4"
cd "$src"
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} parallel=$(nproc)"
if ! dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1; then
	tail -40 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
rm -f "$out"/qtables_"$ver"_*.deb "$out"/qtables-dbgsym_"$ver"_*.deb
mv "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out"/
deb=$(ls "$out"/qtables_"$ver"_*.deb)
echo "build-deb: $deb"
if command -v lintian >/dev/null; then
	# the .changes names the .deb; --fail-on error makes errors fatal
	lintian --fail-on error --tag-display-limit 0 "$out"/qtables_"$ver"_*.changes \
		>"$out/lintian.txt" 2>&1 && st=0 || st=$?
	cat "$out/lintian.txt"
	{ echo "== lintian (status $st)"; cat "$out/lintian.txt"; } >>"$out/build.log"
	[ "$st" -eq 0 ] || { echo "build-deb: lintian reports errors" >&2; exit 1; }
else
	echo "build-deb: lintian is not installed: not checked" >&2
fi
