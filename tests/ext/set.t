# Vectors of set: iptables 1.8.9's libxt_set.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m set --match-set foo;;FAIL
> iptables v1.8.9 (nf_tables): --match-set requires two args.
> Try `iptables -h' or 'iptables --help' for more information.
# fails: foo does not exist
-m set --match-set foo src,dst;;FAIL
> iptables v1.8.9 (nf_tables): Set foo doesn't exist.
> 
> Try `iptables -h' or 'iptables --help' for more information.
