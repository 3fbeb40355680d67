# Vectors of DSCP: iptables 1.8.9's libxt_DSCP.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
*mangle
-j DSCP --set-dscp 0x00;=;OK
-j DSCP --set-dscp 0x3f;=;OK
-j DSCP --set-dscp -1;;FAIL
> iptables v1.8.9 (nf_tables): DSCP: bad value for option "--set-dscp", or out of range (0-63).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j DSCP --set-dscp 0x40;;FAIL
> iptables v1.8.9 (nf_tables): DSCP: bad value for option "--set-dscp", or out of range (0-63).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j DSCP --set-dscp 0x3f --set-dscp-class CS0;;FAIL
> iptables v1.8.9 (nf_tables): DSCP: option "--set-dscp" cannot be used together with "--set-dscp-class".
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j DSCP --set-dscp-class CS0;-j DSCP --set-dscp 0x00;OK
-j DSCP --set-dscp-class BE;-j DSCP --set-dscp 0x00;OK
-j DSCP --set-dscp-class EF;-j DSCP --set-dscp 0x2e;OK
-j DSCP;;FAIL
> iptables v1.8.9 (nf_tables): DSCP target: Parameter --set-dscp is required
> Try `iptables -h' or 'iptables --help' for more information.
