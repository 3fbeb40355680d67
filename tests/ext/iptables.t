# Vectors of iptables: iptables 1.8.9's iptables.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:FORWARD
-i alongifacename0;=;OK
-i thisinterfaceistoolong0;;FAIL
> iptables v1.8.9 (nf_tables): interface name `thisinterfaceistoolong0' must be shorter than IFNAMSIZ (15)
> Try `iptables -h' or 'iptables --help' for more information.
-i eth+ -o alongifacename+;=;OK
! -i eth0;=;OK
! -o eth+;=;OK
