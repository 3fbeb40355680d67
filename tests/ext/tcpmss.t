# Vectors of tcpmss: iptables 1.8.9's libxt_tcpmss.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m tcpmss --mss 42;;FAIL
> iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT
-p tcp -m tcpmss --mss 42;=;OK
-p tcp -m tcpmss --mss 42:12345;=;OK
-p tcp -m tcpmss --mss 42:65536;;FAIL
> iptables v1.8.9 (nf_tables): tcpmss: bad value for option "--mss" near "65536", or out of range (0-65535).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -m tcpmss --mss 65535:1000;;FAIL
> iptables v1.8.9 (nf_tables): tcpmss: invalid range given
> Try `iptables -h' or 'iptables --help' for more information.
