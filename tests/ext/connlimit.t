# Vectors of connlimit: iptables 1.8.9's libxt_connlimit.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m connlimit --connlimit-upto 0;-m connlimit --connlimit-upto 0 --connlimit-mask 32 --connlimit-saddr;OK
-m connlimit --connlimit-upto 4294967295 --connlimit-mask 32 --connlimit-saddr;=;OK
-m connlimit --connlimit-upto 4294967296 --connlimit-mask 32 --connlimit-saddr;;FAIL
> iptables v1.8.9 (nf_tables): connlimit: bad value for option "--connlimit-upto", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connlimit --connlimit-upto -1;;FAIL
> iptables v1.8.9 (nf_tables): connlimit: bad value for option "--connlimit-upto", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connlimit --connlimit-above 0;-m connlimit --connlimit-above 0 --connlimit-mask 32 --connlimit-saddr;OK
-m connlimit --connlimit-above 4294967295 --connlimit-mask 32 --connlimit-saddr;=;OK
-m connlimit --connlimit-above 4294967296 --connlimit-mask 32 --connlimit-saddr;;FAIL
> iptables v1.8.9 (nf_tables): connlimit: bad value for option "--connlimit-above", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connlimit --connlimit-above -1;;FAIL
> iptables v1.8.9 (nf_tables): connlimit: bad value for option "--connlimit-above", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connlimit --connlimit-upto 1 --conlimit-above 1;;FAIL
> iptables v1.8.9 (nf_tables): unknown option "--conlimit-above"
> Try `iptables -h' or 'iptables --help' for more information.
-m connlimit --connlimit-above 10 --connlimit-saddr;-m connlimit --connlimit-above 10 --connlimit-mask 32 --connlimit-saddr;OK
-m connlimit --connlimit-above 10 --connlimit-daddr;-m connlimit --connlimit-above 10 --connlimit-mask 32 --connlimit-daddr;OK
-m connlimit --connlimit-above 10 --connlimit-saddr --connlimit-daddr;;FAIL
> iptables v1.8.9 (nf_tables): connlimit: option "--connlimit-saddr" cannot be used together with "--connlimit-daddr".
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m connlimit --connlimit-above 10 --connlimit-mask 32 --connlimit-saddr;=;OK
-m connlimit --connlimit-above 10 --connlimit-mask 32 --connlimit-daddr;=;OK
-m connlimit;;FAIL
> iptables v1.8.9 (nf_tables): You must specify "--connlimit-above" or "--connlimit-upto".
> Try `iptables -h' or 'iptables --help' for more information.
