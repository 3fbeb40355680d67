#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing. Not in check.sh.
#
#   tests/bench/bench_sets_e2e.sh [ROUNDS] [SECONDS]     (defaults 5 3; as root)
#
# A set's size and the cost of a packet end to end: a 64-byte UDP flood
# from a client through a forwarding firewall namespace (qtablesd) to a
# server (tests/lib/qt.sh qt_topo), counted by the server's kernel
# (tests/bench/e2e_lib.sh e2e_udp_kpps). Every packet is looked up in a
# set or map that holds the client's flow (a hit), in one rule of a
# FORWARD chain whose policy drops:
#   i10, i100k   ipset hash:ip with 10 / 100,000 addresses, and
#                `-A FORWARD -m set --match-set s src -j ACCEPT`;
#   n10, n100k   an nft ipv4_addr set of 10 / 100,000 addresses, and
#                `ip saddr @s accept`;
#   v10, v10k    an nft verdict map keyed as kube-proxy keys its
#                services (ipv4_addr . inet_proto . inet_service) with
#                10 / 10,000 entries, and
#                `ip daddr . meta l4proto . th dport vmap @m`.
# Rounds interleave the legs (the order rotates every round) so that a
# noisy moment hits all of them; medians are printed, with the ratios
# i100k/i10, n100k/n10, v10k/n10 and v10k/v10 (kpps of the small one
# over the large one: the per-packet cost ratio; target <= 1.5).
# QT_BUILD selects the build (default _build); LEGS a subset of the legs.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-5}
secs=${2:-3}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
QT_PREFIX=qtbs$$
. "$top/tests/lib/qt.sh"
B=$QT_BUILD
. "$top/tests/bench/e2e_lib.sh"
for f in qtablesd qtables-restore ipset nft tests/bench/udp_flood; do
	[ -x "$B/$f" ] || { echo "bench: no $B/$f (set QT_BUILD; make it)" >&2; exit 1; }
done

read -ra legs <<<"${LEGS:-i10 i100k n10 n100k v10 v10k}"
declare -A FWN CN SN
pids=()
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM

# N addresses of 100.64.0.0/10 (never the client's) and the client's.
addrs() {
	local n=$1 i
	for ((i = 0; i < n - 1; i++)); do
		echo "100.$((64 + i / 62500)).$((i / 250 % 250)).$((i % 250 + 1))"
	done
	echo 10.0.1.2
}

ipset_file() {
	echo "create s hash:ip family inet hashsize 1024 maxelem $(($1 + 1024))"
	addrs "$1" | sed 's/^/add s /'
}

nft_set_file() {
	echo 'table ip f {'
	echo "  set s { type ipv4_addr; size $(($1 + 1024)); elements = {"
	addrs "$1" | sed 's/$/,/'
	echo '  } }'
	echo '  chain fwd { type filter hook forward priority 0; policy drop; ip saddr @s accept; }'
	echo '}'
}

# N entries: N-1 others, then the flood's own destination and port.
nft_vmap_file() {
	local n=$1 i
	echo 'table ip f {'
	echo '  map m { type ipv4_addr . inet_proto . inet_service : verdict; elements = {'
	for ((i = 0; i < n - 1; i++)); do
		echo "    172.30.$((i / 250)).$((i % 250 + 1)) . tcp . 80 : drop,"
	done
	echo '    10.0.2.2 . udp . 9000 : accept'
	echo '  } }'
	echo '  chain fwd { type filter hook forward priority 0; policy drop;'
	echo '    ip daddr . meta l4proto . th dport vmap @m; }'
	echo '}'
}

echo "setting up: ${legs[*]}"
base_prefix=$QT_PREFIX
for leg in "${legs[@]}"; do
	QT_PREFIX=$base_prefix$leg
	qt_topo
	FWN[$leg]=$FW CN[$leg]=$C SN[$leg]=$S
	qt_daemon "$FW" --no-state --no-syslog
	e2e_ready "$FW"
	f=$QT_RUN/$leg.rules
	case $leg in
	i10) ipset_file 10 >"$f" ;;
	i100k) ipset_file 100000 >"$f" ;;
	n10) nft_set_file 10 >"$f" ;;
	n100k) nft_set_file 100000 >"$f" ;;
	v10) nft_vmap_file 10 >"$f" ;;
	v10k) nft_vmap_file 10000 >"$f" ;;
	esac
	case $leg in
	i*)
		ip netns exec "$FW" "$B/ipset" restore <"$f"
		printf '*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m set --match-set s src -j ACCEPT\nCOMMIT\n' |
			ip netns exec "$FW" "$B/qtables-restore"
		;;
	*)
		ip netns exec "$FW" "$B/nft" -f "$f"
		;;
	esac
done
QT_PREFIX=$base_prefix

declare -A UDP
median() { e2e_median "$@"; }
for ((r = 0; r < rounds; r++)); do
	order=("${legs[@]:r % ${#legs[@]}}" "${legs[@]:0:r % ${#legs[@]}}")
	line="round $((r + 1)):"
	for leg in "${order[@]}"; do
		u=$(e2e_udp_kpps "${CN[$leg]}" "${SN[$leg]}" 10.0.2.2 "$secs"); u=${u:-0}
		UDP[$leg]="${UDP[$leg]:-} $u"
		line+=" $leg ${u}kpps"
		sleep 0.2
	done
	echo "$line"
done

echo
printf '%-8s %10s   (medians of %d rounds of %d s; %d CPUs)\n' leg "udp kpps" "$rounds" "$secs" "$(nproc)"
declare -A MU
for leg in "${legs[@]}"; do
	# shellcheck disable=SC2086
	MU[$leg]=$(median ${UDP[$leg]})
	printf '%-8s %10.1f\n' "$leg" "${MU[$leg]}"
done
echo
ratio() {
	[ -n "${MU[$2]:-}" ] && [ -n "${MU[$3]:-}" ] || return 0
	printf '%-12s %s   (per-packet cost, large/small; target <= 1.5)\n' "$1" "$(e2e_ratio "${MU[$3]}" "${MU[$2]}")"
}
ratio i100k/i10 i100k i10
ratio n100k/n10 n100k n10
ratio v10k/n10 v10k n10
ratio v10k/v10 v10k v10
# the packets really went through qtablesd's sets
echo
for leg in "${legs[@]}"; do
	echo "$leg: $(ip netns exec "${FWN[$leg]}" "$B/qtables" --stats | grep -E 'verdicts' | tr -s ' ' | paste -sd';')"
done
