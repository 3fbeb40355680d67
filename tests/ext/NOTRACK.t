# Vectors of NOTRACK: iptables 1.8.9's libxt_NOTRACK.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,OUTPUT
*raw
-j NOTRACK;=;OK
