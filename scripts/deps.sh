#!/usr/bin/env bash
# Install what building and testing qtables needs, on Debian 12, as root.
# Installs only what is missing, so it is quick when everything is there.
set -eu
pkgs=(build-essential autoconf automake libtool pkg-config flex bison
      libmnl-dev libnetfilter-queue-dev liburcu-dev
      iptables iproute2 bats socat netcat-openbsd python3 python3-scapy
      tcpdump nfacct ipset ufw clang libclang-rt-14-dev procps kmod iputils-ping
      iperf3 conntrack hping3 nftables
      debhelper lintian systemd python3-prometheus-client python3-jsonschema
      graphviz gnuplot-nox fail2ban docker.io busybox-static curl)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# services the packages bring (fail2ban, docker) are for the tests, which
	# start them in throw-away roots: none starts on the host now
	own_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	[ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
fi
