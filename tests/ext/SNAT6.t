# Vectors of SNAT6: iptables 1.8.9's libip6t_SNAT.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:POSTROUTING
*nat
-j SNAT --to-source dead::beef;=;OK
-j SNAT --to-source dead::beef-dead::fee7;=;OK
-j SNAT --to-source [dead::beef]:1025-65535;;FAIL
> ip6tables v1.8.9 (nf_tables): Need TCP, UDP, SCTP or DCCP with port specification
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j SNAT --to-source [dead::beef] --to-source [dead::fee7];;FAIL
> ip6tables v1.8.9 (nf_tables): SNAT: option "--to-source" can only be used once.
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j SNAT --to-source dead::beef --random;=;OK
-j SNAT --to-source dead::beef --random-fully;=;OK
-j SNAT --to-source dead::beef --persistent;=;OK
-j SNAT --to-source dead::beef --random --persistent;=;OK
-j SNAT --to-source dead::beef --random --random-fully;=;OK
-j SNAT --to-source dead::beef --random --random-fully --persistent;=;OK
-p tcp -j SNAT --to-source [dead::beef]:1025-65535;=;OK
-p tcp -j SNAT --to-source [dead::beef-dead::fee7]:1025-65535;=;OK
-p tcp -j SNAT --to-source [dead::beef-dead::fee7]:1025-65536;;FAIL
> ip6tables v1.8.9 (nf_tables): Port `65536' not valid
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p tcp -j SNAT --to-source [dead::beef-dead::fee7]:1025-65535 --to-source [dead::beef-dead::fee8]:1025-65535;;FAIL
> ip6tables v1.8.9 (nf_tables): SNAT: option "--to-source" can only be used once.
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j SNAT;;FAIL
> ip6tables v1.8.9 (nf_tables): SNAT: option "--to-source" must be specified
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
