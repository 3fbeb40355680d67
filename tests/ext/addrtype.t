# Vectors of addrtype: iptables 1.8.9's libxt_addrtype.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m addrtype;;FAIL
> iptables v1.8.9 (nf_tables): addrtype: you must specify --src-type or --dst-type
> Try `iptables -h' or 'iptables --help' for more information.
-m addrtype --src-type wrong;;FAIL
> iptables v1.8.9 (nf_tables): addrtype: bad type "wrong"
> Try `iptables -h' or 'iptables --help' for more information.
-m addrtype --src-type UNSPEC;=;OK
-m addrtype --dst-type UNSPEC;=;OK
-m addrtype --src-type LOCAL --dst-type LOCAL;=;OK
-m addrtype --dst-type UNSPEC;=;OK
-m addrtype --limit-iface-in;;FAIL
> iptables v1.8.9 (nf_tables): addrtype: you must specify --src-type or --dst-type
> Try `iptables -h' or 'iptables --help' for more information.
-m addrtype --limit-iface-out;;FAIL
> iptables v1.8.9 (nf_tables): addrtype: you must specify --src-type or --dst-type
> Try `iptables -h' or 'iptables --help' for more information.
-m addrtype --limit-iface-in --limit-iface-out;;FAIL
> iptables v1.8.9 (nf_tables): addrtype: you must specify --src-type or --dst-type
> Try `iptables -h' or 'iptables --help' for more information.
-m addrtype --src-type LOCAL --limit-iface-in --limit-iface-out;;FAIL
> iptables v1.8.9 (nf_tables): addrtype: option "--limit-iface-in" cannot be used together with "--limit-iface-out".
> 
> Try `iptables -h' or 'iptables --help' for more information.
:INPUT
-m addrtype --src-type LOCAL --limit-iface-in;=;OK
-m addrtype --dst-type LOCAL --limit-iface-in;=;OK
:OUTPUT
-m addrtype --src-type LOCAL --limit-iface-out;=;OK
-m addrtype --dst-type LOCAL --limit-iface-out;=;OK
