# Vectors of pkttype: iptables 1.8.9's libxt_pkttype.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m pkttype --pkt-type unicast;=;OK
-m pkttype --pkt-type broadcast;=;OK
-m pkttype --pkt-type multicast;=;OK
-m pkttype --pkt-type wrong;;FAIL
> iptables v1.8.9 (nf_tables): Bad packet type 'wrong'
> Try `iptables -h' or 'iptables --help' for more information.
-m pkttype;;FAIL
> iptables v1.8.9 (nf_tables): pkttype: option "--pkt-type" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
