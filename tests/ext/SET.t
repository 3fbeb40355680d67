# Vectors of SET: iptables 1.8.9's libxt_SET.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
# fails: foo does not exist
-j SET --add-set foo src,dst;;FAIL
> iptables v1.8.9 (nf_tables): Set foo doesn't exist.
> 
> Try `iptables -h' or 'iptables --help' for more information.
