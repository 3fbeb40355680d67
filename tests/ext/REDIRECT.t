# Vectors of REDIRECT: iptables 1.8.9's libxt_REDIRECT.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,OUTPUT
*nat
-p tcp -j REDIRECT --to-ports 42;=;OK
-p tcp -j REDIRECT --to-ports 0;=;OK
-p tcp -j REDIRECT --to-ports 65535;=;OK
-p tcp -j REDIRECT --to-ports 65536;;FAIL
> iptables v1.8.9 (nf_tables): Port `65536' not valid
> Try `iptables -h' or 'iptables --help' for more information.
-p udp -j REDIRECT --to-ports 0-0;-p udp -j REDIRECT --to-ports 0;OK
-p udp -j REDIRECT --to-ports 512-512;-p udp -j REDIRECT --to-ports 512;OK
-p udp -j REDIRECT --to-ports 42-1234;=;OK
-p tcp -j REDIRECT --to-ports 42-1234 --random;=;OK
-p tcp -j REDIRECT --to-ports 42-1234/567;;FAIL
> iptables v1.8.9 (nf_tables): Shifted portmap ranges not supported with this kernel
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j REDIRECT --to-ports ssh;-p tcp -j REDIRECT --to-ports 22;OK
-p tcp -j REDIRECT --to-ports ftp-data;-p tcp -j REDIRECT --to-ports 20;OK
-p tcp -j REDIRECT --to-ports ftp-ssh;;FAIL
> iptables v1.8.9 (nf_tables): Port `ftp-ssh' not valid
> Try `iptables -h' or 'iptables --help' for more information.
-p tcp -j REDIRECT --to-ports 10-ssh;;FAIL
> iptables v1.8.9 (nf_tables): Port `ssh' not valid
> Try `iptables -h' or 'iptables --help' for more information.
-j REDIRECT --to-ports 42;;FAIL
> iptables v1.8.9 (nf_tables): Need TCP, UDP, SCTP or DCCP with port specification
> Try `iptables -h' or 'iptables --help' for more information.
-j REDIRECT --random;=;OK
