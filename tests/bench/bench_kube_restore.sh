#!/usr/bin/env bash
# Benchmark, not a test: prints numbers and ratios, asserts nothing.
#
#   tests/bench/bench_kube_restore.sh   (as root; several minutes with defaults: the restores)
#   environment: SERVICES (5000), CONNS (1000), ROUNDS (5)
#
# kube-proxy at scale, in one run:
#  1. the restore of a full sync of SERVICES ClusterIP services with two
#     endpoints each, in kube-proxy's exact shape (tests/bench/
#     gen_kube_proxy.py: 8 rules and 3 chains per service, 40,009 rules
#     for 5,000), sent as kube-proxy sends it
#     (iptables-restore -w 5 -W 100000 --noflush --counters) after its
#     jump rules, into a fresh qtablesd (state file written, as on a
#     host) and with iptables-nft-restore into a fresh network namespace;
#     wall time of each (one run each: a second run into the same
#     ruleset would be another measurement) and the ratio (target >= 10);
#  2. with the payload loaded, qtablesd as the node between a client and
#     the endpoints (tests/lib/qt.sh qt_topo: client 10.0.1.2 -- node --
#     server, every endpoint address 10.180.0.0/16 local to the server),
#     the rate of new TCP connections (tests/bench/tcp_connects.py:
#     handshake, then reset) to the first service's cluster IP and to the
#     last's: each connection's first packet walks KUBE-SERVICES, where
#     the first service is the first rule and the last one the
#     SERVICES-th. Rounds of CONNS connections to each, interleaved
#     (which goes first alternates); medians and the ratio last/first
#     (target: 1 within noise).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
services=${SERVICES:-5000}
conns=${CONNS:-1000}
rounds=${ROUNDS:-5}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
QT_PREFIX=qtbk$$
. "$top/tests/lib/qt.sh"
B=$QT_BUILD
. "$top/tests/bench/e2e_lib.sh"
for f in qtablesd iptables iptables-restore iptables-save; do
	[ -x "$B/$f" ] || { echo "bench: no $B/$f (set QT_BUILD; make it)" >&2; exit 1; }
done
gen=$top/tests/bench/gen_kube_proxy.py
conn=$top/tests/bench/tcp_connects.py
pids=()
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM

cc -O2 -o "$QT_RUN/timeit" "$top/tests/bench/timeit.c"
T=$QT_RUN/timeit
python3 "$gen" payload "$services" >"$QT_RUN/kube.v4"
python3 "$gen" jumps >"$QT_RUN/jumps"

echo "qtables bench: kube-proxy's full sync of $services services x 2 endpoints:" \
	"$(grep -c '^-A' "$QT_RUN/kube.v4") rules, $(grep -c '^:' "$QT_RUN/kube.v4") chains," \
	"$(wc -c <"$QT_RUN/kube.v4") bytes ($(nproc) CPUs, $(uname -r))"

# ---- 1. the restore ----
qt_topo
qt_daemon "$FW" --state "$QT_RUN/state/node.v4" --no-syslog
e2e_ready "$FW"
qt_ns k; K=$QT_NS
# kube-proxy's jump rules first (EnsureChain: -N fails when it exists)
while read -r line; do
	eval "set -- $line"
	qt "$FW" "$@" 2>/dev/null || case $line in *" -N "*) ;; *) exit 1 ;; esac
	ipt "$K" "$@" 2>/dev/null || case $line in *" -N "*) ;; *) exit 1 ;; esac
done <"$QT_RUN/jumps"

args=(-w 5 -W 100000 --noflush --counters)
qms=$(ip netns exec "$FW" "$T" 1 -i "$QT_RUN/kube.v4" -q -- "$B/iptables-restore" "${args[@]}" | awk '{ print $1 }')
kms=$(ip netns exec "$K" "$T" 1 -i "$QT_RUN/kube.v4" -q -- /usr/sbin/iptables-nft-restore "${args[@]}" | awk '{ print $1 }')
echo
echo "== iptables-restore ${args[*]} of the payload into a fresh ruleset (wall time, one run each)"
printf '   %-36s %10.1f ms\n' "qtables -> qtablesd (state file)" "$qms"
printf '   %-36s %10.1f ms\n' "iptables-nft-restore -> kernel" "$kms"
echo "   ratio iptables-nft/qtables: $(e2e_ratio "$kms" "$qms")  (target >= 10)"
# the same payload into a qtablesd without kube-proxy's jump rules (no
# built-in chain reaches the services' chains while it loads): the
# difference is what the checks of each new jump against the chains the
# built-in ones reach cost in the measurement above
qt_ns nj; NJ=$QT_NS
qt_daemon "$NJ" --state "$QT_RUN/state/nj.v4" --no-syslog
e2e_ready "$NJ"
njms=$(ip netns exec "$NJ" "$T" 1 -i "$QT_RUN/kube.v4" -q -- "$B/iptables-restore" "${args[@]}" | awk '{ print $1 }')
printf '   %-36s %10.1f ms   (the same, before the jump rules)\n' "qtables -> qtablesd, no jumps yet" "$njms"
qt_stop_daemon "$NJ"
if diff <(qt_save "$FW" | grep -v '^#') <(ipt_save "$K" | grep -v '^#') >/dev/null; then
	echo "   both saves are identical ($(qt_save "$FW" -t nat | grep -c '^-A') nat rules)"
else
	echo "   NOTE: the two saves differ (a compatibility bug, not a timing)"
fi

# ---- 2. new connections to the first and the last service ----
read -r first_ip port <<<"$(python3 "$gen" service 0)"
read -r last_ip _ <<<"$(python3 "$gen" service $((services - 1)))"
ip -n "$S" route add local 10.180.0.0/16 dev lo
ip -n "$FW" route add 10.180.0.0/16 via 10.0.2.2
ip netns exec "$S" python3 "$conn" serve 8080 >"$QT_RUN/serve.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q ready "$QT_RUN/serve.out" && break; sleep 0.05; done
grep -q ready "$QT_RUN/serve.out" || { cat "$QT_RUN/serve.out"; exit 1; }

once() { # ADDR -> connections per second
	local out
	out=$(ip netns exec "$C" python3 "$conn" connect "$1" "$port" "$conns")
	case $out in *" failed 0 "*) ;; *) echo "bench: $1: $out" >&2 ;; esac
	echo "$out" | awk '{ print $NF }'
}
# warm up (the first connections of a fresh daemon and python's start)
once "$first_ip" >/dev/null
once "$last_ip" >/dev/null
echo
echo "== new TCP connections through the node (qtablesd holding the payload): $rounds rounds of $conns each"
F=() L=()
for ((r = 0; r < rounds; r++)); do
	if ((r % 2)); then
		l=$(once "$last_ip"); f=$(once "$first_ip")
	else
		f=$(once "$first_ip"); l=$(once "$last_ip")
	fi
	F+=("$f") L+=("$l")
	echo "   round $((r + 1)): first $f/s  last $l/s"
done
mf=$(e2e_median "${F[@]}") ml=$(e2e_median "${L[@]}")
printf '   %-44s %10.1f conn/s\n' "first service ($first_ip:$port, rule 1)" "$mf"
printf '   %-44s %10.1f conn/s\n' "last service ($last_ip:$port, rule $services)" "$ml"
echo "   ratio last/first: $(e2e_ratio "$ml" "$mf")  (target: 1 within noise)"
# The connections went through the services' rules: their counters
# (packets that walked the nat table: each connection's first).
echo "   KUBE-SERVICES counters: first $(qt "$FW" -t nat -L KUBE-SERVICES -v -n -x | awk 'NR == 3 { print $1 }') pkts," \
	"last $(qt "$FW" -t nat -L KUBE-SERVICES -v -n -x | awk -v n="$services" 'NR == n + 2 { print $1 }') pkts"
