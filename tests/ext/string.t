# Vectors of string: iptables 1.8.9's libxt_string.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m string --algo bm --string "test";-m string --string "test" --algo bm;OK
-m string --string "test" --algo kmp;=;OK
-m string ! --string "test" --algo kmp;=;OK
-m string --string "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" --algo bm;=;OK
-m string --string "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" --algo bm;;FAIL
> iptables v1.8.9 (nf_tables): STRING too long "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
> Try `iptables -h' or 'iptables --help' for more information.
-m string --hex-string "|0a0a0a0a|" --algo bm;=;OK
-m string --algo bm --from 0 --to 65535 --string "test";-m string --string "test" --algo bm;OK
-m string --algo wrong;;FAIL
> iptables v1.8.9 (nf_tables): STRING match: You must specify `--string' or `--hex-string'
> Try `iptables -h' or 'iptables --help' for more information.
-m string --algo bm;;FAIL
> iptables v1.8.9 (nf_tables): STRING match: You must specify `--string' or `--hex-string'
> Try `iptables -h' or 'iptables --help' for more information.
-m string;;FAIL
> iptables v1.8.9 (nf_tables): STRING match: You must specify `--string' or `--hex-string'
> Try `iptables -h' or 'iptables --help' for more information.
