# Vectors of hl: iptables 1.8.9's libip6t_hl.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:INPUT,FORWARD,OUTPUT
-m hl;;FAIL
> ip6tables v1.8.9 (nf_tables): HL match: You must specify one of `--hl-eq', `--hl-lt', `--hl-gt'
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-m hl --hl-eq 42;=;OK
-m hl ! --hl-eq 42;=;OK
-m hl --hl-lt 42;=;OK
-m hl --hl-gt 42;=;OK
-m hl --hl-gt 42 --hl-eq 42;;FAIL
> ip6tables v1.8.9 (nf_tables): hl: option "--hl-gt" cannot be used together with "--hl-eq".
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-m hl --hl-gt;;FAIL
> ip6tables v1.8.9 (nf_tables): option "--hl-gt" requires an argument
> Try `ip6tables -h' or 'ip6tables --help' for more information.
