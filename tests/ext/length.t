# Vectors of length: iptables 1.8.9's libxt_length.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m length --length 1;=;OK
-m length --length :2;-m length --length 0:2;OK
-m length --length 0:3;=;OK
-m length --length 4:;-m length --length 4:65535;OK
-m length --length 0:65535;=;OK
-m length ! --length 0:65535;=;OK
-m length --length 0:65536;;FAIL
> iptables v1.8.9 (nf_tables): length: bad value for option "--length" near "65536", or out of range (0-65535).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m length --length -1:65535;;FAIL
> iptables v1.8.9 (nf_tables): length: bad value for option "--length" near "-1:65535", or out of range (0-65535).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m length;;FAIL
> iptables v1.8.9 (nf_tables): length: option "--length" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
# numbers as xtables reads them: a '-' is refused even before 0
-m length --length 1:-0;;FAIL
> iptables v1.8.9 (nf_tables): length: bad value for option "--length" near "-0", or out of range (0-65535).
> 
> Try `iptables -h' or 'iptables --help' for more information.
# numbers as xtables reads them: a '-' is refused even before 0
-m length --length -0;;FAIL
> iptables v1.8.9 (nf_tables): length: bad value for option "--length" near "-0", or out of range (0-65535).
> 
> Try `iptables -h' or 'iptables --help' for more information.
