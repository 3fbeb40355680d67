#!/usr/bin/env bash
# kube-proxy's nftables-mode transaction (tests/compat/k8s/, see its
# SOURCE.txt) loaded with `nft -f` into the real nft 1.0.6 in one
# network namespace and into qtables' nft (a qtablesd of its own) in
# another, as kube-proxy sends it (`nft -f -`); the oracle must list
# what it listed when the data was recorded (kube-proxy.list, so that a
# change of the oracle shows too). Compared byte for byte: the load's
# exit code and messages, `nft list ruleset`, `nft -a list ruleset`,
# each set's and map's own listing, and the same listings in
# libnftables' JSON (`nft -j`, which has handles with or without -a);
# then a second load of the same transaction, an element's delete and
# a flush. tests/bats/kube_proxy_nft.bats sends traffic through it.
#
# Usage: run-nft-k8s.sh   (QT_BUILD: the build tree)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT

data=$here/k8s
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
[ -x /usr/sbin/nft ] || { echo "run-nft-k8s: /usr/sbin/nft missing"; echo "0 passed, 1 failed"; exit 1; }

qt_ns k8soracle || { echo "0 passed, 1 failed"; exit 1; }
ons=$QT_NS
qt_ns k8sqt || { echo "0 passed, 1 failed"; exit 1; }
qns=$QT_NS
qt_daemon "$qns" || { echo "run-nft-k8s: qtablesd did not start"; echo "0 passed, 1 failed"; exit 1; }

work=$QT_RUN/k8s
mkdir -p "$work"
nft_o() { ip netns exec "$ons" /usr/sbin/nft "$@"; }
nft_q() { ip netns exec "$qns" "$QT_BUILD/nft" "$@"; }

same() { # name file-o file-q
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		bad "$1"
		diff -u "$2" "$3" | head -40 | sed 's/^/   /'
	fi
}

# step: NAME ARGS... run on both sides (stdout, stderr and exit code),
# with $STDIN (default: none) on their standard input
step() {
	local name=$1; shift
	nft_o "$@" <"${STDIN:-/dev/null}" >"$work/o.out" 2>"$work/o.err"; echo "rc $?" >>"$work/o.out"
	nft_q "$@" <"${STDIN:-/dev/null}" >"$work/q.out" 2>"$work/q.err"; echo "rc $?" >>"$work/q.out"
	cat "$work/o.err" >>"$work/o.out"
	cat "$work/q.err" >>"$work/q.out"
	same "$name" "$work/o.out" "$work/q.out"
}

# As kube-proxy sends it (`nft -f -`, its transaction on stdin), base
# chains, verdict maps, numgen, fib, nat chains and its affinity set
# included: both sides take it, and the listings below compare what
# each holds.
STDIN=$data/kube-proxy.nft step "load the transaction as sent" -f -
nft_o list ruleset >"$work/o.list"
same "the oracle's listing as recorded" "$data/kube-proxy.list" "$work/o.list"
step "list ruleset" list ruleset
step "-a list ruleset" -a list ruleset
step "-j list ruleset" -j list ruleset
step "-j -a list ruleset" -j -a list ruleset
step "-j list sets" -j list sets
step "-j list maps" -j list maps
step "-j list chains" -j list chains
step "-j list table" -j list table ip kube-proxy
for s in cluster-ips nodeport-ips affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80; do
	step "list set $s" list set ip kube-proxy "$s"
	step "-j list set $s" -j list set ip kube-proxy "$s"
done
for m in firewall-ips no-endpoint-nodeports no-endpoint-services service-ips service-nodeports; do
	step "list map $m" list map ip kube-proxy "$m"
	step "-j list map $m" -j list map ip kube-proxy "$m"
done
step "list chain services" list chain ip kube-proxy services
step "-j list chain services" -j list chain ip kube-proxy services
# the same transaction again: every object exists, elements too
STDIN=$data/kube-proxy.nft step "load again" -f -
step "list ruleset after the second load" -a list ruleset
step "-j list ruleset after the second load" -j list ruleset
step "delete an element of a verdict map" delete element ip kube-proxy service-ips '{ 172.30.0.41 . tcp . 80 }'
step "list map after the delete" list map ip kube-proxy service-ips
step "-j list map after the delete" -j list map ip kube-proxy service-ips
step "flush ruleset" flush ruleset
step "list ruleset when empty" list ruleset
step "-j list ruleset when empty" -j list ruleset

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
