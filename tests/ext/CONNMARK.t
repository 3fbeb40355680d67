# Vectors of CONNMARK: iptables 1.8.9's libxt_CONNMARK.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,FORWARD,OUTPUT,POSTROUTING
*mangle
-j CONNMARK --restore-mark;-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff;OK
-j CONNMARK --save-mark;-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff;OK
-j CONNMARK --save-mark --nfmask 0xfffffff --ctmask 0xffffffff;=;OK
-j CONNMARK --restore-mark --nfmask 0xfffffff --ctmask 0xffffffff;=;OK
-j CONNMARK;;FAIL
> iptables v1.8.9 (nf_tables): CONNMARK target: No operation specified
> Try `iptables -h' or 'iptables --help' for more information.
