# Vectors of HL: iptables 1.8.9's libip6t_HL.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
*mangle
-j HL --hl-set 42;=;OK
-j HL --hl-inc 1;=;OK
-j HL --hl-dec 1;=;OK
-j HL --hl-set 256;;FAIL
> ip6tables v1.8.9 (nf_tables): HL: bad value for option "--hl-set", or out of range (0-255).
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j HL --hl-inc 0;;FAIL
> ip6tables v1.8.9 (nf_tables): HL: bad value for option "--hl-inc", or out of range (1-255).
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j HL --hl-dec 0;;FAIL
> ip6tables v1.8.9 (nf_tables): HL: bad value for option "--hl-dec", or out of range (1-255).
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j HL --hl-dec 1 --hl-inc 1;;FAIL
> ip6tables v1.8.9 (nf_tables): HL: option "--hl-dec" cannot be used together with "--hl-inc".
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j HL --hl-set --hl-inc 1;;FAIL
> ip6tables v1.8.9 (nf_tables): HL: bad value for option "--hl-set", or out of range (0-255).
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
