# Vectors of tcp: iptables 1.8.9's libxt_tcp.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-p tcp -m tcp --sport 1;=;OK
-p tcp -m tcp --sport 65535;=;OK
-p tcp -m tcp --dport 1;=;OK
-p tcp -m tcp --dport 65535;=;OK
-p tcp -m tcp --sport 1:1023;=;OK
-p tcp -m tcp --sport 1024:65535;=;OK
-p tcp -m tcp --sport 1024:;-p tcp -m tcp --sport 1024:65535;OK
-p tcp -m tcp ! --sport 1;=;OK
-p tcp -m tcp ! --sport 65535;=;OK
-p tcp -m tcp ! --dport 1;=;OK
-p tcp -m tcp ! --dport 65535;=;OK
-p tcp -m tcp --sport 1 --dport 65535;=;OK
-p tcp -m tcp --sport 65535 --dport 1;=;OK
-p tcp -m tcp ! --sport 1 --dport 65535;=;OK
-p tcp -m tcp ! --sport 65535 --dport 1;=;OK
-p tcp -m tcp --sport 65536;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `65536' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -m tcp --sport -1;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `-1' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -m tcp --dport -1;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `-1' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -m tcp --syn;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN;OK
-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN;=;OK
-p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN;=;OK
-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN;=;OK
-p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG RST;=;OK
-m tcp --dport 1;;FAIL
> iptables v1.8.9 (nf_tables): TCP match requires '-p tcp'
> Try `iptables -h' or 'iptables --help' for more information.
-m tcp --dport 1 -p tcp;-p tcp -m tcp --dport 1;OK
-m tcp --dport 1 -p 6;-p tcp -m tcp --dport 1;OK
# should we accept this below?
-p tcp -m tcp;=;OK
