# Vectors of ah: iptables 1.8.9's libipt_ah.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-p ah -m ah --ahspi 0;=;OK
-p ah -m ah --ahspi 4294967295;=;OK
-p ah -m ah --ahspi 0:4294967295;-p ah -m ah;OK
-p ah -m ah ! --ahspi 0;=;OK
-p ah -m ah --ahspi -1;;FAIL
> iptables v1.8.9 (nf_tables): ah: bad value for option "--ahspi" near "-1", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-p ah -m ah --ahspi 4294967296;;FAIL
> iptables v1.8.9 (nf_tables): ah: bad value for option "--ahspi" near "4294967296", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-p ah -m ah --ahspi invalid;;FAIL
> iptables v1.8.9 (nf_tables): ah: bad value for option "--ahspi" near "invalid", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-p ah -m ah --ahspi 0:invalid;;FAIL
> iptables v1.8.9 (nf_tables): ah: bad value for option "--ahspi" near "invalid", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m ah --ahspi 0;;FAIL
> iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT
-m ah --ahspi;;FAIL
> iptables v1.8.9 (nf_tables): option "--ahspi" requires an argument
> Try `iptables -h' or 'iptables --help' for more information.
-m ah;;FAIL
> iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT
-p ah -m ah;=;OK
