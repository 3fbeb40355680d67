#!/usr/bin/env bats
# qtables -L --graph [-t TABLE]: the chains and the jumps and gotos of a
# table as Graphviz dot, read from a running daemon; dot renders it.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=qtgr$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	qt_ns fw || return 1
	FW=$QT_NS
	qt_daemon "$FW" --no-state --no-datapath
}

teardown() {
	qt_cleanup
}

graph() { ip netns exec "$FW" "$QT_BUILD/qtables" "$@"; }

load_example() {
	qt_restore "$FW" <<'R'
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:log-drop - [0:0]
:ssh - [0:0]
:ssh-ok - [0:0]
:web - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ssh
-A INPUT -p tcp -m multiport --dports 80,443 -g web
-A INPUT -j log-drop
-A ssh -s 10.0.0.0/8 -m comment --comment "an \"admin\" network, named in a comment long enough to be cut" -j ssh-ok
-A ssh -j log-drop
-A web -j ACCEPT
-A log-drop -j LOG --log-prefix "drop: "
-A log-drop -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:masq - [0:0]
-A POSTROUTING -o eth0 -j masq
-A masq -j MASQUERADE
COMMIT
R
}

@test "--graph: nodes with policies, edges for jumps (solid) and gotos (dashed) with rule numbers and matches" {
	load_example
	run graph -L --graph
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'digraph "filter" {' ]
	grep -qx $'\t"INPUT" \\[label="INPUT\\\\npolicy DROP\\\\n4 rules", style=bold\\];' <<<"$output"
	grep -qx $'\t"FORWARD" \\[label="FORWARD\\\\npolicy ACCEPT\\\\n0 rules", style=bold\\];' <<<"$output"
	grep -qx $'\t"web" \\[label="web\\\\n1 rule", style=rounded\\];' <<<"$output"
	grep -qxF $'\t"INPUT" -> "ssh" [label="#2 -p tcp -m tcp --dport 22"];' <<<"$output"
	grep -qxF $'\t"INPUT" -> "web" [label="#3 -p tcp -m multiport --dports 80,443", style=dashed];' <<<"$output"
	grep -qxF $'\t"INPUT" -> "log-drop" [label="#4"];' <<<"$output"
	grep -qxF $'\t"ssh" -> "log-drop" [label="#2"];' <<<"$output"
	# a long match text is cut, its quotes escaped
	grep -qxF $'\t"ssh" -> "ssh-ok" [label="#1 -s 10.0.0.0/8 -m comment --comment \\"an \\\\\\"admi..."];' <<<"$output"
	# exactly these edges: verdicts are no nodes
	[ "$(grep -c -- ' -> ' <<<"$output")" -eq 5 ]
	! grep -q -- '-> "ACCEPT"\|-> "DROP"\|-> "LOG"' <<<"$output" || false
	# dot reads it
	command -v dot >/dev/null || skip "graphviz missing"
	graph -L --graph | dot -Tsvg > "$QT_RUN/g.svg"
	grep -q '<svg' "$QT_RUN/g.svg"
	grep -q '>ssh&#45;ok<\|>ssh-ok<' "$QT_RUN/g.svg"
}

@test "--graph -t nat, and a table not created yet: its built-in chains" {
	load_example
	run graph -t nat -L --graph
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'digraph "nat" {' ]
	grep -qxF $'\t"POSTROUTING" -> "masq" [label="#1 -o eth0"];' <<<"$output"
	run graph -L --graph --table=raw
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx $'\t"PREROUTING" \\[label="PREROUTING\\\\npolicy ACCEPT\\\\n0 rules", style=bold\\];' <<<"$output"
	[ "$(grep -c -- ' -> ' <<<"$output")" -eq 0 ]
	graph -L --graph -t raw | dot -Tsvg >/dev/null
}

@test "--graph refuses what does not go with it" {
	run -2 graph --graph
	[ "$output" = "qtables: --graph: it is an option of -L (usage: qtables -L --graph [-t TABLE])" ]
	run -2 graph -L --graph -v
	[ "$output" = "qtables: --graph: \`-v' does not go with it (usage: qtables -L --graph [-t TABLE])" ]
	run -2 graph -L INPUT --graph
	[[ "$output" == *"\`INPUT' does not go with it (the whole table is drawn, not one chain)"* ]]
	run -2 graph -A INPUT -j ACCEPT --graph
	run -2 graph -L --graph -t nosuch
	[ "$output" = "qtables: --graph: no table named \`nosuch' (usage: qtables -L --graph [-t TABLE])" ]
	run -2 graph -L --graph -t
	run -2 graph -L -Z --graph
	# and nothing was changed by any of them
	[ -z "$(qt "$FW" -S INPUT | grep -v '^-P')" ]
}

@test "--graph without a daemon fails as -L does" {
	qt_stop_daemon "$FW"
	run graph -L --graph
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot reach qtablesd"* ]]
}
