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
	for p in iptables iptables-save iptables-restore; do
		ln -s "$QT_BUILD/$p" "$QT_RUN/qtbin/$p"
		ln -s "/usr/sbin/${p/iptables/iptables-nft}" "$QT_RUN/ntbin/$p"
	done
	make_image
}

teardown() {
	local d p
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	for d in "${DOCKERS[@]}"; do docker_stop "$d"; done
	qt_cleanup
}

link_client() {
	local c=$1 h=$2
	ip link add qtdc0 netns "$c" type veth peer name qtdh0 netns "$h" || return 1
	ip -n "$c" addr add 10.0.7.2/24 dev qtdc0
	ip -n "$h" addr add 10.0.7.1/24 dev qtdh0
	ip -n "$c" link set qtdc0 up
	ip -n "$h" link set qtdh0 up
}

# A busybox root with the few applets the containers run.
make_image() {
	IMG=$QT_RUN/img
	mkdir -p "$IMG/root/bin" "$IMG/www"
	cp /bin/busybox "$IMG/root/bin/"
	local a
	for a in sh httpd sleep cat nc; do ln -s busybox "$IMG/root/bin/$a"; done
	echo "hello from the container" >"$IMG/www/index.html"
}

# docker_start NAME NS BINDIR: a dockerd in NS with its own roots under
# $QT_RUN/NAME, then the image imported into it.
docker_start() {
	local name=$1 ns=$2 bin=$3 dir=$QT_RUN/$1
	mkdir -p "$dir"
	DOCKERS+=("$name")
	PATH=$bin:/usr/sbin:/usr/bin:/sbin:/bin \
		nsenter --net="/run/netns/$ns" dockerd --data-root "$dir/data" \
		--exec-root "$dir/exec" --pidfile "$dir/pid" \
		-H "unix://$dir/sock" --storage-driver vfs \
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
	for t in filter nat; do
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
}

both() { dk dq "$@" && dk dn "$@"; }

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
	! grep -q 'dport 8080' "$QT_RUN/qt.nat"
	both network rm qtnet >/dev/null
	same_rules "network removed"
	! grep -q 'br-ID' "$QT_RUN/qt.filter"
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
