#!/usr/bin/env bats
# Docker driving qtables as its iptables: the real dockerd of Debian's
# docker.io package, started in a network namespace of ours with a PATH
# whose iptables, iptables-save and iptables-restore are qtables, beside a
# twin namespace whose dockerd drives the kernel's iptables-nft (the
# oracle). Both get the same daemon start, bridge network, published
# port and removals; after every step both rulesets must be the same,
# and neither dockerd may log an iptables failure.
#
# dockerd runs under nsenter --net, not ip netns exec: the latter mounts
# a fresh /sys, which hides the cgroup hierarchies runc needs. Images are
# imported from a busybox-static root (no registry here).

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=qtdk$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	command -v dockerd >/dev/null || { echo "dockerd missing: scripts/deps.sh installs docker.io" >&2; return 1; }
	[ -x /bin/busybox ] || { echo "busybox-static missing" >&2; return 1; }
	DOCKERS=()
	BGPIDS=()
	qt_ns h; H=$QT_NS          # qtables' host
	qt_ns o; O=$QT_NS          # the oracle's host
	# a client beside each host: 10.0.7.2 -- 10.0.7.1 (the host)
	qt_ns hc; HC=$QT_NS
	qt_ns oc; OC=$QT_NS
	link_client "$HC" "$H" || return 1
	link_client "$OC" "$O" || return 1
	qt_daemon "$H" || return 1
	# the programs each dockerd finds first in its PATH
	mkdir -p "$QT_RUN/qtbin" "$QT_RUN/ntbin"
	local p
	for p in iptables-save iptables-restore; do
		ln -s "$QT_BUILD/$p" "$QT_RUN/qtbin/$p"
		ln -s "/usr/sbin/${p/iptables/iptables-nft}" "$QT_RUN/ntbin/$p"
	done
	logged_iptables "$QT_BUILD/iptables" "$QT_RUN/qtbin"
	logged_iptables /usr/sbin/iptables-nft "$QT_RUN/ntbin"
	make_image
}

teardown() {
	local d p
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	for d in "${DOCKERS[@]}"; do docker_stop "$d"; done
	qt_cleanup
}

# logged_iptables REAL DIR: DIR/iptables runs REAL and writes each call
# (after the network namespace it ran in), its combined output (all
# dockerd reads: it runs iptables for its CombinedOutput) and its exit
# code to DIR.calls, so that both twins' conversations with their
# iptables can be compared call by call.
logged_iptables() {
	local real=$1 dir=$2
	cat >"$dir/iptables" <<-EOF
	#!/bin/sh
	out=\$(mktemp)
	"$real" "\$@" >"\$out" 2>&1
	rc=\$?
	cat "\$out"
	{ echo "\$(readlink /proc/self/ns/net) iptables \$*"; sed 's/^/  | /' "\$out"; echo "  rc=\$rc"; } >"\$out.entry"
	cat "\$out.entry" >>"$dir.calls"
	rm -f "\$out" "\$out.entry"
	exit \$rc
	EOF
	chmod +x "$dir/iptables"
}

link_client() {
	local c=$1 h=$2
	ip link add qtdc0 netns "$c" type veth peer name qtdh0 netns "$h" || return 1
	ip -n "$c" addr add 10.0.7.2/24 dev qtdc0
	ip -n "$h" addr add 10.0.7.1/24 dev qtdh0
	ip -n "$c" link set qtdc0 up
	ip -n "$h" link set qtdh0 up
}

# A busybox root with the few applets the containers run, and socat with
# the libraries it links (busybox's nc has no UDP) to answer on UDP.
make_image() {
	IMG=$QT_RUN/img
	mkdir -p "$IMG/root/bin" "$IMG/www"
	cp /bin/busybox "$IMG/root/bin/"
	local a f
	for a in sh httpd sleep cat nc echo nslookup; do ln -s busybox "$IMG/root/bin/$a"; done
	for f in /usr/bin/socat $(ldd /usr/bin/socat | grep -o '/[^ ]*'); do
		mkdir -p "$IMG/root${f%/*}"
		cp -L "$f" "$IMG/root$f"
	done
	echo "hello from the container" >"$IMG/www/index.html"
}

# docker_start NAME NS BINDIR [DOCKERD-ARGS...]: a dockerd in NS with its
# own roots under $QT_RUN/NAME, then the image imported into it.
docker_start() {
	local name=$1 ns=$2 bin=$3 dir=$QT_RUN/$1
	shift 3
	mkdir -p "$dir"
	DOCKERS+=("$name")
	PATH=$bin:/usr/sbin:/usr/bin:/sbin:/bin \
		nsenter --net="/run/netns/$ns" dockerd --data-root "$dir/data" \
		--exec-root "$dir/exec" --pidfile "$dir/pid" \
		-H "unix://$dir/sock" --storage-driver vfs "$@" \
		>"$dir/log" 2>&1 &
	local _
	for _ in $(seq 150); do
		dk "$name" version >/dev/null 2>&1 && break
		sleep 0.2
	done
	dk "$name" version >/dev/null || { tail -20 "$dir/log" >&2; return 1; }
	tar -C "$IMG/root" -c . | dk "$name" import - qtbusy:1 >/dev/null
}

dk() { local name=$1; shift; docker -H "unix://$QT_RUN/$name/sock" "$@"; }

docker_stop() {
	local name=$1 dir=$QT_RUN/$1 pid
	[ -f "$dir/pid" ] || return 0
	dk "$name" ps -aq 2>/dev/null | xargs -r docker -H "unix://$dir/sock" rm -f >/dev/null 2>&1
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do qt_alive "$pid" || break; sleep 0.1; done
	# what dockerd mounted under its roots (netns files, vfs layers)
	findmnt -rn -o TARGET | grep "^$dir/" | sort -r | xargs -r umount -l
	rm -f "$dir/pid"
}

# The ruleset as both sides save it, without what differs by nature:
# comments and counters, and the random ids in bridge names.
rules() {
	sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//' -e 's/br-[0-9a-f]\{12\}/br-ID/g'
}

same_rules() {
	local step=$1 t
	for t in filter nat mangle; do
		qt_save "$H" -t $t | rules >"$QT_RUN/qt.$t"
		ipt_save "$O" -t $t | rules >"$QT_RUN/nft.$t"
		if ! diff -u "$QT_RUN/nft.$t" "$QT_RUN/qt.$t" >"$QT_RUN/diff" ; then
			echo "# $step: table $t differs (oracle vs qtables):" >&3
			sed 's/^/#   /' "$QT_RUN/diff" >&3
			return 1
		fi
	done
	# an iptables call dockerd saw fail is logged at level=error/warning
	! grep -i 'iptables' "$QT_RUN/dq/log" | grep -qi 'level=\(error\|warning\)' ||
		{ grep -i iptables "$QT_RUN/dq/log" | sed 's/^/#   /' >&3; return 1; }
	same_calls "$step"
}

both() { dk dq "$@" && dk dn "$@"; }

# Both twins' iptables calls in their host's namespace so far, each with
# its output and exit code, must be the same. dockerd runs some calls
# concurrently (removing two containers), so the calls are compared as a
# sorted list; the version in messages names the backend, bridges have
# random names. (The calls dockerd makes inside a container's namespace,
# for the embedded DNS of a user-defined network, are the subject of a
# test of their own.)
same_calls() {
	local f ns
	for f in qtbin:"$H" ntbin:"$O"; do
		ns=$(ip netns exec "${f#*:}" readlink /proc/self/ns/net)
		f=${f%%:*}
		sed -e 's/ v1\.8\.9 (\(qtables\|nf_tables\))/ v1.8.9 (BACKEND)/' \
			-e 's/br-[0-9a-f]\{12\}/br-ID/g' "$QT_RUN/$f.calls" |
			awk -v ns="$ns" '
				/^net:\[[0-9]+\] iptables /{
					if (keep) print r
					keep = ($1 == ns); r = substr($0, length($1) + 2); next
				}
				{ r = r " \\ " $0 }
				END { if (keep) print r }' |
			sort >"$QT_RUN/$f.calls.n"
	done
	diff -u "$QT_RUN/ntbin.calls.n" "$QT_RUN/qtbin.calls.n" >"$QT_RUN/diff" && return 0
	echo "# $1: iptables calls differ (oracle vs qtables):" >&3
	sed 's/^/#   /' "$QT_RUN/diff" >&3
	return 1
}

@test "docker: daemon start, a bridge network, a published port and their removal program qtables exactly as iptables-nft" {
	docker_start dq "$H" "$QT_RUN/qtbin"
	docker_start dn "$O" "$QT_RUN/ntbin"
	same_rules "daemon start"
	grep -q '^:DOCKER-ISOLATION-STAGE-2 ' "$QT_RUN/qt.filter"
	grep -q -- '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE' "$QT_RUN/qt.nat"

	both network create --subnet 172.30.0.0/24 qtnet >/dev/null
	same_rules "network create"
	grep -q -- '-A DOCKER-ISOLATION-STAGE-2 -o br-ID -j DROP' "$QT_RUN/qt.filter"

	both run -d --name web -p 8080:80 -v "$IMG/www:/www" qtbusy:1 httpd -f -p 80 -h /www >/dev/null
	both run -d --name web2 --network qtnet -p 9090:80 qtbusy:1 httpd -f -p 80 >/dev/null
	same_rules "published ports"
	grep -q -- '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80' "$QT_RUN/qt.nat"
	grep -q -- '-A DOCKER -d 172.30.0.2/32 ! -i br-ID -o br-ID -p tcp -m tcp --dport 80 -j ACCEPT' "$QT_RUN/qt.filter"

	both rm -f web web2 >/dev/null
	same_rules "containers removed"
	run ! grep -q 'dport 8080' "$QT_RUN/qt.nat"
	both network rm qtnet >/dev/null
	same_rules "network removed"
	run ! grep -q 'br-ID' "$QT_RUN/qt.filter"
}

@test "docker: a restart of dockerd finds its chains in qtables and leaves them as iptables-nft does" {
	docker_start dq "$H" "$QT_RUN/qtbin"
	docker_start dn "$O" "$QT_RUN/ntbin"
	both run -d --name web -p 8080:80 qtbusy:1 httpd -f -p 80 >/dev/null
	docker_stop dq
	docker_stop dn
	same_rules "daemons stopped"
	docker_start dq "$H" "$QT_RUN/qtbin"
	docker_start dn "$O" "$QT_RUN/ntbin"
	same_rules "daemons restarted"
}

# A container's UDP answerer: each datagram gets one back naming the
# address and port it came from.
# shellcheck disable=SC2016,SC2054 # the container's shell expands them; socat's commas
UDP_ANSWER=(socat UDP4-RECVFROM:53,fork 'SYSTEM:echo udp from $SOCAT_PEERADDR $SOCAT_PEERPORT')

# udp_ask NS SPORT: one datagram from NS's port SPORT to the host's
# published port 5353, and the answer; asked again while the container's
# answerer may not be listening yet.
udp_ask() {
	local out _
	for _ in $(seq 5); do
		out=$(echo ping | ip netns exec "$1" socat -t 1 - "UDP4:10.0.7.1:5353,sourceport=$2" 2>/dev/null)
		[ -n "$out" ] && break
		sleep 0.5
	done
	echo "$out"
}

# traffic NAME HOST CLIENT: what a user of a Docker host sees.
traffic() {
	local name=$1 h=$2 c=$3 out
	dk "$name" run -d --name web -p 8080:80 -v "$IMG/www:/www" qtbusy:1 \
		httpd -f -vv -p 80 -h /www >/dev/null
	# a published port, from another machine: DNAT in PREROUTING, and
	# the container sees the client's own address (not docker-proxy's)
	out=$(ip netns exec "$c" curl -s -m 5 http://10.0.7.1:8080/)
	[ "$out" = "hello from the container" ] || { echo "# $name: published port gave '$out'" >&3; return 1; }
	sleep 0.3
	dk "$name" logs web 2>&1 | grep -q '10\.0\.7\.2\]*:[0-9]' ||
		{ echo "# $name: the container did not see the client:" >&3; dk "$name" logs web 2>&1 | sed 's/^/#   /' >&3; return 1; }
	# the same port from the host itself: DNAT in OUTPUT
	out=$(ip netns exec "$h" curl -s -m 5 http://10.0.7.1:8080/)
	[ "$out" = "hello from the container" ] || { echo "# $name: local access gave '$out'" >&3; return 1; }
	# a published UDP port, from another machine and from the host: the
	# answer names the address and port the container saw, the client's
	# own (through docker-proxy it would be 172.17.0.1 and a port of its
	# choosing), and comes back from the published address
	dk "$name" run -d --name dns -p 5353:53/udp qtbusy:1 "${UDP_ANSWER[@]}" >/dev/null
	out=$(udp_ask "$c" 40053)
	[ "$out" = "udp from 10.0.7.2 40053" ] || { echo "# $name: published UDP port gave '$out'" >&3; return 1; }
	out=$(udp_ask "$h" 40054)
	[ "$out" = "udp from 10.0.7.1 40054" ] || { echo "# $name: local access to the UDP port gave '$out'" >&3; return 1; }
	# the container reaching out: MASQUERADE to the host's address
	ip netns exec "$c" busybox httpd -f -vv -p 10.0.7.2:8000 -h "$IMG/www" \
		2>"$QT_RUN/$name.srv" &
	local srv=$!
	sleep 0.3
	BGPIDS+=("$srv")
	out=$(dk "$name" run --rm qtbusy:1 sh -c \
		'printf "GET / HTTP/1.0\r\n\r\n" | nc 10.0.7.2 8000' 2>&1 | tail -1)
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null || true
	[ "$out" = "hello from the container" ] || { echo "# $name: outbound gave '$out'" >&3; return 1; }
	grep -q '10\.0\.7\.1\]*:[0-9]' "$QT_RUN/$name.srv" ||
		{ echo "# $name: the server saw:" >&3; sed 's/^/#   /' "$QT_RUN/$name.srv" >&3; return 1; }
}

@test "docker: a published port reaches the container from outside and from the host, and the container reaches out masqueraded" {
	docker_start dn "$O" "$QT_RUN/ntbin"
	traffic dn "$O" "$OC"
	docker_start dq "$H" "$QT_RUN/qtbin"
	traffic dq "$H" "$HC"
}

# publish_all NAME: a container publishing a TCP, a UDP and an SCTP port
# (answering on UDP), and what docker run said: its messages with
# container and endpoint ids as ID, and its exit code.
publish_all() {
	local rc=0
	dk "$1" run -d --name multi -p 8080:80 -p 5353:53/udp -p 9999:9999/sctp \
		qtbusy:1 "${UDP_ANSWER[@]}" >"$QT_RUN/$1.run" 2>&1 || rc=$?
	sed 's/[0-9a-f]\{64\}/ID/g' "$QT_RUN/$1.run"
	echo "rc=$rc"
}

# The rules dockerd 20.10 gives a published SCTP port 9999 of a container
# at 172.17.0.2, word for word as it calls iptables (recorded by
# logged_iptables): SCTP_RULES OP, OP -A or -D, one call per line.
sctp_rules() {
	cat <<-EOF
	--wait -t nat $1 DOCKER -p sctp -d 0/0 --dport 9999 -j DNAT --to-destination 172.17.0.2:9999 ! -i docker0
	--wait -t filter $1 DOCKER ! -i docker0 -o docker0 -p sctp -d 172.17.0.2 --dport 9999 -j ACCEPT
	--wait -t nat $1 POSTROUTING -p sctp -s 172.17.0.2 -d 172.17.0.2 --dport 9999 -j MASQUERADE
	--wait -t mangle $1 POSTROUTING -p sctp --sport 9999 -j CHECKSUM --checksum-fill
	EOF
}

# replay_sctp OP: those calls, made on both twins as dockerd makes them.
replay_sctp() {
	local args
	sctp_rules "$1" | while read -r args; do
		# shellcheck disable=SC2086 # one call's words
		ip netns exec "$H" "$QT_RUN/qtbin/iptables" $args || return 1
		# shellcheck disable=SC2086
		ip netns exec "$O" "$QT_RUN/ntbin/iptables" $args || return 1
	done
}

# sctp_init NAME HOST CLIENT: an SCTP INIT to the host's published SCTP
# port from the client and one from the host itself, and what arrives in
# the namespace of the container "multi" (the kernel has no SCTP sockets:
# a raw socket there sees the packets, with addresses and checksum).
sctp_init() {
	local name=$1 h=$2 c=$3 pid ready=$QT_RUN/$1.ready _
	pid=$(dk "$name" inspect -f '{{.State.Pid}}' multi)
	nsenter --net="/proc/$pid/ns/net" "$PY" "$PEER" recv 10 --addrs \
		--ready "$ready" >"$QT_RUN/$name.sctp" &
	BGPIDS+=("$!")
	for _ in $(seq 150); do [ -e "$ready" ] && break; sleep 0.02; done
	ip netns exec "$c" "$PY" "$PEER" send 10.0.7.1 40000 9999 0 init:0x1234
	ip netns exec "$h" "$PY" "$PEER" send 10.0.7.1 40001 9999 0 init:0x5678
	for _ in $(seq 50); do
		[ "$(wc -l <"$QT_RUN/$name.sctp")" -ge 2 ] && break
		sleep 0.1
	done
	sleep 0.2
	sort "$QT_RUN/$name.sctp"
}

@test "docker: TCP, UDP and SCTP ports published together fail on SCTP as on iptables-nft (no SCTP sockets here); dockerd's SCTP rules carry an INIT to the container translated on both" {
	PY=${QT_PY:-/usr/bin/python3}
	PEER=$BATS_TEST_DIRNAME/sctp_peer.py
	docker_start dq "$H" "$QT_RUN/qtbin"
	docker_start dn "$O" "$QT_RUN/ntbin"
	# The kernel here has no SCTP, so docker-proxy cannot listen on the
	# SCTP port: dockerd programs the port's rules, fails to start the
	# proxy, takes the rules out again and fails the container. qtables
	# must take part in that exactly as iptables-nft does.
	publish_all dq >"$QT_RUN/dq.out"
	publish_all dn >"$QT_RUN/dn.out"
	diff -u "$QT_RUN/dn.out" "$QT_RUN/dq.out" >&3
	grep -q 'Error starting userland proxy: protocol not supported' "$QT_RUN/dq.out"
	[ "$(tail -1 "$QT_RUN/dq.out")" = "rc=125" ]
	same_rules "SCTP refused by the proxy"
	local args
	while read -r args; do
		grep -qF -- "iptables $args \   rc=0" "$QT_RUN/qtbin.calls.n"
	done < <(sctp_rules -A; sctp_rules -D)
	run ! grep -q 'sctp' "$QT_RUN/qt.nat"

	# Without the userland proxy dockerd still holds the port with a
	# socket of its protocol, and fails the same way.
	both rm -f multi >/dev/null
	docker_stop dq
	docker_stop dn
	docker_start dq "$H" "$QT_RUN/qtbin" --userland-proxy=false
	docker_start dn "$O" "$QT_RUN/ntbin" --userland-proxy=false
	publish_all dq >"$QT_RUN/dq.out"
	publish_all dn >"$QT_RUN/dn.out"
	diff -u "$QT_RUN/dn.out" "$QT_RUN/dq.out" >&3
	grep -q 'external connectivity on endpoint multi (ID): protocol not supported' "$QT_RUN/dq.out"
	[ "$(tail -1 "$QT_RUN/dq.out")" = "rc=125" ]
	same_rules "SCTP refused without the proxy"

	# So the container publishes TCP and UDP, and its SCTP port gets the
	# rules dockerd would give it, by the calls dockerd made above.
	both rm -f multi >/dev/null
	both run -d --name multi -p 8080:80 -p 5353:53/udp qtbusy:1 "${UDP_ANSWER[@]}" >/dev/null
	[ "$(dk dq inspect -f '{{.NetworkSettings.IPAddress}}' multi)" = 172.17.0.2 ]
	[ "$(dk dn inspect -f '{{.NetworkSettings.IPAddress}}' multi)" = 172.17.0.2 ]
	replay_sctp -A
	same_rules "SCTP rules replayed"
	grep -q -- '-A DOCKER ! -i docker0 -p sctp -m sctp --dport 9999 -j DNAT --to-destination 172.17.0.2:9999' "$QT_RUN/qt.nat"
	grep -q -- '-A POSTROUTING -p sctp -m sctp --sport 9999 -j CHECKSUM --checksum-fill' "$QT_RUN/qt.mangle"

	# An INIT from outside and one from the host reach the container with
	# its address and port and a valid CRC-32C: the outside client's own
	# address kept, the host's masqueraded to the bridge's (without the
	# proxy dockerd masquerades what the host sends into the bridge).
	grep -q -- '-A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j MASQUERADE' "$QT_RUN/qt.nat"
	sctp_init dn "$O" "$OC" >"$QT_RUN/dn.sctp.out"
	sctp_init dq "$H" "$HC" >"$QT_RUN/dq.sctp.out"
	printf '%s\n' "10.0.7.2:40000 > 172.17.0.2:9999 1 crc=ok" \
		"172.17.0.1:40001 > 172.17.0.2:9999 1 crc=ok" >"$QT_RUN/sctp.want"
	diff -u "$QT_RUN/sctp.want" "$QT_RUN/dn.sctp.out" >&3
	diff -u "$QT_RUN/sctp.want" "$QT_RUN/dq.sctp.out" >&3

	# The UDP port answers both ways without the proxy too.
	[ "$(udp_ask "$HC" 40053)" = "udp from 10.0.7.2 40053" ]
	[ "$(udp_ask "$H" 40054)" = "udp from 172.17.0.1 40054" ]
	[ "$(udp_ask "$OC" 40053)" = "udp from 10.0.7.2 40053" ]
	[ "$(udp_ask "$O" 40054)" = "udp from 172.17.0.1 40054" ]

	replay_sctp -D
	both rm -f multi >/dev/null
	same_rules "container removed"
	run ! grep -q 'sctp' "$QT_RUN/qt.nat"
}

# resolve NAME: what a container on qtnet learns of web2's address from
# the embedded DNS server (127.0.0.11, which dockerd's rules inside the
# container's namespace send to the port it really listens on).
resolve() {
	dk "$1" run --rm --network qtnet qtbusy:1 nslookup web2 127.0.0.11 2>&1 |
		sed -n 's/^Address: *\(172\.[0-9.]*\)$/\1/p'
}

# dockerd makes these rules with the iptables of its PATH inside each
# container's own namespace, where no qtablesd runs and no steering
# chains are: there qtables' iptables names are the kernel's iptables-nft
# (ipc/kernel_fallback.h), so the rules land in that namespace's kernel
# tables as they do with iptables-nft itself.
@test "docker: the embedded DNS of a user-defined network, whose rules dockerd makes inside the container's namespace" {
	docker_start dq "$H" "$QT_RUN/qtbin"
	docker_start dn "$O" "$QT_RUN/ntbin"
	both network create --subnet 172.30.0.0/24 qtnet >/dev/null
	both run -d --name web2 --network qtnet qtbusy:1 sleep 1000 >/dev/null
	[ "$(resolve dn)" = 172.30.0.2 ]
	grep -q 'iptables --wait -t nat -I DOCKER_OUTPUT -d 127.0.0.11 -p udp --dport 53 -j DNAT' "$QT_RUN/ntbin.calls"
	[ "$(resolve dq)" = 172.30.0.2 ]
	run ! grep -q 'set up rule failed' "$QT_RUN/dq/log"
}
