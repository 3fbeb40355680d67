#!/bin/bash
# Cross-checks -m hashlimit's tables (extensions/hashlimit.c) against the
# running kernel (root; not part of `make check`): UDP from several
# source addresses on a schedule through a real iptables-nft hashlimit
# rule in a throw-away namespace, judged at the same instants by the
# engine (hashlimit_xcheck.c). Accepted packets, and packets the kernel
# hot-drops when the table is full, must agree. Schedules keep clear of
# the garbage collector's phase (idle gaps either well below the expiry
# or above expiry + gc interval).
# Usage: tests/kernel/hashlimit_xcheck.sh BUILD_DIR   (QT_PREFIX names the namespaces)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$here/../..
build=${1:-$top/_build}
prefix=${QT_PREFIX:-qthl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; for n in $(ip netns list | awk "{print \$1}" | grep "^$prefix-$$-"); do ip netns del "$n"; done' EXIT
hz=$(grep -s '^CONFIG_HZ=' "/boot/config-$(uname -r)" | cut -d= -f2)
export RL_HZ=${hz:-250}
gcc -std=gnu11 -O2 $(for d in util parser ipc engine/ct engine extensions/lib extensions io daemon tests/unit; do printf -- "-I%s/%s " "$top" "$d"; done) -I"$build/parser" -o "$tmp/drv" \
	"$here/hashlimit_xcheck.c" "$top/tests/unit/qt_test.c" \
	-Wl,--whole-archive "$build/libqtext.a" -Wl,--no-whole-archive \
	$(for l in daemon io extlib engine ct parser ipc util; do printf "%s " "$build/libqt$l.a"; done) \
	$(pkg-config --libs libnetfilter_queue libmnl liburcu) -lpthread || exit 2
fail=0 pass=0 seq=0

# run NAME SCHEDULE "MATCH ARGS"
run() {
	local name=$1 sched=$2 margs=$3 ns="$prefix-$$-$((seq++))"
	ip netns add "$ns"
	ip netns exec "$ns" ip link set lo up
	for i in $(seq 0 40); do ip netns exec "$ns" ip addr add "10.0.$((i / 20)).$((i % 20 + 1))/32" dev lo; done
	ip netns exec "$ns" ip addr add 10.0.0.254/32 dev lo
	local rule="-A INPUT -p udp --dport 9 $margs -j ACCEPT"
	if ! ip netns exec "$ns" iptables-nft $rule; then
		echo "not ok - $name: rule refused"; fail=$((fail + 1)); return
	fi
	ip netns exec "$ns" iptables-nft -A INPUT -p udp --dport 9 -j DROP
	local e
	e=$(ip netns exec "$ns" "$tmp/drv" "$rule" "$sched") || { echo "not ok - $name: driver failed"; fail=$((fail + 1)); return; }
	local sent=0 k d
	for x in ${sched//,/ }; do sent=$((sent + $(echo "$x" | cut -d: -f2))); done
	k=$(ip netns exec "$ns" iptables-nft -L INPUT -v -x -n | awk 'NR==3{print $1}')
	d=$(ip netns exec "$ns" iptables-nft -L INPUT -v -x -n | awk 'NR==4{print $1}')
	ip netns del "$ns"
	local khot=$((sent - k - d))
	if [ "$e" = "$k $khot" ]; then
		echo "ok - $name: kernel passed $k, hot-dropped $khot of $sent; engine $e"; pass=$((pass + 1))
	else
		echo "not ok - $name: kernel passed $k, hot-dropped $khot of $sent; engine $e"; fail=$((fail + 1))
	fi
}

HL="-m hashlimit --hashlimit-name hl"
# srcip with a /31 mask: pairs of sources share a bucket
S1='0:4:10.0.0.2:10,0:4:10.0.0.3:10,0:4:10.0.0.4:10,0:3:10.0.0.6:10,300:3:10.0.0.2:10,600:2:10.0.0.5:10,1200:4:10.0.0.3:10'
run "srcip/31 5/sec burst 3" "$S1" "$HL --hashlimit-upto 5/sec --hashlimit-burst 3 --hashlimit-mode srcip --hashlimit-srcmask 31"
# htable full: size 16 = max, 20 sources, then again after expiry
S2=''
for i in $(seq 1 20); do S2="$S2,0:2:10.0.$((i / 20)).$((i % 20 + 1)):10"; done
S2="${S2#,},100:1:10.0.0.3:10,2600:2:10.0.1.1:10,2600:1:10.0.0.3:10"
run "htable-max 16 full" "$S2" "$HL --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode srcip --hashlimit-htable-size 16 --hashlimit-htable-max 16 --hashlimit-htable-expire 1000 --hashlimit-htable-gcinterval 500"
# htable-max below htable-size is raised to it
run "htable-max 4 < size 16" "$S2" "$HL --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode srcip --hashlimit-htable-size 16 --hashlimit-htable-max 4 --hashlimit-htable-expire 1000 --hashlimit-htable-gcinterval 500"
# expiry: an idle entry is forgotten, a busy one is not
S3='0:2:10.0.0.1:10,0:2:10.0.0.2:10,500:1:10.0.0.2:10,1000:1:10.0.0.2:10,1500:1:10.0.0.2:10,2200:2:10.0.0.1:10,2200:2:10.0.0.2:10'
run "expire 1000 gc 300" "$S3" "$HL --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode srcip --hashlimit-htable-expire 1000 --hashlimit-htable-gcinterval 300"
# bytes, no mode
S4='0:10:10.0.0.1:72,0:5:10.0.0.2:72,200:10:10.0.0.3:472'
run "1kb/s all sources" "$S4" "$HL --hashlimit-upto 1kb/s"
echo "1..$((pass + fail))"
[ $fail = 0 ]
