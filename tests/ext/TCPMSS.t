# Vectors of TCPMSS: iptables 1.8.9's libxt_TCPMSS.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:FORWARD,OUTPUT,POSTROUTING
*mangle
-j TCPMSS;;FAIL
> iptables v1.8.9 (nf_tables): TCPMSS target: At least one parameter is required
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j TCPMSS --set-mss 42;;FAIL;LEGACY
-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 42;=;OK
-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --clamp-mss-to-pmtu;=;OK
