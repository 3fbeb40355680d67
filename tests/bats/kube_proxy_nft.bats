#!/usr/bin/env bats
# kube-proxy's nftables mode carrying real traffic. kube-proxy drives nft
# through knftables, which runs `nft --check add table testing` to see
# that nft works, `nft -f -` with each transaction on stdin, and
# `nft -j list chains|sets|maps ip` to learn what exists. The
# transaction is tests/compat/k8s/kube-proxy.nft (kube-proxy's own test
# data, its source and licence beside it): six services with a
# ClusterIP verdict map keyed by address . protocol . port, node ports,
# external and load-balancer IPs with source ranges, `numgen random`
# endpoint choice, session affinity through a dynamic set,
# mark-and-masquerade, and rejects for services without endpoints.
# It is sent the same way to two twin nodes: one whose `nft` is qtables,
# one whose `nft` is the kernel's (the oracle). Then clients connect to
# cluster IPs, a node port, external and load-balancer IPs, and each
# side must answer as the other: which endpoint answered, which source
# address it saw, or how the connection failed.
#
#   outside client X 192.168.0.1 -- 192.168.0.2 node N 10.180.0.254 --
#     endpoints E 10.180.0.1-5 (port 80)
#   pod P 10.0.1.5 -- 10.0.1.1 node N
# 192.168.0.2 is the transaction's node-port address; pods are
# 10.0.0.0/8 for its masquerade rules.

bats_require_minimum_version 1.5.0

load kube_proxy_lib

setup() {
	kube_init qtkn
	TX=$BATS_TEST_DIRNAME/../compat/k8s/kube-proxy.nft
	ln -s "$QT_BUILD/nft" "$QT_RUN/qtbin/nft"
	ln -s /usr/sbin/nft "$QT_RUN/ntbin/nft"
}

# kube-proxy's calls, run on the node by the nft found in BINDIR.
sync_node() {
	local run=(ip netns exec "$N" env PATH="$1:/usr/sbin:/usr/bin:/sbin:/bin")
	{
		local rc=0 t
		"${run[@]}" nft --check add table testing || rc=$?
		echo "check: $rc"
		rc=0
		"${run[@]}" nft -f - <"$TX" || rc=$?
		echo "transaction: $rc"
		for t in chains sets maps; do
			{ "${run[@]}" nft -j list "$t" ip || true; } | "$PY" -c '
import json, sys
out = json.load(sys.stdin)["nftables"]
assert out[0]["metainfo"]["json_schema_version"] == 1
kind = sys.argv[1][:-1]
print(kind, sorted(o[kind]["name"] for o in out if kind in o and o[kind]["table"] == "kube-proxy"))
' "$t" || echo "$t: no JSON listing"
		done
	} >"$QT_RUN/$2.sync" 2>&1
}

# The affinity set's elements, without their countdown.
affinity() {
	ip netns exec "$N" env PATH="$1:/usr/sbin:/usr/bin:/sbin:/bin" \
		nft list set ip kube-proxy 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80' |
		sed -n 's/ expires [0-9hms]*//; /elements/p'
}

# What one side answers to every probe.
observe() {
	local s=$1 bin
	node "$s" 192.168.0.1 192.168.0.2
	if [ "$s" = q ]; then
		qt_daemon "$N" || return 1
		bin=$QT_RUN/qtbin
	else
		bin=$QT_RUN/ntbin
	fi
	sync_node "$bin" "$s"
	sleep 0.3
	{
		echo "cluster IP, two endpoints, from outside (masqueraded):"
		probe "$X" 172.30.0.44 80 30 | sort -u
		echo "cluster IP from a pod (not masqueraded):"
		probe "$P" 172.30.0.41 80
		echo "node port 3003 of the node's address:"
		probe "$X" 192.168.0.2 3003
		echo "external IP of svc4:"
		probe "$X" 192.168.99.33 80 10 | sort -u
		echo "external IP of svc2 from the node itself (fib saddr type local):"
		probe "$N" 192.168.99.22 80
		echo "cluster IP of svc2 from the node itself (nat output):"
		probe "$N" 172.30.0.42 80
		echo "load balancer IP from outside its source ranges:"
		probe "$X" 5.6.7.8 80
		echo "service without endpoints:"
		probe "$X" 172.30.0.46 80
		echo "a cluster IP's port without a service:"
		probe "$X" 172.30.0.41 81
		echo "node port 3001 (Local policy, no local endpoint):"
		probe "$X" 192.168.0.2 3001
		echo "svc5 with ClientIP affinity, from outside:"
		probe "$X" 172.30.0.45 80 5 | sort -u
		echo "its affinity set:"
		affinity "$bin"
	} >"$QT_RUN/$s.seen"
	bg_stop
}

@test "kube-proxy nftables mode: its transaction loads through nft -f - and its services answer, masquerade and refuse as on the kernel's nft" {
	observe n
	observe q
	show_diff "kube-proxy's nft calls (kernel nft vs qtables)" "$QT_RUN/n.sync" "$QT_RUN/q.sync"
	show_diff "what clients saw (kernel nft vs qtables)" "$QT_RUN/n.seen" "$QT_RUN/q.seen"
	# the oracle's own answers are what the rules mean
	grep -qx 'transaction: 0' "$QT_RUN/n.sync"
	oracle_as_meant
	grep -qx '10.180.0.2 10.180.0.254' "$QT_RUN/n.seen"
	[ "$(grep -A1 'outside its source ranges' "$QT_RUN/n.seen" | tail -1)" = timeout ]
	grep -q 'elements = { 192.168.0.1 }' "$QT_RUN/n.seen"
	cmp -s "$QT_RUN/n.sync" "$QT_RUN/q.sync"
	cmp -s "$QT_RUN/n.seen" "$QT_RUN/q.seen"
}
