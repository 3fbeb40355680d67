#!/usr/bin/env bats
# nft's nat chains with real traffic through qtablesd in qt_topo's fw,
# IPv4 and IPv6: client $C (10.0.1.2, fd00:1::2) -- fw $FW (qtf0
# 10.0.1.1 fd00:1::1 | qtf1 10.0.2.1 fd00:2::1) -- server $S (10.0.2.2,
# fd00:2::2). dnat, snat, masquerade and redirect statements; an nft nat
# chain beside iptables' nat table on one hook (the first binding
# wins); kube-proxy's nftables shape. What the server sees as its peer,
# what the client gets back (a connected socket takes replies only from
# where it sent), the counters of the nat chains (first packets only)
# and the connection table. With QT_ORACLE=1 the same tests run against
# the kernel's nft, iptables-nft and conntrack: every expectation here
# is what the kernel does.

bats_require_minimum_version 1.5.0

load nft_twin_lib

setup() { oracle_setup qtnftnat topo; }

# iptables of fw: qtables', or the kernel's with QT_ORACLE=1.
iptfw() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ipt "$FW" "$@"
	else
		qt "$FW" "$@"
	fi
}

# Packets of the Nth counter (default 1) of a chain: nft_cnt FAMILY
# TABLE CHAIN [N]
nft_cnt() {
	nftfw list chain "$1" "$2" "$3" | grep -o 'counter packets [0-9]*' |
		sed -n "${4:-1}p" | awk '{ print $3 }'
}

# Packets of rule N of iptables' nat chain CHAIN.
ipt_nat_cnt() {
	iptfw -t nat -L "$1" -v -n -x --line-numbers |
		awk -v n="$2" '$1 == n { print $2 }'
}

# A TCP server in NS on PORT answering each connection with its peer
# "ADDR:PORT" (IPv4 mapped addresses as IPv4): peer_server NS PORT
peer_server() {
	ip netns exec "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(64)
while True:
    c, a = s.accept()
    h = a[0][7:] if a[0].startswith("::ffff:") else a[0]
    c.send(("%s:%d\n" % (h, a[1])).encode())
    c.close()
' "$2" >/dev/null 2>&1 3>&- &
	serving "$1" "$2"
}

# The same for UDP: udp_peer_server NS PORT
udp_peer_server() {
	ip netns exec "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(("%s:%d" % a).encode(), a)
' "$2" >/dev/null 2>&1 3>&- &
	serving "$1" "$2" udp
}

# ask tcp|udp DST PORT [SRC SPORT]: ask_from the client (from $ASK_NS
# when set)
ask() { ask_from "${ASK_NS:-$C}" "$@"; }

@test "nft dnat: a TCP port forward, the server sees the client, the nat chain only first packets" {
	peer_server "$S" 8080
	nftfw -f - <<'EOF'
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 10.0.1.1 tcp dport 80 counter dnat to 10.0.2.2:8080
	}
}
EOF
	run ask tcp 10.0.1.1 80 10.0.1.2 40001
	[ "$output" = "10.0.1.2:40001" ]
	run ask tcp 10.0.1.1 80 10.0.1.2 40002
	[ "$output" = "10.0.1.2:40002" ]
	[ "$(nft_cnt ip nat prerouting)" -eq 2 ]
	run ct_closed -p tcp --orig-port-src 40001
	[ "$output" = "tcp 6  TIME_WAIT src=10.0.1.2 dst=10.0.1.1 sport=40001 dport=80 src=10.0.2.2 dst=10.0.1.2 sport=8080 dport=40001 [ASSURED] mark=0 use=1" ]
	# another port is not translated: fw itself refuses it
	run ask tcp 10.0.1.1 81 10.0.1.2 40003
	[ "$output" = "refused" ]
}

@test "nft masquerade: the server sees the firewall's address, TCP and UDP" {
	peer_server "$S" 8080
	udp_peer_server "$S" 5353
	nftfw -f - <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "qtf1" counter masquerade
	}
}
EOF
	run ask tcp 10.0.2.2 8080 10.0.1.2 42000
	[ "$output" = "10.0.2.1:42000" ]
	run ask udp 10.0.2.2 5353 10.0.1.2 42000
	[ "$output" = "10.0.2.1:42000" ]
	run ask udp 10.0.2.2 5353 10.0.1.2 42000
	[ "$output" = "10.0.2.1:42000" ]
	[ "$(nft_cnt ip nat postrouting)" -eq 2 ]
	run ct_list -p udp --orig-src 10.0.1.2
	[ "$output" = "udp 17  src=10.0.1.2 dst=10.0.2.2 sport=42000 dport=5353 src=10.0.2.2 dst=10.0.2.1 sport=5353 dport=42000 mark=0 use=1" ]
}

# (UDP: a closed TCP connection's port may be taken again at once, as
# the kernel's nf_nat_used_tuple_harder does in a small range)
@test "nft masquerade to a port range, random: the ports come from the range" {
	udp_peer_server "$S" 5353
	nftfw -f - <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "qtf1" meta l4proto udp masquerade to :30000-30009 random
	}
}
EOF
	: >"$QT_RUN/seen"
	local i
	for i in 1 2 3 4; do
		ask udp 10.0.2.2 5353 10.0.1.2 "$((42100 + i))" >>"$QT_RUN/seen"
	done
	cat "$QT_RUN/seen"
	[ "$(cut -d: -f1 "$QT_RUN/seen" | sort -u)" = "10.0.2.1" ]
	! awk -F: '$2 < 30000 || $2 > 30009' "$QT_RUN/seen" | grep -q . || false
	[ "$(sort -u "$QT_RUN/seen" | wc -l)" -eq 4 ]
}

@test "nft dnat at output: a local client reaches the server by another address" {
	peer_server "$S" 8080
	ip -n "$FW" route add 10.9.9.0/24 via 10.0.2.2
	nftfw -f - <<'EOF'
table ip nat {
	chain output {
		type nat hook output priority -100; policy accept;
		ip daddr 10.9.9.9 tcp dport 80 counter dnat to 10.0.2.2:8080
	}
}
EOF
	ASK_NS=$FW run ask tcp 10.9.9.9 80 10.0.2.1 40080
	[ "$output" = "10.0.2.1:40080" ]
	[ "$(nft_cnt ip nat output)" -eq 1 ]
	run ct_closed -p tcp --orig-port-src 40080
	[ "$output" = "tcp 6  TIME_WAIT src=10.0.2.1 dst=10.9.9.9 sport=40080 dport=80 src=10.0.2.2 dst=10.0.2.1 sport=8080 dport=40080 [ASSURED] mark=0 use=1" ]
}

@test "nft redirect: a port of passing traffic to a server on the firewall" {
	peer_server "$FW" 8080
	nftfw -f - <<'EOF'
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "qtf0" tcp dport 3128 counter redirect to :8080
	}
}
EOF
	run ask tcp 10.0.2.2 3128 10.0.1.2 40010
	[ "$output" = "10.0.1.2:40010" ]
	[ "$(nft_cnt ip nat prerouting)" -eq 1 ]
	run ct_closed -p tcp --orig-port-src 40010
	[ "$output" = "tcp 6  TIME_WAIT src=10.0.1.2 dst=10.0.2.2 sport=40010 dport=3128 src=10.0.1.1 dst=10.0.1.2 sport=8080 dport=40010 [ASSURED] mark=0 use=1" ]
}

@test "nft snat to an address and a port range: every flow gets a port of the range" {
	udp_peer_server "$S" 5353
	nftfw -f - <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "qtf1" meta l4proto udp counter snat to 10.0.2.1:20000-20009
	}
}
EOF
	: >"$QT_RUN/seen"
	local i
	for i in $(seq 1 6); do
		ask udp 10.0.2.2 5353 10.0.1.2 "$((41000 + i))" >>"$QT_RUN/seen"
	done
	cat "$QT_RUN/seen"
	[ "$(cut -d: -f1 "$QT_RUN/seen" | sort -u)" = "10.0.2.1" ]
	! awk -F: '$2 < 20000 || $2 > 20009' "$QT_RUN/seen" | grep -q . || false
	[ "$(sort -u "$QT_RUN/seen" | wc -l)" -eq 6 ]
	[ "$(nft_cnt ip nat postrouting)" -eq 6 ]
}

@test "an nft nat chain beside iptables' nat table on one hook: the first binding wins" {
	peer_server "$S" 8080
	peer_server "$S" 8081
	iptfw -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 80 \
		-j DNAT --to-destination 10.0.2.2:8080
	nftfw -f - <<'EOF'
table ip t {
	chain early {
		type nat hook prerouting priority -110; policy accept;
		tcp dport 80 counter accept
	}
	chain late {
		type nat hook prerouting priority -90; policy accept;
		tcp dport { 80, 90 } counter dnat to 10.0.2.2:8081
	}
}
EOF
	# iptables' chain at -100 binds: the chain at -90 never sees the
	# connection; the one at -110 saw it, and its accept handed it on
	run ask tcp 10.0.1.1 80 10.0.1.2 40020
	[ "$output" = "10.0.1.2:40020" ]
	[ "$(nft_cnt ip t early)" -eq 1 ]
	[ "$(nft_cnt ip t late)" -eq 0 ]
	[ "$(ipt_nat_cnt PREROUTING 1)" -eq 1 ]
	# what iptables does not bind the chain at -90 binds
	run ask tcp 10.0.1.1 90 10.0.1.2 40021
	[ "$output" = "10.0.1.2:40021" ]
	[ "$(nft_cnt ip t late)" -eq 1 ]
	run ct_list -p tcp --orig-port-src 40021
	[ "${output#* dport=90 }" = "src=10.0.2.2 dst=10.0.1.2 sport=8081 dport=40021 [ASSURED] mark=0 use=1" ]
	# an nft chain before iptables' binds first: iptables' rule is not
	# walked for that connection
	nftfw add chain ip t first '{ type nat hook prerouting priority -120; }'
	nftfw add rule ip t first tcp dport 80 counter dnat to 10.0.2.2:8081
	run ask tcp 10.0.1.1 80 10.0.1.2 40022
	[ "$output" = "10.0.1.2:40022" ]
	run ct_list -p tcp --orig-port-src 40022
	[ "${output#* dport=80 }" = "src=10.0.2.2 dst=10.0.1.2 sport=8081 dport=40022 [ASSURED] mark=0 use=1" ]
	[ "$(nft_cnt ip t first)" -eq 1 ]
	[ "$(nft_cnt ip t early)" -eq 1 ]
	[ "$(ipt_nat_cnt PREROUTING 1)" -eq 1 ]
}

@test "IPv6: dnat in an ip6 table, masquerade in an inet table" {
	peer_server "$S" 8080
	nftfw -f - <<'EOF'
table ip6 nat6 {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip6 daddr fd00:1::1 tcp dport 8080 counter dnat to fd00:2::2
	}
}
table inet nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "qtf1" counter masquerade
	}
}
EOF
	run ask tcp fd00:1::1 8080 fd00:1::2 40030
	[ "$output" = "fd00:2::1:40030" ]
	run ask tcp fd00:2::2 8080 fd00:1::2 40031
	[ "$output" = "fd00:2::1:40031" ]
	# the inet chain masquerades IPv4 too
	run ask tcp 10.0.2.2 8080 10.0.1.2 40032
	[ "$output" = "10.0.2.1:40032" ]
	[ "$(nft_cnt ip6 nat6 prerouting)" -eq 1 ]
	[ "$(nft_cnt inet nat postrouting)" -eq 3 ]
}

@test "IPv6: dnat ip6 to an address and port in an inet table" {
	peer_server "$S" 8080
	local rules='table inet nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip6 daddr fd00:1::1 tcp dport 80 counter dnat ip6 to [fd00:2::2]:8080
		ip daddr 10.0.1.1 tcp dport 80 counter dnat ip to 10.0.2.2:8080
	}
}'
	if ! nftfw -c -f - <<<"$rules"; then
		# the front end reads `dnat ip6 to [ADDR]:PORT` in inet
		# tables once its parser does; the engine runs it (test_nft_nat)
		skip "qtables' nft does not read 'dnat ip6 to [ADDR]:PORT' yet"
	fi
	nftfw -f - <<<"$rules"
	run ask tcp fd00:1::1 80 fd00:1::2 40040
	[ "$output" = "fd00:1::2:40040" ]
	run ask tcp 10.0.1.1 80 10.0.1.2 40041
	[ "$output" = "10.0.1.2:40041" ]
	# each statement for its own family only
	[ "$(nft_cnt inet nat prerouting 1)" -eq 1 ]
	[ "$(nft_cnt inet nat prerouting 2)" -eq 1 ]
}

# kube-proxy's nftables mode: services dnat in regular chains jumped to
# from the nat prerouting chain, and a masquerading chain that only
# masquerades connections marked for it. kube_rules SET UNMARKED CLEAR:
# the ruleset with its mark statements (the marking, masquerading's
# match of what is not marked, its clearing of the mark).
kube_rules() {
	cat <<EOF
table ip kube-proxy {
	chain mark-for-masquerade {
		$1
	}
	chain masquerading {
		$2 return
		$3
		counter masquerade fully-random
	}
	chain services {
		ip daddr 172.30.0.10 tcp dport 80 goto service-x
	}
	chain service-x {
		ip saddr 10.0.1.2 jump mark-for-masquerade
		jump endpoint-x
	}
	chain endpoint-x {
		meta l4proto tcp counter dnat to 10.0.2.2:8080
	}
	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump services
	}
	chain nat-postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		jump masquerading
	}
}
EOF
}

# The service's server, and a second client address (10.0.1.3) that
# service-x does not mark.
kube_topo() {
	peer_server "$S" 8080
	ip -n "$C" addr add 10.0.1.3/24 dev qtc0
}

# kube_served SPORT: the service asked from 10.0.1.2 port SPORT
# (marked: masqueraded, its port chosen at random) and from 10.0.1.3
# port SPORT+1 (not marked: the server sees the client); both through
# the endpoint, one masqueraded.
kube_served() {
	local sport2=$(($1 + 1))
	run ask tcp 172.30.0.10 80 10.0.1.2 "$1"
	[ "${output%:*}" = "10.0.2.1" ]
	run ask tcp 172.30.0.10 80 10.0.1.3 "$sport2"
	[ "$output" = "10.0.1.3:$sport2" ]
	[ "$(nft_cnt ip kube-proxy endpoint-x)" -eq 2 ]
	[ "$(nft_cnt ip kube-proxy masquerading)" -eq 1 ]
}

@test "kube-proxy's shape: dnat in a jumped-to chain, masquerade of marked connections" {
	kube_topo
	kube_rules 'meta mark set 0x4000' 'meta mark != 0x4000' 'meta mark set 0' |
		nftfw -f -
	kube_served 40050
}

@test "kube-proxy's masquerading chain as it sends it (bitwise mark operations)" {
	kube_topo
	if ! kube_rules 'meta mark set meta mark | 0x00004000' \
		'meta mark & 0x00004000 == 0x00000000' \
		'meta mark set meta mark ^ 0x00004000' |
		nftfw -f - 2>"$QT_RUN/err"; then
		cat "$QT_RUN/err"
		# the walk of this branch refuses `meta mark & ...` and
		# `meta mark set meta mark | ...` by name; any other refusal
		# fails the test
		grep -Eq 'bitwise operations|cannot set this field' \
			"$QT_RUN/err" || return 1
		skip "the walk runs no bitwise mark operations yet"
	fi
	kube_served 40060
}

# A nat chain does not turn the kernel's connection tracking on; a nat
# statement or a ct expression anywhere in a table does. Without it the
# nat chains are not walked at all.
@test "an nft nat chain runs only where connections are tracked: its drop then drops" {
	peer_server "$S" 8080
	nftfw -f - <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.0.1.2 tcp dport 8080 counter drop
	}
}
EOF
	run ask tcp 10.0.2.2 8080 10.0.1.2 40070
	[ "$output" = "10.0.1.2:40070" ]
	[ "$(nft_cnt ip nat postrouting)" -eq 0 ]
	nftfw add table ip other
	nftfw add chain ip other unused
	nftfw add rule ip other unused ct state new counter
	run ask tcp 10.0.2.2 8080 10.0.1.2 40071
	[ "$output" = "timeout" ]
	[ "$(nft_cnt ip nat postrouting)" -ge 1 ]
}
