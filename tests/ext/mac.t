# Vectors of mac: iptables 1.8.9's libxt_mac.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD
-m mac --mac-source 42:01:02:03:04:05;=;OK
-m mac --mac-source 42:01:02:03:04;=;FAIL
> iptables v1.8.9 (nf_tables): Invalid MAC address specified.
> Try `iptables -h' or 'iptables --help' for more information.
-m mac --mac-source 42:01:02:03:04:05:06;=;FAIL
> iptables v1.8.9 (nf_tables): Invalid MAC address specified.
> Try `iptables -h' or 'iptables --help' for more information.
-m mac;;FAIL
> iptables v1.8.9 (nf_tables): mac: option "--mac-source" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
