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

# netfilter-persistent and iptables-persistent (Debian's boot-time save and
# restore of the rulesets, tests/bats/netfilter_persistent.bats): ufw
# Breaks both, so they are not installed but unpacked into a root of
# their own, from which the test overlays them in private mount
# namespaces.
nfp_root=${QT_NFP_ROOT:-/usr/local/lib/qtables-test/netfilter-persistent}
if [ ! -x "$nfp_root/usr/sbin/netfilter-persistent" ] ||
   [ ! -x "$nfp_root/usr/share/netfilter-persistent/plugins.d/25-ip6tables" ]; then
	echo "deps: unpacking netfilter-persistent and iptables-persistent into $nfp_root"
	tmp=$(mktemp -d)
	chmod 755 "$tmp"   # apt-get download fetches as the _apt user
	( cd "$tmp" && apt-get download -qq netfilter-persistent iptables-persistent )
	mkdir -p "$nfp_root"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$nfp_root"
	done
	rm -rf "$tmp"
fi
