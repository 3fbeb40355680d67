#!/usr/bin/env bash
# The quickstart demonstration: a firewall namespace with qtablesd and a
# default ruleset typed as one would type it to iptables.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
QT_PREFIX=qtdemo$$
. "$top/tests/lib/qt.sh"
trap qt_cleanup EXIT

qt_ns fw
fw=$QT_NS
qt_daemon "$fw"
say() { printf '\n$ %s\n' "$*"; }
run() { say "iptables $(printf "%q " "$@")"; qt "$fw" "$@"; }

run -P INPUT DROP
run -A INPUT -i lo -j ACCEPT
run -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
run -A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --set --name SSH
run -A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --update --seconds 60 --hitcount 4 --name SSH -j DROP
run -A INPUT -p tcp --dport 22 -j ACCEPT
run -A INPUT -p icmp --icmp-type echo-request -m limit --limit 1/second -j ACCEPT
run -A INPUT -m limit --limit 5/min -j LOG --log-prefix "qtables drop: "
say "iptables -L -n -v --line-numbers"; qt "$fw" -L -n -v --line-numbers
say "iptables-save"; qt_save "$fw"
say "iptables -A INPUT -p tcp --dport 99999   (a mistake: same message and exit code as iptables)"
qt "$fw" -A INPUT -p tcp --dport 99999 || echo "exit status $?"
