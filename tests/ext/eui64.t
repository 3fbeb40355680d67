# Vectors of eui64: iptables 1.8.9's libip6t_eui64.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:PREROUTING
*raw
-m eui64;=;OK
:INPUT,FORWARD
*filter
-m eui64;=;OK
:OUTPUT
-m eui64;;FAIL
> ip6tables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain OUTPUT
