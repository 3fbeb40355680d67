# Vectors of hbh: iptables 1.8.9's libip6t_hbh.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:INPUT,FORWARD,OUTPUT
-m hbh;=;OK
-m hbh --hbh-len 42;=;OK
-m hbh ! --hbh-len 42;=;OK
-m hbh --hbh-len 42 --hbh-opts 1:2,23:42,4:6,8:10,42,23,4:5;=;OK
