#!/usr/bin/env bats
# fail2ban's iptables-ipset action (Debian's fail2ban 1.0.2, its action
# file rendered by fail2ban's own code: f2b_action.py) run with ipset and
# iptables being qtables: a banned address is rejected by qtablesd, others
# pass, an unban lets it pass again; the same commands on the real ipset
# and iptables-nft in a twin namespace leave the same iptables-save and
# ipset list (the hash seed and memory size aside).

bats_require_minimum_version 1.5.0

load datapath_lib

# The rendered command of the sshd jail's action: f2b ACTION-STEP [IP]
f2b() { /usr/bin/python3 "$BATS_TEST_DIRNAME/f2b_action.py" iptables-ipset sshd "$@"; }

# Runs a step as fail2ban does (sh -c) in namespace $1 with the tools of
# directory $2 first in PATH.
f2b_run() {
	local ns=$1 bin=$2; shift 2
	local cmd
	cmd=$(f2b "$@") || return 1
	ip netns exec "$ns" env PATH="$bin:$PATH" sh -c "$cmd"
}

# A TCP connection to the fw's ssh port from a client address: "ok" when
# the server answered.
ssh_try() {
	ip netns exec "$C" socat -T 1 - "TCP:10.0.1.1:22,bind=$1,connect-timeout=1" \
		</dev/null 2>/dev/null
}

# ipset list without what differs by nature: the hash seed, the memory
ipset_norm() { sed -e 's/ initval 0x[0-9a-f]*//' -e 's/^Size in memory: .*/Size in memory: N/'; }
# iptables-save without its comment lines
save_norm() { grep -v '^#'; }

setup_tools() {
	QBIN=$QT_RUN/bin-qt
	KBIN=$QT_RUN/bin-kernel
	mkdir -p "$QBIN" "$KBIN"
	ln -s "$QT_BUILD/ipset" "$QBIN/ipset"
	ln -s "$QT_BUILD/iptables" "$QBIN/iptables"
	ln -s /usr/sbin/ipset "$KBIN/ipset"
	ln -s /usr/sbin/iptables-nft "$KBIN/iptables"
}

@test "fail2ban iptables-ipset: a banned address is rejected, another passes, an unban lets it pass" {
	[ -n "${QT_ORACLE:-}" ] && skip "runs its own twin on the kernel"
	[ -r /etc/fail2ban/action.d/iptables-ipset.conf ] || skip "no fail2ban"
	setup_tools
	client_addr2
	ip netns exec "$FW" socat TCP-LISTEN:22,reuseaddr,fork SYSTEM:'echo ok' \
		>/dev/null 2>&1 &
	BGPIDS+=($!)
	qt_ns twin
	TWIN=$QT_NS

	f2b_run "$FW" "$QBIN" actionstart
	f2b_run "$TWIN" "$KBIN" actionstart
	# started twice, as after a fail2ban restart: nothing more
	f2b_run "$FW" "$QBIN" actionstart
	f2b_run "$TWIN" "$KBIN" actionstart
	sleep 0.3
	[ "$(ssh_try 10.0.1.2)" = ok ]
	[ "$(ssh_try 10.0.1.3)" = ok ]

	f2b_run "$FW" "$QBIN" actionban 10.0.1.2
	f2b_run "$TWIN" "$KBIN" actionban 10.0.1.2
	# banned twice (fail2ban after a restart): -exist
	f2b_run "$FW" "$QBIN" actionban 10.0.1.2
	f2b_run "$TWIN" "$KBIN" actionban 10.0.1.2
	[ "$(ssh_try 10.0.1.2)" = "" ]
	[ "$(ssh_try 10.0.1.3)" = ok ]

	run qt_save "$FW"
	local qsave=$output
	run ipt_save "$TWIN"
	echo "qtables:"; echo "$qsave"; echo "kernel:"; echo "$output"
	[ "$(save_norm <<<"$qsave")" = "$(save_norm <<<"$output")" ]
	[[ "$qsave" == *"-A INPUT -p tcp -m tcp --dport 22 -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable"* ]]
	local ql kl
	ql=$(ip netns exec "$FW" "$QBIN/ipset" list | ipset_norm)
	kl=$(ip netns exec "$TWIN" "$KBIN/ipset" list | ipset_norm)
	echo "$ql"; echo "$kl"
	[ "$ql" = "$kl" ]
	[[ "$ql" == *"References: 1"* ]]
	[[ "$ql" == *"10.0.1.2 timeout 0"* ]]

	# the set is in use by the rule: it cannot go
	run ip netns exec "$FW" "$QBIN/ipset" destroy f2b-sshd
	[ "$status" = 1 ]
	[ "$output" = "ipset v7.17: Set cannot be destroyed: it is in use by a kernel component" ]

	f2b_run "$FW" "$QBIN" actionunban 10.0.1.2
	f2b_run "$TWIN" "$KBIN" actionunban 10.0.1.2
	f2b_run "$FW" "$QBIN" actionunban 10.0.1.2
	[ "$(ssh_try 10.0.1.2)" = ok ]
	[ "$(ip netns exec "$FW" "$QBIN/ipset" list | ipset_norm)" = \
	  "$(ip netns exec "$TWIN" "$KBIN/ipset" list | ipset_norm)" ]

	f2b_run "$FW" "$QBIN" actionban 10.0.1.3
	[ "$(ssh_try 10.0.1.3)" = "" ]
	f2b_run "$FW" "$QBIN" actionstop
	f2b_run "$TWIN" "$KBIN" actionstop
	[ "$(ssh_try 10.0.1.3)" = ok ]
	[ "$(save_norm < <(qt_save "$FW"))" = "$(save_norm < <(ipt_save "$TWIN"))" ]
	[ "$(ip netns exec "$FW" "$QBIN/ipset" list)" = "" ]
	[ "$(ip netns exec "$TWIN" "$KBIN/ipset" list)" = "" ]
}
