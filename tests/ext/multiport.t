# Vectors of multiport: iptables 1.8.9's libxt_multiport.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-p tcp -m multiport --sports 53,1024:65535;=;OK
-p tcp -m multiport --dports 53,1024:65535;=;OK
-p udp -m multiport --sports 53,1024:65535;=;OK
-p udp -m multiport --dports 53,1024:65535;=;OK
-p udp -m multiport --ports 53,1024:65535;=;OK
-p udp -m multiport --ports 53,1024:65535;=;OK
-p sctp -m multiport --sports 53,1024:65535;=;OK
-p sctp -m multiport --dports 53,1024:65535;=;OK
-p dccp -m multiport --sports 53,1024:65535;=;OK
-p dccp -m multiport --dports 53,1024:65535;=;OK
-p udplite -m multiport --sports 53,1024:65535;=;OK
-p udplite -m multiport --dports 53,1024:65535;=;OK
-p tcp -m multiport --sports 1024:65536;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `65536' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p udp -m multiport --sports 1024:65536;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `65536' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -m multiport --ports 1024:65536;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `65536' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p udp -m multiport --ports 1024:65536;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `65536' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -m multiport --ports 1,2,3,4,6,7,8,9,10,11,12,13,14,15;=;OK
# fix manpage, it says "up to 15 ports supported"
# ERROR: should fail: iptables -A INPUT -p tcp -m multiport --ports 1,2,3,4,6,7,8,9,10,11,12,13,14,15,16
# -p tcp -m multiport --ports 1,2,3,4,6,7,8,9,10,11,12,13,14,15,16;;FAIL
-p tcp --multiport;;FAIL
> iptables v1.8.9 (nf_tables): unknown option "--multiport"
> Try `iptables -h' or 'iptables --help' for more information.
-m multiport;;FAIL
> iptables v1.8.9 (nf_tables): multiport expection an option
> Try `iptables -h' or 'iptables --help' for more information.
