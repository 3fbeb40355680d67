#!/usr/bin/env bats
# Conntrack zones on real traffic, beside a twin whose firewall is the
# kernel's: client $C -- fw $FW (judged by qtablesd) and $C2 -- $FW2
# (the kernel's nft and iptables-nft), the same addresses on both
# (10.0.1.2 -> 10.0.1.1). Rules in raw give datagrams of the same tuple
# different zones by their DSCP (nft's ct zone set, ct original|reply
# zone set, a mark map; iptables' -j CT --zone); each zone's connection
# must be tracked apart, listed by qtables-conntrack -L as conntrack -L
# lists the kernel's, and seen by ct zone matches with the kernel's
# counts.

bats_require_minimum_version 1.5.0

load nft_twin_lib

RULES='table ip zt {
	chain raw {
		type filter hook prerouting priority raw; policy accept;
		ip dscp 1 ct zone set 1
		ip dscp 2 ct zone set 2
		ip dscp 2 ct zone set 3
		ip dscp 3 ct original zone set 5
		ip dscp 4 ct reply zone set 6
		ip dscp 6 meta mark set 2
		ip dscp 6 ct zone set mark map { 1 : 11, 2 : 12 }
	}
	chain rawout {
		type filter hook output priority raw; policy accept;
		udp sport 5002 ct zone set 6
	}
	chain late {
		type filter hook prerouting priority filter; policy accept;
		ip dscp 5 ct zone set 7
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ct zone 1 counter
		ct zone 2 counter
		ct zone 3 counter
		ct original zone 5 counter
		ct reply zone 5 counter
		ct zone 5 counter
		ct reply zone 6 counter
		ct original zone 6 counter
		ct zone 7 counter
		ct zone 12 counter
		ct zone 9 counter
		ct original zone 10 counter
		ct zone 0 counter
		ct state new counter
		ct state established counter
	}
}'

setup() {
	twin_setup qtnftcz || return 1
	DP=$BATS_TEST_DIRNAME/dp.py
}

# iptables and the connection table of the qtables side (qt) or of the
# kernel twin (k).
ipt_of() {
	local side=$1; shift
	if [ "$side" = qt ]; then
		ip netns exec "$FW" "$QT_BUILD/qtables" "$@"
	else
		ip netns exec "$FW2" /usr/sbin/iptables-nft "$@"
	fi
}

# ct_udp SIDE [FILTER...]: the UDP entries, without their seconds
# left (the third column), sorted, and the summary line without the
# program's name.
ct_udp() {
	local out side=$1
	shift
	if [ "$side" = qt ]; then
		out=$(ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" -L -p udp "$@" 2>&1)
	else
		out=$(ip netns exec "$FW2" conntrack -L -p udp "$@" 2>&1)
	fi
	echo "$out" | awk '$1 == "udp" { $3 = ""; print; next }
		{ sub(/^.*\): /, ""); print }' | sort
}

# Servers on the firewall NS: 5000 takes datagrams and never answers;
# 5001 and 5002 answer each with "pong".
servers() {
	local ns=$1 p
	ip netns exec "$ns" socat -u UDP-RECV:5000 /dev/null &
	BGPIDS+=("$!")
	rm -f "$QT_RUN/pong-$ns-5001" "$QT_RUN/pong-$ns-5002"
	for p in 5001 5002; do
		ip netns exec "$ns" "$PY" "$DP" pong "$p" 2>"$QT_RUN/pong-$ns-$p" 3>&- &
		BGPIDS+=("$!")
	done
	for _ in $(seq 250); do
		grep -q ready "$QT_RUN/pong-$ns-5001" 2>/dev/null &&
			grep -q ready "$QT_RUN/pong-$ns-5002" 2>/dev/null &&
			ip netns exec "$ns" ss -Hlun "sport = :5000" | grep -q . &&
			return 0
		sleep 0.02
	done
	return 1
}

# send FROM SPORT DPORT TOS: one datagram, no answer awaited.
send() {
	echo x | ip netns exec "$1" socat -u - \
		"UDP4:10.0.1.1:$3,sourceport=$2,ip-tos=$4" 2>/dev/null || true
}

# ask FROM SPORT DPORT TOS: one datagram; prints the answer, if any.
ask() {
	echo x | ip netns exec "$1" socat -t 3 -T 3 - \
		"UDP4:10.0.1.1:$3,sourceport=$2,ip-tos=$4" 2>/dev/null || true
}

# The listing's counters: "rule-text packets N bytes M" lines (and
# what nft says on its standard error, unfiltered).
counters() {
	{ nft_of "$1" list table ip zt 2>&4 |
		sed -n 's/^[[:space:]]*\(.*counter packets [0-9]* bytes [0-9]*\).*/\1/p'; } 4>&1
}

# saved SIDE NAME: what the test saved in $QT_RUN/NAME-SIDE.
saved() { cat "$QT_RUN/$2-$1"; }

@test "ct zone set: the same tuple in different zones is tracked apart; listing, answers and ct zone counts are the kernel's" {
	start_daemon
	local side c fw
	for side in qt k; do
		c=$C fw=$FW
		[ $side = k ] && c=$C2 fw=$FW2
		echo "$RULES" | nft_of $side -f -
		ipt_of $side -t raw -A PREROUTING -p udp --sport 4005 -j CT --zone 9
		ipt_of $side -t raw -A PREROUTING -p udp --sport 4006 -j CT --zone-orig 10
		# the zone is the mark's low 16 bits when conntrack runs
		ipt_of $side -t raw -A PREROUTING -p udp --sport 4007 -j MARK --set-mark 0x1000d
		ipt_of $side -t raw -A PREROUTING -p udp --sport 4007 -j CT --zone mark
		servers "$fw"
		# one tuple, three zones: 1, 2 (the first zone set stays), none
		send "$c" 4000 5000 4
		send "$c" 4000 5000 8
		send "$c" 4000 5000 0
		# a zone of the original direction: the unzoned answer finds it
		[ "$(ask "$c" 4001 5001 12)" = pong ]
		# of the reply direction: the answer, given zone 6, finds it
		[ "$(ask "$c" 4002 5002 16)" = pong ]
		# ct zone set after conntrack changes nothing
		send "$c" 4003 5000 20
		# from the mark, through a map
		send "$c" 4004 5000 24
		# iptables' CT --zone and --zone-orig
		send "$c" 4005 5000 0
		send "$c" 4006 5000 0
		send "$c" 4007 5000 0
		# listed at once: unanswered entries live 30 s
		ct_udp $side >"$QT_RUN/ct-$side"
		{
			ct_udp $side -w 2
			ct_udp $side -w 0
			ct_udp $side --orig-zone 5
			ct_udp $side --orig-zone 0
			ct_udp $side --reply-zone 6
		} >"$QT_RUN/ctf-$side"
	done
	local mine kern
	same_twins saved ct
	# the three of 4000 are there, each in its zone
	[ "$(echo "$mine" | grep -c 'sport=4000 dport=5000')" = 3 ]
	echo "$mine" | grep -q 'dport=5000 .* zone=1 use=1'
	echo "$mine" | grep -q 'dport=5000 .* zone=2 use=1'
	echo "$mine" | grep -q 'dport=5001 zone-orig=5 src='
	echo "$mine" | grep -q 'sport=5002 dport=4002 zone-reply=6 '
	echo "$mine" | grep -q 'zone=12 use=1'
	echo "$mine" | grep -q 'zone=9 use=1'
	echo "$mine" | grep -q 'zone-orig=10 '
	echo "$mine" | grep -q 'dport=4007 mark=0 zone=13 use=1'
	! echo "$mine" | grep -q 'zone=7' || false
	# the filters find what conntrack's find
	same_twins saved ctf
	echo "$mine" | grep -q '^1 flow entries have been shown.$'

	same_twins counters
	echo "$mine" | grep -q 'ct zone 1 counter packets 1 '
	echo "$mine" | grep -q 'ct zone 3 counter packets 0 '
	echo "$mine" | grep -q 'ct original zone 5 counter packets 1 '
}

# Templates and notrack: the first of them stays; nft's zone set after
# notrack tracks the packet all the same; one after conntrack on an
# untracked packet makes it read NEW, with no entry behind it.
TMPL_RULES='table ip zt {
	chain raw {
		type filter hook prerouting priority raw; policy accept;
		udp dport 5000 notrack
		udp dport 5001 notrack
		udp dport 5001 ct zone set 4
		udp dport 5003 ct zone set 2 notrack
	}
	chain mid {
		type filter hook prerouting priority -250; policy accept;
		udp dport 5004 ct state new counter
		udp dport 5004 ct state untracked counter
	}
	chain late {
		type filter hook prerouting priority filter; policy accept;
		udp dport 5000 ct zone set 9
		udp dport 5000 ct state new counter
		udp dport 5000 ct state untracked counter
		udp dport 5000 ct zone 9 counter
		udp dport 5000 ct mark 0 counter
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ct state new counter
		ct state untracked counter
		ct zone 2 counter
		ct zone 4 counter
		ct zone 3 counter
		ct zone 9 counter
	}
}'

@test "ct zone set after notrack, notrack after it, CT --zone after notrack, zone set after conntrack: as the kernel" {
	start_daemon
	local side c fw p
	for side in qt k; do
		c=$C fw=$FW
		[ $side = k ] && c=$C2 fw=$FW2
		echo "$TMPL_RULES" | nft_of $side -f -
		ipt_of $side -t raw -A PREROUTING -p udp --dport 5002 -j CT --notrack
		ipt_of $side -t raw -A PREROUTING -p udp --dport 5002 -j CT --zone 3
		ipt_of $side -t raw -A PREROUTING -p udp --dport 5004 -j CT --zone 3
		ipt_of $side -t raw -A PREROUTING -p udp --dport 5004 -j CT --notrack
		for p in 5000 5001 5002 5003 5004; do
			send "$c" 4000 $p 0
		done
		ct_udp $side >"$QT_RUN/ct-$side"
	done
	local mine kern
	same_twins saved ct
	same_twins counters
	echo "$mine" | grep -q 'udp dport 5000 ct state new counter packets 1 '
	echo "$mine" | grep -q 'udp dport 5004 ct state new counter packets 1 '
	echo "$mine" | grep -q '^ct zone 4 counter packets 1 '
}

# The firewall's own ICMP errors about a zoned connection: the UDP
# stack's port unreachable is looked up in the default zone and found
# INVALID, in the kernel as here.
ERR_RULES='table ip zt {
	chain raw {
		type filter hook prerouting priority raw; policy accept;
		ip dscp 1 ct zone set 1
	}
	chain out {
		type filter hook output priority filter; policy accept;
		icmp type destination-unreachable ct state related counter
		icmp type destination-unreachable ct state invalid counter
		icmp type destination-unreachable ct state new counter
		icmp type destination-unreachable ct zone 1 counter
	}
}'

@test "an ICMP port unreachable about a connection in zone 1 is INVALID at output, as the kernel's" {
	start_daemon
	local side c
	for side in qt k; do
		c=$C
		[ $side = k ] && c=$C2
		echo "$ERR_RULES" | nft_of $side -f -
		send "$c" 4000 6000 4
		send "$c" 4001 6000 0
	done
	sleep 0.3
	local mine kern
	same_twins counters
	echo "$mine" | grep -q 'ct state invalid counter packets 1 '
	echo "$mine" | grep -q 'ct state related counter packets 1 '
}
