#!/usr/bin/env bats
# Errors that point, as a user meets them: qtables-restore --test
# --explain FILE (no daemon), standard input, qtables --explain with the
# words of a command, the same through a running daemon, and the
# daemon's log when a SIGHUP finds a ruleset that does not restore.
# Without --explain, and under the iptables names, the output stays
# iptables-nft's.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtex}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	B=$QT_BUILD
	[ -x "$B/qtables" ] && [ -x "$B/qtablesd" ] || {
		echo "no qtables build in $B (set QT_BUILD)" >&2
		return 1
	}
	DPID=
	RULES=$QT_RUN/rules.v4
	printf '*filter\n:INPUT ACCEPT [0:0]\n# ssh\n-A INPUT -p tcp  --dprot 22 -j ACCEPT\nCOMMIT\n' >"$RULES"
}

teardown() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null || true; }
	qt_cleanup
}

explained_dprot() {
	printf '%s\n' \
		"$1:4:18: unknown option \"--dprot\"" \
		"-A INPUT -p tcp  --dprot 22 -j ACCEPT" \
		"                 ^~~~~~~" \
		"did you mean '--dport'?"
}

@test "explain: qtables-restore --test --explain FILE points at the word, no daemon needed" {
	run -2 --separate-stderr "$B/qtables-restore" --test --explain "$RULES"
	[ -z "$output" ]
	[ "$stderr" = "$(explained_dprot "$RULES")" ]
	# --explain before --test, and without --test (parsed before the
	# daemon is asked: none runs here)
	run -2 --separate-stderr "$B/qtables-restore" --explain --test "$RULES"
	[ "$stderr" = "$(explained_dprot "$RULES")" ]
}

@test "explain: standard input is <stdin>, with no FILE or with -" {
	run -2 --separate-stderr "$B/qtables-restore" --test --explain <"$RULES"
	[ "$stderr" = "$(explained_dprot '<stdin>')" ]
	run -2 --separate-stderr "$B/qtables-restore" --test --explain - <"$RULES"
	[ "$stderr" = "$(explained_dprot '<stdin>')" ]
}

@test "explain: a file that parses prints nothing and exits 0" {
	printf '*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n' >"$QT_RUN/ok.v4"
	run -0 --separate-stderr "$B/qtables-restore" --test --explain "$QT_RUN/ok.v4"
	[ -z "$output$stderr" ]
}

@test "explain: without --explain, and as iptables-restore, the text is iptables-nft's" {
	qt_ns o
	run -2 --separate-stderr ip netns exec "$QT_NS" /usr/sbin/iptables-nft-restore --test "$RULES"
	local want=${stderr//nf_tables/qtables}
	want=${want//iptables-nft-restore/iptables-restore}
	run -2 --separate-stderr "$B/iptables-restore" --test "$RULES"
	[ "$stderr" = "$want" ]
	run -2 --separate-stderr "$B/qtables-restore" --test "$RULES"
	[ "$stderr" = "${want//iptables-restore/qtables-restore}" ]
	# --explain is qtables' own: iptables-restore refuses it as
	# iptables-nft-restore does
	run -1 --separate-stderr "$B/iptables-restore" --test --explain "$RULES"
	[[ "$stderr" == *"unrecognized option '--explain'"* ]]
	[[ "$stderr" == *"Try \`iptables-restore -h' for more information." ]]
}

@test "explain: qtables --explain shows the words of the command line" {
	run -2 --separate-stderr "$B/qtables" --explain -A INPUT -m comment --comment "web in" -m conntrak --ctstate NEW
	[ -z "$output" ]
	[ "$stderr" = "$(printf '%s\n' \
		"<command line>:1:43: Couldn't load match \`conntrak':No such file or directory" \
		"-A INPUT -m comment --comment 'web in' -m conntrak --ctstate NEW" \
		"                                          ^~~~~~~~" \
		"did you mean 'conntrack'?")" ]
	run -2 --separate-stderr "$B/qtables" --explain -A INPUT -p tcp --dport=ssh2 -j ACCEPT
	[ "$stderr" = "$(printf '%s\n' \
		"<command line>:1:25: invalid port/service \`ssh2' specified" \
		"-A INPUT -p tcp --dport=ssh2 -j ACCEPT" \
		"                        ^~~~")" ]
	# nothing close: no suggestion
	run -2 --separate-stderr "$B/qtables" --explain -A INPUT --frobnicate
	[ "${#stderr_lines[@]}" -eq 3 ]
	# as iptables, --explain is an unknown option, as iptables-nft says
	qt_ns o
	run -2 --separate-stderr ip netns exec "$QT_NS" /usr/sbin/iptables-nft --explain -A INPUT
	local want=${stderr//nf_tables/qtables}
	run -2 --separate-stderr "$B/iptables" --explain -A INPUT
	[ "$stderr" = "$want" ]
}

@test "explain: through the daemon, a target and a restore of a file with a blank in its name" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --no-state
	qt "$N" -N LOGDROP
	run -2 --separate-stderr ip netns exec "$N" "$B/qtables" --explain -A INPUT -j LOGDRPO
	[ "$stderr" = "$(printf '%s\n' \
		"<command line>:1:13: Chain 'LOGDRPO' does not exist" \
		"-A INPUT -j LOGDRPO" \
		"            ^~~~~~~" \
		"did you mean 'LOGDROP'?")" ]
	# and iptables' own text without --explain
	run -2 --separate-stderr ip netns exec "$N" "$B/qtables" -A INPUT -j LOGDRPO
	[ "$stderr" = "$(printf '%s\n' \
		"qtables v1.8.9 (qtables): Chain 'LOGDRPO' does not exist" \
		"Try \`qtables -h' or 'qtables --help' for more information.")" ]
	# a restore the daemon runs: the first block commits, the second
	# fails where the kernel (here the daemon) finds the rule missing
	local f="$QT_RUN/my rules%.v4"
	printf '*filter\n-A INPUT -j ACCEPT\nCOMMIT\n*filter\n-D INPUT -j DROP\nCOMMIT\n' >"$f"
	run -1 --separate-stderr ip netns exec "$N" "$B/qtables-restore" --noflush --explain "$f"
	[ "$stderr" = "$(printf '%s\n' \
		"$f:5:1: Bad rule (does a matching rule exist in that chain?)" \
		"-D INPUT -j DROP" \
		"^~")" ]
	[ "$(qt "$N" -S INPUT)" = "$(printf -- '-P INPUT ACCEPT\n-A INPUT -j ACCEPT')" ]
}

@test "explain: the daemon's log shows a ruleset SIGHUP could not load at its line" {
	qt_ns n; local N=$QT_NS
	local state=$QT_RUN/state.v4
	ip netns exec "$N" "$B/qtablesd" --no-datapath --no-syslog --state "$state" 2>"$QT_RUN/err" &
	DPID=$!
	for _ in $(seq 100); do qt_ready "$N" && break; sleep 0.05; done
	qt "$N" -A INPUT -p udp --dport 53 -j ACCEPT
	printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -m conntrak --ctstate NEW -j ACCEPT\nCOMMIT\n' >"$state"
	kill -HUP "$DPID"
	for _ in $(seq 100); do grep -q 'not loaded' "$QT_RUN/err" && break; sleep 0.05; done
	cat "$QT_RUN/err"
	grep -q "^qtablesd: SIGHUP: recovery file $state does not restore: .*; $state not loaded; the running ruleset stays\$" "$QT_RUN/err"
	for _ in $(seq 20); do [ "$(grep -c 'did you mean' "$QT_RUN/err")" -eq 1 ] && break; sleep 0.05; done
	[ "$(grep -A4 'not loaded' "$QT_RUN/err" | tail -n 4)" = "$(printf '%s\n' \
		"qtablesd: $state:3:38: Couldn't load match \`conntrak':No such file or directory" \
		"qtablesd: -A INPUT -p tcp -m tcp --dport 22 -m conntrak --ctstate NEW -j ACCEPT" \
		"qtablesd:                                      ^~~~~~~~" \
		"qtablesd: did you mean 'conntrack'?")" ]
	# the running rules stay
	qt "$N" -C INPUT -p udp --dport 53 -j ACCEPT
}
