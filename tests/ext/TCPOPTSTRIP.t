# Vectors of TCPOPTSTRIP: iptables 1.8.9's libxt_TCPOPTSTRIP.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
*mangle
-j TCPOPTSTRIP;;FAIL
> iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain PREROUTING
-p tcp -j TCPOPTSTRIP;=;OK
-p tcp -j TCPOPTSTRIP --strip-options 2,3,4,5,6,7;=;OK
-p tcp -j TCPOPTSTRIP --strip-options 0;;FAIL
> iptables v1.8.9 (nf_tables): Option value may not be 0 or 1
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j TCPOPTSTRIP --strip-options 1;;FAIL
> iptables v1.8.9 (nf_tables): Option value may not be 0 or 1
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j TCPOPTSTRIP --strip-options 1,2;;FAIL
> iptables v1.8.9 (nf_tables): Option value may not be 0 or 1
> Try `iptables -h' or 'iptables --help' for more information.
