#!/usr/bin/env bats
# qtables' nft (parser/nft_run.h, daemon/nft_view.h) in qtablesd: its
# tables come back identical, handles and counters included, after a
# restart from the state file and after a handover; a state file whose
# nft lines do not load refuses the start; an input that fails changes
# nothing; a JSON document (nft -j) is one transaction and nft's JSON
# listing reads back. (Each listing is compared with the real nft by
# tests/compat/run-nft.sh.)

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtnft}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	B=$QT_BUILD
	[ -x "$B/qtables" ] && [ -x "$B/qtablesd" ] || {
		echo "no qtables build in $B (set QT_BUILD)" >&2
		return 1
	}
	STATE=$QT_RUN/state/rules.v4
	mkdir -p "$QT_RUN/state"
}

teardown() {
	qt_cleanup
}

qnft() { local ns=$1; shift; ip netns exec "$ns" "$B/nft" "$@"; }

# a ruleset with gaps in its handles (a deleted rule, an anonymous set)
fill() {
	qnft "$1" -f - <<'NFT'
table inet t {
	set s { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 1.2.3.4 }; }
	chain c {
		type filter hook input priority filter; policy drop;
		tcp dport { 22, 80 } counter packets 7 bytes 420 accept
		ip saddr @s drop
		ct state established,related accept
	}
	chain d {
		log prefix "d: " level info
	}
}
table ip u {
	flags dormant
}
table ip k {
	comment "maps, comments, timeouts"
	map svc {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "services"
		elements = { 172.30.0.41 . tcp . 80 : goto ep, 1.2.3.4 . udp . 53 comment "dns" : drop }
	}
	map ports { type inet_proto . inet_service : ipv4_addr; elements = { tcp . 80 : 10.0.0.1 }; }
	set aff { type ipv4_addr; flags dynamic,timeout; timeout 10800s; }
	set tmo { type ipv4_addr; flags timeout; elements = { 10.0.0.1 timeout 30s comment "one", 10.0.0.2 }; }
	chain ep {
		comment "an endpoint"
		ip saddr 10.180.0.1 mark set mark or 0x4000
		update @aff { ip saddr }
		meta l4proto tcp dnat to 10.180.0.1:80
	}
	chain svcs {
		ip daddr . meta l4proto . th dport vmap @svc
		numgen random mod 2 vmap { 0 : goto ep, 1 : goto ep }
		fib saddr type local masquerade fully-random
		mark and 0x4000 == 0 return
	}
}
NFT
	qnft "$1" delete rule inet t c handle 7
	qnft "$1" add rule inet t d counter
	qnft "$1" delete table ip u
}

@test "nft: the tables come back identical after a restart from the state file" {
	qt_ns fw
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	fill "$QT_NS"
	before=$(qnft "$QT_NS" -a list ruleset)
	grep -q '^#nft table inet t {' "$STATE"
	qt_stop_daemon "$QT_NS"
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	after=$(qnft "$QT_NS" -a list ruleset)
	[ "$before" = "$after" ]
	# numbering goes on where it stopped
	grep -q '^#nft 		elements = { 10.0.0.1 timeout 30s comment "one", 10.0.0.2 }$' "$STATE"
	qnft "$QT_NS" add table ip v
	qnft "$QT_NS" -a list table ip v | grep -q '^table ip v { # handle 4$'
	qnft "$QT_NS" add rule inet t d accept
	qnft "$QT_NS" -a list chain inet t d | grep -q 'accept # handle 10$'
}

@test "nft: the tables are the same after a handover to the next daemon" {
	qt_ns fw
	qt_daemon "$QT_NS" --state "$STATE" --handover-wait 5
	fill "$QT_NS"
	# an element's time left goes on running: the same but for
	# expires, which must still be there (the handover keeps it)
	before=$(qnft "$QT_NS" -a list ruleset | sed 's/ expires [0-9hms]*//')
	old=$(cat "$QT_RUN/$QT_NS.pid")
	ip netns exec "$QT_NS" "$B/qtablesd" --state "$STATE" --handover \
		--daemon --pidfile "$QT_RUN/$QT_NS.pid" --handover-wait 0
	for _ in $(seq 100); do qt_alive "$old" || break; sleep 0.05; done
	! qt_alive "$old" || false
	qnft "$QT_NS" list ruleset | grep -q 'timeout 30s expires 29s'
	after=$(qnft "$QT_NS" -a list ruleset | sed 's/ expires [0-9hms]*//')
	[ "$before" = "$after" ]
}

@test "nft: a state file whose nft lines do not load refuses the start" {
	qt_ns fw
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	qnft "$QT_NS" add table ip t
	qt_stop_daemon "$QT_NS"
	# an nft line that does not parse, in a file whose trailer is
	# right for it
	python3 - "$STATE" <<'PY'
import re, sys, zlib
p = sys.argv[1]
text = open(p).read()
body = text[:text.index("# qtablesd end:")]
body = body.replace("#nft table ip t {", "#nft table ip t { chain")
m = re.search(r"# qtablesd end: (\d+) tables", text)
open(p, "w").write(body + "# qtablesd end: %s tables, %d bytes, crc32 %08x\n"
                   % (m.group(1), len(body.encode()), zlib.crc32(body.encode())))
PY
	run -1 timeout 10 ip netns exec "$QT_NS" "$B/qtablesd" --no-datapath --state "$STATE"
	echo "$output"
	[[ "$output" == "qtablesd: not starting: "*"does not restore its nft tables"* ]]
}

@test "nft: an input that fails part way changes nothing and says where" {
	qt_ns fw
	qt_daemon "$QT_NS"
	qnft "$QT_NS" add table ip t
	run -1 qnft "$QT_NS" -f - <<'NFT'
add chain ip t c
add rule ip t c accept
add rule ip t nosuch drop
NFT
	[ "${lines[0]}" = "/dev/stdin:3:15-20: Error: Could not process rule: No such file or directory" ]
	[ "$(qnft "$QT_NS" list ruleset)" = "$(printf 'table ip t {\n}')" ]
}

@test "nft -j: a JSON document is one transaction, its listing reads back, and both survive a restart" {
	qt_ns fw
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	qnft "$QT_NS" -j -f - <<'JSON'
{"nftables": [{"add": {"table": {"family": "inet", "name": "t"}}},
 {"add": {"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}},
 {"add": {"rule": {"family": "inet", "table": "t", "chain": "c", "comment": "ssh", "expr": [
   {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [22, {"range": [8000, 8080]}]}}},
   {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["new", "established"]}},
   {"counter": {"packets": 3, "bytes": 180}}, {"accept": null}]}}}]}
JSON
	[ "$(qnft "$QT_NS" list chain inet t c | sed -n 4p)" = $'\t\ttcp dport { 22, 8000-8080 } ct state established,new counter packets 3 bytes 180 accept comment "ssh"' ]
	listing=$(qnft "$QT_NS" -j list ruleset)
	[[ "$listing" == '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "t", "handle": 1}}, '* ]]
	# a document that fails part way changes nothing
	run -1 qnft "$QT_NS" -j -f - <<'JSON'
{"nftables": [{"add": {"table": {"family": "ip", "name": "more"}}},
 {"add": {"rule": {"family": "inet", "table": "t", "chain": "nosuch", "expr": [{"drop": null}]}}}]}
JSON
	[ "$output" = "internal:0:0-0: Error: Could not process rule: No such file or directory" ]
	[ "$(qnft "$QT_NS" -j list ruleset)" = "$listing" ]
	# nft's own listing is input nft reads back: into an empty ruleset
	# it gives the same ruleset
	qt_stop_daemon "$QT_NS"
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	[ "$(qnft "$QT_NS" -j list ruleset)" = "$listing" ]
	qnft "$QT_NS" flush ruleset
	qnft "$QT_NS" -j -f - <<<"$listing"
	[ "$(qnft "$QT_NS" -j list ruleset | sed 's/"handle": [0-9]*//g')" = "$(sed 's/"handle": [0-9]*//g' <<<"$listing")" ]
}

@test "nft -j: names nft's words cannot say (a blank, a comma, '#', a keyword) survive a restart: the state file quotes them" {
	qt_ns fw
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	qnft "$QT_NS" -j -f - <<'JSON'
{"nftables": [{"add": {"table": {"family": "ip", "name": "a b"}}},
 {"add": {"chain": {"family": "ip", "table": "a b", "name": "counter"}}},
 {"add": {"chain": {"family": "ip", "table": "a b", "name": "x#y"}}},
 {"add": {"set": {"family": "ip", "table": "a b", "name": "s,1", "type": "ipv4_addr"}}},
 {"add": {"map": {"family": "ip", "table": "a b", "name": "v m", "type": "ipv4_addr", "map": "verdict", "elem": [["1.2.3.4", {"jump": {"target": "x#y"}}]]}}},
 {"add": {"rule": {"family": "ip", "table": "a b", "chain": "counter", "expr": [{"jump": {"target": "x#y"}}]}}}]}
JSON
	before=$(qnft "$QT_NS" -a list ruleset)
	echo "$before"
	# nft's listing prints them as they are
	[[ "$before" == *$'\tmap v m {'* ]]
	[[ "$before" == *'elements = { 1.2.3.4 : jump x#y }'* ]]
	grep -q '^#nft table ip "a b" {$' "$STATE"
	grep -q '^#nft 	chain "counter" {$' "$STATE"
	grep -q '^#nft-handles ip "a b" ' "$STATE"
	qt_stop_daemon "$QT_NS"
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	after=$(qnft "$QT_NS" -a list ruleset)
	[ "$before" = "$after" ]
}

@test "nft: names and comments within nft's limits: 255 bytes taken, 256 refused as the kernel refuses, longer as nft's parser does; comments up to 128" {
	qt_ns fw
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	local n255 n256 n257 c128 c129
	n255=$(printf 'a%.0s' $(seq 255))
	n256=${n255}b
	n257=${n256}c
	c128=$(printf 'c%.0s' $(seq 128))
	c129=${c128}d
	qnft "$QT_NS" add table ip "$n255"
	qnft "$QT_NS" add chain ip "$n255" "$n255"
	run -1 qnft "$QT_NS" add table ip "$n256"
	[ "${lines[0]}" = "Error: Could not process rule: Numerical result out of range" ]
	[ "${lines[2]}" = "             $(printf '^%.0s' $(seq 256))" ]
	run -1 qnft "$QT_NS" add chain ip "$n255" "$n257"
	[ "${lines[0]}" = "Error: name too long, 256 characters maximum allowed" ]
	run -1 qnft "$QT_NS" add set ip "$n255" "$n257" '{ type ipv4_addr; }'
	[ "${lines[0]}" = "Error: name too long, 256 characters maximum allowed" ]
	run -1 qnft "$QT_NS" list table ip "$n256"
	[ "$output" = "netlink: Error: cache initialization failed: Numerical result out of range" ]
	run -1 qnft "$QT_NS" add rule ip "$n255" "$n255" counter name "$n256"
	[ "${lines[0]}" = "Error: String exceeds maximum length of 256" ]
	qnft "$QT_NS" add rule ip "$n255" "$n255" counter comment "\"$c128\""
	run -1 qnft "$QT_NS" add rule ip "$n255" "$n255" counter comment "\"$c129\""
	[ "${lines[0]}" = "Error: comment too long, 128 characters maximum allowed" ]
	run -1 qnft "$QT_NS" add table ip t "{ comment \"$c129\"; }"
	[ "${lines[0]}" = "Error: comment too long, 128 characters maximum allowed" ]
	before=$(qnft "$QT_NS" -a list ruleset)
	qt_stop_daemon "$QT_NS"
	qt_daemon "$QT_NS" --no-datapath --state "$STATE"
	[ "$(qnft "$QT_NS" -a list ruleset)" = "$before" ]
}

@test "nft rename chain: packets still reach it under its new name, the jumps of rules and verdict maps follow, and all of it survives a restart" {
	qt_ns fw
	qt_daemon "$QT_NS" --state "$STATE"
	ip netns exec "$QT_NS" ip link set lo up
	qnft "$QT_NS" -f - <<'NFT'
table inet t {
	map vm { type ipv4_addr : verdict; elements = { 127.0.0.2 : jump d }; }
	chain in {
		type filter hook input priority filter; policy accept;
		ip daddr 127.0.0.1 jump d
		ip daddr vmap @vm
		ip daddr vmap { 127.0.0.3 : goto d }
	}
	chain d {
		counter
	}
}
NFT
	qnft "$QT_NS" rename chain inet t d e
	local a
	for a in 127.0.0.1 127.0.0.2 127.0.0.3; do
		ip netns exec "$QT_NS" ping -n -q -c 1 -w 2 "$a" >/dev/null
	done
	run qnft "$QT_NS" list chain inet t e
	echo "$output"
	[[ "$output" == *"counter packets 6 "* ]]
	before=$(qnft "$QT_NS" -a list ruleset)
	[[ "$before" == *"elements = { 127.0.0.2 : jump e }"* ]]
	[[ "$before" == *"ip daddr vmap { 127.0.0.3 : goto e }"* ]]
	# busy while a map element goes to it, as the kernel says
	run -1 qnft "$QT_NS" delete chain inet t e
	[ "${lines[0]}" = "Error: Could not process rule: Device or resource busy" ]
	qt_stop_daemon "$QT_NS"
	qt_daemon "$QT_NS" --state "$STATE"
	[ "$(qnft "$QT_NS" -a list ruleset)" = "$before" ]
}
