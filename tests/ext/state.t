# Vectors of state: iptables 1.8.9's libxt_state.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m state --state INVALID;=;OK
-m state --state NEW,RELATED;=;OK
-m state --state UNTRACKED;=;OK
-m state wrong;;FAIL
> Bad argument `wrong'
> Try `iptables -h' or 'iptables --help' for more information.
-m state;;FAIL
> iptables v1.8.9 (nf_tables): state: option "--state" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
