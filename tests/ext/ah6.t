# Vectors of ah6: iptables 1.8.9's libip6t_ah.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:INPUT,FORWARD,OUTPUT
-m ah --ahspi 0;=;OK
-m ah --ahspi 4294967295;=;OK
-m ah --ahspi 0:4294967295;-m ah;OK
-m ah ! --ahspi 0;=;OK
# ERROR: should fail: iptables -A FORWARD -t mangle -j CLASSIFY --set-class 1:-1
# -m ah --ahres;=;OK
# ERROR: line 7 (cannot find: ip6tables -I INPUT -m ah --ahlen 32
# -m ah --ahlen 32;=;OK
-m ah --ahspi -1;;FAIL
> ip6tables v1.8.9 (nf_tables): ah: bad value for option "--ahspi" near "-1", or out of range (0-4294967295).
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-m ah --ahspi 4294967296;;FAIL
> ip6tables v1.8.9 (nf_tables): ah: bad value for option "--ahspi" near "4294967296", or out of range (0-4294967295).
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-m ah --ahspi invalid;;FAIL
> ip6tables v1.8.9 (nf_tables): ah: bad value for option "--ahspi" near "invalid", or out of range (0-4294967295).
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-m ah --ahspi 0:invalid;;FAIL
> ip6tables v1.8.9 (nf_tables): ah: bad value for option "--ahspi" near "invalid", or out of range (0-4294967295).
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-m ah --ahspi;;FAIL
> ip6tables v1.8.9 (nf_tables): option "--ahspi" requires an argument
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-m ah;=;OK
