# Vectors of udp: iptables 1.8.9's libxt_udp.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,OUTPUT,FORWARD
-p udp -m udp --sport 1;=;OK
-p udp -m udp --sport 65535;=;OK
-p udp -m udp --dport 1;=;OK
-p udp -m udp --dport 65535;=;OK
-p udp -m udp --sport 1:1023;=;OK
-p udp -m udp --sport 1024:65535;=;OK
-p udp -m udp --sport 1024:;-p udp -m udp --sport 1024:65535;OK
-p udp -m udp ! --sport 1;=;OK
-p udp -m udp ! --sport 65535;=;OK
-p udp -m udp ! --dport 1;=;OK
-p udp -m udp ! --dport 65535;=;OK
-p udp -m udp --sport 1 --dport 65535;=;OK
-p udp -m udp --sport 65535 --dport 1;=;OK
-p udp -m udp ! --sport 1 --dport 65535;=;OK
-p udp -m udp ! --sport 65535 --dport 1;=;OK
# ERRROR: should fail: iptables -A INPUT -p udp -m udp --sport 65536
# -p udp -m udp --sport 65536;;FAIL
-p udp -m udp --sport -1;;FAIL
> iptables v1.8.9 (nf_tables): Port "-1" does not resolve to anything.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-p udp -m udp --dport -1;;FAIL
> iptables v1.8.9 (nf_tables): Port "-1" does not resolve to anything.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m udp --dport 1;;FAIL
> iptables v1.8.9 (nf_tables): UDP match requires '-p udp'
> Try `iptables -h' or 'iptables --help' for more information.
-m udp --dport 1 -p udp;-p udp -m udp --dport 1;OK
-m udp --dport 1 -p 17;-p udp -m udp --dport 1;OK
# should we accept this below?
-p udp -m udp;=;OK
