# Vectors of connmark: iptables 1.8.9's libxt_connmark.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,FORWARD,OUTPUT,POSTROUTING
*mangle
-m connmark --mark 0xffffffff;=;OK
-m connmark --mark 0xffffffff/0xffffffff;-m connmark --mark 0xffffffff;OK
-m connmark --mark 0xffffffff/0x0;=;OK
-m connmark --mark 0/0xffffffff;-m connmark --mark 0x0;OK
-m connmark --mark -1;;FAIL
> iptables v1.8.9 (nf_tables): connmark: bad integer value for option "--mark", or out of range.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connmark --mark 0xfffffffff;;FAIL
> iptables v1.8.9 (nf_tables): connmark: bad integer value for option "--mark", or out of range.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connmark;;FAIL
> iptables v1.8.9 (nf_tables): connmark: option "--mark" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
# numbers as xtables reads them: a '-' is refused even before 0
-m connmark --mark 1/-1;;FAIL
> iptables v1.8.9 (nf_tables): connmark: bad integer value for option "--mark", or out of range.
> 
> Try `iptables -h' or 'iptables --help' for more information.
