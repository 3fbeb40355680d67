# Vectors of DNAT6: iptables 1.8.9's libip6t_DNAT.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:PREROUTING
*nat
-j DNAT --to-destination dead::beef;=;OK
-j DNAT --to-destination dead::beef-dead::fee7;=;OK
-j DNAT --to-destination [dead::beef]:1025-65535;;FAIL
> ip6tables v1.8.9 (nf_tables): Need TCP, UDP, SCTP or DCCP with port specification
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j DNAT --to-destination [dead::beef] --to-destination [dead::fee7];;FAIL
> ip6tables v1.8.9 (nf_tables): DNAT: option "--to-destination" can only be used once.
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p tcp -j DNAT --to-destination [dead::beef]:1025-65535;=;OK
-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1025-65535;=;OK
-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1025-65536;;FAIL
> ip6tables v1.8.9 (nf_tables): Port `65536' not valid
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1025-65535 --to-destination [dead::beef-dead::fee8]:1025-65535;;FAIL
> ip6tables v1.8.9 (nf_tables): DNAT: option "--to-destination" can only be used once.
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1000-2000/1000;=;OK
-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1000-2000/3000;=;OK
-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1000-2000/65535;=;OK
-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1000-2000/0;;FAIL
> ip6tables v1.8.9 (nf_tables): Port `0' not valid
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1000-2000/65536;;FAIL
> ip6tables v1.8.9 (nf_tables): Port `65536' not valid
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p tcp -j DNAT --to-destination [dead::beef]:ssh;-p tcp -j DNAT --to-destination [dead::beef]:22;OK
-p tcp -j DNAT --to-destination [dead::beef]:ftp-data;-p tcp -j DNAT --to-destination [dead::beef]:20;OK
-p tcp -j DNAT --to-destination [dead::beef]:echo-ssh;;FAIL
> ip6tables v1.8.9 (nf_tables): Port `echo-ssh' not valid
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p tcp -j DNAT --to-destination [dead::beef]:10-20/ftp;-p tcp -j DNAT --to-destination [dead::beef]:10-20/21;OK
-j DNAT;;FAIL
> ip6tables v1.8.9 (nf_tables): DNAT: option "--to-destination" must be specified
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
