# Vectors of DNAT: iptables 1.8.9's libipt_DNAT.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING
*nat
-j DNAT --to-destination 1.1.1.1;=;OK
-j DNAT --to-destination 1.1.1.1-1.1.1.10;=;OK
-j DNAT --to-destination 1.1.1.1:1025-65535;;FAIL
> iptables v1.8.9 (nf_tables): Need TCP, UDP, SCTP or DCCP with port specification
> Try `iptables -h' or 'iptables --help' for more information.
-j DNAT --to-destination 1.1.1.1 --to-destination 2.2.2.2;;FAIL
> iptables v1.8.9 (nf_tables): DNAT: option "--to-destination" can only be used once.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j DNAT --to-destination 1.1.1.1:1025-65535;=;OK
-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1025-65535;=;OK
-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1025-65536;;FAIL
> iptables v1.8.9 (nf_tables): Port `65536' not valid
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1025-65535 --to-destination 2.2.2.2-2.2.2.20:1025-65535;;FAIL
> iptables v1.8.9 (nf_tables): DNAT: option "--to-destination" can only be used once.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/1000;=;OK
-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/3000;=;OK
-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/65535;=;OK
-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/0;;FAIL
> iptables v1.8.9 (nf_tables): Port `0' not valid
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/65536;;FAIL
> iptables v1.8.9 (nf_tables): Port `65536' not valid
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j DNAT --to-destination 1.1.1.1:ssh;-p tcp -j DNAT --to-destination 1.1.1.1:22;OK
-p tcp -j DNAT --to-destination 1.1.1.1:ftp-data;-p tcp -j DNAT --to-destination 1.1.1.1:20;OK
-p tcp -j DNAT --to-destination 1.1.1.1:echo-ssh;;FAIL
> iptables v1.8.9 (nf_tables): Port `echo-ssh' not valid
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j DNAT --to-destination 1.1.1.1:10-20/ftp;-p tcp -j DNAT --to-destination 1.1.1.1:10-20/21;OK
-j DNAT;;FAIL
> iptables v1.8.9 (nf_tables): DNAT: option "--to-destination" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
