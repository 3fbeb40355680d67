# Vectors of MASQUERADE6: iptables 1.8.9's libip6t_MASQUERADE.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:POSTROUTING
*nat
-j MASQUERADE;=;OK
-j MASQUERADE --random;=;OK
-j MASQUERADE --random-fully;=;OK
-p tcp -j MASQUERADE --to-ports 1024;=;OK
-p udp -j MASQUERADE --to-ports 1024-65535;=;OK
-p udp -j MASQUERADE --to-ports 1024-65536;;FAIL
> ip6tables v1.8.9 (nf_tables): Port `65536' not valid
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p udp -j MASQUERADE --to-ports -1;;FAIL
> ip6tables v1.8.9 (nf_tables): Port `-1' not valid
> Try `ip6tables -h' or 'ip6tables --help' for more information.
