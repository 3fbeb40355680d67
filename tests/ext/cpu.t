# Vectors of cpu: iptables 1.8.9's libxt_cpu.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m cpu --cpu 0;=;OK
-m cpu ! --cpu 0;=;OK
-m cpu --cpu 4294967295;=;OK
-m cpu --cpu 4294967296;;FAIL
> iptables v1.8.9 (nf_tables): cpu: bad value for option "--cpu", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m cpu;;FAIL
> iptables v1.8.9 (nf_tables): cpu: option "--cpu" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
