# Vectors of nfacct: iptables 1.8.9's libxt_nfacct.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
@nfacct add test
#
# extra space in iptables-save output, fix it
#
# ERROR: cannot load: iptables -A INPUT -m nfacct --nfacct-name test
#-m nfacct --nfacct-name test;=;OK
-m nfacct --nfacct-name wrong;;FAIL
> iptables v1.8.9 (nf_tables):  RULE_APPEND failed (No such file or directory): rule in chain INPUT
-m nfacct;;FAIL
> iptables v1.8.9 (nf_tables): nfacct: option "--nfacct-name" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
@nfacct del test
