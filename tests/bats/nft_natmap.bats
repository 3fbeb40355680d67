#!/usr/bin/env bats
# nft's nat maps with real traffic through qtablesd in qt_topo's fw:
# client $C (10.0.1.2) -- fw $FW (10.0.1.1 | 10.0.2.1) -- server $S
# with two addresses (10.0.2.2, 10.0.2.3), one server process per
# port answering with the address and port it was reached at and its
# peer. Connections to fw are DNATed through a map (anonymous, named,
# keyed by numgen) to the two servers, redirected through a map of
# ports to local ones; a key the map lacks breaks the
# rule. With QT_ORACLE=1 the same tests run against the kernel's nft:
# every expectation here is what the kernel does.

bats_require_minimum_version 1.5.0

load nft_twin_lib

setup() { oracle_setup qtnatmap topo_natmap; }

# qt_topo with a second address on the server.
topo_natmap() {
	qt_topo || return 1
	ip -n "$S" addr add 10.0.2.3/24 dev qts0
}

# A TCP server in NS (default $S) on PORT (every address) answering
# each connection with "LOCALADDR:LOCALPORT PEERADDR": where_server
# PORT [NS]
where_server() {
	local ns=${2:-$S}
	ip netns exec "$ns" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(64)
while True:
    c, a = s.accept()
    l = c.getsockname()
    c.send(("%s:%d %s\n" % (l[0], l[1], a[0])).encode())
    c.close()
' "$1" >/dev/null 2>&1 3>&- &
	serving "$ns" "$1"
}

# One TCP connection from the client to fw's PORT: the answer,
# "refused" or "timeout".
ask() {
	ip netns exec "$C" "$PY" - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect(("10.0.1.1", int(sys.argv[1])))
    print(s.recv(100).decode().strip())
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
PY
}

@test "nft nat map: address . port to address . port, two servers, a missing key breaks the rule" {
	where_server 8081
	where_server 8082
	nftfw -f - <<'EOF'
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		dnat ip to ip daddr . tcp dport map { 10.0.1.1 . 80 : 10.0.2.2 . 8081, 10.0.1.1 . 81 : 10.0.2.3 . 8082 }
		tcp dport 82 counter
	}
}
EOF
	run ask 80
	[ "$output" = "10.0.2.2:8081 10.0.1.2" ]
	run ask 81
	[ "$output" = "10.0.2.3:8082 10.0.1.2" ]
	# no element: the rule breaks, the next one counts, fw refuses
	run ask 82
	[ "$output" = "refused" ]
	run nftfw list chain ip nat prerouting
	[[ "$output" == *"tcp dport 82 counter packets 1 "* ]]
	[[ "$output" == *"dnat ip to ip daddr . tcp dport map { 10.0.1.1 . 80 : 10.0.2.2 . 8081, 10.0.1.1 . 81 : 10.0.2.3 . 8082 }"* ]]
}

@test "nft nat map: a named map, its elements changed between connections" {
	where_server 8081
	where_server 8082
	nftfw -f - <<'EOF'
table ip nat {
	map svc {
		type ipv4_addr . inet_service : ipv4_addr . inet_service
		elements = { 10.0.1.1 . 80 : 10.0.2.2 . 8081 }
	}
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		meta l4proto tcp dnat ip to ip daddr . th dport map @svc
	}
}
EOF
	run ask 80
	[ "$output" = "10.0.2.2:8081 10.0.1.2" ]
	run ask 81
	[ "$output" = "refused" ]
	nftfw add element ip nat svc '{ 10.0.1.1 . 81 : 10.0.2.3 . 8082 }'
	nftfw delete element ip nat svc '{ 10.0.1.1 . 80 }'
	run ask 81
	[ "$output" = "10.0.2.3:8082 10.0.1.2" ]
	run ask 80
	[ "$output" = "refused" ]
}

@test "nft nat map: numgen inc alternates the connections between the two servers" {
	where_server 8081
	nftfw -f - <<'EOF'
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8081 dnat to numgen inc mod 2 map { 0 : 10.0.2.2, 1 : 10.0.2.3 }
	}
}
EOF
	local got=() i
	for i in 1 2 3 4; do
		got+=("$(ask 8081)")
	done
	[ "${got[0]}" = "10.0.2.2:8081 10.0.1.2" ]
	[ "${got[1]}" = "10.0.2.3:8081 10.0.1.2" ]
	[ "${got[2]}" = "10.0.2.2:8081 10.0.1.2" ]
	[ "${got[3]}" = "10.0.2.3:8081 10.0.1.2" ]
}

@test "nft nat map: snat to a source address chosen by the client's address" {
	where_server 8081
	ip -n "$FW" addr add 10.0.2.9/24 dev qtf1
	nftfw -f - <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "qtf1" snat ip to ip saddr map { 10.0.1.2 : 10.0.2.9 }
	}
}
EOF
	run ask_direct 10.0.2.2 8081
	[ "$output" = "10.0.2.2:8081 10.0.2.9" ]
}

@test "nft nat map: redirect to :tcp dport map, each port to its own local port" {
	where_server 8081 "$FW"
	where_server 8082 "$FW"
	nftfw -f - <<'EOF'
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip protocol tcp redirect to :tcp dport map { 80 : 8081, 81 : 8082 }
	}
}
EOF
	run ask 80
	[ "$output" = "10.0.1.1:8081 10.0.1.2" ]
	run ask 81
	[ "$output" = "10.0.1.1:8082 10.0.1.2" ]
	run ask 82
	[ "$output" = "refused" ]
	run nftfw list chain ip nat prerouting
	[[ "$output" == *"ip protocol tcp redirect to :tcp dport map { 80 : 8081, 81 : 8082 }"* ]]
}

# One TCP connection from the client to DST PORT.
ask_direct() {
	ip netns exec "$C" "$PY" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print(s.recv(100).decode().strip())
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
PY
}
