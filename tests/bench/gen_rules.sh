#!/usr/bin/env bash
# tests/bench/gen_rules.sh RULES: an iptables-restore file of RULES rules
# on standard output, the ruleset the benchmarks share.
#
# The rule file: a fifth of the rules in INPUT (some jumping to user
# chains), the rest spread over 20 user chains; addresses, ports,
# interfaces and the tcp match, which every build has.
awk -v n="${1:?usage: gen_rules.sh RULES}" 'BEGIN {
	print "*filter"
	print ":INPUT ACCEPT [0:0]"; print ":FORWARD ACCEPT [0:0]"; print ":OUTPUT ACCEPT [0:0]"
	for (c = 0; c < 20; c++) printf ":svc%02d - [0:0]\n", c
	for (i = 0; i < n; i++) {
		a = int(i / 65536) % 256; b = int(i / 256) % 256; d = i % 256
		port = 1 + i % 65535
		ch = (i % 5 == 0) ? "INPUT" : sprintf("svc%02d", i % 20)
		k = i % 4
		if (ch == "INPUT" && k == 3)
			printf "-A INPUT -p tcp -m tcp --dport %d -j svc%02d\n", port, i % 20
		else if (k == 0)
			printf "-A %s -s 10.%d.%d.%d/32 -p tcp -m tcp --dport %d -j ACCEPT\n", ch, a, b, d, port
		else if (k == 1)
			printf "-A %s -d 10.%d.%d.0/24 -p tcp -m tcp --sport %d -j DROP\n", ch, a, b, port
		else if (k == 2)
			printf "-A %s -s 172.16.%d.%d/32 -i eth%d -j RETURN\n", ch, b, d, i % 4
		else
			printf "-A %s ! -s 192.168.%d.0/24 -o veth%d -p tcp -m tcp --dport %d:%d -j ACCEPT\n", ch, b, i % 8, port, (port < 65535 ? port + 1 : 65535)
	}
	print "COMMIT"
}'
