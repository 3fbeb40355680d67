# Vectors of SNAT: iptables 1.8.9's libipt_SNAT.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:POSTROUTING
*nat
-j SNAT --to-source 1.1.1.1;=;OK
-j SNAT --to-source 1.1.1.1-1.1.1.10;=;OK
-j SNAT --to-source 1.1.1.1:1025-65535;;FAIL
> iptables v1.8.9 (nf_tables): Need TCP, UDP, SCTP or DCCP with port specification
> Try `iptables -h' or 'iptables --help' for more information.
-j SNAT --to-source 1.1.1.1 --to-source 2.2.2.2;;FAIL
> iptables v1.8.9 (nf_tables): SNAT: option "--to-source" can only be used once.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j SNAT --to-source 1.1.1.1 --random;=;OK
-j SNAT --to-source 1.1.1.1 --random-fully;=;OK
-j SNAT --to-source 1.1.1.1 --persistent;=;OK
-j SNAT --to-source 1.1.1.1 --random --persistent;=;OK
-j SNAT --to-source 1.1.1.1 --random --random-fully;=;OK
-j SNAT --to-source 1.1.1.1 --random --random-fully --persistent;=;OK
-p tcp -j SNAT --to-source 1.1.1.1:1025-65535;=;OK
-p tcp -j SNAT --to-source 1.1.1.1-1.1.1.10:1025-65535;=;OK
-p tcp -j SNAT --to-source 1.1.1.1-1.1.1.10:1025-65536;;FAIL
> iptables v1.8.9 (nf_tables): Port `65536' not valid
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j SNAT --to-source 1.1.1.1-1.1.1.10:1025-65535 --to-source 2.2.2.2-2.2.2.20:1025-65535;;FAIL
> iptables v1.8.9 (nf_tables): SNAT: option "--to-source" can only be used once.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j SNAT;;FAIL
> iptables v1.8.9 (nf_tables): SNAT: option "--to-source" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
