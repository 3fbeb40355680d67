# Vectors of helper: iptables 1.8.9's libxt_helper.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m helper --helper ftp;=;OK
# should be OK?
# ERROR: should fail: iptables -A INPUT -m helper --helper wrong
# -m helper --helper wrong;;FAIL
-m helper;;FAIL
> iptables v1.8.9 (nf_tables): helper: option "--helper" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
