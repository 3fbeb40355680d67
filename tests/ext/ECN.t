# Vectors of ECN: iptables 1.8.9's libipt_ECN.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,FORWARD,OUTPUT,POSTROUTING
*mangle
-j ECN;;FAIL
> iptables v1.8.9 (nf_tables): ECN target: An operation is required
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j ECN;;FAIL
> iptables v1.8.9 (nf_tables): ECN target: An operation is required
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j ECN --ecn-tcp-remove;=;OK
