#!/usr/bin/env bash
# Benchmark, not a test: prints numbers and ratios, asserts nothing.
#
#   tests/bench/bench_nat.sh        (as root; about 4 minutes with defaults)
#   environment: ROUNDS (5), SECONDS_PER_RUN (3), PACED_SECONDS (5),
#   RATE_KPPS (30), QTABLESD_ARGS (more options for the four qtablesd,
#   e.g. --no-nat-offload for the translation done wholly in user
#   space), BENCH_PREFIX (the namespaces' prefix)
#
# What a translated flow costs against an untranslated one, end to end
# through qtablesd (one queue: the nat table needs one), in the
# client -- fw -- server shape of bench_e2e.sh (tests/lib/qt.sh
# qt_topo), four firewalls each in a topology of its own, set up once:
#   plain  a stateful forwarding ruleset (FORWARD policy DROP,
#          ESTABLISHED,RELATED accepted, NEW accepted to the server's
#          ports), the client sending to the server's address 10.0.2.2;
#   dnat   the same filter table plus nat PREROUTING DNAT of the
#          firewall's address 10.0.1.1 (udp 9000, tcp 5201) to the
#          server, the client sending to 10.0.1.1;
#   masq   dnat plus MASQUERADE out of the server side (both addresses
#          of every packet rewritten);
#   nat-untranslated
#          dnat's firewall (its nat table loaded), the client sending to
#          the server's address 10.0.2.2 as in plain: no nat rule
#          matches, so no packet is rewritten. Against plain it shows
#          what a nat table costs by itself (the queue copies whole
#          packets); dnat and masq against it, what translating costs.
# Loads: a 64-byte UDP flood (one flow, tests/bench/udp_flood) counted by
# the server's kernel (kpps), one iperf3 TCP flow (Gbit/s), and the same
# UDP flow paced at RATE_KPPS (default 30, below what every leg carries
# on this machine): under a flood the queue is full and the kernel drops
# packets at every hook, so a packet dropped at FORWARD or POSTROUTING
# wasted its earlier hooks and the cost per packet received includes
# that waste; paced, nothing is dropped (the loss is printed) and the
# CPU time qtablesd and the sender spent per packet received (the
# sender's side carries the packet up to the first queue) is the
# path's own cost per packet. Rounds
# interleave the four (the order rotates every round) so that a noisy
# moment hits all of them; medians over the rounds. The cost of a packet
# is 1/throughput, so "cost ratio" is plain/translated throughput; the
# target is a translated flow costing at most 10% more per packet
# (cost ratio <= 1.10). The ratio printed is the median of each
# round's own ratio (its legs measured within seconds of each other),
# with the lowest and highest round beside it: on a shared machine the
# medians of throughput swing by a third from run to run, a round's
# ratio much less. Beside it, what the firewall's qtablesd spent: its
# CPU time (user and system, every thread; the verdicts' sends carry
# the packets through the rest of the firewall's path) per packet the
# server received (UDP) and per megabyte (TCP), whose ratio leg/base
# moves much less with other load on the machine than throughput. A
# change is best judged by tests/bench/bench_nat_ab.sh, its build
# beside the one before it.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-5}
secs=${SECONDS_PER_RUN:-3}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
QT_PREFIX=${BENCH_PREFIX:-qtbn$$}
. "$top/tests/lib/qt.sh"
B=$QT_BUILD
. "$top/tests/bench/e2e_lib.sh"
for f in qtablesd qtables-restore qtables tests/bench/udp_flood; do
	[ -x "$B/$f" ] || { echo "bench: no $B/$f (set QT_BUILD; make it)" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "bench: no iperf3 (scripts/deps.sh)" >&2; exit 1; }

legs=(plain dnat masq nat-untranslated)
declare -A FWN CN SN DST RULES
RULES=([plain]=plain [dnat]=dnat [masq]=masq [nat-untranslated]=dnat)
declare -A TAG=([plain]=p [dnat]=d [masq]=m [nat-untranslated]=u)
pids=()
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM

filter_table() {
	cat <<'R'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -d 10.0.2.2/32 -p udp -m udp --dport 9000 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -d 10.0.2.2/32 -p tcp -m tcp --dport 5201 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
R
}
nat_table() { # masq? -> the nat table
	echo '*nat'
	echo ':PREROUTING ACCEPT [0:0]'
	echo ':INPUT ACCEPT [0:0]'
	echo ':OUTPUT ACCEPT [0:0]'
	echo ':POSTROUTING ACCEPT [0:0]'
	echo '-A PREROUTING -d 10.0.1.1/32 -p udp -m udp --dport 9000 -j DNAT --to-destination 10.0.2.2'
	echo '-A PREROUTING -d 10.0.1.1/32 -p tcp -m tcp --dport 5201 -j DNAT --to-destination 10.0.2.2'
	[ "$1" = 0 ] || echo '-A POSTROUTING -o qtf1 -j MASQUERADE'
	echo 'COMMIT'
}
filter_table >"$QT_RUN/plain.v4"
{ filter_table; nat_table 0; } >"$QT_RUN/dnat.v4"
{ filter_table; nat_table 1; } >"$QT_RUN/masq.v4"

echo "qtables bench: a translated flow against an untranslated one, end to end through qtablesd"
echo "($rounds rounds of $secs s per load and firewall, interleaved; $(nproc) CPUs, $(uname -r))"
base_prefix=$QT_PREFIX
for leg in "${legs[@]}"; do
	QT_PREFIX=$base_prefix${TAG[$leg]}
	qt_topo
	FWN[$leg]=$FW CN[$leg]=$C SN[$leg]=$S
	ip netns exec "$S" iperf3 -s -p 5201 >/dev/null 2>&1 &
	pids+=($!)
	# shellcheck disable=SC2086
	qt_daemon "$FW" --no-state --no-syslog ${QTABLESD_ARGS:-}
	e2e_ready "$FW"
	ip netns exec "$FW" "$B/qtables-restore" <"$QT_RUN/${RULES[$leg]}.v4"
	case $leg in dnat | masq) DST[$leg]=10.0.1.1 ;; *) DST[$leg]=10.0.2.2 ;; esac
done
QT_PREFIX=$base_prefix
sleep 0.5

declare -A UDP TCP RU RT CU CT
# cpu_per LEG BEFORE_US UNITS_BEFORE UNITS_AFTER SCALE: qtablesd's
# CPU us since BEFORE_US per SCALE units received
cpu_per() {
	local now
	now=$(e2e_cpu_us "$(cat "$QT_RUN/${FWN[$1]}.pid")")
	awk -v c=$((now - $2)) -v a="$3" -v b="$4" -v k="$5" \
		'BEGIN { if (b > a) printf "%.3f", c * k / (b - a); else print 0 }'
}
# paced LEG ROUND: the UDP flow at RATE_KPPS; PC[LEG,ROUND] = CPU us
# (qtablesd's and the sender's) per packet the server received,
# PQ[LEG,ROUND] = qtablesd's alone, PL[LEG,ROUND] = the share of
# packets lost (%)
declare -A PC PQ PL PSUMQ PSUMS PSUMN
rate=${RATE_KPPS:-30}
psecs=${PACED_SECONDS:-5}
paced() {
	local leg=$1 r=$2 pid c0 n0 c1 n1 out
	pid=$(cat "$QT_RUN/${FWN[$leg]}.pid")
	ip netns exec "${SN[$leg]}" iptables-nft -t raw -I PREROUTING -p udp --dport 9000 -j DROP
	c0=$(e2e_cpu_us "$pid") n0=$(e2e_rx_packets "${SN[$leg]}")
	out=$(ip netns exec "${CN[$leg]}" "$B/tests/bench/udp_flood" send \
		"${DST[$leg]}" 9000 "$psecs" 18 $((rate * 1000)))
	c1=$(e2e_cpu_us "$pid") n1=$(e2e_rx_packets "${SN[$leg]}")
	ip netns exec "${SN[$leg]}" iptables-nft -t raw -D PREROUTING -p udp --dport 9000 -j DROP
	read -r "PC[$leg,$r]" "PQ[$leg,$r]" "PL[$leg,$r]" < <(echo "$out" |
		awk -v c=$((c1 - c0)) -v n=$((n1 - n0)) '{ s = $2; sc = $6 }
		END { if (n > 0 && s > 0) printf "%.3f %.3f %.1f\n", (c + sc) / n,
			c / n, (s > n ? 100 * (s - n) / s : 0); else print "0 0 100" }')
	# the sums over every round, for the pooled ratio
	PSUMQ[$leg]=$((${PSUMQ[$leg]:-0} + c1 - c0))
	PSUMS[$leg]=$((${PSUMS[$leg]:-0} + $(echo "$out" | awk '{ print $6 + 0 }')))
	PSUMN[$leg]=$((${PSUMN[$leg]:-0} + n1 - n0))
}
for ((r = 0; r < rounds; r++)); do
	line="round $((r + 1)):"
	for ((i = 0; i < ${#legs[@]}; i++)); do
		leg=${legs[(i + r) % ${#legs[@]}]}
		pid=$(cat "$QT_RUN/${FWN[$leg]}.pid")
		c0=$(e2e_cpu_us "$pid") n0=$(e2e_rx_packets "${SN[$leg]}")
		u=$(e2e_udp_kpps "${CN[$leg]}" "${SN[$leg]}" "${DST[$leg]}" "$secs"); u=${u:-0}
		CU[$leg,$r]=$(cpu_per "$leg" "$c0" "$n0" "$(e2e_rx_packets "${SN[$leg]}")" 1)
		sleep 0.2
		paced "$leg" "$r"
		sleep 0.2
		c0=$(e2e_cpu_us "$pid") n0=$(e2e_rx_bytes "${SN[$leg]}")
		t=$(e2e_tcp_gbps "${CN[$leg]}" "${DST[$leg]}" "$secs"); t=${t:-0}
		CT[$leg,$r]=$(cpu_per "$leg" "$c0" "$n0" "$(e2e_rx_bytes "${SN[$leg]}")" 1000000)
		sleep 0.2
		UDP[$leg]="${UDP[$leg]:-} $u"
		TCP[$leg]="${TCP[$leg]:-} $t"
		RU[$leg,$r]=$u RT[$leg,$r]=$t
		line+=" $leg ${u}kpps/${t}Gbps"
	done
	echo "$line"
done

echo
printf '%-16s %10s %12s   (medians of %d rounds)\n' firewall "udp kpps" "tcp Gbit/s" "$rounds"
declare -A MU MT
for leg in "${legs[@]}"; do
	# shellcheck disable=SC2086
	MU[$leg]=$(e2e_median ${UDP[$leg]})
	# shellcheck disable=SC2086
	MT[$leg]=$(e2e_median ${TCP[$leg]})
	printf '%-16s %10.1f %12.3f\n' "$leg" "${MU[$leg]}" "${MT[$leg]}"
done
echo
# cost ratio = base/leg throughput; each pair says what one step costs
# round_ratios ARRAY leg base: each round's base/leg, one per line
round_ratios() {
	local -n v=$1
	local r
	for ((r = 0; r < rounds; r++)); do e2e_ratio "${v[$3,$r]}" "${v[$2,$r]}"; echo; done |
		grep -v n/a
}
# spread ARRAY leg base: "MEDIAN [LOW-HIGH]" of the rounds' ratios
spread() {
	local x
	x=$(round_ratios "$@" | sort -g)
	[ -n "$x" ] || { echo "n/a"; return; }
	# shellcheck disable=SC2086
	printf '%.2f [%s-%s]' "$(e2e_median $x)" "$(echo "$x" | head -1)" "$(echo "$x" | tail -1)"
}
ratio() { # leg base what
	printf '%-27s cost per packet udp %-17s tcp %-17s  %s\n' \
		"$1/$2:" "$(spread RU "$1" "$2")" "$(spread RT "$1" "$2")" "$3"
}
cpu_ratio() { # leg base: qtablesd's CPU per unit, leg against base
	printf '%-27s qtablesd CPU   udp %-17s tcp %-17s\n' \
		"$1/$2:" "$(spread CU "$2" "$1")" "$(spread CT "$2" "$1")"
}
echo "target: a translated flow costs at most 10% more per packet than an untranslated one (cost <= 1.10)"
echo "(each: the median of the $rounds rounds' own ratios [the lowest-the highest])"
ratio dnat plain "translated against untranslated"
ratio masq plain "both addresses translated against untranslated"
ratio nat-untranslated plain "a nat table's copy of whole packets, nothing translated"
ratio dnat nat-untranslated "translating itself (both with the nat table)"
ratio masq nat-untranslated "translating both addresses itself"
ratio masq dnat "the source address besides the destination"
echo
echo "qtablesd's CPU time per packet received (udp) and per megabyte (tcp), leg against base, each round's own:"
for leg in "${legs[@]}"; do
	# shellcheck disable=SC2046
	printf '%-16s udp %8.2f us/packet  tcp %8.2f us/MB   (medians)\n' "$leg" \
		"$(e2e_median $(for ((r = 0; r < rounds; r++)); do echo "${CU[$leg,$r]}"; done))" \
		"$(e2e_median $(for ((r = 0; r < rounds; r++)); do echo "${CT[$leg,$r]}"; done))"
done
cpu_ratio dnat plain
cpu_ratio masq plain
cpu_ratio nat-untranslated plain
cpu_ratio dnat nat-untranslated
cpu_ratio masq nat-untranslated

echo
echo "paced at $rate kpps: CPU time (qtablesd and the sender) per packet received, each round's own ratio:"
for leg in "${legs[@]}"; do
	# shellcheck disable=SC2046
	printf '%-16s udp %8.2f us/packet (qtablesd %5.2f)  lost %s%%   (medians)\n' "$leg" \
		"$(e2e_median $(for ((r = 0; r < rounds; r++)); do echo "${PC[$leg,$r]}"; done))" \
		"$(e2e_median $(for ((r = 0; r < rounds; r++)); do echo "${PQ[$leg,$r]}"; done))" \
		"$(e2e_median $(for ((r = 0; r < rounds; r++)); do echo "${PL[$leg,$r]}"; done))"
done
paced_ratio() { # leg base
	printf '%-27s cost per packet paced udp %-17s qtablesd alone %-17s\n' "$1/$2:" \
		"$(spread PC "$2" "$1")" "$(spread PQ "$2" "$1")"
}
paced_ratio dnat plain
paced_ratio masq plain
paced_ratio nat-untranslated plain
paced_ratio dnat nat-untranslated
paced_ratio masq nat-untranslated
# A round's ratio swings by a tenth either way with what else the
# machine does in those seconds; pooled, every round's CPU time over
# every round's packets, the swings mostly cancel.
pooled() { # leg base
	awk -v lq="${PSUMQ[$1]:-0}" -v ls="${PSUMS[$1]:-0}" -v ln="${PSUMN[$1]:-0}" \
		-v bq="${PSUMQ[$2]:-0}" -v bs="${PSUMS[$2]:-0}" -v bn="${PSUMN[$2]:-0}" \
		-v l="$1/$2:" 'BEGIN { if (ln > 0 && bn > 0 && bq + bs > 0 && bq > 0)
			printf "%-27s pooled, paced udp  %.2f                qtablesd alone %.2f\n", l,
				((lq + ls) / ln) / ((bq + bs) / bn), (lq / ln) / (bq / bn)
		else printf "%-27s pooled: n/a\n", l }'
}
echo "paced, all $rounds rounds pooled ($psecs s each; CPU time over packets received, leg against base):"
pooled dnat plain
pooled masq plain
pooled nat-untranslated plain
pooled dnat nat-untranslated
pooled masq nat-untranslated

# The packets went through the firewalls and were translated: the nat
# rules' counters (a connection's first packet only) and the queue's.
echo
for leg in "${legs[@]}"; do
	fw=${FWN[$leg]}
	if [ "${RULES[$leg]}" != plain ]; then
		echo "$leg nat: $(qt "$fw" -t nat -L -v -n -x | awk '/DNAT|MASQUERADE/ { printf "%s %s pkts; ", $3, $1 }')"
	fi
	echo "$leg stats: $(ip netns exec "$fw" "$B/qtables" --stats | grep -E '^queue|verdicts|messages|conntrack|^kernel|^nat offload' | tr -s ' ' | paste -sd';')"
	echo "$leg FORWARD: $(qt "$fw" -L FORWARD -v -n -x | head -1)"
done
