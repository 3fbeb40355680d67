# Vectors of ttl: iptables 1.8.9's libipt_ttl.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m ttl --ttl-eq 0;=;OK
-m ttl --ttl-eq 255;=;OK
-m ttl ! --ttl-eq 0;=;OK
-m ttl ! --ttl-eq 255;=;OK
-m ttl --ttl-gt 0;=;OK
# not possible have anything greater than 255, TTL is 8-bit long
# ERROR: should fail: iptables -A INPUT -m ttl --ttl-gt 255
## -m ttl --ttl-gt 255;;FAIL
# not possible have anything below 0
# ERROR: should fail: iptables -A INPUT -m ttl --ttl-lt 0
## -m ttl --ttl-lt 0;;FAIL
-m ttl --ttl-eq 256;;FAIL
> iptables v1.8.9 (nf_tables): ttl: bad value for option "--ttl-eq", or out of range (0-255).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m ttl --ttl-eq -1;;FAIL
> iptables v1.8.9 (nf_tables): ttl: bad value for option "--ttl-eq", or out of range (0-255).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m ttl;;FAIL
> iptables v1.8.9 (nf_tables): TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt
> Try `iptables -h' or 'iptables --help' for more information.
# numbers as xtables reads them: a '-' is refused even before 0
-m ttl --ttl-eq -0;;FAIL
> iptables v1.8.9 (nf_tables): ttl: bad value for option "--ttl-eq", or out of range (0-255).
> 
> Try `iptables -h' or 'iptables --help' for more information.
# numbers as xtables reads them: a '-' is refused even before 0
-m ttl --ttl-lt -0;;FAIL
> iptables v1.8.9 (nf_tables): ttl: bad value for option "--ttl-lt", or out of range (0-255).
> 
> Try `iptables -h' or 'iptables --help' for more information.
