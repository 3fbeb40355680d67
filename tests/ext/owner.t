# Vectors of owner: iptables 1.8.9's libxt_owner.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:OUTPUT,POSTROUTING
*mangle
-m owner --uid-owner root;-m owner --uid-owner 0;OK
-m owner --uid-owner 0-10;=;OK
-m owner --gid-owner root;-m owner --gid-owner 0;OK
-m owner --gid-owner 0-10;=;OK
-m owner --uid-owner root --gid-owner root;-m owner --uid-owner 0 --gid-owner 0;OK
-m owner --uid-owner 0-10 --gid-owner 0-10;=;OK
-m owner ! --uid-owner root;-m owner ! --uid-owner 0;OK
-m owner --socket-exists;=;OK
-m owner --gid-owner 0-10 --suppl-groups;=;OK
-m owner --suppl-groups --gid-owner 0-10;;FAIL
> iptables v1.8.9 (nf_tables): owner: Bad value for "--suppl-groups" option: "you need to use --gid-owner first"
> Try `iptables -h' or 'iptables --help' for more information.
-m owner --gid-owner 0-10 ! --suppl-groups;;FAIL
> iptables v1.8.9 (nf_tables): owner: option "--suppl-groups" cannot be inverted.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m owner --suppl-groups;;FAIL
> iptables v1.8.9 (nf_tables): owner: Bad value for "--suppl-groups" option: "you need to use --gid-owner first"
> Try `iptables -h' or 'iptables --help' for more information.
:INPUT
-m owner --uid-owner root;;FAIL
> iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT
# numbers as xtables reads them: a '-' is refused even before 0
-m owner --gid-owner -0;;FAIL
> iptables v1.8.9 (nf_tables): owner: Bad value for "--gid-owner" option: "-0"
> Try `iptables -h' or 'iptables --help' for more information.
# numbers as xtables reads them: a '-' is refused even before 0
-m owner --uid-owner 1:-0;;FAIL
> iptables v1.8.9 (nf_tables): owner: Bad value for "--uid-owner" option: "1:-0"
> Try `iptables -h' or 'iptables --help' for more information.
