# Vectors of dscp: iptables 1.8.9's libxt_dscp.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m dscp --dscp 0x00;=;OK
-m dscp --dscp 0x3f;=;OK
-m dscp --dscp -1;;FAIL
> iptables v1.8.9 (nf_tables): dscp: bad value for option "--dscp", or out of range (0-63).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m dscp --dscp 0x40;;FAIL
> iptables v1.8.9 (nf_tables): dscp: bad value for option "--dscp", or out of range (0-63).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m dscp --dscp 0x3f --dscp-class CS0;;FAIL
> iptables v1.8.9 (nf_tables): dscp: option "--dscp" cannot be used together with "--dscp-class".
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m dscp --dscp-class CS0;-m dscp --dscp 0x00;OK
-m dscp --dscp-class BE;-m dscp --dscp 0x00;OK
-m dscp --dscp-class EF;-m dscp --dscp 0x2e;OK
-m dscp;;FAIL
> iptables v1.8.9 (nf_tables): DSCP match: Parameter --dscp is required
> Try `iptables -h' or 'iptables --help' for more information.
