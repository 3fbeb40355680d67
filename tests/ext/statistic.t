# Vectors of statistic: iptables 1.8.9's libxt_statistic.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m statistic;;FAIL
> iptables v1.8.9 (nf_tables): --probability must be specified when using random mode
> Try `iptables -h' or 'iptables --help' for more information.
-m statistic --mode random ! --probability 0.50000000000;=;OK
-m statistic --mode random ! --probability 1.1;;FAIL
> iptables v1.8.9 (nf_tables): statistic: bad value for option "--probability", or out of range (0-1).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m statistic --probability 1;;FAIL
> iptables v1.8.9 (nf_tables): statistic: option "--mode" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m statistic --mode nth ! --every 5 --packet 2;=;OK
-m statistic --mode nth ! --every 5;;FAIL
> iptables v1.8.9 (nf_tables): statistic: option "--every" also requires "--packet".
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m statistic --mode nth ! --every 5 --packet 5;;FAIL
> iptables v1.8.9 (nf_tables): the --packet p must be 0 <= p <= n-1
> Try `iptables -h' or 'iptables --help' for more information.
