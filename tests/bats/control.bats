#!/usr/bin/env bats
# The programs end to end: the control socket and its namespace scoping,
# the peer credential check, the state file, the multi-call names, and
# bad input thrown at the daemon. Each test makes its own namespaces
# (prefix below) and removes them in teardown, even when it fails.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtbats}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	B=$QT_BUILD
	[ -x "$B/qtables" ] && [ -x "$B/qtablesd" ] || {
		echo "no qtables build in $B (set QT_BUILD)" >&2
		return 1
	}
}

teardown() {
	qt_cleanup
	[ -z "${U:-}" ] || rm -rf "$U"
}

# ---- helpers ----

# The daemon's PID in namespace $1.
dpid() { cat "$QT_RUN/$1.pid"; }

# save without the two date lines, which change every second
live() { local ns=$1; shift; qt_save "$ns" "$@" | grep -v '^#'; }

# The rules of state file $1: the file without its header and trailer.
state_rules() { sed '1d;$d' "$1"; }

# Run a command in namespace $1 as the program name $2 (qtables,
# iptables-restore, ...) from the build dir.
as() { local ns=$1 name=$2; shift 2; ip netns exec "$ns" "$B/$name" "$@"; }

# Check that the daemon of $1 (PID $2) is alive and the ruleset is still
# exactly $3 (a `live -c` text).
unchanged() {
	local ns=$1 pid=$2 want=$3 now
	kill -0 "$pid" || { echo "qtablesd ($pid) died" >&2; return 1; }
	now=$(live "$ns" -c)
	[ "$now" = "$want" ] || {
		echo "ruleset changed:" >&2
		diff <(echo "$want") <(echo "$now") >&2
		return 1
	}
}

# Send raw bytes (stdin) to the control socket of namespace $1, with the
# proof of privilege the client sends, and print the reply. The request is
# written whole even if the daemon stops reading.
raw_request() {
	ip netns exec "$1" env PYTHONPATH="$QT_TOP/tests/lib" python3 -c '
import socket, sys, qtctl
data = sys.stdin.buffer.read()
s = qtctl.connect()
try:
    qtctl.send_request(s, data)
except (BrokenPipeError, ConnectionResetError):
    pass
sys.stdout.buffer.write(qtctl.read_reply(s))
'
}

# A ruleset with counters in two tables, as qtables-save -c prints it.
sample_rules() {
	cat <<'EOF'
*filter
:INPUT DROP [10:1000]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [5:500]
:web - [0:0]
[3:180] -A INPUT -p tcp -m tcp --dport 80 -j web
[7:420] -A INPUT -s 10.0.0.0/8 -j ACCEPT
[0:0] -A INPUT -i lo -j ACCEPT
[1:60] -A web -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [1:2]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [3:4]
[5:6] -A PREROUTING -d 1.2.3.4/32 -p tcp -m tcp --dport 80
COMMIT
EOF
}

# ---- the control socket is scoped to the network namespace ----

@test "ip netns exec NS qtables reaches the daemon of NS and no other" {
	qt_ns a; local A=$QT_NS
	qt_ns b; local Bn=$QT_NS
	qt_daemon "$A"
	qt_daemon "$Bn"
	as "$A" qtables -A INPUT -s 10.0.0.1 -j ACCEPT
	as "$Bn" qtables -N only-b
	as "$Bn" qtables -A OUTPUT -d 10.0.0.2 -j only-b
	printf '*filter\n-A FORWARD -s 192.0.2.0/24 -j DROP\nCOMMIT\n' |
		as "$A" qtables-restore --noflush

	run --separate-stderr as "$A" qtables -S
	[ "$status" -eq 0 ]
	[ "$output" = "-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-A INPUT -s 10.0.0.1/32 -j ACCEPT
-A FORWARD -s 192.0.2.0/24 -j DROP" ]

	run --separate-stderr as "$Bn" qtables -S
	[ "$status" -eq 0 ]
	[ "$output" = "-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-N only-b
-A OUTPUT -d 10.0.0.2/32 -j only-b" ]

	run as "$A" qtables-save
	[[ "$output" != *only-b* ]]
	run as "$Bn" qtables-save
	[[ "$output" != *10.0.0.1* ]]
	# each daemon really runs in its own namespace
	[ "$(readlink /proc/"$(dpid "$A")"/ns/net)" != "$(readlink /proc/"$(dpid "$Bn")"/ns/net)" ]
	[ "$(readlink /proc/"$(dpid "$A")"/ns/net)" = "$(ip netns exec "$A" readlink /proc/self/ns/net)" ]
}

@test "a second qtablesd in the same namespace is refused" {
	qt_ns a
	qt_daemon "$QT_NS"
	run ip netns exec "$QT_NS" "$B/qtablesd" --no-state
	[ "$status" -eq 1 ]
	[[ "$output" == *"another qtablesd runs in this network namespace"* ]]
	kill -0 "$(dpid "$QT_NS")"
}

# ---- without a daemon ----

@test "without qtablesd every qtables command fails with a clear message and exit 1" {
	qt_ns empty
	run --separate-stderr as "$QT_NS" qtables -A INPUT -j ACCEPT
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "qtables v1.8.9 (qtables): cannot reach qtablesd in this network namespace"* ]]
	run --separate-stderr as "$QT_NS" qtables -S
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot reach qtablesd"* ]]
	run --separate-stderr as "$QT_NS" qtables-save
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"cannot reach qtablesd"* ]]
	run --separate-stderr as "$QT_NS" qtables-restore < <(sample_rules)
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot reach qtablesd"* ]]
	# and nothing reached the kernel's tables
	[ -z "$(ipt_save "$QT_NS")" ]
}

# A namespace with neither a qtablesd nor qtables' steering chains (a
# container's, where dockerd makes its DNS rules): the iptables names
# are the kernel's iptables-nft there, arguments and standard input
# passed on, so the rules land in the kernel's tables.
@test "without qtablesd and steering, the iptables names are the kernel's iptables-nft" {
	qt_ns bare
	run --separate-stderr as "$QT_NS" iptables -t nat -N DOCKER_OUTPUT
	[ "$status" -eq 0 ]
	as "$QT_NS" iptables -t nat -A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT
	as "$QT_NS" iptables -t nat -A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp \
		--dport 53 -j DNAT --to-destination 127.0.0.11:40000
	ipt_save "$QT_NS" -t nat | grep -qx -- '-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:40000'
	ipt_save "$QT_NS" -t nat | grep -qx -- '-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT'
	# -V and -h are answered by the program itself (it is qtables that
	# the name leads to), with or without a daemon
	run as "$QT_NS" iptables -V
	[ "$output" = "iptables v1.8.9 (qtables)" ]
	# restore reads its standard input; save prints the kernel's tables
	as "$QT_NS" iptables-restore < <(sample_rules)
	ipt_save "$QT_NS" -t filter | grep -qx -- '-A web -j ACCEPT'
	run --separate-stderr as "$QT_NS" iptables-save -t filter
	[ "$status" -eq 0 ]
	[[ "$output" == *"-A INPUT -p tcp -m tcp --dport 80 -j web"* ]]
	# errors and exit codes are the kernel's iptables' own
	run --separate-stderr as "$QT_NS" iptables -A nosuch -j ACCEPT
	[ "$status" -eq 1 ]
	[ "$stderr" = "iptables: No chain/target/match by that name." ]
	# ip6tables too
	as "$QT_NS" ip6tables -A INPUT -s 2001:db8::1 -j DROP
	ip netns exec "$QT_NS" ip6tables-nft-save | grep -qx -- '-A INPUT -s 2001:db8::1/128 -j DROP'
	# qtables' own names never do
	run --separate-stderr as "$QT_NS" qtables -S
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot reach qtablesd"* ]]
}

# Packets still steered to a queue nobody serves (a qtablesd killed
# with -9 leaves its steering): the iptables names refuse as before,
# and nothing goes to the kernel's tables.
@test "without qtablesd but with its steering chains, the iptables names refuse" {
	qt_ns steered
	qt_daemon "$QT_NS"
	ipt_save "$QT_NS" -t raw | grep -q '^:QTABLES-'
	kill -9 "$(dpid "$QT_NS")"
	for _ in $(seq 50); do qt_alive "$(dpid "$QT_NS")" || break; sleep 0.05; done
	rm -f "$QT_RUN/$QT_NS.pid"
	ipt_save "$QT_NS" -t raw | grep -q '^:QTABLES-'
	local name
	for name in iptables ip6tables; do
		run --separate-stderr as "$QT_NS" "$name" -A INPUT -j ACCEPT
		[ "$status" -eq 1 ]
		[[ "$stderr" == "$name v1.8.9 (qtables): cannot reach qtablesd in this network namespace"* ]]
	done
	run --separate-stderr as "$QT_NS" iptables-save
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot reach qtablesd"* ]]
	run --separate-stderr as "$QT_NS" iptables-restore < <(sample_rules)
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot reach qtablesd"* ]]
	! ipt_save "$QT_NS" -t filter | grep -q -- '-A INPUT' || false
	# a steering chain alone in ip6's raw table refuses as well
	qt_ns steered6
	ip netns exec "$QT_NS" ip6tables-nft -t raw -N QTABLES-RAW-OUT
	run --separate-stderr as "$QT_NS" iptables -S
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot reach qtablesd"* ]]
}

@test "qtables-restore --test checks a good file offline" {
	qt_ns empty
	run --separate-stderr as "$QT_NS" qtables-restore --test < <(sample_rules)
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	run --separate-stderr as "$QT_NS" iptables-restore -t -c < <(sample_rules)
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# and nothing was started or left behind to do it
	run as "$QT_NS" qtables -S
	[ "$status" -eq 1 ]
}

@test "qtables-restore --test on bad files: iptables' message and exit code" {
	# (only files iptables itself rejects in --test mode: it does not
	# look up chains or policies there, so those are not compared)
	# (a daemon in qtables' namespace: without one and without its
	# steering, the iptables names are the kernel's iptables-nft)
	qt_ns empty; local E=$QT_NS
	qt_daemon "$E"
	qt_ns oracle; local O=$QT_NS
	# the oracle under the same program name, so messages compare whole
	local od; od=$(mktemp -d "$QT_RUN/oracle.XXXXXX")
	ln -s /usr/sbin/xtables-nft-multi "$od/iptables-restore"
	local files=(
		'*filter\n-A INPUT --bogus\nCOMMIT\n'
		'*nosuch\nCOMMIT\n'
		'*filter\n-A INPUT -j ACCEPT\n'
		'*filter\n-A INPUT -p tcp --dport 99999\nCOMMIT\n'
		'*filter\n-A INPUT -s 1.2.3.4/33\nCOMMIT\n'
		'*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p nosuchproto\nCOMMIT\n'
		'*filter\n-A INPUT -j ACCEPT\nCOMMIT\n*nat\n-A OUTPUT --bogus\nCOMMIT\n'
	)
	local f want_out want_st got_out got_st
	for f in "${files[@]}"; do
		want_st=0 got_st=0
		want_out=$(printf "$f" | ip netns exec "$O" "$od/iptables-restore" --test 2>&1) || want_st=$?
		got_out=$(printf "$f" | as "$E" iptables-restore --test 2>&1) || got_st=$?
		echo "file: $f"
		echo "iptables ($want_st): $want_out"
		echo "qtables  ($got_st): $got_out"
		[ "$want_st" -ne 0 ]
		[ "$got_st" -eq "$want_st" ]
		[ "$got_out" = "${want_out//(nf_tables)/(qtables)}" ]
	done
}

# ---- peer credentials ----

# The programs copied where an unprivileged user may run them.
unpriv_bin() {
	U=$(mktemp -d /tmp/qtbats-bin.XXXXXX)
	chmod 755 "$U"
	install -m 755 "$B/qtables" "$U/qtables"
	ln -s qtables "$U/qtables-save"
	ln -s qtables "$U/qtables-restore"
}

@test "the daemon refuses a user without CAP_NET_ADMIN and accepts root" {
	qt_ns cred; local N=$QT_NS
	qt_daemon "$N"
	unpriv_bin
	as "$N" qtables -A INPUT -s 10.9.9.9 -j ACCEPT
	local pid; pid=$(dpid "$N")
	local before; before=$(live "$N" -c)
	local who
	for who in "setpriv --reuid=65534 --regid=65534 --clear-groups" \
		   "runuser -u nobody --" \
		   "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps +net_raw --ambient-caps +net_raw"; do
		run --separate-stderr ip netns exec "$N" $who "$U/qtables" -A INPUT -j DROP
		echo "$who: $status $stderr"
		[ "$status" -ne 0 ]
		[ "$stderr" = "qtables v1.8.9 (qtables): Could not fetch rule set generation id: Permission denied (you must be root)" ]
		[ "$status" -eq 4 ]
		run --separate-stderr ip netns exec "$N" $who "$U/qtables-save"
		[ "$status" -eq 4 ]
		[ -z "$output" ]
		[[ "$stderr" == *"Permission denied (you must be root)"* ]]
		run --separate-stderr ip netns exec "$N" $who "$U/qtables-restore" < <(sample_rules)
		[ "$status" -eq 4 ]
		[[ "$stderr" == *"Permission denied (you must be root)"* ]]
	done
	unchanged "$N" "$pid" "$before"
	# root is accepted
	run as "$N" qtables -A INPUT -j DROP
	[ "$status" -eq 0 ]
	[[ "$(live "$N")" == *"-A INPUT -j DROP"* ]]
}

@test "a non-root peer holding CAP_NET_ADMIN is accepted" {
	qt_ns cap; local N=$QT_NS
	qt_daemon "$N"
	unpriv_bin
	local cap="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps +net_admin --ambient-caps +net_admin"
	run --separate-stderr ip netns exec "$N" $cap "$U/qtables" -A INPUT -s 10.1.2.3 -j ACCEPT
	echo "$status $stderr"
	[ "$status" -eq 0 ]
	run --separate-stderr ip netns exec "$N" $cap "$U/qtables-save"
	[ "$status" -eq 0 ]
	[[ "$output" == *"-A INPUT -s 10.1.2.3/32 -j ACCEPT"* ]]
}

# ---- the state file ----

@test "state file: rules and counters survive SIGTERM and a restart" {
	qt_ns st; local N=$QT_NS
	local state=$QT_RUN/state/rules.v4
	qt_daemon "$N" --state "$state"
	sample_rules | as "$N" qtables-restore -c
	as "$N" qtables -N extra
	as "$N" qtables -A extra -p tcp --dport 22 -j ACCEPT
	as "$N" qtables -t nat -A OUTPUT -d 192.0.2.1 -j ACCEPT
	local before; before=$(live "$N" -c)
	[[ "$before" == *"[7:420] -A INPUT -s 10.0.0.0/8 -j ACCEPT"* ]]
	# the file is the ruleset as save -c prints it, between a header
	# and a trailer that proves it whole
	[ "$(state_rules "$state")" = "$before" ]
	head -n 1 "$state" | grep -q '^# qtablesd state file'
	tail -n 1 "$state" | grep -q '^# qtablesd end: 2 tables, '

	local pid; pid=$(dpid "$N")
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$pid" 2>/dev/null || false
	run as "$N" qtables -S
	[ "$status" -eq 1 ]

	qt_daemon "$N" --state "$state"
	[ "$(dpid "$N")" != "$pid" ]
	[ "$(live "$N" -c)" = "$before" ]
	run as "$N" qtables -L extra -n
	[ "$status" -eq 0 ]
}

@test "state file: a commit is on disk before the reply (SIGKILL loses nothing)" {
	qt_ns st; local N=$QT_NS
	local state=$QT_RUN/rules.v4
	qt_daemon "$N" --state "$state"
	as "$N" qtables -A INPUT -s 10.0.0.1 -j ACCEPT
	as "$N" qtables -P FORWARD DROP
	local before; before=$(live "$N" -c)
	kill -KILL "$(dpid "$N")"
	sleep 0.2
	rm -f "$QT_RUN/$N.pid"
	qt_daemon "$N" --state "$state"
	[ "$(live "$N" -c)" = "$before" ]
}

@test "state file: replaced atomically, never seen half-written, no .tmp left" {
	qt_ns st; local N=$QT_NS
	local dir=$QT_RUN/sdir state=$QT_RUN/sdir/rules.v4
	qt_daemon "$N" --state "$state"
	# a ruleset large enough that a write takes several system calls
	{
		echo '*filter'
		for i in $(seq 3000); do echo "-A FORWARD -s 10.$((i / 256)).$((i % 256)).1 -j ACCEPT"; done
		echo COMMIT
	} | as "$N" qtables-restore
	# a reader copies the file over and over while 40 commits replace it
	(
		bad=0 n=0
		while [ ! -e "$QT_RUN/stop" ] && [ "$n" -lt 5000 ]; do
			cp "$state" "$QT_RUN/snap" 2>/dev/null || continue
			n=$((n + 1))
			tail -n 1 "$QT_RUN/snap" | grep -q '^# qtablesd end: ' &&
				[ "$(grep -c -- '-A FORWARD' "$QT_RUN/snap")" = 3000 ] || bad=$((bad + 1))
		done
		echo "$n $bad" >"$QT_RUN/reader"
	) &
	local reader=$!
	for i in $(seq 40); do
		as "$N" qtables -A INPUT -s "192.0.2.$i" -j ACCEPT
	done
	touch "$QT_RUN/stop"
	wait "$reader"
	read -r n bad <"$QT_RUN/reader"
	echo "reader: $n copies, $bad incomplete"
	[ "$n" -gt 0 ]
	[ "$bad" -eq 0 ]
	# replaced by rename, not rewritten in place: a reader that opened
	# the old file still reads all of the old content afterwards
	local old; old=$(cat "$state")
	local fd
	exec {fd}<"$state"
	as "$N" qtables -A INPUT -s 198.51.100.1 -j ACCEPT
	[ "$(cat <&"$fd")" = "$old" ]
	[ "$(stat -L -c %i /proc/$$/fd/"$fd")" != "$(stat -c %i "$state")" ]
	exec {fd}<&-
	[ "$(cat "$state")" != "$old" ]
	[ "$(ls -A "$dir")" = "rules.v4" ]
	[ "$(grep -c -- '-A INPUT' "$state")" -eq 41 ]
	[ "$(state_rules "$state")" = "$(live "$N" -c)" ]
}

@test "a failed transaction changes neither the ruleset nor the state file" {
	qt_ns st; local N=$QT_NS
	local state=$QT_RUN/rules.v4
	qt_daemon "$N" --state "$state"
	sample_rules | as "$N" qtables-restore -c
	local pid; pid=$(dpid "$N")
	local before; before=$(live "$N" -c)
	local ino; ino=$(stat -c %i "$state")
	local sum; sum=$(md5sum <"$state")

	# a restore whose last line is bad: nothing of it is applied
	run as "$N" qtables-restore <<'EOF'
*filter
:INPUT ACCEPT [0:0]
-F
-A INPUT -s 10.0.0.99 -j ACCEPT
-A INPUT --no-such-option
COMMIT
EOF
	[ "$status" -eq 2 ]
	run as "$N" qtables-restore --noflush <<'EOF'
*filter
-A INPUT -j DROP
-A INPUT -j no-such-chain
COMMIT
EOF
	[ "$status" -ne 0 ]
	run as "$N" qtables-restore <<'EOF'
*filter
-X web
COMMIT
EOF
	[ "$status" -ne 0 ]
	# bad commands
	run as "$N" qtables -A NOSUCH -j ACCEPT
	[ "$status" -eq 1 ]
	run as "$N" qtables -D INPUT 99
	[ "$status" -eq 1 ]
	run as "$N" qtables -X web
	[ "$status" -ne 0 ]
	run as "$N" qtables -A INPUT -p tcp --dport 70000 -j ACCEPT
	[ "$status" -eq 2 ]
	run as "$N" qtables -t nosuch -A INPUT
	[ "$status" -ne 0 ]
	run as "$N" qtables -P web DROP
	[ "$status" -ne 0 ]
	# read-only requests change nothing either
	as "$N" qtables -L -n -v >/dev/null
	as "$N" qtables-save -c >/dev/null
	as "$N" qtables -C INPUT -s 10.0.0.0/8 -j ACCEPT

	unchanged "$N" "$pid" "$before"
	[ "$(stat -c %i "$state")" = "$ino" ]
	[ "$(md5sum <"$state")" = "$sum" ]
	[ "$(ls -A "$QT_RUN" | grep -c tmp)" -eq 0 ]
}

@test "a change that cannot be saved is not applied and says why" {
	qt_ns st; local N=$QT_NS
	local dir=$QT_RUN/sdir
	qt_daemon "$N" --state "$dir/rules.v4"
	as "$N" qtables -A INPUT -s 10.0.0.1 -j ACCEPT
	local pid; pid=$(dpid "$N")
	local before; before=$(live "$N" -c)
	# the state directory turns into a file: writing there must fail
	rm -rf "$dir"
	touch "$dir"
	run --separate-stderr as "$N" qtables -A INPUT -s 10.0.0.2 -j ACCEPT
	echo "$status $stderr"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"cannot write"*"not applied"* ]]
	unchanged "$N" "$pid" "$before"
	# once the directory is back, commits are saved again
	rm -f "$dir"
	as "$N" qtables -A INPUT -s 10.0.0.3 -j ACCEPT
	[ "$(state_rules "$dir/rules.v4")" = "$(live "$N" -c)" ]
}

@test "save -t TABLE: a table not yet made is its built-in chains, an unknown one is refused, as iptables-nft-save" {
	qt_ns sv; local N=$QT_NS
	qt_ns svo; local O=$QT_NS
	qt_daemon "$N"
	qt "$N" -A INPUT -j ACCEPT
	ipt "$O" -A INPUT -j ACCEPT
	local args want got
	for args in "-t mangle" "-t raw" "-t security" "-t nat" "-c -t mangle" "" "-t foo"; do
		# shellcheck disable=SC2086 # the words of args
		want=$(ip netns exec "$O" iptables-nft-save $args 2>&1; echo "rc=$?")
		# shellcheck disable=SC2086
		got=$(qt_save "$N" $args 2>&1; echo "rc=$?")
		[ "$(grep -v '^#' <<<"$got")" = "$(grep -v '^#' <<<"$want")" ] ||
			{ echo "save $args: iptables-nft-save: $want"; echo "qtables: $got"; return 1; }
	done
	[ "$(qt_save "$N" -t raw | grep -v '^#')" = "$(printf '%s\n' '*raw' \
		':PREROUTING ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' COMMIT)" ]
	run --separate-stderr qt_save "$N" -t foo
	[ "$status" -eq 1 ]
	[ "$stderr" = "Table \`foo' does not exist" ]
	# a save of every table still shows only those that exist
	[ "$(qt_save "$N" | grep -c '^\*')" -eq 1 ]
}

# ---- the multi-call names ----

@test "multi-call names: one program, twelve names, iptables -V and ip6tables -V" {
	local n
	[ -f "$B/qtables" ] && [ ! -L "$B/qtables" ]
	for n in qtables-save qtables-restore iptables iptables-save iptables-restore \
		qtables6 qtables6-save qtables6-restore ip6tables ip6tables-save ip6tables-restore; do
		[ -L "$B/$n" ]
		[ "$(readlink -f "$B/$n")" = "$(readlink -f "$B/qtables")" ]
	done
	for n in qtables qtables-save qtables-restore iptables iptables-save iptables-restore \
		qtables6 qtables6-save qtables6-restore ip6tables ip6tables-save ip6tables-restore; do
		run --separate-stderr "$B/$n" -V
		[ "$status" -eq 0 ]
		[ "$output" = "$n v1.8.9 (qtables)" ]
	done
	# exactly this line: tools parse it
	[ "$("$B/iptables" -V)" = "iptables v1.8.9 (qtables)" ]
	[ "$("$B/iptables" --version)" = "iptables v1.8.9 (qtables)" ]
	[ "$("$B/ip6tables" -V)" = "ip6tables v1.8.9 (qtables)" ]
	[ "$("$B/ip6tables" --version)" = "ip6tables v1.8.9 (qtables)" ]
}

@test "multi-call names: each name does its job and speaks under its name" {
	qt_ns mc; local N=$QT_NS
	qt_daemon "$N"
	as "$N" iptables -A INPUT -s 10.0.0.1 -j ACCEPT
	as "$N" qtables -A INPUT -s 10.0.0.2 -j ACCEPT
	printf '*filter\n-A INPUT -s 10.0.0.3/32 -j ACCEPT\nCOMMIT\n' | as "$N" iptables-restore -n
	printf '*filter\n-A INPUT -s 10.0.0.4/32 -j ACCEPT\nCOMMIT\n' | as "$N" qtables-restore -n
	local a b
	a=$(as "$N" iptables-save | grep -v '^#')
	b=$(as "$N" qtables-save | grep -v '^#')
	[ "$a" = "$b" ]
	[ "$(echo "$a" | grep -c '^-A INPUT -s 10.0.0.[1-4]/32 -j ACCEPT$')" -eq 4 ]
	[[ "$(as "$N" iptables-save | head -1)" == "# Generated by iptables-save v1.8.9 (qtables) on "* ]]
	run --separate-stderr as "$N" iptables -A INPUT --bogus
	[ "$status" -eq 2 ]
	[[ "$stderr" == "iptables v1.8.9 (qtables): unknown option \"--bogus\""* ]]
	run --separate-stderr as "$N" qtables -A INPUT --bogus
	[ "$status" -eq 2 ]
	[[ "$stderr" == "qtables v1.8.9 (qtables): unknown option \"--bogus\""* ]]
	# the IPv6 names: the daemon's other ruleset, the IPv4 one untouched
	as "$N" ip6tables -A INPUT -s ::1 -j ACCEPT
	as "$N" qtables6 -A INPUT -s ::2 -j ACCEPT
	printf '*filter\n-A INPUT -s ::3/128 -j ACCEPT\nCOMMIT\n' | as "$N" ip6tables-restore -n
	printf '*filter\n-A INPUT -s ::4/128 -j ACCEPT\nCOMMIT\n' | as "$N" qtables6-restore -n
	a=$(as "$N" ip6tables-save | grep -v '^#')
	b=$(as "$N" qtables6-save | grep -v '^#')
	[ "$a" = "$b" ]
	[ "$(echo "$a" | grep -c '^-A INPUT -s ::[1-4]/128 -j ACCEPT$')" -eq 4 ]
	[ "$(as "$N" iptables-save | grep -c '^-A ')" -eq 4 ]
	[[ "$(as "$N" ip6tables-save | head -1)" == "# Generated by ip6tables-save v1.8.9 (qtables) on "* ]]
	run --separate-stderr as "$N" ip6tables -A INPUT --bogus
	[ "$status" -eq 2 ]
	[[ "$stderr" == "ip6tables v1.8.9 (qtables): unknown option \"--bogus\""* ]]
	run --separate-stderr as "$N" qtables6 -A INPUT --bogus
	[ "$status" -eq 2 ]
	[[ "$stderr" == "qtables6 v1.8.9 (qtables): unknown option \"--bogus\""* ]]
}

# ---- bad input: never a crash or a hang, nothing half-applied ----

# Sets N, PID and BEFORE: a daemon with a committed ruleset.
bad_input_setup() {
	qt_ns bad; N=$QT_NS
	qt_daemon "$N" --state "$QT_RUN/rules.v4"
	sample_rules | as "$N" qtables-restore -c
	PID=$(dpid "$N")
	BEFORE=$(live "$N" -c)
}

# Run a restore of file $1 (bounded in time); fails on a crash or hang,
# or when a failed transaction changed the ruleset.
restore_bad() {
	run timeout 60 ip netns exec "$N" "$B/qtables-restore" "${@:2}" <"$1"
	echo "status $status: ${output:0:300}"
	[ "$status" -ne 124 ] && [ "$status" -lt 128 ]
	[ "$status" -ne 0 ]
	[ -n "$output" ]
	unchanged "$N" "$PID" "$BEFORE"
	[ "$(state_rules "$QT_RUN/rules.v4")" = "$BEFORE" ]
}

@test "bad input: random bytes to qtables-restore" {
	bad_input_setup
	local f=$QT_RUN/garbage i
	for i in 1 2 3; do
		head -c 100000 /dev/urandom >"$f"
		restore_bad "$f"
		restore_bad "$f" --noflush --counters
	done
	# garbage inside a table block, and printable garbage
	{ echo '*filter'; head -c 100000 /dev/urandom; } >"$f"
	restore_bad "$f" --noflush
	{ echo '*filter'; head -c 200000 /dev/urandom | tr -dc 'a-z -"\\\n!:[]*0-9' ; echo; echo COMMIT; } >"$f"
	restore_bad "$f"
	# and offline, without the daemon
	run timeout 60 "$B/qtables-restore" --test <"$f"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -lt 128 ]
}

@test "bad input: a 1 MB line and a huge argument" {
	bad_input_setup
	local f=$QT_RUN/long
	{ echo '*filter'; printf -- '-A INPUT -m comment --comment "'; head -c 1000000 /dev/zero | tr '\0' a; echo '"'; echo COMMIT; } >"$f"
	restore_bad "$f"
	{ echo '*filter'; for _ in $(seq 90000); do printf -- '-s 1.2.3.4 '; done; echo; echo COMMIT; } >"$f"
	restore_bad "$f"
	{ echo '*filter'; printf -- '-A INPUT -j '; head -c 1000000 /dev/zero | tr '\0' b; echo; echo COMMIT; } >"$f"
	restore_bad "$f"
	{ printf -- '*'; head -c 1000000 /dev/zero | tr '\0' c; echo; echo COMMIT; } >"$f"
	restore_bad "$f"
	# 100 kB arguments on the command line: iptables takes such a
	# comment (a restore line may not), refuses such a chain name
	local long; long=$(head -c 100000 /dev/zero | tr '\0' d)
	run timeout 60 ip netns exec "$N" "$B/qtables" -A INPUT -m comment --comment "$long"
	[ "$status" -ne 124 ] && [ "$status" -lt 128 ]
	if [ "$status" -eq 0 ]; then
		# kept to 255 characters, as iptables does
		[ "$(live "$N" | grep -c -- "--comment ${long:0:255}\$")" -eq 1 ]
		as "$N" qtables -D INPUT -m comment --comment "$long"
	fi
	run timeout 60 ip netns exec "$N" "$B/qtables" -N "$(head -c 100000 /dev/zero | tr '\0' e)"
	[ "$status" -eq 2 ]
	unchanged "$N" "$PID" "$BEFORE"
}

@test "bad input: unterminated quotes" {
	bad_input_setup
	local f=$QT_RUN/quote
	local s
	for s in '-A INPUT -m comment --comment "abc' \
		 '-A INPUT -m comment --comment "abc\' \
		 '-A INPUT -m comment --comment '"'"'abc' \
		 '-A INPUT -m comment --comment "a\"b' \
		 '"'; do
		printf '*filter\n%s\nCOMMIT\n' "$s" >"$f"
		run timeout 60 ip netns exec "$N" "$B/qtables-restore" <"$f"
		echo "[$s] status $status: $output"
		[ "$status" -ne 124 ] && [ "$status" -lt 128 ]
		# iptables may take some of these as a rule: an error must
		# leave everything as it was
		if [ "$status" -ne 0 ]; then
			unchanged "$N" "$PID" "$BEFORE"
		else
			kill -0 "$PID"
			sample_rules | as "$N" qtables-restore -c
		fi
		printf '*filter\n%s' "$s" >"$f"
		restore_bad "$f"
	done
	run timeout 60 ip netns exec "$N" "$B/qtables" -A INPUT -m comment --comment 'a"b\'
	[ "$status" -ne 124 ] && [ "$status" -lt 128 ]
	kill -0 "$PID"
}

@test "bad input: 100,000 chains in one restore, then -S works" {
	bad_input_setup
	local f=$QT_RUN/chains
	awk 'BEGIN { print "*filter"; for (i = 0; i < 100000; i++) printf ":chain%06d - [0:0]\n", i; print "-A chain099999 -j ACCEPT"; print "COMMIT" }' >"$f"
	local t0=$SECONDS
	run timeout 120 ip netns exec "$N" "$B/qtables-restore" --noflush <"$f"
	echo "status $status after $((SECONDS - t0)) s: ${output:0:300}"
	[ "$status" -eq 0 ]
	run timeout 60 ip netns exec "$N" "$B/qtables" -S
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^-N chain')" -eq 100000 ]
	[[ "$output" == *"-A chain099999 -j ACCEPT"* ]]
	run timeout 60 ip netns exec "$N" "$B/qtables" -A chain050000 -j DROP
	[ "$status" -eq 0 ]
	kill -0 "$PID"
	[ "$(grep -c '^:chain' "$QT_RUN/rules.v4")" -eq 100000 ]
	# and a restore of 100,000 chains that fails at its end changes nothing
	BEFORE=$(live "$N" -c)
	sed -i 's/^COMMIT$/-A chain000001 --bogus\nCOMMIT/' "$f"
	sed -i 's/^:chain\(.*\) - \[0:0\]$/:x\1 - [0:0]/' "$f"
	restore_bad "$f"
}

@test "bad input: a request over 64 MiB is refused cleanly" {
	bad_input_setup
	local f=$QT_RUN/huge
	# 65 MiB of comment lines: the client refuses it before sending
	yes '# padding padding padding padding padding padding padding' | head -c $((65 << 20)) >"$f"
	restore_bad "$f"
	[[ "$output" == *"larger than 64 MiB"* ]]
	# the daemon refuses one sent past the client, and answers
	{ echo '#qtables 1 restore iptables-restore'; cat "$f"; } >"$f.req"
	rm -f "$f"
	run raw_request "$N" <"$f.req"
	echo "reply: ${output:0:200}"
	[[ "$output" == "#qtables-reply 1 "* ]]
	[[ "$output" == *"request refused: larger than 64 MiB"* ]]
	unchanged "$N" "$PID" "$BEFORE"
	rm -f "$f.req"
}

@test "bad input: malformed requests straight to the socket" {
	bad_input_setup
	local r
	r=$(head -c 100000 /dev/urandom | raw_request "$N")
	[[ "$r" == "#qtables-reply "* ]]
	r=$(printf '' | raw_request "$N")
	[[ "$r" == "#qtables-reply "* ]]
	r=$(printf '#qtables 1 command iptables\n"-A "INPUT\n' | raw_request "$N")
	[[ "$r" == "#qtables-reply "[1-9]* ]]
	r=$(printf '#qtables 1 restore\n*filter\n-F\nCOMMIT\n' | raw_request "$N")
	[[ "$r" == "#qtables-reply "[1-9]* ]]
	r=$(printf '#qtables 1 frobnicate iptables\n' | raw_request "$N")
	[[ "$r" == "#qtables-reply "[1-9]* ]]
	r=$( { printf '#qtables 1 save iptables-save table='; head -c 5000 /dev/zero | tr '\0' t; echo; } | raw_request "$N")
	[[ "$r" == "#qtables-reply "[1-9]* ]]
	# a client that goes away without waiting for its answer
	ip netns exec "$N" python3 -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0qtables/control")
s.sendall(b"#qtables 1 save iptables-save\n")
s.close()'
	unchanged "$N" "$PID" "$BEFORE"
}

@test "restore's command line as iptables-nft-restore parses it (kube-proxy's -w 5 -W 100000)" {
	qt_ns rq; local Q=$QT_NS
	qt_ns ri; local I=$QT_NS
	qt_daemon "$Q"
	local f=$QT_RUN/r.txt args n=0 bad=0
	printf '*filter\n:KUBE-X - [0:0]\n-A KUBE-X -j ACCEPT\nCOMMIT\n' >"$f"
	while IFS= read -r args; do
		local qs=0 is=0 qe ie
		ip netns exec "$Q" "$B/iptables-restore" $args <"$f" >/dev/null 2>"$QT_RUN/qe" || qs=$?
		ip netns exec "$I" /usr/sbin/iptables-nft-restore $args <"$f" >/dev/null 2>"$QT_RUN/ie" || is=$?
		qe=$(sed "s|$B/||" "$QT_RUN/qe")
		ie=$(sed 's/iptables-nft-restore/iptables-restore/g; s|/usr/sbin/||' "$QT_RUN/ie")
		n=$((n + 1))
		if [ "$qs" != "$is" ] || [ "$qe" != "$ie" ]; then
			echo "DIFF [$args]: qtables $qs [$qe], iptables-nft $is [$ie]"
			bad=$((bad + 1))
		fi
	done <<ARGS
-w 5 -W 100000 --noflush --counters
-w5
-w 5 $f
-w
-W 100000
-w 5 -W100000
--wait 5
--wait=5 --wait-interval=100
-w -5
-Q
--bogus
-w 5 $f extra
ARGS
	echo "$n compared, $bad differ"
	[ "$bad" -eq 0 ]
	# and the payload went in, as kube-proxy sends it
	ip netns exec "$Q" "$B/iptables-restore" -w 5 -W 100000 --noflush --counters <"$f"
	ip netns exec "$Q" "$B/iptables" -S KUBE-X | grep -qx -- '-A KUBE-X -j ACCEPT'
}
