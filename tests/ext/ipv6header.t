# Vectors of ipv6header: iptables 1.8.9's libip6t_ipv6header.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:INPUT,FORWARD,OUTPUT
-m ipv6header --header hop-by-hop;=;OK
-m ipv6header --header hop-by-hop --soft;=;OK
-m ipv6header --header ipv6-nonxt;=;OK
