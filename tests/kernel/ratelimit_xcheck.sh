#!/bin/bash
# Cross-checks extensions/lib/ratelimit.c against the running kernel (root; not
# part of `make check`): UDP packets on a schedule through real
# -m limit / -m hashlimit rules in throw-away namespaces; the rule's
# packet counter must equal what ratelimit_sim predicts from the same
# send times (for the jiffies buckets, at 4 phases of the jiffies grid).
# Then the rate/burst pairs the kernel refuses at checkentry.
# Usage: tests/kernel/ratelimit_xcheck.sh [--quick]   (QT_PREFIX names the namespaces)
set -u
here=$(cd "$(dirname "$0")" && pwd)
prefix=${QT_PREFIX:-qtrl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; for n in $(ip netns list | awk "{print \$1}" | grep "^$prefix-$$-"); do ip netns del "$n"; done' EXIT
hz=$(grep -s '^CONFIG_HZ=' "/boot/config-$(uname -r)" | cut -d= -f2)
export RL_HZ=${hz:-250}
gcc -std=gnu11 -O2 -o "$tmp/sim" -I"$here/../../extensions/lib" "$here/ratelimit_sim.c" "$here/../../extensions/lib/ratelimit.c" || exit 2
fail=0 pass=0 seq=0
legacy=0
ip netns add "$prefix-$$-probe" && ip netns exec "$prefix-$$-probe" iptables-legacy -S >/dev/null 2>&1 && legacy=1
ip netns del "$prefix-$$-probe"

# run NAME TOOL SCHEDULE "MATCH ARGS" SIM ARGS...
run() {
	local name=$1 tool=$2 sched=$3 margs=$4 ns="$prefix-$$-$((seq++))"
	shift 4
	ip netns add "$ns" && ip netns exec "$ns" ip link set lo up
	if ! ip netns exec "$ns" "$tool" -A INPUT -p udp --dport 9 $margs -j ACCEPT; then
		echo "not ok - $name: rule refused"; fail=$((fail + 1)); return
	fi
	ip netns exec "$ns" "$tool" -A INPUT -p udp --dport 9 -j DROP
	ip netns exec "$ns" python3 "$here/ratelimit_send.py" "$sched" >"$tmp/$ns.ts"
	local k sent sims="" s ph good=1
	k=$(ip netns exec "$ns" "$tool" -L INPUT -v -x -n | awk 'NR==3{print $1}')
	sent=$(wc -l <"$tmp/$ns.ts")
	for ph in 0 1000000 2000000 3000000; do
		s=$("$tmp/sim" "$1" $ph "${@:2}" <"$tmp/$ns.ts")
		sims="$sims $s"
		[ "$s" = "$k" ] || good=0
	done
	ip netns del "$ns"
	if [ $good = 1 ]; then
		echo "ok - $name: kernel passed $k of $sent, predicted$sims"; pass=$((pass + 1))
	else
		echo "not ok - $name: kernel passed $k of $sent, predicted$sims"; fail=$((fail + 1))
	fi
}

# 10/sec burst 3: bursts, then one packet every 36 ms for 1.8 s
S1='0:10:10,150:5:10,230:5:10,1000:10:10'
for i in $(seq 0 36 1800); do S1="$S1,$((1100 + i)):1:10"; done
# bytes: 20 x 228-byte packets, 3 x 528, then one every 47 ms, sizes varying
S3='0:20:200,300:3:500'
for i in $(seq 0 47 2000); do S3="$S3,$((400 + i)):1:$(((i * 7) % 300))"; done
# the classic: 10/minute burst 3, 10 at once, then 2 at 3 s, 6.5 s, 12.5 s
S2='0:10:10,3000:2:10,6500:2:10,12500:2:10'

HL="-m hashlimit --hashlimit-name hl"
{
	seq=100  # its own namespace names
	run "nft limit 10/minute burst 3" iptables-nft "$S2" "-m limit --limit 10/minute --limit-burst 3" nft 60000 3 >"$tmp/slow1"
	[ $legacy = 1 ] && run "xt_limit 10/minute burst 3" iptables-legacy "$S2" "-m limit --limit 10/minute --limit-burst 3" xt 60000 3 >>"$tmp/slow1"
} &
slow=$!
run "nft limit 10/sec burst 3" iptables-nft "$S1" "-m limit --limit 10/sec --limit-burst 3" nft 1000 3
run "hashlimit 10/sec burst 3" iptables-nft "$S1" "$HL --hashlimit-upto 10/sec --hashlimit-burst 3" hl 100000 3 0
run "hashlimit above 10/sec burst 3" iptables-nft "$S1" "$HL --hashlimit-above 10/sec --hashlimit-burst 3" hl 100000 3 0x10
run "hashlimit 1kb/s" iptables-nft "$S3" "$HL --hashlimit-upto 1kb/s" hl 66076419 0 0x20
run "hashlimit 1kb/s burst 2kb" iptables-nft "$S3" "$HL --hashlimit-upto 1kb/s --hashlimit-burst 2kb" hl 66076419 2 0x20
run "hashlimit 10/sec rate-match" iptables-nft "$S1" "$HL --hashlimit-upto 10/sec --hashlimit-rate-match" hl 100000 5 0x40
[ $legacy = 1 ] && run "xt_limit 10/sec burst 3" iptables-legacy "$S1" "-m limit --limit 10/sec --limit-burst 3" xt 1000 3

# checkentry: xt_limit's 32-bit credit products wrap for slow rates
if [ $legacy = 1 ]; then
	ns="$prefix-$$-grid"; ip netns add "$ns"; bad=0 n=0 refused=0
	for r in 1/day 2/day 3/day 5/day 1/hour 2/hour 7/hour 1/min 3/min 1/sec 100/sec 9999/sec; do
		case ${r#*/} in day) m=864000000 ;; hour) m=36000000 ;; min) m=600000 ;; sec) m=10000 ;; esac
		for b in 1 2 3 4 5 10 100 1000 10000; do
			k=0; ip netns exec "$ns" iptables-legacy -A INPUT -m limit --limit "$r" --limit-burst $b 2>/dev/null || k=-1
			[ $k = -1 ] && refused=$((refused + 1))
			s=$("$tmp/sim" check-xt $((m / ${r%/*})) $b); n=$((n + 1))
			[ "$k" = "$s" ] || { bad=$((bad + 1)); echo "# xt_limit $r burst $b: kernel $k, predicted $s"; }
		done
	done
	ip netns del "$ns"
	if [ $bad = 0 ]; then echo "ok - xt_limit checkentry: $n pairs, $refused refused, all predicted"; pass=$((pass + 1))
	else echo "not ok - xt_limit checkentry: $bad of $n mispredicted"; fail=$((fail + 1)); fi
fi
# hashlimit's 64-bit credits overflow only for the slowest rates
ns="$prefix-$$-hgrid"; ip netns add "$ns"; bad=0 n=0 refused=0
for r in 1/day 2/day 5/day 1/hour 7/hour 1/min 1/sec 100/sec; do
	case ${r#*/} in day) m=86400000000 ;; hour) m=3600000000 ;; min) m=60000000 ;; sec) m=1000000 ;; esac
	for b in 1 2 3 5 10 1000 100000 1000000; do
		k=0; ip netns exec "$ns" iptables-nft -A INPUT -m hashlimit --hashlimit-name g$n --hashlimit-upto "$r" --hashlimit-burst $b 2>/dev/null || k=-1
		[ $k = -1 ] && refused=$((refused + 1))
		s=$("$tmp/sim" check-hl $((m / ${r%/*})) $b 0); n=$((n + 1))
		[ "$k" = "$s" ] || { bad=$((bad + 1)); echo "# hashlimit $r burst $b: kernel $k, predicted $s"; }
	done
done
ip netns del "$ns"
if [ $bad = 0 ]; then echo "ok - hashlimit checkentry: $n pairs, $refused refused, all predicted"; pass=$((pass + 1))
else echo "not ok - hashlimit checkentry: $bad of $n mispredicted"; fail=$((fail + 1)); fi

wait $slow
cat "$tmp/slow1"
pass=$((pass + $(grep -c '^ok' "$tmp/slow1"))); fail=$((fail + $(grep -c '^not ok' "$tmp/slow1")))
echo "# $pass passed, $fail failed"
[ $fail = 0 ]
