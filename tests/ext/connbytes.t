# Vectors of connbytes: iptables 1.8.9's libxt_connbytes.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m connbytes --connbytes 0:1000 --connbytes-mode packets --connbytes-dir original;=;OK
-m connbytes --connbytes 0:1000 --connbytes-mode packets --connbytes-dir reply;=;OK
-m connbytes --connbytes 0:1000 --connbytes-mode packets --connbytes-dir both;=;OK
-m connbytes --connbytes 0:1000 --connbytes-mode bytes --connbytes-dir original;=;OK
-m connbytes --connbytes 0:1000 --connbytes-mode bytes --connbytes-dir reply;=;OK
-m connbytes --connbytes 0:1000 --connbytes-mode bytes --connbytes-dir both;=;OK
-m connbytes --connbytes 0:1000 --connbytes-mode avgpkt --connbytes-dir original;=;OK
-m connbytes --connbytes 0:1000 --connbytes-mode avgpkt --connbytes-dir reply;=;OK
-m connbytes --connbytes 0:1000 --connbytes-mode avgpkt --connbytes-dir both;=;OK
-m connbytes --connbytes -1:0 --connbytes-mode packets --connbytes-dir original;;FAIL
> iptables v1.8.9 (nf_tables): connbytes: bad value for option "--connbytes" near "-1:0", or out of range (0-18446744073709551615).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connbytes --connbytes 0:-1 --connbytes-mode packets --connbytes-dir original;;FAIL
> iptables v1.8.9 (nf_tables): connbytes: bad value for option "--connbytes" near "-1", or out of range (0-18446744073709551615).
> 
> Try `iptables -h' or 'iptables --help' for more information.
# ERROR: cannot find: iptables -I INPUT -m connbytes --connbytes 0:18446744073709551615 --connbytes-mode avgpkt --connbytes-dir both
# -m connbytes --connbytes 0:18446744073709551615 --connbytes-mode avgpkt --connbytes-dir both;=;OK
-m connbytes --connbytes 0:18446744073709551616 --connbytes-mode avgpkt --connbytes-dir both;;FAIL
> iptables v1.8.9 (nf_tables): connbytes: bad value for option "--connbytes" near "18446744073709551616", or out of range (0-18446744073709551615).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connbytes --connbytes 0:1000 --connbytes-mode wrong --connbytes-dir both;;FAIL
> iptables v1.8.9 (nf_tables): Unknown --connbytes-mode `wrong'
> Try `iptables -h' or 'iptables --help' for more information.
-m connbytes --connbytes 0:1000 --connbytes-dir original;;FAIL
> iptables v1.8.9 (nf_tables): connbytes: option "--connbytes-mode" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connbytes --connbytes 0:1000 --connbytes-mode packets;;FAIL
> iptables v1.8.9 (nf_tables): connbytes: option "--connbytes-dir" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connbytes --connbytes-dir original;;FAIL
> iptables v1.8.9 (nf_tables): connbytes: option "--connbytes" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connbytes --connbytes 0:1000;;FAIL
> iptables v1.8.9 (nf_tables): connbytes: option "--connbytes-dir" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connbytes;;FAIL
> iptables v1.8.9 (nf_tables): connbytes: option "--connbytes" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
