# The twin-topology differential tests' common part (run-packets*.sh,
# run-nft-packets.sh, run-ctdiff*.sh): source it as `. "$here/twins.sh" NAME` after setting
# `here` and QT_PREFIX. It sources tests/lib/qt.sh, cleans up on exit,
# skips (0 passed, 0 failed) where the oracle cannot run, and finds a
# python3 with scapy ($py). NAME prefixes the messages.
#
#   die MSG...          report a failure and exit 1
#   twin_base N [ADDR-ARGS...]
#                       namespaces c$N fw$N s$N:
#                         c (02:..:01:02 qtc0 10.0.1.2) -- (qtf0 02:..:01:01
#                         10.0.1.1) fw (10.0.2.1 qtf1 02:..:02:01) --
#                         (02:..:02:02 qts0 10.0.2.2) s
#                       the same MAC addresses in every twin; ADDR-ARGS go
#                       to each `ip addr add`. fw forwards everything else
#                       to s, with rp_filter off. Sets C$N FW$N S$N and
#                       TWIN_C TWIN_F TWIN_S (this twin's).
#   twin_base6 N        twin_base, and IPv6 beside it with no router
#                       solicitations and no duplicate address detection:
#                       c fd00:1::2 -- fd00:1::1 fw fd00:2::1 -- fd00:2::2 s
#   twin_lan4 N         twin_base with broadcast addresses, the ends'
#                       default routes through fw, fw's neighbours and
#                       the client's known (no ARP on the way), fw taking
#                       nothing from its own addresses and answering
#                       broadcast echo requests
#   twin_pdobs_fw_c     the observers of fw and client of run-packets.sh
#                       and run-nft-packets.sh (nft table pdobs, outside
#                       anything judged): fw records (ip id . frag-off) of
#                       what its INPUT let through and sends nothing of
#                       its own, the client takes nothing in
#   twins_need TOOL...  skip unless every TOOL is there
#   twin_qt_wait NS     wait until qtablesd in NS answers and its steering
#                       to NFQUEUE is in place (before the first packet)
twins_name=$1
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT

skip() { echo "$twins_name: skipped: $*"; echo "0 passed, 0 failed"; exit 0; }
die() { echo "$twins_name: $*"; echo "0 passed, 1 failed"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
py=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import scapy.all' 2>/dev/null; then
		py=$p; break
	fi
done
[ -n "$py" ] || skip "python3 scapy missing (scripts/deps.sh installs python3-scapy)"
twins_need() {
	local t
	for t; do command -v "$t" >/dev/null || skip "$t missing"; done
}
twins_need /usr/sbin/iptables-nft /usr/sbin/iptables-nft-restore nft
[ -x "$QT_BUILD/qtablesd" ] || die "no $QT_BUILD/qtablesd (set QT_BUILD)"

twin_base() {
	local n=$1 c f s
	shift
	qt_ns "c$n" || return 1; c=$QT_NS
	qt_ns "fw$n" || return 1; f=$QT_NS
	qt_ns "s$n" || return 1; s=$QT_NS
	ip link add qtc0 netns "$c" address 02:00:00:00:01:02 type veth \
		peer name qtf0 netns "$f" address 02:00:00:00:01:01 || return 1
	ip link add qts0 netns "$s" address 02:00:00:00:02:02 type veth \
		peer name qtf1 netns "$f" address 02:00:00:00:02:01 || return 1
	ip -n "$c" addr add 10.0.1.2/24 "$@" dev qtc0
	ip -n "$f" addr add 10.0.1.1/24 "$@" dev qtf0
	ip -n "$f" addr add 10.0.2.1/24 "$@" dev qtf1
	ip -n "$s" addr add 10.0.2.2/24 "$@" dev qts0
	ip -n "$c" link set qtc0 up
	ip -n "$f" link set qtf0 up
	ip -n "$f" link set qtf1 up
	ip -n "$s" link set qts0 up
	ip -n "$f" route add default via 10.0.2.2
	ip netns exec "$f" sh -c 'sysctl -qw net.ipv4.ip_forward=1
		for i in all default qtf0 qtf1; do
			sysctl -qw net.ipv4.conf.$i.rp_filter=0
		done' || return 1
	TWIN_C=$c TWIN_F=$f TWIN_S=$s
	eval "C$n=$c FW$n=$f S$n=$s"
}

twin_base6() {
	twin_base "$1" || return 1
	local c=$TWIN_C f=$TWIN_F s=$TWIN_S ns
	for ns in "$c" "$f" "$s"; do
		ip netns exec "$ns" sh -c 'for i in all default; do
				sysctl -qw net.ipv6.conf.$i.router_solicitations=0
				sysctl -qw net.ipv6.conf.$i.accept_dad=0
			done' || return 1
	done
	ip -n "$c" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$f" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$f" addr add fd00:2::1/64 dev qtf1 nodad
	ip -n "$s" addr add fd00:2::2/64 dev qts0 nodad
}

twin_lan4() {
	twin_base "$1" brd + || return 1
	local c=$TWIN_C f=$TWIN_F s=$TWIN_S a
	ip -n "$c" route add default via 10.0.1.1
	ip -n "$s" route add default via 10.0.2.1
	for a in 10.0.2.2 10.0.2.77 10.0.2.200; do
		ip -n "$f" neigh replace "$a" lladdr 02:00:00:00:02:02 dev qtf1 nud permanent
	done
	ip -n "$c" neigh replace 10.0.1.1 lladdr 02:00:00:00:01:01 dev qtc0 nud permanent
	ip netns exec "$f" sh -c 'for i in all default qtf0 qtf1; do
			sysctl -qw net.ipv4.conf.$i.accept_local=0
		done
		sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0'
}

twin_pdobs_fw_c() {
	ip netns exec "$TWIN_F" nft -f - <<'NFT' || return 1
table ip pdobs {
	set seen { typeof ip id . ip frag-off; flags dynamic; size 65535; }
	chain in { type filter hook input priority 500; policy drop; update @seen { ip id . ip frag-off }; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
	ip netns exec "$TWIN_C" nft -f - <<'NFT'
table ip pdobs {
	chain in { type filter hook input priority -500; policy drop; }
}
NFT
}

twin_qt_wait() {
	for _ in $(seq 100); do qt "$1" -L >/dev/null 2>&1 && break; sleep 0.05; done
	for _ in $(seq 100); do
		ip netns exec "$1" /usr/sbin/iptables-nft-save -t mangle 2>/dev/null |
			grep -q 'QTABLES-FWD -j NFQUEUE' && break
		sleep 0.05
	done
}
