# Vectors of mh: iptables 1.8.9's libip6t_mh.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:INPUT,FORWARD,OUTPUT
-m mh;;FAIL
> ip6tables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT
-p mobility-header -m mh;=;OK
-p mobility-header -m mh --mh-type 1;=;OK
-p mobility-header -m mh ! --mh-type 4;=;OK
-p mobility-header -m mh --mh-type 4:123;=;OK
