# Vectors of AUDIT: iptables 1.8.9's libxt_AUDIT.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-j AUDIT --type accept;=;OK
-j AUDIT --type drop;=;OK
-j AUDIT --type reject;=;OK
-j AUDIT;;FAIL
> iptables v1.8.9 (nf_tables): AUDIT: option "--type" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j AUDIT --type wrong;;FAIL
> iptables v1.8.9 (nf_tables): Bad action type value "wrong"
> Try `iptables -h' or 'iptables --help' for more information.
# qtables' own lines, answers of iptables-nft 1.8.9: the type's name in
# any case, saved in lower case; given once, never inverted
-j AUDIT --type DROP;-j AUDIT --type drop;OK
-j AUDIT --type Reject;-j AUDIT --type reject;OK
-j AUDIT --type drop --type accept;;FAIL
> iptables v1.8.9 (nf_tables): AUDIT: option "--type" can only be used once.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j AUDIT ! --type drop;;FAIL
> iptables v1.8.9 (nf_tables): AUDIT: option "--type" cannot be inverted.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j AUDIT --type "";;FAIL
> iptables v1.8.9 (nf_tables): Bad action type value ""
> Try `iptables -h' or 'iptables --help' for more information.
