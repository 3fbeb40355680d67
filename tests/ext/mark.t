# Vectors of mark: iptables 1.8.9's libxt_mark.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m mark --mark 0xfeedcafe/0xfeedcafe;=;OK
-m mark --mark 0x0;=;OK
-m mark --mark 4294967295;-m mark --mark 0xffffffff;OK
-m mark --mark 4294967296;;FAIL
> iptables v1.8.9 (nf_tables): mark: bad integer value for option "--mark", or out of range.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m mark --mark -1;;FAIL
> iptables v1.8.9 (nf_tables): mark: bad integer value for option "--mark", or out of range.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m mark;;FAIL
> iptables v1.8.9 (nf_tables): mark: option "--mark" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
-s 1.2.0.0/15 -m mark --mark 0x0/0xff0;=;OK
# numbers as xtables reads them: a '-' is refused even before 0
-m mark --mark -0;;FAIL
> iptables v1.8.9 (nf_tables): mark: bad integer value for option "--mark", or out of range.
> 
> Try `iptables -h' or 'iptables --help' for more information.
