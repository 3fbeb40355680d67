# Vectors of CHECKSUM: iptables 1.8.9's libxt_CHECKSUM.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,FORWARD,POSTROUTING
*mangle
-j CHECKSUM --checksum-fill;=;OK
-j CHECKSUM;;FAIL
> iptables v1.8.9 (nf_tables): CHECKSUM: option "--checksum-fill" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
