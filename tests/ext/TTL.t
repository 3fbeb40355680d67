# Vectors of TTL: iptables 1.8.9's libipt_TTL.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
*mangle
-j TTL --ttl-set 42;=;OK
-j TTL --ttl-inc 1;=;OK
-j TTL --ttl-dec 1;=;OK
-j TTL --ttl-set 256;;FAIL
> iptables v1.8.9 (nf_tables): TTL: bad value for option "--ttl-set", or out of range (0-255).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j TTL --ttl-inc 0;;FAIL
> iptables v1.8.9 (nf_tables): TTL: bad value for option "--ttl-inc", or out of range (1-255).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j TTL --ttl-dec 0;;FAIL
> iptables v1.8.9 (nf_tables): TTL: bad value for option "--ttl-dec", or out of range (1-255).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j TTL --ttl-dec 1 --ttl-inc 1;;FAIL
> iptables v1.8.9 (nf_tables): TTL: option "--ttl-dec" cannot be used together with "--ttl-inc".
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j TTL --ttl-set --ttl-inc 1;;FAIL
> iptables v1.8.9 (nf_tables): TTL: bad value for option "--ttl-set", or out of range (0-255).
> 
> Try `iptables -h' or 'iptables --help' for more information.
