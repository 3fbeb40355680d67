#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing. Not in check.sh.
#
#   tests/bench/bench_e2e.sh [ROUNDS] [SECONDS]     (defaults 5 3; as root)
#
# Packets from a client through a forwarding firewall namespace to a
# server (tests/lib/qt.sh qt_topo), two loads:
#   udp  a flood of 64-byte frames (18-byte UDP payload) sent with
#        sendmmsg for SECONDS (tests/bench/udp_flood), counted twice, in
#        runs of their own:
#          kpps  by the server's kernel: packets its interface received
#                (then dropped in its raw table), divided by SECONDS:
#                what the firewall path delivered, with no receiving
#                process competing for the two CPUs;
#          app   by a receiving process (recvmmsg): what an application
#                gets when it, the sender and the firewall share the
#                CPUs;
#   tcp  one iperf3 TCP flow: Gbit/s received;
# through five firewalls, each in a topology of its own set up once:
#   none     plain forwarding, no rules, no queue;
#   accept   tests/bench/nfq_accept_all: the trivial NFQUEUE loop that
#            accepts everything, with qtablesd's copy range (128 bytes)
#            and queued at the hooks qtablesd queues at for the 20-rule
#            ruleset (INPUT, FORWARD, OUTPUT: forwarded packets cross
#            user space once in both);
#   q20      qtablesd with a realistic 20-rule ruleset;
#   q10k     qtablesd with 10,000 non-matching blocklist rules + accept;
#   k10k     the kernel (iptables-nft) with the same 10,000 rules;
#   q10km, k10km  the same with 10,000 rules in ufw's shape (-s with
#            -m multiport, an xtables match in nf_tables).
# Rounds interleave the firewalls (the order rotates every round) so that
# a noisy moment hits all of them; medians over the rounds are printed,
# with the ratios q20/accept and q10k/k10k.
# QT_BUILD selects the build (default _build). QT_BUILD_BEFORE, another
# build (e.g. of an earlier commit: tests/bench/bench_builds.sh makes
# one), adds b20 and b10k, its qtablesd with the same rulesets, to the
# same interleaved rounds, and the ratios q20/b20 and q10k/b10k.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-5}
secs=${2:-3}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
QT_PREFIX=qtbe$$
. "$top/tests/lib/qt.sh"
B=$QT_BUILD
. "$top/tests/bench/e2e_lib.sh"
for f in qtablesd qtables-restore tests/bench/nfq_accept_all tests/bench/udp_flood; do
	[ -x "$B/$f" ] || { echo "bench: no $B/$f (set QT_BUILD; make it)" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "bench: no iperf3 (scripts/deps.sh)" >&2; exit 1; }

legs=(none accept q20 q10k k10k q10km k10km)
if [ -n "${QT_BUILD_BEFORE:-}" ]; then
	[ -x "$QT_BUILD_BEFORE/qtablesd" ] || { echo "bench: no $QT_BUILD_BEFORE/qtablesd" >&2; exit 1; }
	legs+=(b20 b10k)
fi
declare -A FWN CN SN
pids=()
accept_pid=
cleanup() {
	[ -z "$accept_pid" ] || pids+=("$accept_pid")
	e2e_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- rulesets ----
r20=$QT_RUN/r20.v4
cat >"$r20" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p icmp --icmp-type echo-request -m limit --limit 5/sec -j ACCEPT
-A INPUT -p tcp --dport 22 --syn -m hashlimit --hashlimit-upto 3/min --hashlimit-burst 3 --hashlimit-mode srcip --hashlimit-name ssh -j ACCEPT
-A INPUT -p tcp --dport 22 ! --syn -j ACCEPT
-A INPUT -m limit --limit 5/min -j LOG --log-prefix "in drop: "
-A FORWARD -p tcp --tcp-flags ALL NONE -j DROP
-A FORWARD -p tcp --tcp-flags SYN,FIN SYN,FIN -j DROP
-A FORWARD -i qtf0 -s 192.168.0.0/16 -j DROP
-A FORWARD -i qtf0 -s 172.16.0.0/12 -j DROP
-A FORWARD -d 10.0.2.2 -p udp --dport 53 -j ACCEPT
-A FORWARD -d 10.0.2.2 -p tcp -m multiport --dports 22,25 --syn -m hashlimit --hashlimit-upto 10/min --hashlimit-mode srcip --hashlimit-name fwd -j ACCEPT
-A FORWARD -d 10.0.2.2 -p tcp --dport 443 -j ACCEPT
-A FORWARD -d 10.0.2.2 -p tcp --dport 80 -j ACCEPT
-A FORWARD -p icmp --icmp-type echo-request -m limit --limit 10/sec -j ACCEPT
-A FORWARD -i qtf1 -s 10.0.2.2 -p tcp -m multiport --sports 22,80,443,5201 ! --syn -j ACCEPT
-A FORWARD -i qtf1 -s 10.0.2.2 -p icmp --icmp-type echo-reply -j ACCEPT
-A FORWARD -d 10.0.2.2 -p tcp --dport 5201 -j ACCEPT
-A FORWARD -d 10.0.2.2 -p udp --dport 9000 -m length --length 0:1500 -j ACCEPT
-A FORWARD -m limit --limit 5/min -j LOG --log-prefix "fwd drop: "
-A FORWARD -j DROP
COMMIT
EOF
r10k=$QT_RUN/r10k.v4
{
	echo '*filter'
	echo ':INPUT ACCEPT [0:0]'
	echo ':FORWARD ACCEPT [0:0]'
	echo ':OUTPUT ACCEPT [0:0]'
	# 100.64.0.0/10 addresses: never our client or server
	for ((i = 0; i < 10000; i++)); do
		echo "-A FORWARD -s 100.64.$((i / 250)).$((i % 250 + 1))/32 -j DROP"
	done
	echo '-A FORWARD -j ACCEPT'
	echo 'COMMIT'
} >"$r10k"
# the same count in the shape ufw and fail2ban write: a source and
# -m multiport, which nf_tables runs as an xtables match (nft_compat)
r10km=$QT_RUN/r10km.v4
{
	echo '*filter'
	echo ':INPUT ACCEPT [0:0]'
	echo ':FORWARD ACCEPT [0:0]'
	echo ':OUTPUT ACCEPT [0:0]'
	for ((i = 0; i < 10000; i++)); do
		echo "-A FORWARD -s 100.64.$((i / 250)).$((i % 250 + 1))/32 -p udp -m multiport --dports 53,123,9000 -j DROP"
	done
	echo '-A FORWARD -j ACCEPT'
	echo 'COMMIT'
} >"$r10km"

# ---- one topology per firewall ----
echo "setting up: ${legs[*]} (rulesets of $(grep -c '^-A' "$r20") and $(grep -c '^-A' "$r10k") rules)"
base_prefix=$QT_PREFIX
[ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" != 1 ] ||
	echo "(autogroup scheduling is on: the accept-all loop runs in a session of its own, as qtablesd does)"
for leg in "${legs[@]}"; do
	QT_PREFIX=$base_prefix$leg
	qt_topo
	FWN[$leg]=$FW CN[$leg]=$C SN[$leg]=$S
	ip netns exec "$S" iperf3 -s -p 5201 >/dev/null 2>&1 &
	pids+=($!)
	case $leg in
	accept)
		# the hooks qtablesd queues at for the 20-rule ruleset (its
		# filter chains): the same kernel round trips per packet
		# in a session of its own, as qtablesd --daemon is: with
		# autogroup scheduling (on here) a session is a scheduling
		# group, and the same loop sharing the sender's and the
		# receiver's group delivered 12-30% more to the receiving
		# process than in a group of its own (a scheduling effect,
		# not the loop's)
		setsid ip netns exec "$FW" "$B/tests/bench/nfq_accept_all" -c 128 \
			--hooks INPUT,FORWARD,OUTPUT >"$QT_RUN/accept.out" 2>&1 &
		accept_pid=$!
		for _ in $(seq 100); do grep -q ready "$QT_RUN/accept.out" && break; sleep 0.05; done
		grep -q ready "$QT_RUN/accept.out" || { cat "$QT_RUN/accept.out"; exit 1; }
		[ "$(cat "/proc/$accept_pid/comm")" = nfq_accept_all ] ||
			{ echo "bench: the accept loop is not $accept_pid" >&2; exit 1; }
		;;
	q20 | q10k | q10km)
		qt_daemon "$FW" --no-state --no-syslog
		e2e_ready "$FW"
		case $leg in q20) f=$r20 ;; q10k) f=$r10k ;; *) f=$r10km ;; esac
		ip netns exec "$FW" "$B/qtables-restore" <"$f"
		;;
	b20 | b10k)
		QT_BUILD=$QT_BUILD_BEFORE qt_daemon "$FW" --no-state --no-syslog
		e2e_ready "$FW"
		case $leg in b20) f=$r20 ;; *) f=$r10k ;; esac
		ip netns exec "$FW" "$QT_BUILD_BEFORE/qtables-restore" <"$f"
		;;
	k10k)
		ipt_restore "$FW" <"$r10k"
		;;
	k10km)
		ipt_restore "$FW" <"$r10km"
		;;
	esac
done
QT_PREFIX=$base_prefix

udp_count_once() { # leg -> kpps counted by the server's kernel
	e2e_udp_kpps "${CN[$1]}" "${SN[$1]}" 10.0.2.2 "$secs"
}

udp_once() { # leg -> kpps received by a process
	local leg=$1 out=$QT_RUN/recv.out
	: >"$out"
	ip netns exec "${SN[$leg]}" "$B/tests/bench/udp_flood" recv 9000 $((secs + 3)) >"$out" &
	local rp=$!
	for _ in $(seq 100); do grep -q ready "$out" && break; sleep 0.02; done
	ip netns exec "${CN[$leg]}" "$B/tests/bench/udp_flood" send 10.0.2.2 9000 "$secs" >/dev/null
	wait "$rp" || true
	sed -n 's/.* kpps \([0-9.]*\).*/\1/p' "$out"
}

tcp_once() { # leg -> Gbit/s
	e2e_tcp_gbps "${CN[$1]}" 10.0.2.2 "$secs"
}

median() { e2e_median "$@"; }

declare -A UDP APP TCP
for ((r = 0; r < rounds; r++)); do
	order=()
	for ((i = 0; i < ${#legs[@]}; i++)); do order+=("${legs[(i + r) % ${#legs[@]}]}"); done
	line="round $((r + 1)):"
	for leg in "${order[@]}"; do
		u=$(udp_count_once "$leg"); u=${u:-0}
		sleep 0.2
		a=$(udp_once "$leg"); a=${a:-0}
		sleep 0.2
		t=$(tcp_once "$leg"); t=${t:-0}
		UDP[$leg]="${UDP[$leg]:-} $u"
		APP[$leg]="${APP[$leg]:-} $a"
		TCP[$leg]="${TCP[$leg]:-} $t"
		line+=" $leg ${u}/${a}kpps/${t}Gbps"
	done
	echo "$line"
done

echo
printf '%-8s %10s %10s %12s   (medians of %d rounds of %d s; %d CPUs)\n' \
	firewall "udp kpps" "udp app" "tcp Gbit/s" "$rounds" "$secs" "$(nproc)"
declare -A MU MA MT
for leg in "${legs[@]}"; do
	# shellcheck disable=SC2086
	MU[$leg]=$(median ${UDP[$leg]})
	# shellcheck disable=SC2086
	MA[$leg]=$(median ${APP[$leg]})
	# shellcheck disable=SC2086
	MT[$leg]=$(median ${TCP[$leg]})
	printf '%-8s %10.1f %10.1f %12.3f\n' "$leg" "${MU[$leg]}" "${MA[$leg]}" "${MT[$leg]}"
done
ratio() { e2e_ratio "$@"; }
ratios() { # name a b target what
	printf '%-12s udp %s  udp app %s  tcp %s   (target >= %s; %s)\n' "$1" \
		"$(ratio "${MU[$2]}" "${MU[$3]}")" "$(ratio "${MA[$2]}" "${MA[$3]}")" \
		"$(ratio "${MT[$2]}" "${MT[$3]}")" "$4" "$5"
}
echo
ratios q20/accept q20 accept 0.9 "packets/s and Gbit/s"
ratios q10k/k10k q10k k10k 20 "packets/s; -s blocklist"
ratios q10km/k10km q10km k10km 20 "packets/s; -s with -m multiport"
ratios none/k10k none k10k - "no firewall at all: the most any queue can reach"
if [ -n "${QT_BUILD_BEFORE:-}" ]; then
	ratios q20/b20 q20 b20 1 "this build / $QT_BUILD_BEFORE, 20 rules"
	ratios q10k/b10k q10k b10k 1 "this build / $QT_BUILD_BEFORE, 10,000 rules"
fi

# What the firewalls saw, to show the packets really went through them.
echo
for leg in q20 q10k q10km; do
	echo "$leg: $(ip netns exec "${FWN[$leg]}" "$B/qtables" --stats | grep -E '^queue|verdicts|^kernel' | tr -s ' ' | paste -sd';')"
done
kill "$accept_pid" 2>/dev/null || true
wait "$accept_pid" 2>/dev/null || true
accept_pid=
echo "accept: $(grep -E '^(packets|accepts|drops) ' "$QT_RUN/accept.out" | paste -sd' ')"
echo "k10k: $(ipt "${FWN[k10k]}" -S FORWARD | grep -c '^-A') rules in the kernel's FORWARD"
