#!/usr/bin/env bash
# The upstream iptables extension vectors (../shared/iptables-tests) for
# every extension qtables implements, plus the project's own vector files
# (tests/compat/vectors/*.t), in a fresh namespace with a qtablesd of its
# own. Every line must pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT
upstream=$QT_TOP/../shared/iptables-tests
files=()
if [ -d "$upstream" ]; then
	for f in iptables.t libxt_standard.t libxt_tcp.t libxt_udp.t libipt_icmp.t \
		libxt_multiport.t libxt_iprange.t libxt_state.t libxt_conntrack.t \
		libxt_recent.t libxt_limit.t libxt_connlimit.t libxt_string.t \
		libxt_time.t libxt_length.t libxt_comment.t libxt_mark.t libxt_MARK.t \
		libxt_connmark.t libxt_CONNMARK.t libxt_addrtype.t libxt_mac.t \
		libxt_pkttype.t libxt_hashlimit.t libxt_owner.t libipt_ttl.t \
		libipt_LOG.t libipt_REJECT.t libipt_SNAT.t libipt_DNAT.t \
		libipt_MASQUERADE.t libxt_REDIRECT.t libxt_CT.t libxt_NOTRACK.t \
		libxt_TCPMSS.t; do
		files+=("$upstream/$f")
	done
else
	echo "note: $upstream not found; running the project's own vectors only"
fi
for f in "$here"/vectors/*.t; do [ -f "$f" ] && files+=("$f"); done
qt_ns vec || exit 1
ns=$QT_NS
qt_daemon "$ns" || exit 1
# The kernel's answer to --hitcount 999 depends on its ip_pkt_list_tot;
# the issue accepts either answer there.
ip netns exec "$ns" env QT_BUILD="$QT_BUILD" python3 "$here/vectors.py" \
	--accept-either "--hitcount 999" "${files[@]}"
