# Vectors of MARK: iptables 1.8.9's libxt_MARK.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-j MARK --set-xmark 0xfeedcafe/0xfeedcafe;=;OK
-j MARK --set-xmark 0x0;-j MARK --set-xmark 0x0/0xffffffff;OK
-j MARK --set-xmark 4294967295;-j MARK --set-xmark 0xffffffff/0xffffffff;OK
-j MARK --set-xmark 4294967296;;FAIL
> iptables v1.8.9 (nf_tables): MARK: bad integer value for option "--set-xmark", or out of range.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j MARK --set-xmark -1;;FAIL
> iptables v1.8.9 (nf_tables): MARK: bad integer value for option "--set-xmark", or out of range.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j MARK;;FAIL
> iptables v1.8.9 (nf_tables): MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required
> Try `iptables -h' or 'iptables --help' for more information.
