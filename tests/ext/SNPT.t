# Vectors of SNPT: iptables 1.8.9's libip6t_SNPT.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:INPUT,POSTROUTING
*mangle
-j SNPT --src-pfx dead::/64 --dst-pfx 1c3::/64;=;OK
-j SNPT --src-pfx dead::beef --dst-pfx 1c3::/64;;FAIL
> ip6tables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT
-j SNPT --src-pfx dead::/64;;FAIL
> ip6tables v1.8.9 (nf_tables): SNPT: option "--dst-pfx" must be specified
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j SNPT --dst-pfx dead::/64;;FAIL
> ip6tables v1.8.9 (nf_tables): SNPT: option "--src-pfx" must be specified
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j SNPT;;FAIL
> ip6tables v1.8.9 (nf_tables): SNPT: option "--src-pfx" must be specified
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
