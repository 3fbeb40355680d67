# Vectors of quota: iptables 1.8.9's libxt_quota.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m quota --quota 0;=;OK
-m quota ! --quota 0;=;OK
-m quota --quota 18446744073709551615;=;OK
-m quota ! --quota 18446744073709551615;=;OK
-m quota --quota 18446744073709551616;;FAIL
> iptables v1.8.9 (nf_tables): quota: bad value for option "--quota", or out of range (0-18446744073709551615).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m quota;;FAIL
> iptables v1.8.9 (nf_tables): quota: option "--quota" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
