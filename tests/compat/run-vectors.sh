#!/usr/bin/env bash
# The extension vectors (tests/ext/*.t: upstream iptables' for every
# extension qtables implements) plus the project's own vector files
# (tests/compat/vectors/*.t), through a qtablesd in a fresh namespace.
# Every line must pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT
# One vector file per extension in tests/ext (upstream's lines, with the
# messages iptables-nft prints for refused ones), found by name.
files=()
for f in "$QT_TOP"/tests/ext/*.t; do files+=("$f"); done
for f in "$here"/vectors/*.t; do [ -f "$f" ] && files+=("$f"); done
qt_ns vec || exit 1
ns=$QT_NS
qt_daemon "$ns" || exit 1
# The kernel's answer to --hitcount 999 depends on its ip_pkt_list_tot;
# either answer is the kernel's there.
ip netns exec "$ns" env QT_BUILD="$QT_BUILD" python3 "$here/vectors.py" \
	--accept-either "--hitcount 999" "${files[@]}"
