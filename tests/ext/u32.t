# Vectors of u32: iptables 1.8.9's libxt_u32.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m u32 --u32 "0x0=0x0&&0x0=0x1";=;OK
