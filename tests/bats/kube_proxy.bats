#!/usr/bin/env bats
# kube-proxy's rules carrying real traffic. kube-proxy (iptables mode)
# syncs a node with the commands and the restore payload of
# tests/compat/apps/kube-proxy-services.steps: six services taken from its
# own tests, sent exactly as kube-proxy sends them (that file names its
# sources). They are replayed through the program names kube-proxy runs
# (iptables, iptables-restore, iptables-save found through PATH) on two
# twin nodes: one where those names are qtables, one where they are the
# kernel's iptables-nft (the oracle). Then clients in namespaces of their
# own connect to cluster IPs, a node port, an external IP and a load
# balancer IP, and each side must answer as the other: which endpoint
# answered, which source address it saw, or how the connection failed.
#
#   outside client X 192.0.2.2 -- 192.0.2.1 node N 10.180.0.254 --
#     endpoints E 10.180.0.1-5 (port 80)
#   pod P 10.0.1.5 -- 10.0.1.1 node N
# (pods are 10.0.0.0/8 for kube-proxy's masquerade rules.)

bats_require_minimum_version 1.5.0

load kube_proxy_lib

setup() {
	kube_init qtkp
	STEPS=$BATS_TEST_DIRNAME/../compat/apps/kube-proxy-services.steps
	LOOP=$BATS_TEST_DIRNAME/../compat/apps/kube-proxy.steps
	local p
	for p in iptables iptables-save iptables-restore; do
		ln -s "$QT_BUILD/$p" "$QT_RUN/qtbin/$p"
		ln -s "/usr/sbin/${p/iptables/iptables-nft}" "$QT_RUN/ntbin/$p"
	done
}

# steps FILE STOP: the steps of FILE up to the comment line starting
# with STOP, as a shell script (kube-proxy's nfacct forms kept).
steps() {
	awk -v stop="$2" 'index($0, stop) == 1 { exit }
	     /^\?!nfacct / { next }
	     { sub(/^\?nfacct /, ""); sub(/^\$ /, ""); print }' "$1"
}

# sync BINDIR: kube-proxy's full sync, as in the steps file up to its
# cleanup, run on the node by the programs in BINDIR. kube-proxy first
# makes its accounting objects in the kernel over netlink (the steps do
# it with the real nfacct(8)), then names them in -m nfacct rules.
sync_node() {
	steps "$STEPS" "# ---- kube-proxy --cleanup" >"$QT_RUN/sync.sh"
	ip netns exec "$N" env PATH="$1:/usr/sbin:/usr/bin:/sbin:/bin" \
		bash "$QT_RUN/sync.sh" >"$QT_RUN/sync.out" 2>&1
}

# What one side answers to every probe: for the repeated ones, which
# endpoints answered (sorted, unique) and which peers they saw.
observe() {
	local s=$1
	node "$s" 192.0.2.2 192.0.2.1
	if [ "$s" = q ]; then
		qt_daemon "$N" || return 1
		sync_node "$QT_RUN/qtbin"
		qt_save "$N" >"$QT_RUN/q.save"
	else
		sync_node "$QT_RUN/ntbin"
		ipt_save "$N" >"$QT_RUN/n.save"
	fi
	sleep 0.3
	{
		echo "cluster IP, two endpoints, from outside (masqueraded):"
		probe "$X" 172.30.0.44 80 30 | sort -u
		echo "cluster IP from a pod (not masqueraded):"
		probe "$P" 172.30.0.41 80
		echo "node port 3003 of the node's address:"
		probe "$X" 192.0.2.1 3003
		echo "external IP of svc4:"
		probe "$X" 192.168.99.33 80 20 | sort -u
		echo "load balancer IP from outside its source ranges:"
		probe "$X" 5.6.7.8 80
		echo "service without endpoints:"
		probe "$X" 172.30.0.46 80
		echo "node port 3001 (Local policy, no local endpoint):"
		probe "$X" 192.0.2.1 3001
	} >"$QT_RUN/$s.seen"
	bg_stop
}

@test "kube-proxy: its synced rules load-balance, masquerade, expose node ports and refuse as on iptables-nft" {
	observe n
	observe q
	show_diff "what clients saw (iptables-nft vs qtables)" "$QT_RUN/n.seen" "$QT_RUN/q.seen"
	# both loaded kube-proxy's accounting rules
	local want; want=$(grep -c -- '^?nfacct .*--nfacct-name' "$STEPS")
	[ "$want" -gt 0 ]
	[ "$(grep -c -- '--nfacct-name' "$QT_RUN/n.save")" -eq "$want" ]
	[ "$(grep -c -- '--nfacct-name' "$QT_RUN/q.save")" -eq "$want" ]
	oracle_as_meant
	cmp -s "$QT_RUN/n.seen" "$QT_RUN/q.seen"
}

# pods SIDE: a node whose pods 10.0.3.2-4 live each in a namespace of its
# own behind a veth of their own (routes of /32, as CNI plugins make
# them), each answering on port 80 with its address and its peer's; the
# outside client X as before.
pods() {
	local s=$1 i
	qt_ns "${s}n"; N=$QT_NS
	qt_ns "${s}x"; X=$QT_NS
	pair "$X" qkx0 192.0.2.2/24 "$N" qkn0 192.0.2.1/24
	ip -n "$X" route add default via 192.0.2.1
	ip netns exec "$N" sysctl -qw net.ipv4.ip_forward=1
	for i in 2 3 4; do
		qt_ns "${s}p$i"; eval "P$i=\$QT_NS"
		pair "$QT_NS" qkp0 10.0.3.$i/32 "$N" qkv$i 10.0.3.254/32
		ip -n "$QT_NS" route add 10.0.3.254 dev qkp0
		ip -n "$QT_NS" route add default via 10.0.3.254
		ip -n "$N" route add 10.0.3.$i/32 dev qkv$i
		ip netns exec "$QT_NS" "$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80)); s.listen(256)
while True:
    c, peer = s.accept()
    c.sendall(("%s %s\n" % (sys.argv[1], peer[0])).encode())
    c.close()
' 10.0.3.$i &
		BGPIDS+=($!)
	done
}

# loop_sync BINDIR: kube-proxy's sync loop up to its third endpoint of
# svc3, then the partial sync that adds svc7 with session affinity.
loop_sync() {
	{
		steps "$LOOP" "# ---- a firewall reload"
		echo 'iptables-save -t nat >/dev/null'
		echo "iptables-restore -w 5 -W 100000 --noflush --counters <$BATS_TEST_DIRNAME/kube_proxy_affinity.payload"
	} >"$QT_RUN/loop.sh"
	ip netns exec "$N" env PATH="$1:/usr/sbin:/usr/bin:/sbin:/bin" \
		bash "$QT_RUN/loop.sh" >"$QT_RUN/loop.out" 2>&1
}

# count FROM DST N: how many of N connections each endpoint answered,
# and which peers it saw: lines "ENDPOINT PEER COUNT"
count() {
	probe "$1" "$2" 80 "$3" | sort | uniq -c | awk '{ print $2, $3, $1 }'
}

observe_loop() {
	local s=$1
	pods "$s"
	if [ "$s" = q ]; then
		qt_daemon "$N" || return 1
		loop_sync "$QT_RUN/qtbin"
	else
		loop_sync "$QT_RUN/ntbin"
	fi
	sleep 0.3
	count "$X" 172.30.0.43 3000 >"$QT_RUN/$s.spread"
	# a pod reaching its own service: masqueraded when it lands on
	# itself (hairpin), not when on another pod
	probe "$P2" 172.30.0.43 80 60 | sort -u >"$QT_RUN/$s.hairpin"
	# ClientIP affinity: every connection of a client to the same pod
	probe "$X" 172.30.0.47 80 40 | sort -u >"$QT_RUN/$s.sticky.x"
	probe "$P3" 172.30.0.47 80 40 | sort -u >"$QT_RUN/$s.sticky.p"
	bg_stop
}

@test "kube-proxy: its sync loop's service spreads 3,000 connections over three pods, hairpins masqueraded, ClientIP affinity sticks, as on iptables-nft" {
	observe_loop n
	observe_loop q
	local s f
	for s in n q; do
		echo "# $s: spread of 3,000 connections:" >&3
		sed 's/^/#   /' "$QT_RUN/$s.spread" >&3
		# three pods, each about a third (1000 +- 130, five sigma),
		# each seeing the node's address (masqueraded: from outside)
		[ "$(wc -l <"$QT_RUN/$s.spread")" -eq 3 ]
		awk '$2 != "10.0.3.254" || $3 < 870 || $3 > 1130 { exit 1 }' "$QT_RUN/$s.spread"
		grep -qx '10.0.3.2 10.0.3.254' "$QT_RUN/$s.hairpin"
		grep -qx '10.0.3.3 10.0.3.2' "$QT_RUN/$s.hairpin"
		grep -qx '10.0.3.4 10.0.3.2' "$QT_RUN/$s.hairpin"
		[ "$(wc -l <"$QT_RUN/$s.hairpin")" -eq 3 ]
		# one pod per client: the outside client masqueraded, the
		# pod not (unless it stuck to itself)
		echo "# $s: affinity: $(cat "$QT_RUN/$s.sticky.x") / $(cat "$QT_RUN/$s.sticky.p")" >&3
		[ "$(wc -l <"$QT_RUN/$s.sticky.x")" -eq 1 ]
		[ "$(wc -l <"$QT_RUN/$s.sticky.p")" -eq 1 ]
		grep -Eqx '10\.0\.3\.[234] 10\.0\.3\.254' "$QT_RUN/$s.sticky.x"
		grep -Eqx '10\.0\.3\.[24] 10\.0\.3\.3|10\.0\.3\.3 10\.0\.3\.254' "$QT_RUN/$s.sticky.p"
	done
	for f in hairpin; do cmp "$QT_RUN/n.$f" "$QT_RUN/q.$f"; done
}
